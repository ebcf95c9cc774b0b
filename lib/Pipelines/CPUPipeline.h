//===- CPUPipeline.h - the CPU compilation pipeline -------------*- C++ -*-===//
//
// One source of truth for how sparsa compiles for the CPU, used by sparsac,
// the JIT and lit (`sparsa-opt --sparsa-cpu-pipeline`):
//
//   [front stages, added by the mask -> sattn work: options reserved below]
//   sattn (expanded)  --convert-sattn-to-vector-->  func + scf + vector + math
//                     --sparsa-approximate-math-->  no math.exp/log left
//                     --lower to LLVM-->            llvm dialect, bare-pointer
//                                                   C ABI
//                                                   (lib/Runtime/KernelABI.h)
//
// Each stage is also a builder of its own so tests and tools can stop after
// any of them.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_PIPELINES_CPUPIPELINE_H
#define SPARSA_LIB_PIPELINES_CPUPIPELINE_H

#include "lib/Pipelines/MaskToSAttnStage.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace sparsa {

struct CPUPipelineOptions : public MaskFrontOptions<CPUPipelineOptions> {
  // Where the pipeline stops ("sattn", "vector", "llvm"), so `sparsac
  // --emit` and lit tests can look at any stage.
  Option<std::string> stopAfter{
      *this, "stop-after",
      llvm::cl::desc("Last stage to run: sattn, vector, approx, or llvm"),
      llvm::cl::init("llvm")};
  Option<bool> approximateMath{
      *this, "approximate-math",
      llvm::cl::desc("Replace math.exp/log by polynomials (no libm calls)"),
      llvm::cl::init(true)};
  Option<bool> x86Vector{
      *this, "x86vector",
      llvm::cl::desc("Let vector-to-llvm use x86vector (AVX2/AVX-512) ops"),
      llvm::cl::init(false)};
  // Front-stage options beyond MaskFrontOptions (from-mask, head-dim,
  // block-q, block-k, layout).
  Option<int64_t> vectorWidth{*this, "vector-width",
                              llvm::cl::desc("f32 lanes, 0: the host's"),
                              llvm::cl::init(0)};
  Option<bool> dense{*this, "dense",
                     llvm::cl::desc("Masked-dense baseline (from-mask)"),
                     llvm::cl::init(false)};
  Option<bool> backward{
      *this, "backward",
      llvm::cl::desc("Also the backward pass: NAME_partN_backward (dQ) and "
                     "NAME_key_partN_backward (dK, dV), recorded in "
                     "sparsa.backward (from-mask)"),
      llvm::cl::init(false)};
};

/// sattn (expanded) -> func/scf/vector/math.
void buildCPUVectorStage(mlir::OpPassManager &pm,
                         const CPUPipelineOptions &options);
/// Polynomial approximation of math functions.
void buildCPUApproxStage(mlir::OpPassManager &pm,
                         const CPUPipelineOptions &options);
/// func/scf/vector/arith/math/memref -> llvm dialect.
void buildCPULLVMStage(mlir::OpPassManager &pm,
                       const CPUPipelineOptions &options);
/// The whole pipeline, honouring `stopAfter`.
void buildCPUPipeline(mlir::OpPassManager &pm,
                      const CPUPipelineOptions &options);

/// Registers `sparsa-cpu-pipeline` and the passes it uses with the global
/// registry (for sparsa-opt).
void registerCPUPipeline();
/// The dialects the stages of the CPU pipeline produce and consume.
void registerCPUDialects(mlir::DialectRegistry &registry);

} // namespace sparsa

#endif // SPARSA_LIB_PIPELINES_CPUPIPELINE_H
