//===- TileMicroKernel.cpp - masks, S^T = K·Q^T and P·V micro-kernels -----===//
//
// The two matrix products of one (query tile, key tile) step, written on
// `vector` ops with an explicit register blocking:
//   * scores are computed transposed, S^T = K·Q^T, with the tile's queries
//     across the lanes: the score kernel keeps scoreRows keys x scoreCols
//     query vectors of accumulators in registers across the head
//     dimension, loads query vectors from Q^T (transposed once per query
//     tile by transposeQueryTile) and broadcasts one key element per row
//     straight from the key tensor. No key tile is packed or transposed;
//   * in a PARTIAL tile the predicate is evaluated once per (key, query
//     vector) into a byte mask, together with the span of keys each query
//     allows (computeTileMasks). The score kernel then runs, for each group
//     of query vectors, over the keys of the group's span only, and P·V
//     over each row group's span, so the diagonal tiles of bands and causal
//     triangles do about half the work;
//   * acc = acc·alpha + P·V keeps pvRows x pvCols accumulators over D and
//     streams the value rows of the tile straight from memory, except under
//     a key map: gathered rows lie a power-of-two stride apart (a residue
//     class of period 128 at D = 128 puts them 64 KiB apart), so they all
//     fall into the same few cache sets and would be evicted between the
//     passes over the tile; they are first copied into a contiguous buffer.
// Key rows come from keyRow (TokenMaps.cpp): past the end of the sequence
// or on padding positions they read a valid row whose scores are never
// used or are masked.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/SAttnToVector/KernelCodegen.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <cassert>
#include <tuple>
#include <utility>

using namespace mlir;
using namespace sparsa::sattn;
using namespace sparsa::sattn::cpu;

static Value stackBuffer(OpBuilder &b, Location loc, MemRefType t) {
  return memref::AllocaOp::create(b, loc, t, ValueRange{},
                                  b.getI64IntegerAttr(64));
}

void cpu::transposeQueryTile(OpBuilder &b, Location loc, const TileShape &shape,
                             Value qTile, Value qTrans) {
  const int64_t vw = shape.vectorWidth;
  VectorType vec = shape.f32Vec(b.getContext());
  auto square = VectorType::get({vw, vw}, b.getF32Type());
  Value c0 = IndexArith{b, loc}.c(0), step = IndexArith{b, loc}.c(vw);
  auto rowLoop =
      scf::ForOp::create(b, loc, c0, IndexArith{b, loc}.c(shape.blockQ), step);
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToStart(rowLoop.getBody());
  Value ib = rowLoop.getInductionVar();
  auto dLoop =
      scf::ForOp::create(b, loc, c0, IndexArith{b, loc}.c(shape.headDim), step);
  b.setInsertionPointToStart(dLoop.getBody());
  Value db = dLoop.getInductionVar();
  Value block = arith::ConstantOp::create(
      b, loc, square, DenseElementsAttr::get(square, b.getF32FloatAttr(0)));
  for (int64_t r = 0; r < vw; ++r) {
    Value row = vector::LoadOp::create(
        b, loc, vec, qTile, ValueRange{IndexArith{b, loc}.add(ib, r), db});
    block = vector::InsertOp::create(b, loc, row, block, ArrayRef<int64_t>{r});
  }
  Value tr =
      vector::TransposeOp::create(b, loc, block, ArrayRef<int64_t>{1, 0});
  for (int64_t r = 0; r < vw; ++r) {
    Value col = vector::ExtractOp::create(b, loc, tr, ArrayRef<int64_t>{r});
    vector::StoreOp::create(b, loc, col, qTrans,
                            ValueRange{IndexArith{b, loc}.add(db, r), ib});
  }
}

