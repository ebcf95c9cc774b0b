// Benchmark kernels (expanded sattn): causal attention with block_q ==
// block_k, and the same mask as "masked dense" (every key tile PARTIAL).
// head_dim is substituted by the benchmark script (HEAD_DIM).
sattn.kernel @causal attributes {
    tiling = #sattn.tiling<block_q = 64, block_k = 64, vector_width = 16, target = "cpu">,
    head_dim = HEAD_DIM : i64, num_params = 0 : i64, param_names = []} {
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

sattn.kernel @causal_masked_dense attributes {
    tiling = #sattn.tiling<block_q = 64, block_k = 64, vector_width = 16, target = "cpu">,
    head_dim = HEAD_DIM : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %bk = arith.constant 64 : index
  %nkt = arith.ceildivui %nk, %bk : index
  scf.for %kt = %c0 to %nkt step %c1 {
    sattn.visit %kt partial
  }
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %le = arith.cmpi ule, %k, %q : index
  sattn.yield %le : i1
}
