// RUN: sparsa-opt %s --convert-sattn-to-gpu="rows-per-warp=24" --verify-diagnostics

// expected-error @below {{rows per warp 24 must be 16 or 32}}
sattn.kernel @rows attributes {
    tiling = #sattn.tiling<block_q = 48, block_k = 64, vector_width = 8, target = "cuda">,
    head_dim = 64 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}
