// RUN: sparsa-opt %s --split-input-file --sparsa-test-normal-form -o /dev/null 2>&1 | FileCheck %s
// RUN: sparsa-opt %s --split-input-file --sparsa-test-normal-form="nq=8 params=3" -o /dev/null 2>&1 | FileCheck %s --check-prefix=INST

// CHECK-LABEL: normal form of @causal:
// CHECK-NEXT: clause 0: d >= 0
func.func @causal() -> !mask.mask {
  %m = mask.causal [0]
  return %m : !mask.mask
}

// -----

// The runtime window size stays symbolic; causal & window(%w, 0) is one
// clause with both distance bounds.
// CHECK-LABEL: normal form of @swa:
// CHECK-NEXT: clause 0: d >= 0 && d <= min(%0, 4398046511104)
func.func @swa(%w: index) -> !mask.mask {
  %c = mask.causal [0]
  %win = mask.window [%w, 0]
  %m = mask.intersect %c, %win
  return %m : !mask.mask
}

// -----

// !window(2, 1): k < q - 2 (d >= 3) or k > q + 1 (d <= -2).
// CHECK-LABEL: normal form of @not_window:
// CHECK-NEXT: clause 0: d <= -2
// CHECK-NEXT: clause 1: d >= 3
func.func @not_window() -> !mask.mask {
  %w = mask.window [2, 1]
  %m = mask.complement %w
  return %m : !mask.mask
}

// -----

// !stride(4, 1): the residues other than 1.
// CHECK-LABEL: normal form of @not_stride:
// CHECK-NEXT: clause 0: d mod 4 in [0, 1)
// CHECK-NEXT: clause 1: d mod 4 in [2, 4)
func.func @not_stride() -> !mask.mask {
  %s = mask.stride [4, 1]
  %m = mask.complement %s
  return %m : !mask.mask
}

// -----

// !blocks(8): keys before or after the query's block.
// CHECK-LABEL: normal form of @not_blocks:
// CHECK-NEXT: clause 0: k < 8 * (q / 8 + 0)
// CHECK-NEXT: clause 1: k >= 8 * (q / 8 + 1)
func.func @not_blocks() -> !mask.mask {
  %b = mask.blocks [8]
  %m = mask.complement %b
  return %m : !mask.mask
}

// -----

// d = 1 (mod 4) and d = 3 (mod 6) merge by CRT into d = 9 (mod 12).
// CHECK-LABEL: normal form of @crt:
// CHECK-NEXT: clause 0: d mod 12 in [9, 10)
func.func @crt() -> !mask.mask {
  %a = mask.stride [4, 1]
  %b = mask.stride [6, 3]
  %m = mask.intersect %a, %b
  return %m : !mask.mask
}

// -----

// An even distance is never 1 mod 4.
// CHECK-LABEL: normal form of @incompatible:
// CHECK-NEXT: none
func.func @incompatible() -> !mask.mask {
  %a = mask.stride [2, 0]
  %b = mask.stride [4, 1]
  %m = mask.intersect %a, %b
  return %m : !mask.mask
}

// -----

// Summary columns, global tokens with a negative member, the last 4 keys.
// CHECK-LABEL: normal form of @sets:
// CHECK-NEXT: clause 0: k mod 8 in [6, 8)
// CHECK-NEXT: clause 1: q in {-1, 0}
// CHECK-NEXT: clause 2: k in {-1, 0}
// CHECK-NEXT: clause 3: k >= Nk - 4
func.func @sets() -> !mask.mask {
  %s = mask.summary [8, 2]
  %g = mask.global #mask.set<[0, -1]>
  %l = mask.global_cols #mask.set<-4 to end>
  %m = mask.union %s, %g, %l
  return %m : !mask.mask
}

// -----

// Heads 0-1 causal, heads 2-3 a prefix of %n keys; the complement also
// holds every head from 4 on.
// CHECK-LABEL: normal form of @heads:
// CHECK-NEXT: clause 0: h <= 1 && d >= 0
// CHECK-NEXT: clause 1: h >= 2 && h <= 3 && k <= min(%0, 4398046511104) - 1
// CHECK-LABEL: normal form of @not_heads:
// CHECK-NEXT: clause 0: h <= 1 && d <= -1
// CHECK-NEXT: clause 1: h >= 2 && h <= 3 && k >= min(%0, 4398046511104)
// CHECK-NEXT: clause 2: h >= 4
func.func @heads(%n: index) -> !mask.mask {
  %c = mask.causal [0]
  %p = mask.prefix [%n]
  %m = mask.heads [2, 4] %c, %p
  return %m : !mask.mask
}
func.func @not_heads(%n: index) -> !mask.mask {
  %c = mask.causal [0]
  %p = mask.prefix [%n]
  %h = mask.heads [2, 4] %c, %p
  %m = mask.complement %h
  return %m : !mask.mask
}

// -----

// window(4, 0) - stride(2): the odd distances of the window.
// CHECK-LABEL: normal form of @difference:
// CHECK-NEXT: clause 0: d >= 0 && d <= 4 && d mod 2 in [1, 2)
func.func @difference() -> !mask.mask {
  %w = mask.window [4, 0]
  %s = mask.stride [2, 0]
  %m = mask.difference %w, %s
  return %m : !mask.mask
}

// -----

// CHECK-LABEL: normal form of @instantiated:
// CHECK-NEXT: clause 0: d >= 0 && d <= min(%0, 4398046511104)
// INST-LABEL: normal form of @instantiated:
// INST-NEXT: clause 0: d >= 0 && d <= min(%0, 4398046511104)
// INST-NEXT: instantiated for Nq=8 Nk=8: 1 non-empty clauses
func.func @instantiated(%w: index) -> !mask.mask {
  %c = mask.causal [0]
  %win = mask.window [%w, 0]
  %m = mask.intersect %c, %win
  return %m : !mask.mask
}
