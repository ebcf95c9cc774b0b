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

#define GET_OP_CLASSES
#include "dialects/SAttn/IR/SAttnOps.h.inc"

#endif // SPARSA_DIALECTS_SATTN_IR_SATTNDIALECT_H
