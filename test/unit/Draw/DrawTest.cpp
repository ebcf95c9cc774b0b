//===- DrawTest.cpp - mask pictures ---------------------------------------===//
//
// The raster must agree with brute force (coverage per cell, tile classes),
// and the files written must be real PNG/SVG/text pictures of the mask.
//
//===----------------------------------------------------------------------===//

#include "lib/Draw/MaskPicture.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "gtest/gtest.h"

#include <cairo.h>
#include <type_traits>

#include <random>

using namespace sparsa::draw;

// One tile-class enum for the analyses and the pictures (two copies had to
// be converted into each other by every caller).
static_assert(
    std::is_same_v<sparsa::draw::TileClass, sparsa::analysis::TileClass>);

namespace {
PictureInput windowMask(int64_t nq, int64_t nk, int64_t w) {
  PictureInput in;
  in.title = "window";
  in.numQueries = nq;
  in.numKeys = nk;
  in.allowed = [w](int64_t q, int64_t k) { return k <= q && q - k <= w; };
  return in;
}

std::string tempPath(llvm::StringRef suffix) {
  llvm::SmallString<128> path;
  EXPECT_FALSE(llvm::sys::fs::createTemporaryFile("sparsa-draw", suffix, path));
  return path.str().str();
}
} // namespace

TEST(Rasterize, ExactCoverageAndTilesMatchBruteForce) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 50; ++trial) {
    int64_t nq = 1 + rng() % 70, nk = 1 + rng() % 70;
    int64_t bq = 1 + rng() % 9, bk = 1 + rng() % 9, cells = 1 + rng() % 40;
    int64_t w = rng() % 20;
    PictureInput in = windowMask(nq, nk, w);
    in.blockQ = bq;
    in.blockK = bk;
    Raster r = rasterize(in, cells);
    ASSERT_TRUE(r.exact);
    int64_t scale = static_cast<int64_t>(r.pairsPerRow);
    ASSERT_LE(r.rows, cells);
    ASSERT_LE(r.cols, cells);
    for (int64_t y = 0; y < r.rows; ++y)
      for (int64_t x = 0; x < r.cols; ++x) {
        int64_t seen = 0, allowed = 0;
        for (int64_t q = y * scale; q < std::min(nq, (y + 1) * scale); ++q)
          for (int64_t k = x * scale; k < std::min(nk, (x + 1) * scale); ++k) {
            ++seen;
            allowed += in.allowed(q, k);
          }
        EXPECT_FLOAT_EQ(r.coverage[y * r.cols + x],
                        static_cast<float>(allowed) / seen);
      }
    for (int64_t tq = 0; tq < r.tileRows; ++tq)
      for (int64_t tk = 0; tk < r.tileCols; ++tk) {
        int64_t seen = 0, allowed = 0;
        for (int64_t q = tq * bq; q < std::min(nq, (tq + 1) * bq); ++q)
          for (int64_t k = tk * bk; k < std::min(nk, (tk + 1) * bk); ++k) {
            ++seen;
            allowed += in.allowed(q, k);
          }
        TileClass expect = allowed == 0      ? TileClass::Empty
                           : allowed == seen ? TileClass::Full
                                             : TileClass::Partial;
        EXPECT_EQ(r.tiles[tq * r.tileCols + tk], expect) << tq << "," << tk;
      }
  }
}

TEST(Rasterize, SamplesWithinTheBudget) {
  PictureInput in = windowMask(4096, 4096, 100);
  int64_t calls = 0;
  auto inner = in.allowed;
  in.allowed = [&](int64_t q, int64_t k) {
    ++calls;
    return inner(q, k);
  };
  in.maxEvaluations = 100000;
  Raster r = rasterize(in, 64);
  EXPECT_FALSE(r.exact);
  EXPECT_LE(calls, 100000);
  // The diagonal cells are partly covered, far corners empty.
  EXPECT_GT(r.coverage[10 * r.cols + 10], 0.0f);
  EXPECT_EQ(r.coverage[0 * r.cols + 63], 0.0f);
}

