// RUN: sparsa-opt %s --split-input-file --sparsa-build-param-check | FileCheck %s

// The constraints of the leaves on runtime values, through the arithmetic
// that feeds them; constant parameters need no check.
// CHECK-LABEL: func.func @ps_check_params(
// CHECK-SAME: %[[P:.*]]: memref<1xi64>) -> i64
// CHECK-SAME: sparsa.param_check = ["window: 'before' (from W) must be non-negative", "stride: 'period' (from S) must be positive", "stride: 'residue' must be less than 'period' (from S)"]
// CHECK: %[[FLAT:.*]] = memref.reinterpret_cast %[[P]]
// CHECK: %[[S64:.*]] = memref.load %[[FLAT]]
// CHECK: %[[S:.*]] = arith.index_cast %[[S64]] : i64 to index
// CHECK: %[[W64:.*]] = memref.load %[[FLAT]]
// CHECK: %[[W:.*]] = arith.index_cast %[[W64]] : i64 to index
// CHECK: %[[HALF:.*]] = arith.floordivsi %[[W]]
// CHECK: %[[OK0:.*]] = arith.cmpi sge, %[[HALF]]
// CHECK: %[[OK1:.*]] = arith.cmpi sge, %[[S]]
// CHECK: %[[OK2:.*]] = arith.cmpi slt, %{{.*}}, %[[S]]
// CHECK: %[[R2:.*]] = arith.select %[[OK2]], %{{.*}}, %{{.*}} : i64
// CHECK: %[[R1:.*]] = arith.select %[[OK1]], %[[R2]], %{{.*}} : i64
// CHECK: %[[R0:.*]] = arith.select %[[OK0]], %[[R1]], %{{.*}} : i64
// CHECK: return %[[R0]] : i64
func.func @ps(%s: index {mask.param = "S"}, %w: index {mask.param = "W"}) -> !mask.mask attributes {mask.pattern} {
  %0 = mask.causal [0]
  %c2 = arith.constant 2 : index
  %1 = arith.floordivsi %w, %c2 : index
  %2 = mask.window [%1, 0]
  %3 = mask.stride [%s, 0]
  %4 = mask.union %2, %3
  %5 = mask.intersect %0, %4
  return %5 : !mask.mask
}

// -----

// Every parametric leaf with a lower bound, and a residue given at run time
// against a constant period.
// CHECK-LABEL: func.func @all_check_params(
// CHECK-SAME: sparsa.param_check = ["dilated: 'dilation' (from D) must be positive", "blocks: 'size' (from B) must be positive", "summary: 'period' (from B) must be positive", "summary: 'count' (from C) must be non-negative", "prefix: 'length' (from C) must be non-negative", "stride: 'residue' (from R) must be non-negative", "stride: 'residue' (from R) must be less than 'period'"]
func.func @all(%d: index {mask.param = "D"}, %b: index {mask.param = "B"}, %c: index {mask.param = "C"}, %r: index {mask.param = "R"}) -> !mask.mask attributes {mask.pattern} {
  %0 = mask.dilated [4, 4, %d]
  %1 = mask.blocks [%b]
  %2 = mask.summary [%b, %c]
  %3 = mask.prefix [%c]
  %4 = mask.stride [8, %r]
  %5 = mask.union %0, %1, %2, %3, %4
  return %5 : !mask.mask
}

// -----

// No runtime parameter: no check function.
// CHECK-LABEL: func.func @fixed
// CHECK-NOT: check_params
func.func @fixed() -> !mask.mask attributes {mask.pattern} {
  %0 = mask.stride [4, 1]
  return %0 : !mask.mask
}

// -----

// A causal offset may take any value but INT64_MIN, which no leaf can hold
// as a constant either.
// CHECK-LABEL: func.func @co_check_params(
// CHECK-SAME: sparsa.param_check = ["causal: 'offset' (from C) must be at least -9223372036854775807"]
// CHECK: arith.constant -9223372036854775807 : index
func.func @co(%c: index {mask.param = "C"}) -> !mask.mask attributes {mask.pattern} {
  %0 = mask.causal [%c]
  return %0 : !mask.mask
}

