//===- CUDATarget.h - PTX / cubin and launch metadata -----------*- C++ -*-===//
//
// The back end of the CUDA pipeline: compiles a module (mask dialect or
// expanded sattn kernels) through buildCUDAPipeline into one PTX or cubin
// image holding every kernel, plus what a host needs to launch them: the
// kernel metadata of lib/Runtime/KernelMetadata.h (each part's tile sizes,
// threads, shared memory, query map for the grid, parameter names). The launch
// ABI is lib/Runtime/CUDAKernelABI.h; lib/Runtime/CUDARuntime.h consumes this.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_TARGET_CUDA_CUDATARGET_H
#define SPARSA_LIB_TARGET_CUDA_CUDATARGET_H

#include "lib/Pipelines/CUDAPipeline.h"
#include "lib/Runtime/KernelMetadata.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <string>
#include <vector>

namespace sparsa::cuda {

/// A compiled module: the image and how to launch what it holds.
struct CompiledModule {
  /// PTX text (format isa), cubin / fatbin bytes, or (format llvm) the
  /// device module's LLVM IR as text, linked with libdevice and optimized:
  /// what the NVPTX back end turns into PTX.
  std::string image;
  std::string format; // isa, bin, fatbin, llvm
  std::string chip;
  /// Every attention with its parts (lib/Runtime/KernelMetadata.h, target
  /// "cuda"); a kernel of no `sattn.attention` is an attention of one part.
  std::vector<runtime::AttentionMetadata> attentions;
};

/// Reads and verifies one kernel's `sparsa.cuda` attribute (written by
/// convert-sattn-to-gpu): every key with its type, no other key, a bf16 or
/// f16 element type and as many parameter names as num_params.
llvm::Expected<runtime::PartMetadata>
readLaunchMetadata(llvm::StringRef kernel, mlir::DictionaryAttr meta);

/// The attentions of the module attribute `sparsa.attentions` with their
/// parts' metadata, in order; a kernel of none is an attention of one part.
/// A part that names no kernel is an error.
llvm::Error groupAttentions(mlir::ModuleOp module,
                            llvm::ArrayRef<runtime::PartMetadata> kernels,
                            std::vector<runtime::AttentionMetadata> &out);

/// Runs buildCUDAPipeline on `module` (modified in place) and collects the
/// image and metadata. `options.stopAfter` must be "binary". A kernel whose
/// `sparsa.cuda` attribute lacks a key or holds a value of the wrong type
/// is an error (the verifier of the launch metadata).
llvm::Expected<CompiledModule>
compileModule(mlir::ModuleOp module, const CUDAPipelineOptions &options);

/// The metadata as JSON: `image` (the image file, relative to the JSON's
/// folder), `format`, `chip` and `attentions`, each {`name`, `metadata`:
/// the text of formatAttentionMetadata}, which bench/cuda/sparsa_cuda.py
/// hands to sparsa_cuda_load_attention (lib/Runtime/CUDARuntime.h).
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
