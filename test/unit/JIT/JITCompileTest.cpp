//===- JITCompileTest.cpp - spec text / Pattern / file -> kernel -> run ---===//
//
// Patterns compiled through the public API and run on fresh random inputs
// (GQA, padded strides, several sequence lengths and runtime parameter
// values), checked against a float64 dense attention whose mask is written
// here directly from the language's definition.
//
//===----------------------------------------------------------------------===//

#include "test/unit/JIT/JITTestUtil.h"

#include "sparsa/Compiler.h"

#include "gtest/gtest.h"

#include <cstdio>
#include <fstream>

using namespace sparsa;
using namespace sparsa::jittest;

namespace {

CompileOptions smallOptions(int64_t d = 32) {
  CompileOptions o;
  o.headDim = d;
  o.blockQ = 16;
  o.blockK = 16;
  return o;
}

void runAndCheck(const Kernel &kernel, const Allowed &allowed, int64_t nq,
                 int64_t nk, const Params &params, std::mt19937_64 &rng,
                 int64_t Hq = 4, int64_t Hkv = 2, bool withLse = true) {
  Problem p(2, Hq, Hkv, nq, nk, kernel.info().headDim, rng);
  Status s =
      kernel.run(p.tq, p.tk, p.tv, p.to, withLse ? &p.tlse : nullptr, params);
  ASSERT_TRUE(s.isOk()) << s.message();
  Check c = compareWithReference(p, allowed, withLse);
  EXPECT_TRUE(c.ok()) << "max err " << c.maxErr << ", lse err " << c.maxLseErr
                      << ", bad empty rows " << c.badEmptyRows
                      << ", non-finite " << c.nonFinite;
}

} // namespace

TEST(JITCompile, LongformerFromSpecText) {
  Compiler compiler;
  auto k = compiler.compile("param W = 4\nparam G = 3\n"
                            "window(W, W) | global(0..G)\n",
                            smallOptions());
  ASSERT_TRUE(k) << k.message();
  EXPECT_EQ(k->info().name, "pattern");
  EXPECT_EQ(k->info().headDim, 32);
  EXPECT_TRUE(k->info().params.empty());
  std::mt19937_64 rng(1);
  auto allowed = [](int64_t, int64_t q, int64_t k) {
    return std::abs(q - k) <= 4 || q < 3 || k < 3;
  };
  for (int64_t n : {1, 17, 50})
    runAndCheck(*k, allowed, n, n, {}, rng);
  runAndCheck(*k, allowed, 33, 70, {}, rng, 2, 1, false);
}

TEST(JITCompile, RuntimeWindowByNameAndPosition) {
  Compiler compiler;
  auto k = compiler.compile("param W : runtime\ncausal & window(W, 0)\n",
                            smallOptions(16));
  ASSERT_TRUE(k) << k.message();
  ASSERT_EQ(k->info().params, std::vector<std::string>{"W"});
  std::mt19937_64 rng(2);
  for (int64_t w : {0, 1, 5, 40}) {
    auto allowed = [w](int64_t, int64_t q, int64_t k) {
      return k <= q && k >= q - w;
    };
    runAndCheck(*k, allowed, 45, 45, Params().set("W", w), rng);
    runAndCheck(*k, allowed, 30, 30, Params::positional({w}), rng);
  }
  EXPECT_EQ(compiler.cacheStats().compilations, 1u);
}

TEST(JITCompile, BuilderPatternsMatchTheirDefinition) {
  Compiler compiler;
  std::mt19937_64 rng(3);
  struct Case {
    Pattern pattern;
    Allowed allowed;
    Params params;
  };
  std::vector<Case> cases = {
      {Pattern::window(3, 2) | Pattern::global({0, 4}),
       [](int64_t, int64_t q, int64_t k) {
         return (k >= q - 3 && k <= q + 2) || q < 4 || k < 4;
       },
       {}},
      {Pattern::causal() & Pattern::window(Pattern::param("W"), 0),
       [](int64_t, int64_t q, int64_t k) { return k <= q && k >= q - 6; },
       Params().set("W", 6)},
      {Pattern::causal() - Pattern::stride(3),
       [](int64_t, int64_t q, int64_t k) {
         return k <= q && ((q - k) % 3) != 0;
       },
       {}},
      {!Pattern::blocks(8) & Pattern::prefix(Pattern::param("P") * 2),
       [](int64_t, int64_t q, int64_t k) { return q / 8 != k / 8 && k < 10; },
       Params::positional({5})},
      {Pattern::causal() & (Pattern::window(Pattern::constant("W", 2), 0) |
                            Pattern::globalCols(IndexSet::from(-3))),
       [](int64_t, int64_t q, int64_t k) {
         return k <= q && (k >= q - 2 || k >= 37 - 3);
       },
       {}},
      {Pattern::heads({{1, Pattern::causal()}, {4, Pattern::window(1, 1)}}),
       [](int64_t h, int64_t q, int64_t k) {
         return h == 0 ? k <= q : std::abs(q - k) <= 1;
       },
       {}},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE("case " + std::to_string(i) + ": " +
                 cases[i].pattern.toSpec());
    auto k = compiler.compile(cases[i].pattern, smallOptions());
    ASSERT_TRUE(k) << k.message();
    runAndCheck(*k, cases[i].allowed, 37, 37, cases[i].params, rng);
  }
}

