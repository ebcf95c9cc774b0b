//===- Backward.cpp - the backward entry points of CPU kernels ------------===//
//
// convert-sattn-to-cpu-backward: replaces every expanded `sattn.kernel` by
// `@<kernel>_backward` and `@<kernel>_backward_work_items`
// (lib/Runtime/KernelABI.h, "Backward"). A query-major kernel (the forward
// schedule) computes dQ of its query tiles; a key-major kernel (the
// transposed schedule, docs/backward.md) computes dK and dV of its key
// tiles, looping over the query heads of a key/value head (GQA). For every
// allowed pair of a visited tile, with L the forward LSE and
// D = rowsum(dO ∘ O) of the query:
//   p = exp(scale q·k - L)   (rows with nothing allowed, L = -inf, skipped)
//   ds = p (dO·v - D)
//   dQ[q] += scale ds k;  dK[k] += scale ds q;  dV[k] += p dO[q]
// Gradients accumulate in a stack tile of the work item's own rows and are
// added to the outputs once at its end, so the parts of a layout plan run
// one after another into the same zero-initialised outputs, and every row
// is written by one work item: no atomics, the same result on any thread
// count. The pair loop is vectorised over the head dimension (D / vector
// width registers per row), not yet tiled into register-blocked products
// like the forward kernels.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/KernelSkeleton/KernelSkeleton.h"
#include "lib/Conversion/SAttnToVector/Passes.h"
#include "lib/Runtime/KernelABI.h"

#include "dialects/SAttn/IR/SAttnUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"

#include <limits>

namespace sparsa::sattn {
#define GEN_PASS_DEF_CONVERTSATTNTOCPUBACKWARD
#include "lib/Conversion/SAttnToVector/Passes.h.inc"
} // namespace sparsa::sattn

using namespace mlir;
using namespace sparsa::sattn;
namespace rt = sparsa::runtime;

namespace {
/// The geometry of one kernel's backward entry point.
struct BackwardShape {
  bool keyMajor = false;
  /// Rows of the work item's own tile (the kernel's query tile) and of a
  /// visited tile (its key tile), in the kernel's coordinates.
  int64_t ownRows = 0, visitRows = 0;
  int64_t headDim = 0, vectorWidth = 0;
  TokenMapAttr ownMap, visitMap;
  /// Own rows rounded up to whole vectors (the extra lanes hold no token).
  int64_t ownLanes() const {
    return (ownRows + vectorWidth - 1) / vectorWidth * vectorWidth;
  }
};

/// Values of one call, shared by the steps below.
struct BackwardValues {
  Value q, k, v, dO, lse, delta, dq, dk, dv; // flat memref<?xf32>
  Value scale;
  KernelArgs args;
  /// The attention's row strides of Q, K, V and LSE, and those of dO, dQ,
  /// dK, dV and delta.
  Value qStride, kStride, vStride, lseStride;
  Value dOStride, dqStride, dkStride, dvStride, deltaStride;
  /// The (batch, head) strides of dO, dQ, dK, dV and delta.
  Value dOB, dOH, dqB, dqH, dkB, dkH, dvB, dvH, deltaB, deltaH;
  /// Stack buffers, own rows across the lanes ([D][own lanes]): the own
  /// tile's tokens (-1: none), two input tiles (K and V of a key-major
  /// kernel, Q and dO of a query-major one), the own queries' LSE and
  /// delta (query-major), and the gradient accumulators (dK and dV, or dQ).
  Value ownTokens, ownA, ownB, ownL, ownDelta, grad0, grad1;
  VectorType vec;
};
} // namespace

static Value cstF32(OpBuilder &b, Location loc, float v) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
}

/// Loads the D elements at `flat[offset]` as vectors.
/// The kernel's predicate for (head, kernel query token, kernel key token).
static Value evalPredicate(OpBuilder &b, KernelOp kernel,
                           const BackwardValues &bv, Value head, Value query,
                           Value key) {
  Block &block = kernel.getPredicateBlock();
  IRMapping map;
  map.map(block.getArgument(0), head);
  map.map(block.getArgument(1), query);
  map.map(block.getArgument(2), key);
  map.map(block.getArgument(3), bv.args.numQueries);
  map.map(block.getArgument(4), bv.args.numKeys);
  for (auto [arg, p] :
       llvm::zip(block.getArguments().drop_front(5), bv.args.params))
    map.map(arg, p);
  for (Operation &op : block.without_terminator())
    b.clone(op, map);
  return map.lookup(block.getTerminator()->getOperand(0));
}

