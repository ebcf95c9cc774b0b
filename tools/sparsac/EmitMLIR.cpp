//===- EmitMLIR.cpp - the --emit=mlir and --emit=mlir-canonical stages ----===//
//
// Prints the mask dialect module as the front end produced it, or after the
// mask algebra (`mask-canonicalize`).
//
//===----------------------------------------------------------------------===//

#include "tools/sparsac/Sparsac.h"

#include "dialects/Mask/Transforms/Passes.h"

#include "mlir/IR/OperationSupport.h"
#include "mlir/Pass/PassManager.h"

using namespace mlir;

int sparsa::sparsac::emitMLIR(ModuleOp module, llvm::raw_ostream &os) {
  module->print(os, OpPrintingFlags());
  os << "\n";
  return kExitOk;
}

int sparsa::sparsac::emitCanonicalMLIR(ModuleOp module, llvm::raw_ostream &os) {
  PassManager pm(module->getContext());
  pm.addPass(sparsa::mask::createMaskCanonicalize());
  if (failed(pm.run(module)))
    return internalError("mask-canonicalize failed");
  return emitMLIR(module, os);
}
