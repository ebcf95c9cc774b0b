//===- KernelEntry.cpp - the gpu.func of a lowered kernel -----------------===//
//
// Replaces a `sattn.kernel` by a `gpu.func` kernel (ABI in
// lib/Runtime/CUDAKernelABI.h). The block (query tile, head, batch) =
// blockIdx (x, y, z) stages its query tile through the arch's code
// (gathered rows for query maps, rows past the end clamped), runs the
// kernel's schedule with every `sattn.visit` replaced by the inline tile
// code of TileBody.cpp, and writes
// O = acc / l (0 for rows with nothing allowed) and LSE = m + log l (-inf
// for those rows), or merges them into the O / LSE in memory.
// The softmax state lives in small private arrays indexed by constants only;
// LLVM promotes them to registers (the PTX tests check there is no local
// memory).
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/KernelSkeleton/KernelSkeleton.h"
#include "lib/Conversion/SAttnToGPU/Arch/MmaSync/MmaSync.h"
#include "lib/Conversion/SAttnToGPU/GPUCodegen.h"
#include "lib/Runtime/CUDAKernelABI.h"

#include "dialects/SAttn/IR/SAttnUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace sparsa::sattn;
using namespace sparsa::sattn::cuda;
namespace abi = sparsa::runtime;

bool Geometry::identityQueries() const {
  return queryMap.getKind() == TokenMapKind::identity;
}
bool Geometry::identityKeys() const {
  return keyMap.getKind() == TokenMapKind::identity;
}

MemRefType Geometry::tileType(MLIRContext *ctx, int64_t rows) const {
  auto workgroup =
      mlir::gpu::AddressSpaceAttr::get(ctx, mlir::gpu::AddressSpace::Workgroup);
  return MemRefType::get({rows, rowStride()}, elementType, AffineMap(),
                         workgroup);
}

FailureOr<Geometry> cuda::computeGeometry(KernelOp kernel) {
  TilingAttr tiling = kernel.getTilingAttr();
  if (!tiling)
    return kernel.emitOpError("has no #sattn.tiling; run "
                              "sparsa-select-tiling with target=cuda first");
  if (tiling.getTarget() != "cuda")
    return kernel.emitOpError("is tiled for target '")
           << tiling.getTarget() << "', expected 'cuda'";
  CudaConfigAttr config = tiling.getCuda();
  if (!config)
    return kernel.emitOpError("has a cuda tiling without a "
                              "#sattn.cuda_config; run sparsa-select-tiling "
                              "with target=cuda first");
  if (config.getStages() != 2)
    return kernel.emitOpError("asks for ")
           << config.getStages()
           << " stages; the mma_sync kernels have a two-stage K / V ring";
  Geometry g;
  g.blockQ = tiling.getBlockQ();
  g.blockK = tiling.getBlockK();
  g.headDim = kernel.getHeadDim();
  g.elementType = config.getElementType();
  const int64_t rowsPerWarp = config.getRowsPerWarp();
  if (std::string why = checkTileShape(g.blockQ, g.blockK, g.headDim,
                                       rowsPerWarp, config.getChip().str());
      !why.empty())
    return kernel.emitOpError(why);
  g.qInRegisters = config.getQInRegisters();
  g.mTiles = rowsPerWarp / 16;
  g.warps = g.blockQ / rowsPerWarp;
  g.threads = 32 * g.warps;
  MLIRContext *ctx = kernel.getContext();
  g.queryMap = getOrIdentity(ctx, kernel.getQueryMapAttr());
  g.keyMap = getOrIdentity(ctx, kernel.getKeyMapAttr());
  return g;
}

