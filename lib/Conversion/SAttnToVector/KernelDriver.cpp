//===- KernelDriver.cpp - the entry point of a lowered kernel -------------===//
//
// Replaces a `sattn.kernel` by
//   * `@<name>(q, k, v, o, lse, args, scale, begin, end)`: the C-callable
//     entry point (ABI in lib/Runtime/KernelABI.h). For each work item
//     (batch, head, query tile) in [begin, end) it loads the query tile
//     once, pre-scaled and transposed, runs the kernel's schedule with
//     every `sattn.visit` turned into a call of the FULL or PARTIAL tile
//     function, and writes O = acc / l (0 for rows with nothing allowed)
//     and LSE = m + log l (-inf for those rows), or with args[kMerge]
//     merges that result into the O and LSE already there through the
//     log-sum-exp;
//   * `@<name>_work_items(args)`: B * Hq * ceil(Nq / block_q), so a runtime
//     knows how to split the range without knowing the tiling;
//   * the two tile functions (TileFunction.cpp).
// Query rows past the sequence end are loaded clamped to the last row and
// never stored.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/KernelSkeleton/KernelSkeleton.h"
#include "lib/Conversion/SAttnToVector/KernelCodegen.h"
#include "lib/Conversion/SAttnToVector/TileFunction.h"
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

using namespace mlir;
using namespace sparsa::sattn;
using namespace sparsa::sattn::cpu;
namespace rt = sparsa::runtime;

namespace {
/// Reads the int64 argument block.
struct ArgBlock {
  Value flat;
  Value get(OpBuilder &b, Location loc, int64_t i) const {
    Value v = memref::LoadOp::create(b, loc, flat,
                                     ValueRange{IndexArith{b, loc}.c(i)});
    return arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
  }
};
} // namespace

/// 64-byte cache lines of f32.
static constexpr int64_t kFloatsPerCacheLine = 16;

static void buildWorkItemsFunction(OpBuilder &b, KernelOp kernel,
                                   const TileShape &shape) {
  MLIRContext *ctx = b.getContext();
  Location loc = kernel.getLoc();
  auto argsType = MemRefType::get({1}, IntegerType::get(ctx, 64));
  auto fn = func::FuncOp::create(
      b, loc, (kernel.getSymName() + rt::kWorkItemsSuffix).str(),
      FunctionType::get(ctx, {argsType}, {IndexType::get(ctx)}));
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToStart(fn.addEntryBlock());
  ArgBlock args{flatView(b, loc, fn.getArgument(0))};
  Value space = emitSpaceSize(b, loc, getOrIdentity(ctx, shape.queryMap),
                              args.get(b, loc, rt::kSeqQ), shape.blockQ);
  Value tiles = IndexArith{b, loc}.ceilDivUnsigned(
      space, IndexArith{b, loc}.c(shape.blockQ));
  Value n = IndexArith{b, loc}.mul(args.get(b, loc, rt::kBatch),
                                   args.get(b, loc, rt::kHeadsQ));
  func::ReturnOp::create(b, loc, ValueRange{IndexArith{b, loc}.mul(n, tiles)});
}

/// Clones the schedule for one work item, calling the tile functions.
static void emitSchedule(RewriterBase &rewriter, Location loc, KernelOp kernel,
                         ValueRange scheduleArgs,
                         ArrayRef<Value> tileArgsPrefix,
                         ArrayRef<Value> tileArgsSuffix, func::FuncOp full,
                         func::FuncOp partial) {
  inlineSchedule(rewriter, kernel, scheduleArgs, [&](VisitOp v) {
    SmallVector<Value> operands(tileArgsPrefix);
    operands.push_back(v.getKeyTile());
    operands.append(tileArgsSuffix.begin(), tileArgsSuffix.end());
    func::FuncOp callee = v.getKind() == TileClass::full ? full : partial;
    rewriter.replaceOpWithNewOp<func::CallOp>(v, callee, operands);
  });
}

namespace {
/// The values of one kernel entry point that the steps below share: the
/// flat tensors, the decoded argument block, the stack buffers of a work
/// item and the constants.
struct EntryValues {
  Value query, out, lse, scaleVec; // scaleVec: the scale in every lane
  KernelArgs args;
  Value qTile, qTrans, acc, rowMax, rowSum, queryTokens;
  Value c0, c1, cVw, cD, cBQ;
};

/// The indices and offsets of one work item (batch, head, query tile).
struct WorkItem {
  Value qt, h, q0;
  HeadOffsets offsets;
};
} // namespace