TileMasks cpu::computeTileMasks(OpBuilder &b, Location loc,
                                const TileShape &shape, const TileValues &t,
                                LaneMaskFn laneMask) {
  MLIRContext *ctx = b.getContext();
  const int64_t vw = shape.vectorWidth;
  TileMasks m;
  m.lanes = stackBuffer(b, loc, shape.laneMaskType(ctx));
  m.useSpans = shape.rowSpans;
  if (m.useSpans) {
    m.first = stackBuffer(b, loc, shape.spanType(ctx));
    m.end = stackBuffer(b, loc, shape.spanType(ctx));
    m.vecFirst = stackBuffer(b, loc, shape.vectorSpanType(ctx));
    m.vecEnd = stackBuffer(b, loc, shape.vectorSpanType(ctx));
  }
  auto lanes = VectorType::get({vw}, b.getI32Type());
  auto bytes = VectorType::get({vw}, b.getI8Type());
  auto splat = [&](OpBuilder &nb, Location l, int64_t v) -> Value {
    return arith::ConstantOp::create(
        nb, l, lanes, DenseElementsAttr::get(lanes, nb.getI32IntegerAttr(v)));
  };
  Value c0 = IndexArith{b, loc}.c(0);
  auto vecLoop =
      scf::ForOp::create(b, loc, c0, IndexArith{b, loc}.c(shape.blockQ / vw),
                         IndexArith{b, loc}.c(1));
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToStart(vecLoop.getBody());
  Value c = vecLoop.getInductionVar();
  Value col = arith::MulIOp::create(b, loc, c, IndexArith{b, loc}.c(vw));
  // Keys come in increasing order: the first key a lane allows is the
  // smallest, the last one it allows ends its span. The masked-dense
  // baseline keeps only the masks.
  SmallVector<Value> init;
  if (m.useSpans)
    init = {splat(b, loc, shape.blockK), splat(b, loc, 0)};
  auto keyLoop = scf::ForOp::create(
      b, loc, c0, t.keyCount, IndexArith{b, loc}.c(1), init,
      [&](OpBuilder &nb, Location l, Value j, ValueRange iter) {
        Value ok = laneMask(nb, l, j, col);
        assert(ok && "a PARTIAL tile's lane mask is never all-true");
        vector::StoreOp::create(nb, l, arith::ExtUIOp::create(nb, l, bytes, ok),
                                m.lanes, ValueRange{j, col});
        if (!m.useSpans) {
          scf::YieldOp::create(nb, l);
          return;
        }
        Value j32 = arith::IndexCastOp::create(nb, l, nb.getI32Type(), j);
        Value jv = vector::BroadcastOp::create(nb, l, lanes, j32);
        Value jv1 = arith::AddIOp::create(nb, l, jv, splat(nb, l, 1));
        Value first = arith::MinSIOp::create(
            nb, l, iter[0],
            arith::SelectOp::create(nb, l, ok, jv, splat(nb, l, shape.blockK)));
        Value end = arith::SelectOp::create(nb, l, ok, jv1, iter[1]);
        scf::YieldOp::create(nb, l, ValueRange{first, end});
      });
  if (!m.useSpans)
    return m;
  Value first = keyLoop.getResult(0), end = keyLoop.getResult(1);
  vector::StoreOp::create(b, loc, first, m.first, ValueRange{col});
  vector::StoreOp::create(b, loc, end, m.end, ValueRange{col});
  auto toIndex = [&](Value v) -> Value {
    return arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
  };
  memref::StoreOp::create(b, loc,
                          toIndex(vector::ReductionOp::create(
                              b, loc, vector::CombiningKind::MINSI, first)),
                          m.vecFirst, ValueRange{c});
  memref::StoreOp::create(b, loc,
                          toIndex(vector::ReductionOp::create(
                              b, loc, vector::CombiningKind::MAXSI, end)),
                          m.vecEnd, ValueRange{c});
  return m;
}

/// The union [min first, max end) of entries [base, base + count) of two
/// span buffers (i32 or index elements).
static std::pair<Value, Value> spanUnion(OpBuilder &b, Location loc,
                                         Value first, Value end, Value base,
                                         int64_t count) {
  auto load = [&](Value m, Value at) -> Value {
    Value v = memref::LoadOp::create(b, loc, m, ValueRange{at});
    if (v.getType().isIndex())
      return v;
    return arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
  };
  Value lo, hi;
  for (int64_t i = 0; i < count; ++i) {
    Value at = IndexArith{b, loc}.add(base, i);
    Value f = load(first, at), e = load(end, at);
    lo = i == 0 ? f : arith::MinSIOp::create(b, loc, lo, f).getResult();
    hi = i == 0 ? e : arith::MaxSIOp::create(b, loc, hi, e).getResult();
  }
  return {lo, hi};
}