static DictionaryAttr launchMetadata(OpBuilder &b, KernelOp kernel,
                                     const Geometry &g) {
  auto i64 = [&](int64_t v) { return b.getI64IntegerAttr(v); };
  bool coversAll =
      g.identityQueries() || g.queryMap.getKind() == TokenMapKind::residue;
  return b.getDictionaryAttr({
      b.getNamedAttr("block_q", i64(g.blockQ)),
      b.getNamedAttr("block_k", i64(g.blockK)),
      b.getNamedAttr("head_dim", i64(g.headDim)),
      b.getNamedAttr("threads", i64(g.threads)),
      b.getNamedAttr("shared_bytes", i64(g.sharedBytes())),
      b.getNamedAttr("num_params", i64(kernel.getNumParams())),
      b.getNamedAttr("param_names", kernel.getParamNamesAttr()),
      b.getNamedAttr("query_map", g.queryMap),
      b.getNamedAttr("covers_all_queries", b.getBoolAttr(coversAll)),
      b.getNamedAttr("element_type", TypeAttr::get(g.elementType)),
  });
}

/// Writes the normalized rows of this lane (or merges them).
static void emitEpilogue(Emitter &e, const Geometry &g, const KernelValues &v,
                         ArrayRef<std::pair<Value, Value>> rowTokens, Value out,
                         Value lse, Value oBase, Value oStride, Value lBase,
                         Value lStride, Value hasLse, Value merge) {
  const float negInf = -std::numeric_limits<float>::infinity();
  Value zero = e.f32(0.0), minusInf = e.f32(negInf);
  Value firstOfQuad = arith::CmpIOp::create(
      e.b, e.loc, arith::CmpIPredicate::eq, v.quadCol, e.c(0));
  const FragmentLayout layout{g.mTiles, g.headDim};
  for (int64_t row = 0; row < layout.rowSlots(); ++row) {
    Value l =
        memref::LoadOp::create(e.b, e.loc, v.rowSum, ValueRange{e.c(row)});
    l = e.fadd(l, e.shuffleXor(l, 1));
    l = e.fadd(l, e.shuffleXor(l, 2));
    Value m =
        memref::LoadOp::create(e.b, e.loc, v.rowMax, ValueRange{e.c(row)});
    Value any =
        arith::CmpFOp::create(e.b, e.loc, arith::CmpFPredicate::OGT, l, zero);
    Value inv =
        e.sel(any, arith::DivFOp::create(e.b, e.loc, e.f32(1.0), l), zero);
    Value logL = math::LogOp::create(e.b, e.loc, l);
    Value rowLse = e.sel(any, e.fadd(e.fmul(m, e.f32(M_LN2)), logL), minusInf);
    SmallVector<Value> o;
    for (int64_t n = 0; n < layout.blocks(); ++n)
      for (int64_t c = 0; c < 2; ++c) {
        Value x = memref::LoadOp::create(e.b, e.loc, v.acc,
                                         ValueRange{e.c(layout.at(row, n, c))});
        o.push_back(e.fmul(x, inv));
      }
    Value token = rowTokens[row].first, valid = rowTokens[row].second;
    scf::IfOp::create(e.b, e.loc, valid, [&](OpBuilder &, Location) {
      Value rowOff = e.add(oBase, e.mul(token, oStride));
      Value colOff = e.mul(v.quadCol, e.c(2));
      Value lAt = e.add(lBase, e.mul(token, lStride));
      auto elementAt = [&](int64_t n) {
        return e.add(rowOff, e.add(colOff, e.c(8 * n)));
      };
      scf::IfOp::create(
          e.b, e.loc, merge,
          [&](OpBuilder &, Location) {
            // lse = log(e^old + e^new); O = w_old O_old + w_new O_new.
            Value old =
                memref::LoadOp::create(e.b, e.loc, lse, ValueRange{lAt});
            Value mx = e.fmax(old, rowLse);
            Value empty = arith::CmpFOp::create(
                e.b, e.loc, arith::CmpFPredicate::OEQ, mx, minusInf);
            Value mxUse = e.sel(empty, zero, mx);
            Value eOld = math::ExpOp::create(e.b, e.loc, e.fsub(old, mxUse));
            Value eNew = math::ExpOp::create(e.b, e.loc, e.fsub(rowLse, mxUse));
            Value total = e.fadd(eOld, eNew);
            Value merged =
                e.sel(empty, minusInf,
                      e.fadd(mxUse, math::LogOp::create(e.b, e.loc, total)));
            Value invTotal =
                e.sel(empty, zero,
                      arith::DivFOp::create(e.b, e.loc, e.f32(1.0), total));
            Value wOld = e.fmul(eOld, invTotal), wNew = e.fmul(eNew, invTotal);
            // A row whose old LSE is -inf has no old result: O is not read
            // into it (it may hold anything, NaN included; KernelABI.h).
            Value oldEmpty = arith::CmpFOp::create(
                e.b, e.loc, arith::CmpFPredicate::OEQ, old, minusInf);
            for (int64_t n = 0; n < g.headDim / 8; ++n) {
              auto [a, b2] = loadPair(e, g, out, elementAt(n));
              Value xNew = e.fmul(o[2 * n], wNew);
              Value yNew = e.fmul(o[2 * n + 1], wNew);
              Value x = e.sel(oldEmpty, xNew, e.fadd(e.fmul(a, wOld), xNew));
              Value y = e.sel(oldEmpty, yNew, e.fadd(e.fmul(b2, wOld), yNew));
              storePair(e, g, out, elementAt(n), x, y);
            }
            scf::IfOp::create(e.b, e.loc, firstOfQuad,
                              [&](OpBuilder &, Location) {
                                memref::StoreOp::create(e.b, e.loc, merged, lse,
                                                        ValueRange{lAt});
                                scf::YieldOp::create(e.b, e.loc);
                              });
            scf::YieldOp::create(e.b, e.loc);
          },
          [&](OpBuilder &, Location) {
            for (int64_t n = 0; n < g.headDim / 8; ++n)
              storePair(e, g, out, elementAt(n), o[2 * n], o[2 * n + 1]);
            scf::IfOp::create(e.b, e.loc, e.andi(hasLse, firstOfQuad),
                              [&](OpBuilder &, Location) {
                                memref::StoreOp::create(e.b, e.loc, rowLse, lse,
                                                        ValueRange{lAt});
                                scf::YieldOp::create(e.b, e.loc);
                              });
            scf::YieldOp::create(e.b, e.loc);
          });
      scf::YieldOp::create(e.b, e.loc);
    });
  }
}

