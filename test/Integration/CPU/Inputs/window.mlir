// Sliding window k in [q - W, q] with W a runtime parameter; every visited
// key tile is PARTIAL except those entirely inside the window.
sattn.kernel @window attributes {
    tiling = #sattn.tiling<block_q = 32, block_k = 32, vector_width = 16, target = "cpu">,
    head_dim = 32 : i64, num_params = 1 : i64, param_names = ["W"]} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index, %w: index):
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %bq = arith.constant 32 : index
  %q0 = arith.muli %qt, %bq : index
  %lo = arith.subi %q0, %w : index
  %neg = arith.cmpi slt, %lo, %c0 : index
  %lo0 = arith.select %neg, %c0, %lo : index
  %first = arith.divui %lo0, %bq : index
  scf.for %kt = %first to %qt step %c1 {
    sattn.visit %kt partial
  }
  sattn.visit %qt partial
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index, %w: index):
  %le = arith.cmpi ule, %k, %q : index
  %kw = arith.addi %k, %w : index
  %ge = arith.cmpi uge, %kw, %q : index
  %ok = arith.andi %le, %ge : i1
  sattn.yield %ok : i1
}
