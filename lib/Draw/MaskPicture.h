//===- MaskPicture.h - pictures of attention masks --------------*- C++ -*-===//
//
// Renders a mask as a picture a person would rather look at than read: the
// allowed pairs at a zoom that fits, the tile grid with FULL / PARTIAL /
// EMPTY tiles in distinct colours, and a title with the pattern's name,
// density and sequence length. PNG and SVG go through cairo; text is plain
// characters for terminals and tests. The mask and the tile classes come in
// through callbacks, so this library depends on no analysis.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_DRAW_MASKPICTURE_H
#define SPARSA_LIB_DRAW_MASKPICTURE_H

#include "lib/Analysis/TileClass.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace sparsa::draw {

/// The tile classes of lib/Analysis (one enum; a header without MLIR, so
/// this library still depends on no analysis).
using analysis::TileClass;

struct PictureInput {
  std::string title;    ///< e.g. the pattern's name
  std::string subtitle; ///< e.g. "head 0" for per-head patterns
  int64_t numQueries = 0;
  int64_t numKeys = 0;
  int64_t blockQ = 0; ///< tile sizes of the grid; 0 draws no grid
  int64_t blockK = 0;
  double density = -1; ///< shown in the title when >= 0
  /// allowed(q, k) for 0 <= q < numQueries, 0 <= k < numKeys.
  std::function<bool(int64_t q, int64_t k)> allowed;
  /// Optional tile classes by (query tile, key tile). When absent, classes
  /// are derived from the evaluated cells, which is exact only when the
  /// picture evaluates every cell (see `maxEvaluations`).
  std::function<TileClass(int64_t qt, int64_t kt)> tileClass;
  /// Upper bound on evaluations of `allowed`; beyond it each picture cell is
  /// estimated from an evenly spaced sample of its pairs.
  int64_t maxEvaluations = int64_t(1) << 25;
};

/// A coverage raster: the fraction of allowed pairs per picture cell, and
/// the classes of the tiles when a grid is drawn.
struct Raster {
  int64_t rows = 0, cols = 0;              ///< picture cells
  double pairsPerRow = 1, pairsPerCol = 1; ///< mask rows/cols per cell
  bool exact = true;                       ///< every pair evaluated
  std::vector<float> coverage;             ///< rows x cols, in [0, 1]
  int64_t tileRows = 0, tileCols = 0;
  std::vector<TileClass> tiles; ///< tileRows x tileCols, empty if no grid
};

/// Builds the raster for a picture at most `maxCells` cells on a side.
Raster rasterize(const PictureInput &in, int64_t maxCells);

/// Writes a PNG or SVG (chosen by the file extension) or a text picture
/// (".txt"). Errors name the path and the reason.
llvm::Error drawToFile(const PictureInput &in, llvm::StringRef path);

/// The text picture: a header, the mask (one character per cell, shaded by
/// coverage) and, with a grid, a tile map of F / P / . characters.
void drawText(const PictureInput &in, llvm::raw_ostream &os,
              int64_t maxCells = 96);

} // namespace sparsa::draw

#endif // SPARSA_LIB_DRAW_MASKPICTURE_H