TEST(Rasterize, TileCallbackWins) {
  PictureInput in = windowMask(8, 8, 8);
  in.blockQ = in.blockK = 4;
  in.tileClass = [](int64_t, int64_t) { return TileClass::Partial; };
  Raster r = rasterize(in, 8);
  for (TileClass c : r.tiles)
    EXPECT_EQ(c, TileClass::Partial);
}

TEST(Draw, TextPictureOfACausalMask) {
  PictureInput in = windowMask(4, 4, 4);
  in.blockQ = in.blockK = 2;
  in.density = 10.0 / 16.0;
  std::string s;
  llvm::raw_string_ostream os(s);
  drawText(in, os);
  EXPECT_EQ(s, "# window: Nq = 4, Nk = 4, density = 0.6250\n"
               "# '#' allowed, '.' not\n"
               "#...\n"
               "##..\n"
               "###.\n"
               "####\n"
               "# tiles 2x2: F full, P partial, . empty\n"
               "P.\n"
               "FP\n"
               "# tiles_full: 1, tiles_partial: 2, tiles_empty: 1\n");
}

TEST(Draw, PngShowsTheMaskAndTileClasses) {
  PictureInput in = windowMask(64, 64, 64);
  in.blockQ = in.blockK = 16;
  std::string path = tempPath("png");
  ASSERT_FALSE(bool(drawToFile(in, path)));
  cairo_surface_t *s = cairo_image_surface_create_from_png(path.c_str());
  ASSERT_EQ(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
  int w = cairo_image_surface_get_width(s),
      h = cairo_image_surface_get_height(s);
  EXPECT_GE(w, 64);
  EXPECT_GE(h, 64);
  // Find the mask area's top-left corner: the first pixel of the picture
  // body below the title is the border; sample pixels through the layout
  // constants instead: mask area starts at (16, 68), px = 900 / 64 = 14.
  unsigned char *data = cairo_image_surface_get_data(s);
  int stride = cairo_image_surface_get_stride(s);
  auto pixel = [&](int x, int y) {
    return *reinterpret_cast<uint32_t *>(data + y * stride + 4 * x) & 0xffffffu;
  };
  const int x0 = 16, y0 = 68, px = 900 / 64;
  // (q=40, k=10): allowed in a FULL tile, green ink. (q=13, k=12): allowed
  // in a PARTIAL tile, blue ink. (q=10, k=40): not allowed, in an EMPTY tile
  // (white). (q=5, k=10): not allowed, in a PARTIAL diagonal tile (amber).
  EXPECT_EQ(pixel(x0 + 10 * px + px / 2, y0 + 40 * px + px / 2), 0x145c29u);
  EXPECT_EQ(pixel(x0 + 12 * px + px / 2, y0 + 13 * px + px / 2), 0x173373u);
  EXPECT_EQ(pixel(x0 + 40 * px + px / 2, y0 + 10 * px + px / 2), 0xffffffu);
  EXPECT_EQ(pixel(x0 + 10 * px + px / 2, y0 + 5 * px + px / 2), 0xfcde99u);
  cairo_surface_destroy(s);
  llvm::sys::fs::remove(path);
}

TEST(Draw, SvgAndErrors) {
  PictureInput in = windowMask(300, 200, 30);
  in.blockQ = in.blockK = 64;
  std::string path = tempPath("svg");
  ASSERT_FALSE(bool(drawToFile(in, path)));
  auto buf = llvm::MemoryBuffer::getFile(path);
  ASSERT_TRUE(bool(buf));
  EXPECT_TRUE((*buf)->getBuffer().contains("<svg"));
  llvm::sys::fs::remove(path);

  llvm::Error e = drawToFile(in, "/tmp/picture.bmp");
  ASSERT_TRUE(bool(e));
  EXPECT_EQ(llvm::toString(std::move(e)),
            "cannot tell the picture format of '/tmp/picture.bmp': use a "
            ".png, .svg or .txt file name");
  e = drawToFile(in, "/nonexistent-dir/x.png");
  ASSERT_TRUE(bool(e));
  EXPECT_TRUE(llvm::StringRef(llvm::toString(std::move(e)))
                  .starts_with("cannot write '/nonexistent-dir/x.png'"));
}
