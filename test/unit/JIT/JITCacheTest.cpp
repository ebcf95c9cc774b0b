//===- JITCacheTest.cpp - the compile cache and thread safety -------------===//
//
// Exact and structural hits, what does and does not recompile, and many
// threads compiling and running at once (each result checked against the
// float64 reference). Run under ASan with the sanitizer build.
//
//===----------------------------------------------------------------------===//

#include "test/unit/JIT/JITTestUtil.h"

#include "sparsa/Compiler.h"

#include "gtest/gtest.h"

#include <atomic>
#include <cstdlib>
#include <thread>

using namespace sparsa;
using namespace sparsa::jittest;

namespace {
CompileOptions options() {
  CompileOptions o;
  o.headDim = 16;
  o.blockQ = 16;
  o.blockK = 16;
  return o;
}
} // namespace

TEST(JITCache, ExactAndStructuralHits) {
  Compiler c;
  const char *a = "param W = 3\nwindow(W, W) | global(0..4)\n";
  auto k1 = c.compile(a, options());
  ASSERT_TRUE(k1) << k1.message();
  auto k2 = c.compile(a, options());
  ASSERT_TRUE(k2);
  CacheStats s = c.cacheStats();
  EXPECT_EQ(s.requests, 2u);
  EXPECT_EQ(s.exactHits, 1u);
  EXPECT_EQ(s.compilations, 1u);
  // Written differently (comments, a let, operand order, a define that
  // gives the same value): the same canonical structure.
  CompileOptions named = options();
  named.name = "other_name";
  for (const char *text :
       {"# comment\nlet w = window(3, 3)\nglobal(0..4) | w\n",
        "window(3, 3) | global(0..4) | window(3, 3)\n"}) {
    auto k = c.compile(text, named);
    ASSERT_TRUE(k) << k.message();
    EXPECT_EQ(k->info().name, "other_name");
  }
  CompileOptions defined = options();
  defined.defines = {{"W", 3}};
  ASSERT_TRUE(c.compile(a, defined));
  s = c.cacheStats();
  EXPECT_EQ(s.compilations, 1u);
  EXPECT_EQ(s.structureHits, 3u);
  EXPECT_EQ(s.entries, 1u);
  EXPECT_EQ(*c.structureKey(a, options()),
            *c.structureKey("window(3, 3) | (global(0..4) | none)", options()));
  // Terms in another order: the canonical IR puts its ops in use order.
  EXPECT_EQ(*c.structureKey(a, options()),
            *c.structureKey("global(0..4) | window(3, 3)", options()));
  EXPECT_EQ(*c.structureKey("causal & (stride(8) | window(2, 0) | "
                            "global_cols(0..2))",
                            options()),
            *c.structureKey("(global_cols(0..2) | window(2, 0) | stride(8)) "
                            "& causal",
                            options()));
  EXPECT_NE(*c.structureKey(a, options()),
            *c.structureKey("window(3, 4) | global(0..4)", options()));

  // What changes code compiles again.
  CompileOptions d = options();
  d.headDim = 32;
  ASSERT_TRUE(c.compile(a, d));
  CompileOptions t = options();
  t.blockQ = 32;
  ASSERT_TRUE(c.compile(a, t));
  CompileOptions l = options();
  l.layout = false;
  ASSERT_TRUE(c.compile(a, l));
  defined.defines = {{"W", 4}};
  ASSERT_TRUE(c.compile(a, defined));
  EXPECT_EQ(c.cacheStats().compilations, 5u);

  // Failures are reported every time and never cached.
  EXPECT_FALSE(c.compile("window(-1, 0)", options()));
  EXPECT_FALSE(c.compile("window(-1, 0)", options()));
  EXPECT_EQ(c.cacheStats().failures, 2u);

  c.clearCache();
  EXPECT_EQ(c.cacheStats().entries, 0u);
  // Handles survive clearCache.
  std::mt19937_64 rng(1);
  Problem p(1, 2, 2, 20, 20, 16, rng);
  EXPECT_TRUE(k1->run(p.tq, p.tk, p.tv, p.to, &p.tlse));
  EXPECT_TRUE(compareWithReference(
                  p,
                  [](int64_t, int64_t q, int64_t k) {
                    return std::abs(q - k) <= 3 || q < 4 || k < 4;
                  },
                  true)
                  .ok());
}

TEST(JITCache, EveryOptionThatChangesCodeIsInBothKeys) {
  // Each option that changes code must miss both the exact cache (request
  // key) and the structure cache (structure key).
  Compiler c;
  const char *spec = "causal | global(0..2)";
  ASSERT_TRUE(c.compile(spec, options()));
  std::vector<CompileOptions> variants(6, options());
  variants[0].headDim = 32;
  variants[1].blockQ = 32;
  variants[2].blockK = 32;
  variants[3].vectorWidth = 4;
  variants[4].layout = false;
  variants[5].optLevel = 2;
  std::string base = *c.structureKey(spec, options());
  for (size_t i = 0; i < variants.size(); ++i) {
    auto k = c.compile(spec, variants[i]);
    ASSERT_TRUE(k) << i << ": " << k.message();
    CacheStats s = c.cacheStats();
    EXPECT_EQ(s.exactHits, 0u) << i;
    EXPECT_EQ(s.structureHits, 0u) << i;
    EXPECT_EQ(s.compilations, i + 2) << i;
    EXPECT_NE(*c.structureKey(spec, variants[i]), base) << i;
  }
}

