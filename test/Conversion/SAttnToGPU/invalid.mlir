// RUN: sparsa-opt %s --convert-sattn-to-gpu --split-input-file --verify-diagnostics

// expected-error @below {{has no #sattn.tiling; run sparsa-select-tiling with target=cuda first}}
sattn.kernel @untiled attributes {head_dim = 64 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}

// -----

// expected-error @below {{is tiled for target 'cpu', expected 'cuda'}}
sattn.kernel @cpu attributes {
    tiling = #sattn.tiling<block_q = 64, block_k = 64, vector_width = 16, target = "cpu">,
    head_dim = 64 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}

// -----

// expected-error @below {{block_q 40 must be a multiple of 16 in [16, 256] for cuda}}
sattn.kernel @bq attributes {
    tiling = #sattn.tiling<block_q = 40, block_k = 64, vector_width = 8, target = "cuda",
        cuda = #sattn.cuda_config<chip = "sm_90", mma = mma_sync, element_type = bf16,
          rows_per_warp = 16, stages = 2, q_in_registers = true>>,
    head_dim = 64 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}

// -----

// expected-error @below {{block_k 8 must be a multiple of 16 in [16, 128] for cuda}}
sattn.kernel @bk attributes {
    tiling = #sattn.tiling<block_q = 64, block_k = 8, vector_width = 8, target = "cuda",
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

// -----

// expected-error @below {{head_dim 72 must be a multiple of 16 in [16, 256] for cuda}}
sattn.kernel @hd attributes {
    tiling = #sattn.tiling<block_q = 64, block_k = 64, vector_width = 8, target = "cuda",
        cuda = #sattn.cuda_config<chip = "sm_90", mma = mma_sync, element_type = bf16,
          rows_per_warp = 16, stages = 2, q_in_registers = true>>,
    head_dim = 72 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}

// -----

// expected-error @below {{block_k * head_dim / 8 = 256 must be a multiple of the 512 threads of a block}}
sattn.kernel @threads attributes {
    tiling = #sattn.tiling<block_q = 256, block_k = 16, vector_width = 8, target = "cuda",
        cuda = #sattn.cuda_config<chip = "sm_90", mma = mma_sync, element_type = bf16,
          rows_per_warp = 16, stages = 2, q_in_registers = true>>,
    head_dim = 128 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}

// -----

// expected-error @below {{needs 405504 bytes of shared memory, more than the 232448 a block of sm_90 has}}
sattn.kernel @smem attributes {
    tiling = #sattn.tiling<block_q = 256, block_k = 128, vector_width = 8, target = "cuda",
        cuda = #sattn.cuda_config<chip = "sm_90", mma = mma_sync, element_type = bf16,
          rows_per_warp = 16, stages = 2, q_in_registers = true>>,
    head_dim = 256 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}

// -----

sattn.kernel @unexpanded attributes {
    tiling = #sattn.tiling<block_q = 64, block_k = 64, vector_width = 8, target = "cuda",
        cuda = #sattn.cuda_config<chip = "sm_90", mma = mma_sync, element_type = bf16,
          rows_per_warp = 32, stages = 2, q_in_registers = true>>,
    head_dim = 64 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  %c0 = arith.constant 0 : index
  // expected-error @below {{must be expanded by sattn-expand-ranges before convert-sattn-to-gpu}}
  sattn.range %c0 to %qt full
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}

// -----

// expected-error @below {{has a cuda tiling without a #sattn.cuda_config; run sparsa-select-tiling with target=cuda first}}
sattn.kernel @noconfig attributes {
    tiling = #sattn.tiling<block_q = 64, block_k = 64, vector_width = 8, target = "cuda">,
    head_dim = 64 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}

// -----

// expected-error @below {{asks for 3 stages; the mma_sync kernels have a two-stage K / V ring}}
sattn.kernel @stages attributes {
    tiling = #sattn.tiling<block_q = 64, block_k = 64, vector_width = 8, target = "cuda",
        cuda = #sattn.cuda_config<chip = "sm_90", mma = mma_sync, element_type = bf16,
          rows_per_warp = 16, stages = 3, q_in_registers = true>>,
    head_dim = 64 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}

// -----

// The config's chip bounds the tiles: 128 x 64 at D = 256 needs 198 KiB,
// more than an sm_86 block may have.
// expected-error @below {{sm_86}}
sattn.kernel @chip attributes {
    tiling = #sattn.tiling<block_q = 128, block_k = 64, vector_width = 8, target = "cuda",
        cuda = #sattn.cuda_config<chip = "sm_86", mma = mma_sync, element_type = bf16,
          rows_per_warp = 16, stages = 2, q_in_registers = true>>,
    head_dim = 256 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}
