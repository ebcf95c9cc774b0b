// RUN: sparsa-opt %s --split-input-file --sparsa-select-tiling="vector-width=16" | FileCheck %s
// RUN: sparsa-opt %s --split-input-file --sparsa-select-tiling="target=cuda" | FileCheck %s --check-prefix=CUDA
// RUN: sparsa-opt %s --split-input-file --sparsa-select-tiling="block-q=32 block-k=16 vector-width=8" | FileCheck %s --check-prefix=OVERRIDE
// RUN: not sparsa-opt %s --split-input-file --sparsa-select-tiling="target=tpu" 2>&1 | FileCheck %s --check-prefix=BADTARGET
// RUN: not sparsa-opt %s --split-input-file --sparsa-select-tiling="block-q=-1" 2>&1 | FileCheck %s --check-prefix=BADSIZE

// CHECK-LABEL: func.func @causal
// CHECK-SAME: sattn.tiling = #sattn.tiling<block_q = 64, block_k = 64, vector_width = 16, target = "cpu">
// CUDA-LABEL: func.func @causal
// CUDA-SAME: sattn.tiling = #sattn.tiling<block_q = 128, block_k = 64, vector_width = 8, target = "cuda">
// OVERRIDE-LABEL: func.func @causal
// OVERRIDE-SAME: sattn.tiling = #sattn.tiling<block_q = 32, block_k = 16, vector_width = 8, target = "cpu">
// BADTARGET: error: unknown target 'tpu', expected 'cpu' or 'cuda'
// BADSIZE: error: tile sizes and vector width must be non-negative, got -1x0 and 0
func.func @causal() -> !mask.mask {
  %m = mask.causal [0]
  return %m : !mask.mask
}

// -----

// An existing choice is kept; functions that are not patterns are ignored.
// CHECK-LABEL: func.func @chosen
// CHECK-SAME: sattn.tiling = #sattn.tiling<block_q = 16, block_k = 16, vector_width = 4, target = "cpu">
// CHECK-LABEL: func.func @helper
// CHECK-NOT: sattn.tiling
func.func @chosen() -> !mask.mask attributes {sattn.tiling = #sattn.tiling<block_q = 16, block_k = 16, vector_width = 4, target = "cpu">} {
  %m = mask.all
  return %m : !mask.mask
}
func.func @helper(%x: index) -> index {
  return %x : index
}
