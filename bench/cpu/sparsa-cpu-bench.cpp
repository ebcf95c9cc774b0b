//===- sparsa-cpu-bench.cpp - CPU kernel benchmark runner -----------------===//
//
// Times one pattern at one shape, in one process and with the same threads:
//   * the sparse kernel: a `sparsac --target=cpu --emit=so` library loaded
//     through libsparsa_runtime (every part of the layout plan, merged by
//     LSE, exactly what a user of the library gets);
//   * the masked-dense kernel of the same pattern (`sparsac --masked-dense`:
//     every key tile computed, the mask applied element-wise);
//   * OpenBLAS sgemm on 4096^3, the machine's ceiling, measured first;
//   * a straightforward dense attention on that BLAS: for blocks of 256
//     query rows, GEMM, softmax masked by the pattern's bitmap, GEMM.
// The bitmap (`sparsac --emit=bitmap`, raw or zstd-compressed) gives the
// number of allowed pairs for the FLOP count and the mask of the BLAS
// baseline. The three outputs are compared with each other, so a kernel and
// a bitmap that disagree cannot produce a table row.
//
// MLIR-free: it needs libsparsa_runtime, OpenBLAS and libzstd, so it runs on
// machines without LLVM.
//
//===----------------------------------------------------------------------===//

#include "lib/Runtime/ThreadPool.h"
#include "sparsa/Runtime.h"

#include <cblas.h>
#include <zstd.h>

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

using sparsa::runtime::ThreadPool;

namespace {
struct Options {
  std::string sparse, dense, mask, label;
  int64_t n = 4096, d = 128, batch = 1, heads = 8, reps = 3;
  unsigned threads = 0;
  bool blas = true, sparseOnly = false;
  sparsa::Params params;
};

[[noreturn]] void die(const std::string &msg) {
  std::fprintf(stderr, "sparsa-cpu-bench: error: %s\n", msg.c_str());
  std::exit(1);
}

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

std::vector<char> readFile(const std::string &path) {
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f)
    die("cannot open '" + path + "': " + std::strerror(errno));
  std::vector<char> data;
  char buf[1 << 16];
  size_t got;
  while ((got = std::fread(buf, 1, sizeof(buf), f)) > 0)
    data.insert(data.end(), buf, buf + got);
  bool bad = std::ferror(f);
  std::fclose(f);
  if (bad)
    die("cannot read '" + path + "'");
  return data;
}

/// The bitmap of `path`: H x N x N bytes, zstd-compressed or raw.
std::vector<uint8_t> readMask(const std::string &path) {
  std::vector<char> file = readFile(path);
  std::vector<uint8_t> out;
  uint32_t magic = 0;
  if (file.size() >= 4)
    std::memcpy(&magic, file.data(), 4);
  if (magic != ZSTD_MAGICNUMBER) {
    out.assign(file.begin(), file.end());
    return out;
  }
  ZSTD_DCtx *ctx = ZSTD_createDCtx();
  ZSTD_DCtx_setParameter(ctx, ZSTD_d_windowLogMax, 31);
  ZSTD_inBuffer in{file.data(), file.size(), 0};
  std::vector<uint8_t> chunk(ZSTD_DStreamOutSize());
  size_t ret = 1;
  while (in.pos < in.size || ret != 0) {
    ZSTD_outBuffer o{chunk.data(), chunk.size(), 0};
    ret = ZSTD_decompressStream(ctx, &o, &in);
    if (ZSTD_isError(ret))
      die("'" + path + "': " + ZSTD_getErrorName(ret));
    out.insert(out.end(), chunk.data(), chunk.data() + o.pos);
    if (in.pos == in.size && o.pos == 0 && ret != 0)
      die("'" + path + "': truncated zstd stream");
  }
  ZSTD_freeDCtx(ctx);
  return out;
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

/// GEMM + masked softmax + GEMM per (batch, head, block of query rows); the
/// mask of head h is bitmap head h % maskHeads. Rows with no allowed key
/// give zeros, like the kernels.
void blasAttention(const Options &o, const std::vector<uint8_t> &mask,
                   int64_t maskHeads, const std::vector<float> &q,
                   const std::vector<float> &k, const std::vector<float> &v,
                   std::vector<float> &out, ThreadPool &pool) {
  const int64_t n = o.n, d = o.d, rows = 256;
  std::vector<float> s(rows * n);
  float scale = 1.0f / std::sqrt(float(d));
  for (int64_t bh = 0; bh < o.batch * o.heads; ++bh) {
    const float *qh = &q[bh * n * d], *kh = &k[bh * n * d],
                *vh = &v[bh * n * d];
    float *oh = &out[bh * n * d];
    const uint8_t *mh = &mask[(bh % o.heads % maskHeads) * n * n];
    for (int64_t r0 = 0; r0 < n; r0 += rows) {
      int64_t m = std::min(rows, n - r0);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, d, scale,
                  qh + r0 * d, d, kh, d, 0.0f, s.data(), n);
      pool.parallelFor(m, 8, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) {
          float *row = &s[i * n];
          const uint8_t *allowed = mh + (r0 + i) * n;
          float mx = -std::numeric_limits<float>::infinity();
          for (int64_t j = 0; j < n; ++j) {
            if (!allowed[j])
              row[j] = -std::numeric_limits<float>::infinity();
            mx = std::max(mx, row[j]);
          }
          float sum = 0;
          for (int64_t j = 0; j < n; ++j) {
            row[j] = mx == -std::numeric_limits<float>::infinity()
                         ? 0.0f
                         : std::exp(row[j] - mx);
            sum += row[j];
          }
          float inv = sum > 0 ? 1.0f / sum : 0.0f;
          for (int64_t j = 0; j < n; ++j)
            row[j] *= inv;
        }
      });
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, d, n, 1.0f,
                  s.data(), n, vh, d, 0.0f, oh + r0 * d, d);
    }
  }
}

