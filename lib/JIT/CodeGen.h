//===- CodeGen.h - canonical mask IR to callable kernels --------*- C++ -*-===//
//
// The second half of a JIT compilation: the CPU pipeline (the same
// buildCPUPipeline sparsac uses) on a copy of the canonical module, ORC code
// generation through lib/Target/CPU's JITModule, and the Kernel handles
// that share the result. For CUDA the CUDA pipeline (lib/Target/CUDA's
// compileModule) builds the device image, and the JITModule holds the host
// parameter check. The canonical module is kept for exact statistics.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_JIT_CODEGEN_H
#define SPARSA_LIB_JIT_CODEGEN_H

#include "lib/JIT/FrontEnd.h"
#include "lib/Runtime/CUDAAttention.h"
#include "lib/Runtime/RunAttention.h"
#include "sparsa/Kernel.h"

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace sparsa::cpu {
class JITModule;
} // namespace sparsa::cpu

namespace sparsa::jit {

/// One compiled structure, shared by every Kernel handle made from it.
struct CompiledPattern {
  ~CompiledPattern();
  std::shared_ptr<ParsedPattern> parsed;
  std::unique_ptr<cpu::JITModule> jit;
  /// Or: the kernel loaded from a disk-cache library (keeps it mapped).
  Kernel loaded;
  std::vector<runtime::CompiledKernel> parts;
  /// Compiled with the backward pass, and its parts.
  bool hasBackward = false;
  runtime::BackwardKernels backward;
  /// CUDA: the image and its launcher (the host check is in `jit`).
  std::shared_ptr<const runtime::cuda::Attention> cuda;
  std::vector<std::string> params;
  /// The generated check of runtime parameter values, and its messages.
  runtime::ParamCheckFn paramCheck = nullptr;
  std::vector<std::string> paramRules;
  int64_t headDim = 0, blockQ = 0, blockK = 0;
  bool layout = true;
  /// Time spent in the CPU pipeline and in LLVM (translation,
  /// optimization, machine code).
  double pipelineSeconds = 0, llvmSeconds = 0;
  /// Statistics read the (shared) canonical module one at a time.
  std::mutex statsMutex;
};

/// Lowers a copy of `parsed`'s module and JIT-compiles it.
Result<std::shared_ptr<CompiledPattern>>
generateCode(std::shared_ptr<ParsedPattern> parsed,
             const CompileOptions &options);

/// Disk cache: loads the library of `key` from `directory` if it was
/// written for exactly this key, else compiles `parsed` into it (written
/// atomically: temporary files, then rename) and loads it. `wasHit` tells
/// which happened.
Result<std::shared_ptr<CompiledPattern>>
compileThroughDisk(std::shared_ptr<ParsedPattern> parsed,
                   const CompileOptions &options, const std::string &key,
                   const std::string &directory, bool &wasHit);

/// A handle named `name` on `compiled`.
Kernel makeKernel(const std::shared_ptr<CompiledPattern> &compiled,
                  const std::string &name);

/// Lowers `parsed` (whose function carries the user's name) and writes a
/// shared library with runtime metadata.
Status emitSharedLibrary(ParsedPattern &parsed, const CompileOptions &options,
                         const std::string &path);

} // namespace sparsa::jit

#endif // SPARSA_LIB_JIT_CODEGEN_H
