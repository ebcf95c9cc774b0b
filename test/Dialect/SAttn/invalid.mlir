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

// expected-error @below {{residue period must be positive, got 0}}
"test.t"() {t = #sattn.layout<residue = 0>} : () -> ()
