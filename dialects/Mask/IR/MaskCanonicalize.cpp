//===- MaskCanonicalize.cpp - the mask algebra ----------------------------===//
//
// Canonicalization patterns of the mask ops. Each rewrite is an identity of
// the predicate algebra; `test/unit/MaskCanonicalizeTest.cpp` checks on
// thousands of random expressions that none changes the reference semantics.
//
// Bands: `window(b, a)` is the interval -a <= q-k <= b of the diagonal
// distance d = q - k, and `causal(c)` is -c <= d. Unions and intersections
// of such intervals are intervals again whenever they overlap or touch,
// which is what lets windows and causal masks merge.
//
//===----------------------------------------------------------------------===//

#include "dialects/Mask/IR/MaskOps.h"
#include "dialects/Mask/IR/MaskParams.h"
#include "dialects/Mask/IR/MaskStructural.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace sparsa::mask;

static Type maskType(MLIRContext *ctx) { return MaskType::get(ctx); }

//===----------------------------------------------------------------------===//
// Parametric leaves
//===----------------------------------------------------------------------===//

namespace {
/// Moves constant runtime parameters into the static list:
/// `mask.window [%c4, %w]` with `%c4 = arith.constant 4` -> `[4, %w]`.
template <typename OpTy>
struct FoldConstantParams : public OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    SmallVector<OpFoldResult> mixed = op.getMixedParams();
    if (failed(foldDynamicIndexList(mixed, /*onlyNonNegative=*/false)))
      return failure();
    // A constant the verifier would reject stays a runtime value, so the
    // error is reported where the value is known rather than by the
    // rewrite producing invalid IR. That includes INT64_MIN, which cannot be
    // held in `static_params` (it marks a runtime entry there).
    SmallVector<std::optional<int64_t>> values;
    for (OpFoldResult v : mixed)
      values.push_back(getConstantIntValue(v));
    if (!checkMaskParams(op->getName().getStringRef(), OpTy::getParamNames(),
                         values)
             .empty())
      return failure();
    SmallVector<int64_t> statics;
    SmallVector<Value> dynamics;
    dispatchIndexOpFoldResults(mixed, dynamics, statics);
    rewriter.modifyOpInPlace(op, [&] {
      op.getParamsMutable().assign(dynamics);
      op.setStaticParams(statics);
    });
    return success();
  }
};

/// Rewrites a parametric leaf whose constant parameters make it a simpler
/// mask. `simplify` returns the replacement or null.
template <typename OpTy> struct SimplifyLeaf : public OpRewritePattern<OpTy> {
  using Fn = std::function<Value(OpTy, PatternRewriter &)>;
  SimplifyLeaf(MLIRContext *ctx, Fn fn)
      : OpRewritePattern<OpTy>(ctx), fn(std::move(fn)) {}
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    Value v = fn(op, rewriter);
    if (!v)
      return failure();
    rewriter.replaceOp(op, v);
    return success();
  }
  Fn fn;
};
} // namespace

static Value makeAll(PatternRewriter &r, Location loc) {
  return AllOp::create(r, loc).getResult();
}
static Value makeNone(PatternRewriter &r, Location loc) {
  return NoneOp::create(r, loc).getResult();
}
static Value makeWindow(PatternRewriter &r, Location loc, int64_t before,
                        int64_t after) {
  return WindowOp::create(r, loc, ArrayRef<int64_t>{before, after}).getResult();
}

template <typename OpTy>
static void addParamPatterns(RewritePatternSet &results, MLIRContext *ctx,
                             typename SimplifyLeaf<OpTy>::Fn fn = nullptr) {
  results.add<FoldConstantParams<OpTy>>(ctx);
  if (fn)
    results.add<SimplifyLeaf<OpTy>>(ctx, std::move(fn));
}

void CausalOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                           MLIRContext *ctx) {
  addParamPatterns<CausalOp>(results, ctx);
}

void WindowOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                           MLIRContext *ctx) {
  addParamPatterns<WindowOp>(results, ctx);
}

void StrideOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                           MLIRContext *ctx) {
  // stride(1) -> all (the residue is then 0 by the verifier).
  addParamPatterns<StrideOp>(results, ctx,
                             [](StrideOp op, PatternRewriter &r) -> Value {
                               if (op.getConstantParam(0) == 1)
                                 return makeAll(r, op.getLoc());
                               return {};
                             });
}

void DilatedOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                            MLIRContext *ctx) {
  // dilated(b, a, 1) -> window(b, a); dilated(0, 0, d) -> window(0, 0).
  addParamPatterns<DilatedOp>(
      results, ctx, [](DilatedOp op, PatternRewriter &r) -> Value {
        auto b = op.getConstantParam(0), a = op.getConstantParam(1),
             d = op.getConstantParam(2);
        if (!b || !a)
          return {};
        if (d == 1 || (*b == 0 && *a == 0))
          return makeWindow(r, op.getLoc(), *b, *a);
        return {};
      });
}

void BlocksOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                           MLIRContext *ctx) {
  // blocks(1) -> window(0, 0): q == k.
  addParamPatterns<BlocksOp>(results, ctx,
                             [](BlocksOp op, PatternRewriter &r) -> Value {
                               if (op.getConstantParam(0) == 1)
                                 return makeWindow(r, op.getLoc(), 0, 0);
                               return {};
                             });
}

void SummaryOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                            MLIRContext *ctx) {
  // summary(p, 0) -> none; summary(p, c >= p) -> all.
  addParamPatterns<SummaryOp>(
      results, ctx, [](SummaryOp op, PatternRewriter &r) -> Value {
        auto p = op.getConstantParam(0), c = op.getConstantParam(1);
        if (c == 0)
          return makeNone(r, op.getLoc());
        if (p && c && *c >= *p)
          return makeAll(r, op.getLoc());
        return {};
      });
}

void PrefixOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                           MLIRContext *ctx) {
  // prefix(0) -> none.
  addParamPatterns<PrefixOp>(results, ctx,
                             [](PrefixOp op, PatternRewriter &r) -> Value {
                               if (op.getConstantParam(0) == 0)
                                 return makeNone(r, op.getLoc());
                               return {};
                             });
}

void RandomBlocksOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                                 MLIRContext *ctx) {
  // random_blocks(b, 0, s) -> none.
  addParamPatterns<RandomBlocksOp>(
      results, ctx, [](RandomBlocksOp op, PatternRewriter &r) -> Value {
        if (op.getConstantParam(1) == 0)
          return makeNone(r, op.getLoc());
        return {};
      });
}

//===----------------------------------------------------------------------===//
// Index-set leaves
//===----------------------------------------------------------------------===//

namespace {
/// An empty set gives `none`; the full range `0 to end` gives `all`.
template <typename OpTy> struct SimplifySetOp : public OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    IndexSetAttr set = op.getSet();
    if (set.isAlwaysEmpty()) {
      rewriter.replaceOpWithNewOp<NoneOp>(op);
      return success();
    }
    if (set.getIsRange() && set.getLo() == 0 && !set.getHi()) {
      rewriter.replaceOpWithNewOp<AllOp>(op);
      return success();
    }
    return failure();
  }
};
} // namespace

void GlobalOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                           MLIRContext *ctx) {
  results.add<SimplifySetOp<GlobalOp>>(ctx);
}
void GlobalRowsOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                               MLIRContext *ctx) {
  results.add<SimplifySetOp<GlobalRowsOp>>(ctx);
}
void GlobalColsOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                               MLIRContext *ctx) {
  results.add<SimplifySetOp<GlobalColsOp>>(ctx);
}

//===----------------------------------------------------------------------===//
// Union and intersection
//===----------------------------------------------------------------------===//

namespace {
/// Constant bands among the operands of a union or intersection: windows,
/// causal masks and prefixes, each with all parameters constant.
struct Bands {
  std::optional<std::pair<int64_t, int64_t>> window; // (before, after)
  std::optional<int64_t> causal;                     // offset
  std::optional<int64_t> prefix;                     // length
};

/// Shared driver of the union and intersection rewrites. `isUnion` selects
/// the identities: for a union, `all` absorbs and `none` is neutral; for an
/// intersection, the other way round.
template <typename OpTy, bool isUnion>
struct SimplifySetAlgebra : public OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    // 1. Flatten nested ops of the same kind.
    SmallVector<Value> flat;
    SmallVector<Value> stack(llvm::reverse(op.getInputs()));
    while (!stack.empty()) {
      Value v = stack.pop_back_val();
      if (auto inner = v.getDefiningOp<OpTy>())
        stack.append(llvm::to_vector(llvm::reverse(inner.getInputs())));
      else
        flat.push_back(v);
    }

