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

func.func @attn_rank(%q: tensor<8x128x64xf32>, %k: tensor<1x8x128x64xf32>) -> tensor<1x8x128x64xf32> {
  %m = mask.all
  // expected-error @below {{query must be a rank-4 [B, H, N, D] shaped value, got 'tensor<8x128x64xf32>'}}
  %o = mask.attention ins(%q, %k, %k : tensor<8x128x64xf32>, tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>) mask(%m) -> tensor<1x8x128x64xf32>
  return %o : tensor<1x8x128x64xf32>
}

// -----

func.func @attn_mixed(%q: tensor<1x8x128x64xf32>, %k: memref<1x8x128x64xf32>) -> tensor<1x8x128x64xf32> {
  %m = mask.all
  // expected-error @below {{query, key and value must all be tensors or all be memrefs}}
  %o = mask.attention ins(%q, %k, %k : tensor<1x8x128x64xf32>, memref<1x8x128x64xf32>, memref<1x8x128x64xf32>) mask(%m) -> tensor<1x8x128x64xf32>
  return %o : tensor<1x8x128x64xf32>
}

// -----

func.func @attn_int(%q: tensor<1x8x128x64xi32>) -> tensor<1x8x128x64xi32> {
  %m = mask.all
  // expected-error @below {{query must have a float element type, got 'i32'}}
  %o = mask.attention ins(%q, %q, %q : tensor<1x8x128x64xi32>, tensor<1x8x128x64xi32>, tensor<1x8x128x64xi32>) mask(%m) -> tensor<1x8x128x64xi32>
  return %o : tensor<1x8x128x64xi32>
}

// -----

func.func @attn_eltype(%q: tensor<1x8x128x64xf32>, %k: tensor<1x8x128x64xf16>) -> tensor<1x8x128x64xf32> {
  %m = mask.all
  // expected-error @below {{query, key and value element types differ}}
  %o = mask.attention ins(%q, %k, %k : tensor<1x8x128x64xf32>, tensor<1x8x128x64xf16>, tensor<1x8x128x64xf16>) mask(%m) -> tensor<1x8x128x64xf32>
  return %o : tensor<1x8x128x64xf32>
}

// -----

func.func @attn_headdim(%q: tensor<1x8x128x64xf32>, %k: tensor<1x8x128x32xf32>) -> tensor<1x8x128x64xf32> {
  %m = mask.all
  // expected-error @below {{head dimension mismatch: 64 vs 32}}
  %o = mask.attention ins(%q, %k, %k : tensor<1x8x128x64xf32>, tensor<1x8x128x32xf32>, tensor<1x8x128x32xf32>) mask(%m) -> tensor<1x8x128x64xf32>
  return %o : tensor<1x8x128x64xf32>
}

// -----

func.func @attn_batch(%q: tensor<2x8x128x64xf32>, %k: tensor<1x8x128x64xf32>) -> tensor<2x8x128x64xf32> {
  %m = mask.all
  // expected-error @below {{batch size mismatch: 2 vs 1}}
  %o = mask.attention ins(%q, %k, %k : tensor<2x8x128x64xf32>, tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>) mask(%m) -> tensor<2x8x128x64xf32>
  return %o : tensor<2x8x128x64xf32>
}

// -----

func.func @attn_kvlen(%q: tensor<1x8x128x64xf32>, %k: tensor<1x8x128x64xf32>, %v: tensor<1x8x64x64xf32>) -> tensor<1x8x128x64xf32> {
  %m = mask.all
  // expected-error @below {{key/value sequence length mismatch: 128 vs 64}}
  %o = mask.attention ins(%q, %k, %v : tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>, tensor<1x8x64x64xf32>) mask(%m) -> tensor<1x8x128x64xf32>
  return %o : tensor<1x8x128x64xf32>
}

// -----

func.func @attn_kvheads(%q: tensor<1x8x128x64xf32>, %k: tensor<1x8x128x64xf32>, %v: tensor<1x4x128x64xf32>) -> tensor<1x8x128x64xf32> {
  %m = mask.all
  // expected-error @below {{key/value head count mismatch: 8 vs 4}}
  %o = mask.attention ins(%q, %k, %v : tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>, tensor<1x4x128x64xf32>) mask(%m) -> tensor<1x8x128x64xf32>
  return %o : tensor<1x8x128x64xf32>
}

// -----

