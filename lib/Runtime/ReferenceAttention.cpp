//===- ReferenceAttention.cpp - dense float64 attention for tests ---------===//
//
// Straightforward softmax(scale Q Kᵀ + mask) V per (batch, head, query)
// with a max-shifted exponent sum in double precision.
//
//===----------------------------------------------------------------------===//

#include "lib/Runtime/ReferenceAttention.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace sparsa;
using namespace sparsa::runtime;

static const float *at(const runtime::TensorRef &t, int64_t b, int64_t h,
                       int64_t n) {
  return t.data + b * t.strideB + h * t.strideH + n * t.strideN;
}

ReferenceResult runtime::referenceAttention(const runtime::AttentionProblem &p,
                                            double scale,
                                            const AllowedFn &allowed) {
  const int64_t D = p.headDim, group = p.headsQ / p.headsKV;
  ReferenceResult r;
  r.out.assign(p.batch * p.headsQ * p.seqQ * D, 0.0);
  r.lse.assign(p.batch * p.headsQ * p.seqQ,
               -std::numeric_limits<double>::infinity());
  std::vector<double> s(p.seqK);
  for (int64_t b = 0; b < p.batch; ++b)
    for (int64_t h = 0; h < p.headsQ; ++h)
      for (int64_t q = 0; q < p.seqQ; ++q) {
        const float *qrow = at(p.q, b, h, q);
        double mx = -std::numeric_limits<double>::infinity();
        for (int64_t k = 0; k < p.seqK; ++k) {
          if (!allowed(h, q, k)) {
            s[k] = -std::numeric_limits<double>::infinity();
            continue;
          }
          const float *krow = at(p.k, b, h / group, k);
          double dot = 0;
          for (int64_t d = 0; d < D; ++d)
            dot += double(qrow[d]) * double(krow[d]);
          s[k] = dot * scale;
          mx = std::max(mx, s[k]);
        }
        int64_t row = (b * p.headsQ + h) * p.seqQ + q;
        if (mx == -std::numeric_limits<double>::infinity())
          continue;
        double sum = 0;
        double *o = &r.out[row * D];
        for (int64_t k = 0; k < p.seqK; ++k) {
          if (s[k] == -std::numeric_limits<double>::infinity())
            continue;
          double e = std::exp(s[k] - mx);
          sum += e;
          const float *vrow = at(p.v, b, h / group, k);
          for (int64_t d = 0; d < D; ++d)
            o[d] += e * double(vrow[d]);
        }
        for (int64_t d = 0; d < D; ++d)
          o[d] /= sum;
        r.lse[row] = mx + std::log(sum);
      }
  return r;
}

Comparison runtime::compare(const runtime::AttentionProblem &p,
                            const ReferenceResult &ref) {
  Comparison c;
  const int64_t D = p.headDim;
  for (int64_t b = 0; b < p.batch; ++b)
    for (int64_t h = 0; h < p.headsQ; ++h)
      for (int64_t q = 0; q < p.seqQ; ++q) {
        int64_t row = (b * p.headsQ + h) * p.seqQ + q;
        const float *o = at(p.o, b, h, q);
        const double *r = &ref.out[row * D];
        bool empty = std::isinf(ref.lse[row]);
        double scaleRef = 0, err = 0;
        for (int64_t d = 0; d < D; ++d) {
          if (!std::isfinite(o[d]))
            ++c.nonFinite;
          scaleRef = std::max(scaleRef, std::fabs(r[d]));
          err = std::max(err, std::fabs(double(o[d]) - r[d]));
        }
        if (empty) {
          bool zeros = std::all_of(o, o + D, [](float x) { return x == 0; });
          if (!zeros)
            ++c.badEmptyRows;
        } else if (std::isfinite(err)) {
          c.maxRelErr = std::max(c.maxRelErr, err / std::max(scaleRef, 1e-30));
        } else {
          c.maxRelErr = std::numeric_limits<double>::infinity();
        }
        if (p.lse.data) {
          float l = *(p.lse.data + b * p.lse.strideB + h * p.lse.strideH +
                      q * p.lse.strideN);
          if (empty) {
            if (!(std::isinf(l) && l < 0))
              ++c.badEmptyRows;
          } else if (!std::isfinite(l)) {
            ++c.nonFinite;
          } else {
            c.maxLseErr = std::max(c.maxLseErr, std::fabs(l - ref.lse[row]));
          }
        }
      }
  return c;
}

