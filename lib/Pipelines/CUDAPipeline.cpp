//===- CUDAPipeline.cpp - the CUDA compilation pipeline -------------------===//
//
// Builds the pass pipeline from expanded sattn kernels to PTX / cubin and
// registers it for sparsa-opt. The lowering inside `gpu.module` follows
// MLIR's own NVVM pipeline: nvgpu first (ldmatrix, cp.async), then the
// structured ops, then gpu-to-nvvm with the bare-pointer kernel ABI of
// lib/Runtime/CUDAKernelABI.h; libdevice (exp2, log) is linked and ptxas is
// run by gpu-module-to-binary from the CUDA toolkit.
//
//===----------------------------------------------------------------------===//

#include "lib/Pipelines/CUDAPipeline.h"
#include "lib/Pipelines/MaskToSAttnStage.h"

#include "lib/Conversion/SAttnToGPU/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVM.h"
#include "mlir/Conversion/GPUToNVVM/GPUToNVVM.h"
#include "mlir/Conversion/GPUToNVVM/GPUToNVVMPass.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/NVGPUToNVVM/NVGPUToNVVM.h"
#include "mlir/Conversion/NVVMToLLVM/NVVMToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/UBToLLVM/UBToLLVM.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVM.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

#include <cstdlib>

using namespace mlir;

void sparsa::buildCUDAGPUStage(OpPassManager &pm, const CUDAPipelineOptions &) {
  // Every choice is in the kernels' #sattn.cuda_config (select-tiling).
  pm.addPass(sattn::createConvertSAttnToGPU());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void sparsa::buildCUDANVVMStage(OpPassManager &pm,
                                const CUDAPipelineOptions &) {
  OpPassManager &gm = pm.nest<gpu::GPUModuleOp>();
  gm.addPass(createConvertNVGPUToNVVMPass());
  gm.addPass(createSCFToControlFlowPass());
  gm.addPass(memref::createExpandStridedMetadataPass());
  gm.addPass(createLowerAffinePass());
  gm.addPass(arith::createArithExpandOpsPass());
  gm.addPass(createConvertVectorToLLVMPass());
  ConvertGpuOpsToNVVMOpsOptions nvvmOptions;
  nvvmOptions.useBarePtrCallConv = true;
  nvvmOptions.indexBitwidth = 64;
  gm.addPass(createConvertGpuOpsToNVVMOps(nvvmOptions));
  gm.addPass(createConvertNVVMToLLVMPass());
  gm.addPass(createReconcileUnrealizedCastsPass());
  gm.addPass(createCanonicalizerPass());
  gm.addPass(createCSEPass());
}

/// The CUDA toolkit: the option, else $CUDA_HOME / $CUDA_PATH /
/// $CUDA_ROOT, else the folder above the ptxas on $PATH, else
/// /usr/local/cuda. Resolved here rather than left to MLIR so that a
/// stripped environment (lit, build farms) still finds libdevice.
static std::string resolveToolkit(StringRef option) {
  if (!option.empty())
    return option.str();
  for (const char *var : {"CUDA_HOME", "CUDA_PATH", "CUDA_ROOT"})
    if (const char *value = std::getenv(var); value && *value)
      return value;
  if (auto ptxas = llvm::sys::findProgramByName("ptxas"))
    return llvm::sys::path::parent_path(llvm::sys::path::parent_path(*ptxas))
        .str();
  return "/usr/local/cuda";
}

bool sparsa::cudaToolkitHasPtxas(StringRef toolkit) {
  llvm::SmallString<256> ptxas(resolveToolkit(toolkit));
  llvm::sys::path::append(ptxas, "bin", "ptxas");
  return llvm::sys::fs::can_execute(ptxas);
}

void sparsa::buildCUDABinaryStage(OpPassManager &pm,
                                  const CUDAPipelineOptions &options) {
  std::string toolkit = resolveToolkit(options.toolkit);
  GpuNVVMAttachTargetOptions target;
  target.chip = options.chip;
  target.optLevel = options.optLevel;
  llvm::SmallString<256> libdevice(toolkit);
  llvm::sys::path::append(libdevice, "nvvm", "libdevice", "libdevice.10.bc");
  if (llvm::sys::fs::exists(libdevice))
    target.linkLibs.push_back(libdevice.str().str());
  pm.addPass(createGpuNVVMAttachTarget(target));
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = options.format;
  // PTX needs no toolkit; a missing one only matters to ptxas (cubins),
  // whose absence gpu-module-to-binary then reports.
  if (llvm::sys::fs::is_directory(toolkit))
    binary.toolkitPath = toolkit;
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

void sparsa::buildCUDAPipeline(OpPassManager &pm,
                               const CUDAPipelineOptions &options) {
  StringRef stop = options.stopAfter;
  if (options.fromMask) {
    // The parameter check is host code beside the gpu.module (lib/Target/CUDA
    // compiles it for the CPU).
    MaskToSAttnOptions front = options.frontStage("cuda");
    front.paramCheck = true;
    front.chip = options.chip;
    front.elementType = options.elementType;
    front.rowsPerWarp = options.rowsPerWarp;
    buildMaskToSAttnStage(pm, front);
    if (stop == "sattn")
      return;
  }
  buildCUDAGPUStage(pm, options);
  if (stop == "gpu")
    return;
  buildCUDANVVMStage(pm, options);
  if (stop == "nvvm")
    return;
  buildCUDABinaryStage(pm, options);
}

void sparsa::registerCUDAPipeline() {
  sattn::registerConvertSAttnToGPU();
  PassPipelineRegistration<CUDAPipelineOptions>(
      "sparsa-cuda-pipeline",
      "Compile expanded sattn kernels (or, with from-mask, masks) to "
      "tensor-core CUDA kernels: gpu.module, NVVM, then PTX or cubin",
      buildCUDAPipeline);
}

void sparsa::registerCUDADialects(DialectRegistry &registry) {
  registry.insert<affine::AffineDialect, arith::ArithDialect,
                  cf::ControlFlowDialect, gpu::GPUDialect, LLVM::LLVMDialect,
                  math::MathDialect, memref::MemRefDialect, nvgpu::NVGPUDialect,
                  NVVM::NVVMDialect, scf::SCFDialect, ub::UBDialect,
                  vector::VectorDialect>();
  arith::registerConvertArithToLLVMInterface(registry);
  cf::registerConvertControlFlowToLLVMInterface(registry);
  registerConvertFuncToLLVMInterface(registry);
  registerConvertMathToLLVMInterface(registry);
  registerConvertMemRefToLLVMInterface(registry);
  registerConvertNVVMToLLVMInterface(registry);
  NVVM::registerConvertGpuToNVVMInterface(registry);
  ub::registerConvertUBToLLVMInterface(registry);
  vector::registerConvertVectorToLLVMInterface(registry);
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  registerLLVMDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
  registerGPUDialectTranslation(registry);
}
