//===- ReferenceAttention.h - dense float64 attention for tests -*- C++ -*-===//
//
// The reference every CPU kernel is compared with (tests, `sparsac --run
// --check`): plain loops over all (query, key) pairs in double precision,
// the mask given as a predicate (usually mask::ReferenceMask::allowed).
// Deliberately naive and O(N^2): for checking only, never on a fast path.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_RUNTIME_REFERENCEATTENTION_H
#define SPARSA_LIB_RUNTIME_REFERENCEATTENTION_H

#include "lib/Runtime/RunAttention.h"

#include <cstdint>
#include <functional>
#include <vector>

namespace sparsa::runtime {

using AllowedFn = std::function<bool(int64_t h, int64_t q, int64_t k)>;

/// O [B, Hq, Nq, D] and LSE [B, Hq, Nq], dense, in double precision.
struct ReferenceResult {
  std::vector<double> out, lse;
};

ReferenceResult referenceAttention(const AttentionProblem &p, double scale,
                                   const AllowedFn &allowed);

/// Compares the kernel's outputs in `p` with `ref`. The error of a row is
/// max |o - ref| / max |ref| over the row (exact zeros are required for rows
/// with no allowed key), LSE errors are absolute. Returns the worst error
/// and counts rows that break the empty-row contract into `badEmptyRows`.
struct Comparison {
  double maxRelErr = 0, maxLseErr = 0;
  int64_t badEmptyRows = 0, nonFinite = 0;
};
Comparison compare(const AttentionProblem &p, const ReferenceResult &ref);

/// Dense float64 gradients of L = <dO, O>, O = attention(Q, K, V), each
/// [B][H][N][D] with dK and dV summed over each group's query heads, by the
/// textbook formulas: P = softmax, dV = Pᵀ dO, dP = dO Vᵀ,
/// dS = P ∘ (dP - rowsum(dP ∘ P)), dQ = scale dS K, dK = scale dSᵀ Q.
struct ReferenceGradients {
  std::vector<double> dq, dk, dv;
};
ReferenceGradients referenceGradients(const AttentionProblem &p,
                                      const TensorRef &dO, double scale,
                                      const AllowedFn &allowed);

/// max |got - want| / max(max |want|, 0.01) over one [batch, heads, n, d]
/// tensor (want dense): relative to the gradient's size, with a floor for
/// gradients that vanish exactly (a row of one allowed key has dS = 0,
/// which float rounding misses by about 1e-7). Infinity when `got` holds a
/// non-finite value.
double gradientError(const std::vector<double> &want, const TensorRef &got,
                     int64_t batch, int64_t heads, int64_t n, int64_t d);

} // namespace sparsa::runtime

#endif // SPARSA_LIB_RUNTIME_REFERENCEATTENTION_H