/// max |a - b| / max |b| over rows of length d, the metric of the kernels'
/// reference check.
double maxRowError(const std::vector<float> &a, const std::vector<float> &b,
                   int64_t d) {
  double worst = 0;
  for (size_t r = 0; r < a.size(); r += d) {
    double diff = 0, scale = 0;
    for (int64_t j = 0; j < d; ++j) {
      if (!std::isfinite(a[r + j]))
        return std::numeric_limits<double>::infinity();
      diff = std::max(diff, double(std::fabs(a[r + j] - b[r + j])));
      scale = std::max(scale, double(std::fabs(b[r + j])));
    }
    worst = std::max(worst, scale > 0 ? diff / scale : diff);
  }
  return worst;
}

const char *kUsage =
    "usage: sparsa-cpu-bench --sparse S.so --dense M.so --mask BITMAP[.zst]\n"
    "         [--label NAME] [--n N] [--d D] [--batch B] [--heads H]\n"
    "         [--threads T] [--reps R] [--param NAME=VALUE]... [--no-blas]\n"
    "         [--sparse-only]\n";
} // namespace

int main(int argc, char **argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc)
        die(a + " needs a value");
      return argv[++i];
    };
    auto num = [&]() -> int64_t {
      std::string s = val();
      char *end = nullptr;
      long long x = std::strtoll(s.c_str(), &end, 10);
      if (s.empty() || *end || x < 0)
        die(a + " expects a non-negative integer, got '" + s + "'");
      return x;
    };
    if (a == "--sparse")
      o.sparse = val();
    else if (a == "--dense")
      o.dense = val();
    else if (a == "--mask")
      o.mask = val();
    else if (a == "--label")
      o.label = val();
    else if (a == "--n")
      o.n = num();
    else if (a == "--d")
      o.d = num();
    else if (a == "--batch")
      o.batch = num();
    else if (a == "--heads")
      o.heads = num();
    else if (a == "--reps")
      o.reps = num();
    else if (a == "--threads")
      o.threads = static_cast<unsigned>(num());
    else if (a == "--no-blas")
      o.blas = false;
    else if (a == "--sparse-only")
      o.sparseOnly = true;
    else if (a == "--param") {
      std::string p = val();
      size_t eq = p.find('=');
      if (eq == std::string::npos)
        die("--param expects NAME=VALUE, got '" + p + "'");
      o.params.set(p.substr(0, eq), std::atoll(p.c_str() + eq + 1));
    } else {
      std::fputs(kUsage, stderr);
      return 1;
    }
  }
  if (o.sparse.empty() || o.dense.empty() || o.mask.empty()) {
    std::fputs(kUsage, stderr);
    return 1;
  }
  if (o.n < 1 || o.d < 1 || o.batch < 1 || o.heads < 1 || o.reps < 1)
    die("--n, --d, --batch, --heads and --reps must be positive");
  auto sparse = sparsa::loadKernel(o.sparse);
  if (!sparse)
    die(o.sparse + ": " + sparse.status().message());
  auto dense = sparsa::loadKernel(o.dense);
  if (!dense)
    die(o.dense + ": " + dense.status().message());
  if (o.label.empty())
    o.label = sparse->info().name;

  const int64_t n = o.n, d = o.d, bh = o.batch * o.heads;
  std::vector<uint8_t> mask = readMask(o.mask);
  if (mask.empty() || mask.size() % (n * n) != 0)
    die("'" + o.mask + "' holds " + std::to_string(mask.size()) +
        " bytes, not a multiple of N x N = " + std::to_string(n * n));
  int64_t maskHeads = int64_t(mask.size()) / (n * n);
  if (maskHeads != 1 && maskHeads != o.heads)
    die("the bitmap has " + std::to_string(maskHeads) + " heads; --heads is " +
        std::to_string(o.heads));
  // Allowed pairs over all (batch, head).
  double allowed = 0;
  for (int64_t h = 0; h < o.heads; ++h) {
    const uint8_t *m = &mask[(h % maskHeads) * n * n];
    allowed += double(std::count(m, m + n * n, uint8_t(1)));
  }
  allowed *= double(o.batch);
  double density = allowed / (double(bh) * double(n) * double(n));

  std::vector<float> q(bh * n * d), k(q.size()), v(q.size()),
      outSparse(q.size(), std::numeric_limits<float>::quiet_NaN()),
      outDense(q.size(), std::numeric_limits<float>::quiet_NaN()),
      outBlas(q.size(), std::numeric_limits<float>::quiet_NaN());
  std::mt19937 rng(1);
  std::normal_distribution<float> normal;
  for (auto *t : {&q, &k, &v})
    for (float &x : *t)
      x = normal(rng);
  auto view = [&](std::vector<float> &t) {
    return sparsa::TensorView::f32(t.data(), {o.batch, o.heads, n, d});
  };
  sparsa::RunOptions ro;
  ro.threads = o.threads;
  auto run = [&](const sparsa::Kernel &kern, std::vector<float> &out) {
    sparsa::Status s =
        kern.run(view(q), view(k), view(v), view(out), nullptr, o.params, ro);
    if (!s)
      die(s.message());
  };

  if (o.sparseOnly) {
    // For profilers: the sparse kernel alone, `reps` times.
    double t = best(o.reps, [&] { run(*sparse, outSparse); });
    std::printf("%s  N %lld  D %lld  sparse %.2f ms  %.0f GFLOP/s\n",
                o.label.c_str(), (long long)n, (long long)d, t * 1e3,
                4.0 * double(d) * allowed / t * 1e-9);
    return 0;
  }
  ThreadPool pool(o.threads);
  openblas_set_num_threads(static_cast<int>(pool.size()));
  // The ceiling first, on an idle machine.
  double ceiling =
      sgemmCeiling(std::min<int64_t>(5, std::max<int64_t>(3, o.reps)));
  run(*sparse, outSparse); // warm up, and the output compared below
  double tSparse = best(o.reps, [&] { run(*sparse, outSparse); });
  double tDense =
      best(std::max<int64_t>(1, o.reps / 2), [&] { run(*dense, outDense); });
  double tBlas = 0;
  if (o.blas)
    tBlas = best(
        1, [&] { blasAttention(o, mask, maskHeads, q, k, v, outBlas, pool); });
  double errDense = maxRowError(outSparse, outDense, d);
  double errBlas = o.blas ? maxRowError(outSparse, outBlas, d) : 0;
  // fp32 kernels against fp32 BLAS with libm exp: agreement to ~1e-5; a
  // wrong mask or kernel gives O(1).
  const double tolerance = 1e-4;
  if (!(errDense <= tolerance) || !(errBlas <= tolerance)) {
    std::fprintf(stderr,
                 "sparsa-cpu-bench: error: %s N=%lld D=%lld: outputs disagree "
                 "(sparse vs masked-dense %.3g, vs BLAS %.3g)\n",
                 o.label.c_str(), (long long)n, (long long)d, errDense,
                 errBlas);
    return 1;
  }

  double gflops = 4.0 * double(d) * allowed / tSparse * 1e-9;
  double pct = 100.0 * gflops / (ceiling * 1e-9);
  std::printf("%s  N %lld  D %lld  B*H %lld  threads %u  density %.4f  "
              "agreement %.1e / %.1e\n",
              o.label.c_str(), (long long)n, (long long)d, (long long)bh,
              pool.size(), density, errDense, errBlas);
  std::printf("  sparse %.2f ms (%.0f GFLOP/s on allowed pairs, %.0f%% of "
              "sgemm %.0f GFLOP/s); masked dense %.2f ms (%.2fx, goal "
              "%.2fx)",
              tSparse * 1e3, gflops, pct, ceiling * 1e-9, tDense * 1e3,
              tDense / tSparse, 0.8 / density);
  if (o.blas)
    std::printf("; BLAS attention %.2f ms (%.2fx)", tBlas * 1e3,
                tBlas / tSparse);
  std::printf("\n");
  // The table row of docs/benchmarks.md.
  char blasCell[64] = "–";
  if (o.blas)
    std::snprintf(blasCell, sizeof(blasCell), "%.0f ms (%.1fx)", tBlas * 1e3,
                  tBlas / tSparse);
  bool met = tDense / tSparse >= 0.8 / density;
  std::printf("| %s | %lld | %lld | %.4f | %.2f | %.0f | %.0f | %.0f%% | "
              "%.2f | %.2fx (%.2fx)%s | %s |\n",
              o.label.c_str(), (long long)n, (long long)d, density,
              tSparse * 1e3, gflops, ceiling * 1e-9, pct, tDense * 1e3,
              tDense / tSparse, 0.8 / density, met ? "" : " **miss**",
              blasCell);
  return 0;
}
