// RUN: sparsa-opt %s --split-input-file --sparsa-test-pattern-stats="nq=10 bq=4 bk=4" -o /dev/null 2>&1 | FileCheck %s
// RUN: sparsa-opt %s --split-input-file --sparsa-test-pattern-stats="nq=8 bq=2 bk=2" -o /dev/null 2>&1 | FileCheck %s --check-prefix=SMALL
// Expected values computed by hand.

// 10 queries: 1 + 2 + ... + 10 = 55 pairs; 4 * 128 * 55 flops. Tiles of 4:
// 3 full, 3 partial (the diagonal), 3 empty; 16 + 32 + 20 = 68 pairs
// visited.
// CHECK-LABEL: stats of @causal:
// CHECK-NEXT: seq_len_q: 10
// CHECK-NEXT: seq_len_k: 10
// CHECK-NEXT: head_dim: 128
// CHECK-NEXT: tile: 4x4
// CHECK-NEXT: nnz: 55
// CHECK-NEXT: density: 0.550000
// CHECK-NEXT: flops: 28160
// CHECK-NEXT: rows_empty: 0
// CHECK-NEXT: tiles_full: 3
// CHECK-NEXT: tiles_partial: 3
// CHECK-NEXT: tiles_empty: 3
// CHECK-NEXT: tile_efficiency: 0.8088
func.func @causal() -> !mask.mask {
  %m = mask.causal [0]
  return %m : !mask.mask
}

// -----

// Head 0 causal (55 pairs), head 1 everything (100 pairs).
// CHECK-LABEL: stats of @heads:
// CHECK: heads: 2
// CHECK-NEXT: nnz: 155
// CHECK: head.0.nnz: 55
// CHECK: head.1.nnz: 100
// CHECK-NEXT: head.1.density: 1.000000
// CHECK: head.1.tiles_full: 9
// CHECK-NEXT: head.1.tiles_partial: 0
func.func @heads() -> !mask.mask {
  %c = mask.causal [0]
  %a = mask.all
  %m = mask.heads [1, 2] %c, %a
  return %m : !mask.mask
}

// -----

// prefix(3) - causal: keys k < 3 with k > q. Row 0 sees keys 1 and 2, row
// 1 sees key 2, rows 2-9 see none.
// CHECK-LABEL: stats of @empty_rows:
// CHECK: nnz: 3
// CHECK: rows_empty: 8
func.func @empty_rows() -> !mask.mask {
  %p = mask.prefix [3]
  %c = mask.causal [0]
  %m = mask.difference %p, %c
  return %m : !mask.mask
}

// -----

// dilated(8, 0, 2) over 8 tokens: row q sees q/2 + 1 keys, 20 in all. In
// the original order every visited 2x2 tile needs a predicate (10 tiles,
// 40 pairs); in residue classes 2 tiles are full and 6 visited (24 pairs).
// SMALL-LABEL: stats of @dilated:
// SMALL: nnz: 20
// SMALL: tiles_full: 0
// SMALL-NEXT: tiles_partial: 10
// SMALL-NEXT: tiles_empty: 6
// SMALL-NEXT: tile_efficiency: 0.5000
// SMALL-NEXT: tiles_full_after_layout: 2
// SMALL-NEXT: tiles_partial_after_layout: 4
// SMALL-NEXT: tile_efficiency_after_layout: 0.8333
func.func @dilated() -> !mask.mask {
  %m = mask.dilated [8, 0, 2]
  return %m : !mask.mask
}
