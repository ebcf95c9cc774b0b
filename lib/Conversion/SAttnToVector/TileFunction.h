//===- TileFunction.h - per-tile-class functions ----------------*- C++ -*-===//
//
// Builders of the functions that fold one key tile into a query tile's
// online softmax, and of the flat views through which generated code reads
// the caller's tensors.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_CONVERSION_SATTNTOVECTOR_TILEFUNCTION_H
#define SPARSA_LIB_CONVERSION_SATTNTOVECTOR_TILEFUNCTION_H

#include "lib/Conversion/SAttnToVector/KernelCodegen.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace sparsa::sattn::cpu {

/// Inputs of a tile function: qTile, acc, rowMax, rowSum, keys, values
/// (memref<1xf32> base pointers), then the index arguments of TileValues in
/// order, then the kernel's runtime parameters.
llvm::SmallVector<mlir::Type> tileFunctionInputs(mlir::MLIRContext *ctx,
                                                 const TileShape &shape,
                                                 int64_t numParams);

/// Builds `@<kernel>_<kind>_tile` at the builder's insertion point.
mlir::func::FuncOp buildTileFunction(mlir::OpBuilder &b, KernelOp kernel,
                                     const TileShape &shape, TileClass kind);

} // namespace sparsa::sattn::cpu

#endif // SPARSA_LIB_CONVERSION_SATTNTOVECTOR_TILEFUNCTION_H
