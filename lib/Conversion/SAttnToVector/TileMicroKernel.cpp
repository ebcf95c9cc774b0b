//===- TileMicroKernel.cpp - packing, Q·Kᵀ and P·V micro-kernels ----------===//
//
// The two matrix products of one (query tile, key tile) step, written on
// `vector` ops with an explicit register blocking:
//   * the key tile is packed transposed (D x BK) into a stack buffer with
//     VW x VW register transposes, so the score kernel loads contiguous key
//     vectors and broadcasts one query element per row;
//   * S = Q·Kᵀ keeps scoreRows x scoreCols accumulators in registers across
//     the whole head dimension (Q is pre-scaled by the softmax scale);
//   * in a PARTIAL tile both products skip what lies outside each row
//     group's span (computeRowSpans): the score kernel starts and stops at
//     any key vector (spanRows x spanCols blocks), P·V at any key. The
//     diagonal tiles of bands and causal triangles do about half the work;
//   * acc = acc·alpha + P·V keeps pvRows x pvCols accumulators over D and
//     streams the value rows of the tile straight from memory, except under
//     a key map: gathered rows lie a power-of-two stride apart (a residue
//     class of period 128 at D = 128 puts them 64 KiB apart), so they all
//     fall into the same few cache sets and would be evicted between the
//     passes over the tile; they are first copied into a contiguous buffer.
// Key rows come from keyRow (TokenMaps.cpp): past the end of the sequence
// or on padding positions they read a valid row whose scores the caller
// masks; P·V stops at the last position of the key space.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/SAttnToVector/KernelCodegen.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace sparsa::sattn;
using namespace sparsa::sattn::cpu;

static Value addIdx(OpBuilder &b, Location loc, Value x, int64_t c) {
  if (c == 0)
    return x;
  return arith::AddIOp::create(b, loc, x, cstIndex(b, loc, c));
}

static Value stackBuffer(OpBuilder &b, Location loc, MemRefType t) {
  return memref::AllocaOp::create(b, loc, t, ValueRange{},
                                  b.getI64IntegerAttr(64));
}

Value cpu::packKeyTile(OpBuilder &b, Location loc, const TileShape &shape,
                       const TileValues &t) {
  MLIRContext *ctx = b.getContext();
  const int64_t vw = shape.vectorWidth;
  Value packed = stackBuffer(b, loc, shape.packedKType(ctx));
  VectorType vec = shape.f32Vec(ctx);
  auto square = VectorType::get({vw, vw}, b.getF32Type());
  Value c0 = cstIndex(b, loc, 0);
  auto keyLoop = scf::ForOp::create(b, loc, c0, cstIndex(b, loc, shape.blockK),
                                    cstIndex(b, loc, vw));
  {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(keyLoop.getBody());
    Value jb = keyLoop.getInductionVar();
    // Row offsets of the VW keys of this block, hoisted out of the D loop.
    SmallVector<Value> rowOffsets;
    for (int64_t r = 0; r < vw; ++r) {
      Value key = keyRow(b, loc, shape, t, addIdx(b, loc, jb, r));
      Value off = arith::MulIOp::create(b, loc, key, t.keyStride);
      rowOffsets.push_back(arith::AddIOp::create(b, loc, t.keyBase, off));
    }
    auto dLoop = scf::ForOp::create(b, loc, c0,
                                    cstIndex(b, loc, shape.headDim),
                                    cstIndex(b, loc, vw));
    b.setInsertionPointToStart(dLoop.getBody());
    Value dc = dLoop.getInductionVar();
    Value block = arith::ConstantOp::create(
        b, loc, square, DenseElementsAttr::get(square, b.getF32FloatAttr(0)));
    for (int64_t r = 0; r < vw; ++r) {
      Value at = arith::AddIOp::create(b, loc, rowOffsets[r], dc);
      Value row = vector::LoadOp::create(b, loc, vec, t.keys, ValueRange{at});
      block = vector::InsertOp::create(b, loc, row, block,
                                       ArrayRef<int64_t>{r});
    }
    Value tr = vector::TransposeOp::create(b, loc, block,
                                           ArrayRef<int64_t>{1, 0});
    for (int64_t r = 0; r < vw; ++r) {
      Value col = vector::ExtractOp::create(b, loc, tr, ArrayRef<int64_t>{r});
      vector::StoreOp::create(b, loc, col, packed,
                              ValueRange{addIdx(b, loc, dc, r), jb});
    }
  }
  return packed;
}