static const float kNegInf = -std::numeric_limits<float>::infinity();

/// The empty entry point `@<name>(q, k, v, o, lse, args, scale, begin,
/// end)` (lib/Runtime/KernelABI.h) with its `sparsa.kernel` metadata.
static func::FuncOp createEntryFunction(OpBuilder &b, KernelOp kernel,
                                        const TileShape &shape) {
  MLIRContext *ctx = b.getContext();
  auto f32Base = MemRefType::get({1}, Float32Type::get(ctx));
  auto i64Base = MemRefType::get({1}, IntegerType::get(ctx, 64));
  Type idx = IndexType::get(ctx);
  auto fnType = FunctionType::get(ctx,
                                  {f32Base, f32Base, f32Base, f32Base, f32Base,
                                   i64Base, Float32Type::get(ctx), idx, idx},
                                  {});
  auto fn =
      func::FuncOp::create(b, kernel.getLoc(), kernel.getSymName(), fnType);
  auto i64 = [&](int64_t v) { return b.getI64IntegerAttr(v); };
  bool coversAll = shape.identityQueries() ||
                   shape.queryMap.getKind() == TokenMapKind::residue;
  fn->setAttr(
      "sparsa.kernel",
      b.getDictionaryAttr({
          b.getNamedAttr("block_q", i64(shape.blockQ)),
          b.getNamedAttr("block_k", i64(shape.blockK)),
          b.getNamedAttr("head_dim", i64(shape.headDim)),
          b.getNamedAttr("vector_width", i64(shape.vectorWidth)),
          b.getNamedAttr("param_names", kernel.getParamNamesAttr()),
          b.getNamedAttr("covers_all_queries", b.getBoolAttr(coversAll)),
      }));
  return fn;
}

/// Decodes the entry's arguments and allocates the work item's stack
/// buffers, at the start of the entry block.
static EntryValues readEntry(OpBuilder &b, Location loc, KernelOp kernel,
                             const TileShape &shape, Block *entry,
                             function_ref<Value(int64_t)> get) {
  MLIRContext *ctx = b.getContext();
  ValueRange a = entry->getArguments();
  EntryValues ev;
  ev.query = flatView(b, loc, a[0]);
  ev.out = flatView(b, loc, a[3]);
  ev.lse = flatView(b, loc, a[4]);
  IndexArith top{b, loc};
  ev.args = readKernelArgs(top, kernel, shape.queryMap, shape.keyMap,
                           shape.blockQ, shape.blockK, get);
  auto stackBuffer = [&](MemRefType t) -> Value {
    return memref::AllocaOp::create(b, loc, t, ValueRange{},
                                    b.getI64IntegerAttr(64));
  };
  ev.qTile = stackBuffer(shape.qTileType(ctx));
  ev.qTrans = stackBuffer(shape.qTransType(ctx));
  ev.acc = stackBuffer(shape.qTileType(ctx));
  ev.rowMax = stackBuffer(shape.rowType(ctx));
  ev.rowSum = stackBuffer(shape.rowType(ctx));
  ev.queryTokens = stackBuffer(shape.queryTokenType(ctx));
  ev.scaleVec = vector::BroadcastOp::create(b, loc, shape.f32Vec(ctx), a[6]);
  return ev;
}

