// RUN: sparsa-opt %s --sparsa-test-normal-form="transpose=true" -o /dev/null 2>&1 | FileCheck %s
// RUN: sparsa-opt %s --sparsa-test-tile-classification="bq=4 bk=4 nq=10 nk=6 params=1 transpose=true" -o /dev/null 2>&1 | FileCheck %s --check-prefix=TILES
// The transposed mask (queries and keys swapped) and its classification:
// the key-major schedule of the backward pass. Here nq = 10 are the
// attention's keys and nk = 6 its queries; tile i lists the query tiles
// that touch key tile i.

// d = q - k >= 0 becomes d <= 0.
// CHECK-LABEL: transposed normal form of @causal:
// CHECK-NEXT: clause 0: d <= 0
// Keys 0-3 are seen by queries 0-3 (a triangle) and 4-5 (all); keys 4-7 by
// queries 4-5 (a triangle); keys 8-9 by none.
// TILES-LABEL: key-major tile classification of @causal:
// TILES: ranges for Nq=10 Nk=6 head 0:
// TILES-NEXT: tile 0: [0, 1) partial [1, 2) full
// TILES-NEXT: tile 1: [1, 2) partial
// TILES-NEXT: tile 2:{{$}}
func.func @causal() -> !mask.mask {
  %m = mask.causal [0]
  return %m : !mask.mask
}

// k >= 4 (q/4 + 0) && k < 4 (q/4 + 1) flips to the same blocks.
// CHECK-LABEL: transposed normal form of @blocks:
// CHECK-NEXT: clause 0: k < 4 * (q / 4 + 1) && k >= 4 * (q / 4 + 0)
// TILES-LABEL: key-major tile classification of @blocks:
// TILES: ranges for Nq=10 Nk=6 head 0:
// TILES-NEXT: tile 0: [0, 1) full
// TILES-NEXT: tile 1: [1, 2) full
// TILES-NEXT: tile 2:{{$}}
func.func @blocks() -> !mask.mask {
  %m = mask.blocks [4]
  return %m : !mask.mask
}

// A runtime residue class r of d becomes the classes (3 - r) mod 3 of -d,
// as two clauses: [3 - r, 4 - r) and, when r = 0, [0, 1).
// CHECK-LABEL: transposed normal form of @stride:
// CHECK-NEXT: clause 0: d mod 3 in [3 - max(min(%0 + 1, 3), 0) + 1, min(3 - max(min(%0, 3), 0) + 1, 3))
// CHECK-NEXT: clause 1: d mod 3 in [0, min(1 - max(min(%0, 3), 0), max(min(%0 + 1, 3), 0)))
func.func @stride(%r: index) -> !mask.mask {
  %m = mask.stride [3, %r]
  return %m : !mask.mask
}

// Random blocks are drawn for the key block.
// CHECK-LABEL: transposed normal form of @random:
// CHECK-NEXT: clause 0: random_by_key(block 4, count 1, seed 7)
// TILES-LABEL: key-major tile classification of @random:
// TILES: refine random blocks drawn by key (block 4, count 1, seed 7)
func.func @random() -> !mask.mask {
  %m = mask.random_blocks [4, 1, 7]
  return %m : !mask.mask
}

// Lengths swap with the roles: the prefix of Nq keys becomes the first Nk
// queries of the transposed problem.
// CHECK-LABEL: transposed normal form of @prefix:
// CHECK-NEXT: clause 0: q <= min(Nk, 4398046511104) - 1
// TILES-LABEL: key-major tile classification of @prefix:
// TILES: ranges for Nq=10 Nk=6 head 0:
// TILES-NEXT: tile 0: [0, 2) full
// TILES-NEXT: tile 1: [0, 2) partial
// TILES-NEXT: tile 2:{{$}}
func.func @prefix() -> !mask.mask {
  %nq = mask.query_len
  %m = mask.prefix [%nq]
  return %m : !mask.mask
}
