//===- TokenMaps.cpp - positions to tokens inside a tile ------------------===//
//
// With a non-identity key map (residue permutation, summary or member
// gather) the key tile's positions hold arbitrary tokens, some none at all.
// The tile resolves them once into a small index buffer (through the
// dialect's own emitTokenAt, so schedule and kernel agree), which then
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

Value cpu::fillKeyTokens(OpBuilder &b, Location loc, const TileShape &shape,
                         TileValues &t) {
  MLIRContext *ctx = b.getContext();
  t.keyTokens = memref::AllocaOp::create(b, loc, shape.keyTokenType(ctx),
                                         ValueRange{}, b.getI64IntegerAttr(64));
  Value allValid = arith::ConstantIntOp::create(b, loc, 1, 1);
  auto loop = scf::ForOp::create(
      b, loc, IndexArith{b, loc}.c(0), IndexArith{b, loc}.c(shape.blockK),
      IndexArith{b, loc}.c(1), ValueRange{allValid},
      [&](OpBuilder &nb, Location l, Value j, ValueRange iter) {
        Value pos = arith::AddIOp::create(nb, l, t.firstKey, j);
        auto [token, valid] =
            emitTokenAt(nb, l, shape.keyMap, pos, t.numKeys, shape.blockK);
        Value stored = arith::SelectOp::create(nb, l, valid, token,
                                               IndexArith{nb, l}.c(-1));
        memref::StoreOp::create(nb, l, stored, t.keyTokens, ValueRange{j});
        scf::YieldOp::create(
            nb, l, ValueRange{arith::AndIOp::create(nb, l, iter[0], valid)});
      });
  return loop.getResult(0);
}

Value cpu::keyRow(OpBuilder &b, Location loc, const TileShape &shape,
                  const TileValues &t, Value j) {
  if (!t.keyTokens) {
    Value last =
        arith::SubIOp::create(b, loc, t.numKeys, IndexArith{b, loc}.c(1));
    return arith::MinSIOp::create(
        b, loc, arith::AddIOp::create(b, loc, t.firstKey, j), last);
  }
  Value token = memref::LoadOp::create(b, loc, t.keyTokens, ValueRange{j});
  return arith::MaxSIOp::create(b, loc, token, IndexArith{b, loc}.c(0));
}
