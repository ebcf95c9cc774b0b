//===- MaskReferenceTest.cpp - reference semantics vs truth tables --------===//
//
// Each case is a small mask whose matrix was worked out by hand from the
// table in SPEC_LANGUAGE.md; the reference evaluator must reproduce it.
//
//===----------------------------------------------------------------------===//

#include "MaskTestUtil.h"
#include "dialects/Mask/IR/RandomBlocks.h"

#include "mlir/IR/Diagnostics.h"

#include "gtest/gtest.h"

#include <set>

using namespace mlir;
using namespace sparsa;
using namespace sparsa::mask;

namespace {
class MaskReferenceTest : public ::testing::Test {
protected:
  MaskReferenceTest() { test::loadMaskDialects(ctx); }

  /// Evaluates the mask built by `body` (ops ending in a value %m) at
  /// Nq x Nk, with runtime arguments `args` bound to %a0, %a1, ...
  std::vector<std::string> eval(const std::string &body, int64_t nq, int64_t nk,
                                std::vector<int64_t> args = {},
                                int64_t head = 0) {
    std::string params;
    for (size_t i = 0; i < args.size(); ++i)
      params +=
          (i ? ", " : "") + std::string("%a") + std::to_string(i) + ": index";
    std::string text = "func.func @m(" + params + ") -> !mask.mask {\n" + body +
                       "\nreturn %m : !mask.mask\n}";
    module = parseSourceString<ModuleOp>(text, &ctx);
    EXPECT_TRUE(module) << text;
    if (!module)
      return {};
    auto ref = ReferenceMask::build(test::returnedMask(*module), nq, nk, args);
    if (!ref) {
      ADD_FAILURE() << llvm::toString(ref.takeError());
      return {};
    }
    return test::render(*ref, head);
  }

  /// The evaluator's error for `body` with `args`; `declared` arguments
  /// (default: one per value) are declared on the function.
  std::string error(const std::string &body, int64_t n,
                    std::vector<int64_t> args, size_t declared = ~0u) {
    std::string params;
    if (declared == ~0u)
      declared = args.size();
    for (size_t i = 0; i < declared; ++i)
      params +=
          (i ? ", " : "") + std::string("%a") + std::to_string(i) + ": index";
    std::string text = "func.func @m(" + params + ") -> !mask.mask {\n" + body +
                       "\nreturn %m : !mask.mask\n}";
    module = parseSourceString<ModuleOp>(text, &ctx);
    if (!module)
      return "parse failure";
    auto ref = ReferenceMask::build(test::returnedMask(*module), n, n, args);
    if (ref)
      return "";
    return llvm::toString(ref.takeError());
  }

  MLIRContext ctx;
  OwningOpRef<ModuleOp> module;
};
} // namespace

using Rows = std::vector<std::string>;

TEST_F(MaskReferenceTest, AllNone) {
  EXPECT_EQ(eval("%m = mask.all", 2, 3), (Rows{"111", "111"}));
  EXPECT_EQ(eval("%m = mask.none", 2, 3), (Rows{"000", "000"}));
}

TEST_F(MaskReferenceTest, Causal) {
  EXPECT_EQ(eval("%m = mask.causal [0]", 4, 4),
            (Rows{"1000", "1100", "1110", "1111"}));
  EXPECT_EQ(eval("%m = mask.causal [1]", 4, 4),
            (Rows{"1100", "1110", "1111", "1111"}));
  EXPECT_EQ(eval("%m = mask.causal [-2]", 4, 4),
            (Rows{"0000", "0000", "1000", "1100"}));
  // Nq != Nk: the diagonal is anchored at (0, 0).
  EXPECT_EQ(eval("%m = mask.causal [0]", 2, 4), (Rows{"1000", "1100"}));
}

TEST_F(MaskReferenceTest, Window) {
  EXPECT_EQ(eval("%m = mask.window [1, 0]", 4, 4),
            (Rows{"1000", "1100", "0110", "0011"}));
  EXPECT_EQ(eval("%m = mask.window [0, 2]", 4, 5),
            (Rows{"11100", "01110", "00111", "00011"}));
  // Runtime parameters.
  EXPECT_EQ(eval("%m = mask.window [%a0, %a1]", 3, 3, {1, 1}),
            (Rows{"110", "111", "011"}));
}

TEST_F(MaskReferenceTest, Stride) {
  EXPECT_EQ(eval("%m = mask.stride [2, 0]", 4, 4),
            (Rows{"1010", "0101", "1010", "0101"}));
  // (q - k) mod 3 == 1 with the mathematical modulo: q=0,k=2 -> -2 mod 3 = 1.
  EXPECT_EQ(eval("%m = mask.stride [3, 1]", 4, 4),
            (Rows{"0010", "1001", "0100", "0010"}));
}

