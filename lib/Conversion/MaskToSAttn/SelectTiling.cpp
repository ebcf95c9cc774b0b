//===- SelectTiling.cpp - the sparsa-select-tiling policy pass ------------===//
//
// The one place tile sizes and vector widths are decided. Everything after
// it reads `sattn.tiling`, so a choice is visible in the IR and testable on
// its own.
//
//===----------------------------------------------------------------------===//

#include "dialects/Mask/IR/MaskDialect.h"
#include "dialects/SAttn/IR/SAttnDialect.h"
#include "lib/Conversion/MaskToSAttn/Passes.h"
#include "lib/Conversion/SAttnToGPU/TileLimits.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/TargetParser/Host.h"

namespace sparsa {
#define GEN_PASS_DEF_SELECTTILING
#include "lib/Conversion/MaskToSAttn/Passes.h.inc"
} // namespace sparsa

using namespace mlir;
namespace sattn = sparsa::sattn;

/// f32 lanes of the host's widest usable vector registers.
static int64_t hostVectorWidth() {
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  if (features.lookup("avx512f"))
    return 16;
  if (features.lookup("avx2") || features.lookup("avx"))
    return 8;
  return 4;
}

std::pair<int64_t, int64_t> sparsa::defaultTileSizes(llvm::StringRef target) {
  return {target == "cpu" ? 64 : 128, 64};
}

namespace {
struct SelectTilingPass
    : public sparsa::impl::SelectTilingBase<SelectTilingPass> {
  using SelectTilingBase::SelectTilingBase;

  void runOnOperation() override {
    if (target != "cpu" && target != "cuda") {
      getOperation().emitError() << "unknown target '" << std::string(target)
                                 << "', expected 'cpu' or 'cuda'";
      return signalPassFailure();
    }
    if (blockQ < 0 || blockK < 0 || vectorWidth < 0) {
      getOperation().emitError()
          << "tile sizes and vector width must be non-negative, got "
          << int64_t(blockQ) << "x" << int64_t(blockK) << " and "
          << int64_t(vectorWidth);
      return signalPassFailure();
    }
    bool cpu = target == "cpu";
    // CUDA tiles must fit the architecture's shared memory at this head
    // dimension (lib/Conversion/SAttnToGPU/TileLimits.h).
    auto [defaultQ, defaultK] =
        cpu ? sparsa::defaultTileSizes(target)
            : sparsa::sattn::cuda::defaultTiles(headDim, chip);
    int64_t bq = blockQ ? blockQ : defaultQ;
    int64_t bk = blockK ? blockK : defaultK;
    int64_t vw = vectorWidth ? vectorWidth : (cpu ? hostVectorWidth() : 8);
    sattn::CudaConfigAttr cuda;
    if (!cpu) {
      FailureOr<sattn::CudaConfigAttr> config = cudaConfig(bq);
      if (failed(config))
        return signalPassFailure();
      cuda = *config;
    }
    auto tiling =
        sattn::TilingAttr::get(&getContext(), bq, bk, vw, target, cuda);
    getOperation().walk([&](func::FuncOp fn) {
      if (fn.getNumResults() != 1 ||
          !isa<sparsa::mask::MaskType>(fn.getResultTypes()[0]))
        return;
      if (!fn->hasAttr(kTilingAttrName))
        fn->setAttr(kTilingAttrName, tiling);
    });
  }
  static constexpr llvm::StringLiteral kTilingAttrName = "sattn.tiling";

  /// The GPU policy for query tiles of `blockQ` rows: mma.sync code, 32
  /// rows per warp where the head dim is small enough for two row tiles'
  /// accumulators, a two-stage K / V ring, and Q kept in registers unless
  /// two row tiles of a head dim above 64 would spill it.
  FailureOr<sattn::CudaConfigAttr> cudaConfig(int64_t blockQ) {
    MLIRContext *ctx = &getContext();
    Type element;
    if (elementType == "bf16")
      element = BFloat16Type::get(ctx);
    else if (elementType == "f16")
      element = Float16Type::get(ctx);
    else
      return getOperation().emitError()
             << "element type '" << std::string(elementType)
             << "' is not supported, expected bf16 or f16";
    int64_t rows = rowsPerWarp
                       ? int64_t(rowsPerWarp)
                       : sattn::cuda::defaultRowsPerWarp(blockQ, headDim);
    bool qInRegisters = rows == 16 || headDim <= 64;
    auto emitError = [&] { return getOperation().emitError(); };
    if (failed(sattn::CudaConfigAttr::verify(emitError, chip,
                                             sattn::MmaKind::mma_sync, element,
                                             rows, 2, qInRegisters)))
      return failure();
    return sattn::CudaConfigAttr::get(ctx, chip, sattn::MmaKind::mma_sync,
                                      element, rows, 2, qInRegisters);
  }
};
} // namespace
