//===- SAttnDialect.cpp - sattn dialect registration and attributes -------===//

#include "dialects/SAttn/IR/SAttnDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace sparsa::sattn;

#include "dialects/SAttn/IR/SAttnDialect.cpp.inc"
#include "dialects/SAttn/IR/SAttnEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/SAttn/IR/SAttnAttrs.cpp.inc"

void SAttnDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/SAttn/IR/SAttnOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/SAttn/IR/SAttnAttrs.cpp.inc"
      >();
}

LogicalResult TilingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 int64_t blockQ, int64_t blockK,
                                 int64_t vectorWidth, StringRef target) {
  if (blockQ < 1 || blockK < 1)
    return emitError() << "tile sizes must be positive, got " << blockQ
                       << "x" << blockK;
  if (vectorWidth < 1)
    return emitError() << "vector width must be positive, got "
                       << vectorWidth;
  if (target != "cpu" && target != "cuda")
    return emitError() << "unknown target '" << target
                       << "', expected 'cpu' or 'cuda'";
  return success();
}

LogicalResult LayoutAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 int64_t residue) {
  if (residue < 1)
    return emitError() << "residue period must be positive, got " << residue;
  return success();
}
