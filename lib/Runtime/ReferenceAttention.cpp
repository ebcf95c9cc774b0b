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
