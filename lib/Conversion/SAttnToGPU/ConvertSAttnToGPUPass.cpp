//===- ConvertSAttnToGPUPass.cpp - convert-sattn-to-gpu -------------------===//
//
// Checks every kernel first (expanded schedule, a cuda tiling the lowering
// supports), so bad input gets a diagnostic instead of a skipped kernel,
// then lowers each into `gpu.module @sparsa_kernels` (with its grid's
// x extent as the host function KERNEL_query_tiles) and records the
// `sattn.attention` ops as the module attribute `sparsa.attentions`, the
// same convention as the CPU backend (the runtime runs the parts in order
// and merges them).
//
//===----------------------------------------------------------------------===//

#include "dialects/SAttn/IR/SAttnUtils.h"
#include "lib/Conversion/KernelSkeleton/KernelSkeleton.h"
#include "lib/Conversion/SAttnToGPU/GPUCodegen.h"
#include "lib/Conversion/SAttnToGPU/Passes.h"
#include "lib/Runtime/CUDAKernelABI.h"

namespace sparsa::sattn {
#define GEN_PASS_DEF_CONVERTSATTNTOGPU
#include "lib/Conversion/SAttnToGPU/Passes.h.inc"
} // namespace sparsa::sattn

using namespace mlir;
using namespace sparsa::sattn;

namespace {
constexpr llvm::StringLiteral kModuleName = "sparsa_kernels";

struct ConvertSAttnToGPUPass
    : sparsa::sattn::impl::ConvertSAttnToGPUBase<ConvertSAttnToGPUPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    bool ok = true;
    SmallVector<std::pair<KernelOp, cuda::Geometry>> kernels;
    module.walk([&](KernelOp kernel) {
      if (failed(verifyRangesExpanded(kernel, "convert-sattn-to-gpu")) ||
          failed(verifyQueryMajor(kernel, "convert-sattn-to-gpu")))
        ok = false;
      FailureOr<cuda::Geometry> g = cuda::computeGeometry(kernel);
      if (failed(g))
        ok = false;
      else
        kernels.push_back({kernel, *g});
    });
    if (!ok)
      return signalPassFailure();
    if (kernels.empty())
      return;

    OpBuilder b(ctx);
    module->setAttr(mlir::gpu::GPUDialect::getContainerModuleAttrName(),
                    b.getUnitAttr());
    auto gpuModule = module.lookupSymbol<mlir::gpu::GPUModuleOp>(kModuleName);
    if (!gpuModule) {
      b.setInsertionPointToEnd(module.getBody());
      gpuModule =
          mlir::gpu::GPUModuleOp::create(b, module.getLoc(), kModuleName);
    }
    for (auto &[kernel, g] : kernels) {
      if (failed(cuda::lowerKernel(b, kernel, g, gpuModule)))
        return signalPassFailure();
      // The grid's x extent, as host code beside the kernel.
      b.setInsertionPoint(kernel);
      buildQueryTilesFunction(
          b, kernel, g.queryMap, g.keyMap, g.blockQ, g.blockK,
          (kernel.getSymName() + sparsa::runtime::cuda::kQueryTilesSuffix)
              .str());
      kernel.erase();
    }
    recordAttentions(module);
  }
};
} // namespace
