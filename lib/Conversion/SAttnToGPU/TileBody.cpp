//===- TileBody.cpp - one visited key tile of a CUDA kernel ---------------===//
//
// The inline code of `sattn.visit %kt full|partial`, executed by the whole
// thread block (the schedule is uniform over the block, so the barriers
// here are reached by every thread):
//   1. software pipeline over two shared-memory slots: the previous visit
//      prefetched tile kt + 1 with cp.async; use it on a hit, else drain
//      it and copy tile kt (gathered rows for key maps); then prefetch
//      tile kt + 1 into the other slot;
//   2. once the keys are in, S = Q·Kᵀ on tensor cores (ldmatrix +
//      mma.sync), every K fragment feeding all row tiles of the warp;
//   3. scale and mask S: PARTIAL tiles evaluate the kernel's predicate on
//      every score, FULL tiles only mask key positions past the sequence
//      end or holding no token (for the identity map, only on the last
//      tile, behind a uniform branch);
//   4. online-softmax update in registers (quad shuffles for row maxima);
//   5. O += P·V with P repacked from the score registers as A fragments.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/SAttnToGPU/GPUCodegen.h"

#include "dialects/SAttn/IR/SAttnUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"

#include <limits>

using namespace mlir;
using namespace sparsa::sattn;
using namespace sparsa::sattn::cuda;

namespace {
/// Lane-dependent offsets of the ldmatrix row addresses.
struct LaneOffsets {
  Value mod8, div16x8, bit3x8; // l % 8, (l / 16) * 8, ((l / 8) % 2) * 8
};
} // namespace

static LaneOffsets laneOffsets(Emitter &e, Value lane) {
  return {e.remUnsigned(lane, e.c(8)),
          e.mul(e.divUnsigned(lane, e.c(16)), e.c(8)),
          e.mul(e.remUnsigned(e.divUnsigned(lane, e.c(8)), e.c(2)), e.c(8))};
}

/// Issues the cp.async copies of one K or V tile; `rows` are the source
/// rows of the tile positions this thread copies.
static void copyTile(Emitter &e, const Geometry &g, const KernelValues &v,
                     Value tile, Value flat, Value base, Value stride,
                     ArrayRef<Value> rows) {
  const int64_t chunksPerRow = g.headDim / 8;
  for (auto [it, row] : llvm::enumerate(rows)) {
    Value chunk = e.add(v.tid, e.c(int64_t(it) * g.threads));
    Value r = e.divUnsigned(chunk, e.c(chunksPerRow));
    Value col = e.mul(e.remUnsigned(chunk, e.c(chunksPerRow)), e.c(8));
    Value offset = e.add(e.add(base, e.mul(row, stride)), col);
    copyAsync(e, tile, r, col, flat, offset);
  }
}

/// Evaluates the predicate region for one (query, key) pair.
static Value evalPredicate(Emitter &e, KernelOp kernel, const KernelValues &v,
                           Value query, Value key) {
  Block &block = kernel.getPredicateBlock();
  IRMapping map;
  map.map(block.getArgument(0), v.head);
  map.map(block.getArgument(1), query);
  map.map(block.getArgument(2), key);
  map.map(block.getArgument(3), v.numQueries);
  map.map(block.getArgument(4), v.numKeys);
  for (auto [arg, p] : llvm::zip(block.getArguments().drop_front(5), v.params))
    map.map(arg, p);
  for (Operation &op : block.without_terminator())
    e.b.clone(op, map);
  return map.lookup(block.getTerminator()->getOperand(0));
}

/// Token (and whether there is one) of key position `k0 + offset`, for
/// offsets inside one key tile. A residue map lays every class out from a
/// tile boundary (its stride is a multiple of block_k), so a tile holds one
/// class: the class is found once per tile and each position costs a
/// multiply-add instead of emitTokenAt's 64-bit divisions.
namespace {
struct KeyTokens {
  Emitter &e;
  const Geometry &g;
  const KernelValues &v;
  Value k0, cls, first; // residue: class of the tile, index of k0 in it

  KeyTokens(Emitter &e, const Geometry &g, const KernelValues &v, Value k0)
      : e(e), g(g), v(v), k0(k0) {
    if (g.keyMap.getKind() != TokenMapKind::residue)
      return;
    Value period = e.c(g.keyMap.getPeriod());
    Value classes = e.ceilDivUnsigned(v.numKeys, period);
    Value stride =
        e.mul(e.ceilDivUnsigned(classes, e.c(g.blockK)), e.c(g.blockK));
    cls = e.divUnsigned(k0, stride);
    first = e.sub(k0, e.mul(cls, stride));
  }

