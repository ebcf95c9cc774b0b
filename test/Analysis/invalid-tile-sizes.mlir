// RUN: sparsa-opt %s --verify-diagnostics --sparsa-test-tile-classification="bq=0 bk=4" -o /dev/null
// RUN: sparsa-opt %s --verify-diagnostics --sparsa-test-layout-plan="bq=0 bk=4" -o /dev/null
// RUN: sparsa-opt %s --verify-diagnostics --sparsa-test-pattern-stats="nq=8 bq=0 bk=4" -o /dev/null

// expected-error @+1 {{tile sizes must be positive, got 0x4}}
func.func @zero_tiles() -> !mask.mask {
  %m = mask.causal [0]
  return %m : !mask.mask
}
