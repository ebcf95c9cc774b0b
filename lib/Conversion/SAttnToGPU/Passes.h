//===- Passes.h - CUDA lowering passes --------------------------*- C++ -*-===//
//
// Declaration of convert-sattn-to-gpu, which lowers sattn kernels to
// tensor-core gpu.func kernels.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_CONVERSION_SATTNTOGPU_PASSES_H
#define SPARSA_LIB_CONVERSION_SATTNTOGPU_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace sparsa::sattn {

#define GEN_PASS_DECL
#include "lib/Conversion/SAttnToGPU/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "lib/Conversion/SAttnToGPU/Passes.h.inc"

} // namespace sparsa::sattn

#endif // SPARSA_LIB_CONVERSION_SATTNTOGPU_PASSES_H