/// The empty `gpu.func` of `kernel` (ABI of lib/Runtime/CUDAKernelABI.h)
/// at the end of `gpuModule`, with its block size and launch metadata.
static mlir::gpu::GPUFuncOp createKernelFunction(OpBuilder &b, KernelOp kernel,
                                                 const Geometry &g,
                                                 Operation *gpuModule) {
  MLIRContext *ctx = b.getContext();
  Location loc = kernel.getLoc();
  b.setInsertionPointToEnd(&gpuModule->getRegion(0).front());
  Type t = g.elementType, f32 = b.getF32Type(), index = b.getIndexType();
  auto tensorType = MemRefType::get({1}, t);
  SmallVector<Type> inputs{
      tensorType, tensorType, tensorType, tensorType, MemRefType::get({1}, f32),
      f32};
  inputs.append(abi::kNumFixedArgs + kernel.getNumParams(), index);
  auto fn = mlir::gpu::GPUFuncOp::create(b, loc, kernel.getSymName(),
                                         FunctionType::get(ctx, inputs, {}));
  fn->setAttr(mlir::gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  fn.setKnownBlockSizeAttr(
      DenseI32ArrayAttr::get(ctx, {int32_t(g.threads), 1, 1}));
  fn->setAttr("sparsa.cuda", launchMetadata(b, kernel, g));
  return fn;
}

/// Stages this block's query tile through the arch (positions mapped to
/// rows: clamped for identity maps, gathered otherwise) and sets the
/// query-token values of `v`; returns each row slot's (token, valid).
static SmallVector<std::pair<Value, Value>>
stageQueryTile(Emitter &e, const Geometry &g, KernelValues &v, Value qt,
               Value qBase, Value qStride, Value query, Value qTile) {
  Value q0 = e.mul(qt, e.c(g.blockQ));
  Value lastQuery = e.sub(v.numQueries, e.c(1));
  auto tokenAt = [&](Value pos) -> std::pair<Value, Value> {
    if (g.identityQueries())
      return {pos, e.lt(pos, v.numQueries)};
    return emitTokenAt(e.b, e.loc, g.queryMap, pos, v.numQueries, g.blockQ);
  };
  mmasync::stageQuery(e, g, v, qTile, query, qBase, qStride, [&](Value r) {
    Value pos = e.add(q0, r);
    if (g.identityQueries())
      return e.min(pos, lastQuery);
    auto [token, valid] = tokenAt(pos);
    return e.sel(valid, token, e.c(0));
  });
  Value warpRow = e.mul(v.warp, e.c(g.rowsPerWarp()));
  SmallVector<std::pair<Value, Value>> rowTokens;
  for (int64_t mt = 0; mt < g.mTiles; ++mt) {
    mmasync::loadQueryFragments(e, g, v, warpRow, mt);
    // FragmentLayout: row slot 2 mt + i is row 16 mt + g + 8 i of the warp.
    for (int64_t slot = 2 * mt; slot < 2 * mt + 2; ++slot) {
      Value r = e.add(warpRow, e.add(v.quadRow, e.c(8 * slot)));
      auto [token, valid] = tokenAt(e.add(q0, r));
      rowTokens.push_back({token, valid});
      v.queryToken.push_back(g.identityQueries() ? e.min(token, lastQuery)
                                                 : e.sel(valid, token, e.c(0)));
    }
  }
  return rowTokens;
}

/// The online softmax state (row max -inf, row sum 0, accumulator 0) and
/// the prefetch slot, as private arrays allocated in the entry block.
static void initSoftmaxState(Emitter &e, const Geometry &g, KernelValues &v,
                             Block &entry) {
  OpBuilder &b = e.b;
  Location loc = e.loc;
  Type f32 = b.getF32Type(), index = b.getIndexType();
  const float negInf = -std::numeric_limits<float>::infinity();
  {
    // In the entry block, so that LLVM's SROA sees static allocas.
    OpBuilder::InsertionGuard entryGuard(b);
    b.setInsertionPointToStart(&entry);
    auto rows = MemRefType::get({2 * g.mTiles}, f32);
    v.rowMax = memref::AllocaOp::create(b, loc, rows);
    v.rowSum = memref::AllocaOp::create(b, loc, rows);
    v.acc = memref::AllocaOp::create(
        b, loc,
        MemRefType::get({FragmentLayout{g.mTiles, g.headDim}.size()}, f32));
    v.prefetch = memref::AllocaOp::create(b, loc, MemRefType::get({2}, index));
  }
  // Nothing prefetched yet (Arch/MmaSync's ring).
  memref::StoreOp::create(b, loc, e.c(-1), v.prefetch, ValueRange{e.c(0)});
  memref::StoreOp::create(b, loc, e.c(0), v.prefetch, ValueRange{e.c(1)});
  for (int64_t i = 0; i < 2 * g.mTiles; ++i) {
    memref::StoreOp::create(b, loc, e.f32(negInf), v.rowMax,
                            ValueRange{e.c(i)});
    memref::StoreOp::create(b, loc, e.f32(0.0), v.rowSum, ValueRange{e.c(i)});
  }
  for (int64_t i = 0; i < g.mTiles * g.headDim / 8 * 4; ++i)
    memref::StoreOp::create(b, loc, e.f32(0.0), v.acc, ValueRange{e.c(i)});
  v.scaleLog2 =
      e.fmul(entry.getArgument(abi::cuda::kNumPointerArgs), e.f32(M_LOG2E));
}

LogicalResult cuda::lowerKernel(OpBuilder &b, KernelOp kernel,
                                const Geometry &g, Operation *gpuModule) {
  MLIRContext *ctx = b.getContext();
  Location loc = kernel.getLoc();
  OpBuilder::InsertionGuard guard(b);
  mlir::gpu::GPUFuncOp fn = createKernelFunction(b, kernel, g, gpuModule);
  Block &entry = fn.getBody().front();
  b.setInsertionPointToStart(&entry);
  Emitter e{b, loc};
  auto arg = [&](int64_t i) {
    return entry.getArgument(abi::cuda::kNumPointerArgs + 1 + i);
  };
  KernelValues v;
  v.tid = mlir::gpu::ThreadIdOp::create(b, loc, mlir::gpu::Dimension::x);
  v.lane = e.remUnsigned(v.tid, e.c(32));
  v.warp = e.divUnsigned(v.tid, e.c(32));
  v.quadRow = e.divUnsigned(v.lane, e.c(4));
  v.quadCol = e.remUnsigned(v.lane, e.c(4));
  Value qt = mlir::gpu::BlockIdOp::create(b, loc, mlir::gpu::Dimension::x);
  v.head = mlir::gpu::BlockIdOp::create(b, loc, mlir::gpu::Dimension::y);
  Value batch = mlir::gpu::BlockIdOp::create(b, loc, mlir::gpu::Dimension::z);
  KernelArgs args =
      readKernelArgs(e, kernel, g.queryMap, g.keyMap, g.blockQ, g.blockK, arg);
  v.numQueries = args.numQueries;
  v.numKeys = args.numKeys;
  v.params = args.params;
  v.keySpace = args.keySpace;
  // The host may launch an upper bound of the tile count (gathers).
  auto inRange = scf::IfOp::create(b, loc, e.lt(qt, args.numQueryTiles), false);
  b.setInsertionPoint(inRange.thenBlock()->getTerminator());

  HeadOffsets offsets = headOffsets(e, args, arg, batch, v.head);
  Value qBase = offsets.q, oBase = offsets.o, lBase = offsets.lse;
  v.keyBase = offsets.k;
  v.valueBase = offsets.v;
  v.keyStride = args.kStride;
  v.valueStride = args.vStride;
  Value query = flatView(b, loc, entry.getArgument(0));
  v.keys = flatView(b, loc, entry.getArgument(1));
  v.values = flatView(b, loc, entry.getArgument(2));
  Value out = flatView(b, loc, entry.getArgument(3));
  Value lse = flatView(b, loc, entry.getArgument(4));

  auto workgroup =
      mlir::gpu::AddressSpaceAttr::get(ctx, mlir::gpu::AddressSpace::Workgroup);
  v.shared = mlir::gpu::DynamicSharedMemoryOp::create(
      b, loc,
      MemRefType::get({ShapedType::kDynamic}, b.getI8Type(), AffineMap(),
                      workgroup));
  Value qTile = memref::ViewOp::create(b, loc, g.tileType(ctx, g.blockQ),
                                       v.shared, e.c(0), ValueRange{});
  v.numKeyTiles = e.ceilDivUnsigned(v.keySpace, e.c(g.blockK));

  // Query tile: positions -> rows (clamped / gathered), then fragments.
  SmallVector<std::pair<Value, Value>> rowTokens =
      stageQueryTile(e, g, v, qt, qBase, args.qStride, query, qTile);

  initSoftmaxState(e, g, v, entry);

  // The schedule, with every visit expanded in place.
  SmallVector<Value> scheduleArgs{qt, v.head, v.numQueries, v.numKeys};
  scheduleArgs.append(v.params);
  Operation *epilogueAnchor = inRange.thenBlock()->getTerminator();
  inlineSchedule(b, kernel, scheduleArgs, [&](VisitOp visit) {
    emitVisit(e, kernel, g, v, visit.getKeyTile(), visit.getKind());
    visit.erase();
  });

  b.setInsertionPoint(epilogueAnchor);
  mmasync::drainPrefetch(e);
  emitEpilogue(e, g, v, rowTokens, out, lse, oBase, args.oStride, lBase,
               args.lseStride, args.hasLse, args.merge);
  b.setInsertionPointToEnd(&entry);
  mlir::gpu::ReturnOp::create(b, loc);
  return success();
}
