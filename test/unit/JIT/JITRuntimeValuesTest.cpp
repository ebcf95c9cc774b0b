//===- JITRuntimeValuesTest.cpp - runtime values never crash a kernel -----===//
//
// The kernels' check of runtime values (sparsa-build-param-check) sees the
// actual sequence lengths and every runtime computation between the
// parameters and the leaves: values that would make a kernel divide by
// zero, loop or compute with a wrapped value are refused with a message
// naming the rule and the values, and the outputs are left alone. Valid
// values at the extremes of int64 run and match the definition, computed
// here in 128-bit arithmetic. Masked keys never influence a row, whatever
// K and V hold there.
//
//===----------------------------------------------------------------------===//

#include "test/unit/JIT/JITTestUtil.h"

#include "sparsa/Compiler.h"

#include "gtest/gtest.h"

#include <limits>
#include <string>

using namespace sparsa;
using namespace sparsa::jittest;

namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

Kernel compile(const std::string &spec) {
  CompileOptions o;
  o.headDim = 16;
  o.blockQ = o.blockK = 16;
  auto k = Compiler::global().compile(spec, o);
  EXPECT_TRUE(k) << spec << ": " << k.message();
  return k ? *k : Kernel();
}

/// Runs `k` on a fresh problem; expects a refusal containing `text` that
/// leaves the outputs untouched.
void expectRefused(const Kernel &k, int64_t nq, int64_t nk,
                   const Params &params, const std::string &text) {
  std::mt19937_64 rng(nq * 131 + nk);
  Problem p(1, 2, 1, nq, nk, 16, rng);
  Status s = k.run(p.tq, p.tk, p.tv, p.to, &p.tlse, params);
  ASSERT_FALSE(s.isOk()) << "expected: " << text;
  EXPECT_EQ(s.code(), ErrorCode::InvalidArgument);
  EXPECT_NE(s.message().find(text), std::string::npos) << s.message();
  for (float x : p.o)
    ASSERT_TRUE(std::isnan(x)) << "output written on error";
}

/// Runs `k` on a fresh problem and compares with the float64 reference
/// under `allowed`.
void expectMatches(const Kernel &k, int64_t nq, int64_t nk,
                   const Params &params, const Allowed &allowed) {
  std::mt19937_64 rng(nq * 7 + nk);
  Problem p(1, 2, 1, nq, nk, 16, rng);
  Status s = k.run(p.tq, p.tk, p.tv, p.to, &p.tlse, params);
  ASSERT_TRUE(s.isOk()) << s.message();
  Check c = compareWithReference(p, allowed, true);
  EXPECT_TRUE(c.ok()) << "max error " << c.maxErr << ", lse " << c.maxLseErr
                      << ", bad empty rows " << c.badEmptyRows
                      << ", non-finite " << c.nonFinite;
}

using Wide = __int128;

} // namespace

TEST(RuntimeValues, LeafParametersDerivedFromNAreCheckedAtTheLength) {
  Kernel k = compile("causal & stride(N - 5)\n");
  ASSERT_TRUE(k.valid());
  // N - 5 is a period: 0 would divide by zero, negative would be garbage.
  expectRefused(k, 5, 5, {},
                "stride: 'period' (from N) must be positive (given Nq = 5, "
                "Nk = 5)");
  expectRefused(k, 3, 3, {}, "stride: 'period' (from N) must be positive");
  expectRefused(k, 9, 4, {}, "(given Nq = 9, Nk = 4)");
  // N is the key length.
  expectMatches(k, 8, 8, {}, [](int64_t, int64_t q, int64_t kk) {
    return kk <= q && (q - kk) % 3 == 0;
  });
  expectMatches(k, 30, 9, {}, [](int64_t, int64_t q, int64_t kk) {
    return kk <= q && (q - kk) % 4 == 0;
  });
}

TEST(RuntimeValues, SummaryWithANegativePeriodIsRefusedNotLooped) {
  Kernel k = compile("summary(N - 5, 1) | window(1, 0)\n");
  ASSERT_TRUE(k.valid());
  expectRefused(k, 3, 3, {}, "summary: 'period' (from N) must be positive");
  expectRefused(k, 5, 5, {}, "summary: 'period' (from N) must be positive");
  expectMatches(k, 12, 12, {}, [](int64_t, int64_t q, int64_t kk) {
    return kk % 7 >= 6 || (q - kk >= 0 && q - kk <= 1);
  });
}