namespace {
/// Element offsets of one (batch, query head) in every tensor: the
/// forward's (q, k, v, lse) and the gradients'.
struct Offsets {
  HeadOffsets fwd;
  Value dO, dq, dk, dv, delta;
};
} // namespace

static Offsets offsetsOf(IndexArith &m, const BackwardValues &bv, ArgReader get,
                         Value batch, Value head) {
  Offsets o;
  o.fwd = headOffsets(m, bv.args, get, batch, head);
  auto at = [&](Value sb, Value sh, Value h) {
    return m.add(m.mul(batch, sb), m.mul(h, sh));
  };
  o.dO = at(bv.dOB, bv.dOH, head);
  o.dq = at(bv.dqB, bv.dqH, head);
  o.delta = at(bv.deltaB, bv.deltaH, head);
  o.dk = at(bv.dkB, bv.dkH, o.fwd.kvHead);
  o.dv = at(bv.dvB, bv.dvH, o.fwd.kvHead);
  return o;
}

/// vector<VW x f32> of `x` in every lane.
static Value splat(OpBuilder &b, Location l, VectorType vec, Value x) {
  return vector::BroadcastOp::create(b, l, vec, x);
}

/// Element `d` of row `token` of a [.., N, D] tensor, in every lane.
static Value splatElement(OpBuilder &b, Location l, VectorType vec, Value flat,
                          Value base, Value stride, Value token, Value d) {
  IndexArith m{b, l};
  Value x = memref::LoadOp::create(
      b, l, flat, ValueRange{m.add(m.add(base, m.mul(token, stride)), d)});
  return splat(b, l, vec, x);
}

/// Calls `body(builder, loc, lane, valid, safe)` in a loop over the own
/// lanes: whether the lane holds a token, and the token or 0 (whose rows
/// stay inside the tensors, for loads whose value is then discarded).
static void forEachOwnLane(
    OpBuilder &b, Location loc, const BackwardShape &s,
    const BackwardValues &bv,
    function_ref<void(OpBuilder &, Location, Value, Value, Value)> body) {
  IndexArith m{b, loc};
  Value c0 = m.c(0);
  scf::ForOp::create(b, loc, c0, m.c(s.ownLanes()), m.c(1), ValueRange{},
                     [&](OpBuilder &rb, Location l, Value p, ValueRange) {
                       IndexArith rm{rb, l};
                       Value tok = memref::LoadOp::create(rb, l, bv.ownTokens,
                                                          ValueRange{p});
                       Value valid = rm.cmp(arith::CmpIPredicate::sge, tok, c0);
                       body(rb, l, p, valid, rm.sel(valid, tok, c0));
                       scf::YieldOp::create(rb, l);
                     });
}

/// Copies the own rows (tokens in `bv.ownTokens`, -1: none) of the rows at
/// `base` / `stride` of `flat` into `tile` [D][own rows], transposed: lane p
/// of tile[d] is element d of own row p (0 for rows holding no token).
static void loadOwnTile(OpBuilder &b, Location loc, const BackwardShape &s,
                        const BackwardValues &bv, Value tile, Value flat,
                        Value base, Value stride) {
  forEachOwnLane(
      b, loc, s, bv,
      [&](OpBuilder &rb, Location l, Value p, Value valid, Value safe) {
        IndexArith rm{rb, l};
        Value row = rm.add(base, rm.mul(safe, stride));
        Value zero = cstF32(rb, l, 0.0f);
        scf::ForOp::create(
            rb, l, rm.c(0), rm.c(s.headDim), rm.c(1), ValueRange{},
            [&](OpBuilder &db, Location dl, Value d, ValueRange) {
              // A lane with no token reads row 0 and keeps 0.
              Value x = memref::LoadOp::create(
                  db, dl, flat, ValueRange{IndexArith{db, dl}.add(row, d)});
              memref::StoreOp::create(
                  db, dl, arith::SelectOp::create(db, dl, valid, x, zero), tile,
                  ValueRange{d, p});
              scf::YieldOp::create(db, dl);
            });
      });
}

