//===- TileFunction.cpp - one function per tile class ---------------------===//
//
// Builds `@<kernel>_full_tile` and `@<kernel>_partial_tile`: fold one key
// tile into the online softmax of the current query tile. A FULL tile
// carries no predicate (under a key map, padding positions are masked in a
// separate branch, so the steady state is mask-free); a PARTIAL tile
// evaluates the predicate once per (key, query vector) into byte masks and
// the span of keys each query allows, which the two products and the
// softmax are restricted to. All memref arguments have static shapes so
// the functions lower with bare pointers.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/SAttnToVector/TileFunction.h"
#include "lib/Conversion/KernelSkeleton/KernelSkeleton.h"
#include "lib/Conversion/SAttnToVector/KernelCodegen.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace sparsa::sattn;
using namespace sparsa::sattn::cpu;

SmallVector<Type> cpu::tileFunctionInputs(MLIRContext *ctx,
                                          const TileShape &shape,
                                          int64_t numParams) {
  Type idx = IndexType::get(ctx);
  auto base = MemRefType::get({1}, Float32Type::get(ctx));
  SmallVector<Type> types{shape.qTransType(ctx),
                          shape.qTileType(ctx),
                          shape.rowType(ctx),
                          shape.rowType(ctx),
                          shape.queryTokenType(ctx),
                          base,
                          base};
  // keyBase, valueBase, keyStride, valueStride, keyTile, firstQuery, head,
  // numQueries, numKeys, keySpace, params...
  types.append(10 + numParams, idx);
  return types;
}

func::FuncOp cpu::buildTileFunction(OpBuilder &b, KernelOp kernel,
                                    const TileShape &shape, TileClass kind) {
  MLIRContext *ctx = b.getContext();
  Location loc = kernel.getLoc();
  std::string name =
      (kernel.getSymName() + "_" + stringifyTileClass(kind) + "_tile").str();
  auto type = FunctionType::get(
      ctx, tileFunctionInputs(ctx, shape, kernel.getNumParams()), {});
  auto fn = func::FuncOp::create(b, loc, name, type);
  fn.setPrivate();
  Block *entry = fn.addEntryBlock();
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToStart(entry);

  ValueRange a = entry->getArguments();
  TileValues t;
  t.qTrans = a[0];
  t.acc = a[1];
  t.rowMax = a[2];
  t.rowSum = a[3];
  t.queryTokens = a[4];
  t.keys = flatView(b, loc, a[5]);
  t.values = flatView(b, loc, a[6]);
  t.keyBase = a[7];
  t.valueBase = a[8];
  t.keyStride = a[9];
  t.valueStride = a[10];
  t.keyTile = a[11];
  t.firstQuery = a[12];
  t.head = a[13];
  t.numQueries = a[14];
  t.numKeys = a[15];
  t.keySpace = a[16];
  t.params = a.drop_front(17);
  Value bk = IndexArith{b, loc}.c(shape.blockK);
  t.firstKey = arith::MulIOp::create(b, loc, t.keyTile, bk);
  t.keyCount = arith::MinSIOp::create(
      b, loc, bk, arith::SubIOp::create(b, loc, t.keySpace, t.firstKey));
  // With a key map: the tokens of the tile and whether all positions hold
  // one; with the identity, every position below keyCount does (the loops
  // stop there).
  Value allKeys =
      shape.identityKeys() ? Value() : fillKeyTokens(b, loc, shape, t);

  Value rescale = memref::AllocaOp::create(
      b, loc, shape.rowType(ctx), ValueRange{}, b.getI64IntegerAttr(64));
  Value packedV =
      shape.identityKeys() ? Value() : packValueTile(b, loc, shape, t);
  auto keyLanes = VectorType::get({shape.vectorWidth}, b.getI1Type());
  // Whether a key token is one (a key map's padding is -1; with the
  // identity, loops stop at the sequence end), broadcast over lanes.
  auto holds = [&](OpBuilder &nb, Location l, Value token) -> Value {
    Value ok = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sge, token,
                                     IndexArith{nb, l}.c(0));
    return vector::BroadcastOp::create(nb, l, keyLanes, ok);
  };
  auto keyHolds = [&](OpBuilder &nb, Location l, Value j) -> Value {
    return holds(nb, l,
                 memref::LoadOp::create(nb, l, t.keyTokens, ValueRange{j}));
  };

  if (kind == TileClass::full) {
    Value scores = computeScores(b, loc, shape, t);
    auto noMask = [](OpBuilder &, Location, Value, Value) { return Value(); };
    if (shape.identityKeys()) {
      updateSoftmax(b, loc, shape, t, scores, rescale, noMask);
    } else {
      scf::IfOp::create(
          b, loc, allKeys,
          [&](OpBuilder &nb, Location l) {
            updateSoftmax(nb, l, shape, t, scores, rescale, noMask);
            scf::YieldOp::create(nb, l);
          },
          [&](OpBuilder &nb, Location l) {
            updateSoftmax(nb, l, shape, t, scores, rescale,
                          [&](OpBuilder &mb, Location ml, Value j, Value) {
                            return keyHolds(mb, ml, j);
                          });
            scf::YieldOp::create(nb, l);
          });
    }
    accumulateValues(b, loc, shape, t, scores, rescale, packedV);
  } else {
    // The predicate of key j for the query lanes [col, col + VW).
    auto allowed = [&](OpBuilder &mb, Location ml, Value j,
                       Value col) -> Value {
      Value queries =
          shape.identityQueries()
              ? laneIndices(mb, ml, shape,
                            arith::AddIOp::create(mb, ml, t.firstQuery, col))
              : vector::LoadOp::create(
                    mb, ml,
                    VectorType::get({shape.vectorWidth}, mb.getIndexType()),
                    t.queryTokens, ValueRange{col})
                    .getResult();
      Value key =
          t.keyTokens
              ? memref::LoadOp::create(mb, ml, t.keyTokens, ValueRange{j})
                    .getResult()
              : arith::AddIOp::create(mb, ml, t.firstKey, j).getResult();
      Value ok = emitPredicate(mb, ml, kernel, shape, t.head, queries, key,
                               t.numQueries, t.numKeys, t.params);
      if (t.keyTokens)
        ok = arith::AndIOp::create(mb, ml, ok, holds(mb, ml, key));
      return ok;
    };
    // The predicate is evaluated once per (key, query vector) into byte
    // masks, which also give the spans the products are restricted to
    // (not for the masked-dense baseline).
    TileMasks masks = computeTileMasks(b, loc, shape, t, allowed);
    Value scores = computeScores(b, loc, shape, t, &masks);
    updateSoftmax(b, loc, shape, t, scores, rescale, allowed, &masks);
    accumulateValues(b, loc, shape, t, scores, rescale, packedV, &masks);
  }
  func::ReturnOp::create(b, loc);
  return fn;
}
