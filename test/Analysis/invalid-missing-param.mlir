// RUN: sparsa-opt %s --verify-diagnostics --sparsa-test-normal-form="nq=8" -o /dev/null
// RUN: sparsa-opt %s --verify-diagnostics --sparsa-test-tile-classification="nq=8" -o /dev/null
// RUN: sparsa-opt %s --verify-diagnostics --sparsa-test-layout-plan="nq=8" -o /dev/null

// expected-error @+1 {{mask.window: no value given for runtime parameter #0}}
func.func @missing(%w: index) -> !mask.mask {
  %m = mask.window [%w, 0]
  return %m : !mask.mask
}
