// RUN: sparsa-opt %s --split-input-file --sparsa-select-tiling="vector-width=16" | FileCheck %s
// RUN: sparsa-opt %s --split-input-file --sparsa-select-tiling="target=cuda" | FileCheck %s --check-prefix=CUDA
// RUN: sparsa-opt %s --split-input-file --sparsa-select-tiling="target=cuda head-dim=64 chip=sm_80 element-type=f16" | FileCheck %s --check-prefix=CUDA64
// RUN: sparsa-opt %s --split-input-file --sparsa-select-tiling="target=cuda head-dim=128 rows-per-warp=32" | FileCheck %s --check-prefix=CUDA32
// RUN: sparsa-opt %s --split-input-file --sparsa-select-tiling="target=cuda head-dim=256 chip=sm_86" | FileCheck %s --check-prefix=CUDA86
// RUN: not sparsa-opt %s --split-input-file --sparsa-select-tiling="target=cuda element-type=f32" 2>&1 | FileCheck %s --check-prefix=BADTYPE
// RUN: not sparsa-opt %s --split-input-file --sparsa-select-tiling="target=cuda rows-per-warp=8" 2>&1 | FileCheck %s --check-prefix=BADROWS
// RUN: not sparsa-opt %s --split-input-file --sparsa-select-tiling="target=cuda chip=sm_70" 2>&1 | FileCheck %s --check-prefix=BADCHIP
// RUN: sparsa-opt %s --split-input-file --sparsa-select-tiling="block-q=32 block-k=16 vector-width=8" | FileCheck %s --check-prefix=OVERRIDE
// RUN: not sparsa-opt %s --split-input-file --sparsa-select-tiling="target=tpu" 2>&1 | FileCheck %s --check-prefix=BADTARGET
// RUN: not sparsa-opt %s --split-input-file --sparsa-select-tiling="block-q=-1" 2>&1 | FileCheck %s --check-prefix=BADSIZE

// CHECK-LABEL: func.func @causal
// CHECK-SAME: sattn.tiling = #sattn.tiling<block_q = 64, block_k = 64, vector_width = 16, target = "cpu">
// CUDA-LABEL: func.func @causal
// CUDA-SAME: sattn.tiling = #sattn.tiling<block_q = 128, block_k = 64, vector_width = 8, target = "cuda", cuda = #sattn.cuda_config<chip = "sm_90", mma = mma_sync, element_type = bf16, rows_per_warp = 16, stages = 2, q_in_registers = true>>
// CUDA64-LABEL: func.func @causal
// CUDA64-SAME: sattn.tiling = #sattn.tiling<block_q = 128, block_k = 64, vector_width = 8, target = "cuda", cuda = #sattn.cuda_config<chip = "sm_80", mma = mma_sync, element_type = f16, rows_per_warp = 32, stages = 2, q_in_registers = true>>
// CUDA32-LABEL: func.func @causal
// CUDA32-SAME: cuda = #sattn.cuda_config<chip = "sm_90", mma = mma_sync, element_type = bf16, rows_per_warp = 32, stages = 2, q_in_registers = false>>
// CUDA86-LABEL: func.func @causal
// CUDA86-SAME: sattn.tiling = #sattn.tiling<block_q = 64, block_k = 32, vector_width = 8, target = "cuda", cuda = #sattn.cuda_config<chip = "sm_86"
// BADTYPE: error: element type 'f32' is not supported, expected bf16 or f16
// BADROWS: error: rows per warp must be 16 or 32, got 8
// BADCHIP: error: chip 'sm_70' is not an sm_XX architecture of sm_80 or newer
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