TEST(JITCache, RuntimeParametersNeverCompile) {
  Compiler c;
  auto k = c.compile("param W : runtime\ncausal & window(W, 0)\n", options());
  ASSERT_TRUE(k) << k.message();
  std::mt19937_64 rng(2);
  for (int64_t w = 0; w < 12; w += 3) {
    Problem p(1, 1, 1, 33, 33, 16, rng);
    ASSERT_TRUE(k->run(p.tq, p.tk, p.tv, p.to, &p.tlse, Params().set("W", w)));
    EXPECT_TRUE(compareWithReference(
                    p,
                    [w](int64_t, int64_t q, int64_t kk) {
                      return kk <= q && kk >= q - w;
                    },
                    true)
                    .ok());
  }
  EXPECT_EQ(c.cacheStats().compilations, 1u);
}

TEST(JITCache, ManyThreadsCompileAndRun) {
  Compiler c;
  struct Spec {
    std::string text;
    Allowed allowed;
  };
  std::vector<Spec> specs = {
      {"causal\n", [](int64_t, int64_t q, int64_t k) { return k <= q; }},
      {"window(2, 2)\n",
       [](int64_t, int64_t q, int64_t k) { return std::abs(q - k) <= 2; }},
      {"causal & !stride(2)\n",
       [](int64_t, int64_t q, int64_t k) {
         return k <= q && (q - k) % 2 != 0;
       }},
  };
  const int kThreads = 8, kRounds = 4;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(100 + t);
      for (int r = 0; r < kRounds; ++r) {
        const Spec &s = specs[(t + r) % specs.size()];
        // Alternate spellings so exact and structural paths both race.
        std::string text =
            r % 2 ? "# t" + std::to_string(t) + "\n" + s.text : s.text;
        auto k = c.compile(text, options());
        if (!k) {
          ++failures;
          continue;
        }
        Problem p(1, 2, 1, 25 + t, 25 + t, 16, rng);
        RunOptions ro;
        ro.threads = 2;
        if (!k->run(p.tq, p.tk, p.tv, p.to, &p.tlse, {}, ro) ||
            !compareWithReference(p, s.allowed, true).ok())
          ++failures;
        // Statistics from several threads on one kernel.
        if (!k->stats(64))
          ++failures;
      }
    });
  for (std::thread &t : threads)
    t.join();
  EXPECT_EQ(failures.load(), 0);
  CacheStats s = c.cacheStats();
  EXPECT_EQ(s.compilations, specs.size());
  EXPECT_EQ(s.requests, uint64_t(kThreads * kRounds));
}

TEST(JITCache, DiskCacheSurvivesTheCompiler) {
  std::string dir =
      testing::TempDir() + "/sparsa-disk-cache-" +
      std::to_string(::testing::UnitTest::GetInstance()->random_seed());
  const char *spec = "param W : runtime\ncausal & window(W, 0) | "
                     "global_cols(0..2)\n";
  auto allowed = [](int64_t, int64_t q, int64_t k) {
    return (k <= q && k >= q - 5) || k < 2;
  };
  std::mt19937_64 rng(9);
  auto check = [&](const Kernel &k) {
    Problem p(1, 2, 1, 29, 29, 16, rng);
    Status s = k.run(p.tq, p.tk, p.tv, p.to, &p.tlse, Params().set("W", 5));
    ASSERT_TRUE(s) << s.message();
    EXPECT_TRUE(compareWithReference(p, allowed, true).ok());
    EXPECT_TRUE(k.stats(40, -1, Params().set("W", 5)));
  };
  {
    Compiler first;
    ASSERT_TRUE(first.setDiskCache(dir));
    auto k = first.compile(spec, options());
    ASSERT_TRUE(k) << k.message();
    check(*k);
    EXPECT_EQ(first.cacheStats().compilations, 1u);
    EXPECT_EQ(first.cacheStats().diskHits, 0u);
  }
  {
    // A new compiler (as in a new process): loaded, not compiled.
    Compiler second;
    ASSERT_TRUE(second.setDiskCache(dir));
    auto k =
        second.compile("# same structure\n" + std::string(spec), options());
    ASSERT_TRUE(k) << k.message();
    check(*k);
    EXPECT_EQ(second.cacheStats().compilations, 0u);
    EXPECT_EQ(second.cacheStats().diskHits, 1u);
    // Other options are another structure.
    CompileOptions o = options();
    o.blockQ = 32;
    ASSERT_TRUE(second.compile(spec, o));
    EXPECT_EQ(second.cacheStats().compilations, 1u);
  }
  {
    // A damaged library is replaced, not trusted.
    std::string cmd = "for f in " + dir + "/*.so; do echo x > $f; done";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    Compiler third;
    ASSERT_TRUE(third.setDiskCache(dir));
    CompileOptions o = options();
    o.name = "renamed"; // a different name never defeats the cache
    auto k = third.compile(spec, o);
    ASSERT_TRUE(k) << k.message();
    check(*k);
    EXPECT_EQ(third.cacheStats().compilations, 1u);
  }
  std::system(("rm -rf " + dir).c_str());
}
