//===- CPUCommands.h - sparsac's CPU target commands ------------*- C++ -*-===//
//
// `--target=cpu --emit=llvm|asm|obj|so|header` and `--run [--check]`: the
// pattern goes through buildCPUPipeline (mask -> sattn -> vector -> LLVM)
// and lib/Target/CPU. Kept apart from sparsac.cpp so the tool's dispatch
// only gains a few cases.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_TOOLS_SPARSAC_CPUCOMMANDS_H
#define SPARSA_TOOLS_SPARSAC_CPUCOMMANDS_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

namespace llvm {
class TargetMachine;
} // namespace llvm

namespace sparsa::sparsac {

enum class CPUEmitKind { LLVMIR, Assembly, Object, SharedLibrary, Header };

/// Compiles the pattern of `module` for the CPU (--block, --head-dim) and
/// writes `kind` to `path`. Returns an ExitCode.
int emitCPU(mlir::ModuleOp module, CPUEmitKind kind, llvm::StringRef path);

/// Compiles the pattern, runs it on random inputs at --seq-len (and
/// --batch, --heads, --kv-heads, --param), prints the time and, with
/// --check, `max_rel_err:` against the float64 reference; with --backward
/// also the backward pass (`backward_time_ms:`, with --check the gradient
/// errors). Returns an ExitCode (1 when the check fails).
int runCPU(mlir::ModuleOp module, llvm::raw_ostream &os);

/// Runs the CPU pipeline (--block, --head-dim, --masked-dense) on `module`
/// in place, with f32 vectors as wide as `tm`'s or, when null, the host's,
/// and with `backward` the backward entry points too. Returns an ExitCode.
int lowerForCPU(mlir::ModuleOp module, llvm::TargetMachine *tm,
                bool backward = false);

/// True when --cpu names another CPU than the host.
bool crossCompiling();

} // namespace sparsa::sparsac

#endif // SPARSA_TOOLS_SPARSAC_CPUCOMMANDS_H
