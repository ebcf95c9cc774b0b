//===- Passes.td - CUDA lowering passes ---------------------*- tablegen -*-===//

#ifndef SPARSA_CONVERSION_SATTNTOGPU_PASSES_TD
#define SPARSA_CONVERSION_SATTNTOGPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertSAttnToGPU : Pass<"convert-sattn-to-gpu", "mlir::ModuleOp"> {
  let summary = "Lower expanded sattn kernels to tensor-core GPU kernels";
  let description = [{
    Replaces every `sattn.kernel` (after `sattn-expand-ranges`) by a
    `gpu.func` kernel in the module's `gpu.module @sparsa_kernels`, built
    as its tiling's `#sattn.cuda_config` says (the pass has no options of
    its own: sparsa-select-tiling decides). One thread block computes one
    (query tile, head, batch) = (blockIdx.x, .y, .z); each warp owns
    `rows_per_warp` query rows, so a block has `block_q / rows_per_warp`
    warps.
    The query tile is staged through shared memory with `cp.async`
    (`nvgpu.device_async_copy`) and kept in registers as `ldmatrix`
    fragments; every `sattn.visit` of the schedule becomes inline code that
    copies the key and value tiles (gathered rows for token maps) into
    shared memory, computes Q·Kᵀ and P·V with `mma.sync` m16n8k16
    (fp32 accumulate) and updates the online softmax in registers. FULL
    tiles carry no predicate, PARTIAL tiles evaluate the kernel's predicate
    per score. The kernel ABI is documented in `lib/Runtime/CUDAKernelABI.h`;
    launch metadata is attached to each `gpu.func` as `sparsa.cuda`. Beside
    each kernel, host code `func.func @KERNEL_query_tiles(memref<1xi64>) ->
    i64` computes its grid's x extent from the argument block.

    ```mlir
    // before
    sattn.kernel @causal_part0 attributes {tiling = #sattn.tiling<block_q = 128,
        block_k = 64, vector_width = 8, target = "cuda",
        cuda = #sattn.cuda_config<chip = "sm_90", mma = mma_sync,
          element_type = bf16, rows_per_warp = 16, stages = 2,
          q_in_registers = true>>, head_dim = 128 : i64,
        num_params = 0 : i64, param_names = []} { ... } predicate { ... }
    // after
    gpu.module @sparsa_kernels {
      gpu.func @causal_part0(%q: memref<1xbf16>, %k: memref<1xbf16>, ...)
          kernel attributes {known_block_size = array<i32: 256, 1, 1>, ...}
    }
    func.func @causal_part0_query_tiles(%args: memref<1xi64>) -> i64
    ```
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::func::FuncDialect",
    "mlir::gpu::GPUDialect",
    "mlir::math::MathDialect", "mlir::memref::MemRefDialect",
    "mlir::nvgpu::NVGPUDialect", "mlir::NVVM::NVVMDialect",
    "mlir::LLVM::LLVMDialect", "mlir::scf::SCFDialect",
    "mlir::vector::VectorDialect"
  ];
}

#endif // SPARSA_CONVERSION_SATTNTOGPU_PASSES_TD