    // 2. Absorbing and neutral elements; collect constant bands.
    SmallVector<Value> rest;
    Bands bands;
    bool mergedBand = false;
    for (Value v : flat) {
      Operation *def = v.getDefiningOp();
      if (isUnion ? isa_and_nonnull<AllOp>(def)
                  : isa_and_nonnull<NoneOp>(def)) {
        rewriter.replaceOp(op, v);
        return success();
      }
      if (isUnion ? isa_and_nonnull<NoneOp>(def) : isa_and_nonnull<AllOp>(def))
        continue;
      if (auto w = dyn_cast_or_null<WindowOp>(def)) {
        auto b = w.getConstantParam(0), a = w.getConstantParam(1);
        if (b && a) {
          if (bands.window) {
            mergedBand = true;
            auto &[ob, oa] = *bands.window;
            bands.window = isUnion
                               ? std::pair(std::max(ob, *b), std::max(oa, *a))
                               : std::pair(std::min(ob, *b), std::min(oa, *a));
          } else {
            bands.window = std::pair(*b, *a);
          }
          continue;
        }
      }
      if (auto c = dyn_cast_or_null<CausalOp>(def)) {
        if (auto off = c.getConstantParam(0)) {
          mergedBand |= bands.causal.has_value();
          bands.causal = !bands.causal ? *off
                         : isUnion     ? std::max(*bands.causal, *off)
                                       : std::min(*bands.causal, *off);
          continue;
        }
      }
      if (auto p = dyn_cast_or_null<PrefixOp>(def)) {
        if (auto len = p.getConstantParam(0)) {
          mergedBand |= bands.prefix.has_value();
          bands.prefix = !bands.prefix ? *len
                         : isUnion     ? std::max(*bands.prefix, *len)
                                       : std::min(*bands.prefix, *len);
          continue;
        }
      }
      rest.push_back(v);
    }

    // 2b. causal(0) & window(b, a) is window(b, 0) whatever b and a >= 0
    //     are, runtime values included: the causal mask is absorbed into a
    //     window whose `after` becomes 0.
    if (!isUnion && bands.causal == 0) {
      bool absorbed = false;
      for (Value &v : rest) {
        auto w = v.getDefiningOp<WindowOp>();
        if (!w)
          continue;
        SmallVector<OpFoldResult> params = w.getMixedParams();
        params[1] = rewriter.getIndexAttr(0);
        v = WindowOp::create(rewriter, loc, params).getResult();
        absorbed = true;
      }
      if (absorbed) {
        bands.causal.reset();
        mergedBand = true;
      }
    }

    // 3. A window and a causal mask: both are intervals of d = q - k,
    //    window = [-a, b], causal = [-c, inf).
    if (bands.window && bands.causal) {
      auto [b, a] = *bands.window;
      int64_t c = *bands.causal;
      if (isUnion) {
        // Touching or overlapping intervals: union = [min(-a, -c), inf).
        if (static_cast<__int128>(b) + 1 >= -static_cast<__int128>(c)) {
          bands.causal = std::max(a, c);
          bands.window.reset();
          mergedBand = true;
        }
      } else {
        // Intersection = [max(-a, -c), b].
        if (c >= 0) {
          bands.window = std::pair(b, std::min(a, c));
          bands.causal.reset();
          mergedBand = true;
        } else if (-static_cast<__int128>(c) > b) {
          rewriter.replaceOp(op, makeNone(rewriter, loc));
          return success();
        }
      }
    }

    // Re-create the surviving bands (reusing the original op if unchanged).
    SmallVector<Value> operands = std::move(rest);
    auto reuse = [&](auto pred) -> Value {
      for (Value v : flat)
        if (pred(v.getDefiningOp()))
          return v;
      return {};
    };
    if (bands.window) {
      int64_t b = bands.window->first, a = bands.window->second;
      Value v = reuse([&](Operation *d) {
        auto w = dyn_cast_or_null<WindowOp>(d);
        return w && w.getConstantParam(0) == b && w.getConstantParam(1) == a;
      });
      operands.push_back(v ? v : makeWindow(rewriter, loc, b, a));
    }
    if (bands.causal) {
      int64_t c = *bands.causal;
      Value v = reuse([&](Operation *d) {
        auto w = dyn_cast_or_null<CausalOp>(d);
        return w && w.getConstantParam(0) == c;
      });
      operands.push_back(
          v ? v
            : CausalOp::create(rewriter, loc, ArrayRef<int64_t>{c})
                  .getResult());
    }
    if (bands.prefix) {
      int64_t n = *bands.prefix;
      Value v = reuse([&](Operation *d) {
        auto w = dyn_cast_or_null<PrefixOp>(d);
        return w && w.getConstantParam(0) == n;
      });
      operands.push_back(
          v ? v
            : PrefixOp::create(rewriter, loc, ArrayRef<int64_t>{n})
                  .getResult());
    }

