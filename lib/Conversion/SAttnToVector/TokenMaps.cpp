//===- TokenMaps.cpp - positions to tokens inside a tile ------------------===//
//
// With a non-identity key map (residue permutation, summary or member
// gather) the key tile's positions hold arbitrary tokens, some none at all.
// The tile resolves them once into a small index buffer (through the
// dialect's own emitTokenAt, so schedule and kernel agree; a residue
// permutation from the tile's first token on, without a division per
// position), which then
// drives the key rows and V rows, the predicate (one key at a time) and
// the padding mask. Identity maps skip all of this: positions are tokens.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/SAttnToVector/KernelCodegen.h"

#include "dialects/SAttn/IR/SAttnUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace sparsa::sattn;
using namespace sparsa::sattn::cpu;

TileTokens cpu::tileTokens(OpBuilder &b, Location loc, TokenMapAttr map,
                           Value firstPos, Value n, int64_t tile) {
  if (map.getKind() != TokenMapKind::residue)
    return [=](OpBuilder &nb, Location l, Value j) {
      return emitTokenAt(nb, l, map, arith::AddIOp::create(nb, l, firstPos, j),
                         n, tile);
    };
  // A residue class spans a whole number of tiles, so the tokens of a
  // tile are an arithmetic sequence: t0 + j * period. Positions past the
  // end of the class's tokens (t >= n) or in no class hold none; both are
  // decided by t0 and t, since t grows with j.
  auto [first, firstValid] = emitTokenAt(b, loc, map, firstPos, n, tile);
  Value period = cstIndex(b, loc, map.getPeriod());
  return [=](OpBuilder &nb, Location l, Value j) -> std::pair<Value, Value> {
    Value token = arith::AddIOp::create(
        nb, l, first, arith::MulIOp::create(nb, l, j, period));
    Value valid = arith::AndIOp::create(
        nb, l, firstValid,
        arith::CmpIOp::create(nb, l, arith::CmpIPredicate::slt, token, n));
    return {token, valid};
  };
}

Value cpu::fillKeyTokens(OpBuilder &b, Location loc, const TileShape &shape,
                         TileValues &t) {
  MLIRContext *ctx = b.getContext();
  t.keyTokens = memref::AllocaOp::create(b, loc, shape.keyTokenType(ctx),
                                         ValueRange{},
                                         b.getI64IntegerAttr(64));
  Value allValid = arith::ConstantIntOp::create(b, loc, 1, 1);
  TileTokens tokenAt =
      tileTokens(b, loc, shape.keyMap, t.firstKey, t.numKeys, shape.blockK);
  auto loop = scf::ForOp::create(
      b, loc, cstIndex(b, loc, 0), cstIndex(b, loc, shape.blockK),
      cstIndex(b, loc, 1), ValueRange{allValid},
      [&](OpBuilder &nb, Location l, Value j, ValueRange iter) {
        auto [token, valid] = tokenAt(nb, l, j);
        Value stored =
            arith::SelectOp::create(nb, l, valid, token, cstIndex(nb, l, -1));
        memref::StoreOp::create(nb, l, stored, t.keyTokens, ValueRange{j});
        scf::YieldOp::create(nb, l,
                             ValueRange{arith::AndIOp::create(nb, l, iter[0],
                                                              valid)});
      });
  return loop.getResult(0);
}

Value cpu::keyRow(OpBuilder &b, Location loc, const TileShape &shape,
                  const TileValues &t, Value j) {
  if (!t.keyTokens) {
    Value last = arith::SubIOp::create(b, loc, t.numKeys, cstIndex(b, loc, 1));
    return arith::MinSIOp::create(
        b, loc, arith::AddIOp::create(b, loc, t.firstKey, j), last);
  }
  Value token = memref::LoadOp::create(b, loc, t.keyTokens, ValueRange{j});
  return arith::MaxSIOp::create(b, loc, token, cstIndex(b, loc, 0));
}
