// RUN: sparsa-opt %s --split-input-file --sparsa-select-tiling="block-q=64 block-k=64 vector-width=16" --convert-mask-to-sattn="head-dim=64" --cse --canonicalize | FileCheck %s
// RUN: sparsa-opt %s --split-input-file --sparsa-select-tiling="block-q=64 block-k=64 vector-width=16" --convert-mask-to-sattn="dense=true" --cse --canonicalize | FileCheck %s --check-prefix=DENSE

// Causal: FULL tiles left of the diagonal, PARTIAL diagonal tiles; the
// predicate is k <= q.
// CHECK-LABEL: sattn.kernel @causal_part0
// CHECK-SAME: head_dim = 64
// CHECK-SAME: key_map = #sattn.token_map<identity>
// CHECK-SAME: query_map = #sattn.token_map<identity>
// CHECK-SAME: tiling = #sattn.tiling<block_q = 64, block_k = 64, vector_width = 16, target = "cpu">
// CHECK: ^bb0(%[[QT:.+]]: index, %{{.+}}: index, %[[NQ:.+]]: index, %[[NK:.+]]: index):
// CHECK: arith.muli %[[QT]], %c64
// CHECK: sattn.range %{{.+}} to %{{.+}} full
// CHECK: sattn.range %{{.+}} to %{{.+}} partial
// CHECK: sattn.yield
// CHECK: } predicate {
// CHECK: ^bb0(%{{.+}}: index, %[[Q:.+]]: index, %[[K:.+]]: index, %{{.+}}: index, %{{.+}}: index):
// CHECK: %[[D:.+]] = arith.subi %[[Q]], %[[K]]
// CHECK: %[[OK:.+]] = arith.cmpi sge, %[[D]], %c0
// CHECK: sattn.yield %[[OK]] : i1
// CHECK: sattn.attention @causal parts [@causal_part0]
// CHECK-NOT: func.func @causal
// DENSE-LABEL: sattn.kernel @causal_part0
// DENSE: sattn.range %c0 to %{{.+}} partial
// DENSE-NOT: full
// DENSE: predicate
func.func @causal() -> !mask.mask {
  %m = mask.causal [0]
  return %m : !mask.mask
}

// -----

// Runtime parameters become kernel parameters, named; a window is clamped
// to 2^42 (no mask on 2^40 tokens changes, no index computation overflows).
// CHECK-LABEL: sattn.kernel @swa_part0
// CHECK-SAME: num_params = 1
// CHECK-SAME: param_names = ["W"]
// CHECK: ^bb0(%{{.+}}: index, %{{.+}}: index, %{{.+}}: index, %{{.+}}: index, %[[W:.+]]: index):
// CHECK: %[[LIMIT:.+]] = arith.constant 4398046511104 : index
// CHECK: %[[CW:.+]] = arith.minsi %[[W]], %[[LIMIT]]
// CHECK: arith.subi %{{.+}}, %[[CW]]
// CHECK: sattn.range
// CHECK: sattn.attention @swa parts [@swa_part0]
func.func @swa(%w: index {mask.param = "W"}) -> !mask.mask {
  %c = mask.causal [0]
  %win = mask.window [%w, 0]
  %m = mask.intersect %c, %win
  return %m : !mask.mask
}

// -----

// A strided pattern: the window stays in token order, the stride becomes
// dense tiles after permuting tokens into residue classes.
// CHECK-LABEL: sattn.kernel @strided_part0
// CHECK-SAME: key_map = #sattn.token_map<identity>
// CHECK-LABEL: sattn.kernel @strided_part1
// CHECK-SAME: key_map = #sattn.token_map<residue, period = 16>
// CHECK-SAME: query_map = #sattn.token_map<residue, period = 16>
// CHECK: sattn.range %{{.+}} to %{{.+}} full
// CHECK: sattn.attention @strided parts [@strided_part0, @strided_part1]
func.func @strided() -> !mask.mask {
  %c = mask.causal [0]
  %w = mask.window [16, 0]
  %s = mask.stride [16, 0]
  %u = mask.union %w, %s
  %m = mask.intersect %c, %u
  return %m : !mask.mask
}

// -----

// Random blocks: a random_range with the draw's constants.
// CHECK-LABEL: sattn.kernel @bigbird_part0
// CHECK: sattn.random_range %{{.+}} to %{{.+}} block %c64 count 3 seed 7
func.func @bigbird() -> !mask.mask {
  %w = mask.window [64, 64]
  %r = mask.random_blocks [64, 3, 7]
  %m = mask.union %w, %r
  return %m : !mask.mask
}

// -----

// Functions without a tiling are left alone.
// CHECK-LABEL: func.func @not_a_pattern
func.func @not_a_pattern(%x: index) -> index {
  return %x : index
}
