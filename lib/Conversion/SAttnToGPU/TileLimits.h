//===- TileLimits.h - tile shapes the CUDA kernels support ------*- C++ -*-===//
//
// The one statement of which tile sizes, head dimensions and rows per warp
// the tensor-core kernels of convert-sattn-to-gpu can be built for, and of
// the shared memory they take. The lowering reports a violation on the
// kernel; sparsac checks its --block, --head-dim and --rows-per-warp flags
// with it before lowering, so the error names the flag; sparsa-select-tiling
// picks the default tiles with it. MLIR-free and header-only but for
// checkTileShape.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_CONVERSION_SATTNTOGPU_TILELIMITS_H
#define SPARSA_LIB_CONVERSION_SATTNTOGPU_TILELIMITS_H

#include <cstdint>
#include <string>
#include <utility>

namespace sparsa::sattn::cuda {

/// Rows of shared-memory tiles are padded by this many elements (16 bytes)
/// so that the 8 rows an ldmatrix reads fall in different banks.
inline constexpr int64_t kRowPad = 8;

/// Bytes of the kernels' element types (bf16 and f16 both take 2).
inline constexpr int64_t kElementBytes = 2;

/// The shared memory one thread block of `chip` may use (the opt-in limit
/// of the architecture): 227 KiB on sm_90 and sm_100-sm_110, 163 KiB on
/// sm_80 and sm_87, 99 KiB on sm_86, sm_89 and sm_120 / sm_121 (and on any
/// other name: the smallest).
inline int64_t maxSharedBytes(const std::string &chip) {
  int number = 0;
  size_t i = 3;
  if (chip.rfind("sm_", 0) == 0)
    while (i < chip.size() && chip[i] >= '0' && chip[i] <= '9' &&
           number < 10000)
      number = number * 10 + (chip[i++] - '0');
  if (number == 90 || (number >= 100 && number <= 110))
    return 227 * 1024;
  if (number == 80 || number == 87)
    return 163 * 1024;
  return 99 * 1024;
}

/// Shared memory of one block: the Q tile, then two slots of K tiles, then
/// two slots of V tiles (the tile being used and the one being prefetched)
/// of `elementBytes` elements.
inline int64_t sharedBytesFor(int64_t blockQ, int64_t blockK, int64_t headDim,
                              int64_t elementBytes = kElementBytes) {
  return (blockQ + 4 * blockK) * (headDim + kRowPad) * elementBytes;
}

/// The tiles the policy picks for `chip` and `headDim`: 128 x 64, or 64 x
/// 64 where those do not fit the chip's shared memory, or 64 x 32 where
/// neither does (sparsa-select-tiling).
inline std::pair<int64_t, int64_t> defaultTiles(int64_t headDim,
                                                const std::string &chip) {
  for (auto [bq, bk] : {std::pair<int64_t, int64_t>{128, 64}, {64, 64}})
    if (sharedBytesFor(bq, bk, headDim) <= maxSharedBytes(chip))
      return {bq, bk};
  return {64, 32};
}

/// Query rows per warp when none is asked for: two MMA row tiles where the
/// registers allow it.
inline int64_t defaultRowsPerWarp(int64_t blockQ, int64_t headDim) {
  return headDim <= 64 && blockQ % 32 == 0 ? 32 : 16;
}

/// Why `blockQ` x `blockK` tiles at head dimension `headDim` with
/// `rowsPerWarp` query rows per warp (0: defaultRowsPerWarp) cannot be
/// lowered for `chip`, or "" when they can.
std::string checkTileShape(int64_t blockQ, int64_t blockK, int64_t headDim,
                           int64_t rowsPerWarp, const std::string &chip);

} // namespace sparsa::sattn::cuda

#endif // SPARSA_LIB_CONVERSION_SATTNTOGPU_TILELIMITS_H
