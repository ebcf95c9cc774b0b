// RUN: sparsa-opt %s --convert-sattn-to-vector=row-spans=false | FileCheck %s
// RUN: sparsa-opt %s --convert-sattn-to-vector | FileCheck %s --check-prefix=SPANS

// Without row spans (the masked-dense baseline) a PARTIAL tile still
// evaluates the predicate once into byte masks, but computes every score
// of the tile and runs the softmax and P·V over every key; with them it
// records the span of each query and restricts all three to it.

// CHECK-LABEL: func.func private @causal_partial_tile(
// CHECK-NOT: vector.reduction <minsi>
// CHECK: arith.extui %{{.+}} : vector<16xi1> to vector<16xi8>
// CHECK-NOT: vector.reduction <minsi>
// CHECK: scf.for %{{.+}} = %c0 to %{{.+}} step %c4 {
// CHECK-COUNT-16: vector.fma
// CHECK: scf.for %{{.+}} = %c0 to %{{.+}} step %c1 iter_args(
// CHECK: math.exp
// CHECK: scf.for %{{.+}} = %c0 to %{{.+}} step %c1 iter_args(
// CHECK-LABEL: func.func @causal_work_items(

// SPANS-LABEL: func.func private @causal_partial_tile(
// SPANS: vector.reduction <minsi>
// SPANS: vector.reduction <maxsi>
sattn.kernel @causal attributes {
    tiling = #sattn.tiling<block_q = 64, block_k = 64, vector_width = 16, target = "cpu">,
    head_dim = 64 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %kt = %c0 to %qt step %c1 {
    sattn.visit %kt full
  }
  sattn.visit %qt partial
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %le = arith.cmpi ule, %k, %q : index
  sattn.yield %le : i1
}