/// The own queries' LSE and delta into `bv.ownL` / `bv.ownDelta` (-inf and
/// 0 for lanes holding no query).
static void loadOwnRowValues(OpBuilder &b, Location loc, const BackwardShape &s,
                             const BackwardValues &bv, const Offsets &o) {
  forEachOwnLane(
      b, loc, s, bv,
      [&](OpBuilder &rb, Location l, Value p, Value valid, Value safe) {
        IndexArith rm{rb, l};
        Value lse = memref::LoadOp::create(
            rb, l, bv.lse,
            ValueRange{rm.add(o.fwd.lse, rm.mul(safe, bv.lseStride))});
        Value delta = memref::LoadOp::create(
            rb, l, bv.delta,
            ValueRange{rm.add(o.delta, rm.mul(safe, bv.deltaStride))});
        memref::StoreOp::create(
            rb, l,
            arith::SelectOp::create(
                rb, l, valid, lse,
                cstF32(rb, l, -std::numeric_limits<float>::infinity())),
            bv.ownL, ValueRange{p});
        memref::StoreOp::create(
            rb, l,
            arith::SelectOp::create(rb, l, valid, delta, cstF32(rb, l, 0.0f)),
            bv.ownDelta, ValueRange{p});
      });
}

/// vector<VW x index> of constant `v`.
static Value splatIndex(OpBuilder &b, Location l, VectorType type, int64_t v) {
  return splat(b, l, type, IndexArith{b, l}.c(v));
}

/// The lanes of own rows [g, g + VW) that take part for visited row token
/// `vtok`: a token, and on PARTIAL tiles the predicate (evaluated per lane).
static Value laneMask(OpBuilder &b, Location l, KernelOp kernel,
                      const BackwardShape &s, const BackwardValues &bv,
                      Value head, Value g, Value vtok, TileClass kind) {
  IndexArith m{b, l};
  Value c0 = m.c(0);
  auto tokType = VectorType::get({s.vectorWidth}, b.getIndexType());
  Value toks =
      vector::LoadOp::create(b, l, tokType, bv.ownTokens, ValueRange{g});
  Value valid = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, toks,
                                      splatIndex(b, l, tokType, 0));
  if (kind != TileClass::partial)
    return valid;
  SmallVector<Value> lanes;
  for (int64_t lane = 0; lane < s.vectorWidth; ++lane) {
    Value tok = vector::ExtractOp::create(b, l, toks, ArrayRef<int64_t>{lane});
    // Lanes without a token are masked anyway; evaluate them at token 0.
    Value safe = m.max(tok, c0);
    lanes.push_back(evalPredicate(b, kernel, bv, head, safe, vtok));
  }
  Value allowed = vector::FromElementsOp::create(
      b, l, VectorType::get({s.vectorWidth}, b.getI1Type()), lanes);
  return arith::AndIOp::create(b, l, valid, allowed);
}

/// Visited rows processed together: each load of an own tile or of an
/// accumulator vector serves this many rows.
static constexpr int64_t kRowBlock = 4;

namespace {
/// One visited row of a block: its token (0 when it holds none, so that
/// its loads stay inside the tensors), whether it contributes, and for a
/// key-major kernel its query's LSE and delta.
struct VisitedRow {
  Value token, live, lse, delta;
};
} // namespace

