//===- CUDACommands.h - sparsac's CUDA target commands ----------*- C++ -*-===//
//
// `--target=cuda --emit=llvm|ptx|cubin` and `--run`: the pattern goes
// through buildCUDAPipeline (mask -> sattn -> gpu/nvgpu -> NVVM -> PTX ->
// cubin) and lib/Target/CUDA, the code every CUDA tool and test shares.
// Kept apart from sparsac.cpp so the tool's dispatch only gains a few cases.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_TOOLS_SPARSAC_CUDACOMMANDS_H
#define SPARSA_TOOLS_SPARSAC_CUDACOMMANDS_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

namespace sparsa::sparsac {

enum class CUDAEmitKind { LLVMIR, PTX, Cubin };

/// The element type of the GPU kernels when --dtype is not given.
inline constexpr llvm::StringLiteral kDefaultCUDAType = "bf16";

/// Checks --cuda-arch, `dtype` (bf16 or f16), --block, --head-dim and
/// --rows-per-warp against what the GPU kernels support, before the
/// pattern is read, so an error names the flag. Returns an ExitCode.
int checkCUDAFlags(llvm::StringRef dtype);

/// Errors for the flags only --target=cuda takes (--cuda-arch,
/// --rows-per-warp), given with another target. Returns an ExitCode.
int checkNoCUDAFlags();

/// Compiles the pattern of `module` for the GPU and writes `kind`: LLVM IR
/// or PTX to `path` ('-': standard output), or the cubin and its launch
/// metadata to `path`.cubin and `path`.json. Returns an ExitCode.
int emitCUDA(mlir::ModuleOp module, CUDAEmitKind kind, llvm::StringRef path,
             llvm::StringRef dtype);

/// --run --target=cuda: reports that no CUDA device is present (exit
/// status 1) through the runtime's driver probe. Returns an ExitCode.
int runCUDA(mlir::ModuleOp module, llvm::raw_ostream &os);

} // namespace sparsa::sparsac

#endif // SPARSA_TOOLS_SPARSAC_CUDACOMMANDS_H