/// Scores of keys [jb, jb + R) against the query vectors [col, col + C·VW):
/// R x C accumulators held across the head dimension, then stored.
static void emitScoreBlock(OpBuilder &b, Location loc, const TileShape &shape,
                           const TileValues &t, Value scores, Value jb,
                           Value col, int64_t R, int64_t C) {
  const int64_t vw = shape.vectorWidth;
  VectorType vec = shape.f32Vec(b.getContext());
  SmallVector<Value> rowOffsets;
  for (int64_t r = 0; r < R; ++r) {
    Value key = keyRow(b, loc, shape, t, IndexArith{b, loc}.add(jb, r));
    rowOffsets.push_back(arith::AddIOp::create(
        b, loc, t.keyBase, arith::MulIOp::create(b, loc, key, t.keyStride)));
  }
  SmallVector<Value> init(R * C, splatF32(b, loc, shape, 0.0f));
  auto dLoop = scf::ForOp::create(
      b, loc, IndexArith{b, loc}.c(0), IndexArith{b, loc}.c(shape.headDim),
      IndexArith{b, loc}.c(1), init,
      [&](OpBuilder &nb, Location l, Value d, ValueRange accs) {
        SmallVector<Value> queries;
        for (int64_t c = 0; c < C; ++c)
          queries.push_back(vector::LoadOp::create(
              nb, l, vec, t.qTrans,
              ValueRange{d, IndexArith{nb, l}.add(col, c * vw)}));
        SmallVector<Value> next(accs.begin(), accs.end());
        for (int64_t r = 0; r < R; ++r) {
          Value k = memref::LoadOp::create(
              nb, l, t.keys,
              ValueRange{arith::AddIOp::create(nb, l, rowOffsets[r], d)});
          Value kb = vector::BroadcastOp::create(nb, l, vec, k);
          for (int64_t c = 0; c < C; ++c)
            next[r * C + c] =
                vector::FMAOp::create(nb, l, kb, queries[c], next[r * C + c]);
        }
        scf::YieldOp::create(nb, l, next);
      });
  for (int64_t r = 0; r < R; ++r)
    for (int64_t c = 0; c < C; ++c)
      vector::StoreOp::create(b, loc, dLoop.getResult(r * C + c), scores,
                              ValueRange{IndexArith{b, loc}.add(jb, r),
                                         IndexArith{b, loc}.add(col, c * vw)});
}

/// Keys [lo, hi) against the query vectors at `col`: blocks of R keys, then
/// the keys left over one at a time.
static void emitScoreRange(OpBuilder &b, Location loc, const TileShape &shape,
                           const TileValues &t, Value scores, Value lo,
                           Value hi, Value col, int64_t R, int64_t C) {
  IndexArith m{b, loc};
  Value cR = m.c(R);
  // count >= 0, so the unsigned division is the floor.
  Value count = m.max(m.sub(hi, lo), m.c(0));
  Value mainEnd = m.add(lo, m.mul(m.divUnsigned(count, cR), cR));
  scf::ForOp::create(b, loc, lo, mainEnd, cR, ValueRange{},
                     [&](OpBuilder &nb, Location l, Value jb, ValueRange) {
                       emitScoreBlock(nb, l, shape, t, scores, jb, col, R, C);
                       scf::YieldOp::create(nb, l);
                     });
  if (R > 1)
    scf::ForOp::create(b, loc, mainEnd, hi, IndexArith{b, loc}.c(1),
                       ValueRange{},
                       [&](OpBuilder &nb, Location l, Value j, ValueRange) {
                         emitScoreBlock(nb, l, shape, t, scores, j, col, 1, C);
                         scf::YieldOp::create(nb, l);
                       });
}

Value cpu::computeScores(OpBuilder &b, Location loc, const TileShape &shape,
                         const TileValues &t, const TileMasks *masks) {
  MLIRContext *ctx = b.getContext();
  const bool spans = masks && masks->useSpans;
  const int64_t vw = shape.vectorWidth;
  const int64_t R = spans ? shape.spanRows : shape.scoreRows;
  const int64_t C = spans ? shape.spanCols : shape.scoreCols;
  Value scores = stackBuffer(b, loc, shape.scoreType(ctx));
  Value c0 = IndexArith{b, loc}.c(0);
  auto groupLoop =
      scf::ForOp::create(b, loc, c0, IndexArith{b, loc}.c(shape.blockQ / vw),
                         IndexArith{b, loc}.c(C));
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToStart(groupLoop.getBody());
  Value cb = groupLoop.getInductionVar();
  Value col = arith::MulIOp::create(b, loc, cb, IndexArith{b, loc}.c(vw));
  // All valid keys, or the union of the spans of the group's query vectors.
  Value lo = c0, hi = t.keyCount;
  if (spans)
    std::tie(lo, hi) = spanUnion(b, loc, masks->vecFirst, masks->vecEnd, cb, C);
  emitScoreRange(b, loc, shape, t, scores, lo, hi, col, R, C);
  return scores;
}

Value cpu::packValueTile(OpBuilder &b, Location loc, const TileShape &shape,
                         const TileValues &t) {
  MLIRContext *ctx = b.getContext();
  const int64_t vw = shape.vectorWidth;
  Value packed = stackBuffer(
      b, loc,
      MemRefType::get({shape.blockK, shape.headDim}, Float32Type::get(ctx)));
  VectorType vec = shape.f32Vec(ctx);
  Value c0 = IndexArith{b, loc}.c(0);
  scf::ForOp::create(
      b, loc, c0, t.keyCount, IndexArith{b, loc}.c(1), ValueRange{},
      [&](OpBuilder &nb, Location l, Value j, ValueRange) {
        Value row = keyRow(nb, l, shape, t, j);
        Value at = arith::AddIOp::create(
            nb, l, t.valueBase,
            arith::MulIOp::create(nb, l, row, t.valueStride));
        for (int64_t d = 0; d < shape.headDim; d += vw) {
          Value v = vector::LoadOp::create(
              nb, l, vec, t.values, ValueRange{IndexArith{nb, l}.add(at, d)});
          vector::StoreOp::create(nb, l, v, packed,
                                  ValueRange{j, IndexArith{nb, l}.c(d)});
        }
        scf::YieldOp::create(nb, l);
      });
  return packed;
}

