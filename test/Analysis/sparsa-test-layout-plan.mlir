// RUN: sparsa-opt %s --split-input-file --sparsa-test-layout-plan="bq=2 bk=2 nq=8" -o /dev/null 2>&1 | FileCheck %s
// Expected ranges worked out by hand: classes of 8 tokens mod 2 are padded
// to 4 positions (2 tiles), query q = 2a + c sits at position 4c + a.

// dilated(8, 0, 2): even distances 0..8. In residue classes each class is
// a causal triangle over its own tokens.
// CHECK-LABEL: layout plan of @dilated:
// CHECK-NEXT: part residue-permutation
// CHECK-NEXT: queries: residue classes mod 2: pos -> (pos mod 2) * ceildiv(ceildiv(Nq, 2), 2) * 2 + pos floordiv 2
// CHECK: part 0 ranges for Nq=8 Nk=8 head 0:
// CHECK-NEXT: tile 0: [0, 1) partial
// CHECK-NEXT: tile 1: [0, 1) full [1, 2) partial
// CHECK-NEXT: tile 2: [2, 3) partial
// CHECK-NEXT: tile 3: [2, 3) full [3, 4) partial
func.func @dilated() -> !mask.mask {
  %m = mask.dilated [8, 0, 2]
  return %m : !mask.mask
}

// -----

// strided: window(2, 0) | (stride(4) & causal). The window stays in the
// original order; the stride part minus the window (d = 4 for 8 tokens:
// pairs (4, 0), (5, 1), (6, 2), (7, 3)) is permuted: query 4 + c sits at
// position 2c + 1 and key c at 2c, so tile c holds one pair at key tile c.
// CHECK-LABEL: layout plan of @strided:
// CHECK-NEXT: part identity
// CHECK: clause 0: d >= 0 && d <= 2
// CHECK: part residue-permutation
// CHECK: clause 0: d >= 3 && d mod 4 in [0, 1)
// CHECK: part 1 ranges for Nq=8 Nk=8 head 0:
// CHECK-NEXT: tile 0: [0, 1) partial
// CHECK-NEXT: tile 1: [1, 2) partial
// CHECK-NEXT: tile 2: [2, 3) partial
// CHECK-NEXT: tile 3: [3, 4) partial
func.func @strided() -> !mask.mask {
  %w = mask.window [2, 0]
  %s = mask.stride [4, 0]
  %c = mask.causal [0]
  %sc = mask.intersect %s, %c
  %m = mask.union %w, %sc
  return %m : !mask.mask
}

// -----

// fixed(4, 1) = (blocks(4) | summary(4, 1)) & causal: the summary keys
// 3 and 7 are gathered into positions 0 and 1; queries of the second block
// (tiles 2, 3) see key 3 from earlier blocks.
// CHECK-LABEL: layout plan of @fixed:
// CHECK-NEXT: part identity
// CHECK: clause 0: d >= 0 && k >= 4 * (q / 4 + 0) && k < 4 * (q / 4 + 1)
// CHECK: part key-gather
// CHECK-NEXT: queries: identity; size Nq
// CHECK-NEXT: keys: gather the last 1 of every 4: g -> (g floordiv 1) * 4 + 3 + g mod 1; size floordiv(Nk, 4) + max(mod(Nk, 4) - 3, 0)
// CHECK: part 0 ranges for Nq=8 Nk=8 head 0:
// CHECK-NEXT: tile 0: [0, 1) partial
// CHECK-NEXT: tile 1: [0, 1) full [1, 2) partial
// CHECK-NEXT: tile 2: [2, 3) partial
// CHECK-NEXT: tile 3: [2, 3) full [3, 4) partial
// CHECK-NEXT: part 1 ranges for Nq=8 Nk=8 head 0:
// CHECK-NEXT: tile 0:
// CHECK-NEXT: tile 1:
// CHECK-NEXT: tile 2: [0, 1) partial
// CHECK-NEXT: tile 3: [0, 1) partial
func.func @fixed() -> !mask.mask {
  %b = mask.blocks [4]
  %s = mask.summary [4, 1]
  %u = mask.union %b, %s
  %c = mask.causal [0]
  %m = mask.intersect %u, %c
  return %m : !mask.mask
}

// -----

// causal | global_rows([1, 6]): the gathered rows keep only what causal
// does not give them (keys after the query): row 1 sees keys 2-7, row 6
// key 7; both rows form one gathered query tile.
// CHECK-LABEL: layout plan of @rows:
// CHECK-NEXT: part identity
// CHECK: part query-gather
// CHECK-NEXT: queries: gather {1, 6}; size min(max(Nq - 1, 0), 1) + min(max(Nq - 6, 0), 1)
// CHECK-NEXT: keys: identity; size Nk
// CHECK-NEXT: clause 0: d <= -1 && q in {1, 6}
// CHECK: part 1 ranges for Nq=8 Nk=8 head 0:
// CHECK-NEXT: tile 0: [1, 4) partial
func.func @rows() -> !mask.mask {
  %c = mask.causal [0]
  %g = mask.global_rows #mask.set<[1, 6]>
  %m = mask.union %c, %g
  return %m : !mask.mask
}

// -----

// window(1, 1) | global_cols([-1]): the last key, gathered into a block of
// one key, is seen in full by queries 0-5 (the window covers 6 and 7).
// CHECK-LABEL: layout plan of @cols:
// CHECK: part key-gather
// CHECK-NEXT: queries: identity; size Nq
// CHECK-NEXT: keys: gather {-1}; size min(Nk, 1)
// CHECK: part 1 ranges for Nq=8 Nk=8 head 0:
// CHECK-NEXT: tile 0: [0, 1) full
// CHECK-NEXT: tile 1: [0, 1) full
// CHECK-NEXT: tile 2: [0, 1) full
// CHECK-NEXT: tile 3:
func.func @cols() -> !mask.mask {
  %w = mask.window [1, 1]
  %g = mask.global_cols #mask.set<[-1]>
  %m = mask.union %w, %g
  return %m : !mask.mask
}
