//===- MaskCanonicalizeTest.cpp - canonicalization keeps the semantics ----===//
//
// Builds thousands of random mask expressions (every construct, random
// constant and runtime parameters, shared subexpressions, index
// arithmetic), runs mask-canonicalize on a copy and checks with the
// reference evaluator that both denote the same mask for random sequence
// lengths, heads and runtime parameter values.
//
//===----------------------------------------------------------------------===//

#include "MaskTestUtil.h"
#include "dialects/Mask/IR/MaskOps.h"
#include "dialects/Mask/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"

#include "gtest/gtest.h"

#include <random>

using namespace mlir;
using namespace sparsa;
using namespace sparsa::mask;

namespace {
constexpr unsigned kNumArgs = 3;

/// Random mask expressions over a function with kNumArgs index arguments.
class Generator {
public:
  Generator(OpBuilder &b, func::FuncOp fn, uint64_t seed)
      : b(b), fn(fn), rng(seed) {}

  Value mask(int depth) {
    // Reuse an earlier subexpression now and then to make DAGs.
    if (!made.empty() && pick(8) == 0)
      return made[pick(made.size())];
    Value v = depth <= 0 || pick(3) == 0 ? leaf() : combinator(depth - 1);
    made.push_back(v);
    return v;
  }

private:
  uint64_t pick(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng); }
  int64_t range(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  }
  Location loc() { return b.getUnknownLoc(); }

  /// A parameter in [lo, hi]: a constant, or sometimes a runtime value (an
  /// argument, an arith.constant or a little arithmetic).
  OpFoldResult param(int64_t lo, int64_t hi) {
    switch (pick(10)) {
    case 0:
      return fn.getArgument(pick(kNumArgs));
    case 1:
      return arith::ConstantIndexOp::create(b, loc(), range(lo, hi))
          .getResult();
    case 2: {
      Value c = arith::ConstantIndexOp::create(b, loc(), range(0, 2));
      return arith::AddIOp::create(b, loc(), fn.getArgument(pick(kNumArgs)),
                                   c)
          .getResult();
    }
    default:
      return b.getIndexAttr(range(lo, hi));
    }
  }
  template <typename OpTy> Value leafOp(ArrayRef<OpFoldResult> params) {
    return OpTy::create(b, loc(), params).getResult();
  }
  IndexSetAttr set() {
    if (pick(2) == 0) {
      std::optional<int64_t> hi;
      if (pick(3) != 0)
        hi = range(-6, 8);
      return IndexSetAttr::getRange(b.getContext(), range(-6, 6), hi);
    }
    SmallVector<int64_t> elements;
    for (int i = 0, e = pick(4); i < e; ++i)
      elements.push_back(range(-8, 10));
    return IndexSetAttr::getList(b.getContext(), elements);
  }

  Value leaf() {
    switch (pick(15)) {
    case 0:
      return AllOp::create(b, loc());
    case 1:
      return NoneOp::create(b, loc());
    case 2:
      return leafOp<CausalOp>({param(-4, 4)});
    case 3:
    case 4:
      return leafOp<WindowOp>({param(0, 5), param(0, 5)});
    case 5: {
      int64_t p = range(1, 4);
      return StrideOp::create(b, loc(),
                              ArrayRef<int64_t>{p, range(0, p - 1)});
    }
    case 6:
      return leafOp<DilatedOp>({param(0, 6), param(0, 6), param(1, 3)});
    case 7:
      return leafOp<BlocksOp>({param(1, 5)});
    case 8:
      return leafOp<SummaryOp>({param(1, 5), param(0, 6)});
    case 9:
      return leafOp<PrefixOp>({param(0, 8)});
    case 10:
      return leafOp<RandomBlocksOp>(
          {param(1, 4), param(0, 4), b.getIndexAttr(range(0, 1000))});
    case 11:
      return GlobalOp::create(b, loc(), set());
    case 12:
      return GlobalRowsOp::create(b, loc(), set());
    case 13:
      return GlobalColsOp::create(b, loc(), set());
    default:
      return leafOp<CausalOp>({b.getIndexAttr(0)});
    }
  }

