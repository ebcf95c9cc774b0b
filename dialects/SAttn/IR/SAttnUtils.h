//===- SAttnUtils.h - IR helpers shared by sattn passes and backends --*- C++ -*-===//
//
// Emitting the closed forms the sattn dialect defines in its docs, so that
// the schedule expansion and every backend compute them identically: the
// size of a token map's position space, the token at a position, and the
// `random_blocks` draw (bit-identical to dialects/Mask/IR/RandomBlocks.h).
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_DIALECTS_SATTN_IR_SATTNUTILS_H
#define SPARSA_DIALECTS_SATTN_IR_SATTNUTILS_H

#include "dialects/SAttn/IR/SAttnDialect.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/SmallVector.h"

namespace sparsa::sattn {

/// The identity map when `map` is null.
TokenMapAttr getOrIdentity(mlir::MLIRContext *ctx, TokenMapAttr map);

/// Number of positions of the space `map` lays `n` tokens out in, for tile
/// size `tile` of that side (`index`).
mlir::Value emitSpaceSize(mlir::OpBuilder &b, mlir::Location loc,
                          TokenMapAttr map, mlir::Value n, int64_t tile);

/// The token at `position` and whether the position holds one (`i1`).
/// Works on `index` scalars only.
std::pair<mlir::Value, mlir::Value>
emitTokenAt(mlir::OpBuilder &b, mlir::Location loc, TokenMapAttr map,
            mlir::Value position, mlir::Value n, int64_t tile);

/// The `count` key blocks drawn for `queryBlock` out of `numKeyBlocks`
/// (index values) by `mask.random_blocks`' Floyd draw with `seed`, as
/// straight-line code: returns `count` index values; when count >=
/// numKeyBlocks at run time the draw is "every block", signalled by the
/// returned `i1` (then the values are meaningless).
std::pair<llvm::SmallVector<mlir::Value>, mlir::Value>
emitRandomDraw(mlir::OpBuilder &b, mlir::Location loc, int64_t seed,
               int64_t count, mlir::Value queryBlock,
               mlir::Value numKeyBlocks);

} // namespace sparsa::sattn

#endif // SPARSA_DIALECTS_SATTN_IR_SATTNUTILS_H
