//===- BackwardAPITest.cpp - Kernel::backward through the public API ------===//
//
// A training step through libsparsa only: compile with
// CompileOptions::backward, run() the forward, backward() for a random
// dout, and compare dq, dk and dv with this file's own float64 gradients
// of the mask written as a C++ predicate (GQA, padded strides, runtime
// parameters, layout parts, rows with nothing allowed). Then every error
// backward() reports, and the C API.
//
//===----------------------------------------------------------------------===//

#include "JITTestUtil.h"

#include "sparsa/Compiler.h"
#include "sparsa/Runtime.h"
#include "sparsa/c/sparsa.h"

#include "gtest/gtest.h"

#include <cstdlib>
#include <cstring>
#include <string>

#include <stdlib.h>

using namespace sparsa;
using namespace sparsa::jittest;

namespace {

/// A [B, H, N, D] f32 view over `buf`, with random padding and NaN poison.
TensorView makeView(std::vector<float> &buf, int64_t B, int64_t H, int64_t N,
                    int64_t D, std::mt19937_64 &rng, bool random) {
  return makeTensor(buf, B, H, N, D, 4, random, /*padded=*/true, rng);
}

double at(const TensorView &t, int64_t b, int64_t h, int64_t n, int64_t d) {
  return static_cast<const float *>(
      t.data)[b * t.strides[0] + h * t.strides[1] + n * t.strides[2] + d];
}

/// Largest |got - want| / max(max |want|, 0.01) of dq, dk and dv against
/// float64 gradients of L = <dout, out> (dS = P (dP - rowsum(P dP))).
double gradientError(const Problem &p, const Allowed &allowed,
                     const TensorView &dout, const TensorView &dq,
                     const TensorView &dk, const TensorView &dv) {
  const int64_t group = p.Hq / p.Hkv, D = p.D;
  const double scale = 1.0 / std::sqrt(double(D));
  std::vector<double> gq(p.B * p.Hq * p.Nq * D, 0.0),
      gk(p.B * p.Hkv * p.Nk * D, 0.0), gv(gk.size(), 0.0);
  std::vector<double> prob(p.Nk), dp(p.Nk);
  for (int64_t b = 0; b < p.B; ++b)
    for (int64_t h = 0; h < p.Hq; ++h) {
      int64_t hk = h / group;
      for (int64_t i = 0; i < p.Nq; ++i) {
        double m = -INFINITY;
        for (int64_t j = 0; j < p.Nk; ++j) {
          prob[j] = -INFINITY;
          if (!allowed(h, i, j))
            continue;
          double s = 0;
          for (int64_t x = 0; x < D; ++x)
            s += at(p.tq, b, h, i, x) * at(p.tk, b, hk, j, x);
          prob[j] = s * scale;
          m = std::max(m, prob[j]);
        }
        if (m == -INFINITY)
          continue;
        double sum = 0, rowDot = 0;
        for (int64_t j = 0; j < p.Nk; ++j)
          sum += prob[j] = prob[j] == -INFINITY ? 0.0 : std::exp(prob[j] - m);
        for (int64_t j = 0; j < p.Nk; ++j) {
          prob[j] /= sum;
          dp[j] = 0;
          for (int64_t x = 0; x < D; ++x)
            dp[j] += at(dout, b, h, i, x) * at(p.tv, b, hk, j, x);
          rowDot += prob[j] * dp[j];
        }
        for (int64_t j = 0; j < p.Nk; ++j) {
          if (prob[j] == 0)
            continue;
          double ds = prob[j] * (dp[j] - rowDot) * scale;
          for (int64_t x = 0; x < D; ++x) {
            gq[((b * p.Hq + h) * p.Nq + i) * D + x] +=
                ds * at(p.tk, b, hk, j, x);
            gk[((b * p.Hkv + hk) * p.Nk + j) * D + x] +=
                ds * at(p.tq, b, h, i, x);
            gv[((b * p.Hkv + hk) * p.Nk + j) * D + x] +=
                prob[j] * at(dout, b, h, i, x);
          }
        }
      }
    }
  double worst = 0;
  for (auto [want, got, H, N] :
       {std::tuple{&gq, &dq, p.Hq, p.Nq}, std::tuple{&gk, &dk, p.Hkv, p.Nk},
        std::tuple{&gv, &dv, p.Hkv, p.Nk}}) {
    double size = 0.01, err = 0;
    for (double w : *want)
      size = std::max(size, std::abs(w));
    for (int64_t b = 0; b < p.B; ++b)
      for (int64_t h = 0; h < H; ++h)
        for (int64_t n = 0; n < N; ++n)
          for (int64_t x = 0; x < D; ++x) {
            double g = at(*got, b, h, n, x);
            if (!std::isfinite(g))
              return INFINITY;
            err = std::max(
                err, std::abs(g - (*want)[((b * H + h) * N + n) * D + x]));
          }
    worst = std::max(worst, err / size);
  }
  return worst;
}

struct Case {
  const char *spec;
  Allowed allowed;
  std::vector<std::pair<std::string, int64_t>> params;
};

CompileOptions backwardOptions() {
  CompileOptions o;
  o.headDim = 32;
  o.backward = true;
  return o;
}

} // namespace

