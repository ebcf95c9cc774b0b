//===- MaskStructural.h - structural order of mask expressions --*- C++ -*-===//
//
// A total order on mask expressions by structure (op kind, attributes,
// operands, recursively), independent of where the ops sit in the IR. The
// canonicalizer sorts union and intersection operands with it so equal
// masks print equally, and collapses operands that compare equal.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_DIALECTS_MASK_IR_MASKSTRUCTURAL_H
#define SPARSA_DIALECTS_MASK_IR_MASKSTRUCTURAL_H

#include "mlir/IR/Value.h"
#include "llvm/ADT/SmallVector.h"

namespace sparsa::mask {

/// Negative, zero or positive as `a` orders before, equal to or after `b`.
/// Zero means the two expressions are the same computation, so they denote
/// the same mask under every runtime parameter value.
int compareMasks(mlir::Value a, mlir::Value b);

/// Sorts `values` by compareMasks and removes structural duplicates.
void sortAndUniqueMasks(llvm::SmallVectorImpl<mlir::Value> &values);

} // namespace sparsa::mask

#endif // SPARSA_DIALECTS_MASK_IR_MASKSTRUCTURAL_H
