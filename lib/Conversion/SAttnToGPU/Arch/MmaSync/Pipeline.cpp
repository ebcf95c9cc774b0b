//===- Pipeline.cpp - shared-memory staging of the mma_sync kernels -------===//
//
// How tiles get into shared memory: the query tile once per block (then
// held as ldmatrix A fragments), and the K and V tiles of every visit
// through a two-slot cp.async ring. The schedule is arbitrary scf code, so
// the next tile is not known in advance; each visit prefetches tile kt + 1
// (the next tile of every contiguous range) into the other slot, and the
// next visit either finds its tile there (hit: no copy, one barrier less)
// or drains the stale prefetch and loads its tile (miss). Every visit
// commits the same four groups [K, V, next K, next V] (empty when
// skipped), so the waits count them statically.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/SAttnToGPU/Arch/MmaSync/MmaSync.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace sparsa::sattn;
using namespace sparsa::sattn::cuda;
using namespace sparsa::sattn::cuda::mmasync;

void mmasync::stageQuery(Emitter &e, const Geometry &g, KernelValues &v,
                         Value qTile, Value query, Value qBase, Value qStride,
                         function_ref<Value(Value)> rowOf) {
  const int64_t chunksPerRow = g.headDim / 8;
  for (int64_t it = 0; it < g.blockQ * chunksPerRow / g.threads; ++it) {
    Value chunk = e.add(v.tid, e.c(it * g.threads));
    Value r = e.divUnsigned(chunk, e.c(chunksPerRow));
    Value col = e.mul(e.remUnsigned(chunk, e.c(chunksPerRow)), e.c(8));
    Value offset = e.add(e.add(qBase, e.mul(rowOf(r), qStride)), col);
    copyAsync(e, qTile, r, col, query, offset);
  }
  waitGroups(e, commitGroup(e), 0);
  mlir::gpu::BarrierOp::create(e.b, e.loc);
  v.qTile = qTile;
}

void mmasync::loadQueryFragments(Emitter &e, const Geometry &g, KernelValues &v,
                                 Value warpRow, int64_t mt) {
  if (!v.qFragCol)
    v.qFragCol = e.mul(e.divUnsigned(v.lane, e.c(16)), e.c(8));
  Value fragRow =
      e.add(warpRow, e.add(e.c(16 * mt), e.remUnsigned(v.lane, e.c(16))));
  v.qFragRows.push_back(fragRow);
  // #sattn.cuda_config's q_in_registers: false rereads the fragments per
  // key tile (two row tiles of D > 64 would spill 64 more registers).
  if (!g.qInRegisters)
    return;
  v.qFrags.emplace_back();
  for (int64_t kk = 0; kk < g.headDim / 16; ++kk)
    v.qFrags.back().push_back(loadMatrixX4(
        e, g, v.qTile, fragRow, e.add(v.qFragCol, e.c(16 * kk)), false));
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

KeyValueTiles mmasync::acquireKeyValueTiles(Emitter &e, const Geometry &g,
                                            const KernelValues &v, Value kt) {
  mlir::gpu::BarrierOp::create(e.b, e.loc);
  Value pfTile =
      memref::LoadOp::create(e.b, e.loc, v.prefetch, ValueRange{e.c(0)});
  Value pfSlot =
      memref::LoadOp::create(e.b, e.loc, v.prefetch, ValueRange{e.c(1)});
  Value hit =
      arith::CmpIOp::create(e.b, e.loc, arith::CmpIPredicate::eq, pfTile, kt);
  Value miss = arith::XOrIOp::create(
      e.b, e.loc, hit, arith::ConstantIntOp::create(e.b, e.loc, 1, 1));
  // On a hit the data is (nearly) there; on a miss the stale prefetch is
  // drained and this tile is copied into the slot the previous visit used.
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
  KeyValueTiles tiles;
  tiles.keys = slotTile(e, g, v, false, slot);
  tiles.values = slotTile(e, g, v, true, slot);
  tiles.miss = miss;
  tiles.lastGroup = last;
  waitGroups(e, last, 3);
  mlir::gpu::BarrierOp::create(e.b, e.loc);
  return tiles;
}

void mmasync::waitValues(Emitter &e, const KeyValueTiles &tiles) {
  // On a hit the values came with the previous visit's groups, which the
  // wait for the keys already completed.
  scf::IfOp::create(e.b, e.loc, tiles.miss, [&](OpBuilder &, Location) {
    waitGroups(e, tiles.lastGroup, 2);
    mlir::gpu::BarrierOp::create(e.b, e.loc);
    scf::YieldOp::create(e.b, e.loc);
  });
}

void mmasync::drainPrefetch(Emitter &e) { waitGroups(e, commitGroup(e), 0); }
