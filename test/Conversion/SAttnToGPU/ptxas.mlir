// REQUIRES: ptxas
// RUN: sparsa-cuda-compile %s --emit=ptx -o %t.ptx
// RUN: %ptxas -arch=sm_90 -v %t.ptx -o %t.cubin 2>&1 | FileCheck %s
// RUN: sparsa-cuda-compile %s --emit=ptx --chip=sm_80 -o %t80.ptx
// RUN: %ptxas -arch=sm_80 -v %t80.ptx -o %t80.cubin 2>&1 | FileCheck %s

// The generated PTX assembles for Hopper and for the sm_80 fallback; the
// default tiles (128 x 64, D = 128) neither spill nor use a stack frame.

// CHECK: Compiling entry function 'causal_part0'
// CHECK: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
module {
  func.func @causal() -> !mask.mask attributes {mask.pattern} {
    %0 = mask.causal [0]
    return %0 : !mask.mask
  }
}