// -----

// A leaf parameter derived from the sequence length is checked at the
// actual length: N is the key length of the argument block (index 4), so a
// pattern with no runtime parameter gets a check too.
// CHECK-LABEL: func.func @fromn_check_params(
// CHECK-SAME: sparsa.param_check = ["integer overflow in '-' (from N) at {{.*}}sparsa-build-param-check.mlir:{{[0-9]+}}:{{[0-9]+}}", "stride: 'period' (from N) must be positive", "stride: 'residue' must be less than 'period' (from N)"]
// CHECK: %[[C4:.*]] = arith.constant 4 : index
// CHECK: %[[NK64:.*]] = memref.load %{{.*}}[%[[C4]]]
// CHECK: %[[NK:.*]] = arith.index_cast %[[NK64]] : i64 to index
// CHECK: %[[P:.*]] = arith.subi %[[NK]], %{{.*}} : index
// CHECK: arith.cmpi sge, %[[P]], %{{.*}} : index
func.func @fromn() -> !mask.mask attributes {mask.pattern} {
  %n = mask.key_len
  %c5 = arith.constant 5 : index
  %p = arith.subi %n, %c5 : index
  %0 = mask.stride [%p, 0]
  return %0 : !mask.mask
}

// -----

// Runtime arithmetic: every +, -, * gets an overflow check, a runtime
// divisor a zero check and an INT64_MIN / -1 check, and the clone divides
// by 1 instead of a bad divisor (the check runs on the values it checks).
// Arithmetic no leaf uses is not checked, as the reference never
// evaluates it.
// CHECK-LABEL: func.func @arith_check_params(
// CHECK-SAME: sparsa.param_check = ["integer overflow in '*' (from W) at {{[^"]*}}", "division by zero in '/' (from W) at {{[^"]*}}", "integer overflow in '/' (from W) at {{[^"]*}}", "integer overflow in '+' (from W) at {{[^"]*}}", "window: 'before' (from W) must be non-negative"]
// CHECK: %[[W:.*]] = arith.index_cast
// CHECK: %[[M:.*]] = arith.muli %[[W]], %{{.*}} : index
// CHECK: %[[LO:.*]], %[[HI:.*]] = arith.mulsi_extended
// CHECK: %[[SIGN:.*]] = arith.shrsi %[[LO]]
// CHECK: arith.cmpi eq, %[[HI]], %[[SIGN]] : i64
// CHECK: %[[ZERO:.*]] = arith.cmpi eq, %[[W]], %{{.*}} : index
// CHECK: %[[BAD:.*]] = arith.ori %[[ZERO]], %{{.*}} : i1
// CHECK: %[[SAFE:.*]] = arith.select %[[BAD]], %{{.*}}, %[[W]] : index
// CHECK: %[[D:.*]] = arith.floordivsi %[[M]], %[[SAFE]] : index
// CHECK: %[[S:.*]] = arith.addi %[[D]], %{{.*}} : index
// CHECK-NOT: arith.subi
// CHECK: return
func.func @arith(%w: index {mask.param = "W"}) -> !mask.mask attributes {mask.pattern} {
  %c4 = arith.constant 4 : index
  %c1 = arith.constant 1 : index
  %m = arith.muli %w, %c4 : index
  %d = arith.floordivsi %m, %w : index
  %s = arith.addi %d, %c1 : index
  %unused = arith.subi %w, %c1 : index
  %0 = mask.window [%s, 0]
  return %0 : !mask.mask
}

// -----

// A leaf the returned mask does not use is not evaluated by the reference,
// so it is not checked either: no check function at all here.
// CHECK-LABEL: func.func @dead
// CHECK-NOT: check_params
func.func @dead(%w: index {mask.param = "W"}) -> !mask.mask attributes {mask.pattern} {
  %unused = mask.window [%w, 0]
  %0 = mask.causal [0]
  return %0 : !mask.mask
}