  std::pair<Value, Value> at(Value offset) {
    Value pos = e.add(k0, offset);
    switch (g.keyMap.getKind()) {
    case TokenMapKind::identity:
      return {pos, e.lt(pos, v.numKeys)};
    case TokenMapKind::residue: {
      Value token =
          e.add(e.mul(e.add(first, offset), e.c(g.keyMap.getPeriod())), cls);
      Value valid =
          e.andi(e.lt(cls, e.c(g.keyMap.getPeriod())), e.lt(token, v.numKeys));
      return {token, valid};
    }
    default:
      return emitTokenAt(e.b, e.loc, g.keyMap, pos, v.numKeys, g.blockK);
    }
  }
};
} // namespace

/// Source rows of the key positions this thread copies for tile `kt`.
static SmallVector<Value> tileRows(Emitter &e, const Geometry &g,
                                   const KernelValues &v, Value kt) {
  const int64_t chunksPerRow = g.headDim / 8;
  Value k0 = e.mul(kt, e.c(g.blockK));
  Value lastKey = e.sub(v.numKeys, e.c(1));
  KeyTokens tokens(e, g, v, k0);
  SmallVector<Value> rows;
  for (int64_t it = 0; it < g.blockK * chunksPerRow / g.threads; ++it) {
    Value chunk = e.add(v.tid, e.c(it * g.threads));
    Value offset = e.divUnsigned(chunk, e.c(chunksPerRow));
    if (g.identityKeys()) {
      rows.push_back(e.min(e.add(k0, offset), lastKey));
    } else {
      auto [token, valid] = tokens.at(offset);
      rows.push_back(e.sel(valid, token, e.c(0)));
    }
  }
  return rows;
}

/// The K (or V) tile of shared-memory slot `slot`.
static Value slotTile(Emitter &e, const Geometry &g, const KernelValues &v,
                      bool values, Value slot) {
  int64_t first =
      g.blockQ * g.rowStride() * 2 + (values ? 2 : 0) * g.tileBytes();
  Value shift = e.add(e.c(first), e.mul(slot, e.c(g.tileBytes())));
  return memref::ViewOp::create(e.b, e.loc,
                                g.tileType(e.b.getContext(), g.blockK),
                                v.shared, shift, ValueRange{});
}

/// Under `cond`, copies the K (or V) tile `kt` into slot `slot`; then
/// commits a group either way, so that every visit commits the same
/// sequence of groups and the waits can count them.
static Value copyIf(Emitter &e, const Geometry &g, const KernelValues &v,
                    Value cond, bool values, Value kt, Value slot) {
  scf::IfOp::create(e.b, e.loc, cond, [&](OpBuilder &, Location) {
    SmallVector<Value> rows = tileRows(e, g, v, kt);
    copyTile(e, g, v, slotTile(e, g, v, values, slot),
             values ? v.values : v.keys, values ? v.valueBase : v.keyBase,
             values ? v.valueStride : v.keyStride, rows);
    scf::YieldOp::create(e.b, e.loc);
  });
  return commitGroup(e);
}

