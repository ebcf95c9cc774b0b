// RUN: sparsa-opt %s | FileCheck %s
// RUN: sparsa-opt %s | sparsa-opt | FileCheck %s
// RUN: sparsa-opt %s --mlir-print-op-generic | sparsa-opt | FileCheck %s

// CHECK-LABEL: sattn.kernel @swa
// CHECK-SAME: tiling = #sattn.tiling<block_q = 64, block_k = 64, vector_width = 16, target = "cpu">
// CHECK: ^bb0(%[[QT:.+]]: index, %{{.+}}: index, %{{.+}}: index, %{{.+}}: index, %[[W:.+]]: index):
// CHECK: sattn.range %{{.+}} to %{{.+}} full
// CHECK: sattn.range %{{.+}} to %{{.+}} partial
// CHECK: sattn.yield
// CHECK: } predicate {
// CHECK: sattn.yield %{{.+}} : i1
sattn.kernel @swa attributes {
    tiling = #sattn.tiling<block_q = 64, block_k = 64, vector_width = 16, target = "cpu">,
    layout = #sattn.layout<residue = 1>,
    head_dim = 64 : i64, num_params = 1 : i64, param_names = ["W"]} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index, %w: index):
  %c1 = arith.constant 1 : index
  %next = arith.addi %qt, %c1 : index
  sattn.range %qt to %next full
  sattn.range %c1 to %next partial
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index, %w: index):
  %le = arith.cmpi ule, %k, %q : index
  sattn.yield %le : i1
}

// CHECK-LABEL: sattn.kernel @expanded
// CHECK: scf.for
// CHECK: sattn.visit %{{.+}} partial
sattn.kernel @expanded attributes {head_dim = 128 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %kt = %c0 to %qt step %c1 {
    sattn.visit %kt partial
  }
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}
