//===- RandomBlocks.h - the random_blocks draw ------------------*- C++ -*-===//
//
// The documented, counter-based draw behind `mask.random_blocks`. It is plain
// C++ with no dependencies so that every stage (reference evaluator, tile
// classification, CPU and GPU kernels through generated code) computes the
// identical set of key blocks for a query block without any table.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_DIALECTS_MASK_IR_RANDOMBLOCKS_H
#define SPARSA_DIALECTS_MASK_IR_RANDOMBLOCKS_H

#include <algorithm>
#include <cstdint>
#include <vector>

namespace sparsa::mask {

/// SplitMix64's output finalizer: a bijective 64-bit mix.
inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// The hash of draw `j` for query block `queryBlock`.
inline uint64_t randomBlockHash(uint64_t seed, uint64_t queryBlock,
                                uint64_t j) {
  uint64_t h = mix64(seed + 0x9e3779b97f4a7c15ULL);
  h = mix64(h ^ (queryBlock * 0x9e3779b97f4a7c15ULL));
  return mix64(h ^ (j + 0x632be59bd9b4e019ULL));
}

/// The `count` distinct key blocks drawn from `numKeyBlocks` for
/// `queryBlock`, by Floyd's algorithm: for j = n - count .. n - 1, draw
/// t uniformly in [0, j] (by `hash mod (j + 1)`) and take t unless it was
/// already taken, in which case take j. Returns them sorted. With
/// count >= numKeyBlocks every block is drawn.
inline std::vector<int64_t> drawRandomBlocks(uint64_t seed, int64_t queryBlock,
                                             int64_t numKeyBlocks,
                                             int64_t count) {
  std::vector<int64_t> out;
  if (numKeyBlocks <= 0 || count <= 0)
    return out;
  if (count >= numKeyBlocks) {
    for (int64_t b = 0; b < numKeyBlocks; ++b)
      out.push_back(b);
    return out;
  }
  out.reserve(count);
  for (int64_t j = numKeyBlocks - count; j < numKeyBlocks; ++j) {
    int64_t t = static_cast<int64_t>(
        randomBlockHash(seed, static_cast<uint64_t>(queryBlock),
                        static_cast<uint64_t>(j)) %
        static_cast<uint64_t>(j + 1));
    bool taken = std::find(out.begin(), out.end(), t) != out.end();
    out.push_back(taken ? j : t);
  }
  std::sort(out.begin(), out.end());
  return out;
}

} // namespace sparsa::mask

#endif // SPARSA_DIALECTS_MASK_IR_RANDOMBLOCKS_H