void cuda::emitVisit(Emitter &e, KernelOp kernel, const Geometry &g,
                     const KernelValues &v, Value kt, TileClass kind) {
  const int64_t bk = g.blockK, d = g.headDim;
  const float negInf = -std::numeric_limits<float>::infinity();
  Value k0 = e.mul(kt, e.c(bk));
  mlir::gpu::BarrierOp::create(e.b, e.loc);

  // 1. Software pipeline: the previous visit prefetched tile kt + 1 into
  // the other slot. On a hit the data is (nearly) there; on a miss the
  // stale prefetch is drained and this tile is copied into the slot the
  // previous visit used. Then tile kt + 1 is prefetched into the other
  // slot. Groups per visit: [K, V, next K, next V] (empty when skipped).
  Value pfTile =
      memref::LoadOp::create(e.b, e.loc, v.prefetch, ValueRange{e.c(0)});
  Value pfSlot =
      memref::LoadOp::create(e.b, e.loc, v.prefetch, ValueRange{e.c(1)});
  Value hit =
      arith::CmpIOp::create(e.b, e.loc, arith::CmpIPredicate::eq, pfTile, kt);
  Value miss = arith::XOrIOp::create(
      e.b, e.loc, hit, arith::ConstantIntOp::create(e.b, e.loc, 1, 1));
  Value slot = e.sel(hit, pfSlot, e.sub(e.c(1), pfSlot));
  Value other = e.sub(e.c(1), slot);
  scf::IfOp::create(e.b, e.loc, miss, [&](OpBuilder &, Location) {
    waitGroups(e, commitGroup(e), 0);
    scf::YieldOp::create(e.b, e.loc);
  });
  copyIf(e, g, v, miss, false, kt, slot);
  copyIf(e, g, v, miss, true, kt, slot);
  Value next = e.add(kt, e.c(1));
  Value more = e.lt(next, v.numKeyTiles);
  copyIf(e, g, v, more, false, next, other);
  Value last = copyIf(e, g, v, more, true, next, other);
  memref::StoreOp::create(e.b, e.loc, e.sel(more, next, e.c(-1)), v.prefetch,
                          ValueRange{e.c(0)});
  memref::StoreOp::create(e.b, e.loc, other, v.prefetch, ValueRange{e.c(1)});
  Value kTile = slotTile(e, g, v, false, slot);
  Value vTile = slotTile(e, g, v, true, slot);
  waitGroups(e, last, 3);
  mlir::gpu::BarrierOp::create(e.b, e.loc);

  // 2. S = Q Kᵀ, one 16x8 fragment per (row tile, 8 keys); every K
  // fragment feeds all row tiles of the warp.
  LaneOffsets lo = laneOffsets(e, v.lane);
  Value zero = e.f32(0.0);
  const int64_t mts = g.mTiles, nj = bk / 8, nd = d / 8;
  // Score of row tile mt, key block j, register r: index (mt * nj + j) * 4 + r.
  SmallVector<Acc4> s(mts * nj, Acc4{zero, zero, zero, zero});
  for (int64_t kk = 0; kk < d / 16; ++kk) {
    SmallVector<Frag4> q;
    for (int64_t mt = 0; mt < mts; ++mt)
      q.push_back(v.qFrags.empty()
                      ? loadMatrixX4(e, g, v.qTile, v.qFragRows[mt],
                                     e.add(v.qFragCol, e.c(16 * kk)),
                                     /*transpose=*/false)
                      : v.qFrags[mt][kk]);
    Value col = e.add(e.c(16 * kk), lo.bit3x8);
    for (int64_t jp = 0; jp < bk / 16; ++jp) {
      Value row = e.add(e.c(16 * jp), e.add(lo.mod8, lo.div16x8));
      Frag4 f = loadMatrixX4(e, g, kTile, row, col, /*transpose=*/false);
      for (int64_t mt = 0; mt < mts; ++mt) {
        Acc4 &s0 = s[mt * nj + 2 * jp], &s1 = s[mt * nj + 2 * jp + 1];
        s0 = mmaSync(e, g, q[mt], f[0], f[1], s0);
        s1 = mmaSync(e, g, q[mt], f[2], f[3], s1);
      }
    }
  }
  auto at = [&](int64_t mt, int64_t j, int64_t i, int64_t c) {
    return (mt * nj + j) * 4 + 2 * i + c;
  };

  // 3. Mask the raw scores (the scale, > 0, is applied inside exp2).
  SmallVector<Value> scaled;
  for (const Acc4 &frag : s)
    for (Value x : frag)
      scaled.push_back(x);
  Value minusInf = e.f32(negInf);
  auto masked = [&](bool predicate) {
    SmallVector<Value> out(scaled);
    KeyTokens tokens(e, g, v, k0);
    Value colBase = e.mul(v.quadCol, e.c(2));
    for (int64_t j = 0; j < nj; ++j)
      for (int64_t c = 0; c < 2; ++c) {
        auto [token, valid] = tokens.at(e.add(colBase, e.c(8 * j + c)));
        for (int64_t mt = 0; mt < mts; ++mt)
          for (int64_t i = 0; i < 2; ++i) {
            Value ok = valid;
            if (predicate)
              ok = e.andi(ok, evalPredicate(e, kernel, v,
                                            v.queryToken[2 * mt + i], token));
            int64_t x = at(mt, j, i, c);
            out[x] = e.sel(ok, scaled[x], minusInf);
          }
      }
    return out;
  };
  if (kind == TileClass::partial || !g.identityKeys()) {
    scaled = masked(kind == TileClass::partial);
  } else {
    // FULL, identity keys: only the tile holding the sequence end masks.
    Value inside = e.le(e.add(k0, e.c(bk)), v.numKeys);
    SmallVector<Type> types(scaled.size(), e.b.getF32Type());
    auto ifOp = scf::IfOp::create(e.b, e.loc, types, inside, true);
    {
      OpBuilder::InsertionGuard guard(e.b);
      e.b.setInsertionPointToStart(ifOp.thenBlock());
      scf::YieldOp::create(e.b, e.loc, scaled);
      e.b.setInsertionPointToStart(ifOp.elseBlock());
      scf::YieldOp::create(e.b, e.loc, masked(false));
    }
    scaled.assign(ifOp.getResults().begin(), ifOp.getResults().end());
  }

  // 4. Online softmax; this lane's row `row` = 2 mt + i is row
  // 16 mt + g + 8 i of the warp.
  SmallVector<Value> alpha(2 * mts);
  for (int64_t row = 0; row < 2 * mts; ++row) {
    const int64_t mt = row / 2, i = row % 2;
    Value mx = minusInf;
    for (int64_t j = 0; j < nj; ++j)
      for (int64_t c = 0; c < 2; ++c)
        mx = e.fmax(mx, scaled[at(mt, j, i, c)]);
    mx = e.fmax(mx, e.shuffleXor(mx, 1));
    mx = e.fmax(mx, e.shuffleXor(mx, 2));
    Value idx = e.c(row);
    Value mOld = memref::LoadOp::create(e.b, e.loc, v.rowMax, ValueRange{idx});
    Value mNew = e.fmax(mOld, e.fmul(mx, v.scaleLog2));
    // A row with nothing allowed so far keeps m = -inf; exponentiate
    // against 0 then, so that exp2(-inf - -inf) never makes a NaN.
    Value none = arith::CmpFOp::create(e.b, e.loc, arith::CmpFPredicate::OEQ,
                                       mNew, minusInf);
    Value mUse = e.sel(none, zero, mNew);
    alpha[row] = e.exp2(e.fsub(mOld, mUse));
    Value negM = arith::NegFOp::create(e.b, e.loc, mUse);
    Value sum = zero;
    for (int64_t j = 0; j < nj; ++j)
      for (int64_t c = 0; c < 2; ++c) {
        Value &x = scaled[at(mt, j, i, c)];
        x = e.exp2(math::FmaOp::create(e.b, e.loc, x, v.scaleLog2, negM));
        sum = e.fadd(sum, x);
      }
    Value l = memref::LoadOp::create(e.b, e.loc, v.rowSum, ValueRange{idx});
    memref::StoreOp::create(e.b, e.loc, e.fadd(e.fmul(l, alpha[row]), sum),
                            v.rowSum, ValueRange{idx});
    memref::StoreOp::create(e.b, e.loc, mNew, v.rowMax, ValueRange{idx});
  }

  // 5. O = O * alpha + P V; P is repacked from the score registers.
  SmallVector<SmallVector<Frag4>> p(mts);
  for (int64_t mt = 0; mt < mts; ++mt)
    for (int64_t kk = 0; kk < bk / 16; ++kk) {
      auto pr = [&](int64_t j, int64_t i) {
        return packPair(e, g, scaled[at(mt, j, i, 0)], scaled[at(mt, j, i, 1)]);
      };
      p[mt].push_back(
          {pr(2 * kk, 0), pr(2 * kk, 1), pr(2 * kk + 1, 0), pr(2 * kk + 1, 1)});
    }
  // Accumulator of row tile mt, column block n: index (mt * nd + n).
  SmallVector<Acc4> acc(mts * nd);
  for (int64_t mt = 0; mt < mts; ++mt)
    for (int64_t n = 0; n < nd; ++n)
      for (int64_t r = 0; r < 4; ++r) {
        Value x = memref::LoadOp::create(
            e.b, e.loc, v.acc, ValueRange{e.c(4 * (mt * nd + n) + r)});
        acc[mt * nd + n][r] = e.fmul(x, alpha[2 * mt + r / 2]);
      }
  // On a hit the values came with the previous visit's groups, which the
  // wait for the keys already completed.
  scf::IfOp::create(e.b, e.loc, miss, [&](OpBuilder &, Location) {
    waitGroups(e, last, 2);
    mlir::gpu::BarrierOp::create(e.b, e.loc);
    scf::YieldOp::create(e.b, e.loc);
  });
  for (int64_t dp = 0; dp < d / 16; ++dp) {
    Value col = e.add(e.c(16 * dp), lo.div16x8);
    for (int64_t kk = 0; kk < bk / 16; ++kk) {
      Value row = e.add(e.c(16 * kk), e.add(lo.mod8, lo.bit3x8));
      Frag4 f = loadMatrixX4(e, g, vTile, row, col, /*transpose=*/true);
      for (int64_t mt = 0; mt < mts; ++mt) {
        Acc4 &a0 = acc[mt * nd + 2 * dp], &a1 = acc[mt * nd + 2 * dp + 1];
        a0 = mmaSync(e, g, p[mt][kk], f[0], f[1], a0);
        a1 = mmaSync(e, g, p[mt][kk], f[2], f[3], a1);
      }
    }
  }
  for (int64_t n = 0; n < mts * nd; ++n)
    for (int64_t r = 0; r < 4; ++r)
      memref::StoreOp::create(e.b, e.loc, acc[n][r], v.acc,
                              ValueRange{e.c(4 * n + r)});
}
