//===- TileShape.cpp - tile geometry and register blocking ----------------===//
//
// Reads the tiling decided upstream (`#sattn.tiling`, `head_dim`) and derives
// the register blocking of the two micro-kernels from it. The blocking is a
// fixed rule (at most 4 rows x 4 vectors of accumulators, 16 registers) so
// that it never spills on AVX2 or AVX-512; the tile sizes themselves are
// policy and are only read here. Also holds the small builders shared by the
// lowering's files.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/SAttnToVector/KernelCodegen.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace sparsa::sattn;
using namespace sparsa::sattn::cpu;

/// The largest divisor of `n` that is at most `cap`.
static int64_t largestDivisorUpTo(int64_t n, int64_t cap) {
  for (int64_t d = cap; d > 1; --d)
    if (n % d == 0)
      return d;
  return 1;
}

/// Stack memory a kernel call may use for its tile buffers (threads have at
/// least 2 MiB of stack on the platforms we target).
static constexpr int64_t kMaxStackBytes = 1 << 20;

FailureOr<TileShape> cpu::computeTileShape(KernelOp kernel) {
  TilingAttr tiling = kernel.getTilingAttr();
  if (!tiling)
    return kernel.emitOpError()
           << "needs a #sattn.tiling attribute to be lowered to the cpu";
  if (tiling.getTarget() != "cpu")
    return kernel.emitOpError() << "is tiled for target '" << tiling.getTarget()
                                << "', expected 'cpu'";
  TileShape s;
  s.blockQ = tiling.getBlockQ();
  s.blockK = tiling.getBlockK();
  s.vectorWidth = tiling.getVectorWidth();
  s.headDim = kernel.getHeadDim();
  if (s.vectorWidth != 4 && s.vectorWidth != 8 && s.vectorWidth != 16)
    return kernel.emitOpError() << "vector width " << s.vectorWidth
                                << " is not supported on the cpu (4, 8, 16)";
  if (s.blockK % s.vectorWidth != 0)
    return kernel.emitOpError()
           << "key block " << s.blockK << " must be a multiple of the vector "
           << "width " << s.vectorWidth;
  if (s.blockQ % s.vectorWidth != 0)
    return kernel.emitOpError()
           << "query block " << s.blockQ << " must be a multiple of the "
           << "vector width " << s.vectorWidth;
  if (s.headDim % s.vectorWidth != 0)
    return kernel.emitOpError()
           << "head dimension " << s.headDim
           << " must be a multiple of the vector width " << s.vectorWidth;
  if (s.blockQ < 1 || s.blockQ > 1024 || s.blockK > 1024)
    return kernel.emitOpError() << "tile " << s.blockQ << " x " << s.blockK
                                << " is out of the cpu range (1 to 1024)";
  // Q tile (as loaded and transposed), accumulator, scores, value tile,
  // lane masks, row state, spans and token buffers live on the stack of the
  // calling thread.
  int64_t bytes = 4 * (3 * s.blockQ * s.headDim + s.blockQ * s.blockK +
                       s.headDim * s.blockK + 5 * s.blockQ) +
                  s.blockQ * s.blockK + 8 * (s.blockQ + s.blockK);
  if (bytes > kMaxStackBytes)
    return kernel.emitOpError()
           << "tile buffers of " << bytes << " bytes (block " << s.blockQ
           << " x " << s.blockK << ", head dimension " << s.headDim
           << ") exceed the cpu stack budget of " << kMaxStackBytes << " bytes";
  s.queryMap = kernel.getQueryMapAttr();
  s.keyMap = kernel.getKeyMapAttr();
  // Accumulators held in registers by the micro-kernels: 16 of the 32
  // vector registers of AVX-512; 8 of the 16 of AVX2 (and SSE), which also
  // need room for the loaded vectors and the broadcast.
  const int64_t accs = s.vectorWidth == 16 ? 16 : 8;
  s.scoreRows = largestDivisorUpTo(s.blockK, 4);
  s.scoreCols =
      largestDivisorUpTo(s.blockQ / s.vectorWidth, accs / s.scoreRows);
  s.spanCols = largestDivisorUpTo(s.scoreCols, 2);
  s.spanRows =
      largestDivisorUpTo(s.blockK, s.scoreRows * s.scoreCols / s.spanCols);
  s.pvRows = largestDivisorUpTo(s.vectorWidth, 4);
  s.pvCols = largestDivisorUpTo(s.headDim / s.vectorWidth, accs / s.pvRows);
  return s;
}

VectorType TileShape::f32Vec(MLIRContext *ctx) const {
  return VectorType::get({vectorWidth}, Float32Type::get(ctx));
}
MemRefType TileShape::qTileType(MLIRContext *ctx) const {
  return MemRefType::get({blockQ, headDim}, Float32Type::get(ctx));
}
MemRefType TileShape::rowType(MLIRContext *ctx) const {
  return MemRefType::get({blockQ}, Float32Type::get(ctx));
}
MemRefType TileShape::qTransType(MLIRContext *ctx) const {
  return MemRefType::get({headDim, blockQ}, Float32Type::get(ctx));
}
MemRefType TileShape::scoreType(MLIRContext *ctx) const {
  return MemRefType::get({blockK, blockQ}, Float32Type::get(ctx));
}
MemRefType TileShape::laneMaskType(MLIRContext *ctx) const {
  return MemRefType::get({blockK, blockQ}, IntegerType::get(ctx, 8));
}
MemRefType TileShape::spanType(MLIRContext *ctx) const {
  return MemRefType::get({blockQ}, IntegerType::get(ctx, 32));
}
MemRefType TileShape::vectorSpanType(MLIRContext *ctx) const {
  return MemRefType::get({blockQ / vectorWidth}, IndexType::get(ctx));
}

MemRefType TileShape::queryTokenType(MLIRContext *ctx) const {
  return MemRefType::get({blockQ}, IndexType::get(ctx));
}
MemRefType TileShape::keyTokenType(MLIRContext *ctx) const {
  return MemRefType::get({blockK}, IndexType::get(ctx));
}
bool TileShape::identityQueries() const {
  return !queryMap || queryMap.getKind() == TokenMapKind::identity;
}
bool TileShape::identityKeys() const {
  return !keyMap || keyMap.getKind() == TokenMapKind::identity;
}

Value cpu::cstF32(OpBuilder &b, Location loc, float v) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
}

Value cpu::splatF32(OpBuilder &b, Location loc, const TileShape &shape,
                    float v) {
  VectorType t = shape.f32Vec(b.getContext());
  return arith::ConstantOp::create(
      b, loc, t, DenseElementsAttr::get(t, b.getF32FloatAttr(v)));
}

Value cpu::laneIndices(OpBuilder &b, Location loc, const TileShape &shape,
                       Value first) {
  auto t = VectorType::get({shape.vectorWidth}, b.getIndexType());
  Value iota = vector::StepOp::create(b, loc, t);
  Value base = vector::BroadcastOp::create(b, loc, t, first);
  return arith::AddIOp::create(b, loc, base, iota);
}
