// RUN: sparsa-opt %s --verify-diagnostics --sparsa-test-pattern-stats="nq=4294967296" -o /dev/null
// Statistics refuse sizes they could not finish in reasonable time.

// expected-error @+1 {{statistics count every query row: 4294967296 rows exceed the limit of 1073741824}}
func.func @huge() -> !mask.mask {
  %m = mask.causal [0]
  return %m : !mask.mask
}
