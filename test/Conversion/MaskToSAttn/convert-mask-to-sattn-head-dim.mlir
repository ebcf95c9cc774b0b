// RUN: not sparsa-opt %s --convert-mask-to-sattn="head-dim=0" 2>&1 | FileCheck %s
// CHECK: error: head dimension must be positive, got 0
func.func @causal() -> !mask.mask {
  %m = mask.causal [0]
  return %m : !mask.mask
}