    // 4. Canonical order; structurally equal operands collapse
    //    (idempotence).
    sortAndUniqueMasks(operands);

    if (operands.empty()) {
      rewriter.replaceOp(op, isUnion ? makeNone(rewriter, loc)
                                     : makeAll(rewriter, loc));
      return success();
    }
    if (operands.size() == 1) {
      rewriter.replaceOp(op, operands.front());
      return success();
    }
    if (!mergedBand && llvm::equal(operands, op.getInputs()))
      return failure();
    rewriter.replaceOpWithNewOp<OpTy>(op, maskType(op.getContext()), operands);
    return success();
  }
};
} // namespace

void UnionOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                          MLIRContext *ctx) {
  results.add<SimplifySetAlgebra<UnionOp, true>>(ctx);
}

void IntersectOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *ctx) {
  results.add<SimplifySetAlgebra<IntersectOp, false>>(ctx);
}

//===----------------------------------------------------------------------===//
// Difference and complement
//===----------------------------------------------------------------------===//

namespace {
struct SimplifyDifference : public OpRewritePattern<DifferenceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DifferenceOp op,
                                PatternRewriter &rewriter) const override {
    Operation *lhs = op.getLhs().getDefiningOp();
    Operation *rhs = op.getRhs().getDefiningOp();
    // a - none = a
    if (isa_and_nonnull<NoneOp>(rhs)) {
      rewriter.replaceOp(op, op.getLhs());
      return success();
    }
    // a - all = none, none - b = none, a - a = none
    if (isa_and_nonnull<AllOp>(rhs) || isa_and_nonnull<NoneOp>(lhs) ||
        compareMasks(op.getLhs(), op.getRhs()) == 0) {
      rewriter.replaceOpWithNewOp<NoneOp>(op);
      return success();
    }
    // all - b = !b
    if (isa_and_nonnull<AllOp>(lhs)) {
      rewriter.replaceOpWithNewOp<ComplementOp>(op, op.getRhs());
      return success();
    }
    return failure();
  }
};

struct SimplifyComplement : public OpRewritePattern<ComplementOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ComplementOp op,
                                PatternRewriter &rewriter) const override {
    Operation *in = op.getInput().getDefiningOp();
    if (auto inner = dyn_cast_or_null<ComplementOp>(in)) {
      rewriter.replaceOp(op, inner.getInput());
      return success();
    }
    if (isa_and_nonnull<AllOp>(in)) {
      rewriter.replaceOpWithNewOp<NoneOp>(op);
      return success();
    }
    if (isa_and_nonnull<NoneOp>(in)) {
      rewriter.replaceOpWithNewOp<AllOp>(op);
      return success();
    }
    return failure();
  }
};

/// Adjacent head ranges with structurally equal masks merge into one range.
struct MergeHeadRanges : public OpRewritePattern<HeadsOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(HeadsOp op,
                                PatternRewriter &rewriter) const override {
    SmallVector<int64_t> ends;
    SmallVector<Value> inputs;
    for (auto [end, in] : llvm::zip(op.getEnds(), op.getInputs())) {
      if (!inputs.empty() && compareMasks(inputs.back(), in) == 0) {
        ends.back() = end;
        continue;
      }
      ends.push_back(end);
      inputs.push_back(in);
    }
    if (inputs.size() == op.getInputs().size())
      return failure();
    rewriter.replaceOpWithNewOp<HeadsOp>(op, maskType(op.getContext()),
                                         rewriter.getDenseI64ArrayAttr(ends),
                                         inputs);
    return success();
  }
};
} // namespace

void DifferenceOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                               MLIRContext *ctx) {
  results.add<SimplifyDifference>(ctx);
}

void ComplementOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                               MLIRContext *ctx) {
  results.add<SimplifyComplement>(ctx);
}

void HeadsOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                          MLIRContext *ctx) {
  results.add<MergeHeadRanges>(ctx);
}
