//===- SoftmaxUpdate.cpp - the online-softmax step of one key tile --------===//
//
// Scores are transposed (keys x queries, queries across the lanes), so the
// softmax of a vector of queries runs down the key axis with vertical ops
// only: mask the lanes the caller rules out to -inf, take the running max
// over the keys, turn the scores into probabilities exp(s - m) in place,
// and add them up. The factor exp(m_old - m_new) that the accumulator must
// be rescaled by is written per query and applied by the P·V kernel, so
// acc is touched once per tile. A query with nothing allowed so far keeps
// m = -inf; it uses 0 as the reference instead so no inf - inf (NaN) can
// arise, and masked lanes are forced to exact zeros rather than relying on
// exp(-inf) of the polynomial. In a PARTIAL tile each query vector only
// visits the keys of its span; a query that allows none keeps its state.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/SAttnToVector/KernelCodegen.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <limits>

using namespace mlir;
using namespace sparsa::sattn;
using namespace sparsa::sattn::cpu;

void cpu::updateSoftmax(OpBuilder &b, Location loc, const TileShape &shape,
                        const TileValues &t, Value scores, Value rescale,
                        LaneMaskFn keyMask, const TileMasks *masks) {
  MLIRContext *ctx = b.getContext();
  const int64_t vw = shape.vectorWidth;
  const float negInf = -std::numeric_limits<float>::infinity();
  VectorType vec = shape.f32Vec(ctx);
  auto bytes = VectorType::get({vw}, b.getI8Type());
  Value c0 = IndexArith{b, loc}.c(0), c1 = IndexArith{b, loc}.c(1);
  auto vecLoop = scf::ForOp::create(
      b, loc, c0, IndexArith{b, loc}.c(shape.blockQ / vw), c1);
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToStart(vecLoop.getBody());
  Value c = vecLoop.getInductionVar();
  Value col = arith::MulIOp::create(b, loc, c, IndexArith{b, loc}.c(vw));
  Value lo = c0, hi = t.keyCount;
  if (masks && masks->useSpans) {
    lo = memref::LoadOp::create(b, loc, masks->vecFirst, ValueRange{c});
    hi = memref::LoadOp::create(b, loc, masks->vecEnd, ValueRange{c});
  }
  // The lanes of key j that take part, or null when all do.
  auto lanesOf = [&](OpBuilder &nb, Location l, Value j) -> Value {
    if (!masks)
      return keyMask(nb, l, j, col);
    Value m =
        vector::LoadOp::create(nb, l, bytes, masks->lanes, ValueRange{j, col});
    Value zero = arith::ConstantOp::create(
        nb, l, bytes, DenseElementsAttr::get(bytes, nb.getI8IntegerAttr(0)));
    return arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ne, m, zero);
  };
  Value vNegInf = splatF32(b, loc, shape, negInf);
  Value vZero = splatF32(b, loc, shape, 0.0f);

  auto maxLoop = scf::ForOp::create(
      b, loc, lo, hi, c1, ValueRange{vNegInf},
      [&](OpBuilder &nb, Location l, Value j, ValueRange iter) {
        Value s =
            vector::LoadOp::create(nb, l, vec, scores, ValueRange{j, col});
        if (Value m = lanesOf(nb, l, j))
          s = arith::SelectOp::create(nb, l, m, s, vNegInf);
        scf::YieldOp::create(
            nb, l, ValueRange{arith::MaxNumFOp::create(nb, l, iter[0], s)});
      });
  Value mOld = vector::LoadOp::create(b, loc, vec, t.rowMax, ValueRange{col});
  Value mNew = arith::MaxNumFOp::create(b, loc, mOld, maxLoop.getResult(0));
  Value noneYet =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, mNew, vNegInf);
  Value mRef = arith::SelectOp::create(b, loc, noneYet, vZero, mNew);

  auto sumLoop = scf::ForOp::create(
      b, loc, lo, hi, c1, ValueRange{vZero},
      [&](OpBuilder &nb, Location l, Value j, ValueRange iter) {
        Value s =
            vector::LoadOp::create(nb, l, vec, scores, ValueRange{j, col});
        Value p =
            math::ExpOp::create(nb, l, arith::SubFOp::create(nb, l, s, mRef));
        if (Value m = lanesOf(nb, l, j))
          p = arith::SelectOp::create(nb, l, m, p, vZero);
        vector::StoreOp::create(nb, l, p, scores, ValueRange{j, col});
        scf::YieldOp::create(
            nb, l, ValueRange{arith::AddFOp::create(nb, l, iter[0], p)});
      });

  Value wasEmpty =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, mOld, vNegInf);
  Value alphaExp =
      math::ExpOp::create(b, loc, arith::SubFOp::create(b, loc, mOld, mRef));
  Value alpha = arith::SelectOp::create(b, loc, wasEmpty, vZero, alphaExp);
  Value lOld = vector::LoadOp::create(b, loc, vec, t.rowSum, ValueRange{col});
  Value lNew = vector::FMAOp::create(b, loc, lOld, alpha, sumLoop.getResult(0));
  vector::StoreOp::create(b, loc, lNew, t.rowSum, ValueRange{col});
  vector::StoreOp::create(b, loc, mNew, t.rowMax, ValueRange{col});
  vector::StoreOp::create(b, loc, alpha, rescale, ValueRange{col});
}
