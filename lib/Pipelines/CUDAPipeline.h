//===- CUDAPipeline.h - the CUDA compilation pipeline -----------*- C++ -*-===//
//
// One source of truth for how sparsa compiles for NVIDIA GPUs, used by
// sparsac --target=cuda, lib/Target/CUDA and lit
// (`sparsa-opt --sparsa-cuda-pipeline`):
//
//   [mask --front stages (MaskToSAttnStage.h), target=cuda-->]
//   sattn (expanded) --convert-sattn-to-gpu--> gpu.module of gpu.func kernels
//                                              (gpu + nvgpu + nvvm + arith/scf)
//                    --lower to NVVM-->        llvm + nvvm dialects
//                    --nvvm-attach-target, gpu-module-to-binary-->
//                                              gpu.binary (PTX or cubin)
//
// Each stage is also a builder of its own so tests and tools can stop after
// any of them.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_PIPELINES_CUDAPIPELINE_H
#define SPARSA_LIB_PIPELINES_CUDAPIPELINE_H

#include "lib/Pipelines/MaskToSAttnStage.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace sparsa {

struct CUDAPipelineOptions : public MaskFrontOptions<CUDAPipelineOptions> {
  Option<std::string> stopAfter{
      *this, "stop-after",
      llvm::cl::desc("Last stage to run: sattn, gpu, nvvm, or binary"),
      llvm::cl::init("binary")};
  Option<std::string> elementType{
      *this, "element-type",
      llvm::cl::desc("Element type of Q, K, V, O: bf16 or f16 (from-mask; "
                     "sattn input carries it in #sattn.cuda_config)"),
      llvm::cl::init("bf16")};
  Option<int64_t> rowsPerWarp{
      *this, "rows-per-warp",
      llvm::cl::desc("Query rows per warp, 16 or 32 (0: by head_dim; "
                     "from-mask)"),
      llvm::cl::init(0)};
  Option<std::string> chip{*this, "chip",
                           llvm::cl::desc("GPU architecture (sm_80, sm_90)"),
                           llvm::cl::init("sm_90")};
  Option<std::string> format{
      *this, "format",
      llvm::cl::desc("gpu-module-to-binary format: isa (PTX), bin (cubin), "
                     "fatbin, llvm (the device module's LLVM IR)"),
      llvm::cl::init("isa")};
  Option<std::string> toolkit{
      *this, "toolkit",
      llvm::cl::desc("CUDA toolkit path (ptxas, libdevice); empty: default"),
      llvm::cl::init("")};
  Option<unsigned> optLevel{
      *this, "O", llvm::cl::desc("LLVM optimization level"), llvm::cl::init(3)};
};

/// sattn (expanded) -> gpu.module with gpu.func kernels.
void buildCUDAGPUStage(mlir::OpPassManager &pm,
                       const CUDAPipelineOptions &options);
/// gpu/nvgpu/arith/scf/memref/vector inside gpu.module -> llvm + nvvm.
void buildCUDANVVMStage(mlir::OpPassManager &pm,
                        const CUDAPipelineOptions &options);
/// nvvm-attach-target + gpu-module-to-binary.
void buildCUDABinaryStage(mlir::OpPassManager &pm,
                          const CUDAPipelineOptions &options);
/// Whether the CUDA toolkit at `toolkit` (empty: as the binary stage finds
/// it: $CUDA_HOME, $CUDA_PATH, $CUDA_ROOT, the ptxas on $PATH, else
/// /usr/local/cuda) has a ptxas to build cubins with.
bool cudaToolkitHasPtxas(llvm::StringRef toolkit);

/// The whole pipeline, honouring `stopAfter`.
void buildCUDAPipeline(mlir::OpPassManager &pm,
                       const CUDAPipelineOptions &options);

/// Registers `sparsa-cuda-pipeline` and convert-sattn-to-gpu (sparsa-opt).
void registerCUDAPipeline();
/// The dialects, interfaces and translations the CUDA pipeline needs.
void registerCUDADialects(mlir::DialectRegistry &registry);

} // namespace sparsa

#endif // SPARSA_LIB_PIPELINES_CUDAPIPELINE_H
