//===- WarpMma.cpp - warp-level tensor-core and copy helpers --------------===//
//
// The few instruction-level building blocks of the CUDA kernels: scalar
// arithmetic shorthands, ldmatrix fragments as i32 registers, mma.sync
// m16n8k16 with fp32 accumulators (nvvm.mma.sync, which takes bf16 pairs
// as i32 registers), packing of probabilities into A fragments, 16-byte
// cp.async copies and 2-element global loads and stores.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/SAttnToGPU/GPUCodegen.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
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

static VectorType pairType(const Geometry &g) {
  return VectorType::get({2}, g.elementType);
}

Frag4 cuda::loadMatrixX4(Emitter &e, const Geometry &g, Value tile, Value row,
                         Value col, bool transpose) {
  auto type = VectorType::get({4, 2}, g.elementType);
  Value m = nvgpu::LdMatrixOp::create(e.b, e.loc, type, tile,
                                      ValueRange{row, col}, transpose, 4);
  auto asInt = VectorType::get({4, 1}, e.b.getI32Type());
  Value ints = vector::BitCastOp::create(e.b, e.loc, asInt, m);
  Frag4 out;
  for (int64_t i = 0; i < 4; ++i)
    out[i] =
        vector::ExtractOp::create(e.b, e.loc, ints, ArrayRef<int64_t>{i, 0});
  return out;
}

/// bf16 operands travel as i32; f16 ones as vector<2xf16>.
static Value operand(Emitter &e, const Geometry &g, Value reg) {
  if (g.elementType.isBF16())
    return reg;
  auto one = VectorType::get({1}, e.b.getI32Type());
  Value v = vector::BroadcastOp::create(e.b, e.loc, one, reg);
  return vector::BitCastOp::create(e.b, e.loc, pairType(g), v);
}

Acc4 cuda::mmaSync(Emitter &e, const Geometry &g, const Frag4 &a, Value b0,
                   Value b1, const Acc4 &c) {
  SmallVector<Value> as, bs;
  for (Value r : a)
    as.push_back(operand(e, g, r));
  bs.push_back(operand(e, g, b0));
  bs.push_back(operand(e, g, b1));
  Type f32 = e.b.getF32Type();
  auto resType =
      LLVM::LLVMStructType::getLiteral(e.b.getContext(), {f32, f32, f32, f32});
  NVVM::MMATypes ptx =
      g.elementType.isBF16() ? NVVM::MMATypes::bf16 : NVVM::MMATypes::f16;
  auto mma = NVVM::MmaOp::create(
      e.b, e.loc, resType, as, bs, ValueRange{c[0], c[1], c[2], c[3]},
      ArrayRef<int64_t>{16, 8, 16}, std::nullopt, std::nullopt,
      std::array<NVVM::MMATypes, 2>{ptx, ptx},
      std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                     NVVM::MMALayout::col});
  Acc4 out;
  for (int64_t i = 0; i < 4; ++i)
    out[i] = LLVM::ExtractValueOp::create(e.b, e.loc, mma.getResult(),
                                          ArrayRef<int64_t>{i});
  return out;
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

void cuda::copyAsync(Emitter &e, Value tile, Value row, Value col, Value flat,
                     Value offset) {
  nvgpu::DeviceAsyncCopyOp::create(
      e.b, e.loc, nvgpu::DeviceAsyncTokenType::get(e.b.getContext()), tile,
      ValueRange{row, col}, flat, ValueRange{offset}, e.b.getIndexAttr(8),
      Value(), UnitAttr());
}

Value cuda::commitGroup(Emitter &e) {
  return nvgpu::DeviceAsyncCreateGroupOp::create(
      e.b, e.loc, nvgpu::DeviceAsyncTokenType::get(e.b.getContext()),
      ValueRange{});
}

void cuda::waitGroups(Emitter &e, Value group, int64_t pending) {
  nvgpu::DeviceAsyncWaitOp::create(e.b, e.loc, group,
                                   e.b.getI32IntegerAttr(pending));
}