TEST_F(MaskReferenceTest, Dilated) {
  EXPECT_EQ(eval("%m = mask.dilated [4, 0, 2]", 6, 6),
            (Rows{"100000", "010000", "101000", "010100", "101010", "010101"}));
  EXPECT_EQ(eval("%m = mask.dilated [2, 2, 2]", 5, 5),
            (Rows{"10100", "01010", "10101", "01010", "00101"}));
}

TEST_F(MaskReferenceTest, Blocks) {
  EXPECT_EQ(eval("%m = mask.blocks [2]", 5, 5),
            (Rows{"11000", "11000", "00110", "00110", "00001"}));
}

TEST_F(MaskReferenceTest, Summary) {
  // k mod 3 >= 3 - 1: columns 2 and 5.
  EXPECT_EQ(eval("%m = mask.summary [3, 1]", 2, 7),
            (Rows{"0010010", "0010010"}));
  EXPECT_EQ(eval("%m = mask.summary [3, 5]", 1, 4), (Rows{"1111"}));
}

TEST_F(MaskReferenceTest, Prefix) {
  EXPECT_EQ(eval("%m = mask.prefix [2]", 2, 4), (Rows{"1100", "1100"}));
  // prefix-LM: causal | prefix(2)
  EXPECT_EQ(eval("%c = mask.causal [0]\n%p = mask.prefix [2]\n"
                 "%m = mask.union %c, %p",
                 4, 4),
            (Rows{"1100", "1100", "1110", "1111"}));
}

TEST_F(MaskReferenceTest, GlobalSets) {
  EXPECT_EQ(eval("%m = mask.global #mask.set<0 to 1>", 3, 3),
            (Rows{"111", "100", "100"}));
  EXPECT_EQ(eval("%m = mask.global_rows #mask.set<[-1]>", 3, 3),
            (Rows{"000", "000", "111"}));
  // Negative indices resolve against Nk for columns; -2 to end is {2, 3}.
  EXPECT_EQ(eval("%m = mask.global_cols #mask.set<-2 to end>", 2, 4),
            (Rows{"0011", "0011"}));
  // Members outside the sequence are ignored.
  EXPECT_EQ(eval("%m = mask.global_cols #mask.set<[1, 7, -9]>", 1, 3),
            (Rows{"010"}));
  // A range running past the end is clamped; -5 to -1 at N=3 is {0, 1}.
  EXPECT_EQ(eval("%m = mask.global_cols #mask.set<-5 to -1>", 1, 3),
            (Rows{"110"}));
  EXPECT_EQ(eval("%m = mask.global_rows #mask.set<1 to 100>", 3, 2),
            (Rows{"00", "11", "11"}));
}

TEST_F(MaskReferenceTest, Combinators) {
  std::string leaves = "%c = mask.causal [0]\n%w = mask.window [1, 1]\n";
  EXPECT_EQ(eval(leaves + "%m = mask.intersect %c, %w", 3, 3),
            (Rows{"100", "110", "011"}));
  EXPECT_EQ(eval(leaves + "%m = mask.union %c, %w", 3, 3),
            (Rows{"110", "111", "111"}));
  EXPECT_EQ(eval(leaves + "%m = mask.difference %w, %c", 3, 3),
            (Rows{"010", "001", "000"}));
  EXPECT_EQ(eval(leaves + "%m = mask.complement %c", 3, 3),
            (Rows{"011", "001", "000"}));
}

TEST_F(MaskReferenceTest, Heads) {
  std::string body = "%c = mask.causal [0]\n%a = mask.all\n"
                     "%m = mask.heads [1, 3] %c, %a";
  EXPECT_EQ(eval(body, 2, 2, {}, 0), (Rows{"10", "11"}));
  EXPECT_EQ(eval(body, 2, 2, {}, 2), (Rows{"11", "11"}));
  EXPECT_EQ(eval(body, 2, 2, {}, 3), (Rows{"00", "00"}));
}

TEST_F(MaskReferenceTest, IndexArithmetic) {
  // window(N - 2, 0) at N = 4 is window(2, 0).
  std::string body = "%n = mask.key_len\n%c2 = arith.constant 2 : index\n"
                     "%b = arith.subi %n, %c2 : index\n"
                     "%m = mask.window [%b, 0]";
  EXPECT_EQ(eval(body, 4, 4), (Rows{"1000", "1100", "1110", "0111"}));
}

