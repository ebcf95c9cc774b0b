//===- CUDATarget.h - PTX / cubin and launch metadata -----------*- C++ -*-===//
//
// The back end of the CUDA pipeline: compiles a module (mask dialect or
// expanded sattn kernels) through buildCUDAPipeline into one PTX or cubin
// image holding every kernel, plus what a host needs to launch them: each
// kernel's tile sizes, threads, shared memory, query map (for the grid) and
// parameter names, and the parts of every attention. The launch ABI is
// lib/Runtime/CUDAKernelABI.h; lib/Runtime/CUDARuntime.h consumes this.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_TARGET_CUDA_CUDATARGET_H
#define SPARSA_LIB_TARGET_CUDA_CUDATARGET_H

#include "lib/Pipelines/CUDAPipeline.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <string>
#include <vector>

namespace sparsa::cuda {

/// Launch metadata of one kernel (its `sparsa.cuda` attribute).
struct KernelInfo {
  std::string name;
  int64_t blockQ = 0, blockK = 0, headDim = 0, threads = 0, sharedBytes = 0;
  int64_t numParams = 0;
  std::vector<std::string> paramNames;
  /// Query token map: kind (identity, residue, summary_gather,
  /// member_gather), period, count, members.
  std::string queryMapKind = "identity";
  int64_t queryMapPeriod = 1, queryMapCount = 0;
  std::vector<int64_t> queryMapMembers;
  bool coversAllQueries = true;
  std::string elementType = "bf16";
};

struct AttentionInfo {
  std::string name;
  std::vector<std::string> parts;
};

/// A compiled module: the image and how to launch what it holds.
struct CompiledModule {
  /// PTX text (format isa), cubin / fatbin bytes, or (format llvm) the
  /// device module's LLVM IR as text, linked with libdevice and optimized:
  /// what the NVPTX back end turns into PTX.
  std::string image;
  std::string format; // isa, bin, fatbin, llvm
  std::string chip;
  std::vector<KernelInfo> kernels;
  std::vector<AttentionInfo> attentions;
};

/// Runs buildCUDAPipeline on `module` (modified in place) and collects the
/// image and metadata. `options.stopAfter` must be "binary".
llvm::Expected<CompiledModule>
compileModule(mlir::ModuleOp module, const CUDAPipelineOptions &options);

/// The metadata as JSON (`image` names the image file, relative to the
/// JSON's folder; bench/cuda/sparsa_cuda.py reads it).
void writeMetadataJSON(const CompiledModule &compiled, llvm::StringRef image,
                       llvm::raw_ostream &os);

/// Writes `PREFIX.cubin` (the image) and `PREFIX.json` (its launch metadata,
/// naming the cubin by file name), or neither.
llvm::Error writeImageAndMetadata(const CompiledModule &compiled,
                                  llvm::StringRef prefix);

/// The GPU architectures the kernels are built for: sm_80 and newer, as
/// LLVM's NVPTX back end and ptxas name them.
llvm::ArrayRef<llvm::StringRef> supportedChips();

/// An error naming the supported architectures when `chip` is none of them.
llvm::Error checkChip(llvm::StringRef chip);

} // namespace sparsa::cuda

#endif // SPARSA_LIB_TARGET_CUDA_CUDATARGET_H
