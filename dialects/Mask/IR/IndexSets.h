//===- IndexSets.h - resolving index-set members ----------------*- C++ -*-===//
//
// How the members of a `#mask.set` list (and of the analyses' member
// constraints) become token indices for a sequence of length n: negative
// members count from the end, members outside [0, n) are dropped. One
// definition for the dialect and the analyses.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_DIALECTS_MASK_IR_INDEXSETS_H
#define SPARSA_DIALECTS_MASK_IR_INDEXSETS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cstdint>

namespace sparsa::mask {

/// The index `x` denotes in a sequence of length `n` (negative: from the
/// end); -1 when that would overflow, which lies outside every sequence.
inline int64_t resolveIndex(int64_t x, int64_t n) {
  if (x >= 0)
    return x;
  int64_t r;
  if (llvm::AddOverflow(x, n, r))
    return -1;
  return r;
}

/// The members of `raw` resolved against `n`, inside [0, n), sorted and
/// without duplicates.
inline llvm::SmallVector<int64_t, 4>
resolveIndexList(llvm::ArrayRef<int64_t> raw, int64_t n) {
  llvm::SmallVector<int64_t, 4> out;
  for (int64_t e : raw) {
    int64_t r = resolveIndex(e, n);
    if (r >= 0 && r < n)
      out.push_back(r);
  }
  llvm::sort(out);
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

} // namespace sparsa::mask

#endif // SPARSA_DIALECTS_MASK_IR_INDEXSETS_H
