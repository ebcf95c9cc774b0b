//===- CUDATarget.h - PTX / cubin and launch metadata -----------*- C++ -*-===//
//
// The back end of the CUDA pipeline: compiles a module (mask dialect or
// expanded sattn kernels) through buildCUDAPipeline into one PTX or cubin
// image holding every kernel, plus what a host needs to launch them: the
// kernel metadata of lib/Runtime/KernelMetadata.h (each part's tile sizes,
// threads, shared memory, query map, parameter names) and the host code of
// the parameter checks and of each kernel's grid (KERNEL_query_tiles; the
// CPU back end compiles them). The
// launch ABI is lib/Runtime/CUDAKernelABI.h; libsparsa_runtime
// (lib/Runtime/CUDAAttention.h) runs the result, loaded from the shared
// library of writeSharedLibrary or handed over by the JIT.
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
  /// "cuda", its chip and image format, its parameter check); a kernel of
  /// no `sattn.attention` is an attention of one part.
  std::vector<runtime::AttentionMetadata> attentions;
  /// The host side in the LLVM dialect: the parameter checks
  /// (NAME_check_params of lib/Runtime/KernelABI.h), for the CPU back end.
  mlir::OwningOpRef<mlir::ModuleOp> host;
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
/// the text of formatAttentionMetadata}: for inspection and for programs
/// that launch the cubin with their own driver calls.
void writeMetadataJSON(const CompiledModule &compiled, llvm::StringRef image,
                       llvm::raw_ostream &os);

/// Writes `PREFIX.cubin` (the image) and `PREFIX.json` (its launch metadata,
/// naming the cubin by file name), or neither.
llvm::Error writeImageAndMetadata(const CompiledModule &compiled,
                                  llvm::StringRef prefix);

/// Writes the shared library libsparsa_runtime loads (sparsa::loadKernel):
/// the host code of `compiled` for any x86-64 CPU, the metadata symbols and
/// the image (lib/Runtime/KernelMetadata.h), sealed like a CPU library.
llvm::Error writeSharedLibrary(const CompiledModule &compiled,
                               llvm::StringRef path);

/// A C header describing the kernels of `compiled` for programs that launch
/// the cubin themselves: the launch ABI, each part's symbol, tiles,
/// threads, shared memory and grid, and the parameter checks of the shared
/// library.
std::string emitHeader(const CompiledModule &compiled);

/// The GPU architectures the kernels are built for: sm_80 and newer, as
/// LLVM's NVPTX back end and ptxas name them.
llvm::ArrayRef<llvm::StringRef> supportedChips();

/// An error naming the supported architectures when `chip` is none of them.
llvm::Error checkChip(llvm::StringRef chip);

} // namespace sparsa::cuda

#endif // SPARSA_LIB_TARGET_CUDA_CUDATARGET_H
