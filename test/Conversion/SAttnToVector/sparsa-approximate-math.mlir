// RUN: sparsa-opt %s --sparsa-approximate-math | FileCheck %s

// The softmax exponentials and the LSE logarithm become polynomials on
// arith/math.fma: no libm call is left for the JIT or the linker.

// CHECK-LABEL: func.func @exp_log
// CHECK-NOT: math.exp
// CHECK-NOT: math.log
// CHECK: math.fma %{{.+}} : vector<16xf32>
// CHECK: arith.bitcast %{{.+}} : vector<16xi32> to vector<16xf32>
// CHECK: math.fma %{{.+}} : f32
// CHECK-NOT: math.exp
// CHECK-NOT: math.log
// CHECK: return
func.func @exp_log(%x: vector<16xf32>, %y: f32) -> (vector<16xf32>, f32) {
  %e = math.exp %x : vector<16xf32>
  %l = math.log %y : f32
  return %e, %l : vector<16xf32>, f32
}
