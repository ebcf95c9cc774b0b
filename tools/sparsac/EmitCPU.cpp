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
#include "llvm/MC/MCSubtargetInfo.h"
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
    return llvm::createStringError("--cpu: " + llvm::toString(tm.takeError()));
  // LLVM knows 32-bit x86 CPUs (i386, pentium4) too; the kernels are
  // 64-bit code, which LLVM would refuse with a fatal error.
  if (!(*tm)->getMCSubtargetInfo()->checkFeatures("+64bit"))
    return llvm::createStringError("--cpu: '" + cpuName +
                                   "' is not an x86-64 CPU");
  return tm;
}

/// The kernels hold f32 vectors of the CPU's width: the head dimension and
/// both tile sizes must be multiples of it. Checked here so that the error
/// names the option, not the pattern.
static int checkVectorWidth(const TileOptions &tiles, int64_t width) {
  auto check = [&](const llvm::Twine &what, int64_t v) -> int {
    if (v % width == 0)
      return kExitOk;
    return userError(what + " " + llvm::Twine(v) + " must be a multiple of " +
                     llvm::Twine(width) +
                     ", the f32 vector width of --cpu=" + cpuName);
  };
  if (int rc = check("--head-dim", tiles.headDim))
    return rc;
  if (int rc = check("--block query tile", tiles.blockQ))
    return rc;
  if (int rc = check("--block key tile", tiles.blockK))
    return rc;
  if (tiles.blockQ > 1024 || tiles.blockK > 1024)
    return userError("--block " + llvm::Twine(tiles.blockQ) + "," +
                     llvm::Twine(tiles.blockK) +
                     ": cpu tiles are at most 1024");
  return kExitOk;
}

int lowerForCPU(ModuleOp module, llvm::TargetMachine *tm, bool backward) {
  auto tiles = getTileOptions();
  if (!tiles)
    return userError(llvm::toString(tiles.takeError()));
  {
    std::unique_ptr<llvm::TargetMachine> host;
    if (!tm) {
      auto created = cpu::createHostTargetMachine();
      if (!created)
        return internalError(llvm::toString(created.takeError()));
      host = std::move(*created);
    }
    if (int rc = checkVectorWidth(*tiles, cpu::vectorWidthOf(tm ? *tm : *host)))
      return rc;
  }
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
  options.backward = backward;
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
  if (int rc = lowerForCPU(module, tm->get(), withBackward()))
    return rc;
  if (llvm::Error e =
          cpu::emitToFile(module, static_cast<cpu::EmitKind>(kind), path, **tm))
    return userError(llvm::toString(std::move(e)));
  return kExitOk;
}
