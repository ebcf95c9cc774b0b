//===- TileLimits.cpp - tile shapes the CUDA kernels support --------------===//
//
// The checks behind computeGeometry, in the order the lowering needs them:
// the warp layout first (it fixes the thread count), then the copy
// distribution and the shared memory it implies.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/SAttnToGPU/TileLimits.h"

using namespace sparsa::sattn::cuda;

std::string sparsa::sattn::cuda::checkTileShape(int64_t blockQ, int64_t blockK,
                                                int64_t headDim,
                                                int64_t rowsPerWarp,
                                                const std::string &chip) {
  auto str = [](int64_t v) { return std::to_string(v); };
  if (blockQ % 16 != 0 || blockQ < 16 || blockQ > 256)
    return "block_q " + str(blockQ) +
           " must be a multiple of 16 in [16, 256] for cuda";
  if (rowsPerWarp == 0)
    rowsPerWarp = defaultRowsPerWarp(blockQ, headDim);
  if (rowsPerWarp != 16 && rowsPerWarp != 32)
    return "rows per warp " + str(rowsPerWarp) + " must be 16 or 32";
  if (blockQ % rowsPerWarp != 0)
    return "block_q " + str(blockQ) + " must be a multiple of the " +
           str(rowsPerWarp) + " rows of a warp";
  int64_t threads = 32 * (blockQ / rowsPerWarp);
  if (blockK % 16 != 0 || blockK < 16 || blockK > 128)
    return "block_k " + str(blockK) +
           " must be a multiple of 16 in [16, 128] for cuda";
  if (headDim % 16 != 0 || headDim < 16 || headDim > 256)
    return "head_dim " + str(headDim) +
           " must be a multiple of 16 in [16, 256] for cuda";
  // Every thread issues the same number of 16-byte copies of a K / V tile.
  if ((blockK * headDim / 8) % threads != 0)
    return "block_k * head_dim / 8 = " + str(blockK * headDim / 8) +
           " must be a multiple of the " + str(threads) + " threads of a block";
  int64_t shared = sharedBytesFor(blockQ, blockK, headDim);
  if (shared > maxSharedBytes(chip))
    return "needs " + str(shared) + " bytes of shared memory, more than the " +
           str(maxSharedBytes(chip)) + " a block of " + chip + " has";
  return "";
}
