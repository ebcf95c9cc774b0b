//===- KernelSkeleton.cpp - the target-neutral frame of a kernel ----------===//
//
// See KernelSkeleton.h.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/KernelSkeleton/KernelSkeleton.h"

#include "lib/Runtime/KernelABI.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;
using namespace sparsa::sattn;
namespace abi = sparsa::runtime;

KernelArgs sparsa::sattn::readKernelArgs(IndexArith &m, KernelOp kernel,
                                         TokenMapAttr queryMap,
                                         TokenMapAttr keyMap, int64_t blockQ,
                                         int64_t blockK, ArgReader arg) {
  MLIRContext *ctx = kernel.getContext();
  KernelArgs a;
  a.numQueries = arg(abi::kSeqQ);
  a.numKeys = arg(abi::kSeqK);
  a.headsQ = arg(abi::kHeadsQ);
  a.group = m.divUnsigned(a.headsQ, arg(abi::kHeadsKV));
  a.querySpace = emitSpaceSize(m.b, m.loc, getOrIdentity(ctx, queryMap),
                               a.numQueries, blockQ);
  a.keySpace =
      emitSpaceSize(m.b, m.loc, getOrIdentity(ctx, keyMap), a.numKeys, blockK);
  a.numQueryTiles = m.ceilDivUnsigned(a.querySpace, m.c(blockQ));
  a.qStride = arg(abi::kQStrideN);
  a.kStride = arg(abi::kKStrideN);
  a.vStride = arg(abi::kVStrideN);
  a.oStride = arg(abi::kOStrideN);
  a.lseStride = arg(abi::kLseStrideN);
  for (int64_t p = 0, n = kernel.getNumParams(); p < n; ++p)
    a.params.push_back(arg(abi::kNumFixedArgs + p));
  a.hasLse = arith::CmpIOp::create(m.b, m.loc, arith::CmpIPredicate::ne,
                                   arg(abi::kHasLse), m.c(0));
  a.merge = m.andi(a.hasLse,
                   arith::CmpIOp::create(m.b, m.loc, arith::CmpIPredicate::ne,
                                         arg(abi::kMerge), m.c(0)));
  return a;
}

HeadOffsets sparsa::sattn::headOffsets(IndexArith &m, const KernelArgs &args,
                                       ArgReader arg, Value batch, Value head) {
  HeadOffsets o;
  o.kvHead = m.divUnsigned(head, args.group);
  auto base = [&](int64_t strideB, int64_t strideH, Value h) {
    return m.add(m.mul(batch, arg(strideB)), m.mul(h, arg(strideH)));
  };
  o.q = base(abi::kQStrideB, abi::kQStrideH, head);
  o.k = base(abi::kKStrideB, abi::kKStrideH, o.kvHead);
  o.v = base(abi::kVStrideB, abi::kVStrideH, o.kvHead);
  o.o = base(abi::kOStrideB, abi::kOStrideH, head);
  o.lse = base(abi::kLseStrideB, abi::kLseStrideH, head);
  return o;
}

Value sparsa::sattn::flatView(OpBuilder &b, Location loc, Value base) {
  auto t = cast<MemRefType>(base.getType());
  auto flat = MemRefType::get({ShapedType::kDynamic}, t.getElementType());
  return memref::ReinterpretCastOp::create(
      b, loc, flat, base, OpFoldResult(b.getIndexAttr(0)),
      ArrayRef<OpFoldResult>{b.getIndexAttr(int64_t(1) << 60)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
}

Value sparsa::sattn::loadArg(OpBuilder &b, Location loc, Value flat,
                             int64_t i) {
  Value v =
      memref::LoadOp::create(b, loc, flat, ValueRange{IndexArith{b, loc}.c(i)});
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
}

func::FuncOp sparsa::sattn::buildQueryTilesFunction(
    OpBuilder &b, KernelOp kernel, TokenMapAttr queryMap, TokenMapAttr keyMap,
    int64_t blockQ, int64_t blockK, StringRef name) {
  Location loc = kernel.getLoc();
  auto i64 = b.getI64Type();
  auto fn = func::FuncOp::create(
      b, loc, name, b.getFunctionType({MemRefType::get({1}, i64)}, {i64}));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(fn.addEntryBlock());
  Value flat = flatView(b, loc, fn.getArgument(0));
  IndexArith m{b, loc};
  KernelArgs args =
      readKernelArgs(m, kernel, queryMap, keyMap, blockQ, blockK,
                     [&](int64_t i) { return loadArg(b, loc, flat, i); });
  func::ReturnOp::create(
      b, loc,
      ValueRange{arith::IndexCastOp::create(b, loc, i64, args.numQueryTiles)});
  return fn;
}

void sparsa::sattn::inlineSchedule(OpBuilder &b, KernelOp kernel,
                                   ValueRange scheduleArgs,
                                   llvm::function_ref<void(VisitOp)> expand) {
  Block &schedule = kernel.getScheduleBlock();
  IRMapping map;
  map.map(schedule.getArguments(), scheduleArgs);
  SmallVector<Operation *> clones;
  for (Operation &op : schedule.without_terminator())
    clones.push_back(b.clone(op, map));
  SmallVector<VisitOp> visits;
  for (Operation *op : clones)
    op->walk([&](VisitOp visit) { visits.push_back(visit); });
  OpBuilder::InsertionGuard guard(b);
  for (VisitOp visit : visits) {
    b.setInsertionPoint(visit);
    expand(visit);
  }
}
