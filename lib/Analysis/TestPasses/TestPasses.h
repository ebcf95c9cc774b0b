//===- TestPasses.h - passes that print the mask analyses -------*- C++ -*-===//
//
// Declarations and registration of the test-only analysis passes, and the
// helper they share to visit mask functions.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_ANALYSIS_TESTPASSES_TESTPASSES_H
#define SPARSA_LIB_ANALYSIS_TESTPASSES_TESTPASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace sparsa::analysis {

#define GEN_PASS_DECL
#include "lib/Analysis/TestPasses/TestPasses.h.inc"

/// Calls `fn` for every function of `module` whose single result is a
/// `!mask.mask`, with the returned mask value.
void forEachMaskFunction(
    mlir::ModuleOp module,
    llvm::function_ref<void(mlir::func::FuncOp, mlir::Value)> fn);

#define GEN_PASS_REGISTRATION
#include "lib/Analysis/TestPasses/TestPasses.h.inc"

} // namespace sparsa::analysis

#endif // SPARSA_LIB_ANALYSIS_TESTPASSES_TESTPASSES_H