TEST(RuntimeValues, RuntimeArithmeticIsChecked) {
  struct Case {
    const char *spec;
    int64_t w;
    const char *text;
  } cases[] = {
      {"param W : runtime\ncausal & window(10 / W, 0)\n", 0,
       "division by zero in '/' (from W) at "},
      {"param W : runtime\ncausal & window(10 % W, 0)\n", 0,
       "division by zero in '%' (from W)"},
      {"param W : runtime\nwindow((-9223372036854775807 - 1) / W, 0) | "
       "causal\n",
       -1, "integer overflow in '/' (from W)"},
      {"param W : runtime\nwindow(W * 4, 0)\n", int64_t(1) << 62,
       "integer overflow in '*' (from W)"},
      {"param W : runtime\nwindow(W + 1, 0)\n", kMax,
       "integer overflow in '+' (from W)"},
      {"param W : runtime\ncausal(W - 2)\n", -kMax,
       "integer overflow in '-' (from W)"},
      // N + W: the lengths take part in the arithmetic too.
      {"param W : runtime\nprefix(N + W)\n", kMax,
       "integer overflow in '+' (from W, N)"},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.spec);
    Kernel k = compile(c.spec);
    ASSERT_TRUE(k.valid());
    expectRefused(k, 20, 20, Params().set("W", c.w), c.text);
  }
  // The message points at the operator in the spec.
  Kernel k = compile(cases[0].spec);
  expectRefused(k, 20, 20, Params().set("W", 0), ":2:20 (given W = 0");
  // Good values of the same computations run.
  expectMatches(
      k, 20, 20, Params().set("W", 3),
      [](int64_t, int64_t q, int64_t kk) { return kk <= q && q - kk <= 3; });
}

TEST(RuntimeValues, ExtremeLeafValuesMatchTheDefinition) {
  // Valid values near the ends of int64: the kernels clamp what only
  // bounds a distance, a position or a block, so nothing wraps.
  struct Case {
    const char *spec;
    std::function<bool(Wide w, Wide q, Wide k)> allowed;
    bool mayBeNegative;
  } cases[] = {
      {"window(W, W)",
       [](Wide w, Wide q, Wide k) { return q - k <= w && k - q <= w; }, false},
      {"causal(W)", [](Wide w, Wide q, Wide k) { return k <= q + w; }, true},
      {"window(W, 0)",
       [](Wide w, Wide q, Wide k) { return q - k >= 0 && q - k <= w; }, false},
      {"dilated(W, 0, 3)",
       [](Wide w, Wide q, Wide k) {
         return q - k >= 0 && q - k <= w && (q - k) % 3 == 0;
       },
       false},
      {"!window(W, 33)",
       [](Wide w, Wide q, Wide k) { return !(q - k <= w && k - q <= 33); },
       false},
      {"!causal(W)", [](Wide w, Wide q, Wide k) { return !(k <= q + w); },
       true},
      {"prefix(W) | window(1, 1)",
       [](Wide w, Wide q, Wide k) {
         return k < w || (q - k <= 1 && k - q <= 1);
       },
       false},
      {"!blocks(W)", [](Wide w, Wide q, Wide k) { return q / w != k / w; },
       false},
      {"stride(W, 2) | causal",
       [](Wide w, Wide q, Wide k) {
         Wide d = q - k, m = ((d % w) + w) % w;
         return m == 2 || k <= q;
       },
       false},
      {"summary(W, 4) | window(2, 0)",
       [](Wide w, Wide q, Wide k) {
         return k % w >= w - 4 || (q - k >= 0 && q - k <= 2);
       },
       false},
  };
  const int64_t values[] = {kMax,
                            kMax - 1,
                            int64_t(1) << 62,
                            (int64_t(1) << 42) + 1,
                            int64_t(1) << 40,
                            40,
                            -kMax,
                            -(int64_t(1) << 62),
                            -40};
  for (const Case &c : cases) {
    Kernel k = compile(std::string("param W : runtime\n") + c.spec + "\n");
    ASSERT_TRUE(k.valid());
    for (int64_t w : values) {
      if (w < 0 && !c.mayBeNegative)
        continue;
      for (auto [nq, nk] :
           {std::pair<int64_t, int64_t>{37, 29}, {1, 1}, {64, 64}}) {
        SCOPED_TRACE(std::string(c.spec) + " W = " + std::to_string(w) +
                     " Nq = " + std::to_string(nq) +
                     " Nk = " + std::to_string(nk));
        expectMatches(k, nq, nk, Params().set("W", w),
                      [&](int64_t, int64_t q, int64_t kk) {
                        return c.allowed(w, q, kk);
                      });
      }
    }
  }
}