TEST(JITCompile, FileNamesTheKernelAndItsDiagnostics) {
  std::string path = testing::TempDir() + "/sliding-window.sparsa";
  {
    std::ofstream f(path);
    f << "param W : runtime\ncausal & window(W, 0)\n";
  }
  Compiler compiler;
  auto k = compiler.compileFile(path, smallOptions());
  ASSERT_TRUE(k) << k.message();
  EXPECT_EQ(k->info().name, "sliding_window");
  {
    std::ofstream f(path);
    f << "param W : runtime\ncausal & windw(W, 0)\n";
  }
  auto bad = compiler.compileFile(path, smallOptions());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.code(), ErrorCode::SpecError);
  EXPECT_NE(bad.message().find(path + ":2:10: error: unknown pattern "
                                      "'windw'; did you mean 'window'?"),
            std::string::npos)
      << bad.message();
  EXPECT_NE(bad.message().find("causal & windw(W, 0)\n         ^"),
            std::string::npos)
      << bad.message();
  auto missing = compiler.compileFile(path + ".nope", smallOptions());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.code(), ErrorCode::NotFound);
  std::remove(path.c_str());
}

TEST(JITCompile, DefinesOverrideCompileTimeParameters) {
  Compiler compiler;
  CompileOptions o = smallOptions();
  o.defines = {{"W", 1}};
  auto k = compiler.compile("param W = 4\nwindow(W, W)\n", o);
  ASSERT_TRUE(k) << k.message();
  std::mt19937_64 rng(4);
  runAndCheck(
      *k, [](int64_t, int64_t q, int64_t k) { return std::abs(q - k) <= 1; },
      20, 20, {}, rng);
  o.defines = {{"X", 1}};
  auto bad = compiler.compile("param W = 4\nwindow(W, W)\n", o);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.code(), ErrorCode::SpecError);
}

TEST(JITCompile, StatsAreExact) {
  Compiler compiler;
  auto k = compiler.compile("param W : runtime\ncausal & window(W, 0)\n",
                            smallOptions());
  ASSERT_TRUE(k) << k.message();
  for (int64_t w : {0, 3, 100}) {
    auto s = k->stats(64, -1, Params().set("W", w));
    ASSERT_TRUE(s) << s.message();
    int64_t nnz = 0;
    for (int64_t q = 0; q < 64; ++q)
      for (int64_t kk = 0; kk < 64; ++kk)
        nnz += kk <= q && kk >= q - w;
    EXPECT_EQ(s->total.nnz, nnz);
    EXPECT_DOUBLE_EQ(s->total.density, double(nnz) / (64 * 64));
    EXPECT_EQ(s->blockQ, 16);
    EXPECT_EQ(s->total.tiles.full + s->total.tiles.partial +
                  s->total.tiles.empty,
              4 * 4);
  }
  auto missing = k->stats(64);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.message().find("takes 1 runtime parameter (W), got 0"),
            std::string::npos)
      << missing.message();
  auto unknown = k->stats(64, -1, Params().set("V", 1));
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.message().find("unknown runtime parameter 'V'"),
            std::string::npos);
  EXPECT_FALSE(k->stats(0));
}

TEST(JITCompile, EmptyPatternGivesZerosAndNegativeInfinity) {
  Compiler compiler;
  auto k = compiler.compile("none\n", smallOptions());
  ASSERT_TRUE(k) << k.message();
  std::mt19937_64 rng(5);
  runAndCheck(
      *k, [](int64_t, int64_t, int64_t) { return false; }, 20, 20, {}, rng);
}

TEST(JITCompile, MultiPartLayoutPatterns) {
  // The layout plan splits these into parts merged through the LSE.
  Compiler compiler;
  std::mt19937_64 rng(6);
  auto strided = compiler.compile(
      "param L = 8\ncausal & (window(L, 0) | stride(L))\n", smallOptions());
  ASSERT_TRUE(strided) << strided.message();
  EXPECT_GE(strided->info().numParts, 2);
  for (int64_t n : {5, 70})
    runAndCheck(
        *strided,
        [](int64_t, int64_t q, int64_t k) {
          return k <= q && (q - k <= 8 || (q - k) % 8 == 0);
        },
        n, n, {}, rng);
  auto fixed = compiler.compile(
      "param L = 16\nparam C = 3\ncausal & (blocks(L) | summary(L, C))\n",
      smallOptions());
  ASSERT_TRUE(fixed) << fixed.message();
  runAndCheck(
      *fixed,
      [](int64_t, int64_t q, int64_t k) {
        return k <= q && (q / 16 == k / 16 || k % 16 >= 16 - 3);
      },
      61, 61, {}, rng);
}