TEST(Backward, TrainingStepMatchesFloat64Gradients) {
  const int64_t W = 5;
  std::vector<Case> cases = {
      {"causal\n", [](int64_t, int64_t q, int64_t k) { return k <= q; }, {}},
      {"param W : runtime\ncausal & window(W, 0)\n",
       [](int64_t, int64_t q, int64_t k) { return k <= q && q - k <= W; },
       {{"W", W}}},
      // A stride: two layout parts (residue classes) on both schedules.
      {"stride(4)\n",
       [](int64_t, int64_t q, int64_t k) { return (q - k) % 4 == 0; },
       {}},
      // Row 0 sees nothing: zero gradients from it, never NaN.
      {"causal(-1)\n", [](int64_t, int64_t q, int64_t k) { return k < q; }, {}},
      // Nothing at all.
      {"none\n", [](int64_t, int64_t, int64_t) { return false; }, {}},
  };
  std::mt19937_64 rng(2024);
  for (const Case &c : cases) {
    SCOPED_TRACE(c.spec);
    auto kernel = Compiler::global().compile(c.spec, backwardOptions());
    ASSERT_TRUE(kernel) << kernel.status().message();
    EXPECT_TRUE(kernel->info().backward);
    Problem p(2, 4, 2, 37, 29, 32, rng);
    Params params = Params::named(c.params);
    ASSERT_TRUE(kernel->run(p.tq, p.tk, p.tv, p.to, &p.tlse, params));
    std::vector<float> dout, dq, dk, dv;
    TensorView tdout = makeView(dout, p.B, p.Hq, p.Nq, p.D, rng, true);
    TensorView tdq = makeView(dq, p.B, p.Hq, p.Nq, p.D, rng, false);
    TensorView tdk = makeView(dk, p.B, p.Hkv, p.Nk, p.D, rng, false);
    TensorView tdv = makeView(dv, p.B, p.Hkv, p.Nk, p.D, rng, false);
    RunOptions options;
    options.threads = 3;
    Status s = kernel->backward(p.tq, p.tk, p.tv, p.to, p.tlse, tdout, tdq, tdk,
                                tdv, params, options);
    ASSERT_TRUE(s) << s.message();
    EXPECT_LE(gradientError(p, c.allowed, tdout, tdq, tdk, tdv), 1e-4);
  }
}

