//===- DrawText.cpp - text pictures of masks ------------------------------===//
//
// One character per picture cell, shaded by coverage, and a tile map. Exact
// and readable for small masks; tests and terminals use it.
//
//===----------------------------------------------------------------------===//

#include "lib/Draw/MaskPicture.h"

#include "llvm/Support/FormatVariadic.h"

using namespace sparsa::draw;

void sparsa::draw::drawText(const PictureInput &in, llvm::raw_ostream &os,
                            int64_t maxCells) {
  Raster r = rasterize(in, maxCells);
  os << "# " << (in.title.empty() ? "mask" : in.title);
  if (!in.subtitle.empty())
    os << " (" << in.subtitle << ")";
  os << llvm::formatv(": Nq = {0}, Nk = {1}", in.numQueries, in.numKeys);
  if (in.density >= 0)
    os << llvm::formatv(", density = {0:F4}", in.density);
  os << "\n";
  if (r.pairsPerRow > 1)
    os << llvm::formatv("# 1 character = {0}x{0} pairs{1}; shading . : + # "
                        "by the fraction allowed\n",
                        static_cast<int64_t>(r.pairsPerRow),
                        r.exact ? "" : " (sampled)");
  else
    os << "# '#' allowed, '.' not\n";
  for (int64_t y = 0; y < r.rows; ++y) {
    for (int64_t x = 0; x < r.cols; ++x) {
      float c = r.coverage[y * r.cols + x];
      char ch = c <= 0 ? '.' : c >= 1 ? '#' : c < 0.34f ? ':' : '+';
      if (r.pairsPerRow <= 1)
        ch = c > 0 ? '#' : '.';
      os << ch;
    }
    os << "\n";
  }
  if (r.tiles.empty())
    return;
  os << llvm::formatv("# tiles {0}x{1}: F full, P partial, . empty\n",
                      in.blockQ, in.blockK);
  int64_t full = 0, partial = 0;
  for (int64_t tq = 0; tq < r.tileRows; ++tq) {
    for (int64_t tk = 0; tk < r.tileCols; ++tk) {
      TileClass c = r.tiles[tq * r.tileCols + tk];
      full += c == TileClass::Full;
      partial += c == TileClass::Partial;
      if (r.tileCols <= 256)
        os << (c == TileClass::Full      ? 'F'
               : c == TileClass::Partial ? 'P'
                                         : '.');
    }
    if (r.tileCols <= 256)
      os << "\n";
  }
  os << llvm::formatv("# tiles_full: {0}, tiles_partial: {1}, tiles_empty: "
                      "{2}\n",
                      full, partial, r.tileRows * r.tileCols - full - partial);
}
