//===- runtime_window.cpp - one kernel, many window sizes -----------------===//
//
// A causal sliding window whose size W is a runtime parameter: compiled
// once, then run with window sizes chosen at run time. The cache statistics
// show one compilation; compiling the same spec again is a cache hit. Every
// run is checked against a dense loop.
//
//===----------------------------------------------------------------------===//

#include "sparsa/sparsa.h"

#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

namespace {

/// Largest |o - reference| for causal & window(w, 0), one head.
double check(const std::vector<float> &q, const std::vector<float> &k,
             const std::vector<float> &v, const std::vector<float> &o,
             int64_t n, int64_t d, int64_t w) {
  double maxErr = 0;
  for (int64_t i = 0; i < n; ++i) {
    int64_t lo = std::max<int64_t>(0, i - w);
    std::vector<double> p(i - lo + 1);
    double m = -INFINITY, sum = 0;
    for (int64_t j = lo; j <= i; ++j) {
      double dot = 0;
      for (int64_t e = 0; e < d; ++e)
        dot += q[i * d + e] * k[j * d + e];
      p[j - lo] = dot / std::sqrt(double(d));
      m = std::max(m, p[j - lo]);
    }
    for (double &x : p)
      sum += x = std::exp(x - m);
    for (int64_t e = 0; e < d; ++e) {
      double want = 0;
      for (int64_t j = lo; j <= i; ++j)
        want += p[j - lo] / sum * v[j * d + e];
      maxErr = std::max(maxErr, std::abs(want - o[i * d + e]));
    }
  }
  return maxErr;
}

} // namespace

int main() {
  const int64_t N = 700, D = 64;
  const char *spec = "param W : runtime\ncausal & window(W, 0)\n";
  sparsa::Compiler compiler;
  sparsa::CompileOptions options;
  options.headDim = D;
  std::vector<float> q(N * D), k(N * D), v(N * D), o(N * D);
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1, 1);
  for (auto *t : {&q, &k, &v})
    for (float &x : *t)
      x = u(rng);
  auto view = [&](std::vector<float> &t) {
    return sparsa::TensorView::f32(t.data(), {1, 1, N, D});
  };
  bool ok = true;
  for (int64_t w : {16, 100, 255, 699}) {
    // Compiling in the loop on purpose: after the first call it is a hit.
    auto kernel = compiler.compile(spec, options);
    if (!kernel) {
      std::fprintf(stderr, "%s\n", kernel.message().c_str());
      return 1;
    }
    sparsa::Status s = kernel->run(view(q), view(k), view(v), view(o), nullptr,
                                   sparsa::Params().set("W", w));
    if (!s) {
      std::fprintf(stderr, "%s\n", s.message().c_str());
      return 1;
    }
    double err = check(q, k, v, o, N, D, w);
    auto stats = kernel->stats(N, N, sparsa::Params().set("W", w));
    std::printf("W=%lld: nnz %lld, density %.4f, max_abs_err %.3g\n",
                (long long)w, stats ? (long long)stats->total.nnz : -1LL,
                stats ? stats->total.density : -1.0, err);
    ok &= err < 1e-4 && stats;
  }
  sparsa::CacheStats c = compiler.cacheStats();
  std::printf("cache: %llu requests, %llu exact hits, %llu compilations\n",
              (unsigned long long)c.requests, (unsigned long long)c.exactHits,
              (unsigned long long)c.compilations);
  ok &= c.compilations == 1 && c.exactHits == 3;
  std::printf("%s\n", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}
