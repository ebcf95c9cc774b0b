//===- SoftmaxUpdate.cpp - the online-softmax step of one key tile --------===//
//
// For every row of the score tile: mask the lanes the caller rules out
// (predicate or sequence end) to -inf, take the new running max, turn the
// scores into probabilities exp(s - m) in place, and update the running sum.
// The factor exp(m_old - m_new) that the accumulator must be rescaled by is
// written per row and applied by the P·V kernel, so acc is touched once per
// tile. A row with nothing allowed so far keeps m = -inf; it uses 0 as the
// reference instead so no inf - inf (NaN) can arise, and masked lanes are
// forced to exact zeros rather than relying on exp(-inf) of the polynomial.
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
                        LaneMaskFn laneMask, const RowSpans *spans) {
  MLIRContext *ctx = b.getContext();
  const int64_t vw = shape.vectorWidth;
  const int64_t numVecs = shape.blockK / vw;
  const float negInf = -std::numeric_limits<float>::infinity();
  VectorType vec = shape.f32Vec(ctx);
  auto rowLoop =
      scf::ForOp::create(b, loc, cstIndex(b, loc, 0),
                         cstIndex(b, loc, shape.blockQ), cstIndex(b, loc, 1));
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToStart(rowLoop.getBody());
  Value i = rowLoop.getInductionVar();
  if (spans) {
    // A row that allows no key of the tile keeps its state; its accumulator
    // is rescaled by 1 (by 0 while nothing is allowed yet, as below), and
    // its probabilities are zeros (P·V runs over the span of its row group).
    Value f = memref::LoadOp::create(b, loc, spans->first, ValueRange{i});
    Value e = memref::LoadOp::create(b, loc, spans->end, ValueRange{i});
    Value empty =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, f, e);
    auto skip = scf::IfOp::create(b, loc, empty, /*withElseRegion=*/true);
    b.setInsertionPointToStart(&skip.getThenRegion().front());
    Value mOld = memref::LoadOp::create(b, loc, t.rowMax, ValueRange{i});
    Value wasEmpty =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, mOld,
                              cstF32(b, loc, negInf));
    memref::StoreOp::create(
        b, loc,
        arith::SelectOp::create(b, loc, wasEmpty, cstF32(b, loc, 0.0f),
                                cstF32(b, loc, 1.0f)),
        rescale, ValueRange{i});
    Value zeros = splatF32(b, loc, shape, 0.0f);
    for (int64_t c = 0; c < numVecs; ++c)
      vector::StoreOp::create(b, loc, zeros, scores,
                              ValueRange{i, cstIndex(b, loc, c * vw)});
    b.setInsertionPointToStart(&skip.getElseRegion().front());
  }
  Value vNegInf = splatF32(b, loc, shape, negInf);

  SmallVector<Value> s, masks;
  Value rowMax;
  for (int64_t c = 0; c < numVecs; ++c) {
    Value v = vector::LoadOp::create(
        b, loc, vec, scores, ValueRange{i, cstIndex(b, loc, c * vw)});
    Value m = laneMask(b, loc, i, c * vw);
    if (m)
      v = arith::SelectOp::create(b, loc, m, v, vNegInf);
    s.push_back(v);
    masks.push_back(m);
    rowMax = rowMax ? arith::MaxNumFOp::create(b, loc, rowMax, v) : v;
  }
  Value tileMax = vector::ReductionOp::create(
      b, loc, vector::CombiningKind::MAXNUMF, rowMax);
  Value mOld = memref::LoadOp::create(b, loc, t.rowMax, ValueRange{i});
  Value mNew = arith::MaxNumFOp::create(b, loc, mOld, tileMax);
  Value cNegInf = cstF32(b, loc, negInf), cZero = cstF32(b, loc, 0.0f);
  Value noneYet = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ,
                                        mNew, cNegInf);
  Value mRef = arith::SelectOp::create(b, loc, noneYet, cZero, mNew);
  Value mRefVec = vector::BroadcastOp::create(b, loc, vec, mRef);

  Value sum;
  Value vZero = splatF32(b, loc, shape, 0.0f);
  for (int64_t c = 0; c < numVecs; ++c) {
    Value p = math::ExpOp::create(
        b, loc, arith::SubFOp::create(b, loc, s[c], mRefVec));
    if (masks[c])
      p = arith::SelectOp::create(b, loc, masks[c], p, vZero);
    vector::StoreOp::create(b, loc, p, scores,
                            ValueRange{i, cstIndex(b, loc, c * vw)});
    sum = sum ? arith::AddFOp::create(b, loc, sum, p) : p;
  }
  Value tileSum =
      vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, sum);

  Value wasEmpty = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ,
                                         mOld, cNegInf);
  Value alphaExp =
      math::ExpOp::create(b, loc, arith::SubFOp::create(b, loc, mOld, mRef));
  Value alpha = arith::SelectOp::create(b, loc, wasEmpty, cZero, alphaExp);
  Value lOld = memref::LoadOp::create(b, loc, t.rowSum, ValueRange{i});
  Value lNew = math::FmaOp::create(b, loc, lOld, alpha, tileSum);
  memref::StoreOp::create(b, loc, lNew, t.rowSum, ValueRange{i});
  memref::StoreOp::create(b, loc, mNew, t.rowMax, ValueRange{i});
  memref::StoreOp::create(b, loc, alpha, rescale, ValueRange{i});
}