/// Loads the work item's query tile pre-scaled (rows past the end clamped,
/// gathered rows for query maps), records each row's token (-1: none),
/// resets the softmax state and, for a merging kernel, prefetches the rows
/// of O and LSE it will read back.
static void loadQueryTile(OpBuilder &b, Location loc, const TileShape &shape,
                          const EntryValues &ev, const WorkItem &item) {
  MLIRContext *ctx = b.getContext();
  TokenMapAttr queryMap = getOrIdentity(ctx, shape.queryMap);
  VectorType vec = shape.f32Vec(ctx);
  Value numQ = ev.args.numQueries, c0 = ev.c0;
  Value lastQ = arith::SubIOp::create(b, loc, numQ, ev.c1);
  const HeadOffsets &off = item.offsets;
  scf::ForOp::create(
      b, loc, c0, ev.cBQ, ev.c1, ValueRange{},
      [&](OpBuilder &nb, Location l, Value i, ValueRange) {
        IndexArith m{nb, l};
        Value pos = m.add(item.q0, i);
        Value row, token;
        if (shape.identityQueries()) {
          row = arith::MinSIOp::create(nb, l, pos, lastQ);
          Value valid = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::slt,
                                              pos, numQ);
          token = arith::SelectOp::create(nb, l, valid, pos, m.c(-1));
        } else {
          auto [tok, valid] =
              emitTokenAt(nb, l, queryMap, pos, numQ, shape.blockQ);
          row = arith::SelectOp::create(nb, l, valid, tok, c0);
          token = arith::SelectOp::create(nb, l, valid, tok, m.c(-1));
        }
        memref::StoreOp::create(nb, l, token, ev.queryTokens, ValueRange{i});
        // A merging kernel reads the row's O and LSE back at the end of the
        // item, long after another part wrote them: for gathered queries
        // they are far apart in memory and no hardware prefetcher follows
        // them, so ask for them into L2 now, while the key tiles run.
        Value prefetch = arith::AndIOp::create(
            nb, l, ev.args.merge,
            arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sge, token, c0));
        scf::IfOp::create(nb, l, prefetch, [&](OpBuilder &pb, Location pl) {
          IndexArith pm{pb, pl};
          Value oRow = pm.add(off.o, pm.mul(token, ev.args.oStride));
          for (int64_t d = 0; d < shape.headDim; d += kFloatsPerCacheLine)
            memref::PrefetchOp::create(pb, pl, ev.out,
                                       ValueRange{pm.add(oRow, pm.c(d))},
                                       /*isWrite=*/false, /*localityHint=*/2,
                                       /*isDataCache=*/true);
          memref::PrefetchOp::create(
              pb, pl, ev.lse,
              ValueRange{pm.add(off.lse, pm.mul(token, ev.args.lseStride))},
              /*isWrite=*/false, /*localityHint=*/2, /*isDataCache=*/true);
          scf::YieldOp::create(pb, pl);
        });
        Value rowOff = m.add(off.q, m.mul(row, ev.args.qStride));
        scf::ForOp::create(
            nb, l, c0, ev.cD, ev.cVw, ValueRange{},
            [&](OpBuilder &db, Location dl, Value d, ValueRange) {
              Value v = vector::LoadOp::create(
                  db, dl, vec, ev.query,
                  ValueRange{IndexArith{db, dl}.add(rowOff, d)});
              vector::StoreOp::create(
                  db, dl, arith::MulFOp::create(db, dl, v, ev.scaleVec),
                  ev.qTile, ValueRange{i, d});
              vector::StoreOp::create(db, dl, splatF32(db, dl, shape, 0.0f),
                                      ev.acc, ValueRange{i, d});
              scf::YieldOp::create(db, dl);
            });
        memref::StoreOp::create(nb, l, cstF32(nb, l, kNegInf), ev.rowMax,
                                ValueRange{i});
        memref::StoreOp::create(nb, l, cstF32(nb, l, 0.0f), ev.rowSum,
                                ValueRange{i});
        scf::YieldOp::create(nb, l);
      });
}

/// O[row] = acc[i] * accScale (+ O[row] * oldScale when merging), the row
/// at `rowOff` of `out`.
static void storeRow(OpBuilder &ib, Location il, const TileShape &shape,
                     const EntryValues &ev, Value i, Value rowOff,
                     Value accScale, Value oldScale) {
  VectorType vec = shape.f32Vec(ib.getContext());
  Value accVec = vector::BroadcastOp::create(ib, il, vec, accScale);
  Value oldVec =
      oldScale ? vector::BroadcastOp::create(ib, il, vec, oldScale).getResult()
               : Value();
  scf::ForOp::create(
      ib, il, ev.c0, ev.cD, ev.cVw, ValueRange{},
      [&](OpBuilder &db, Location dl, Value d, ValueRange) {
        Value at = IndexArith{db, dl}.add(rowOff, d);
        Value v = arith::MulFOp::create(
            db, dl,
            vector::LoadOp::create(db, dl, vec, ev.acc, ValueRange{i, d}),
            accVec);
        if (oldVec)
          v = vector::FMAOp::create(
              db, dl,
              vector::LoadOp::create(db, dl, vec, ev.out, ValueRange{at}),
              oldVec, v);
        vector::StoreOp::create(db, dl, v, ev.out, ValueRange{at});
        scf::YieldOp::create(db, dl);
      });
}