/// Softmax attention of one (batch, query head) in double precision: the
/// probabilities P [Nq][Nk] (0 where not allowed or the row is empty).
static std::vector<double> probabilities(const AttentionProblem &p,
                                         const std::vector<double> &q,
                                         const std::vector<double> &k,
                                         double scale, const AllowedFn &allowed,
                                         int64_t h) {
  int64_t nq = p.seqQ, nk = p.seqK, d = p.headDim;
  std::vector<double> prob(nq * nk, 0.0);
  for (int64_t i = 0; i < nq; ++i) {
    double mx = -INFINITY;
    for (int64_t j = 0; j < nk; ++j)
      if (allowed(h, i, j)) {
        double s = 0;
        for (int64_t x = 0; x < d; ++x)
          s += q[i * d + x] * k[j * d + x];
        prob[i * nk + j] = s * scale;
        mx = std::max(mx, s * scale);
      }
    if (mx == -INFINITY)
      continue;
    double sum = 0;
    for (int64_t j = 0; j < nk; ++j)
      if (allowed(h, i, j))
        sum += prob[i * nk + j] = std::exp(prob[i * nk + j] - mx);
    for (int64_t j = 0; j < nk; ++j)
      prob[i * nk + j] = allowed(h, i, j) ? prob[i * nk + j] / sum : 0.0;
  }
  return prob;
}

/// One head's rows as a dense double matrix.
static std::vector<double> rows(const TensorRef &t, int64_t b, int64_t h,
                                int64_t n, int64_t d) {
  std::vector<double> out(n * d);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t x = 0; x < d; ++x)
      out[i * d + x] =
          t.data[b * t.strideB + h * t.strideH + i * t.strideN + x];
  return out;
}

ReferenceGradients
sparsa::runtime::referenceGradients(const AttentionProblem &p,
                                    const TensorRef &dO, double scale,
                                    const AllowedFn &allowed) {
  int64_t nq = p.seqQ, nk = p.seqK, d = p.headDim;
  int64_t group = p.headsQ / p.headsKV;
  ReferenceGradients g;
  g.dq.assign(p.batch * p.headsQ * nq * d, 0.0);
  g.dk.assign(p.batch * p.headsKV * nk * d, 0.0);
  g.dv.assign(p.batch * p.headsKV * nk * d, 0.0);
  for (int64_t b = 0; b < p.batch; ++b)
    for (int64_t h = 0; h < p.headsQ; ++h) {
      int64_t hk = h / group;
      std::vector<double> q = rows(p.q, b, h, nq, d),
                          k = rows(p.k, b, hk, nk, d),
                          v = rows(p.v, b, hk, nk, d),
                          o = rows(dO, b, h, nq, d);
      std::vector<double> prob = probabilities(p, q, k, scale, allowed, h);
      double *dq = &g.dq[(b * p.headsQ + h) * nq * d];
      double *dk = &g.dk[(b * p.headsKV + hk) * nk * d];
      double *dv = &g.dv[(b * p.headsKV + hk) * nk * d];
      for (int64_t i = 0; i < nq; ++i) {
        std::vector<double> dp(nk, 0.0);
        double rowDot = 0;
        for (int64_t j = 0; j < nk; ++j) {
          for (int64_t x = 0; x < d; ++x)
            dp[j] += o[i * d + x] * v[j * d + x];
          rowDot += prob[i * nk + j] * dp[j];
        }
        for (int64_t j = 0; j < nk; ++j) {
          double pij = prob[i * nk + j];
          if (pij == 0)
            continue;
          double ds = pij * (dp[j] - rowDot) * scale;
          for (int64_t x = 0; x < d; ++x) {
            dv[j * d + x] += pij * o[i * d + x];
            dq[i * d + x] += ds * k[j * d + x];
            dk[j * d + x] += ds * q[i * d + x];
          }
        }
      }
    }
  return g;
}

double sparsa::runtime::gradientError(const std::vector<double> &want,
                                      const TensorRef &got, int64_t batch,
                                      int64_t heads, int64_t n, int64_t d) {
  double scaleOf = 0, err = 0;
  for (double w : want)
    scaleOf = std::max(scaleOf, std::abs(w));
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t i = 0; i < n; ++i)
        for (int64_t x = 0; x < d; ++x) {
          double g =
              got.data[b * got.strideB + h * got.strideH + i * got.strideN + x];
          double w = want[((b * heads + h) * n + i) * d + x];
          if (!std::isfinite(g))
            return INFINITY;
          err = std::max(err, std::abs(g - w));
        }
  return err / std::max(scaleOf, 0.01);
}
