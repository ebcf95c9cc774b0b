//===- SAttnDialect.h - the sattn dialect -----------------------*- C++ -*-===//
//
// Declares the `sattn` dialect (tiled attention schedules), its attributes
// and operations.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_DIALECTS_SATTN_IR_SATTNDIALECT_H
#define SPARSA_DIALECTS_SATTN_IR_SATTNDIALECT_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/SAttn/IR/SAttnDialect.h.inc"
#include "dialects/SAttn/IR/SAttnEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/SAttn/IR/SAttnAttrs.h.inc"

namespace sparsa::sattn {
class KernelOp;
namespace detail {
/// The verifier of KeyTileRangeOpInterface: the op sits directly in a
/// kernel's schedule block.
mlir::LogicalResult verifyKeyTileRange(mlir::Operation *op);
} // namespace detail
} // namespace sparsa::sattn

#include "dialects/SAttn/IR/SAttnOpInterfaces.h.inc"

#define GET_OP_CLASSES
#include "dialects/SAttn/IR/SAttnOps.h.inc"

namespace sparsa::sattn {
/// Fails, with an error on each, when `kernel`'s schedule still holds key-tile
/// ranges: every lowering needs them expanded by sattn-expand-ranges first.
/// `pass` names the lowering in the message.
mlir::LogicalResult verifyRangesExpanded(KernelOp kernel, llvm::StringRef pass);
/// Fails, with an error, when `kernel` is a key-major (backward) schedule,
/// which the forward lowering `pass` cannot compile.
mlir::LogicalResult verifyQueryMajor(KernelOp kernel, llvm::StringRef pass);
} // namespace sparsa::sattn

#endif // SPARSA_DIALECTS_SATTN_IR_SATTNDIALECT_H
