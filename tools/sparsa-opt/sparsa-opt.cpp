//===- sparsa-opt.cpp - sparsa's mlir-opt ---------------------------------===//
//
// Registers sparsa's dialects and passes plus the upstream pieces its IR
// uses, and hands over to MlirOptMain. Every pipeline stage can be run and
// FileCheck'ed through this tool.
//
//===----------------------------------------------------------------------===//

#include "dialects/Mask/IR/MaskDialect.h"
#include "dialects/Mask/Transforms/Passes.h"
#include "dialects/SAttn/IR/SAttnDialect.h"
#include "lib/Analysis/TestPasses/TestPasses.h"
#include "lib/Pipelines/CPUPipeline.h"
#ifdef SPARSA_HAS_CUDA_PIPELINE
#include "lib/Pipelines/CUDAPipeline.h"
#endif
#include "dialects/SAttn/Transforms/Passes.h"
#include "lib/Conversion/MaskToSAttn/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<sparsa::mask::MaskDialect, sparsa::sattn::SAttnDialect,
                  mlir::arith::ArithDialect, mlir::func::FuncDialect,
                  mlir::memref::MemRefDialect, mlir::scf::SCFDialect,
                  mlir::tensor::TensorDialect>();
  sparsa::registerCPUDialects(registry);
  sparsa::registerCPUPipeline();
#ifdef SPARSA_HAS_CUDA_PIPELINE
  sparsa::registerCUDADialects(registry);
  sparsa::registerCUDAPipeline();
#endif
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  sparsa::mask::registerMaskPasses();
  sparsa::analysis::registerAnalysisTestPasses();
  sparsa::sattn::registerSAttnPasses();
  sparsa::registerMaskToSAttnPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "sparsa optimizer driver\n", registry));
}
