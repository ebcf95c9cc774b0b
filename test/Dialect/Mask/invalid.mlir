// RUN: sparsa-opt %s --split-input-file --verify-diagnostics

func.func @window_negative() -> !mask.mask {
  // expected-error @below {{'mask.window' op parameter 'before' must be non-negative, got -4}}
  %m = mask.window [-4, 0]
  return %m : !mask.mask
}

// -----

func.func @window_after_negative() -> !mask.mask {
  // expected-error @below {{parameter 'after' must be non-negative, got -1}}
  %m = mask.window [4, -1]
  return %m : !mask.mask
}

// -----

func.func @window_arity() -> !mask.mask {
  // expected-error @below {{'mask.window' op expects 2 parameters, got 3}}
  %m = mask.window [4, 1, 2]
  return %m : !mask.mask
}

// -----

func.func @stride_zero() -> !mask.mask {
  // expected-error @below {{parameter 'period' must be positive, got 0}}
  %m = mask.stride [0, 0]
  return %m : !mask.mask
}

// -----

func.func @stride_residue() -> !mask.mask {
  // expected-error @below {{parameter 'residue' must be less than 'period' (4), got 4}}
  %m = mask.stride [4, 4]
  return %m : !mask.mask
}

// -----

func.func @stride_residue_negative() -> !mask.mask {
  // expected-error @below {{parameter 'residue' must be non-negative, got -1}}
  %m = mask.stride [4, -1]
  return %m : !mask.mask
}

// -----

func.func @dilated_zero() -> !mask.mask {
  // expected-error @below {{parameter 'dilation' must be positive, got 0}}
  %m = mask.dilated [8, 0, 0]
  return %m : !mask.mask
}

// -----

func.func @blocks_zero() -> !mask.mask {
  // expected-error @below {{parameter 'size' must be positive, got 0}}
  %m = mask.blocks [0]
  return %m : !mask.mask
}

// -----

func.func @summary_count() -> !mask.mask {
  // expected-error @below {{parameter 'count' must be non-negative, got -2}}
  %m = mask.summary [16, -2]
  return %m : !mask.mask
}

// -----

func.func @prefix_negative() -> !mask.mask {
  // expected-error @below {{parameter 'length' must be non-negative, got -1}}
  %m = mask.prefix [-1]
  return %m : !mask.mask
}

// -----

func.func @random_blocks() -> !mask.mask {
  // expected-error @below {{parameter 'block' must be positive, got 0}}
  %m = mask.random_blocks [0, 3, 1]
  return %m : !mask.mask
}

// -----

func.func @dynamic_count(%w: index) -> !mask.mask {
  // expected-error @below {{expected 0 dynamic parameter values}}
  %m = "mask.window"(%w) <{static_params = array<i64: 1, 2>}> : (index) -> !mask.mask
  return %m : !mask.mask
}

// -----

func.func @empty_union() -> !mask.mask {
  // expected-error @below {{'mask.union' op needs at least one input}}
  %m = "mask.union"() : () -> !mask.mask
  return %m : !mask.mask
}

// -----

func.func @empty_intersect() -> !mask.mask {
  // expected-error @below {{'mask.intersect' op needs at least one input}}
  %m = "mask.intersect"() : () -> !mask.mask
  return %m : !mask.mask
}

// -----

func.func @heads_count(%a: !mask.mask) -> !mask.mask {
  // expected-error @below {{'mask.heads' op has 2 head ranges but 1 masks}}
  %m = mask.heads [4, 8] %a
  return %m : !mask.mask
}

// -----

func.func @heads_order(%a: !mask.mask) -> !mask.mask {
  // expected-error @below {{head range ends must be strictly increasing and positive, got 4 after 4}}
  %m = mask.heads [4, 4] %a, %a
  return %m : !mask.mask
}

// -----

func.func @heads_empty() -> !mask.mask {
  // expected-error @below {{'mask.heads' op needs at least one head range}}
  %m = mask.heads [] 
  return %m : !mask.mask
}

// -----

// expected-error @below {{expected 'to'}}
func.func @set_syntax() -> !mask.mask attributes {s = #mask.set<3 4>} {
  %m = mask.all
  return %m : !mask.mask
}

// -----

// mask.attention was removed (docs/design.md): nothing lowered it, and
// sattn.attention is the one attention op.
func.func @no_mask_attention(%q: tensor<1x1x4x4xf32>) {
  %m = mask.all
  // expected-error @below {{custom op 'mask.attention' is unknown}}
  %o = mask.attention ins(%q, %q, %q : tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) mask(%m) -> tensor<1x1x4x4xf32>
  return
}
