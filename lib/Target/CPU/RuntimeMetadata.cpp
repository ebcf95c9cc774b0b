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
    llvm::Module &m, llvm::ArrayRef<runtime::AttentionMetadata> attentions) {
  std::vector<std::string> names;
  for (const runtime::AttentionMetadata &meta : attentions) {
    names.push_back(meta.name);
    addString(m, meta.name + runtime::kAttentionInfoSuffix,
              runtime::formatAttentionMetadata(meta));
  }
  addString(m, runtime::kModuleInfoSymbol,
            runtime::formatModuleMetadata(names));
}
