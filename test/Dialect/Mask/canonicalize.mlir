// RUN: sparsa-opt %s --mask-canonicalize --split-input-file | FileCheck %s
// RUN: sparsa-opt %s --canonicalize --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @union_all
// CHECK-NEXT: %[[A:.+]] = mask.all
// CHECK-NEXT: return %[[A]]
func.func @union_all() -> !mask.mask {
  %a = mask.all
  %c = mask.causal [0]
  %m = mask.union %c, %a
  return %m : !mask.mask
}

// -----

// CHECK-LABEL: func.func @union_none
// CHECK-NEXT: %[[C:.+]] = mask.causal [0]
// CHECK-NEXT: return %[[C]]
func.func @union_none() -> !mask.mask {
  %n = mask.none
  %c = mask.causal [0]
  %m = mask.union %n, %c
  return %m : !mask.mask
}

// -----

// CHECK-LABEL: func.func @intersect_none
// CHECK-NEXT: %[[N:.+]] = mask.none
// CHECK-NEXT: return %[[N]]
func.func @intersect_none() -> !mask.mask {
  %n = mask.none
  %c = mask.stride [4, 1]
  %m = mask.intersect %c, %n
  return %m : !mask.mask
}

// -----

// CHECK-LABEL: func.func @intersect_all
// CHECK-NEXT: %[[S:.+]] = mask.stride [4, 1]
// CHECK-NEXT: return %[[S]]
func.func @intersect_all() -> !mask.mask {
  %a = mask.all
  %s = mask.stride [4, 1]
  %m = mask.intersect %a, %s
  return %m : !mask.mask
}

// -----

// CHECK-LABEL: func.func @empty_union_is_none
// CHECK-NEXT: %[[N:.+]] = mask.none
// CHECK-NEXT: return %[[N]]
func.func @empty_union_is_none() -> !mask.mask {
  %n = mask.none
  %m = mask.union %n, %n
  return %m : !mask.mask
}

// -----

// Idempotence: structurally equal operands collapse, even when they are
// distinct ops.
// CHECK-LABEL: func.func @idempotence
// CHECK-NEXT: %[[S:.+]] = mask.stride [8, 0]
// CHECK-NEXT: return %[[S]]
func.func @idempotence() -> !mask.mask {
  %a = mask.stride [8, 0]
  %b = mask.stride [8, 0]
  %m = mask.union %a, %b, %a
  return %m : !mask.mask
}

// -----

// CHECK-LABEL: func.func @causal_window
// CHECK-NEXT: %[[W:.+]] = mask.window [128, 0]
// CHECK-NEXT: return %[[W]]
func.func @causal_window() -> !mask.mask {
  %c = mask.causal [0]
  %w = mask.window [128, 64]
  %m = mask.intersect %c, %w
  return %m : !mask.mask
}

// -----

// causal(2) & window(8, 5) -> window(8, 2)
// CHECK-LABEL: func.func @causal_offset_window
// CHECK-NEXT: %[[W:.+]] = mask.window [8, 2]
// CHECK-NEXT: return %[[W]]
func.func @causal_offset_window() -> !mask.mask {
  %c = mask.causal [2]
  %w = mask.window [8, 5]
  %m = mask.intersect %w, %c
  return %m : !mask.mask
}

// -----

// causal(-10) & window(8, 5): no pair is left.
// CHECK-LABEL: func.func @causal_window_disjoint
// CHECK-NEXT: %[[N:.+]] = mask.none
// CHECK-NEXT: return %[[N]]
func.func @causal_window_disjoint() -> !mask.mask {
  %c = mask.causal [-10]
  %w = mask.window [8, 5]
  %m = mask.intersect %w, %c
  return %m : !mask.mask
}

// -----

// CHECK-LABEL: func.func @windows_merge_union
// CHECK-NEXT: %[[W:.+]] = mask.window [64, 32]
// CHECK-NEXT: return %[[W]]
func.func @windows_merge_union() -> !mask.mask {
  %a = mask.window [64, 0]
  %b = mask.window [16, 32]
  %m = mask.union %a, %b
  return %m : !mask.mask
}

// -----

// CHECK-LABEL: func.func @windows_merge_intersect
// CHECK-NEXT: %[[W:.+]] = mask.window [16, 0]
// CHECK-NEXT: return %[[W]]
func.func @windows_merge_intersect() -> !mask.mask {
  %a = mask.window [64, 0]
  %b = mask.window [16, 32]
  %m = mask.intersect %a, %b
  return %m : !mask.mask
}

// -----

// A window touching a causal mask extends it: window(4, 3) | causal(0) is
// causal(3).
// CHECK-LABEL: func.func @window_into_causal
// CHECK-NEXT: %[[C:.+]] = mask.causal [3]
// CHECK-NEXT: return %[[C]]
func.func @window_into_causal() -> !mask.mask {
  %a = mask.window [4, 3]
  %b = mask.causal [0]
  %m = mask.union %a, %b
  return %m : !mask.mask
}

// -----

