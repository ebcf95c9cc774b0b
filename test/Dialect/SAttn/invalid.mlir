// RUN: sparsa-opt %s --split-input-file --verify-diagnostics --allow-unregistered-dialect

// expected-error @below {{schedule region expects 5 index arguments, got 4}}
sattn.kernel @k attributes {head_dim = 64 : i64, num_params = 1 : i64, param_names = ["W"]} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index, %w: index):
  %t = arith.constant true
  sattn.yield %t : i1
}

// -----

// expected-error @below {{predicate region arguments must be index, got 'i32'}}
sattn.kernel @k attributes {head_dim = 64 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  sattn.yield
} predicate {
^bb0(%h: index, %q: i32, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}

// -----

sattn.kernel @k attributes {head_dim = 64 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  // expected-error @below {{'sattn.yield' op in the predicate region yields 1 values, got 0}}
  sattn.yield
}

// -----

// expected-error @below {{head dimension must be positive, got 0}}
sattn.kernel @k attributes {head_dim = 0 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}

// -----

// expected-error @below {{has 0 parameter names for 1 runtime parameters}}
sattn.kernel @k attributes {head_dim = 8 : i64, num_params = 1 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index, %w: index):
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index, %w: index):
  %t = arith.constant true
  sattn.yield %t : i1
}

// -----

sattn.kernel @k attributes {head_dim = 8 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %qt step %c1 {
    // expected-error @below {{'sattn.range' op must be directly in the schedule block, not nested in control flow}}
    sattn.range %i to %qt full
  }
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}

// -----

func.func @outside(%i: index) {
  // expected-error @below {{'sattn.visit' op must be in a kernel's schedule region}}
  sattn.visit %i full
  return
}

// -----

func.func @outside_range(%i: index) {
  // expected-error @below {{'sattn.range' op must be in a kernel's schedule region}}
  sattn.range %i to %i full
  return
}

// -----

sattn.kernel @k attributes {head_dim = 8 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  // expected-error @below {{'sattn.visit' op must be in a kernel's schedule region}}
  sattn.visit %q full
  %t = arith.constant true
  sattn.yield %t : i1
}

// -----

sattn.kernel @k attributes {head_dim = 8 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  // expected-error @below {{'test.load' op is not allowed in a predicate region: it must be free of side effects}}
  %t = "test.load"() : () -> i1
  sattn.yield %t : i1
}

// -----

