//===- RuntimeMetadata.cpp - self-description symbols for AOT kernels -----===//
//
// Adds the C string symbols of lib/Runtime/KernelMetadata.h to a translated
// module, so an object or shared library built from it can be loaded by
// libsparsa_runtime without its header: `sparsa_module_info` lists the
// attentions, `NAME_sparsa_info` describes the parts of each. Kernels that
// belong to no `sattn.attention` are listed as attentions of one part.
//
//===----------------------------------------------------------------------===//

#include "lib/Runtime/KernelMetadata.h"
#include "lib/Target/CPU/CPUTarget.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/Module.h"

#include <set>

using namespace sparsa;

static void addString(llvm::Module &m, const std::string &symbol,
                      const std::string &text) {
  llvm::Constant *init =
      llvm::ConstantDataArray::getString(m.getContext(), text, true);
  if (llvm::GlobalVariable *old = m.getNamedGlobal(symbol))
    old->eraseFromParent();
  auto *g = new llvm::GlobalVariable(m, init->getType(), /*isConstant=*/true,
                                     llvm::GlobalValue::ExternalLinkage, init,
                                     symbol);
  g->setAlignment(llvm::Align(1));
}

void sparsa::cpu::addRuntimeMetadata(
    llvm::Module &m, llvm::ArrayRef<runtime::PartMetadata> kernels,
    llvm::ArrayRef<AttentionInfo> attentions) {
  std::vector<runtime::AttentionMetadata> metas;
  std::set<std::string> grouped;
  auto partOf = [&](const std::string &name) -> const runtime::PartMetadata * {
    for (const runtime::PartMetadata &k : kernels)
      if (k.symbol == name)
        return &k;
    return nullptr;
  };
  for (const AttentionInfo &a : attentions) {
    runtime::AttentionMetadata meta;
    meta.name = a.name;
    meta.target = "cpu";
    meta.paramCheck = a.paramCheck;
    meta.paramRules = a.paramRules;
    for (const std::string &part : a.parts)
      if (const runtime::PartMetadata *k = partOf(part)) {
        meta.parts.push_back(*k);
        grouped.insert(part);
      }
    if (!meta.parts.empty())
      metas.push_back(std::move(meta));
  }
  for (const runtime::PartMetadata &k : kernels)
    if (!grouped.count(k.symbol))
      metas.push_back({k.symbol, "cpu", {k}, "", {}});
  std::vector<std::string> names;
  for (const runtime::AttentionMetadata &meta : metas) {
    names.push_back(meta.name);
    addString(m, meta.name + runtime::kAttentionInfoSuffix,
              runtime::formatAttentionMetadata(meta));
  }
  addString(m, runtime::kModuleInfoSymbol,
            runtime::formatModuleMetadata(names));
}