// Adjacent bands: window(1, 0) covers d in [0, 1] and causal(-2) covers
// d >= 2; together d >= 0.
// CHECK-LABEL: func.func @adjacent_bands
// CHECK-NEXT: %[[C:.+]] = mask.causal [0]
// CHECK-NEXT: return %[[C]]
func.func @adjacent_bands() -> !mask.mask {
  %a = mask.window [1, 0]
  %b = mask.causal [-2]
  %m = mask.union %a, %b
  return %m : !mask.mask
}

// -----

// Separated bands stay apart.
// CHECK-LABEL: func.func @separate_bands
// CHECK-DAG: %[[W:.+]] = mask.window [1, 0]
// CHECK-DAG: %[[C:.+]] = mask.causal [-3]
// CHECK: mask.union %[[C]], %[[W]]
func.func @separate_bands() -> !mask.mask {
  %a = mask.window [1, 0]
  %b = mask.causal [-3]
  %m = mask.union %a, %b
  return %m : !mask.mask
}

// -----

// CHECK-LABEL: func.func @causals_and_prefixes
// CHECK-DAG: %[[C:.+]] = mask.causal [4]
// CHECK-DAG: %[[P:.+]] = mask.prefix [32]
// CHECK: mask.union %[[C]], %[[P]]
func.func @causals_and_prefixes() -> !mask.mask {
  %a = mask.causal [0]
  %b = mask.causal [4]
  %c = mask.prefix [16]
  %d = mask.prefix [32]
  %m = mask.union %a, %c, %b, %d
  return %m : !mask.mask
}

// -----

// CHECK-LABEL: func.func @stride_one
// CHECK-NEXT: %[[A:.+]] = mask.all
// CHECK-NEXT: return %[[A]]
func.func @stride_one() -> !mask.mask {
  %s = mask.stride [1, 0]
  return %s : !mask.mask
}

// -----

// CHECK-LABEL: func.func @double_complement
// CHECK-NEXT: %[[S:.+]] = mask.stride [3, 1]
// CHECK-NEXT: return %[[S]]
func.func @double_complement() -> !mask.mask {
  %s = mask.stride [3, 1]
  %a = mask.complement %s
  %b = mask.complement %a
  return %b : !mask.mask
}

// -----

// CHECK-LABEL: func.func @complement_constants
// CHECK-NEXT: %[[N:.+]] = mask.none
// CHECK-NEXT: %[[A:.+]] = mask.all
// CHECK-NEXT: return %[[N]], %[[A]]
func.func @complement_constants() -> (!mask.mask, !mask.mask) {
  %a = mask.all
  %n = mask.none
  %x = mask.complement %a
  %y = mask.complement %n
  return %x, %y : !mask.mask, !mask.mask
}

// -----

// Nested unions flatten; operands are sorted by structure (op name, then
// parameters), so the same mask written in any order prints the same.
// CHECK-LABEL: func.func @flatten_and_sort
// CHECK-DAG: %[[B:.+]] = mask.blocks [64]
// CHECK-DAG: %[[G:.+]] = mask.global #mask.set<0 to 4>
// CHECK-DAG: %[[S1:.+]] = mask.stride [4, 1]
// CHECK-DAG: %[[S2:.+]] = mask.stride [8, 0]
// CHECK: %[[U:.+]] = mask.union %[[B]], %[[G]], %[[S1]], %[[S2]]
// CHECK-NEXT: return %[[U]]
func.func @flatten_and_sort() -> !mask.mask {
  %s8 = mask.stride [8, 0]
  %g = mask.global #mask.set<0 to 4>
  %s4 = mask.stride [4, 1]
  %b = mask.blocks [64]
  %u1 = mask.union %s8, %g
  %u2 = mask.union %b, %s4
  %m = mask.union %u1, %u2
  return %m : !mask.mask
}

// -----

// CHECK-LABEL: func.func @same_order
// CHECK: mask.union %[[X:.+]], %[[Y:.+]], %[[Z:.+]]
// CHECK-LABEL: func.func @same_order_commuted
// CHECK: mask.union %[[X:.+]], %[[Y:.+]], %[[Z:.+]]
func.func @same_order() -> !mask.mask {
  %a = mask.stride [8, 0]
  %b = mask.global #mask.set<0 to 4>
  %c = mask.summary [16, 2]
  %m = mask.union %a, %b, %c
  return %m : !mask.mask
}
func.func @same_order_commuted() -> !mask.mask {
  %c = mask.summary [16, 2]
  %a = mask.stride [8, 0]
  %b = mask.global #mask.set<0 to 4>
  %m = mask.union %c, %b, %a
  return %m : !mask.mask
}

// -----

// Constant runtime parameters become static ones and then fold further.
// CHECK-LABEL: func.func @constant_params
// CHECK-NOT: arith.constant
// CHECK: %[[W:.+]] = mask.window [128, 0]
// CHECK-NEXT: return %[[W]]
func.func @constant_params() -> !mask.mask {
  %c64 = arith.constant 64 : index
  %c2 = arith.constant 2 : index
  %w = arith.muli %c64, %c2 : index
  %c = mask.causal [0]
  %win = mask.window [%w, %w]
  %m = mask.intersect %c, %win
  return %m : !mask.mask
}

