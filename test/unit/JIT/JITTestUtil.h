//===- JITTestUtil.h - helpers of the libsparsa tests -----------*- C++ -*-===//
//
// The libsparsa tests use the public API only (they link libsparsa like a
// host program) and check results against their own dense float64
// attention under a mask written directly as a C++ predicate, independent
// of the compiler.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_TEST_UNIT_JIT_JITTESTUTIL_H
#define SPARSA_TEST_UNIT_JIT_JITTESTUTIL_H

#include "sparsa/Kernel.h"
#include "sparsa/Tensor.h"

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <vector>

namespace sparsa::jittest {

using Allowed = std::function<bool(int64_t h, int64_t q, int64_t k)>;

/// A [B, H, N, Dim] (rank 4) or [B, H, N] (rank 3) f32 view over `buf`:
/// random values in [-1, 1] or NaN poison, with (when `padded`) random
/// padding in every stride.
inline TensorView makeTensor(std::vector<float> &buf, int64_t B, int64_t H,
                             int64_t N, int64_t Dim, int rank, bool random,
                             bool padded, std::mt19937_64 &rng) {
  int64_t pad = padded ? int64_t(rng() % 3) : 0;
  int64_t sN = Dim + pad, sH = N * sN + pad, sB = H * sH + pad;
  buf.assign(B * sB, std::numeric_limits<float>::quiet_NaN());
  std::uniform_real_distribution<float> u(-1, 1);
  if (random)
    for (float &x : buf)
      x = u(rng);
  TensorView t;
  t.data = buf.data();
  t.dtype = DType::F32;
  t.rank = rank;
  int64_t shape[4] = {B, H, N, Dim}, strides[4] = {sB, sH, sN, 1};
  for (int i = 0; i < rank; ++i) {
    t.shape[i] = shape[i];
    t.strides[i] = strides[i];
  }
  return t;
}

/// Storage and views of one attention problem: random inputs, NaN-poisoned
/// outputs, optional padding in every stride.
struct Problem {
  int64_t B, Hq, Hkv, Nq, Nk, D;
  std::vector<float> q, k, v, o, lse;
  TensorView tq, tk, tv, to, tlse;

  Problem(int64_t B, int64_t Hq, int64_t Hkv, int64_t Nq, int64_t Nk, int64_t D,
          std::mt19937_64 &rng, bool padded = true)
      : B(B), Hq(Hq), Hkv(Hkv), Nq(Nq), Nk(Nk), D(D) {
    auto make = [&](std::vector<float> &buf, TensorView &t, int64_t H,
                    int64_t N, int64_t Dim, int rank, bool random) {
      t = makeTensor(buf, B, H, N, Dim, rank, random, padded, rng);
    };
    make(q, tq, Hq, Nq, D, 4, true);
    make(k, tk, Hkv, Nk, D, 4, true);
    make(v, tv, Hkv, Nk, D, 4, true);
    make(o, to, Hq, Nq, D, 4, false);
    make(lse, tlse, Hq, Nq, 1, 3, false);
    tlse.strides[2] = tlse.strides[2] == 0 ? 1 : tlse.strides[2];
  }

  float at(const std::vector<float> &buf, const TensorView &t, int64_t b,
           int64_t h, int64_t n, int64_t d) const {
    return buf[b * t.strides[0] + h * t.strides[1] + n * t.strides[2] + d];
  }
};

/// Largest relative error of O (and absolute of LSE) against a float64
/// dense reference; empty rows must be exactly 0 / -inf.
struct Check {
  double maxErr = 0, maxLseErr = 0;
  int64_t badEmptyRows = 0, nonFinite = 0;
  bool ok(double tol = 1e-4) const {
    return maxErr <= tol && maxLseErr <= tol && badEmptyRows == 0 &&
           nonFinite == 0;
  }
};

inline Check compareWithReference(const Problem &p, const Allowed &allowed,
                                  bool withLse) {
  Check c;
  double scale = 1.0 / std::sqrt(double(p.D));
  int64_t group = p.Hq / p.Hkv;
  std::vector<double> s(p.Nk), acc(p.D);
  for (int64_t b = 0; b < p.B; ++b)
    for (int64_t h = 0; h < p.Hq; ++h)
      for (int64_t i = 0; i < p.Nq; ++i) {
        double m = -INFINITY;
        for (int64_t j = 0; j < p.Nk; ++j) {
          if (!allowed(h, i, j)) {
            s[j] = -INFINITY;
            continue;
          }
          double dot = 0;
          for (int64_t d = 0; d < p.D; ++d)
            dot += double(p.at(p.q, p.tq, b, h, i, d)) *
                   p.at(p.k, p.tk, b, h / group, j, d);
          s[j] = dot * scale;
          m = std::max(m, s[j]);
        }
        double lseGot =
            withLse ? p.lse[b * p.tlse.strides[0] + h * p.tlse.strides[1] +
                            i * p.tlse.strides[2]]
                    : 0;
        if (m == -INFINITY) {
          bool bad = withLse && !(std::isinf(lseGot) && lseGot < 0);
          for (int64_t d = 0; d < p.D; ++d)
            bad |= p.at(p.o, p.to, b, h, i, d) != 0.0f;
          c.badEmptyRows += bad;
          continue;
        }
        double sum = 0;
        std::fill(acc.begin(), acc.end(), 0.0);
        for (int64_t j = 0; j < p.Nk; ++j) {
          if (s[j] == -INFINITY)
            continue;
          double w = std::exp(s[j] - m);
          sum += w;
          for (int64_t d = 0; d < p.D; ++d)
            acc[d] += w * p.at(p.v, p.tv, b, h / group, j, d);
        }
        for (int64_t d = 0; d < p.D; ++d) {
          double got = p.at(p.o, p.to, b, h, i, d);
          if (!std::isfinite(got)) {
            ++c.nonFinite;
            continue;
          }
          double want = acc[d] / sum;
          c.maxErr =
              std::max(c.maxErr, std::abs(got - want) / (1.0 + std::abs(want)));
        }
        if (withLse) {
          if (!std::isfinite(lseGot))
            ++c.nonFinite;
          else
            c.maxLseErr =
                std::max(c.maxLseErr, std::abs(lseGot - (m + std::log(sum))));
        }
      }
  return c;
}

} // namespace sparsa::jittest

#endif // SPARSA_TEST_UNIT_JIT_JITTESTUTIL_H
