//===- MaskOps.h - mask dialect operations ----------------------*- C++ -*-===//
//
// Declares the operations of the `mask` dialect.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_DIALECTS_MASK_IR_MASKOPS_H
#define SPARSA_DIALECTS_MASK_IR_MASKOPS_H

#include "dialects/Mask/IR/MaskDialect.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

#define GET_OP_CLASSES
#include "dialects/Mask/IR/MaskOps.h.inc"

#endif // SPARSA_DIALECTS_MASK_IR_MASKOPS_H
