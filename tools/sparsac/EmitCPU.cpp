//===- EmitCPU.cpp - sparsac --target=cpu --emit=... ----------------------===//
//
// Lowers the pattern through the CPU pipeline and writes LLVM IR, assembly,
// an object file, a shared library or the C header of its kernels, for the
// host or for another x86-64 CPU (--cpu). --masked-dense compiles the
// baseline the benchmark compares with: every key tile visited as PARTIAL,
// the mask applied element-wise, no layout plan.
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
namespace cl = llvm::cl;

static cl::opt<std::string>
    cpuName("cpu",
            cl::desc("With --target=cpu --emit=llvm, asm, obj, so: the x86-64 "
                     "CPU to compile for (host, x86-64-v3, x86-64-v4, "
                     "sapphirerapids, znver4, ...; default host)"),
            cl::value_desc("name"), cl::init("host"), cl::cat(category()));
static cl::opt<bool> maskedDense(
    "masked-dense",
    cl::desc("With --target=cpu: compile the masked-dense baseline (every "
             "key tile computed, the mask applied element-wise)"),
    cl::cat(category()));

namespace sparsa::sparsac {
/// The target machine of --cpu, or a user error naming the bad CPU.
static llvm::Expected<std::unique_ptr<llvm::TargetMachine>> targetMachine() {
  auto tm = cpu::createTargetMachine(cpuName);
  if (!tm)
    return llvm::createStringError("--cpu: " +
                                   llvm::toString(tm.takeError()));
  return tm;
}

int lowerForCPU(ModuleOp module, llvm::TargetMachine *tm) {
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
  options.dense = maskedDense;
  if (tm)
    options.vectorWidth = cpu::vectorWidthOf(*tm);
  buildCPUPipeline(pm, options);
  if (failed(pm.run(module)))
    return userError("the pattern cannot be compiled for the cpu");
  return kExitOk;
}

bool crossCompiling() { return cpuName != "host"; }
} // namespace sparsa::sparsac

int sparsa::sparsac::emitCPU(ModuleOp module, CPUEmitKind kind,
                             llvm::StringRef path) {
  auto tm = targetMachine();
  if (!tm) // a bad --cpu name is the user's; no target for the host is not
    return crossCompiling() ? userError(llvm::toString(tm.takeError()))
                            : internalError(llvm::toString(tm.takeError()));
  if (int rc = lowerForCPU(module, tm->get()))
    return rc;
  if (llvm::Error e = cpu::emitToFile(
          module, static_cast<cpu::EmitKind>(kind), path, **tm))
    return userError(llvm::toString(std::move(e)));
  return kExitOk;
}
