// Longformer (Beltagy et al., 2020): a sliding window of W keys on each side
// plus global tokens, written directly in the mask dialect. The window size
// is a runtime parameter; the redundant pieces below are what the mask
// algebra removes.
func.func @longformer(%w: index) -> !mask.mask {
  %local = mask.window [%w, %w]
  %glob = mask.global #mask.set<0 to 64>
  %none = mask.none
  // A second copy of the same window and an empty term change nothing.
  %again = mask.window [%w, %w]
  %inner = mask.union %glob, %none
  %m = mask.union %local, %inner, %again
  return %m : !mask.mask
}
