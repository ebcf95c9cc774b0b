// RUN: sparsa-opt %s --convert-sattn-to-vector --split-input-file --verify-diagnostics

// expected-error @+1 {{'sattn.kernel' op needs a #sattn.tiling attribute to be lowered to the cpu}}
sattn.kernel @untiled attributes {head_dim = 64 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}

// -----

// expected-error @+1 {{'sattn.kernel' op is tiled for target 'cuda', expected 'cpu'}}
sattn.kernel @gpu attributes {tiling = #sattn.tiling<block_q = 64, block_k = 64, vector_width = 16, target = "cuda">, head_dim = 64 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}

// -----

// expected-error @+1 {{'sattn.kernel' op vector width 12 is not supported on the cpu (4, 8, 16)}}
sattn.kernel @vw attributes {tiling = #sattn.tiling<block_q = 64, block_k = 48, vector_width = 12, target = "cpu">, head_dim = 48 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}

// -----

// expected-error @+1 {{'sattn.kernel' op key block 40 must be a multiple of the vector width 16}}
sattn.kernel @bk attributes {tiling = #sattn.tiling<block_q = 64, block_k = 40, vector_width = 16, target = "cpu">, head_dim = 64 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}

// -----

// Queries lie across the vector lanes of the score tile.
// expected-error @+1 {{'sattn.kernel' op query block 40 must be a multiple of the vector width 16}}
sattn.kernel @bq attributes {tiling = #sattn.tiling<block_q = 40, block_k = 64, vector_width = 16, target = "cpu">, head_dim = 64 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}

// -----

// expected-error @+1 {{'sattn.kernel' op head dimension 72 must be a multiple of the vector width 16}}
sattn.kernel @hd attributes {tiling = #sattn.tiling<block_q = 64, block_k = 64, vector_width = 16, target = "cpu">, head_dim = 72 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}

// -----

// expected-error @+1 {{'sattn.kernel' op tile 2048 x 64 is out of the cpu range (1 to 1024)}}
sattn.kernel @big attributes {tiling = #sattn.tiling<block_q = 2048, block_k = 64, vector_width = 16, target = "cpu">, head_dim = 64 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}

// -----

sattn.kernel @ranges attributes {tiling = #sattn.tiling<block_q = 64, block_k = 64, vector_width = 16, target = "cpu">, head_dim = 64 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{'sattn.range' op must be expanded by sattn-expand-ranges before convert-sattn-to-vector}}
  sattn.range %c0 to %qt full
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}

// -----

// Every key-tile range kind is a precondition failure, not only sattn.range
// (the same check as convert-sattn-to-gpu's).
sattn.kernel @other_ranges attributes {tiling = #sattn.tiling<block_q = 64, block_k = 64, vector_width = 16, target = "cpu">, head_dim = 64 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  // expected-error @+1 {{'sattn.periodic_range' op must be expanded by sattn-expand-ranges before convert-sattn-to-vector}}
  sattn.periodic_range %c0 to %qt period %c4 residues %c0 to %c4
  // expected-error @+1 {{'sattn.member_range' op must be expanded by sattn-expand-ranges before convert-sattn-to-vector}}
  sattn.member_range %c0 to %qt members [0, -1]
  // expected-error @+1 {{'sattn.random_range' op must be expanded by sattn-expand-ranges before convert-sattn-to-vector}}
  sattn.random_range %c0 to %qt block %c4 count 2 seed 7
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}

// -----

// expected-error @+1 {{'sattn.kernel' op tile buffers of 9717760 bytes (block 512 x 512, head dimension 1024) exceed the cpu stack budget of 1048576 bytes}}
sattn.kernel @huge attributes {tiling = #sattn.tiling<block_q = 512, block_k = 512, vector_width = 16, target = "cpu">, head_dim = 1024 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}
