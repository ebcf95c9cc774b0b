//===- LLVMTranslation.cpp - LLVM IR for the host CPU ---------------------===//
//
// Translates the LLVM-dialect module of the CPU pipeline to LLVM IR, aims it
// at the host (triple, data layout, target-cpu and target-features on every
// function) and runs the O3 pipeline with the host TargetMachine so cost
// models see the real vector units. 512-bit vectors are declared legal
// (`min-legal-vector-width`) when the host has AVX-512: otherwise CPUs that
// prefer 256-bit vectors would split the kernels' 16-lane ops in two.
//
//===----------------------------------------------------------------------===//

#include "lib/Target/CPU/CPUTarget.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"

using namespace mlir;

void sparsa::cpu::registerCPUTranslations(DialectRegistry &registry) {
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
}

static std::string hostFeatures() {
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  std::string out;
  for (auto &f : features) {
    if (!out.empty())
      out += ",";
    out += (f.second ? "+" : "-") + f.first().str();
  }
  return out;
}

std::string sparsa::cpu::hostDescription() {
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  std::vector<std::string> enabled;
  for (auto &f : features)
    if (f.second)
      enabled.push_back(f.first().str());
  // StringMap's order depends on its hashing: sorted, the text is stable.
  llvm::sort(enabled);
  std::string out = llvm::sys::getProcessTriple() +
                    ";cpu=" + llvm::sys::getHostCPUName().str() + ";features=";
  for (const std::string &f : enabled)
    out += "+" + f + ",";
  return out;
}

llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
sparsa::cpu::createHostTargetMachine() {
  return createTargetMachine("host");
}

llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
sparsa::cpu::createTargetMachine(llvm::StringRef cpu,
                                 llvm::StringRef extraFeatures) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::Triple triple(llvm::sys::getProcessTriple());
  std::string error;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return llvm::createStringError("no target for host triple " + triple.str() +
                                   ": " + error);
  llvm::TargetOptions options;
  bool host = cpu == "host";
  std::string features = host ? hostFeatures() : "";
  if (!extraFeatures.empty())
    features += (features.empty() ? "" : ",") + extraFeatures.str();
  std::string cpuName = host ? llvm::sys::getHostCPUName().str() : cpu.str();
  // An unknown name would only be warned about on stderr and then ignored.
  if (!host) {
    std::unique_ptr<llvm::MCSubtargetInfo> sti(
        target->createMCSubtargetInfo(triple, "", ""));
    if (!sti || !sti->isCPUStringValid(cpuName))
      return llvm::createStringError(
          "'" + cpuName + "' is not a CPU of " + triple.str() +
          " (examples: host, x86-64-v3, x86-64-v4, sapphirerapids, znver4)");
  }
  std::unique_ptr<llvm::TargetMachine> tm(target->createTargetMachine(
      triple, cpuName, features, options, llvm::Reloc::PIC_, std::nullopt,
      llvm::CodeGenOptLevel::Aggressive));
  if (!tm)
    return llvm::createStringError("cannot create a target machine for " +
                                   triple.str());
  return tm;
}

int64_t sparsa::cpu::vectorWidthOf(const llvm::TargetMachine &tm) {
  const llvm::MCSubtargetInfo *sti = tm.getMCSubtargetInfo();
  if (!sti)
    return 4;
  if (sti->checkFeatures("+avx512f"))
    return 16;
  if (sti->checkFeatures("+avx2") || sti->checkFeatures("+avx"))
    return 8;
  return 4;
}

llvm::Expected<std::unique_ptr<llvm::Module>>
sparsa::cpu::translateToLLVMIR(ModuleOp module, llvm::LLVMContext &ctx,
                               llvm::TargetMachine &tm, unsigned optLevel) {
  DialectRegistry registry;
  registerCPUTranslations(registry);
  module->getContext()->appendDialectRegistry(registry);
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, ctx, "sparsa");
  if (!llvmModule)
    return llvm::createStringError(
        "cannot translate the module to LLVM IR (is it fully lowered to the "
        "llvm dialect?)");
  llvmModule->setTargetTriple(tm.getTargetTriple());
  llvmModule->setDataLayout(tm.createDataLayout());
  const llvm::MCSubtargetInfo *sti = tm.getMCSubtargetInfo();
  bool avx512 = sti && sti->checkFeatures("+avx512f");
  for (llvm::Function &fn : *llvmModule) {
    if (fn.isDeclaration())
      continue;
    fn.addFnAttr("target-cpu", tm.getTargetCPU());
    fn.addFnAttr("target-features", tm.getTargetFeatureString());
    if (avx512) {
      fn.addFnAttr("min-legal-vector-width", "512");
      fn.addFnAttr("prefer-vector-width", "512");
    }
  }
  auto optimize = makeOptimizingTransformer(optLevel, 0, &tm);
  if (llvm::Error err = optimize(llvmModule.get()))
    return std::move(err);
  return llvmModule;
}
