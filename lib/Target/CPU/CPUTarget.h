//===- CPUTarget.h - LLVM IR, object code and JIT for CPU kernels -*- C++
//-*-===//
//
// The back end of the CPU pipeline: takes a module in the LLVM dialect (the
// output of buildCPUPipeline) and turns it into optimized LLVM IR for the
// host CPU, assembly, an object file, a shared library, a C header, or
// JIT-compiled entry points through mlir::ExecutionEngine. Entry points
// follow lib/Runtime/KernelABI.h.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_TARGET_CPU_CPUTARGET_H
#define SPARSA_LIB_TARGET_CPU_CPUTARGET_H

#include "lib/Runtime/KernelABI.h"
#include "lib/Runtime/KernelMetadata.h"
#include "lib/Runtime/RunAttention.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <string>
#include <vector>

namespace llvm {
class LLVMContext;
class Module;
class TargetMachine;
} // namespace llvm

namespace mlir {
class DialectRegistry;
class ExecutionEngine;
} // namespace mlir

namespace sparsa::cpu {

/// What a lowered kernel was compiled for, read back with a verifier from
/// its `sparsa.kernel` attribute (written by convert-sattn-to-vector) into
/// the one kernel metadata struct of every target (symbol, tiles, head
/// dimension, vector width, parameters, covers_all_queries): a missing,
/// unknown or mistyped key is an error, never a 0.
llvm::Expected<runtime::PartMetadata>
readKernelMetadata(llvm::StringRef symbol, mlir::DictionaryAttr meta);

/// The kernels of a module in the func or LLVM dialect.
llvm::Expected<std::vector<runtime::PartMetadata>>
collectKernels(mlir::ModuleOp module);

/// The attentions of a module with their parts' metadata (target "cpu"):
/// those of the module attribute `sparsa.attentions` (written by
/// convert-sattn-to-vector for `sattn.attention`), in order, each with its
/// parameter check NAME_check_params and one message per rule when the
/// module has one; then every kernel of no attention as an attention of
/// one part named after it. A part that names no kernel is an error.
llvm::Expected<std::vector<runtime::AttentionMetadata>>
collectAttentions(mlir::ModuleOp module);

/// Registers the LLVM IR translations of the dialects the pipeline emits.
void registerCPUTranslations(mlir::DialectRegistry &registry);

/// What createHostTargetMachine builds for, as text: the process triple,
/// the host CPU's name and its enabled features, sorted
/// ("x86_64-unknown-linux-gnu;cpu=znver4;features=+avx2,+avx512f,...,").
std::string hostDescription();

/// A TargetMachine for the host CPU with all its features, PIC, at O3.
llvm::Expected<std::unique_ptr<llvm::TargetMachine>> createHostTargetMachine();

/// A TargetMachine for x86-64 `cpu` (e.g. "x86-64-v4", "znver4", "host")
/// with that CPU's features plus `extraFeatures` ("+avx512f,..."), PIC, O3.
/// A CPU name LLVM does not know for the host's architecture is an error.
llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(llvm::StringRef cpu, llvm::StringRef extraFeatures = "");

/// f32 lanes of the widest vector registers of `tm`'s CPU: 16 with
/// AVX-512, 8 with AVX/AVX2, else 4.
int64_t vectorWidthOf(const llvm::TargetMachine &tm);

/// Translates `module` (LLVM dialect) to LLVM IR for `tm`'s target, marks
/// the functions for the host CPU, and optimizes at `optLevel` (0-3).
llvm::Expected<std::unique_ptr<llvm::Module>>
translateToLLVMIR(mlir::ModuleOp module, llvm::LLVMContext &ctx,
                  llvm::TargetMachine &tm, unsigned optLevel = 3);

/// Emits `module` as an object file (or assembly) for `tm`.
llvm::Error emitMachineCode(llvm::Module &module, llvm::TargetMachine &tm,
                            llvm::raw_pwrite_stream &os, bool assembly);

/// Links an object file into a shared library with the linker driver found
/// at configure time.
llvm::Error linkSharedLibrary(llvm::StringRef objectPath,
                              llvm::StringRef outputPath);

/// A C header declaring the entry points of `kernels` (ABI, parameters,
/// block sizes).
std::string emitHeader(llvm::ArrayRef<runtime::AttentionMetadata> attentions);

/// Adds the symbols libsparsa_runtime loads a kernel library by
/// (`sparsa_module_info`, `NAME_sparsa_info`; lib/Runtime/KernelMetadata.h).
void addRuntimeMetadata(llvm::Module &module,
                        llvm::ArrayRef<runtime::AttentionMetadata> attentions);

/// Compiles `module` for `tm` into a shared library at `path`, sealed with
/// the trailer libsparsa_runtime verifies (lib/Runtime/LibraryFile.h) and
/// renamed into place (readers never see a partial file).
llvm::Error writeSharedLibrary(llvm::Module &module, llvm::TargetMachine &tm,
                               llvm::StringRef path);

/// What emitToFile writes.
enum class EmitKind { LLVMIR, Assembly, Object, SharedLibrary, Header };

/// Compiles `module` (LLVM dialect) for `tm` and writes `kind` to `path`
/// ("-" is stdout for the text kinds).
llvm::Error emitToFile(mlir::ModuleOp module, EmitKind kind,
                       llvm::StringRef path, llvm::TargetMachine &tm);

/// In-process JIT of a module in the LLVM dialect.
class JITModule {
public:
  static llvm::Expected<std::unique_ptr<JITModule>>
  create(mlir::ModuleOp module, unsigned optLevel = 3);
  ~JITModule();

  /// The kernel `name` ready for runtime::runAttention.
  llvm::Expected<runtime::CompiledKernel> lookup(llvm::StringRef name);
  /// The parts of attention `name`, for runtime::runAttentionParts; a
  /// kernel name gives that kernel alone.
  llvm::Expected<std::vector<runtime::CompiledKernel>>
  lookupAttention(llvm::StringRef name);
  /// Every attention of the module (collectAttentions).
  const std::vector<runtime::AttentionMetadata> &attentions() const {
    return groups;
  }
  /// The parameter check of attention `name`, or null when it has none.
  runtime::ParamCheckFn lookupParamCheck(llvm::StringRef name);
  /// The function `symbol` of the module (any, not only a kernel's), or
  /// null when there is none.
  void *lookupFunction(llvm::StringRef symbol);
  /// The backward kernels of attention `name` (a module built with the
  /// CPU pipeline's `backward`), or an error naming what is missing.
  llvm::Expected<runtime::BackwardKernels> lookupBackward(llvm::StringRef name);

private:
  JITModule() = default;
  std::unique_ptr<mlir::ExecutionEngine> engine;
  std::vector<runtime::AttentionMetadata> groups;
};

} // namespace sparsa::cpu

#endif // SPARSA_LIB_TARGET_CPU_CPUTARGET_H
