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
  int64_t chunks() const { return headDim / vectorWidth; }
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
  /// Stack buffers: the own tile's tokens (-1: none) and two gradient
  /// accumulators of ownRows x D (dQ; or dK and dV).
  Value ownTokens, grad0, grad1;
  VectorType vec;
};
} // namespace

static Value cstF32(OpBuilder &b, Location loc, float v) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
}

/// Loads the D elements at `flat[offset]` as vectors.
static SmallVector<Value> loadRow(OpBuilder &b, Location loc,
                                  const BackwardShape &s, VectorType vec,
                                  Value flat, Value offset) {
  IndexArith m{b, loc};
  SmallVector<Value> row;
  for (int64_t c = 0; c < s.chunks(); ++c)
    row.push_back(vector::LoadOp::create(
        b, loc, vec, flat, ValueRange{m.add(offset, c * s.vectorWidth)}));
  return row;
}

/// x · y of two rows loaded by loadRow.
static Value dot(OpBuilder &b, Location loc, ArrayRef<Value> x,
                 ArrayRef<Value> y) {
  Value acc = arith::MulFOp::create(b, loc, x[0], y[0]);
  for (size_t c = 1; c < x.size(); ++c)
    acc = vector::FMAOp::create(b, loc, x[c], y[c], acc);
  return vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, acc);
}

/// buffer[row, :] += factor * x.
static void axpy(OpBuilder &b, Location loc, const BackwardShape &s,
                 VectorType vec, Value buffer, Value row, Value factor,
                 ArrayRef<Value> x) {
  IndexArith m{b, loc};
  Value f = vector::BroadcastOp::create(b, loc, vec, factor);
  for (int64_t c = 0; c < s.chunks(); ++c) {
    Value at = m.c(c * s.vectorWidth);
    Value old =
        vector::LoadOp::create(b, loc, vec, buffer, ValueRange{row, at});
    vector::StoreOp::create(b, loc, vector::FMAOp::create(b, loc, x[c], f, old),
                            buffer, ValueRange{row, at});
  }
}

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

namespace {
/// What a pair needs of its query row (LSE, delta, q, dO) and of its key
/// row (k, v), loaded once per row of a tile.
struct QueryRow {
  Value lse, delta;
  SmallVector<Value> q, dO;
};
struct KeyRow {
  SmallVector<Value> k, v;
};
} // namespace

static QueryRow loadQueryRow(OpBuilder &b, Location l, const BackwardShape &s,
                             const BackwardValues &bv, const Offsets &o,
                             Value token) {
  IndexArith m{b, l};
  QueryRow r;
  r.lse = memref::LoadOp::create(
      b, l, bv.lse, ValueRange{m.add(o.fwd.lse, m.mul(token, bv.lseStride))});
  r.delta = memref::LoadOp::create(
      b, l, bv.delta, ValueRange{m.add(o.delta, m.mul(token, bv.deltaStride))});
  r.q =
      loadRow(b, l, s, bv.vec, bv.q, m.add(o.fwd.q, m.mul(token, bv.qStride)));
  r.dO =
      loadRow(b, l, s, bv.vec, bv.dO, m.add(o.dO, m.mul(token, bv.dOStride)));
  return r;
}

static KeyRow loadKeyRow(OpBuilder &b, Location l, const BackwardShape &s,
                         const BackwardValues &bv, const Offsets &o,
                         Value token) {
  IndexArith m{b, l};
  KeyRow r;
  r.k =
      loadRow(b, l, s, bv.vec, bv.k, m.add(o.fwd.k, m.mul(token, bv.kStride)));
  r.v =
      loadRow(b, l, s, bv.vec, bv.v, m.add(o.fwd.v, m.mul(token, bv.vStride)));
  return r;
}

/// Whether a query row has an allowed key at all (LSE > -inf): rows
/// without one contribute nothing and are skipped.
static Value hasKeys(OpBuilder &b, Location l, Value lse) {
  return arith::CmpFOp::create(
      b, l, arith::CmpFPredicate::ONE, lse,
      cstF32(b, l, -std::numeric_limits<float>::infinity()));
}

/// The contribution of one allowed pair to the accumulators' own row `p`:
/// P = exp(scale q.k - L), dS = P (dO.v - delta), then dK += scale dS q and
/// dV += P dO (key-major) or dQ += scale dS k (query-major).
static void emitPair(OpBuilder &b, Location l, const BackwardShape &s,
                     const BackwardValues &bv, const QueryRow &q,
                     const KeyRow &k, Value p) {
  Value score = arith::SubFOp::create(
      b, l, arith::MulFOp::create(b, l, dot(b, l, q.q, k.k), bv.scale), q.lse);
  Value prob = math::ExpOp::create(b, l, score);
  Value ds = arith::MulFOp::create(
      b, l, prob, arith::SubFOp::create(b, l, dot(b, l, q.dO, k.v), q.delta));
  Value scaled = arith::MulFOp::create(b, l, ds, bv.scale);
  if (s.keyMajor) {
    axpy(b, l, s, bv.vec, bv.grad0, p, scaled, q.q);
    axpy(b, l, s, bv.vec, bv.grad1, p, prob, q.dO);
  } else {
    axpy(b, l, s, bv.vec, bv.grad0, p, scaled, k.k);
  }
}

