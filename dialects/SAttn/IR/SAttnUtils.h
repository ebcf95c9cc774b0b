//===- SAttnUtils.h - IR helpers shared by sattn passes and backends --*- C++
//-*-===//
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

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/SmallVector.h"

namespace sparsa::sattn {

/// The one builder of index arithmetic shared by the schedule expansion and
/// every backend: terse `arith` ops on `index` (and `i1`) values at one
/// insertion point.
///
/// Division and remainder say their semantics in their names, because the
/// targets disagree on what is cheap:
///   * `floorDiv`, `ceilDiv`, `floorMod` round towards -inf / +inf and are
///     right for any signs (the closed forms of the schedule, where cursors,
///     residues and offsets can be negative); `floorMod(x, y)` is in
///     [0, y) for y > 0.
///   * `divUnsigned`, `remUnsigned`, `ceilDivUnsigned` treat both operands
///     as unsigned. Use them only where both are known non-negative (thread
///     and lane ids, counts, sizes): there they equal the floor forms and
///     cost one instruction on the GPU instead of a sign fix-up. On a
///     negative operand they are wrong, not merely slow.
/// Comparisons, `min` and `max` are signed.
struct IndexArith {
  mlir::OpBuilder &b;
  mlir::Location loc;
  using Value = mlir::Value;
  using Pred = mlir::arith::CmpIPredicate;

  Value c(int64_t v) { return mlir::arith::ConstantIndexOp::create(b, loc, v); }
  /// `x + v`, or `x` itself when `v` is 0.
  Value add(Value x, int64_t v) { return v == 0 ? x : add(x, c(v)); }
  Value add(Value x, Value y) {
    return mlir::arith::AddIOp::create(b, loc, x, y);
  }
  Value sub(Value x, Value y) {
    return mlir::arith::SubIOp::create(b, loc, x, y);
  }
  Value mul(Value x, Value y) {
    return mlir::arith::MulIOp::create(b, loc, x, y);
  }

  // Signed, rounding towards -inf / +inf: right for any signs.
  Value floorDiv(Value x, Value y) {
    return mlir::arith::FloorDivSIOp::create(b, loc, x, y);
  }
  Value ceilDiv(Value x, Value y) {
    return mlir::arith::CeilDivSIOp::create(b, loc, x, y);
  }
  /// Floor modulo: `x - y * floorDiv(x, y)`, in [0, y) for y > 0.
  Value floorMod(Value x, Value y) { return sub(x, mul(y, floorDiv(x, y))); }

  // Unsigned: only for operands known to be non-negative.
  Value divUnsigned(Value x, Value y) {
    return mlir::arith::DivUIOp::create(b, loc, x, y);
  }
  Value remUnsigned(Value x, Value y) {
    return mlir::arith::RemUIOp::create(b, loc, x, y);
  }
  Value ceilDivUnsigned(Value x, Value y) {
    return mlir::arith::CeilDivUIOp::create(b, loc, x, y);
  }

  Value max(Value x, Value y) {
    return mlir::arith::MaxSIOp::create(b, loc, x, y);
  }
  Value min(Value x, Value y) {
    return mlir::arith::MinSIOp::create(b, loc, x, y);
  }
  Value cmp(Pred p, Value x, Value y) {
    return mlir::arith::CmpIOp::create(b, loc, p, x, y);
  }
  Value lt(Value x, Value y) { return cmp(Pred::slt, x, y); }
  Value le(Value x, Value y) { return cmp(Pred::sle, x, y); }
  Value sel(Value cond, Value x, Value y) {
    return mlir::arith::SelectOp::create(b, loc, cond, x, y);
  }
  Value andi(Value x, Value y) {
    return mlir::arith::AndIOp::create(b, loc, x, y);
  }
  Value ori(Value x, Value y) {
    return mlir::arith::OrIOp::create(b, loc, x, y);
  }
  Value boolean(bool v) {
    return mlir::arith::ConstantIntOp::create(b, loc, v ? 1 : 0, 1);
  }
};

/// The module attribute in which backends record each `sattn.attention`
/// (name -> array of part kernel names) once the ops are lowered away.
inline constexpr llvm::StringLiteral kAttentionsAttrName = "sparsa.attentions";

/// Moves every `sattn.attention` of `module` into the `sparsa.attentions`
/// dictionary (merged with one already there) and erases the ops.
void recordAttentions(mlir::ModuleOp module);

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
               int64_t count, mlir::Value queryBlock, mlir::Value numKeyBlocks);

} // namespace sparsa::sattn

#endif // SPARSA_DIALECTS_SATTN_IR_SATTNUTILS_H
