//===- JIT.cpp - in-process compilation of CPU kernels --------------------===//
//
// Wraps mlir::ExecutionEngine: the module is translated and optimized by
// translateToLLVMIR (same host attributes and O3 as the AOT path, so JIT and
// shared-library kernels are the same code), then compiled by ORC; entry
// points are looked up by their plain C names.
//
//===----------------------------------------------------------------------===//

#include "lib/Target/CPU/CPUTarget.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"

#include <algorithm>

using namespace mlir;
using namespace sparsa::cpu;

JITModule::~JITModule() = default;

llvm::Expected<std::unique_ptr<JITModule>>
JITModule::create(ModuleOp module, unsigned optLevel) {
  auto tm = createHostTargetMachine();
  if (!tm)
    return tm.takeError();
  std::unique_ptr<JITModule> jit(new JITModule());
  auto attentions = collectAttentions(module);
  if (!attentions)
    return attentions.takeError();
  jit->groups = std::move(*attentions);
  llvm::Error translateError = llvm::Error::success();
  auto builder = [&](Operation *op,
                     llvm::LLVMContext &ctx) -> std::unique_ptr<llvm::Module> {
    auto m = translateToLLVMIR(cast<ModuleOp>(op), ctx, **tm, optLevel);
    if (!m) {
      llvm::consumeError(std::move(translateError));
      translateError = m.takeError();
      return nullptr;
    }
    return std::move(*m);
  };
  ExecutionEngineOptions options;
  options.llvmModuleBuilder = builder;
  // Machine code is most of a cold JIT compilation: let the opt level
  // choose the code generator's effort too.
  static constexpr llvm::CodeGenOptLevel kCodeGenLevels[] = {
      llvm::CodeGenOptLevel::None, llvm::CodeGenOptLevel::Less,
      llvm::CodeGenOptLevel::Default, llvm::CodeGenOptLevel::Aggressive};
  options.jitCodeGenOptLevel = kCodeGenLevels[std::min(optLevel, 3u)];
  options.enableGDBNotificationListener = false;
  options.enablePerfNotificationListener = false;
  auto engine = ExecutionEngine::create(module, options);
  if (translateError)
    return std::move(translateError);
  if (!engine)
    return engine.takeError();
  jit->engine = std::move(*engine);
  return jit;
}

llvm::Expected<sparsa::runtime::CompiledKernel>
JITModule::lookup(llvm::StringRef name) {
  const runtime::PartMetadata *info = nullptr;
  for (const runtime::AttentionMetadata &a : groups)
    for (const runtime::PartMetadata &k : a.parts)
      if (k.symbol == name)
        info = &k;
  if (!info)
    return llvm::createStringError("no kernel named '" + name.str() + "'");
  auto entry = engine->lookup(name);
  if (!entry)
    return entry.takeError();
  auto count = engine->lookup((name + runtime::kWorkItemsSuffix).str());
  if (!count)
    return count.takeError();
  runtime::CompiledKernel k;
  k.entry = reinterpret_cast<runtime::KernelFn>(*entry);
  k.workItems = reinterpret_cast<runtime::WorkItemsFn>(*count);
  k.headDim = info->headDim;
  k.numParams = static_cast<int64_t>(info->params.size());
  k.coversAllQueries = info->coversAllQueries;
  return k;
}

sparsa::runtime::ParamCheckFn
JITModule::lookupParamCheck(llvm::StringRef name) {
  for (const runtime::AttentionMetadata &a : groups) {
    if (a.name != name || a.paramCheck.empty())
      continue;
    auto fn = engine->lookup(a.paramCheck);
    if (!fn) {
      llvm::consumeError(fn.takeError());
      return nullptr;
    }
    return reinterpret_cast<runtime::ParamCheckFn>(*fn);
  }
  return nullptr;
}

void *JITModule::lookupFunction(llvm::StringRef symbol) {
  auto fn = engine->lookup(symbol);
  if (!fn) {
    llvm::consumeError(fn.takeError());
    return nullptr;
  }
  return reinterpret_cast<void *>(*fn);
}

llvm::Expected<sparsa::runtime::BackwardKernels>
JITModule::lookupBackward(llvm::StringRef name) {
  for (const runtime::AttentionMetadata &a : groups) {
    if (a.name != name)
      continue;
    if (!a.hasBackward)
      break;
    runtime::BackwardKernels out;
    for (auto [names, into] : {std::pair{&a.backwardDq, &out.dq},
                               std::pair{&a.backwardDkdv, &out.dkdv}})
      for (const std::string &part : *names) {
        std::string entry = part + runtime::kBackwardSuffix;
        auto fn = reinterpret_cast<runtime::BackwardFn>(lookupFunction(entry));
        auto items = reinterpret_cast<runtime::WorkItemsFn>(
            lookupFunction(entry + runtime::kWorkItemsSuffix));
        if (!fn || !items)
          return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                         "missing backward function " + entry);
        into->push_back({fn, items});
      }
    return out;
  }
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "attention '" + name +
                                     "' was compiled without its backward "
                                     "pass");
}

llvm::Expected<std::vector<sparsa::runtime::CompiledKernel>>
JITModule::lookupAttention(llvm::StringRef name) {
  std::vector<std::string> names{name.str()};
  for (const runtime::AttentionMetadata &a : groups)
    if (a.name == name) {
      names.clear();
      for (const runtime::PartMetadata &p : a.parts)
        names.push_back(p.symbol);
    }
  std::vector<runtime::CompiledKernel> parts;
  for (const std::string &part : names) {
    auto k = lookup(part);
    if (!k)
      return k.takeError();
    parts.push_back(*k);
  }
  return parts;
}