TEST(Backward, Errors) {
  std::mt19937_64 rng(7);
  Problem p(1, 2, 1, 16, 16, 32, rng);
  std::vector<float> dout, dq, dk, dv;
  TensorView tdout = makeView(dout, 1, 2, 16, 32, rng, true);
  TensorView tdq = makeView(dq, 1, 2, 16, 32, rng, false);
  TensorView tdk = makeView(dk, 1, 1, 16, 32, rng, false);
  TensorView tdv = makeView(dv, 1, 1, 16, 32, rng, false);

  CompileOptions forwardOnly;
  forwardOnly.headDim = 32;
  auto plain = Compiler::global().compile("causal\n", forwardOnly);
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->info().backward);
  Status s =
      plain->backward(p.tq, p.tk, p.tv, p.to, p.tlse, tdout, tdq, tdk, tdv);
  EXPECT_EQ(s.code(), ErrorCode::InvalidArgument);
  EXPECT_NE(s.message().find("compiled without its backward pass"),
            std::string::npos)
      << s.message();

  auto kernel = Compiler::global().compile("causal\n", backwardOptions());
  ASSERT_TRUE(kernel);
  ASSERT_TRUE(kernel->run(p.tq, p.tk, p.tv, p.to, &p.tlse));
  // dq with k's shape.
  s = kernel->backward(p.tq, p.tk, p.tv, p.to, p.tlse, tdout, tdk, tdk, tdv);
  EXPECT_NE(s.message().find("dq shape [1, 1, 16, 32] must equal q shape"),
            std::string::npos)
      << s.message();
  // An output over an input.
  s = kernel->backward(p.tq, p.tk, p.tv, p.to, p.tlse, tdout, tdq, tdk, p.tv);
  EXPECT_NE(s.message().find("dv overlaps v"), std::string::npos)
      << s.message();
  // Two outputs in one place.
  s = kernel->backward(p.tq, p.tk, p.tv, p.to, p.tlse, tdout, tdq, tdk, tdk);
  EXPECT_NE(s.message().find("dv overlaps dk"), std::string::npos)
      << s.message();
  // The lse of another shape.
  TensorView badLse = p.tlse;
  badLse.shape[2] = 8;
  s = kernel->backward(p.tq, p.tk, p.tv, p.to, badLse, tdout, tdq, tdk, tdv);
  EXPECT_NE(s.message().find("lse shape"), std::string::npos) << s.message();
  // A dout of another dtype.
  TensorView badOut = tdout;
  badOut.dtype = DType::F64;
  s = kernel->backward(p.tq, p.tk, p.tv, p.to, p.tlse, badOut, tdq, tdk, tdv);
  EXPECT_NE(s.message().find("dout must be f32"), std::string::npos)
      << s.message();
  // Nothing was written by the refused calls.
  for (float x : dq)
    ASSERT_TRUE(std::isnan(x));
  // The GPU has no backward pass yet.
  CompileOptions gpu = backwardOptions();
  gpu.target = "cuda";
  auto refused = Compiler::global().compile("causal\n", gpu);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.status().code(), ErrorCode::Unsupported);
  EXPECT_NE(refused.status().message().find("backward pass is not built"),
            std::string::npos);
}

TEST(Backward, CAPI) {
  sparsa_options *o = sparsa_options_create();
  ASSERT_EQ(sparsa_options_set_head_dim(o, 32), SPARSA_OK);
  ASSERT_EQ(sparsa_options_set_backward(o, 1), SPARSA_OK);
  sparsa_kernel *kernel = nullptr;
  ASSERT_EQ(sparsa_compile(sparsa_compiler_global(), "causal\n", o, &kernel),
            SPARSA_OK)
      << sparsa_last_error();
  std::mt19937_64 rng(11);
  Problem p(1, 2, 2, 20, 20, 32, rng, /*padded=*/false);
  std::vector<float> dout, dq, dk, dv;
  TensorView views[4] = {makeView(dout, 1, 2, 20, 32, rng, true),
                         makeView(dq, 1, 2, 20, 32, rng, false),
                         makeView(dk, 1, 2, 20, 32, rng, false),
                         makeView(dv, 1, 2, 20, 32, rng, false)};
  auto c = [](const TensorView &t) {
    sparsa_tensor s{};
    s.data = t.data;
    s.dtype = SPARSA_F32;
    s.rank = t.rank;
    for (int i = 0; i < t.rank; ++i) {
      s.shape[i] = t.shape[i];
      s.strides[i] = t.strides[i];
    }
    return s;
  };
  sparsa_tensor q = c(p.tq), k = c(p.tk), v = c(p.tv), out = c(p.to),
                lse = c(p.tlse), cdout = c(views[0]), cdq = c(views[1]),
                cdk = c(views[2]), cdv = c(views[3]);
  ASSERT_EQ(sparsa_kernel_run(kernel, &q, &k, &v, &out, &lse, nullptr, nullptr,
                              0, 0.0f, 1),
            SPARSA_OK)
      << sparsa_last_error();
  ASSERT_EQ(sparsa_kernel_backward(kernel, &q, &k, &v, &out, &lse, &cdout, &cdq,
                                   &cdk, &cdv, nullptr, nullptr, 0, 0.0f, 2),
            SPARSA_OK)
      << sparsa_last_error();
  EXPECT_LE(gradientError(
                p, [](int64_t, int64_t qi, int64_t ki) { return ki <= qi; },
                views[0], views[1], views[2], views[3]),
            1e-4);
  // A null lse is an error, not a crash.
  EXPECT_EQ(sparsa_kernel_backward(kernel, &q, &k, &v, &out, nullptr, &cdout,
                                   &cdq, &cdk, &cdv, nullptr, nullptr, 0, 0.0f,
                                   1),
            SPARSA_INVALID_ARGUMENT);
  EXPECT_NE(
      std::string(sparsa_last_error()).find("lse tensor must not be null"),
      std::string::npos);
  sparsa_kernel_free(kernel);
  sparsa_options_free(o);
}

