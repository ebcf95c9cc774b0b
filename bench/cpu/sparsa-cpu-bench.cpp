//===- sparsa-cpu-bench.cpp - CPU kernel benchmark runner -----------------===//
//
// Times, in one process and with the same number of threads:
//   * a sparse kernel (shared library from sparsa-cpu-aot),
//   * the same mask as a "masked dense" kernel (every key tile visited
//     PARTIAL, the predicate applied element-wise),
//   * OpenBLAS sgemm on square matrices: the machine's ceiling,
//   * a straightforward dense attention on that BLAS (GEMM, causal-masked
//     softmax, GEMM, by blocks of query rows).
// MLIR-free: it only needs lib/Runtime, OpenBLAS and dlopen, so it runs on
// machines without LLVM. The mask of the BLAS baseline and of the FLOP
// count is causal (k <= q) or, with --window W, q - W <= k <= q; the
// kernels in the library must implement the same mask.
//
//===----------------------------------------------------------------------===//

#include "lib/Runtime/RunAttention.h"

#include <cblas.h>
#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

using namespace sparsa::runtime;

namespace {
struct Options {
  std::string lib, kernel = "causal", dense = "causal_masked_dense";
  int64_t n = 4096, d = 128, bh = 8, reps = 3;
  /// The mask of the kernels: causal (window < 0) or k in [q - window, q].
  int64_t window = -1;
  unsigned threads = 0;
  bool blas = true;
};

double now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

template <typename F> double best(int64_t reps, F &&f) {
  double t = std::numeric_limits<double>::infinity();
  for (int64_t i = 0; i < reps; ++i) {
    double s = now();
    f();
    t = std::min(t, now() - s);
  }
  return t;
}

CompiledKernel load(void *handle, const std::string &name, int64_t d) {
  CompiledKernel k;
  k.entry = reinterpret_cast<KernelFn>(dlsym(handle, name.c_str()));
  k.workItems = reinterpret_cast<WorkItemsFn>(
      dlsym(handle, (name + kWorkItemsSuffix).c_str()));
  k.headDim = d;
  if (!k.entry || !k.workItems) {
    std::fprintf(stderr, "error: kernel '%s' not found in the library\n",
                 name.c_str());
    std::exit(1);
  }
  return k;
}

double sgemmCeiling(int64_t reps) {
  const int64_t m = 4096;
  std::vector<float> a(m * m, 1.0f), b(m * m, 0.5f), c(m * m);
  double t = best(reps, [&] {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, m, m, 1.0f,
                a.data(), m, b.data(), m, 0.0f, c.data(), m);
  });
  return 2.0 * m * m * m / t;
}

/// GEMM + causal-masked softmax + GEMM per (head, block of query rows).
void blasAttention(const Options &o, const std::vector<float> &q,
                   const std::vector<float> &k, const std::vector<float> &v,
                   std::vector<float> &out, ThreadPool &pool) {
  const int64_t n = o.n, d = o.d, rows = 256;
  std::vector<float> s(rows * n);
  float scale = 1.0f / std::sqrt(float(d));
  for (int64_t h = 0; h < o.bh; ++h) {
    const float *qh = &q[h * n * d], *kh = &k[h * n * d], *vh = &v[h * n * d];
    float *oh = &out[h * n * d];
    for (int64_t r0 = 0; r0 < n; r0 += rows) {
      int64_t m = std::min(rows, n - r0);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, d, scale,
                  qh + r0 * d, d, kh, d, 0.0f, s.data(), n);
      pool.parallelFor(m, 8, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) {
          float *row = &s[i * n];
          int64_t qi = r0 + i;
          float mx = -std::numeric_limits<float>::infinity();
          for (int64_t j = 0; j < n; ++j) {
            if (j > qi || (o.window >= 0 && j < qi - o.window))
              row[j] = -std::numeric_limits<float>::infinity();
            mx = std::max(mx, row[j]);
          }
          float sum = 0;
          for (int64_t j = 0; j < n; ++j) {
            row[j] = std::exp(row[j] - mx);
            sum += row[j];
          }
          float inv = 1.0f / sum;
          for (int64_t j = 0; j < n; ++j)
            row[j] *= inv;
        }
      });
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, d, n, 1.0f,
                  s.data(), n, vh, d, 0.0f, oh + r0 * d, d);
    }
  }
}
} // namespace

