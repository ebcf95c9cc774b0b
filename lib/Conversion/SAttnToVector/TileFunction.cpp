//===- TileFunction.cpp - one function per tile class ---------------------===//
//
// Builds `@<kernel>_full_tile` and `@<kernel>_partial_tile`: fold one key
// tile into the online softmax of the current query tile. They differ only
// in the lane mask of the softmax step: a FULL tile has none (only the last,
// ragged key tile masks the lanes past the sequence end, in a separate
// branch, so the steady state is mask-free); a PARTIAL tile evaluates the
// predicate on vectors of keys, first to find the span of keys each row
// allows, which the two products are restricted to. All memref arguments have static shapes so
// the functions lower with bare pointers.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/SAttnToVector/KernelCodegen.h"
#include "lib/Conversion/SAttnToVector/TileFunction.h"

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
  SmallVector<Type> types{shape.qTileType(ctx),      shape.qTileType(ctx),
                          shape.rowType(ctx),        shape.rowType(ctx),
                          shape.queryTokenType(ctx), base,
                          base};
  // keyBase, valueBase, keyStride, valueStride, keyTile, firstQuery, head,
  // numQueries, numKeys, keySpace, params...
  types.append(10 + numParams, idx);
  return types;
}

Value cpu::flatView(OpBuilder &b, Location loc, Value base) {
  auto t = cast<MemRefType>(base.getType());
  auto flat = MemRefType::get({ShapedType::kDynamic}, t.getElementType());
  // The extent is never checked by the generated code; it only has to be
  // large enough to make every offset of the caller's tensors valid.
  Value huge = cstIndex(b, loc, int64_t(1) << 60);
  return memref::ReinterpretCastOp::create(
      b, loc, flat, base, OpFoldResult(b.getIndexAttr(0)),
      ArrayRef<OpFoldResult>{huge}, ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
}

func::FuncOp cpu::buildTileFunction(OpBuilder &b, KernelOp kernel,
                                    const TileShape &shape, TileClass kind) {
  MLIRContext *ctx = b.getContext();
  Location loc = kernel.getLoc();
  std::string name = (kernel.getSymName() + "_" + stringifyTileClass(kind) +
                      "_tile")
                         .str();
  auto type = FunctionType::get(
      ctx, tileFunctionInputs(ctx, shape, kernel.getNumParams()), {});
  auto fn = func::FuncOp::create(b, loc, name, type);
  fn.setPrivate();
  Block *entry = fn.addEntryBlock();
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToStart(entry);

  ValueRange a = entry->getArguments();
  TileValues t;
  t.qTile = a[0];
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
  Value bk = cstIndex(b, loc, shape.blockK);
  t.firstKey = arith::MulIOp::create(b, loc, t.keyTile, bk);
  t.keyCount = arith::MinSIOp::create(
      b, loc, bk, arith::SubIOp::create(b, loc, t.keySpace, t.firstKey));
  // With a key map: the tokens of the tile and whether all positions hold
  // one; with the identity, only the last tile can be short.
  Value allKeys =
      shape.identityKeys()
          ? arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                  t.keyCount, bk)
                .getResult()
          : fillKeyTokens(b, loc, shape, t);

  Value rescale = memref::AllocaOp::create(b, loc, shape.rowType(ctx),
                                           ValueRange{},
                                           b.getI64IntegerAttr(64));

  // Key tokens of the lanes [col, col + VW) of the tile.
  auto keyLanes = [&](OpBuilder &nb, Location l, int64_t col) -> Value {
    if (t.keyTokens)
      return vector::LoadOp::create(
          nb, l, VectorType::get({shape.vectorWidth}, nb.getIndexType()),
          t.keyTokens, ValueRange{cstIndex(nb, l, col)});
    return laneIndices(nb, l, shape,
                       arith::AddIOp::create(nb, l, t.firstKey,
                                             cstIndex(nb, l, col)));
  };
  // Lanes holding a key: below Nk (identity) or a token >= 0 (key map).
  auto inBounds = [&](OpBuilder &nb, Location l, Value keys) -> Value {
    if (t.keyTokens) {
      Value zero = vector::BroadcastOp::create(nb, l, keys.getType(),
                                               cstIndex(nb, l, 0));
      return arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sge, keys,
                                   zero);
    }
    Value n = vector::BroadcastOp::create(nb, l, keys.getType(), t.numKeys);
    return arith::CmpIOp::create(nb, l, arith::CmpIPredicate::slt, keys, n);
  };

  if (kind == TileClass::full) {
    Value packed = packKeyTile(b, loc, shape, t);
    Value scores = computeScores(b, loc, shape, t.qTile, packed);
    Value whole = allKeys;
    scf::IfOp::create(
        b, loc, whole,
        [&](OpBuilder &nb, Location l) {
          updateSoftmax(nb, l, shape, t, scores, rescale,
                        [](OpBuilder &, Location, Value, int64_t) {
                          return Value();
                        });
          scf::YieldOp::create(nb, l);
        },
        [&](OpBuilder &nb, Location l) {
          updateSoftmax(nb, l, shape, t, scores, rescale,
                        [&](OpBuilder &mb, Location ml, Value, int64_t col) {
                          return inBounds(mb, ml, keyLanes(mb, ml, col));
                        });
          scf::YieldOp::create(nb, l);
        });
    accumulateValues(b, loc, shape, t, scores, rescale,
                     shape.identityKeys() ? Value()
                                          : packValueTile(b, loc, shape, t));
  } else {
    auto allowed = [&](OpBuilder &mb, Location ml, Value row,
                       int64_t col) -> Value {
      Value keys = keyLanes(mb, ml, col);
      Value query =
          shape.identityQueries()
              ? arith::AddIOp::create(mb, ml, t.firstQuery, row).getResult()
              : memref::LoadOp::create(mb, ml, t.queryTokens, ValueRange{row})
                    .getResult();
      Value ok = emitPredicate(mb, ml, kernel, shape, t.head, query, keys,
                               t.numQueries, t.numKeys, t.params);
      return arith::AndIOp::create(mb, ml, ok, inBounds(mb, ml, keys));
    };
    // The predicate is evaluated twice: once for the row spans the products
    // are restricted to, once lane by lane in the softmax. Both are cheap
    // next to the products of the lanes they save.
    std::optional<RowSpans> spans;
    if (shape.rowSpans)
      spans = computeRowSpans(b, loc, shape, allowed);
    const RowSpans *sp = spans ? &*spans : nullptr;
    Value packed = packKeyTile(b, loc, shape, t);
    Value scores = computeScores(b, loc, shape, t.qTile, packed, sp);
    updateSoftmax(b, loc, shape, t, scores, rescale, allowed, sp);
    accumulateValues(b, loc, shape, t, scores, rescale,
                     shape.identityKeys() ? Value()
                                          : packValueTile(b, loc, shape, t),
                     sp);
  }
  func::ReturnOp::create(b, loc);
  return fn;
}
