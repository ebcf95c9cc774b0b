//===- ConvertSAttnToVectorPass.cpp - convert-sattn-to-vector -------------===//
//
// Checks every kernel first (expanded schedule, a cpu tiling), so bad input
// gets a diagnostic instead of a silently skipped kernel, then applies
// populateSAttnToVectorPatterns.
//
//===----------------------------------------------------------------------===//

#include "dialects/SAttn/IR/SAttnUtils.h"
#include "lib/Conversion/SAttnToVector/KernelCodegen.h"
#include "lib/Conversion/SAttnToVector/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace sparsa::sattn {
#define GEN_PASS_DEF_CONVERTSATTNTOVECTOR
#include "lib/Conversion/SAttnToVector/Passes.h.inc"
} // namespace sparsa::sattn

using namespace mlir;
using namespace sparsa::sattn;

namespace {
struct ConvertSAttnToVectorPass
    : sparsa::sattn::impl::ConvertSAttnToVectorBase<ConvertSAttnToVectorPass> {
  using ConvertSAttnToVectorBase::ConvertSAttnToVectorBase;
  void runOnOperation() override {
    bool ok = true;
    getOperation().walk([&](KernelOp kernel) {
      if (failed(verifyRangesExpanded(kernel, "convert-sattn-to-vector")) ||
          failed(verifyQueryMajor(kernel, "convert-sattn-to-vector")))
        ok = false;
      if (failed(cpu::computeTileShape(kernel)))
        ok = false;
    });
    if (!ok)
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    populateSAttnToVectorPatterns(patterns, rowSpans);
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingOps);
    if (failed(
            applyPatternsGreedily(getOperation(), std::move(patterns), config)))
      return signalPassFailure();
    recordAttentions(getOperation());
  }
};
} // namespace
