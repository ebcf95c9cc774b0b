// RUN: sparsa-opt %s --split-input-file --sattn-expand-ranges --verify-diagnostics

// expected-error @below {{'sattn.kernel' op needs a tiling (run sparsa-select-tiling) before its ranges can be expanded}}
sattn.kernel @untiled attributes {head_dim = 8 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  sattn.range %qt to %nk full
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}

// -----

sattn.kernel @permuted attributes {tiling = #sattn.tiling<block_q = 4, block_k = 4, vector_width = 8, target = "cpu">, key_map = #sattn.token_map<residue, period = 4>, head_dim = 8 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  // expected-error @below {{'sattn.random_range' op needs the identity token maps: random blocks are drawn in token order}}
  sattn.random_range %qt to %nk block %nq count 2 seed 1
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}
