// RUN: sparsa-opt %s --split-input-file --verify-diagnostics --convert-mask-to-sattn

// expected-error @below {{random_blocks count and seed must be compile-time constants for code generation}}
func.func @runtime_count(%r: index) -> !mask.mask attributes {sattn.tiling = #sattn.tiling<block_q = 8, block_k = 8, vector_width = 8, target = "cpu">} {
  %m = mask.random_blocks [8, %r, 1]
  return %m : !mask.mask
}

// -----

// expected-error @below {{random_blocks count 65 exceeds the supported maximum 64}}
func.func @big_count() -> !mask.mask attributes {sattn.tiling = #sattn.tiling<block_q = 8, block_k = 8, vector_width = 8, target = "cpu">} {
  %m = mask.random_blocks [8, 65, 1]
  return %m : !mask.mask
}

// -----

// expected-error @below {{'func.func' op has a 'sattn.tiling' attribute that is not a #sattn.tiling}}
func.func @bad_tiling() -> !mask.mask attributes {sattn.tiling = 3 : i64} {
  %m = mask.all
  return %m : !mask.mask
}

// -----

// expected-error @below {{'func.func' op is not a mask pattern: expected a body returning one !mask.mask}}
func.func @not_mask(%x: index) -> index attributes {sattn.tiling = #sattn.tiling<block_q = 8, block_k = 8, vector_width = 8, target = "cpu">} {
  return %x : index
}

// -----

// expected-error @below {{'func.func' op runtime parameters must be index values, got 'i32'}}
func.func @bad_param(%x: i32) -> !mask.mask attributes {sattn.tiling = #sattn.tiling<block_q = 8, block_k = 8, vector_width = 8, target = "cpu">} {
  %m = mask.all
  return %m : !mask.mask
}
