//===- SAttnToVector.cpp - the kernel lowering pattern --------------------===//
//
// The rewrite pattern behind `convert-sattn-to-vector`, exposed through
// populateSAttnToVectorPatterns so pipelines can mix it with others.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/SAttnToVector/KernelCodegen.h"
#include "lib/Conversion/SAttnToVector/Passes.h"

using namespace mlir;
using namespace sparsa::sattn;

namespace {
struct LowerKernelPattern : OpRewritePattern<KernelOp> {
  LowerKernelPattern(MLIRContext *ctx, bool rowSpans)
      : OpRewritePattern(ctx), rowSpans(rowSpans) {}
  LogicalResult matchAndRewrite(KernelOp kernel,
                                PatternRewriter &rewriter) const override {
    bool hasRanges = false;
    kernel.getSchedule().walk(
        [&](KeyTileRangeOpInterface) { hasRanges = true; });
    if (hasRanges)
      return rewriter.notifyMatchFailure(kernel, "ranges are not expanded");
    FailureOr<cpu::TileShape> shape = cpu::computeTileShape(kernel);
    if (failed(shape))
      return failure();
    shape->rowSpans = rowSpans;
    return cpu::lowerKernel(rewriter, kernel, *shape);
  }
  bool rowSpans;
};
} // namespace

void sparsa::sattn::populateSAttnToVectorPatterns(RewritePatternSet &patterns,
                                                  bool rowSpans) {
  patterns.add<LowerKernelPattern>(patterns.getContext(), rowSpans);
}
