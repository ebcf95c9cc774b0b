// RUN: sparsa-opt %s --split-input-file --verify-diagnostics --sparsa-test-normal-form -o /dev/null
// Masks the normal form cannot be built for.

// expected-error @+1 {{arith.divui: unsupported index computation}}
func.func @unsupported_index(%a: index) -> !mask.mask {
  %c2 = arith.constant 2 : index
  %w = arith.divui %a, %c2 : index
  %m = mask.window [%w, 0]
  return %m : !mask.mask
}

// -----

// expected-error @+1 {{a mask must be defined by a mask op, not passed as an argument}}
func.func @mask_argument(%m: !mask.mask) -> !mask.mask {
  return %m : !mask.mask
}
