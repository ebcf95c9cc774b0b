//===- Passes.h - CPU lowering passes ---------------------------*- C++ -*-===//
//
// Declarations of the passes that lower sattn kernels to vector code for the
// CPU, and of their rewrite patterns.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_CONVERSION_SATTNTOVECTOR_PASSES_H
#define SPARSA_LIB_CONVERSION_SATTNTOVECTOR_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/Pass.h"

namespace sparsa::sattn {

#define GEN_PASS_DECL
#include "lib/Conversion/SAttnToVector/Passes.h.inc"

/// Patterns lowering `sattn.kernel` ops to vector code (one per kernel);
/// `rowSpans` as the pass option `row-spans`.
void populateSAttnToVectorPatterns(mlir::RewritePatternSet &patterns,
                                   bool rowSpans = true);

#define GEN_PASS_REGISTRATION
#include "lib/Conversion/SAttnToVector/Passes.h.inc"

} // namespace sparsa::sattn

#endif // SPARSA_LIB_CONVERSION_SATTNTOVECTOR_PASSES_H
