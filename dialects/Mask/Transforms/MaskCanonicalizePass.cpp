//===- MaskCanonicalizePass.cpp - the mask-canonicalize pass --------------===//
//
// Runs the mask algebra to a fixed point on every mask op of the input,
// along with the folders of the arith ops that compute mask parameters.
//
//===----------------------------------------------------------------------===//

#include "dialects/Mask/IR/MaskDialect.h"
#include "dialects/Mask/IR/MaskOps.h"
#include "dialects/Mask/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace sparsa::mask {
#define GEN_PASS_DEF_MASKCANONICALIZE
#include "dialects/Mask/Transforms/Passes.h.inc"
} // namespace sparsa::mask

using namespace mlir;
using namespace sparsa::mask;

void sparsa::mask::populateMaskCanonicalizationPatterns(
    RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  for (RegisteredOperationName name : ctx->getRegisteredOperations())
    if (name.getDialectNamespace() == MaskDialect::getDialectNamespace())
      name.getCanonicalizationPatterns(patterns, ctx);
}

namespace {
struct MaskCanonicalizePass
    : public sparsa::mask::impl::MaskCanonicalizeBase<MaskCanonicalizePass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    populateMaskCanonicalizationPatterns(patterns);
    // Folding arith constants into static parameters needs arith's own
    // folds (e.g. `%w = arith.muli %c2, %c64`).
    for (RegisteredOperationName name : ctx->getRegisteredOperations())
      if (name.getDialectNamespace() ==
          arith::ArithDialect::getDialectNamespace())
        name.getCanonicalizationPatterns(patterns, ctx);
    // Region-wide so that a parameter folded to a constant revisits the
    // unions and intersections using it.
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
