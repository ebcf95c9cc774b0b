//===- MaskCanonicalizePass.cpp - the mask-canonicalize pass --------------===//
//
// Runs the mask algebra to a fixed point on every mask op of the input,
// along with the folders of the arith ops that compute mask parameters,
// then puts the ops of each function in use order (a post-order walk from
// the returned values, operands in their sorted order), so that two
// patterns with the same canonical expression print the same text whatever
// order their terms were written in: `a | b` and `b | a` give one JIT
// cache key.
//
//===----------------------------------------------------------------------===//

#include "dialects/Mask/IR/MaskDialect.h"
#include "dialects/Mask/IR/MaskOps.h"
#include "dialects/Mask/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallPtrSet.h"

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
    // The arith ops computing parameters are only folded (the driver folds
    // every op: `arith.muli %c2, %c64` becomes a constant that then folds
    // into a static parameter). arith's canonicalization patterns are left
    // out: they reassociate in wrapping arithmetic (`C - (W - 2)` into
    // `(C + 2) - W`), which can overflow where the written expression does
    // not, and the pattern language makes overflow an error.
    FrozenRewritePatternSet frozen(std::move(patterns));
    simplifyBottomUp(frozen);
    // Region-wide so that a parameter folded to a constant revisits the
    // unions and intersections using it.
    if (failed(applyPatternsGreedily(getOperation(), frozen)))
      return signalPassFailure();
    getOperation()->walk([](func::FuncOp fn) {
      if (!fn.isExternal() && fn.getBody().hasOneBlock() &&
          fn.getNumResults() == 1 && isa<MaskType>(fn.getResultTypes()[0]))
        orderByUse(fn.getBody().front());
    });
  }

  /// Simplifies each op once its operands are simplified, before the
  /// region-wide fixed point. The region-wide driver revisits a user every
  /// time one of its operands is replaced, so a union of n terms, each
  /// rewritten once, was re-sorted n times (2,000 terms took 40 s); here
  /// the users of an op are not revisited, and the fixed point that follows
  /// finds little left to do.
  void simplifyBottomUp(const FrozenRewritePatternSet &patterns) {
    SmallVector<Operation *> ops;
    getOperation()->walk([&](Operation *op) {
      if (op->getNumRegions() == 0)
        ops.push_back(op);
    });
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
    llvm::DenseSet<Operation *> erased;
    struct Listener : RewriterBase::Listener {
      llvm::DenseSet<Operation *> &erased;
      Listener(llvm::DenseSet<Operation *> &erased) : erased(erased) {}
      void notifyOperationErased(Operation *op) override { erased.insert(op); }
    } listener(erased);
    config.setListener(&listener);
    for (Operation *op : ops)
      if (!erased.contains(op))
        (void)applyOpPatternsGreedily(op, patterns, config);
  }

  /// Moves the ops that compute the terminator's operands, in post-order
  /// (operands first, left to right), to just before the terminator. Only
  /// blocks made of pure, region-free ops are reordered (mask patterns are),
  /// so no use can end up before its definition.
  static void orderByUse(Block &block) {
    Operation *terminator = block.getTerminator();
    if (!terminator)
      return;
    for (Operation &op : block.without_terminator())
      if (op.getNumRegions() != 0 || !isPure(&op))
        return;
    llvm::SmallPtrSet<Operation *, 32> done;
    SmallVector<Operation *> order;
    // Iterative post-order: (op, next operand index).
    SmallVector<std::pair<Operation *, unsigned>> stack;
    auto movable = [&](Operation *op) {
      return op && op->getBlock() == &block && op->getNumRegions() == 0 &&
             isPure(op);
    };
    for (Value root : terminator->getOperands()) {
      Operation *def = root.getDefiningOp();
      if (!movable(def) || !done.insert(def).second)
        continue;
      stack.push_back({def, 0});
      while (!stack.empty()) {
        auto &[op, next] = stack.back();
        if (next < op->getNumOperands()) {
          Operation *d = op->getOperand(next++).getDefiningOp();
          if (movable(d) && done.insert(d).second)
            stack.push_back({d, 0});
          continue;
        }
        order.push_back(op);
        stack.pop_back();
      }
    }
    for (Operation *op : order)
      op->moveBefore(terminator);
  }
};
} // namespace