// expected-error @below {{tile sizes must be positive, got 0x64}}
sattn.kernel @k attributes {tiling = #sattn.tiling<block_q = 0, block_k = 64, vector_width = 16, target = "cpu">, head_dim = 8 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}

// -----

// expected-error @below {{vector width must be positive, got 0}}
"test.t"() {t = #sattn.tiling<block_q = 4, block_k = 64, vector_width = 0, target = "cpu">} : () -> ()

// -----

// expected-error @below {{unknown target 'tpu', expected 'cpu' or 'cuda'}}
"test.t"() {t = #sattn.tiling<block_q = 4, block_k = 64, vector_width = 8, target = "tpu">} : () -> ()

// -----

// expected-error @below {{token map period must be positive, got 0}}
"test.t"() {t = #sattn.token_map<residue, period = 0>} : () -> ()

// -----

// expected-error @below {{summary gather count must be in [1, 8], got 9}}
"test.t"() {t = #sattn.token_map<summary_gather, period = 8, count = 9>} : () -> ()

// -----

// expected-error @below {{only a member_gather map has members}}
"test.t"() {t = #sattn.token_map<identity, members = [1]>} : () -> ()

// -----

// expected-error @below {{only a summary_gather map has a count}}
"test.t"() {t = #sattn.token_map<residue, period = 4, count = 2>} : () -> ()

// -----

// expected-error @below {{a member_gather map has no period}}
"test.t"() {t = #sattn.token_map<member_gather, period = 4, members = [1]>} : () -> ()

// -----

sattn.kernel @k attributes {head_dim = 8 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  // expected-error @below {{'sattn.random_range' op count 65 exceeds the supported maximum 64}}
  sattn.random_range %qt to %nk block %nq count 65 seed 1
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}

// -----

sattn.kernel @k attributes {head_dim = 8 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  // expected-error @below {{'sattn.random_range' op count must be non-negative, got -1}}
  sattn.random_range %qt to %nk block %nq count -1 seed 1
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}

// -----

func.func @outside_periodic(%i: index) {
  // expected-error @below {{'sattn.periodic_range' op must be in a kernel's schedule region}}
  sattn.periodic_range %i to %i period %i residues %i to %i
  return
}

// -----

func.func @outside_member(%i: index) {
  // expected-error @below {{'sattn.member_range' op must be in a kernel's schedule region}}
  sattn.member_range %i to %i members [1, 2]
  return
}

// -----

// expected-error @below {{'sattn.attention' op part @nope is not a sattn.kernel}}
sattn.attention @a parts [@nope]

// -----

// expected-error @below {{'sattn.attention' op needs at least one part}}
sattn.attention @a parts []

// -----

sattn.kernel @k1 attributes {head_dim = 8 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}
sattn.kernel @k2 attributes {head_dim = 16 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}
// expected-error @below {{parts disagree on the head dimension or the runtime parameters}}
sattn.attention @a parts [@k1, @k2]


// -----

// expected-error @below {{unknown token map kind 'shuffle'}}
"test.t"() {t = #sattn.token_map<shuffle>} : () -> ()

// -----

// expected-error @below {{unknown token map field 'stride'}}
"test.t"() {t = #sattn.token_map<residue, stride = 4>} : () -> ()

// -----

// KeyTileRangeOpInterface's verifier holds for every range kind.
sattn.kernel @k attributes {head_dim = 8 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %true = arith.constant true
  scf.if %true {
    // expected-error @below {{'sattn.periodic_range' op must be directly in the schedule block, not nested in control flow}}
    sattn.periodic_range %c0 to %qt period %c4 residues %c0 to %c4
  }
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}

// -----

sattn.kernel @k attributes {head_dim = 8 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %qt step %c1 {
    // expected-error @below {{'sattn.member_range' op must be directly in the schedule block, not nested in control flow}}
    sattn.member_range %i to %qt members [3]
  }
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}

// -----

func.func @outside(%a: index) {
  // expected-error @below {{'sattn.random_range' op must be in a kernel's schedule region}}
  sattn.random_range %a to %a block %a count 1 seed 0
  return
}

// -----

// expected-error @below {{only a 'cuda' tiling has a cuda config}}
sattn.kernel @k attributes {tiling = #sattn.tiling<block_q = 64, block_k = 64, vector_width = 8, target = "cpu", cuda = #sattn.cuda_config<chip = "sm_90", mma = mma_sync, element_type = bf16, rows_per_warp = 16, stages = 2, q_in_registers = true>>, head_dim = 64 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}

// -----

// expected-error @below {{chip 'sm_75' is not an sm_XX architecture of sm_80 or newer}}
#config = #sattn.cuda_config<chip = "sm_75", mma = mma_sync, element_type = bf16, rows_per_warp = 16, stages = 2, q_in_registers = true>

// -----

// expected-error @below {{chip 'gfx90a' is not an sm_XX architecture of sm_80 or newer}}
#config = #sattn.cuda_config<chip = "gfx90a", mma = mma_sync, element_type = bf16, rows_per_warp = 16, stages = 2, q_in_registers = true>

// -----

// expected-error @below {{chip 'sm_90x' is not an sm_XX architecture of sm_80 or newer}}
#config = #sattn.cuda_config<chip = "sm_90x", mma = mma_sync, element_type = bf16, rows_per_warp = 16, stages = 2, q_in_registers = true>

// -----

// expected-error @below {{element type must be bf16 or f16, got 'f32'}}
#config = #sattn.cuda_config<chip = "sm_90", mma = mma_sync, element_type = f32, rows_per_warp = 16, stages = 2, q_in_registers = true>

// -----

// expected-error @below {{rows per warp must be 16 or 32, got 24}}
#config = #sattn.cuda_config<chip = "sm_90", mma = mma_sync, element_type = bf16, rows_per_warp = 24, stages = 2, q_in_registers = true>

// -----

// expected-error @below {{a tile ring needs at least 2 stages, got 1}}
#config = #sattn.cuda_config<chip = "sm_90", mma = mma_sync, element_type = bf16, rows_per_warp = 16, stages = 1, q_in_registers = true>

// -----

sattn.kernel @k attributes {head_dim = 64 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}
// expected-error @below {{part @k is not key_major, unlike the attention}}
sattn.attention @a parts [@k] {key_major}
