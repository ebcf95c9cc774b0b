//===- jit_hello.cpp - compile a pattern at run time and call it ----------===//
//
// Longformer attention (a local window plus global tokens) JIT-compiled
// from spec text, run on random data, checked against a dense loop.
//
//===----------------------------------------------------------------------===//

#include "sparsa/sparsa.h"

#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

int main() {
  const int64_t B = 1, H = 4, N = 512, D = 64, W = 32, G = 8;
  sparsa::CompileOptions options;
  options.headDim = D;
  auto kernel = sparsa::Compiler::global().compile(
      "param W = 32\nparam G = 8\nwindow(W, W) | global(0..G)\n", options);
  if (!kernel) {
    std::fprintf(stderr, "%s\n", kernel.message().c_str());
    return 1;
  }
  std::vector<float> q(B * H * N * D), k(q.size()), v(q.size()), o(q.size());
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> u(-1, 1);
  for (auto *t : {&q, &k, &v})
    for (float &x : *t)
      x = u(rng);
  auto view = [&](std::vector<float> &t) {
    return sparsa::TensorView::f32(t.data(), {B, H, N, D});
  };
  sparsa::Status s = kernel->run(view(q), view(k), view(v), view(o));
  if (!s) {
    std::fprintf(stderr, "%s\n", s.message().c_str());
    return 1;
  }
  double checksum = 0, maxErr = 0;
  for (float x : o)
    checksum += x;
  // Dense reference: softmax(q k^T / sqrt(D)) v over the allowed keys.
  for (int64_t h = 0; h < H; ++h)
    for (int64_t i = 0; i < N; ++i) {
      std::vector<double> p(N, 0.0);
      double m = -INFINITY, sum = 0;
      for (int64_t j = 0; j < N; ++j) {
        if (!(std::abs(i - j) <= W || i < G || j < G))
          continue;
        double dot = 0;
        for (int64_t d = 0; d < D; ++d)
          dot += q[(h * N + i) * D + d] * k[(h * N + j) * D + d];
        p[j] = dot / std::sqrt(double(D));
        m = std::max(m, p[j]);
      }
      for (int64_t j = 0; j < N; ++j)
        if (std::abs(i - j) <= W || i < G || j < G)
          sum += p[j] = std::exp(p[j] - m);
        else
          p[j] = 0;
      for (int64_t d = 0; d < D; ++d) {
        double want = 0;
        for (int64_t j = 0; j < N; ++j)
          want += p[j] / sum * v[(h * N + j) * D + d];
        maxErr = std::max(maxErr, std::abs(want - o[(h * N + i) * D + d]));
      }
    }
  auto stats = kernel->stats(N);
  if (!stats) {
    std::fprintf(stderr, "%s\n", stats.message().c_str());
    return 1;
  }
  std::printf("checksum: %.6f\nmax_abs_err: %.3g\n", checksum, maxErr);
  std::printf("nnz: %lld\ndensity: %.4f\ntiles: %lld full, %lld partial, "
              "%lld empty (%lld x %lld)\n",
              (long long)stats->total.nnz, stats->total.density,
              (long long)stats->total.tiles.full,
              (long long)stats->total.tiles.partial,
              (long long)stats->total.tiles.empty, (long long)stats->blockQ,
              (long long)stats->blockK);
  bool ok = maxErr < 1e-4;
  std::printf("%s\n", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}