// A library with the backward pass: written by emitSharedLibrary (as
// `sparsac --emit=so --backward`), opened by libsparsa_runtime's
// loadKernel, and through the JIT's disk cache in a new Compiler.
TEST(Backward, LibrariesAndTheDiskCache) {
  char pattern[] = "/tmp/sparsa-backward-XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  std::string dir = pattern;
  const char *spec = "stride(3) | causal & window(4, 0)\n";
  Allowed allowed = [](int64_t, int64_t q, int64_t k) {
    return (q - k) % 3 == 0 || (k <= q && q - k <= 4);
  };
  std::mt19937_64 rng(5);
  auto train = [&](const Kernel &k) {
    EXPECT_TRUE(k.info().backward);
    Problem p(1, 2, 1, 31, 31, 32, rng);
    ASSERT_TRUE(k.run(p.tq, p.tk, p.tv, p.to, &p.tlse));
    std::vector<float> dout, dq, dk, dv;
    TensorView tdout = makeView(dout, 1, 2, 31, 32, rng, true);
    TensorView tdq = makeView(dq, 1, 2, 31, 32, rng, false);
    TensorView tdk = makeView(dk, 1, 1, 31, 32, rng, false);
    TensorView tdv = makeView(dv, 1, 1, 31, 32, rng, false);
    Status s = k.backward(p.tq, p.tk, p.tv, p.to, p.tlse, tdout, tdq, tdk, tdv);
    ASSERT_TRUE(s) << s.message();
    EXPECT_LE(gradientError(p, allowed, tdout, tdq, tdk, tdv), 1e-4);
  };
  std::string path = dir + "/strided.so";
  ASSERT_TRUE(
      Compiler::global().emitSharedLibrary(spec, backwardOptions(), path));
  auto loaded = loadKernel(path, "pattern");
  ASSERT_TRUE(loaded) << loaded.status().message();
  train(*loaded);
  // A library without it says so.
  CompileOptions plain;
  plain.headDim = 32;
  ASSERT_TRUE(
      Compiler::global().emitSharedLibrary(spec, plain, dir + "/plain.so"));
  auto forward = loadKernel(dir + "/plain.so", "pattern");
  ASSERT_TRUE(forward);
  EXPECT_FALSE(forward->info().backward);

  for (int round = 0; round < 2; ++round) {
    Compiler compiler;
    ASSERT_TRUE(compiler.setDiskCache(dir + "/cache"));
    auto k = compiler.compile(spec, backwardOptions());
    ASSERT_TRUE(k) << k.status().message();
    train(*k);
    EXPECT_EQ(compiler.cacheStats().diskHits, round == 0 ? 0u : 1u);
  }
  std::string cleanup = "rm -rf '" + dir + "'";
  EXPECT_EQ(std::system(cleanup.c_str()), 0);
}
