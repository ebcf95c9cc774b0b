//===- MaskCanonicalizeTest.cpp - canonicalization keeps the semantics ----===//
//
// Builds thousands of random mask expressions (every construct, random
// constant and runtime parameters, shared subexpressions, index
// arithmetic), runs mask-canonicalize on a copy and checks with the
// reference evaluator that both denote the same mask for random sequence
// lengths, heads and runtime parameter values.
//
//===----------------------------------------------------------------------===//

#include "MaskRandomGen.h"
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
using sparsa::test::Expression;
using sparsa::test::kNumArgs;
using sparsa::test::makeRandom;

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
      auto after =
          ReferenceMask::build(test::returnedMask(*canon), nq, nk, args);
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