func.func @attn_gqa(%q: tensor<1x6x128x64xf32>, %k: tensor<1x4x128x64xf32>) -> tensor<1x6x128x64xf32> {
  %m = mask.all
  // expected-error @below {{query head count 6 is not a multiple of key/value head count 4}}
  %o = mask.attention ins(%q, %k, %k : tensor<1x6x128x64xf32>, tensor<1x4x128x64xf32>, tensor<1x4x128x64xf32>) mask(%m) -> tensor<1x6x128x64xf32>
  return %o : tensor<1x6x128x64xf32>
}

// -----

func.func @attn_out_shape(%q: tensor<1x8x128x64xf32>) -> tensor<1x8x64x64xf32> {
  %m = mask.all
  // expected-error @below {{output shape mismatch: 64 vs 128}}
  %o = mask.attention ins(%q, %q, %q : tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>) mask(%m) -> tensor<1x8x64x64xf32>
  return %o : tensor<1x8x64x64xf32>
}

// -----

func.func @attn_out_type(%q: tensor<1x8x128x64xf32>) -> tensor<1x8x128x64xf16> {
  %m = mask.all
  // expected-error @below {{output must be rank 4 with element type 'f32', got 'tensor<1x8x128x64xf16>'}}
  %o = mask.attention ins(%q, %q, %q : tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>) mask(%m) -> tensor<1x8x128x64xf16>
  return %o : tensor<1x8x128x64xf16>
}

// -----

func.func @attn_out_headdim(%q: tensor<1x8x128x64xf32>, %v: tensor<1x8x128x32xf32>) -> tensor<1x8x128x64xf32> {
  %m = mask.all
  // expected-error @below {{head dimension mismatch: 64 vs 32}}
  %o = mask.attention ins(%q, %q, %v : tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>, tensor<1x8x128x32xf32>) mask(%m) -> tensor<1x8x128x64xf32>
  return %o : tensor<1x8x128x64xf32>
}

// -----

func.func @attn_lse(%q: tensor<1x8x128x64xf32>) -> (tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>) {
  %m = mask.all
  // expected-error @below {{lse must be a rank-3 [B, H, N] float value, got 'tensor<1x8x128x64xf32>'}}
  %o, %l = mask.attention ins(%q, %q, %q : tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>) mask(%m) -> tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>
  return %o, %l : tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>
}

// -----

func.func @attn_lse_shape(%q: tensor<1x8x128x64xf32>) -> (tensor<1x8x128x64xf32>, tensor<1x8x64xf32>) {
  %m = mask.all
  // expected-error @below {{lse shape mismatch: 64 vs 128}}
  %o, %l = mask.attention ins(%q, %q, %q : tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>) mask(%m) -> tensor<1x8x128x64xf32>, tensor<1x8x64xf32>
  return %o, %l : tensor<1x8x128x64xf32>, tensor<1x8x64xf32>
}

// -----

func.func @attn_no_results(%q: tensor<1x8x128x64xf32>) {
  %m = mask.all
  // expected-error @below {{on tensors returns the output and optionally the lse, got 0 results}}
  mask.attention ins(%q, %q, %q : tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>) mask(%m)
  return
}

// -----

func.func @attn_tensor_outs(%q: tensor<1x8x128x64xf32>, %o: memref<1x8x128x64xf32>) {
  %m = mask.all
  // expected-error @below {{on tensors returns its results and takes no outs}}
  mask.attention ins(%q, %q, %q : tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>) mask(%m) outs(%o : memref<1x8x128x64xf32>)
  return
}

// -----

func.func @attn_memref_results(%q: memref<1x8x128x64xf32>) -> tensor<1x8x128x64xf32> {
  %m = mask.all
  // expected-error @below {{on memrefs writes into outs and has no results}}
  %o = mask.attention ins(%q, %q, %q : memref<1x8x128x64xf32>, memref<1x8x128x64xf32>, memref<1x8x128x64xf32>) mask(%m) outs(%q : memref<1x8x128x64xf32>) -> tensor<1x8x128x64xf32>
  return %o : tensor<1x8x128x64xf32>
}

// -----

func.func @attn_memref_no_out(%q: memref<1x8x128x64xf32>) {
  %m = mask.all
  // expected-error @below {{on memrefs needs an output in outs}}
  mask.attention ins(%q, %q, %q : memref<1x8x128x64xf32>, memref<1x8x128x64xf32>, memref<1x8x128x64xf32>) mask(%m)
  return
}

// -----

// expected-error @below {{expected 'to'}}
func.func @set_syntax() -> !mask.mask attributes {s = #mask.set<3 4>} {
  %m = mask.all
  return %m : !mask.mask
}
