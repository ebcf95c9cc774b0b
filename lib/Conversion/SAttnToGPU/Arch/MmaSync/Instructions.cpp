//===- Instructions.cpp - mma.sync, ldmatrix and cp.async -----------------===//
//
// The instruction-level building blocks of the mma_sync kernels: ldmatrix
// fragments as i32 registers, mma.sync m16n8k16 with fp32 accumulators
// (nvvm.mma.sync, which takes bf16 pairs as i32 registers) and 16-byte
// cp.async copies with their groups.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/SAttnToGPU/Arch/MmaSync/MmaSync.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace sparsa::sattn;
using namespace sparsa::sattn::cuda;

Frag4 mmasync::loadMatrixX4(Emitter &e, const Geometry &g, Value tile,
                            Value row, Value col, bool transpose) {
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

Acc4 mmasync::mmaSync(Emitter &e, const Geometry &g, const Frag4 &a, Value b0,
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

void mmasync::copyAsync(Emitter &e, Value tile, Value row, Value col,
                        Value flat, Value offset) {
  nvgpu::DeviceAsyncCopyOp::create(
      e.b, e.loc, nvgpu::DeviceAsyncTokenType::get(e.b.getContext()), tile,
      ValueRange{row, col}, flat, ValueRange{offset}, e.b.getIndexAttr(8),
      Value(), UnitAttr());
}

Value mmasync::commitGroup(Emitter &e) {
  return nvgpu::DeviceAsyncCreateGroupOp::create(
      e.b, e.loc, nvgpu::DeviceAsyncTokenType::get(e.b.getContext()),
      ValueRange{});
}

void mmasync::waitGroups(Emitter &e, Value group, int64_t pending) {
  nvgpu::DeviceAsyncWaitOp::create(e.b, e.loc, group,
                                   e.b.getI32IntegerAttr(pending));
}