TEST_F(MaskReferenceTest, RandomBlocksMatchTheDocumentedDraw) {
  // Block 2, 2 of ceil(7 / 2) = 4 key blocks per query block, seed 5.
  auto rows = eval("%m = mask.random_blocks [2, 2, 5]", 7, 7);
  ASSERT_EQ(rows.size(), 7u);
  for (int64_t q = 0; q < 7; ++q) {
    std::vector<int64_t> drawn = drawRandomBlocks(5, q / 2, 4, 2);
    ASSERT_EQ(drawn.size(), 2u);
    EXPECT_NE(drawn[0], drawn[1]);
    for (int64_t k = 0; k < 7; ++k) {
      bool expect = std::find(drawn.begin(), drawn.end(), k / 2) != drawn.end();
      EXPECT_EQ(rows[q][k] == '1', expect) << q << "," << k;
    }
  }
}

TEST(RandomBlocks, FloydDrawsDistinctBlocksUniformly) {
  // Every subset size is exact, members distinct and in range, and over
  // many query blocks every key block is drawn about equally often.
  std::vector<int64_t> hits(10, 0);
  for (int64_t qb = 0; qb < 20000; ++qb) {
    std::vector<int64_t> d = drawRandomBlocks(7, qb, 10, 3);
    ASSERT_EQ(d.size(), 3u);
    ASSERT_EQ(std::set<int64_t>(d.begin(), d.end()).size(), 3u);
    for (int64_t b : d) {
      ASSERT_GE(b, 0);
      ASSERT_LT(b, 10);
      ++hits[b];
    }
  }
  for (int64_t h : hits)
    EXPECT_NEAR(h, 6000, 400);
  EXPECT_EQ(drawRandomBlocks(1, 0, 4, 9).size(), 4u);
  EXPECT_TRUE(drawRandomBlocks(1, 0, 0, 3).empty());
}

TEST_F(MaskReferenceTest, RuntimeErrors) {
  EXPECT_EQ(error("%m = mask.window [%a0, 0]", 4, {-3}),
            "mask.window: parameter 'before' must be non-negative, got -3");
  EXPECT_EQ(error("%m = mask.stride [%a0, %a1]", 4, {4, 4}),
            "mask.stride: parameter 'residue' must be less than 'period' "
            "(4), got 4");
  EXPECT_EQ(error("%m = mask.window [%a0, 0]", 4, {}, /*declared=*/1),
            "value: no value given for runtime parameter #0");
  EXPECT_EQ(error("%z = arith.constant 0 : index\n"
                  "%d = arith.divsi %a0, %z : index\n"
                  "%m = mask.window [%d, 0]",
                  4, {3}),
            "arith.divsi: division by zero");
  EXPECT_EQ(error("%x = arith.constant 9223372036854775807 : index\n"
                  "%d = arith.addi %a0, %x : index\n"
                  "%m = mask.window [%d, 0]",
                  4, {3}),
            "arith.addi: integer overflow");
}

TEST_F(MaskReferenceTest, ExtremeParametersDoNotOverflow) {
  EXPECT_EQ(eval("%m = mask.causal [9223372036854775807]", 2, 2),
            (Rows{"11", "11"}));
  EXPECT_EQ(eval("%m = mask.causal [-9223372036854775807]", 2, 2),
            (Rows{"00", "00"}));
  EXPECT_EQ(eval("%m = mask.window [9223372036854775807, 0]", 2, 2),
            (Rows{"10", "11"}));
}

TEST(IndexSetAttr, VerifierRejectsMixedForms) {
  MLIRContext ctx;
  ctx.loadDialect<MaskDialect>();
  std::string diag;
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &d) {
    diag = d.str();
    return success();
  });
  auto emit = [&] { return mlir::emitError(UnknownLoc::get(&ctx)); };
  EXPECT_TRUE(failed(
      IndexSetAttr::verify(emit, false, 3, std::nullopt, ArrayRef<int64_t>{})));
  EXPECT_EQ(diag, "a list set has no range bounds");
  int64_t one = 1;
  EXPECT_TRUE(
      failed(IndexSetAttr::verify(emit, true, 0, 4, ArrayRef<int64_t>{one})));
  EXPECT_EQ(diag, "a range set has no list elements");
}

TEST(IndexSetAttr, AlwaysEmpty) {
  MLIRContext ctx;
  ctx.loadDialect<MaskDialect>();
  EXPECT_TRUE(IndexSetAttr::getRange(&ctx, 4, 4).isAlwaysEmpty());
  EXPECT_TRUE(IndexSetAttr::getRange(&ctx, -2, -5).isAlwaysEmpty());
  EXPECT_FALSE(IndexSetAttr::getRange(&ctx, -16, 4).isAlwaysEmpty());
  EXPECT_FALSE(IndexSetAttr::getRange(&ctx, 3, -1).isAlwaysEmpty());
  EXPECT_FALSE(IndexSetAttr::getRange(&ctx, 100, std::nullopt).isAlwaysEmpty());
  EXPECT_TRUE(IndexSetAttr::getList(&ctx, {}).isAlwaysEmpty());
}
