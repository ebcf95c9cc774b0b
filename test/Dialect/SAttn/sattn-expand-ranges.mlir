// RUN: sparsa-opt %s --split-input-file --sattn-expand-ranges | FileCheck %s

// Two overlapping ranges: one sweep; a tile is FULL when the FULL range
// holds it, and the ranges are gone.
// CHECK-LABEL: sattn.kernel @two
// CHECK-NOT: sattn.range
// CHECK: %[[NKT:.+]] = arith.ceildivsi %{{.+}}, %c4
// CHECK: scf.while (%[[CUR:.+]] = %{{.+}}) : (index) -> index {
// CHECK: arith.maxsi %[[CUR]]
// CHECK: scf.condition(%{{.+}}) %{{.+}} : index
// CHECK: } do {
// CHECK: ^bb0(%[[KT:.+]]: index):
// CHECK: scf.if %{{.+}} {
// CHECK-NEXT: sattn.visit %[[KT]] full
// CHECK-NEXT: } else {
// CHECK-NEXT: sattn.visit %[[KT]] partial
// CHECK: arith.addi %[[KT]], %c1
// CHECK-NOT: sattn.range
// CHECK: sattn.yield
sattn.kernel @two attributes {tiling = #sattn.tiling<block_q = 4, block_k = 4, vector_width = 8, target = "cpu">, head_dim = 8 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  %c1 = arith.constant 1 : index
  %next = arith.addi %qt, %c1 : index
  %c0 = arith.constant 0 : index
  sattn.range %c0 to %qt full
  sattn.range %c0 to %next partial
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %le = arith.cmpi sle, %k, %q : index
  sattn.yield %le : i1
}

// -----

// Periodic, member and random ranges each add their next-tile computation;
// the random draw runs per query block of the tile.
// CHECK-LABEL: sattn.kernel @refined
// CHECK: scf.while
// CHECK: arith.floordivsi
// CHECK: scf.for
// CHECK: arith.remui
// CHECK: scf.condition
// CHECK-NOT: sattn.periodic_range
// CHECK-NOT: sattn.member_range
// CHECK-NOT: sattn.random_range
sattn.kernel @refined attributes {tiling = #sattn.tiling<block_q = 4, block_k = 4, vector_width = 8, target = "cpu">, head_dim = 8 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %c8 = arith.constant 8 : index
  sattn.periodic_range %c0 to %nk period %c8 residues %c2 to %c8
  sattn.member_range %c0 to %nk members [0, -1]
  sattn.random_range %c0 to %nk block %c8 count 2 seed 5
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}

// -----

// Nothing to expand: visits written directly stay as they are.
// CHECK-LABEL: sattn.kernel @visits
// CHECK-NOT: scf.while
// CHECK: sattn.visit %{{.+}} full
sattn.kernel @visits attributes {head_dim = 8 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  sattn.visit %qt full
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}
