// RUN: sparsa-opt %s --verify-diagnostics --sparsa-test-pattern-stats="nq=1000 max-tile-ranges=5000" -o /dev/null
// Random blocks are redrawn per row; a draw count that would take too long
// is refused.

// expected-error @+1 {{statistics would draw 8000 random blocks, more than the limit of 5000}}
func.func @random() -> !mask.mask {
  %m = mask.random_blocks [4, 8, 7]
  return %m : !mask.mask
}