TEST(RuntimeValues, MaskedKeysNeverInfluenceARow) {
  // NaN and Inf in K and V at keys a row may not see (padding of a batch,
  // an unwritten slot of a preallocated cache) leave that row exactly as
  // the reference computes it from the keys it sees.
  struct Case {
    const char *spec;
    Allowed allowed;
  } cases[] = {
      {"causal", [](int64_t, int64_t q, int64_t k) { return k <= q; }},
      {"causal & window(5, 0)",
       [](int64_t, int64_t q, int64_t k) { return k <= q && q - k <= 5; }},
      {"causal & stride(3)",
       [](int64_t, int64_t q, int64_t k) {
         return k <= q && (q - k) % 3 == 0;
       }},
      {"prefix(7) | window(2, 2)",
       [](int64_t, int64_t q, int64_t k) {
         return k < 7 || (q - k <= 2 && k - q <= 2);
       }},
  };
  const float poisons[] = {std::numeric_limits<float>::quiet_NaN(),
                           std::numeric_limits<float>::infinity(),
                           -std::numeric_limits<float>::infinity()};
  for (const Case &c : cases) {
    Kernel k = compile(std::string(c.spec) + "\n");
    ASSERT_TRUE(k.valid());
    for (float poison : poisons)
      for (int64_t n : {40, 45, 64}) {
        SCOPED_TRACE(std::string(c.spec) + " N = " + std::to_string(n) +
                     " poison " + std::to_string(poison));
        std::mt19937_64 rng(n);
        Problem p(1, 2, 1, n, n, 16, rng);
        // Poison K and V of every key some row in the last query tile may
        // not see: the last key (causal masks it for all earlier rows),
        // and every fifth key.
        auto masked = [&](int64_t key) {
          for (int64_t q = 0; q < n; ++q)
            if (!c.allowed(0, q, key))
              return true;
          return false;
        };
        std::vector<int64_t> poisoned;
        for (int64_t key = 0; key < n; ++key)
          if ((key == n - 1 || key % 5 == 0) && masked(key))
            poisoned.push_back(key);
        ASSERT_FALSE(poisoned.empty());
        for (int64_t key : poisoned)
          for (int64_t d = 0; d < p.D; ++d) {
            p.v[key * p.tv.strides[2] + d] = poison;
            p.k[key * p.tk.strides[2] + d] = poison;
          }
        Status s = k.run(p.tq, p.tk, p.tv, p.to, &p.tlse);
        ASSERT_TRUE(s.isOk()) << s.message();
        // Rows that see a poisoned key compute with it and are left out
        // (zeroed, and empty for the reference); every other row must
        // match the reference, which reads only the keys a row sees.
        std::vector<bool> seesPoison(n, false);
        for (int64_t q = 0; q < n; ++q)
          for (int64_t key : poisoned)
            if (c.allowed(0, q, key))
              seesPoison[q] = true;
        for (int64_t q = 0; q < n; ++q)
          if (seesPoison[q])
            for (int64_t h = 0; h < 2; ++h)
              for (int64_t d = 0; d < p.D; ++d)
                p.o[h * p.to.strides[1] + q * p.to.strides[2] + d] = 0;
        Check r = compareWithReference(
            p,
            [&](int64_t h, int64_t q, int64_t key) {
              return !seesPoison[q] && c.allowed(h, q, key);
            },
            false);
        EXPECT_EQ(r.nonFinite, 0);
        EXPECT_LE(r.maxErr, 1e-4);
      }
  }
}