/// Smallest first and largest end of the spans of rows [ib, ib + rows).
static std::pair<Value, Value> groupSpan(OpBuilder &b, Location loc,
                                         const RowSpans &spans, Value ib,
                                         int64_t rows) {
  Value lo, hi;
  for (int64_t r = 0; r < rows; ++r) {
    Value row = addIdx(b, loc, ib, r);
    Value f = memref::LoadOp::create(b, loc, spans.first, ValueRange{row});
    Value e = memref::LoadOp::create(b, loc, spans.end, ValueRange{row});
    lo = lo ? arith::MinSIOp::create(b, loc, lo, f).getResult() : f;
    hi = hi ? arith::MaxSIOp::create(b, loc, hi, e).getResult() : e;
  }
  return {lo, hi};
}

RowSpans cpu::computeRowSpans(OpBuilder &b, Location loc,
                              const TileShape &shape, LaneMaskFn laneMask) {
  MLIRContext *ctx = b.getContext();
  const int64_t vw = shape.vectorWidth, numVecs = shape.blockK / vw;
  RowSpans spans{stackBuffer(b, loc, shape.queryTokenType(ctx)),
                 stackBuffer(b, loc, shape.queryTokenType(ctx))};
  auto lanes = VectorType::get({vw}, b.getI32Type());
  auto splat = [&](int64_t v) -> Value {
    return arith::ConstantOp::create(
        b, loc, lanes, DenseElementsAttr::get(lanes, b.getI32IntegerAttr(v)));
  };
  auto rowLoop =
      scf::ForOp::create(b, loc, cstIndex(b, loc, 0),
                         cstIndex(b, loc, shape.blockQ), cstIndex(b, loc, 1));
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToStart(rowLoop.getBody());
  Value i = rowLoop.getInductionVar();
  Value none = splat(shape.blockK), zero = splat(0);
  Value first = none, end = zero;
  for (int64_t c = 0; c < numVecs; ++c) {
    SmallVector<int32_t> at, after;
    for (int64_t l = 0; l < vw; ++l) {
      at.push_back(int32_t(c * vw + l));
      after.push_back(int32_t(c * vw + l + 1));
    }
    Value idx = arith::ConstantOp::create(
        b, loc, lanes, DenseElementsAttr::get(lanes, ArrayRef(at)));
    Value idx1 = arith::ConstantOp::create(
        b, loc, lanes, DenseElementsAttr::get(lanes, ArrayRef(after)));
    if (Value m = laneMask(b, loc, i, c * vw)) {
      idx = arith::SelectOp::create(b, loc, m, idx, none);
      idx1 = arith::SelectOp::create(b, loc, m, idx1, zero);
    }
    first = arith::MinSIOp::create(b, loc, first, idx);
    end = arith::MaxSIOp::create(b, loc, end, idx1);
  }
  auto toIndex = [&](Value v) -> Value {
    return arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
  };
  Value f = vector::ReductionOp::create(b, loc, vector::CombiningKind::MINSI,
                                        first);
  Value e = vector::ReductionOp::create(b, loc, vector::CombiningKind::MAXSI,
                                        end);
  memref::StoreOp::create(b, loc, toIndex(f), spans.first, ValueRange{i});
  memref::StoreOp::create(b, loc, toIndex(e), spans.end, ValueRange{i});
  return spans;
}

/// Scores of rows [ib, ib + R) and key vectors [jb, jb + C·VW): R x C
/// accumulators held across the head dimension, then stored.
static void emitScoreBlock(OpBuilder &b, Location loc, const TileShape &shape,
                           Value qTile, Value packedK, Value scores, Value ib,
                           Value jb, int64_t R, int64_t C) {
  const int64_t vw = shape.vectorWidth;
  VectorType vec = shape.f32Vec(b.getContext());
  SmallVector<Value> init(R * C, splatF32(b, loc, shape, 0.0f));
  auto dLoop = scf::ForOp::create(
      b, loc, cstIndex(b, loc, 0), cstIndex(b, loc, shape.headDim),
      cstIndex(b, loc, 1), init,
      [&](OpBuilder &nb, Location l, Value d, ValueRange accs) {
        SmallVector<Value> keys;
        for (int64_t c = 0; c < C; ++c)
          keys.push_back(vector::LoadOp::create(
              nb, l, vec, packedK, ValueRange{d, addIdx(nb, l, jb, c * vw)}));
        SmallVector<Value> next(accs.begin(), accs.end());
        for (int64_t r = 0; r < R; ++r) {
          Value q = memref::LoadOp::create(
              nb, l, qTile, ValueRange{addIdx(nb, l, ib, r), d});
          Value qb = vector::BroadcastOp::create(nb, l, vec, q);
          for (int64_t c = 0; c < C; ++c)
            next[r * C + c] =
                vector::FMAOp::create(nb, l, qb, keys[c], next[r * C + c]);
        }
        scf::YieldOp::create(nb, l, next);
      });
  for (int64_t r = 0; r < R; ++r)
    for (int64_t c = 0; c < C; ++c)
      vector::StoreOp::create(
          b, loc, dLoop.getResult(r * C + c), scores,
          ValueRange{addIdx(b, loc, ib, r), addIdx(b, loc, jb, c * vw)});
}

