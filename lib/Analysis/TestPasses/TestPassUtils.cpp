//===- TestPassUtils.cpp - shared helpers of the analysis test passes -----===//
//
// Finding the mask functions of a module.
//
//===----------------------------------------------------------------------===//

#include "lib/Analysis/TestPasses/TestPasses.h"

#include "dialects/Mask/IR/MaskDialect.h"

using namespace mlir;

void sparsa::analysis::forEachMaskFunction(
    ModuleOp module, llvm::function_ref<void(func::FuncOp, Value)> fn) {
  for (auto f : module.getOps<func::FuncOp>()) {
    if (f.isExternal() || f.getNumResults() != 1 ||
        !isa<sparsa::mask::MaskType>(f.getResultTypes()[0]))
      continue;
    auto ret = dyn_cast<func::ReturnOp>(f.getBody().front().getTerminator());
    if (!ret)
      continue;
    fn(f, ret.getOperand(0));
  }
}
