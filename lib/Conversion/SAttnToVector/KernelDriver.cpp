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

LogicalResult cpu::lowerKernel(RewriterBase &rewriter, KernelOp kernel,
                               const TileShape &shape) {
  MLIRContext *ctx = rewriter.getContext();
  Location loc = kernel.getLoc();
  const int64_t vw = shape.vectorWidth;
  OpBuilder::InsertionGuard g(rewriter);
  rewriter.setInsertionPoint(kernel);
  func::FuncOp full =
      buildTileFunction(rewriter, kernel, shape, TileClass::full);
  func::FuncOp partial =
      buildTileFunction(rewriter, kernel, shape, TileClass::partial);
  buildWorkItemsFunction(rewriter, kernel, shape);

  auto f32Base = MemRefType::get({1}, Float32Type::get(ctx));
  auto i64Base = MemRefType::get({1}, IntegerType::get(ctx, 64));
  Type idx = IndexType::get(ctx);
  auto fnType = FunctionType::get(ctx,
                                  {f32Base, f32Base, f32Base, f32Base, f32Base,
                                   i64Base, Float32Type::get(ctx), idx, idx},
                                  {});
  auto fn = func::FuncOp::create(rewriter, loc, kernel.getSymName(), fnType);
  fn->setAttr(
      "sparsa.kernel",
      rewriter.getDictionaryAttr({
          rewriter.getNamedAttr("block_q",
                                rewriter.getI64IntegerAttr(shape.blockQ)),
          rewriter.getNamedAttr("block_k",
                                rewriter.getI64IntegerAttr(shape.blockK)),
          rewriter.getNamedAttr("head_dim",
                                rewriter.getI64IntegerAttr(shape.headDim)),
          rewriter.getNamedAttr("vector_width", rewriter.getI64IntegerAttr(vw)),
          rewriter.getNamedAttr("param_names", kernel.getParamNamesAttr()),
          rewriter.getNamedAttr(
              "covers_all_queries",
              rewriter.getBoolAttr(shape.identityQueries() ||
                                   shape.queryMap.getKind() ==
                                       TokenMapKind::residue)),
      }));
  Block *entry = fn.addEntryBlock();
  rewriter.setInsertionPointToStart(entry);
  ValueRange a = entry->getArguments();
  Value query = flatView(rewriter, loc, a[0]);
  Value out = flatView(rewriter, loc, a[3]);
  Value lse = flatView(rewriter, loc, a[4]);
  ArgBlock args{flatView(rewriter, loc, a[5])};
  Value scale = a[6];
  auto get = [&](int64_t i) { return args.get(rewriter, loc, i); };
  IndexArith top{rewriter, loc};
  KernelArgs kargs = readKernelArgs(top, kernel, shape.queryMap, shape.keyMap,
                                    shape.blockQ, shape.blockK, get);
  TokenMapAttr queryMap = getOrIdentity(ctx, shape.queryMap);
  Value batchHeads = kargs.headsQ, numQ = kargs.numQueries,
        numK = kargs.numKeys;
  Value keySpace = kargs.keySpace, numTiles = kargs.numQueryTiles;
  SmallVector<Value> params = kargs.params;
  Value hasLse = kargs.hasLse, merge = kargs.merge;
  auto stackBuffer = [&](MemRefType t) -> Value {
    return memref::AllocaOp::create(rewriter, loc, t, ValueRange{},
                                    rewriter.getI64IntegerAttr(64));
  };
  Value qTile = stackBuffer(shape.qTileType(ctx)),
        qTrans = stackBuffer(shape.qTransType(ctx)),
        acc = stackBuffer(shape.qTileType(ctx));
  Value rowMax = stackBuffer(shape.rowType(ctx)),
        rowSum = stackBuffer(shape.rowType(ctx));
  Value queryTokens = stackBuffer(shape.queryTokenType(ctx));
  VectorType vec = shape.f32Vec(ctx);
  Value scaleVec = vector::BroadcastOp::create(rewriter, loc, vec, scale);
  Value c0 = IndexArith{rewriter, loc}.c(0),
        c1 = IndexArith{rewriter, loc}.c(1);
  Value cVw = IndexArith{rewriter, loc}.c(vw);
  Value cD = IndexArith{rewriter, loc}.c(shape.headDim);
  Value cBQ = IndexArith{rewriter, loc}.c(shape.blockQ);
  const float negInf = -std::numeric_limits<float>::infinity();

  auto items = scf::ForOp::create(rewriter, loc, a[7], a[8], c1);
  rewriter.setInsertionPointToStart(items.getBody());
  OpBuilder &b = rewriter;
  Value w = items.getInductionVar();
  // Work item, tile, head and batch indices are non-negative.
  IndexArith m{b, loc};
  Value qt = m.remUnsigned(w, numTiles);
  Value bh = m.divUnsigned(w, numTiles);
  Value h = m.remUnsigned(bh, batchHeads);
  Value bi = m.divUnsigned(bh, batchHeads);
  HeadOffsets offsets = headOffsets(m, kargs, get, bi, h);
  Value qBase = offsets.q, kBase = offsets.k, vBase = offsets.v,
        oBase = offsets.o, lBase = offsets.lse;
  Value qStride = kargs.qStride, oStride = kargs.oStride,
        lStride = kargs.lseStride;
  Value q0 = IndexArith{b, loc}.mul(qt, cBQ);
  Value lastQ = arith::SubIOp::create(b, loc, numQ, c1);

  // Load the (pre-scaled) query tile and reset the softmax state.
  scf::ForOp::create(
      b, loc, c0, cBQ, c1, ValueRange{},
      [&](OpBuilder &nb, Location l, Value i, ValueRange) {
        Value pos = IndexArith{nb, l}.add(q0, i);
        Value row, token;
        if (shape.identityQueries()) {
          row = arith::MinSIOp::create(nb, l, pos, lastQ);
          Value valid = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::slt,
                                              pos, numQ);
          token = arith::SelectOp::create(nb, l, valid, pos,
                                          IndexArith{nb, l}.c(-1));
        } else {
          auto [tok, valid] =
              emitTokenAt(nb, l, queryMap, pos, numQ, shape.blockQ);
          row = arith::SelectOp::create(nb, l, valid, tok, c0);
          token = arith::SelectOp::create(nb, l, valid, tok,
                                          IndexArith{nb, l}.c(-1));
        }
        memref::StoreOp::create(nb, l, token, queryTokens, ValueRange{i});
        // A merging kernel reads the row's O and LSE back at the end of the
        // item, long after another part wrote them: for gathered queries
        // they are far apart in memory and no hardware prefetcher follows
        // them, so ask for them into L2 now, while the key tiles run.
        Value prefetch = arith::AndIOp::create(
            nb, l, merge,
            arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sge, token, c0));
        scf::IfOp::create(nb, l, prefetch, [&](OpBuilder &pb, Location pl) {
          Value oRow = IndexArith{pb, pl}.add(
              oBase, IndexArith{pb, pl}.mul(token, oStride));
          for (int64_t d = 0; d < shape.headDim; d += kFloatsPerCacheLine)
            memref::PrefetchOp::create(pb, pl, out,
                                       ValueRange{IndexArith{pb, pl}.add(
                                           oRow, IndexArith{pb, pl}.c(d))},
                                       /*isWrite=*/false, /*localityHint=*/2,
                                       /*isDataCache=*/true);
          memref::PrefetchOp::create(
              pb, pl, lse,
              ValueRange{IndexArith{pb, pl}.add(
                  lBase, IndexArith{pb, pl}.mul(token, lStride))},
              /*isWrite=*/false, /*localityHint=*/2, /*isDataCache=*/true);
          scf::YieldOp::create(pb, pl);
        });
        Value rowOff =
            IndexArith{nb, l}.add(qBase, IndexArith{nb, l}.mul(row, qStride));
        scf::ForOp::create(
            nb, l, c0, cD, cVw, ValueRange{},
            [&](OpBuilder &db, Location dl, Value d, ValueRange) {
              Value v = vector::LoadOp::create(
                  db, dl, vec, query,
                  ValueRange{IndexArith{db, dl}.add(rowOff, d)});
              vector::StoreOp::create(
                  db, dl, arith::MulFOp::create(db, dl, v, scaleVec), qTile,
                  ValueRange{i, d});
              vector::StoreOp::create(db, dl, splatF32(db, dl, shape, 0.0f),
                                      acc, ValueRange{i, d});
              scf::YieldOp::create(db, dl);
            });
        memref::StoreOp::create(nb, l, cstF32(nb, l, negInf), rowMax,
                                ValueRange{i});
        memref::StoreOp::create(nb, l, cstF32(nb, l, 0.0f), rowSum,
                                ValueRange{i});
        scf::YieldOp::create(nb, l);
      });

  // Scores are computed transposed (queries across the lanes): the tile
  // functions read Q^T.
  transposeQueryTile(b, loc, shape, qTile, qTrans);

  SmallVector<Value> scheduleArgs{qt, h, numQ, numK};
  scheduleArgs.append(params);
  SmallVector<Value> prefix{qTrans,      acc,           rowMax,       rowSum,
                            queryTokens, a[1],          a[2],         kBase,
                            vBase,       kargs.kStride, kargs.vStride};
  SmallVector<Value> suffix{q0, h, numQ, numK, keySpace};
  suffix.append(params);
  emitSchedule(rewriter, loc, kernel, scheduleArgs, prefix, suffix, full,
               partial);
  rewriter.setInsertionPoint(items.getBody()->getTerminator());

  // Normalize and store the valid rows.
  // Identity: the first min(BQ, Nq - q0) rows; a query map: every row
  // whose position holds a token, written at that token.
  Value rows = shape.identityQueries()
                   ? arith::MinSIOp::create(
                         b, loc, cBQ, arith::SubIOp::create(b, loc, numQ, q0))
                         .getResult()
                   : cBQ;
  scf::ForOp::create(
      b, loc, c0, rows, c1, ValueRange{},
      [&](OpBuilder &ob, Location l, Value i, ValueRange) {
        OpBuilder::InsertionGuard rowGuard(ob);
        Block *body = ob.getInsertionBlock();
        Value q = memref::LoadOp::create(ob, l, queryTokens, ValueRange{i});
        if (!shape.identityQueries()) {
          Value holds =
              arith::CmpIOp::create(ob, l, arith::CmpIPredicate::sge, q, c0);
          auto ifOp = scf::IfOp::create(ob, l, holds, false);
          ob.setInsertionPoint(ifOp.thenBlock()->getTerminator());
        }
        OpBuilder &nb = ob;
        Value sum = memref::LoadOp::create(nb, l, rowSum, ValueRange{i});
        Value zero = cstF32(nb, l, 0.0f);
        Value any =
            arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGT, sum, zero);
        Value inv = arith::SelectOp::create(
            nb, l, any, arith::DivFOp::create(nb, l, cstF32(nb, l, 1.0f), sum),
            zero);
        Value rowOff =
            IndexArith{nb, l}.add(oBase, IndexArith{nb, l}.mul(q, oStride));
        Value lseAt =
            IndexArith{nb, l}.add(lBase, IndexArith{nb, l}.mul(q, lStride));
        Value ninf = cstF32(nb, l, negInf);
        auto rowLse = [&](OpBuilder &ib, Location il) -> Value {
          Value m = memref::LoadOp::create(ib, il, rowMax, ValueRange{i});
          Value logSum = math::LogOp::create(ib, il, sum);
          return arith::SelectOp::create(
              ib, il, any, arith::AddFOp::create(ib, il, m, logSum), ninf);
        };
        // O[row] = acc * accScale (+ O[row] * oldScale when merging).
        auto storeRow = [&](OpBuilder &ib, Location il, Value accScale,
                            Value oldScale) {
          Value accVec = vector::BroadcastOp::create(ib, il, vec, accScale);
          Value oldVec =
              oldScale ? vector::BroadcastOp::create(ib, il, vec, oldScale)
                             .getResult()
                       : Value();
          scf::ForOp::create(
              ib, il, c0, cD, cVw, ValueRange{},
              [&](OpBuilder &db, Location dl, Value d, ValueRange) {
                Value at = IndexArith{db, dl}.add(rowOff, d);
                Value v = arith::MulFOp::create(
                    db, dl,
                    vector::LoadOp::create(db, dl, vec, acc, ValueRange{i, d}),
                    accVec);
                if (oldVec)
                  v = vector::FMAOp::create(
                      db, dl,
                      vector::LoadOp::create(db, dl, vec, out, ValueRange{at}),
                      oldVec, v);
                vector::StoreOp::create(db, dl, v, out, ValueRange{at});
                scf::YieldOp::create(db, dl);
              });
        };
        scf::IfOp::create(
            nb, l, merge,
            [&](OpBuilder &ib, Location il) {
              // Merging: rows where this kernel allows no key keep their
              // O and LSE; rows whose LSE is -inf (nothing allowed so far)
              // are overwritten without reading O, whatever it holds.
              // Otherwise, with L the old LSE and L' this one's,
              // M = max(L, L'), a = e^(L - M), b = e^(L' - M):
              // O = (a O + b acc / l) / (a + b), LSE = M + log(a + b).
              scf::IfOp::create(ib, il, any, [&](OpBuilder &mb, Location ml) {
                Value oldL =
                    memref::LoadOp::create(mb, ml, lse, ValueRange{lseAt});
                Value newL = rowLse(mb, ml);
                Value oldEmpty = arith::CmpFOp::create(
                    mb, ml, arith::CmpFPredicate::OEQ, oldL, ninf);
                scf::IfOp::create(
                    mb, ml, oldEmpty,
                    [&](OpBuilder &eb, Location el) {
                      storeRow(eb, el, inv, Value());
                      memref::StoreOp::create(eb, el, newL, lse,
                                              ValueRange{lseAt});
                      scf::YieldOp::create(eb, el);
                    },
                    [&](OpBuilder &eb, Location el) {
                      Value top = arith::MaximumFOp::create(eb, el, oldL, newL);
                      Value a = math::ExpOp::create(
                          eb, el, arith::SubFOp::create(eb, el, oldL, top));
                      Value bw = math::ExpOp::create(
                          eb, el, arith::SubFOp::create(eb, el, newL, top));
                      Value total = arith::AddFOp::create(eb, el, a, bw);
                      Value invTotal = arith::DivFOp::create(
                          eb, el, cstF32(eb, el, 1.0f), total);
                      storeRow(eb, el,
                               arith::MulFOp::create(
                                   eb, el,
                                   arith::MulFOp::create(eb, el, bw, inv),
                                   invTotal),
                               arith::MulFOp::create(eb, el, a, invTotal));
                      memref::StoreOp::create(
                          eb, el,
                          arith::AddFOp::create(
                              eb, el, top, math::LogOp::create(eb, el, total)),
                          lse, ValueRange{lseAt});
                      scf::YieldOp::create(eb, el);
                    });
                scf::YieldOp::create(mb, ml);
              });
              scf::YieldOp::create(ib, il);
            },
            [&](OpBuilder &ib, Location il) {
              storeRow(ib, il, inv, Value());
              scf::IfOp::create(
                  ib, il, hasLse, [&](OpBuilder &lb, Location ll) {
                    memref::StoreOp::create(lb, ll, rowLse(lb, ll), lse,
                                            ValueRange{lseAt});
                    scf::YieldOp::create(lb, ll);
                  });
              scf::YieldOp::create(ib, il);
            });
        ob.setInsertionPointToEnd(body);
        scf::YieldOp::create(ob, l);
      });
  rewriter.setInsertionPointAfter(items);
  func::ReturnOp::create(rewriter, loc);
  rewriter.eraseOp(kernel);
  return success();
}