/// Merges row i into the O and LSE already there. Rows where this kernel
/// allows no key keep their O and LSE; rows whose LSE is -inf (nothing
/// allowed so far) are overwritten without reading O, whatever it holds.
/// Otherwise, with L the old LSE and L' this one's, M = max(L, L'),
/// a = e^(L - M), b = e^(L' - M): O = (a O + b acc / l) / (a + b),
/// LSE = M + log(a + b).
static void mergeRow(OpBuilder &ib, Location il, const TileShape &shape,
                     const EntryValues &ev, Value i, Value rowOff, Value lseAt,
                     Value any, Value inv, function_ref<Value()> rowLse) {
  Value ninf = cstF32(ib, il, kNegInf);
  scf::IfOp::create(ib, il, any, [&](OpBuilder &mb, Location ml) {
    Value oldL = memref::LoadOp::create(mb, ml, ev.lse, ValueRange{lseAt});
    Value newL = rowLse();
    Value oldEmpty =
        arith::CmpFOp::create(mb, ml, arith::CmpFPredicate::OEQ, oldL, ninf);
    scf::IfOp::create(
        mb, ml, oldEmpty,
        [&](OpBuilder &eb, Location el) {
          storeRow(eb, el, shape, ev, i, rowOff, inv, Value());
          memref::StoreOp::create(eb, el, newL, ev.lse, ValueRange{lseAt});
          scf::YieldOp::create(eb, el);
        },
        [&](OpBuilder &eb, Location el) {
          Value top = arith::MaximumFOp::create(eb, el, oldL, newL);
          Value a = math::ExpOp::create(
              eb, el, arith::SubFOp::create(eb, el, oldL, top));
          Value bw = math::ExpOp::create(
              eb, el, arith::SubFOp::create(eb, el, newL, top));
          Value total = arith::AddFOp::create(eb, el, a, bw);
          Value invTotal =
              arith::DivFOp::create(eb, el, cstF32(eb, el, 1.0f), total);
          storeRow(eb, el, shape, ev, i, rowOff,
                   arith::MulFOp::create(eb, el,
                                         arith::MulFOp::create(eb, el, bw, inv),
                                         invTotal),
                   arith::MulFOp::create(eb, el, a, invTotal));
          memref::StoreOp::create(
              eb, el,
              arith::AddFOp::create(eb, el, top,
                                    math::LogOp::create(eb, el, total)),
              ev.lse, ValueRange{lseAt});
          scf::YieldOp::create(eb, el);
        });
    scf::YieldOp::create(mb, ml);
  });
}

/// Normalizes and stores the valid rows of the work item: for the identity
/// map the first min(BQ, Nq - q0) rows, for a query map every row whose
/// position holds a token, written at that token; O = acc / l (0 for rows
/// with nothing allowed), LSE = m + log l (-inf for those), or merged.
static void storeRows(OpBuilder &b, Location loc, const TileShape &shape,
                      const EntryValues &ev, const WorkItem &item) {
  Value c0 = ev.c0;
  Value rows =
      shape.identityQueries()
          ? arith::MinSIOp::create(
                b, loc, ev.cBQ,
                arith::SubIOp::create(b, loc, ev.args.numQueries, item.q0))
                .getResult()
          : ev.cBQ;
  scf::ForOp::create(
      b, loc, c0, rows, ev.c1, ValueRange{},
      [&](OpBuilder &nb, Location l, Value i, ValueRange) {
        OpBuilder::InsertionGuard rowGuard(nb);
        Block *body = nb.getInsertionBlock();
        Value q = memref::LoadOp::create(nb, l, ev.queryTokens, ValueRange{i});
        if (!shape.identityQueries()) {
          Value holds =
              arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sge, q, c0);
          auto ifOp = scf::IfOp::create(nb, l, holds, false);
          nb.setInsertionPoint(ifOp.thenBlock()->getTerminator());
        }
        Value sum = memref::LoadOp::create(nb, l, ev.rowSum, ValueRange{i});
        Value zero = cstF32(nb, l, 0.0f);
        Value any =
            arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGT, sum, zero);
        Value inv = arith::SelectOp::create(
            nb, l, any, arith::DivFOp::create(nb, l, cstF32(nb, l, 1.0f), sum),
            zero);
        IndexArith m{nb, l};
        Value rowOff = m.add(item.offsets.o, m.mul(q, ev.args.oStride));
        Value lseAt = m.add(item.offsets.lse, m.mul(q, ev.args.lseStride));
        Value ninf = cstF32(nb, l, kNegInf);
        auto rowLse = [&](OpBuilder &ib, Location il) -> Value {
          Value mx = memref::LoadOp::create(ib, il, ev.rowMax, ValueRange{i});
          Value logSum = math::LogOp::create(ib, il, sum);
          return arith::SelectOp::create(
              ib, il, any, arith::AddFOp::create(ib, il, mx, logSum), ninf);
        };
        scf::IfOp::create(
            nb, l, ev.args.merge,
            [&](OpBuilder &ib, Location il) {
              mergeRow(ib, il, shape, ev, i, rowOff, lseAt, any, inv,
                       [&] { return rowLse(ib, il); });
              scf::YieldOp::create(ib, il);
            },
            [&](OpBuilder &ib, Location il) {
              storeRow(ib, il, shape, ev, i, rowOff, inv, Value());
              scf::IfOp::create(
                  ib, il, ev.args.hasLse, [&](OpBuilder &lb, Location ll) {
                    memref::StoreOp::create(lb, ll, rowLse(lb, ll), ev.lse,
                                            ValueRange{lseAt});
                    scf::YieldOp::create(lb, ll);
                  });
              scf::YieldOp::create(ib, il);
            });
        nb.setInsertionPointToEnd(body);
        scf::YieldOp::create(nb, l);
      });
}