// -----

// Runtime parameters are kept; idempotence still applies.
// CHECK-LABEL: func.func @runtime_params
// CHECK-SAME: (%[[W:.+]]: index)
// CHECK-NEXT: %[[M:.+]] = mask.window [%[[W]], 0]
// CHECK-NEXT: return %[[M]]
func.func @runtime_params(%w: index) -> !mask.mask {
  %a = mask.window [%w, 0]
  %b = mask.window [%w, 0]
  %m = mask.intersect %a, %b
  return %m : !mask.mask
}

// -----

// A constant that would be invalid stays a runtime value.
// CHECK-LABEL: func.func @invalid_constant_kept
// CHECK: mask.window [%{{.*}}, 0]
func.func @invalid_constant_kept() -> !mask.mask {
  %c = arith.constant -1 : index
  %m = mask.window [%c, 0]
  return %m : !mask.mask
}

// -----

// INT64_MIN marks a runtime entry of `static_params`, so a constant equal to
// it cannot become static (and is rejected as a value).
// CHECK-LABEL: func.func @int64_min_constant_kept
// CHECK: %[[C:.+]] = arith.constant -9223372036854775808 : index
// CHECK: mask.causal [%[[C]]]
func.func @int64_min_constant_kept() -> !mask.mask {
  %c = arith.constant -9223372036854775808 : index
  %m = mask.causal [%c]
  return %m : !mask.mask
}

// -----

// CHECK-LABEL: func.func @degenerate_leaves
// CHECK-NEXT: mask.window [6, 2]
// CHECK-NEXT: mask.window [0, 0]
// CHECK-NEXT: mask.none
// CHECK-NEXT: mask.all
// CHECK-NEXT: mask.none
// CHECK-NEXT: mask.none
// CHECK-NEXT: mask.none
// CHECK-NEXT: mask.all
// CHECK-NEXT: mask.window [0, 0]
func.func @degenerate_leaves() -> (!mask.mask, !mask.mask, !mask.mask, !mask.mask, !mask.mask, !mask.mask, !mask.mask, !mask.mask, !mask.mask) {
  %0 = mask.dilated [6, 2, 1]
  %1 = mask.blocks [1]
  %2 = mask.summary [8, 0]
  %3 = mask.summary [8, 9]
  %4 = mask.prefix [0]
  %5 = mask.random_blocks [16, 0, 3]
  %6 = mask.global_cols #mask.set<[]>
  %7 = mask.global_rows #mask.set<0 to end>
  %8 = mask.dilated [0, 0, 5]
  return %0, %1, %2, %3, %4, %5, %6, %7, %8 : !mask.mask, !mask.mask, !mask.mask, !mask.mask, !mask.mask, !mask.mask, !mask.mask, !mask.mask, !mask.mask
}

// -----

// CHECK-LABEL: func.func @difference
// CHECK-NEXT: %[[S:.+]] = mask.stride [2, 0]
// CHECK-NEXT: %[[N1:.+]] = mask.none
// CHECK-NEXT: %[[N2:.+]] = mask.none
// CHECK-NEXT: %[[N3:.+]] = mask.none
// CHECK-NEXT: %[[C:.+]] = mask.complement %[[S]]
// CHECK-NEXT: return %[[S]], %[[N1]], %[[N2]], %[[N3]], %[[C]]
func.func @difference() -> (!mask.mask, !mask.mask, !mask.mask, !mask.mask, !mask.mask) {
  %s = mask.stride [2, 0]
  %t = mask.stride [2, 0]
  %a = mask.all
  %n = mask.none
  %0 = mask.difference %s, %n
  %1 = mask.difference %s, %a
  %2 = mask.difference %n, %s
  %3 = mask.difference %s, %t
  %4 = mask.difference %a, %s
  return %0, %1, %2, %3, %4 : !mask.mask, !mask.mask, !mask.mask, !mask.mask, !mask.mask
}

// -----

// CHECK-LABEL: func.func @heads_merge
// CHECK: mask.heads [4, 8] %{{.*}}, %{{.*}}
func.func @heads_merge() -> !mask.mask {
  %a = mask.causal [0]
  %b = mask.causal [0]
  %c = mask.window [3, 3]
  %m = mask.heads [2, 4, 8] %a, %b, %c
  return %m : !mask.mask
}

// -----

// causal & window(W, A) is window(W, 0) for runtime W and A too.
// CHECK-LABEL: func.func @causal_runtime_window
// CHECK-SAME: (%[[W:.+]]: index, %[[A:.+]]: index)
// CHECK-NEXT: %[[M:.+]] = mask.window [%[[W]], 0]
// CHECK-NEXT: return %[[M]]
func.func @causal_runtime_window(%w: index, %a: index) -> !mask.mask {
  %c = mask.causal [0]
  %win = mask.window [%w, %a]
  %m = mask.intersect %c, %win
  return %m : !mask.mask
}