/// The products and gradient updates of a block of visited rows with own
/// rows [g, g + VW) (see emitVisit).
static void emitGroup(OpBuilder &b, Location l, KernelOp kernel,
                      const BackwardShape &s, const BackwardValues &bv,
                      const Offsets &o, Value head, ArrayRef<VisitedRow> rows,
                      Value g, TileClass kind) {
  VectorType vec = bv.vec;
  auto maskType = VectorType::get({s.vectorWidth}, b.getI1Type());
  SmallVector<Value> masks;
  Value any;
  for (const VisitedRow &row : rows) {
    Value mask = arith::AndIOp::create(
        b, l, laneMask(b, l, kernel, s, bv, head, g, row.token, kind),
        vector::BroadcastOp::create(b, l, maskType, row.live));
    masks.push_back(mask);
    Value rowAny =
        vector::ReductionOp::create(b, l, vector::CombiningKind::OR, mask);
    any = any ? arith::OrIOp::create(b, l, any, rowAny).getResult() : rowAny;
  }
  // Groups with no allowed pair (frequent in PARTIAL tiles) cost nothing
  // more.
  auto ifAny = scf::IfOp::create(b, l, any, /*withElseRegion=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(ifAny.thenBlock()->getTerminator());
  IndexArith m{b, l};
  const int64_t n = static_cast<int64_t>(rows.size());
  Value zero = arith::ConstantOp::create(
      b, l, DenseElementsAttr::get(vec, b.getF32FloatAttr(0.0f)));
  // Element d of visited row i's two vectors: q and dO of a query, or k
  // and v of a key.
  auto visited = [&](OpBuilder &db, Location dl, int64_t i, Value d,
                     bool second) {
    Value tok = rows[i].token;
    if (s.keyMajor)
      return second
                 ? splatElement(db, dl, vec, bv.dO, o.dO, bv.dOStride, tok, d)
                 : splatElement(db, dl, vec, bv.q, o.fwd.q, bv.qStride, tok, d);
    return second
               ? splatElement(db, dl, vec, bv.v, o.fwd.v, bv.vStride, tok, d)
               : splatElement(db, dl, vec, bv.k, o.fwd.k, bv.kStride, tok, d);
  };
  // s = q.k and dp = dO.v of every row of the block, own rows across the
  // lanes: each own-tile load feeds all rows.
  SmallVector<Value> init(2 * n, zero);
  auto products = scf::ForOp::create(
      b, l, m.c(0), m.c(s.headDim), m.c(1), init,
      [&](OpBuilder &db, Location dl, Value d, ValueRange acc) {
        Value a =
            vector::LoadOp::create(db, dl, vec, bv.ownA, ValueRange{d, g});
        Value c =
            vector::LoadOp::create(db, dl, vec, bv.ownB, ValueRange{d, g});
        SmallVector<Value> next;
        for (int64_t i = 0; i < n; ++i)
          next.push_back(vector::FMAOp::create(
              db, dl, a, visited(db, dl, i, d, false), acc[2 * i]));
        for (int64_t i = 0; i < n; ++i)
          next.push_back(vector::FMAOp::create(
              db, dl, c, visited(db, dl, i, d, true), acc[2 * i + 1]));
        // Yield in the order of the iteration arguments.
        SmallVector<Value> ordered;
        for (int64_t i = 0; i < n; ++i)
          ordered.append({next[i], next[n + i]});
        scf::YieldOp::create(db, dl, ordered);
      });
  Value scaleV = splat(b, l, vec, bv.scale);
  Value minusInf =
      splat(b, l, vec, cstF32(b, l, -std::numeric_limits<float>::infinity()));
  SmallVector<Value> probs, scaledDs;
  for (int64_t i = 0; i < n; ++i) {
    Value lseV = s.keyMajor
                     ? splat(b, l, vec, rows[i].lse)
                     : vector::LoadOp::create(b, l, vec, bv.ownL, ValueRange{g})
                           .getResult();
    Value deltaV = s.keyMajor ? splat(b, l, vec, rows[i].delta)
                              : vector::LoadOp::create(b, l, vec, bv.ownDelta,
                                                       ValueRange{g})
                                    .getResult();
    Value mask = masks[i];
    if (!s.keyMajor) // own queries with nothing allowed
      mask = arith::AndIOp::create(
          b, l, mask,
          arith::CmpFOp::create(b, l, arith::CmpFPredicate::ONE, lseV,
                                minusInf));
    Value prob = math::ExpOp::create(
        b, l,
        arith::SubFOp::create(
            b, l,
            arith::MulFOp::create(b, l, products.getResult(2 * i), scaleV),
            lseV));
    prob = arith::SelectOp::create(b, l, mask, prob, zero);
    Value ds = arith::MulFOp::create(
        b, l, prob,
        arith::SubFOp::create(b, l, products.getResult(2 * i + 1), deltaV));
    probs.push_back(prob);
    scaledDs.push_back(arith::MulFOp::create(b, l, ds, scaleV));
  }
  // The own rows' gradients, one load and store per vector for the whole
  // block: dK += scale ds q and dV += p dO, or dQ += scale ds k.
  scf::ForOp::create(
      b, l, m.c(0), m.c(s.headDim), m.c(1), ValueRange{},
      [&](OpBuilder &db, Location dl, Value d, ValueRange) {
        auto update = [&](Value grad, ArrayRef<Value> factors, bool second) {
          Value acc =
              vector::LoadOp::create(db, dl, vec, grad, ValueRange{d, g});
          for (int64_t i = 0; i < n; ++i)
            acc = vector::FMAOp::create(db, dl, factors[i],
                                        visited(db, dl, i, d, second), acc);
          vector::StoreOp::create(db, dl, acc, grad, ValueRange{d, g});
        };
        update(bv.grad0, scaledDs, false);
        if (s.keyMajor)
          update(bv.grad1, probs, true);
        scf::YieldOp::create(db, dl);
      });
}

/// The gradient contributions of one visited tile `vt` of head `head`. For
/// every block of kRowBlock visited rows (queries of a key-major kernel,
/// else keys) and every group of VW own rows, with the own rows across the
/// lanes of the transposed own tiles (no horizontal sums):
///   s = q.k, p = exp(scale s - L) on the lanes of allowed pairs (0 on the
///   others, for rows holding no token and for queries with L = -inf:
///   nothing allowed), dp = dO.v, ds = p (dp - delta); then dK += scale ds q
///   and dV += p dO (key-major), or dQ += scale ds k (query-major), each
///   lane its own row.
static void emitVisit(OpBuilder &b, Location loc, KernelOp kernel,
                      const BackwardShape &s, const BackwardValues &bv,
                      const Offsets &o, Value head, Value vt, TileClass kind) {
  IndexArith m{b, loc};
  Value c0 = m.c(0);
  Value v0 = m.mul(vt, m.c(s.visitRows));
  const float negInf = -std::numeric_limits<float>::infinity();
  const int64_t block = std::min<int64_t>(kRowBlock, s.visitRows);
  scf::ForOp::create(
      b, loc, c0, m.c(s.visitRows), m.c(block), ValueRange{},
      [&](OpBuilder &rb, Location l, Value r0, ValueRange) {
        IndexArith rm{rb, l};
        SmallVector<VisitedRow> rows;
        Value anyLive;
        for (int64_t i = 0; i < block; ++i) {
          Value r = rm.add(r0, i);
          auto [token, valid] = emitTokenAt(rb, l, s.visitMap, rm.add(v0, r),
                                            bv.args.numKeys, s.visitRows);
          VisitedRow row;
          row.live = rm.andi(valid, rm.lt(r, rm.c(s.visitRows)));
          row.token = rm.sel(row.live, token, c0);
          if (s.keyMajor) {
            // The visited query's LSE and delta; a query with nothing
            // allowed (L = -inf) contributes nothing.
            row.lse = memref::LoadOp::create(
                rb, l, bv.lse,
                ValueRange{rm.add(o.fwd.lse, rm.mul(row.token, bv.lseStride))});
            row.delta = memref::LoadOp::create(
                rb, l, bv.delta,
                ValueRange{rm.add(o.delta, rm.mul(row.token, bv.deltaStride))});
            row.live =
                rm.andi(row.live,
                        arith::CmpFOp::create(rb, l, arith::CmpFPredicate::ONE,
                                              row.lse, cstF32(rb, l, negInf)));
          }
          anyLive = anyLive ? rm.ori(anyLive, row.live) : row.live;
          rows.push_back(row);
        }
        scf::IfOp::create(rb, l, anyLive, [&](OpBuilder &pb, Location pl) {
          scf::ForOp::create(
              pb, pl, c0, IndexArith{pb, pl}.c(s.ownLanes()),
              IndexArith{pb, pl}.c(s.vectorWidth), ValueRange{},
              [&](OpBuilder &gb, Location gl, Value g, ValueRange) {
                emitGroup(gb, gl, kernel, s, bv, o, head, rows, g, kind);
                scf::YieldOp::create(gb, gl);
              });
          scf::YieldOp::create(pb, pl);
        });
        scf::YieldOp::create(rb, l);
      });
}

/// Adds the transposed accumulator `grad` [D][own rows] to the rows of
/// `out` (offset `base`, row stride `stride`) of the own tokens.
static void addRows(OpBuilder &b, Location loc, const BackwardShape &s,
                    const BackwardValues &bv, Value grad, Value out, Value base,
                    Value stride) {
  IndexArith m{b, loc};
  Value c0 = m.c(0);
  scf::ForOp::create(
      b, loc, c0, m.c(s.ownRows), m.c(1), ValueRange{},
      [&](OpBuilder &rb, Location l, Value p, ValueRange) {
        IndexArith rm{rb, l};
        Value tok = memref::LoadOp::create(rb, l, bv.ownTokens, ValueRange{p});
        Value holds = rm.cmp(arith::CmpIPredicate::sge, tok, c0);
        scf::IfOp::create(rb, l, holds, [&](OpBuilder &ib, Location il) {
          IndexArith im{ib, il};
          Value row = im.add(base, im.mul(tok, stride));
          scf::ForOp::create(
              ib, il, c0, im.c(s.headDim), im.c(1), ValueRange{},
              [&](OpBuilder &db, Location dl, Value d, ValueRange) {
                IndexArith dm{db, dl};
                Value at = dm.add(row, d);
                Value g =
                    memref::LoadOp::create(db, dl, grad, ValueRange{d, p});
                Value old = memref::LoadOp::create(db, dl, out, ValueRange{at});
                memref::StoreOp::create(db, dl,
                                        arith::AddFOp::create(db, dl, old, g),
                                        out, ValueRange{at});
                scf::YieldOp::create(db, dl);
              });
          scf::YieldOp::create(ib, il);
        });
        scf::YieldOp::create(rb, l);
      });
}

/// Zeroes a transposed accumulator [D][own lanes].
static void clear(OpBuilder &b, Location loc, const BackwardShape &s,
                  VectorType vec, Value grad) {
  IndexArith m{b, loc};
  Value zero = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(vec, b.getF32FloatAttr(0.0f)));
  scf::ForOp::create(b, loc, m.c(0), m.c(s.headDim), m.c(1), ValueRange{},
                     [&](OpBuilder &rb, Location l, Value d, ValueRange) {
                       IndexArith rm{rb, l};
                       for (int64_t g = 0; g < s.ownLanes(); g += s.vectorWidth)
                         vector::StoreOp::create(rb, l, zero, grad,
                                                 ValueRange{d, rm.c(g)});
                       scf::YieldOp::create(rb, l);
                     });
}

/// `@<kernel>_backward_work_items(args)`: B * heads * own tiles, the heads
/// being the query heads (query-major) or the key/value heads (key-major).
static void buildWorkItems(OpBuilder &b, KernelOp kernel,
                           const BackwardShape &s) {
  MLIRContext *ctx = b.getContext();
  Location loc = kernel.getLoc();
  auto argsType = MemRefType::get({1}, IntegerType::get(ctx, 64));
  auto fn = func::FuncOp::create(
      b, loc,
      (kernel.getSymName() + rt::kBackwardSuffix + rt::kWorkItemsSuffix).str(),
      FunctionType::get(ctx, {argsType}, {IndexType::get(ctx)}));
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToStart(fn.addEntryBlock());
  Value flat = flatView(b, loc, fn.getArgument(0));
  IndexArith m{b, loc};
  Value n = loadArg(b, loc, flat, s.keyMajor ? rt::kSeqK : rt::kSeqQ);
  Value space = emitSpaceSize(b, loc, s.ownMap, n, s.ownRows);
  Value tiles = m.ceilDivUnsigned(space, m.c(s.ownRows));
  Value heads = loadArg(b, loc, flat, s.keyMajor ? rt::kHeadsKV : rt::kHeadsQ);
  Value items = m.mul(m.mul(loadArg(b, loc, flat, rt::kBatch), heads), tiles);
  func::ReturnOp::create(b, loc, ValueRange{items});
}

/// Adds `kernel`'s backward entry point and work-item counter before it.
static LogicalResult lowerBackward(OpBuilder &b, KernelOp kernel) {
  MLIRContext *ctx = b.getContext();
  Location loc = kernel.getLoc();
  TilingAttr tiling = kernel.getTilingAttr();
  if (!tiling || tiling.getTarget() != "cpu")
    return kernel.emitOpError(
        "needs a cpu #sattn.tiling; run sparsa-select-tiling first");
  BackwardShape s;
  s.keyMajor = kernel.getKeyMajor();
  s.ownRows = tiling.getBlockQ();
  s.visitRows = tiling.getBlockK();
  s.headDim = kernel.getHeadDim();
  s.vectorWidth = tiling.getVectorWidth();
  if (s.headDim % s.vectorWidth != 0)
    return kernel.emitOpError("head_dim ")
           << s.headDim << " must be a multiple of the vector width "
           << s.vectorWidth;
  s.ownMap = getOrIdentity(ctx, kernel.getQueryMapAttr());
  s.visitMap = getOrIdentity(ctx, kernel.getKeyMapAttr());

  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(kernel);
  buildWorkItems(b, kernel, s);
  auto f32Base = MemRefType::get({1}, Float32Type::get(ctx));
  auto i64Base = MemRefType::get({1}, IntegerType::get(ctx, 64));
  Type idx = IndexType::get(ctx);
  SmallVector<Type> inputs(9, f32Base);
  inputs.append({i64Base, Float32Type::get(ctx), idx, idx});
  auto fn = func::FuncOp::create(
      b, loc, (kernel.getSymName() + rt::kBackwardSuffix).str(),
      FunctionType::get(ctx, inputs, {}));
  Block *entry = fn.addEntryBlock();
  b.setInsertionPointToStart(entry);
  ValueRange a = entry->getArguments();
  BackwardValues bv;
  bv.q = flatView(b, loc, a[0]);
  bv.k = flatView(b, loc, a[1]);
  bv.v = flatView(b, loc, a[2]);
  bv.dO = flatView(b, loc, a[3]);
  bv.lse = flatView(b, loc, a[4]);
  bv.delta = flatView(b, loc, a[5]);
  bv.dq = flatView(b, loc, a[6]);
  bv.dk = flatView(b, loc, a[7]);
  bv.dv = flatView(b, loc, a[8]);
  Value argBlock = flatView(b, loc, a[9]);
  bv.scale = a[10];
  bv.vec = VectorType::get({s.vectorWidth}, b.getF32Type());
  // The kernel's coordinates: a key-major kernel's queries are the
  // attention's keys, so it reads the lengths swapped.
  auto get = [&](int64_t i) {
    if (s.keyMajor && (i == rt::kSeqQ || i == rt::kSeqK))
      i = i == rt::kSeqQ ? rt::kSeqK : rt::kSeqQ;
    return loadArg(b, loc, argBlock, i);
  };
  IndexArith top{b, loc};
  bv.args = readKernelArgs(top, kernel, s.ownMap, s.visitMap, s.ownRows,
                           s.visitRows, get);
  bv.qStride = get(rt::kQStrideN);
  bv.kStride = get(rt::kKStrideN);
  bv.vStride = get(rt::kVStrideN);
  bv.lseStride = get(rt::kLseStrideN);
  const int64_t extra = rt::kNumFixedArgs + kernel.getNumParams();
  auto grad = [&](int64_t i) { return get(extra + i); };
  bv.dOB = grad(rt::kDOStrideB);
  bv.dOH = grad(rt::kDOStrideH);
  bv.dOStride = grad(rt::kDOStrideN);
  bv.dqB = grad(rt::kDQStrideB);
  bv.dqH = grad(rt::kDQStrideH);
  bv.dqStride = grad(rt::kDQStrideN);
  bv.dkB = grad(rt::kDKStrideB);
  bv.dkH = grad(rt::kDKStrideH);
  bv.dkStride = grad(rt::kDKStrideN);
  bv.dvB = grad(rt::kDVStrideB);
  bv.dvH = grad(rt::kDVStrideH);
  bv.dvStride = grad(rt::kDVStrideN);
  bv.deltaB = grad(rt::kDeltaStrideB);
  bv.deltaH = grad(rt::kDeltaStrideH);
  bv.deltaStride = grad(rt::kDeltaStrideN);
  auto stack = [&](MemRefType t) -> Value {
    return memref::AllocaOp::create(b, loc, t, ValueRange{},
                                    b.getI64IntegerAttr(64));
  };
  auto tileType = MemRefType::get({s.headDim, s.ownLanes()}, b.getF32Type());
  auto laneType = MemRefType::get({s.ownLanes()}, b.getF32Type());
  bv.ownTokens = stack(MemRefType::get({s.ownLanes()}, idx));
  bv.ownA = stack(tileType);
  bv.ownB = stack(tileType);
  bv.grad0 = stack(tileType);
  if (s.keyMajor) {
    bv.grad1 = stack(tileType);
  } else {
    bv.ownL = stack(laneType);
    bv.ownDelta = stack(laneType);
  }
  Value heads = s.keyMajor ? top.divUnsigned(bv.args.headsQ, bv.args.group)
                           : bv.args.headsQ;
  Value numTiles = bv.args.numQueryTiles;

  auto items = scf::ForOp::create(b, loc, a[11], a[12], top.c(1));
  b.setInsertionPointToStart(items.getBody());
  IndexArith m{b, loc};
  Value w = items.getInductionVar();
  Value tile = m.remUnsigned(w, numTiles);
  Value bh = m.divUnsigned(w, numTiles);
  Value hh = m.remUnsigned(bh, heads);
  Value batch = m.divUnsigned(bh, heads);

  // The own tile's tokens; lanes past the tile hold none.
  Value first = m.mul(tile, m.c(s.ownRows));
  scf::ForOp::create(b, loc, m.c(0), m.c(s.ownLanes()), m.c(1), ValueRange{},
                     [&](OpBuilder &rb, Location l, Value p, ValueRange) {
                       IndexArith rm{rb, l};
                       auto [tok, valid] =
                           emitTokenAt(rb, l, s.ownMap, rm.add(first, p),
                                       bv.args.numQueries, s.ownRows);
                       Value inTile = rm.lt(p, rm.c(s.ownRows));
                       memref::StoreOp::create(
                           rb, l, rm.sel(rm.andi(valid, inTile), tok, rm.c(-1)),
                           bv.ownTokens, ValueRange{p});
                       scf::YieldOp::create(rb, l);
                     });
  clear(b, loc, s, bv.vec, bv.grad0);
  if (bv.grad1)
    clear(b, loc, s, bv.vec, bv.grad1);

  // One query head (query-major), or every query head of the key/value
  // head (key-major: their dK and dV add up).
  auto forHead = [&](Value head) {
    IndexArith hm{b, loc};
    Offsets off = offsetsOf(hm, bv, get, batch, head);
    if (!s.keyMajor) {
      // The own queries: Q and dO transposed, their LSE and delta (-inf
      // and 0 for lanes holding no query).
      loadOwnTile(b, loc, s, bv, bv.ownA, bv.q, off.fwd.q, bv.qStride);
      loadOwnTile(b, loc, s, bv, bv.ownB, bv.dO, off.dO, bv.dOStride);
      loadOwnRowValues(b, loc, s, bv, off);
    }
    SmallVector<Value> scheduleArgs{tile, head, bv.args.numQueries,
                                    bv.args.numKeys};
    scheduleArgs.append(bv.args.params);
    inlineSchedule(b, kernel, scheduleArgs, [&](VisitOp visit) {
      emitVisit(b, loc, kernel, s, bv, off, head, visit.getKeyTile(),
                visit.getKind());
      visit.erase();
    });
    return off;
  };
  if (s.keyMajor) {
    Value h0 = m.mul(hh, bv.args.group);
    // The own keys: K and V transposed, shared by the group's heads.
    Offsets kv = offsetsOf(m, bv, get, batch, h0);
    loadOwnTile(b, loc, s, bv, bv.ownA, bv.k, kv.fwd.k, bv.kStride);
    loadOwnTile(b, loc, s, bv, bv.ownB, bv.v, kv.fwd.v, bv.vStride);
    auto heads = scf::ForOp::create(b, loc, m.c(0), bv.args.group, m.c(1));
    {
      OpBuilder::InsertionGuard g2(b);
      b.setInsertionPointToStart(heads.getBody());
      forHead(IndexArith{b, loc}.add(h0, heads.getInductionVar()));
    }
    // The key/value rows of the first head of the group (all share them).
    Offsets off = offsetsOf(m, bv, get, batch, h0);
    addRows(b, loc, s, bv, bv.grad0, bv.dk, off.dk, bv.dkStride);
    addRows(b, loc, s, bv, bv.grad1, bv.dv, off.dv, bv.dvStride);
  } else {
    Offsets off = forHead(hh);
    addRows(b, loc, s, bv, bv.grad0, bv.dq, off.dq, bv.dqStride);
  }
  b.setInsertionPointAfter(items);
  func::ReturnOp::create(b, loc);
  return success();
}

/// Records every forward attention with a key schedule as an entry of the
/// module attribute `sparsa.backward`: NAME = {dq = [query-major parts],
/// dkdv = [key-major parts]}, and erases the key-major attentions.
static void recordBackward(ModuleOp module) {
  OpBuilder b(module.getContext());
  SmallVector<NamedAttribute> entries;
  auto names = [&](AttentionOp op) {
    SmallVector<Attribute> parts;
    for (auto ref : op.getParts().getAsRange<FlatSymbolRefAttr>())
      parts.push_back(b.getStringAttr(ref.getValue()));
    return b.getArrayAttr(parts);
  };
  SmallVector<AttentionOp> keyMajor;
  for (auto op : module.getOps<AttentionOp>()) {
    if (op.getKeyMajor()) {
      keyMajor.push_back(op);
      continue;
    }
    auto ref = op.getKeyScheduleAttr();
    if (!ref)
      continue;
    auto keys = SymbolTable::lookupNearestSymbolFrom<AttentionOp>(op, ref);
    entries.push_back(b.getNamedAttr(
        op.getSymName(),
        b.getDictionaryAttr({b.getNamedAttr("dq", names(op)),
                             b.getNamedAttr("dkdv", names(keys))})));
    op.removeKeyScheduleAttr();
  }
  for (AttentionOp op : keyMajor)
    op.erase();
  if (!entries.empty())
    module->setAttr(sparsa::runtime::kBackwardAttrName,
                    b.getDictionaryAttr(entries));
}

namespace {
struct ConvertSAttnToCPUBackwardPass
    : sparsa::sattn::impl::ConvertSAttnToCPUBackwardBase<
          ConvertSAttnToCPUBackwardPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<KernelOp> kernels;
    bool ok = true;
    getOperation().walk([&](KernelOp kernel) {
      if (failed(verifyRangesExpanded(kernel, "convert-sattn-to-cpu-backward")))
        ok = false;
      kernels.push_back(kernel);
    });
    if (!ok)
      return signalPassFailure();
    OpBuilder b(&getContext());
    for (KernelOp kernel : kernels) {
      if (failed(lowerBackward(b, kernel)))
        return signalPassFailure();
      // The forward lowering still needs the query-major kernels.
      if (!keepForward || kernel.getKeyMajor())
        kernel.erase();
    }
    if (keepForward)
      recordBackward(getOperation());
    else
      recordAttentions(getOperation());
  }
};
} // namespace
