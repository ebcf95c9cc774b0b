//===- TileLimits.h - tile shapes the CUDA kernels support ------*- C++ -*-===//
//
// The one statement of which tile sizes, head dimensions and rows per warp
// the tensor-core kernels of convert-sattn-to-gpu can be built for, and of
// the shared memory they take. The lowering reports a violation on the
// kernel; sparsac checks its --block, --head-dim and --rows-per-warp flags
// with it before lowering, so the error names the flag. MLIR-free.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_CONVERSION_SATTNTOGPU_TILELIMITS_H
#define SPARSA_LIB_CONVERSION_SATTNTOGPU_TILELIMITS_H

#include <cstdint>
#include <string>

namespace sparsa::sattn::cuda {

/// Rows of shared-memory tiles are padded by this many elements (16 bytes)
/// so that the 8 rows an ldmatrix reads fall in different banks.
inline constexpr int64_t kRowPad = 8;

/// Shared memory one thread block may use (the opt-in limit of sm_80 and
/// sm_90).
inline constexpr int64_t kMaxSharedBytes = 227 * 1024;

/// Shared memory of one block: the Q tile, then two slots of K tiles, then
/// two slots of V tiles (the tile being used and the one being prefetched),
/// 2-byte elements.
inline int64_t sharedBytesFor(int64_t blockQ, int64_t blockK, int64_t headDim) {
  return (blockQ + 4 * blockK) * (headDim + kRowPad) * 2;
}

/// Query rows per warp when none is asked for: two MMA row tiles where the
/// registers allow it.
inline int64_t defaultRowsPerWarp(int64_t blockQ, int64_t headDim) {
  return headDim <= 64 && blockQ % 32 == 0 ? 32 : 16;
}

/// Why `blockQ` x `blockK` tiles at head dimension `headDim` with
/// `rowsPerWarp` query rows per warp (0: defaultRowsPerWarp) cannot be
/// lowered, or "" when they can.
std::string checkTileShape(int64_t blockQ, int64_t blockK, int64_t headDim,
                           int64_t rowsPerWarp);

} // namespace sparsa::sattn::cuda

#endif // SPARSA_LIB_CONVERSION_SATTNTOGPU_TILELIMITS_H
