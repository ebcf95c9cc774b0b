//===- MaskDialect.h - the mask dialect -------------------------*- C++ -*-===//
//
// Declares the `mask` dialect, its `!mask.mask` type and `#mask.set`
// attribute.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_DIALECTS_MASK_IR_MASKDIALECT_H
#define SPARSA_DIALECTS_MASK_IR_MASKDIALECT_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/DialectImplementation.h"

#include "dialects/Mask/IR/MaskDialect.h.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/Mask/IR/MaskTypes.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/Mask/IR/MaskAttrs.h.inc"

#endif // SPARSA_DIALECTS_MASK_IR_MASKDIALECT_H
