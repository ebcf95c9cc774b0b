//===- Rasterize.cpp - coverage rasters of masks --------------------------===//
//
// Reduces an Nq x Nk mask to a picture-sized grid of coverage fractions and
// tile classes, evaluating every pair when that fits the evaluation budget
// and an evenly spaced sample of each cell otherwise.
//
//===----------------------------------------------------------------------===//

#include "lib/Draw/MaskPicture.h"

#include <algorithm>
#include <cmath>

using namespace sparsa::draw;

static int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

Raster sparsa::draw::rasterize(const PictureInput &in, int64_t maxCells) {
  Raster r;
  int64_t nq = std::max<int64_t>(in.numQueries, 0);
  int64_t nk = std::max<int64_t>(in.numKeys, 0);
  if (nq == 0 || nk == 0)
    return r;
  maxCells = std::max<int64_t>(maxCells, 1);
  // One scale for both axes keeps the picture's aspect ratio.
  int64_t scale = std::max(ceilDiv(nq, maxCells), ceilDiv(nk, maxCells));
  r.rows = ceilDiv(nq, scale);
  r.cols = ceilDiv(nk, scale);
  r.pairsPerRow = r.pairsPerCol = static_cast<double>(scale);
  r.coverage.assign(r.rows * r.cols, 0.0f);

  bool grid = in.blockQ > 0 && in.blockK > 0;
  if (grid) {
    r.tileRows = ceilDiv(nq, in.blockQ);
    r.tileCols = ceilDiv(nk, in.blockK);
  }
  // Per-tile counts of allowed and evaluated pairs, only when the classes
  // must be derived from the cells.
  bool deriveTiles = grid && !in.tileClass;
  std::vector<int64_t> tileAllowed, tileSeen;
  if (deriveTiles) {
    tileAllowed.assign(r.tileRows * r.tileCols, 0);
    tileSeen.assign(r.tileRows * r.tileCols, 0);
  }

  // Samples per cell side: all pairs when the budget allows.
  double total = static_cast<double>(nq) * static_cast<double>(nk);
  int64_t samples = scale;
  if (total > static_cast<double>(in.maxEvaluations)) {
    double perCell = static_cast<double>(in.maxEvaluations) /
                     static_cast<double>(r.rows * r.cols);
    samples = std::clamp<int64_t>(
        static_cast<int64_t>(std::floor(std::sqrt(perCell))), 1, scale);
    r.exact = samples == scale;
  }

  for (int64_t cr = 0; cr < r.rows; ++cr) {
    int64_t q0 = cr * scale, q1 = std::min(nq, q0 + scale);
    for (int64_t cc = 0; cc < r.cols; ++cc) {
      int64_t k0 = cc * scale, k1 = std::min(nk, k0 + scale);
      int64_t seen = 0, allowed = 0;
      for (int64_t i = 0; i < samples; ++i) {
        // Evenly spaced sample rows/cols inside the cell (all when exact).
        int64_t q = q0 + (q1 - q0) * i / samples;
        if (i > 0 && q == q0 + (q1 - q0) * (i - 1) / samples)
          continue;
        for (int64_t j = 0; j < samples; ++j) {
          int64_t k = k0 + (k1 - k0) * j / samples;
          if (j > 0 && k == k0 + (k1 - k0) * (j - 1) / samples)
            continue;
          bool a = in.allowed(q, k);
          ++seen;
          allowed += a;
          if (deriveTiles) {
            int64_t t = (q / in.blockQ) * r.tileCols + k / in.blockK;
            ++tileSeen[t];
            tileAllowed[t] += a;
          }
        }
      }
      r.coverage[cr * r.cols + cc] =
          seen ? static_cast<float>(allowed) / static_cast<float>(seen) : 0;
    }
  }

  if (grid) {
    r.tiles.resize(r.tileRows * r.tileCols);
    for (int64_t tq = 0; tq < r.tileRows; ++tq)
      for (int64_t tk = 0; tk < r.tileCols; ++tk) {
        int64_t t = tq * r.tileCols + tk;
        if (in.tileClass) {
          r.tiles[t] = in.tileClass(tq, tk);
          continue;
        }
        r.tiles[t] = tileAllowed[t] == 0             ? TileClass::Empty
                     : tileAllowed[t] == tileSeen[t] ? TileClass::Full
                                                     : TileClass::Partial;
      }
  }
  return r;
}
