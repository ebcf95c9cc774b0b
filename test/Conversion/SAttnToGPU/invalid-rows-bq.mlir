// RUN: sparsa-opt %s --convert-sattn-to-gpu --verify-diagnostics

// expected-error @below {{block_q 48 must be a multiple of the 32 rows of a warp}}
sattn.kernel @rows attributes {
    tiling = #sattn.tiling<block_q = 48, block_k = 64, vector_width = 8, target = "cuda",
        cuda = #sattn.cuda_config<chip = "sm_90", mma = mma_sync, element_type = bf16,
          rows_per_warp = 32, stages = 2, q_in_registers = true>>,
    head_dim = 64 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}
