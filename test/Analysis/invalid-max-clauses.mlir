// RUN: sparsa-opt %s --verify-diagnostics --sparsa-test-normal-form="max-clauses=2" -o /dev/null
// Clause growth is bounded with an error, never a hang.

// expected-error @+1 {{mask normal form exceeds 2 clauses (3)}}
func.func @too_many_clauses() -> !mask.mask {
  %a = mask.window [1, 0]
  %b = mask.stride [5, 0]
  %c = mask.summary [8, 1]
  %m = mask.union %a, %b, %c
  return %m : !mask.mask
}
