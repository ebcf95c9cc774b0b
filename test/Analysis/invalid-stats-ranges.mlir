// RUN: sparsa-opt %s --verify-diagnostics --sparsa-test-pattern-stats="nq=64 bq=4 bk=4 max-tile-ranges=10" -o /dev/null
// Tile counting stops at its budget with an error.

// expected-error @+1 {{statistics stopped after 10 key-tile ranges; use larger tiles or a shorter sequence}}
func.func @causal() -> !mask.mask {
  %m = mask.causal [0]
  return %m : !mask.mask
}
