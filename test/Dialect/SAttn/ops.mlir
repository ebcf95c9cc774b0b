// RUN: sparsa-opt %s --allow-unregistered-dialect | FileCheck %s
// RUN: sparsa-opt %s --allow-unregistered-dialect | sparsa-opt --allow-unregistered-dialect | FileCheck %s
// RUN: sparsa-opt %s --allow-unregistered-dialect --mlir-print-op-generic | sparsa-opt --allow-unregistered-dialect | FileCheck %s

// CHECK-LABEL: sattn.kernel @swa
// CHECK-SAME: tiling = #sattn.tiling<block_q = 64, block_k = 64, vector_width = 16, target = "cpu">
// CHECK: ^bb0(%[[QT:.+]]: index, %{{.+}}: index, %{{.+}}: index, %{{.+}}: index, %[[W:.+]]: index):
// CHECK: sattn.range %{{.+}} to %{{.+}} full
// CHECK: sattn.range %{{.+}} to %{{.+}} partial
// CHECK: sattn.periodic_range %{{.+}} to %{{.+}} period %{{.+}} residues %{{.+}} to %{{.+}}
// CHECK: sattn.member_range %{{.+}} to %{{.+}} members [0, 5, -1]
// CHECK: sattn.random_range %{{.+}} to %{{.+}} block %{{.+}} count 3 seed 42
// CHECK: sattn.random_range %{{.+}} to %{{.+}} block %{{.+}} count 3 seed 42 by_key
// CHECK: sattn.yield
// CHECK: } predicate {
// CHECK: sattn.yield %{{.+}} : i1
sattn.kernel @swa attributes {
    tiling = #sattn.tiling<block_q = 64, block_k = 64, vector_width = 16, target = "cpu">,
    query_map = #sattn.token_map<identity>, key_map = #sattn.token_map<residue, period = 4>,
    head_dim = 64 : i64, num_params = 1 : i64, param_names = ["W"]} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index, %w: index):
  %c1 = arith.constant 1 : index
  %next = arith.addi %qt, %c1 : index
  sattn.range %qt to %next full
  sattn.range %c1 to %next partial
  sattn.periodic_range %c1 to %next period %w residues %c1 to %w
  sattn.member_range %c1 to %next members [0, 5, -1]
  sattn.random_range %c1 to %next block %w count 3 seed 42
  sattn.random_range %c1 to %next block %w count 3 seed 42 by_key
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

// CHECK-LABEL: sattn.attention @both parts [@swa, @swa]
sattn.attention @both parts [@swa, @swa]

// CHECK: "test.maps"() {a = #sattn.token_map<summary_gather, period = 8, count = 2>, b = #sattn.token_map<member_gather, members = [0, -1]>}
"test.maps"() {a = #sattn.token_map<summary_gather, count = 2, period = 8>, b = #sattn.token_map<member_gather, members = [0, -1]>} : () -> ()

// A cuda tiling carries the GPU policy, and it round-trips.
// CHECK-LABEL: sattn.kernel @gpu
// CHECK-SAME: tiling = #sattn.tiling<block_q = 128, block_k = 64, vector_width = 8, target = "cuda", cuda = #sattn.cuda_config<chip = "sm_80", mma = mma_sync, element_type = f16, rows_per_warp = 32, stages = 3, q_in_registers = false>>
sattn.kernel @gpu attributes {
    tiling = #sattn.tiling<block_q = 128, block_k = 64, vector_width = 8, target = "cuda",
      cuda = #sattn.cuda_config<chip = "sm_80", mma = mma_sync, element_type = f16,
                                rows_per_warp = 32, stages = 3, q_in_registers = false>>,
    head_dim = 128 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}