LogicalResult cpu::lowerKernel(RewriterBase &rewriter, KernelOp kernel,
                               const TileShape &shape) {
  Location loc = kernel.getLoc();
  OpBuilder::InsertionGuard g(rewriter);
  rewriter.setInsertionPoint(kernel);
  func::FuncOp full =
      buildTileFunction(rewriter, kernel, shape, TileClass::full);
  func::FuncOp partial =
      buildTileFunction(rewriter, kernel, shape, TileClass::partial);
  buildWorkItemsFunction(rewriter, kernel, shape);
  func::FuncOp fn = createEntryFunction(rewriter, kernel, shape);
  Block *entry = fn.addEntryBlock();
  rewriter.setInsertionPointToStart(entry);
  ValueRange a = entry->getArguments();
  ArgBlock argBlock{flatView(rewriter, loc, a[5])};
  auto get = [&](int64_t i) { return argBlock.get(rewriter, loc, i); };
  EntryValues ev = readEntry(rewriter, loc, kernel, shape, entry, get);
  IndexArith top{rewriter, loc};
  ev.c0 = top.c(0);
  ev.c1 = top.c(1);
  ev.cVw = top.c(shape.vectorWidth);
  ev.cD = top.c(shape.headDim);
  ev.cBQ = top.c(shape.blockQ);

  // One work item (batch, head, query tile) per iteration of [begin, end).
  auto items = scf::ForOp::create(rewriter, loc, a[7], a[8], ev.c1);
  rewriter.setInsertionPointToStart(items.getBody());
  Value w = items.getInductionVar();
  // Work item, tile, head and batch indices are non-negative.
  IndexArith m{rewriter, loc};
  WorkItem item;
  item.qt = m.remUnsigned(w, ev.args.numQueryTiles);
  Value bh = m.divUnsigned(w, ev.args.numQueryTiles);
  item.h = m.remUnsigned(bh, ev.args.headsQ);
  Value bi = m.divUnsigned(bh, ev.args.headsQ);
  item.offsets = headOffsets(m, ev.args, get, bi, item.h);
  item.q0 = m.mul(item.qt, ev.cBQ);

  loadQueryTile(rewriter, loc, shape, ev, item);
  // Scores are computed transposed (queries across the lanes): the tile
  // functions read Q^T.
  transposeQueryTile(rewriter, loc, shape, ev.qTile, ev.qTrans);

  const KernelArgs &ka = ev.args;
  SmallVector<Value> scheduleArgs{item.qt, item.h, ka.numQueries, ka.numKeys};
  scheduleArgs.append(ka.params);
  SmallVector<Value> prefix{ev.qTrans,  ev.acc,         ev.rowMax,
                            ev.rowSum,  ev.queryTokens, a[1],
                            a[2],       item.offsets.k, item.offsets.v,
                            ka.kStride, ka.vStride};
  SmallVector<Value> suffix{item.q0, item.h, ka.numQueries, ka.numKeys,
                            ka.keySpace};
  suffix.append(ka.params);
  emitSchedule(rewriter, loc, kernel, scheduleArgs, prefix, suffix, full,
               partial);
  rewriter.setInsertionPoint(items.getBody()->getTerminator());
  storeRows(rewriter, loc, shape, ev, item);

  rewriter.setInsertionPointAfter(items);
  func::ReturnOp::create(rewriter, loc);
  rewriter.eraseOp(kernel);
  return success();
}
