// RUN: sparsa-opt %s --verify-diagnostics --sparsa-test-normal-form="nq=8 params=-1" -o /dev/null
// RUN: sparsa-opt %s --verify-diagnostics --sparsa-test-pattern-stats="nq=8 params=-1" -o /dev/null
// Runtime values are validated like the reference evaluator does.

// expected-error @+1 {{mask.window: parameter 'before' must be non-negative, got -1}}
func.func @negative_window(%w: index) -> !mask.mask {
  %m = mask.window [%w, 0]
  return %m : !mask.mask
}
