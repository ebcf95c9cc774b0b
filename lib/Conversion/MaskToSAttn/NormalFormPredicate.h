//===- NormalFormPredicate.h - a normal form as arith code ------*- C++ -*-===//
//
// Emits "is (h, q, k) allowed" for a mask normal form as pure arith ops on
// index values: the predicate region of a sattn kernel. Kernels evaluate it
// only on PARTIAL tiles.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_CONVERSION_MASKTOSATTN_NORMALFORMPREDICATE_H
#define SPARSA_LIB_CONVERSION_MASKTOSATTN_NORMALFORMPREDICATE_H

#include "lib/Analysis/MaskNormalForm.h"

#include "mlir/IR/Builders.h"
#include "mlir/Support/LogicalResult.h"

namespace sparsa {

/// Values the predicate reads: head, query, key (original token indices),
/// the sequence lengths and the runtime parameters by argument number.
struct PredicateOperands {
  mlir::Value head, query, key, numQueries, numKeys;
  llvm::ArrayRef<mlir::Value> params;
};

/// The i1 value of `nf` at the operands. Fails (with a diagnostic at `loc`)
/// for what code generation cannot express: a random-blocks count or seed
/// that is not a compile-time constant, or a count above the supported
/// maximum.
mlir::FailureOr<mlir::Value>
emitNormalFormPredicate(mlir::OpBuilder &b, mlir::Location loc,
                        const analysis::MaskNormalForm &nf,
                        const PredicateOperands &operands);

} // namespace sparsa

#endif // SPARSA_LIB_CONVERSION_MASKTOSATTN_NORMALFORMPREDICATE_H