void cpu::accumulateValues(OpBuilder &b, Location loc, const TileShape &shape,
                           const TileValues &t, Value probs, Value rescale,
                           Value packedV, const TileMasks *masks) {
  MLIRContext *ctx = b.getContext();
  const int64_t vw = shape.vectorWidth, R = shape.pvRows, C = shape.pvCols;
  VectorType vec = shape.f32Vec(ctx);
  Value c0 = IndexArith{b, loc}.c(0);
  auto rowLoop = scf::ForOp::create(
      b, loc, c0, IndexArith{b, loc}.c(shape.blockQ), IndexArith{b, loc}.c(R));
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToStart(rowLoop.getBody());
  Value ib = rowLoop.getInductionVar();
  // Keys [jLo, jHi): the tile up to the sequence end, or the union of the
  // spans of the row group (rows of one query vector: R divides VW).
  Value jLo = c0, jHi = t.keyCount;
  if (masks && masks->useSpans)
    std::tie(jLo, jHi) = spanUnion(b, loc, masks->first, masks->end, ib, R);
  auto dLoop =
      scf::ForOp::create(b, loc, c0, IndexArith{b, loc}.c(shape.headDim),
                         IndexArith{b, loc}.c(C * vw));
  b.setInsertionPointToStart(dLoop.getBody());
  Value dc = dLoop.getInductionVar();
  SmallVector<Value> init;
  for (int64_t r = 0; r < R; ++r) {
    Value row = IndexArith{b, loc}.add(ib, r);
    Value alpha = memref::LoadOp::create(b, loc, rescale, ValueRange{row});
    Value ab = vector::BroadcastOp::create(b, loc, vec, alpha);
    for (int64_t c = 0; c < C; ++c) {
      Value a = vector::LoadOp::create(
          b, loc, vec, t.acc,
          ValueRange{row, IndexArith{b, loc}.add(dc, c * vw)});
      init.push_back(arith::MulFOp::create(b, loc, a, ab));
    }
  }
  Value rowBase = arith::AddIOp::create(b, loc, t.valueBase, dc);
  auto jLoop = scf::ForOp::create(
      b, loc, jLo, jHi, IndexArith{b, loc}.c(1), init,
      [&](OpBuilder &nb, Location l, Value j, ValueRange accs) {
        SmallVector<Value> vals;
        if (packedV) {
          for (int64_t c = 0; c < C; ++c)
            vals.push_back(vector::LoadOp::create(
                nb, l, vec, packedV,
                ValueRange{j, IndexArith{nb, l}.add(dc, c * vw)}));
        } else {
          Value row = keyRow(nb, l, shape, t, j);
          Value at = arith::AddIOp::create(
              nb, l, rowBase, arith::MulIOp::create(nb, l, row, t.valueStride));
          for (int64_t c = 0; c < C; ++c)
            vals.push_back(vector::LoadOp::create(
                nb, l, vec, t.values,
                ValueRange{IndexArith{nb, l}.add(at, c * vw)}));
        }
        SmallVector<Value> next(accs.begin(), accs.end());
        for (int64_t r = 0; r < R; ++r) {
          Value p = memref::LoadOp::create(
              nb, l, probs, ValueRange{j, IndexArith{nb, l}.add(ib, r)});
          Value pb = vector::BroadcastOp::create(nb, l, vec, p);
          // In a PARTIAL tile a key the row may not see has p = 0, and
          // 0 * V is NaN where V is NaN or Inf (padding, a preallocated
          // cache): such a key must leave the row exactly as it was.
          Value skip;
          if (masks)
            skip = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OEQ, p,
                                         cstF32(nb, l, 0.0f));
          for (int64_t c = 0; c < C; ++c) {
            Value sum =
                vector::FMAOp::create(nb, l, pb, vals[c], next[r * C + c]);
            next[r * C + c] =
                skip
                    ? arith::SelectOp::create(nb, l, skip, next[r * C + c], sum)
                    : sum;
          }
        }
        scf::YieldOp::create(nb, l, next);
      });
  for (int64_t r = 0; r < R; ++r)
    for (int64_t c = 0; c < C; ++c)
      vector::StoreOp::create(b, loc, jLoop.getResult(r * C + c), t.acc,
                              ValueRange{IndexArith{b, loc}.add(ib, r),
                                         IndexArith{b, loc}.add(dc, c * vw)});
}
