//===- sparsa-cpu-aot.cpp - ahead-of-time compile sattn kernels -----------===//
//
// Reads expanded sattn kernels (.mlir), runs buildCPUPipeline and writes
// LLVM IR, assembly, an object file, a shared library or the C header
// (lib/Target/CPU emitToFile). Used by the benchmark (kernels are built once
// and run by the MLIR-free sparsa-cpu-bench) and by the test that links a
// kernel into a plain C program.
//
//===----------------------------------------------------------------------===//

#include "dialects/SAttn/IR/SAttnDialect.h"
#include "lib/Pipelines/CPUPipeline.h"
#include "lib/Target/CPU/CPUTarget.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Target/TargetMachine.h"

using namespace mlir;
namespace cl = llvm::cl;
using sparsa::cpu::EmitKind;

static cl::opt<std::string> input(cl::Positional, cl::desc("<kernels.mlir>"),
                                  cl::Required);
static cl::opt<std::string> output("o", cl::desc("Output file"), cl::init("-"));
static cl::opt<EmitKind>
    emit("emit", cl::desc("What to write"), cl::init(EmitKind::SharedLibrary),
         cl::values(clEnumValN(EmitKind::LLVMIR, "llvm", "optimized LLVM IR"),
                    clEnumValN(EmitKind::Assembly, "asm", "assembly"),
                    clEnumValN(EmitKind::Object, "obj", "object file"),
                    clEnumValN(EmitKind::SharedLibrary, "so", "shared library"),
                    clEnumValN(EmitKind::Header, "header", "C header")));
static cl::opt<std::string>
    cpuName("cpu", cl::desc("Target CPU (host, x86-64-v4, znver4, ...)"),
            cl::init("host"));

static int fail(const llvm::Twine &msg) {
  llvm::WithColor::error(llvm::errs(), "sparsa-cpu-aot") << msg << "\n";
  return 1;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv, "sparsa CPU kernel compiler\n");
  DialectRegistry registry;
  registry.insert<sparsa::sattn::SAttnDialect>();
  sparsa::registerCPUDialects(registry);
  sparsa::cpu::registerCPUTranslations(registry);
  MLIRContext ctx(registry);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler handler(sourceMgr, &ctx);
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(input, sourceMgr, &ctx);
  if (!module)
    return 1;
  PassManager pm(&ctx);
  sparsa::buildCPUPipeline(pm, sparsa::CPUPipelineOptions());
  if (failed(pm.run(*module)))
    return 1;
  auto tm = sparsa::cpu::createTargetMachine(cpuName);
  if (!tm)
    return fail(llvm::toString(tm.takeError()));
  if (llvm::Error e = sparsa::cpu::emitToFile(*module, emit, output, **tm))
    return fail(llvm::toString(std::move(e)));
  return 0;
}