/// The gradient contributions of one visited tile `vt` of head `head`: for
/// every visited row holding a token (its row data loaded once) and every
/// own row holding one, when the pair is allowed (FULL, or the predicate
/// says so) and its query row has any allowed key.
static void emitVisit(OpBuilder &b, Location loc, KernelOp kernel,
                      const BackwardShape &s, const BackwardValues &bv,
                      const Offsets &o, Value head, Value vt, TileClass kind) {
  IndexArith m{b, loc};
  Value c0 = m.c(0), c1 = m.c(1);
  Value v0 = m.mul(vt, m.c(s.visitRows));
  scf::ForOp::create(
      b, loc, c0, m.c(s.visitRows), c1, ValueRange{},
      [&](OpBuilder &rb, Location l, Value r, ValueRange) {
        auto [visitToken, vvalid] =
            emitTokenAt(rb, l, s.visitMap, IndexArith{rb, l}.add(v0, r),
                        bv.args.numKeys, s.visitRows);
        Value vtok = visitToken;
        scf::IfOp::create(rb, l, vvalid, [&](OpBuilder &pb, Location pl) {
          // The visited row: a query of a key-major kernel, else a key.
          QueryRow query;
          KeyRow key;
          Value live = IndexArith{pb, pl}.boolean(true);
          if (s.keyMajor) {
            query = loadQueryRow(pb, pl, s, bv, o, vtok);
            live = hasKeys(pb, pl, query.lse);
          } else {
            key = loadKeyRow(pb, pl, s, bv, o, vtok);
          }
          scf::IfOp::create(pb, pl, live, [&](OpBuilder &lb, Location ll) {
            scf::ForOp::create(
                lb, ll, c0, IndexArith{lb, ll}.c(s.ownRows), c1, ValueRange{},
                [&](OpBuilder &ob, Location ol, Value p, ValueRange) {
                  IndexArith om{ob, ol};
                  Value otok = memref::LoadOp::create(ob, ol, bv.ownTokens,
                                                      ValueRange{p});
                  Value ok = om.cmp(arith::CmpIPredicate::sge, otok, c0);
                  if (kind == TileClass::partial)
                    ok = om.andi(
                        ok, evalPredicate(ob, kernel, bv, head, otok, vtok));
                  scf::IfOp::create(
                      ob, ol, ok, [&](OpBuilder &b2, Location l2) {
                        if (s.keyMajor) {
                          KeyRow own = loadKeyRow(b2, l2, s, bv, o, otok);
                          emitPair(b2, l2, s, bv, query, own, p);
                        } else {
                          QueryRow own = loadQueryRow(b2, l2, s, bv, o, otok);
                          scf::IfOp::create(b2, l2, hasKeys(b2, l2, own.lse),
                                            [&](OpBuilder &b3, Location l3) {
                                              emitPair(b3, l3, s, bv, own, key,
                                                       p);
                                              scf::YieldOp::create(b3, l3);
                                            });
                        }
                        scf::YieldOp::create(b2, l2);
                      });
                  scf::YieldOp::create(ob, ol);
                });
            scf::YieldOp::create(lb, ll);
          });
          scf::YieldOp::create(pb, pl);
        });
        scf::YieldOp::create(rb, l);
      });
}

/// Adds accumulator `grad` to the rows of `out` (offset `base`, row stride
/// `stride`) of the own tokens.
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
          for (int64_t c = 0; c < s.chunks(); ++c) {
            Value at = im.add(row, c * s.vectorWidth);
            Value g = vector::LoadOp::create(
                ib, il, bv.vec, grad, ValueRange{p, im.c(c * s.vectorWidth)});
            Value old =
                vector::LoadOp::create(ib, il, bv.vec, out, ValueRange{at});
            vector::StoreOp::create(ib, il,
                                    arith::AddFOp::create(ib, il, old, g), out,
                                    ValueRange{at});
          }
          scf::YieldOp::create(ib, il);
        });
        scf::YieldOp::create(rb, l);
      });
}

/// Zeroes an accumulator.
static void clear(OpBuilder &b, Location loc, const BackwardShape &s,
                  VectorType vec, Value grad) {
  IndexArith m{b, loc};
  Value zero = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(vec, b.getF32FloatAttr(0.0f)));
  scf::ForOp::create(b, loc, m.c(0), m.c(s.ownRows), m.c(1), ValueRange{},
                     [&](OpBuilder &rb, Location l, Value p, ValueRange) {
                       IndexArith rm{rb, l};
                       for (int64_t c = 0; c < s.chunks(); ++c)
                         vector::StoreOp::create(
                             rb, l, zero, grad,
                             ValueRange{p, rm.c(c * s.vectorWidth)});
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
  auto gradType = MemRefType::get({s.ownRows, s.headDim}, b.getF32Type());
  bv.ownTokens = stack(MemRefType::get({s.ownRows}, idx));
  bv.grad0 = stack(gradType);
  bv.grad1 = s.keyMajor ? stack(gradType) : Value();
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

  // The own tile's tokens.
  Value first = m.mul(tile, m.c(s.ownRows));
  scf::ForOp::create(
      b, loc, m.c(0), m.c(s.ownRows), m.c(1), ValueRange{},
      [&](OpBuilder &rb, Location l, Value p, ValueRange) {
        IndexArith rm{rb, l};
        auto [tok, valid] = emitTokenAt(rb, l, s.ownMap, rm.add(first, p),
                                        bv.args.numQueries, s.ownRows);
        memref::StoreOp::create(rb, l, rm.sel(valid, tok, rm.c(-1)),
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
