//===- EmitCPU.cpp - sparsac --target=cpu --emit=... ----------------------===//
//
// Lowers the pattern through the CPU pipeline and writes LLVM IR, assembly,
// an object file, a shared library or the C header of its kernels.
//
//===----------------------------------------------------------------------===//

#include "tools/sparsac/CPUCommands.h"
#include "tools/sparsac/Sparsac.h"

#include "lib/Pipelines/CPUPipeline.h"
#include "lib/Target/CPU/CPUTarget.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Target/TargetMachine.h"

using namespace mlir;
using namespace sparsa::sparsac;

namespace sparsa::sparsac {
/// Runs the CPU pipeline on `module` in place; an ExitCode.
int lowerForCPU(ModuleOp module) {
  auto tiles = getTileOptions();
  if (!tiles)
    return userError(llvm::toString(tiles.takeError()));
  DialectRegistry registry;
  registerCPUDialects(registry);
  cpu::registerCPUTranslations(registry);
  module->getContext()->appendDialectRegistry(registry);
  module->getContext()->loadAllAvailableDialects();
  PassManager pm(module->getContext());
  CPUPipelineOptions options;
  options.fromMask = true;
  options.headDim = tiles->headDim;
  options.blockQ = tiles->blockQ;
  options.blockK = tiles->blockK;
  buildCPUPipeline(pm, options);
  if (failed(pm.run(module)))
    return userError("the pattern cannot be compiled for the cpu");
  return kExitOk;
}
} // namespace sparsa::sparsac

int sparsa::sparsac::emitCPU(ModuleOp module, CPUEmitKind kind,
                             llvm::StringRef path) {
  if (int rc = lowerForCPU(module))
    return rc;
  auto tm = cpu::createHostTargetMachine();
  if (!tm)
    return internalError(llvm::toString(tm.takeError()));
  if (llvm::Error e = cpu::emitToFile(
          module, static_cast<cpu::EmitKind>(kind), path, **tm))
    return userError(llvm::toString(std::move(e)));
  return kExitOk;
}
