//===- MaskRandomGen.h - random mask expressions for tests ------*- C++ -*-===//
//
// A generator of random mask functions covering every construct of the mask
// dialect (all leaves with constant and runtime parameters, index
// arithmetic, index sets with negative members, every combinator, heads,
// shared subexpressions), used by the property tests of the mask algebra
// and of the mask analyses.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_TEST_UNIT_MASKRANDOMGEN_H
#define SPARSA_TEST_UNIT_MASKRANDOMGEN_H

#include "MaskTestUtil.h"
#include "dialects/Mask/IR/MaskOps.h"

#include "mlir/IR/Builders.h"

#include <random>

namespace sparsa::test {

using namespace mlir;
using namespace sparsa::mask;

constexpr unsigned kNumArgs = 3;

/// Random mask expressions over a function with kNumArgs index arguments.
class Generator {
public:
  /// `scale` multiplies the ranges of parameters and index-set members, so
  /// that tests on longer sequences still see every structure.
  Generator(OpBuilder &b, func::FuncOp fn, uint64_t seed, int64_t scale = 1)
      : b(b), fn(fn), rng(seed), scale(scale) {}

  Value mask(int depth) {
    // Reuse an earlier subexpression now and then to make DAGs.
    if (!made.empty() && pick(8) == 0)
      return made[pick(made.size())];
    Value v = depth <= 0 || pick(3) == 0 ? leaf() : combinator(depth - 1);
    made.push_back(v);
    return v;
  }

private:
  uint64_t pick(uint64_t n) {
    return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng);
  }
  int64_t range(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  }
  /// range() with the bounds scaled.
  int64_t srange(int64_t lo, int64_t hi) {
    return range(lo * scale, hi * scale);
  }
  Location loc() { return b.getUnknownLoc(); }

  /// A parameter in [lo, hi]: a constant, or sometimes a runtime value (an
  /// argument, an arith.constant or a little arithmetic).
  OpFoldResult param(int64_t lo, int64_t hi) {
    lo = lo > 1 || lo < 0 ? lo * scale : lo;
    hi *= scale;
    switch (pick(10)) {
    case 0:
      return fn.getArgument(pick(kNumArgs));
    case 1:
      return arith::ConstantIndexOp::create(b, loc(), range(lo, hi))
          .getResult();
    case 2: {
      Value c = arith::ConstantIndexOp::create(b, loc(), range(0, 2));
      return arith::AddIOp::create(b, loc(), fn.getArgument(pick(kNumArgs)), c)
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
        hi = srange(-6, 8);
      return IndexSetAttr::getRange(b.getContext(), srange(-6, 6), hi);
    }
    SmallVector<int64_t> elements;
    for (int i = 0, e = pick(4); i < e; ++i)
      elements.push_back(srange(-8, 10));
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
      int64_t p = srange(1, 4);
      return StrideOp::create(b, loc(), ArrayRef<int64_t>{p, range(0, p - 1)});
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
  int64_t scale;
  SmallVector<Value> made;
};

/// A module with one function `@m` of kNumArgs index arguments returning a
/// random mask.
struct Expression {
  OwningOpRef<ModuleOp> module;
  Value result() { return test::returnedMask(*module); }
};

inline Expression makeRandom(MLIRContext &ctx, uint64_t seed, int64_t scale = 1,
                             int depth = 4) {
  OpBuilder b(&ctx);
  Expression e;
  e.module = ModuleOp::create(b.getUnknownLoc());
  b.setInsertionPointToEnd(e.module->getBody());
  SmallVector<Type> args(kNumArgs, b.getIndexType());
  auto fn =
      func::FuncOp::create(b, b.getUnknownLoc(), "m",
                           b.getFunctionType(args, {MaskType::get(&ctx)}));
  Block *body = fn.addEntryBlock();
  b.setInsertionPointToEnd(body);
  Generator gen(b, fn, seed, scale);
  Value m = gen.mask(depth);
  func::ReturnOp::create(b, b.getUnknownLoc(), m);
  return e;
}
} // namespace sparsa::test

#endif // SPARSA_TEST_UNIT_MASKRANDOMGEN_H
