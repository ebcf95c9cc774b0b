// RUN: sparsa-opt %s --split-input-file --sparsa-test-tile-classification="bq=4 bk=4 nq=10 params=3" -o /dev/null 2>&1 | FileCheck %s
// RUN: sparsa-opt %s --split-input-file --sparsa-test-tile-classification="bq=4 bk=4 nq=10 nk=6 params=3 head=1" -o /dev/null 2>&1 | FileCheck %s --check-prefix=RAGGED
// Tiles of 4 over 10 queries: rows 0-3, 4-7, 8-9. Expected ranges worked
// out by hand from the definitions of the masks.

// CHECK-LABEL: tile classification of @causal:
// CHECK: query tiles ceildiv(Nq, 4), key tiles ceildiv(Nk, 4)
// The span ends at the key tile of the tile's last row; the FULL range at
// the last key tile wholly at or below its first row (i * 4), extended to
// the ragged last key tile when the row reaches the last key.
// CHECK: span [0, min(max(min(i * 4 + 4, Nq) - 1 - i * 4 + 1, 0), 1) * min(max(min(Nk - 1, min(i * 4 + 4, Nq) - 1) + 1, 0), 1) * max(floordiv(min(Nk - 1, min(i * 4 + 4, Nq) - 1), 4) + 1, 0))
// CHECK: full [0, min(max(Nq - 1 - (min(i * 4 + 4, Nq) - 1) + 1, 0), 1) * max(floordiv(min(Nk - 1, i * 4) + 1 + min(max(min(Nk - 1, i * 4) - (Nk - 1) + 1, 0), 1) * 3, 4), 0))
// CHECK: ranges for Nq=10 Nk=10 head 0:
// CHECK-NEXT: tile 0: [0, 1) partial
// CHECK-NEXT: tile 1: [0, 1) full [1, 2) partial
// CHECK-NEXT: tile 2: [0, 2) full [2, 3) partial
// With 6 keys (tiles 0-3, 4-5) the last query tile sees every key.
// RAGGED-LABEL: tile classification of @causal:
// RAGGED: ranges for Nq=10 Nk=6 head 1:
// RAGGED-NEXT: tile 0: [0, 1) partial
// RAGGED-NEXT: tile 1: [0, 1) full [1, 2) partial
// RAGGED-NEXT: tile 2: [0, 2) full
func.func @causal() -> !mask.mask {
  %m = mask.causal [0]
  return %m : !mask.mask
}

// -----

// Causal window of 3 keys back (runtime %0 = 3): never a full 4x4 tile.
// CHECK-LABEL: tile classification of @swa:
// CHECK: span [floordiv(max(i * 4 - min(%0, 4398046511104), 0), 4),
// CHECK: ranges for Nq=10 Nk=10 head 0:
// CHECK-NEXT: tile 0: [0, 1) partial
// CHECK-NEXT: tile 1: [0, 2) partial
// CHECK-NEXT: tile 2: [1, 3) partial
// RAGGED-LABEL: tile classification of @swa:
// RAGGED: ranges for Nq=10 Nk=6 head 1:
// RAGGED-NEXT: tile 0: [0, 1) partial
// RAGGED-NEXT: tile 1: [0, 2) partial
// RAGGED-NEXT: tile 2: [1, 2) partial
func.func @swa(%w: index) -> !mask.mask {
  %c = mask.causal [0]
  %win = mask.window [%w, 0]
  %m = mask.intersect %c, %win
  return %m : !mask.mask
}

// -----

// Keys 0 and -1 (the last key): only their key tiles are listed.
// CHECK-LABEL: tile classification of @cols:
// CHECK: refine keys in {-1, 0}
// CHECK: ranges for Nq=10 Nk=10 head 0:
// CHECK-NEXT: tile 0: [0, 1) partial [2, 3) partial
// CHECK-NEXT: tile 1: [0, 1) partial [2, 3) partial
// CHECK-NEXT: tile 2: [0, 1) partial [2, 3) partial
// RAGGED-LABEL: tile classification of @cols:
// RAGGED: ranges for Nq=10 Nk=6 head 1:
// RAGGED-NEXT: tile 0: [0, 2) partial
func.func @cols() -> !mask.mask {
  %m = mask.global_cols #mask.set<[0, -1]>
  return %m : !mask.mask
}

// -----

// Head 0 causal, head 1 everything.
// CHECK-LABEL: tile classification of @heads:
// CHECK: clause 0: heads [0, 1)
// CHECK: clause 1: heads [1, 2)
// CHECK: ranges for Nq=10 Nk=10 head 0:
// CHECK-NEXT: tile 0: [0, 1) partial
// RAGGED-LABEL: tile classification of @heads:
// RAGGED: ranges for Nq=10 Nk=6 head 1:
// RAGGED-NEXT: tile 0: [0, 2) full
// RAGGED-NEXT: tile 1: [0, 2) full
// RAGGED-NEXT: tile 2: [0, 2) full
func.func @heads() -> !mask.mask {
  %c = mask.causal [0]
  %a = mask.all
  %m = mask.heads [1, 2] %c, %a
  return %m : !mask.mask
}
