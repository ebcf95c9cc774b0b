//===- ApproximateMathPass.cpp - sparsa-approximate-math ------------------===//
//
// Rewrites math.exp / math.log (and the other functions MLIR approximates)
// into polynomials on arith ops, so kernels need no libm and the softmax
// exponentials are computed in vector registers.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/SAttnToVector/Passes.h"

#include "mlir/Dialect/Math/Transforms/Approximation.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace sparsa::sattn {
#define GEN_PASS_DEF_APPROXIMATEMATH
#include "lib/Conversion/SAttnToVector/Passes.h.inc"
} // namespace sparsa::sattn

using namespace mlir;

namespace {
struct ApproximateMathPass
    : sparsa::sattn::impl::ApproximateMathBase<ApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