Value cpu::computeScores(OpBuilder &b, Location loc, const TileShape &shape,
                         Value qTile, Value packedK, const RowSpans *spans) {
  MLIRContext *ctx = b.getContext();
  const int64_t vw = shape.vectorWidth;
  Value scores = stackBuffer(b, loc, shape.scoreType(ctx));
  Value c0 = cstIndex(b, loc, 0);
  if (!spans) {
    const int64_t R = shape.scoreRows, C = shape.scoreCols;
    auto rowLoop = scf::ForOp::create(
        b, loc, c0, cstIndex(b, loc, shape.blockQ), cstIndex(b, loc, R));
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(rowLoop.getBody());
    auto colLoop = scf::ForOp::create(
        b, loc, c0, cstIndex(b, loc, shape.blockK), cstIndex(b, loc, C * vw));
    b.setInsertionPointToStart(colLoop.getBody());
    emitScoreBlock(b, loc, shape, qTile, packedK, scores,
                   rowLoop.getInductionVar(), colLoop.getInductionVar(), R, C);
    return scores;
  }
  // Row groups run over the key vectors [lo / VW, ceil(hi / VW)) of their
  // span: blocks of C vectors, then one vector if C = 2 leaves one over.
  const int64_t R = shape.spanRows, C = shape.spanCols;
  auto rowLoop = scf::ForOp::create(
      b, loc, c0, cstIndex(b, loc, shape.blockQ), cstIndex(b, loc, R));
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToStart(rowLoop.getBody());
  Value ib = rowLoop.getInductionVar();
  auto [lo, hi] = groupSpan(b, loc, *spans, ib, R);
  Value vwC = cstIndex(b, loc, vw);
  Value loV = arith::DivUIOp::create(b, loc, lo, vwC);
  Value hiV = arith::MaxSIOp::create(
      b, loc, loV, arith::CeilDivUIOp::create(b, loc, hi, vwC));
  Value count = arith::SubIOp::create(b, loc, hiV, loV);
  Value cC = cstIndex(b, loc, C);
  Value mainEnd = arith::AddIOp::create(
      b, loc, loV,
      arith::MulIOp::create(b, loc, arith::DivUIOp::create(b, loc, count, cC),
                            cC));
  auto toKey = [&](OpBuilder &nb, Location l, Value v) -> Value {
    return arith::MulIOp::create(nb, l, v, cstIndex(nb, l, vw));
  };
  scf::ForOp::create(b, loc, loV, mainEnd, cC, ValueRange{},
                     [&](OpBuilder &nb, Location l, Value jv, ValueRange) {
                       emitScoreBlock(nb, l, shape, qTile, packedK, scores,
                                      ib, toKey(nb, l, jv), R, C);
                       scf::YieldOp::create(nb, l);
                     });
  if (C > 1) {
    Value tail = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                       mainEnd, hiV);
    scf::IfOp::create(b, loc, tail, [&](OpBuilder &nb, Location l) {
      emitScoreBlock(nb, l, shape, qTile, packedK, scores, ib,
                     toKey(nb, l, mainEnd), R, 1);
      scf::YieldOp::create(nb, l);
    });
  }
  return scores;
}

