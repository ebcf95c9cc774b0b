// RUN: sparsa-opt %s --convert-sattn-to-gpu | FileCheck %s

// CHECK-LABEL: gpu.func @full(
// CHECK-SAME: memref<1xf16>
// CHECK: nvvm.mma.sync
// CHECK-SAME: shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (vector<2xf16>, vector<2xf16>, f32)
sattn.kernel @full attributes {
    tiling = #sattn.tiling<block_q = 64, block_k = 64, vector_width = 8, target = "cuda",
        cuda = #sattn.cuda_config<chip = "sm_90", mma = mma_sync, element_type = f16,
          rows_per_warp = 32, stages = 2, q_in_registers = true>>,
    head_dim = 64 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  sattn.visit %qt full
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}