  Value combinator(int depth) {
    Type t = MaskType::get(b.getContext());
    auto operands = [&](unsigned n) {
      SmallVector<Value> v;
      for (unsigned i = 0; i < n; ++i)
        v.push_back(mask(depth));
      return v;
    };
    switch (pick(6)) {
    case 0:
    case 1:
      return UnionOp::create(b, loc(), t, operands(1 + pick(3)));
    case 2:
    case 3:
      return IntersectOp::create(b, loc(), t, operands(1 + pick(3)));
    case 4: {
      auto v = operands(2);
      return DifferenceOp::create(b, loc(), v[0], v[1]);
    }
    default: {
      if (pick(4) == 0) {
        unsigned n = 1 + pick(3);
        SmallVector<int64_t> ends;
        int64_t e = 0;
        for (unsigned i = 0; i < n; ++i)
          ends.push_back(e += range(1, 2));
        return HeadsOp::create(b, loc(), t, b.getDenseI64ArrayAttr(ends),
                               operands(n));
      }
      return ComplementOp::create(b, loc(), mask(depth));
    }
    }
  }

  OpBuilder &b;
  func::FuncOp fn;
  std::mt19937_64 rng;
  SmallVector<Value> made;
};

struct Expression {
  OwningOpRef<ModuleOp> module;
  Value result() { return test::returnedMask(*module); }
};

Expression makeRandom(MLIRContext &ctx, uint64_t seed) {
  OpBuilder b(&ctx);
  Expression e;
  e.module = ModuleOp::create(b.getUnknownLoc());
  b.setInsertionPointToEnd(e.module->getBody());
  SmallVector<Type> args(kNumArgs, b.getIndexType());
  auto fn = func::FuncOp::create(
      b, b.getUnknownLoc(), "m",
      b.getFunctionType(args, {MaskType::get(&ctx)}));
  Block *body = fn.addEntryBlock();
  b.setInsertionPointToEnd(body);
  Generator gen(b, fn, seed);
  Value m = gen.mask(4);
  func::ReturnOp::create(b, b.getUnknownLoc(), m);
  return e;
}
} // namespace

TEST(MaskCanonicalize, RandomExpressionsKeepTheirMeaning) {
  MLIRContext ctx;
  test::loadMaskDialects(ctx);
  const int kExpressions = 20000;
  std::mt19937_64 rng(20261128);
  int64_t pointsChecked = 0, simplified = 0;
  for (int i = 0; i < kExpressions; ++i) {
    Expression original = makeRandom(ctx, rng());
    ASSERT_TRUE(succeeded(verify(*original.module)));
    OwningOpRef<ModuleOp> canon = original.module->clone();
    PassManager pm(&ctx);
    pm.addPass(createMaskCanonicalize());
    ASSERT_TRUE(succeeded(pm.run(*canon)));
    ASSERT_TRUE(succeeded(verify(*canon)));
    if (canon->getBody()->front().getRegion(0).front().getOperations().size() <
        original.module->getBody()
            ->front()
            .getRegion(0)
            .front()
            .getOperations()
            .size())
      ++simplified;

    for (int env = 0; env < 4; ++env) {
      int64_t nq = std::uniform_int_distribution<int64_t>(0, 11)(rng);
      int64_t nk = std::uniform_int_distribution<int64_t>(0, 11)(rng);
      if (env == 0)
        nk = nq;
      SmallVector<int64_t> args;
      for (unsigned a = 0; a < kNumArgs; ++a)
        args.push_back(std::uniform_int_distribution<int64_t>(0, 5)(rng));
      auto before = ReferenceMask::build(original.result(), nq, nk, args);
      if (!before) {
        // Invalid runtime values for the original expression: nothing to
        // compare (the canonical form may legitimately have dropped them).
        llvm::consumeError(before.takeError());
        continue;
      }
      auto after = ReferenceMask::build(test::returnedMask(*canon), nq, nk,
                                        args);
      ASSERT_TRUE(bool(after)) << llvm::toString(after.takeError());
      for (int64_t h = 0; h < 4; ++h)
        for (int64_t q = 0; q < nq; ++q)
          for (int64_t k = 0; k < nk; ++k) {
            ++pointsChecked;
            if (before->allowed(h, q, k) != after->allowed(h, q, k)) {
              std::string s1, s2;
              llvm::raw_string_ostream o1(s1), o2(s2);
              original.module->print(o1);
              canon->print(o2);
              FAIL() << "mismatch at h=" << h << " q=" << q << " k=" << k
                     << " Nq=" << nq << " Nk=" << nk << " args=" << args[0]
                     << "," << args[1] << "," << args[2] << "\nbefore:\n"
                     << s1 << "after:\n"
                     << s2;
            }
          }
    }
  }
  std::printf("checked %d expressions, %lld points, %lld simplified\n",
              kExpressions, static_cast<long long>(pointsChecked),
              static_cast<long long>(simplified));
  EXPECT_GT(simplified, kExpressions / 10);
}
