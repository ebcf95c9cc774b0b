// Benchmark kernels: sliding window q - W <= k <= q (W a runtime
// parameter) with FULL interior tiles, and its masked-dense form.
// HEAD_DIM is substituted by bench/cpu/run.sh.
sattn.kernel @window attributes {
    tiling = #sattn.tiling<block_q = 64, block_k = 64, vector_width = 16, target = "cpu">,
    head_dim = HEAD_DIM : i64, num_params = 1 : i64, param_names = ["W"]} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index, %w: index):
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %b = arith.constant 64 : index
  // Tiles kt with some key in [q0 - W, q0 + 63]: from (q0 - W) / 64 to qt.
  %q0 = arith.muli %qt, %b : index
  %lo = arith.subi %q0, %w : index
  %neg = arith.cmpi slt, %lo, %c0 : index
  %lo0 = arith.select %neg, %c0, %lo : index
  %first = arith.divui %lo0, %b : index
  // FULL when every (q, k) of the tile is in the window: k0 >= q0 + 63 - W
  // and k0 + 63 <= q0, i.e. kt < qt and kt * 64 + W >= q0 + 63.
  %c63 = arith.constant 63 : index
  scf.for %kt = %first to %qt step %c1 {
    %k0 = arith.muli %kt, %b : index
    %reach = arith.addi %k0, %w : index
    %need = arith.addi %q0, %c63 : index
    %inside = arith.cmpi uge, %reach, %need : index
    scf.if %inside {
      sattn.visit %kt full
    } else {
      sattn.visit %kt partial
    }
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

sattn.kernel @window_masked_dense attributes {
    tiling = #sattn.tiling<block_q = 64, block_k = 64, vector_width = 16, target = "cpu">,
    head_dim = HEAD_DIM : i64, num_params = 1 : i64, param_names = ["W"]} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index, %w: index):
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %bk = arith.constant 64 : index
  %nkt = arith.ceildivui %nk, %bk : index
  scf.for %kt = %c0 to %nkt step %c1 {
    sattn.visit %kt partial
  }
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index, %w: index):
  %le = arith.cmpi ule, %k, %q : index
  %kw = arith.addi %k, %w : index
  %ge = arith.cmpi uge, %kw, %q : index
  %ok = arith.andi %le, %ge : i1
  sattn.yield %ok : i1
}
