//===- Emitter.cpp - scalar shorthands and element conversions ------------===//
//
// The arch-neutral instruction-level pieces of the CUDA kernels: f32 / i32
// scalars, warp shuffles, and the conversions between f32 registers and
// pairs of bf16 / f16 elements (packed A operands, global loads and stores).
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/SAttnToGPU/GPUCodegen.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace sparsa::sattn;
using namespace sparsa::sattn::cuda;

Value Emitter::i32(int64_t v) {
  return arith::ConstantIntOp::create(b, loc, b.getI32Type(), v);
}
Value Emitter::f32(double v) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
}
Value Emitter::fadd(Value x, Value y) {
  return arith::AddFOp::create(b, loc, x, y);
}
Value Emitter::fsub(Value x, Value y) {
  return arith::SubFOp::create(b, loc, x, y);
}
Value Emitter::fmul(Value x, Value y) {
  return arith::MulFOp::create(b, loc, x, y);
}
Value Emitter::fmax(Value x, Value y) {
  return arith::MaxNumFOp::create(b, loc, x, y);
}
Value Emitter::exp2(Value x) { return math::Exp2Op::create(b, loc, x); }

Value Emitter::shuffleXor(Value x, int64_t mask) {
  auto op = mlir::gpu::ShuffleOp::create(b, loc, x, i32(mask), i32(32),
                                         mlir::gpu::ShuffleMode::XOR);
  return op.getShuffleResult();
}

VectorType cuda::pairType(const Geometry &g) {
  return VectorType::get({2}, g.elementType);
}

static Value truncPair(Emitter &e, const Geometry &g, Value x, Value y) {
  auto f32x2 = VectorType::get({2}, e.b.getF32Type());
  Value v = vector::FromElementsOp::create(e.b, e.loc, f32x2, ValueRange{x, y});
  return arith::TruncFOp::create(e.b, e.loc, pairType(g), v);
}

Value cuda::packPair(Emitter &e, const Geometry &g, Value x, Value y) {
  Value v = truncPair(e, g, x, y);
  auto one = VectorType::get({1}, e.b.getI32Type());
  Value i = vector::BitCastOp::create(e.b, e.loc, one, v);
  return vector::ExtractOp::create(e.b, e.loc, i, ArrayRef<int64_t>{0});
}

void cuda::storePair(Emitter &e, const Geometry &g, Value flat, Value offset,
                     Value x, Value y) {
  vector::StoreOp::create(e.b, e.loc, truncPair(e, g, x, y), flat,
                          ValueRange{offset});
}

std::pair<Value, Value> cuda::loadPair(Emitter &e, const Geometry &g,
                                       Value flat, Value offset) {
  Value v =
      vector::LoadOp::create(e.b, e.loc, pairType(g), flat, ValueRange{offset});
  auto f32x2 = VectorType::get({2}, e.b.getF32Type());
  Value w = arith::ExtFOp::create(e.b, e.loc, f32x2, v);
  return {vector::ExtractOp::create(e.b, e.loc, w, ArrayRef<int64_t>{0}),
          vector::ExtractOp::create(e.b, e.loc, w, ArrayRef<int64_t>{1})};
}
