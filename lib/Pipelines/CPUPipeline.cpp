//===- CPUPipeline.cpp - the CPU compilation pipeline ---------------------===//
//
// Builds the pass pipeline from expanded sattn kernels to the LLVM dialect
// and registers it for sparsa-opt. The LLVM lowering uses the bare-pointer
// calling convention so the emitted entry points have the plain C ABI of
// lib/Runtime/KernelABI.h; vector transposes (key-tile packing) use the
// 16x16 shuffle lowering.
//
//===----------------------------------------------------------------------===//

#include "lib/Pipelines/CPUPipeline.h"
#include "lib/Pipelines/MaskToSAttnStage.h"

#include "lib/Conversion/SAttnToVector/Passes.h"

#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/UBToLLVM/UBToLLVM.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void sparsa::buildCPUVectorStage(OpPassManager &pm,
                                 const CPUPipelineOptions &options) {
  // The masked-dense baseline computes every element of every tile.
  sattn::ConvertSAttnToVectorOptions vector;
  vector.rowSpans = !options.dense;
  pm.addPass(sattn::createConvertSAttnToVector(vector));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void sparsa::buildCPUApproxStage(OpPassManager &pm,
                                 const CPUPipelineOptions &options) {
  if (options.approximateMath)
    pm.addPass(sattn::createApproximateMath());
}

void sparsa::buildCPULLVMStage(OpPassManager &pm,
                               const CPUPipelineOptions &options) {
  pm.addPass(createSCFToControlFlowPass());
  ConvertVectorToLLVMPassOptions vectorOptions;
  vectorOptions.x86Vector = options.x86Vector;
  vectorOptions.vectorTransposeLowering =
      vector::VectorTransposeLowering::Shuffle16x16;
  pm.addPass(createConvertVectorToLLVMPass(vectorOptions));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createArithToLLVMConversionPass());
  ConvertFuncToLLVMPassOptions funcOptions;
  funcOptions.useBarePtrCallConv = true;
  pm.addPass(createConvertFuncToLLVMPass(funcOptions));
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

void sparsa::buildCPUPipeline(OpPassManager &pm,
                              const CPUPipelineOptions &options) {
  StringRef stop = options.stopAfter;
  if (options.fromMask) {
    MaskToSAttnOptions front = options.frontStage("cpu");
    front.vectorWidth = options.vectorWidth;
    front.dense = options.dense;
    front.paramCheck = true;
    front.backward = options.backward;
    buildMaskToSAttnStage(pm, front);
    if (stop == "sattn")
      return;
    if (options.backward) {
      // The backward entry points first: the forward lowering replaces the
      // query-major kernels.
      sattn::ConvertSAttnToCPUBackwardOptions backward;
      backward.keepForward = true;
      pm.addPass(sattn::createConvertSAttnToCPUBackward(backward));
    }
  }
  buildCPUVectorStage(pm, options);
  if (stop == "vector")
    return;
  buildCPUApproxStage(pm, options);
  if (stop == "approx")
    return;
  buildCPULLVMStage(pm, options);
}

void sparsa::registerCPUPipeline() {
  sattn::registerSAttnToVectorPasses();
  PassPipelineRegistration<CPUPipelineOptions>(
      "sparsa-cpu-pipeline",
      "Compile expanded sattn kernels to the LLVM dialect for the CPU",
      buildCPUPipeline);
}

void sparsa::registerCPUDialects(DialectRegistry &registry) {
  registry
      .insert<arith::ArithDialect, cf::ControlFlowDialect, func::FuncDialect,
              LLVM::LLVMDialect, math::MathDialect, memref::MemRefDialect,
              scf::SCFDialect, ub::UBDialect, vector::VectorDialect>();
}
