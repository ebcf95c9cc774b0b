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

#include "lib/Pipelines/CUDAPipeline.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

namespace sparsa::sparsac {

enum class CUDAEmitKind { LLVMIR, PTX, Cubin, SharedLibrary, Header };

/// The element type of the GPU kernels when --dtype is not given.
inline constexpr llvm::StringLiteral kDefaultCUDAType = "bf16";

/// Checks --cuda-arch, `dtype` (bf16 or f16), --block, --head-dim and
/// --rows-per-warp against what the GPU kernels support, before the
/// pattern is read, so an error names the flag. Returns an ExitCode.
int checkCUDAFlags(llvm::StringRef dtype);

/// Errors for the flags only --target=cuda takes (--cuda-arch,
/// --rows-per-warp), given with another target. Returns an ExitCode.
int checkNoCUDAFlags();

/// Compiles the pattern of `module` for the GPU and writes `kind`: LLVM IR,
/// PTX or the C header to `path` ('-': standard output), the shared library
/// libsparsa_runtime loads to `path`, or the cubin and its launch metadata
/// to `path`.cubin and `path`.json. Returns an ExitCode.
int emitCUDA(mlir::ModuleOp module, CUDAEmitKind kind, llvm::StringRef path,
             llvm::StringRef dtype);

/// The pipeline options of the CUDA flags (checked by checkCUDAFlags).
void setPipelineOptions(sparsa::CUDAPipelineOptions &options,
                        llvm::StringRef dtype);
/// Whether --cuda-arch was given.
bool cudaArchGiven();

/// --run --target=cuda: compiles the pattern for the GPU (for its
/// architecture unless --cuda-arch is given), runs it on random inputs at
/// --seq-len through libsparsa_runtime and prints the time; with --check
/// compares it with the float64 reference. Without a GPU it says so (exit
/// status 1). Returns an ExitCode.
int runCUDA(mlir::ModuleOp module, llvm::raw_ostream &os,
            llvm::StringRef dtype);

} // namespace sparsa::sparsac

#endif // SPARSA_TOOLS_SPARSAC_CUDACOMMANDS_H