int main(int argc, char **argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "error: %s needs a value\n", a.c_str());
        std::exit(1);
      }
      return argv[++i];
    };
    if (a == "--lib") o.lib = val();
    else if (a == "--kernel") o.kernel = val();
    else if (a == "--dense-kernel") o.dense = val();
    else if (a == "--n") o.n = std::atoll(val().c_str());
    else if (a == "--d") o.d = std::atoll(val().c_str());
    else if (a == "--bh") o.bh = std::atoll(val().c_str());
    else if (a == "--reps") o.reps = std::atoll(val().c_str());
    else if (a == "--threads") o.threads = std::atoi(val().c_str());
    else if (a == "--no-blas") o.blas = false;
    else if (a == "--window") o.window = std::atoll(val().c_str());
    else {
      std::fprintf(stderr,
                   "usage: sparsa-cpu-bench --lib K.so [--kernel NAME] "
                   "[--dense-kernel NAME] [--n N] [--d D] [--bh BH] "
                   "[--threads T] [--reps R] [--window W] [--no-blas]\n");
      return 1;
    }
  }
  void *handle = dlopen(o.lib.c_str(), RTLD_NOW);
  if (!handle) {
    std::fprintf(stderr, "error: %s\n", dlerror());
    return 1;
  }
  ThreadPool pool(o.threads);
  openblas_set_num_threads(static_cast<int>(pool.size()));
  CompiledKernel sparse = load(handle, o.kernel, o.d);
  CompiledKernel dense = load(handle, o.dense, o.d);
  sparse.numParams = dense.numParams = o.window >= 0 ? 1 : 0;

  const int64_t n = o.n, d = o.d;
  std::vector<float> q(o.bh * n * d), k(q.size()), v(q.size()), out(q.size());
  std::mt19937 rng(1);
  std::normal_distribution<float> normal;
  for (auto *t : {&q, &k, &v})
    for (float &x : *t)
      x = normal(rng);
  AttentionProblem p;
  p.batch = 1;
  p.headsQ = p.headsKV = o.bh;
  p.seqQ = p.seqK = n;
  p.headDim = d;
  p.q = denseTensor(q.data(), o.bh, n, d);
  p.k = denseTensor(k.data(), o.bh, n, d);
  p.v = denseTensor(v.data(), o.bh, n, d);
  p.o = denseTensor(out.data(), o.bh, n, d);
  if (o.window >= 0)
    p.params = {o.window};
  auto run = [&](const CompiledKernel &kern) {
    std::string e = runAttention(kern, p, pool);
    if (!e.empty()) {
      std::fprintf(stderr, "error: %s\n", e.c_str());
      std::exit(1);
    }
  };
  // The ceiling first, on an idle machine, with as many tries as the rest.
  double ceiling = sgemmCeiling(std::min<int64_t>(5, std::max<int64_t>(3, o.reps)));
  run(sparse); // warm up
  double tSparse = best(o.reps, [&] { run(sparse); });
  double tDense = best(std::max<int64_t>(1, o.reps / 2), [&] { run(dense); });
  double tBlas = 0;
  if (o.blas)
    tBlas = best(1, [&] { blasAttention(o, q, k, v, out, pool); });

  double allowed = 0;
  for (int64_t qi = 0; qi < n; ++qi)
    allowed += o.window < 0 ? double(qi + 1)
                            : double(std::min(qi, o.window) + 1);
  double density = allowed / (double(n) * double(n));
  double flops = 4.0 * double(d) * allowed * double(o.bh);
  double gflops = flops / tSparse * 1e-9;
  std::printf("mask %s  threads %u  N %lld  D %lld  BH %lld  density %.4f\n",
              o.window < 0 ? "causal"
                           : ("window " + std::to_string(o.window)).c_str(),
              pool.size(), (long long)n, (long long)d, (long long)o.bh,
              density);
  std::printf("sparse kernel      %10.2f ms  %8.1f GFLOP/s on allowed pairs "
              "(%.0f%% of sgemm)\n",
              tSparse * 1e3, gflops, 100.0 * gflops / (ceiling * 1e-9));
  std::printf("masked dense       %10.2f ms  speedup %.2fx (goal %.2fx = "
              "0.8/density)\n",
              tDense * 1e3, tDense / tSparse, 0.8 / density);
  std::printf("sgemm ceiling      %10.1f GFLOP/s\n", ceiling * 1e-9);
  if (o.blas)
    std::printf("BLAS dense attn    %10.2f ms  speedup %.2fx\n", tBlas * 1e3,
                tBlas / tSparse);
  std::printf("| %s | %lld | %lld | %u | %.1f | %.1f | %.1f | %.1f | %.0f%% | "
              "%.2fx (goal %.2fx) | %s |\n",
              o.window < 0 ? "causal"
                           : ("window " + std::to_string(o.window)).c_str(),
              (long long)n, (long long)d, pool.size(), tSparse * 1e3,
              tDense * 1e3, o.blas ? tBlas * 1e3 : 0.0, ceiling * 1e-9,
              100.0 * gflops / (ceiling * 1e-9), tDense / tSparse,
              0.8 / density, o.blas ? "" : "no BLAS run");
  return 0;
}