Value cpu::packValueTile(OpBuilder &b, Location loc, const TileShape &shape,
                         const TileValues &t) {
  MLIRContext *ctx = b.getContext();
  const int64_t vw = shape.vectorWidth;
  Value packed = stackBuffer(
      b, loc, MemRefType::get({shape.blockK, shape.headDim}, Float32Type::get(ctx)));
  VectorType vec = shape.f32Vec(ctx);
  Value c0 = cstIndex(b, loc, 0);
  scf::ForOp::create(
      b, loc, c0, t.keyCount, cstIndex(b, loc, 1), ValueRange{},
      [&](OpBuilder &nb, Location l, Value j, ValueRange) {
        Value row = keyRow(nb, l, shape, t, j);
        Value at = arith::AddIOp::create(
            nb, l, t.valueBase,
            arith::MulIOp::create(nb, l, row, t.valueStride));
        for (int64_t d = 0; d < shape.headDim; d += vw) {
          Value v = vector::LoadOp::create(nb, l, vec, t.values,
                                           ValueRange{addIdx(nb, l, at, d)});
          vector::StoreOp::create(nb, l, v, packed,
                                  ValueRange{j, cstIndex(nb, l, d)});
        }
        scf::YieldOp::create(nb, l);
      });
  return packed;
}

void cpu::accumulateValues(OpBuilder &b, Location loc, const TileShape &shape,
                           const TileValues &t, Value probs, Value rescale,
                           Value packedV, const RowSpans *spans) {
  MLIRContext *ctx = b.getContext();
  const int64_t vw = shape.vectorWidth, R = shape.pvRows, C = shape.pvCols;
  VectorType vec = shape.f32Vec(ctx);
  Value c0 = cstIndex(b, loc, 0);
  auto rowLoop = scf::ForOp::create(b, loc, c0, cstIndex(b, loc, shape.blockQ),
                                    cstIndex(b, loc, R));
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToStart(rowLoop.getBody());
  Value ib = rowLoop.getInductionVar();
  // Keys [jLo, jHi): the whole tile up to the sequence end, or the span of
  // the row group (whose lanes past the end are masked, so inside it).
  Value jLo = c0, jHi = t.keyCount;
  if (spans)
    std::tie(jLo, jHi) = groupSpan(b, loc, *spans, ib, R);
  auto dLoop = scf::ForOp::create(b, loc, c0, cstIndex(b, loc, shape.headDim),
                                  cstIndex(b, loc, C * vw));
  b.setInsertionPointToStart(dLoop.getBody());
  Value dc = dLoop.getInductionVar();
  SmallVector<Value> init;
  for (int64_t r = 0; r < R; ++r) {
    Value row = addIdx(b, loc, ib, r);
    Value alpha = memref::LoadOp::create(b, loc, rescale, ValueRange{row});
    Value ab = vector::BroadcastOp::create(b, loc, vec, alpha);
    for (int64_t c = 0; c < C; ++c) {
      Value a = vector::LoadOp::create(
          b, loc, vec, t.acc, ValueRange{row, addIdx(b, loc, dc, c * vw)});
      init.push_back(arith::MulFOp::create(b, loc, a, ab));
    }
  }
  Value rowBase = arith::AddIOp::create(b, loc, t.valueBase, dc);
  auto jLoop = scf::ForOp::create(
      b, loc, jLo, jHi, cstIndex(b, loc, 1), init,
      [&](OpBuilder &nb, Location l, Value j, ValueRange accs) {
        SmallVector<Value> vals;
        if (packedV) {
          for (int64_t c = 0; c < C; ++c)
            vals.push_back(vector::LoadOp::create(
                nb, l, vec, packedV,
                ValueRange{j, addIdx(nb, l, dc, c * vw)}));
        } else {
          Value row = keyRow(nb, l, shape, t, j);
          Value at = arith::AddIOp::create(
              nb, l, rowBase,
              arith::MulIOp::create(nb, l, row, t.valueStride));
          for (int64_t c = 0; c < C; ++c)
            vals.push_back(vector::LoadOp::create(
                nb, l, vec, t.values, ValueRange{addIdx(nb, l, at, c * vw)}));
        }
        SmallVector<Value> next(accs.begin(), accs.end());
        for (int64_t r = 0; r < R; ++r) {
          Value p = memref::LoadOp::create(
              nb, l, probs, ValueRange{addIdx(nb, l, ib, r), j});
          Value pb = vector::BroadcastOp::create(nb, l, vec, p);
          for (int64_t c = 0; c < C; ++c)
            next[r * C + c] =
                vector::FMAOp::create(nb, l, pb, vals[c], next[r * C + c]);
        }
        scf::YieldOp::create(nb, l, next);
      });
  for (int64_t r = 0; r < R; ++r)
    for (int64_t c = 0; c < C; ++c)
      vector::StoreOp::create(
          b, loc, jLoop.getResult(r * C + c), t.acc,
          ValueRange{addIdx(b, loc, ib, r), addIdx(b, loc, dc, c * vw)});
}
