//===- DrawCairo.cpp - PNG and SVG pictures through cairo -----------------===//
//
// Paints the coverage raster as an image scaled with nearest-neighbour
// filtering (crisp cells at any zoom, and a small SVG even for large masks),
// tile backgrounds by class, the tile grid, a title and a legend.
//
//===----------------------------------------------------------------------===//

#include "lib/Draw/MaskPicture.h"

#include "llvm/Support/FormatVariadic.h"

#include <cairo-svg.h>
#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <memory>

using namespace sparsa::draw;

// fontconfig (loaded by cairo to draw text) keeps a process-wide font
// configuration that it never frees by design, which LeakSanitizer would
// report at the exit of every sanitizer-built program that draws. The
// suppressions live here, in the file every drawing program links, so tests
// and tools need no environment for them.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
extern "C" const char *__lsan_default_suppressions() {
  return "leak:libfontconfig.so\n"
         "leak:libcairo.so\n";
}
#endif
#endif

namespace {
struct Rgb {
  double r, g, b;
};
// Colours: allowed pairs in dark blue over tile backgrounds that tell the
// tile classes apart even where the mask is dense.
constexpr Rgb kEmpty{1.0, 1.0, 1.0};
constexpr Rgb kPartial{0.99, 0.87, 0.60};
constexpr Rgb kFull{0.72, 0.89, 0.70};
constexpr Rgb kInk{0.09, 0.20, 0.45};     // allowed pairs of PARTIAL tiles
constexpr Rgb kInkFull{0.08, 0.36, 0.16}; // allowed pairs of FULL tiles
constexpr Rgb kGrid{0.55, 0.55, 0.55};

constexpr int kMaxCells = 1024;  // picture cells per side
constexpr int kTargetSide = 900; // pixels the mask area aims for
constexpr int kMargin = 16;
constexpr int kTitleHeight = 52;
constexpr int kLegendHeight = 30;

Rgb tileColour(TileClass c) {
  switch (c) {
  case TileClass::Full:
    return kFull;
  case TileClass::Partial:
    return kPartial;
  case TileClass::Empty:
    return kEmpty;
  }
  return kEmpty;
}

uint32_t pack(Rgb c) {
  auto byte = [](double v) {
    return static_cast<uint32_t>(std::clamp(v, 0.0, 1.0) * 255.0 + 0.5);
  };
  return 0xff000000u | byte(c.r) << 16 | byte(c.g) << 8 | byte(c.b);
}

Rgb mix(Rgb under, Rgb over, double alpha) {
  return {under.r + (over.r - under.r) * alpha,
          under.g + (over.g - under.g) * alpha,
          under.b + (over.b - under.b) * alpha};
}

std::string titleLine(const PictureInput &in, const Raster &r) {
  std::string s = in.title.empty() ? "mask" : in.title;
  if (!in.subtitle.empty())
    s += " (" + in.subtitle + ")";
  s += llvm::formatv("   Nq = {0}, Nk = {1}", in.numQueries, in.numKeys).str();
  if (in.density >= 0)
    s += llvm::formatv("   density = {0:F4}", in.density).str();
  return s;
}

std::string detailLine(const PictureInput &in, const Raster &r) {
  std::string s;
  if (r.pairsPerRow > 1)
    s += llvm::formatv("1 pixel cell = {0}x{0} pairs",
                       static_cast<int64_t>(r.pairsPerRow))
             .str();
  else
    s += "1 cell = 1 pair";
  if (!r.exact)
    s += " (sampled)";
  if (!r.tiles.empty())
    s += llvm::formatv("   tiles {0}x{1}", in.blockQ, in.blockK).str();
  return s;
}

/// Paints the whole picture on `cr`, whose surface is `width` x `height`.
void paint(cairo_t *cr, const PictureInput &in, const Raster &r, int px,
           int width, int height) {
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);

  // The mask as an image, one pixel per cell: tile background mixed with
  // ink by the cell's coverage.
  cairo_surface_t *img =
      cairo_image_surface_create(CAIRO_FORMAT_RGB24, r.cols, r.rows);
  cairo_surface_flush(img);
  unsigned char *data = cairo_image_surface_get_data(img);
  int stride = cairo_image_surface_get_stride(img);
  for (int64_t y = 0; y < r.rows; ++y) {
    auto *row = reinterpret_cast<uint32_t *>(data + y * stride);
    for (int64_t x = 0; x < r.cols; ++x) {
      Rgb bg = kEmpty, ink = kInk;
      if (!r.tiles.empty()) {
        int64_t q = static_cast<int64_t>(y * r.pairsPerRow);
        int64_t k = static_cast<int64_t>(x * r.pairsPerCol);
        int64_t t = std::min(q / in.blockQ, r.tileRows - 1) * r.tileCols +
                    std::min(k / in.blockK, r.tileCols - 1);
        bg = tileColour(r.tiles[t]);
        if (r.tiles[t] == TileClass::Full)
          ink = kInkFull;
      }
      // Square-root shading keeps sparse cells (a stride seen from afar)
      // visible; exact cells are 0 or 1 and unaffected.
      float c = r.coverage[y * r.cols + x];
      row[x] = pack(mix(bg, ink, c > 0 ? std::max(0.2f, std::sqrt(c)) : 0));
    }
  }
  cairo_surface_mark_dirty(img);

  double x0 = kMargin, y0 = kMargin + kTitleHeight;
  cairo_save(cr);
  cairo_translate(cr, x0, y0);
  cairo_scale(cr, px, px);
  cairo_set_source_surface(cr, img, 0, 0);
  cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
  cairo_rectangle(cr, 0, 0, r.cols, r.rows);
  cairo_fill(cr);
  cairo_restore(cr);
  cairo_surface_destroy(img);

  double w = static_cast<double>(r.cols) * px;
  double h = static_cast<double>(r.rows) * px;
  // Tile grid, when tiles are at least a few pixels wide.
  if (!r.tiles.empty()) {
    double tw = in.blockK / r.pairsPerCol * px;
    double th = in.blockQ / r.pairsPerRow * px;
    if (tw >= 4 && th >= 4) {
      cairo_set_source_rgba(cr, kGrid.r, kGrid.g, kGrid.b, 0.8);
      cairo_set_line_width(cr, 0.6);
      for (int64_t t = 1; t < r.tileCols; ++t) {
        double x = x0 + t * tw;
        cairo_move_to(cr, x, y0);
        cairo_line_to(cr, x, y0 + h);
      }
      for (int64_t t = 1; t < r.tileRows; ++t) {
        double y = y0 + t * th;
        cairo_move_to(cr, x0, y);
        cairo_line_to(cr, x0 + w, y);
      }
      cairo_stroke(cr);
    }
  }
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_set_line_width(cr, 1);
  cairo_rectangle(cr, x0 - 0.5, y0 - 0.5, w + 1, h + 1);
  cairo_stroke(cr);

  // Title and details.
  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                         CAIRO_FONT_WEIGHT_BOLD);
  cairo_set_font_size(cr, 15);
  cairo_move_to(cr, kMargin, kMargin + 16);
  cairo_show_text(cr, titleLine(in, r).c_str());
  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                         CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, 12);
  cairo_move_to(cr, kMargin, kMargin + 38);
  cairo_show_text(cr, detailLine(in, r).c_str());

  // Legend: ink, then the tile classes when a grid is drawn.
  double ly = y0 + h + 10;
  double lx = kMargin;
  auto swatch = [&](Rgb c, const char *label) {
    cairo_set_source_rgb(cr, c.r, c.g, c.b);
    cairo_rectangle(cr, lx, ly, 14, 14);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    cairo_set_line_width(cr, 0.8);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_move_to(cr, lx + 20, ly + 12);
    cairo_show_text(cr, label);
    cairo_text_extents_t ext;
    cairo_text_extents(cr, label, &ext);
    lx += 20 + ext.x_advance + 18;
  };
  if (r.tiles.empty()) {
    swatch(kInk, "allowed pair");
  } else {
    swatch(kInkFull, "allowed, FULL tile");
    swatch(kInk, "allowed, PARTIAL tile");
    swatch(kPartial, "PARTIAL tile");
    swatch(kEmpty, "EMPTY tile (skipped)");
  }
  (void)width;
  (void)height;
}

llvm::Error cairoError(llvm::StringRef path, cairo_status_t status) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 llvm::formatv("cannot write '{0}': {1}", path,
                                               cairo_status_to_string(status)));
}
} // namespace

llvm::Error sparsa::draw::drawToFile(const PictureInput &in,
                                     llvm::StringRef path) {
  if (path.ends_with(".txt")) {
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    if (ec)
      return llvm::createStringError(
          ec, llvm::formatv("cannot write '{0}': {1}", path, ec.message()));
    drawText(in, os);
    return llvm::Error::success();
  }
  bool png = path.ends_with(".png"), svg = path.ends_with(".svg");
  if (!png && !svg)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("cannot tell the picture format of '{0}': use a .png, "
                      ".svg or .txt file name",
                      path));
  if (in.numQueries <= 0 || in.numKeys <= 0)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "cannot draw an empty mask");

  Raster r = rasterize(in, kMaxCells);
  int px = std::max<int>(1, kTargetSide /
                                static_cast<int>(std::max(r.rows, r.cols)));
  int width = std::max<int>(static_cast<int>(r.cols) * px + 2 * kMargin, 620);
  int height = static_cast<int>(r.rows) * px + 2 * kMargin + kTitleHeight +
               kLegendHeight;

  std::string p = path.str();
  cairo_surface_t *surface =
      png ? cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height)
          : cairo_svg_surface_create(p.c_str(), width, height);
  cairo_t *cr = cairo_create(surface);
  paint(cr, in, r, px, width, height);
  cairo_status_t status = cairo_status(cr);
  cairo_destroy(cr);
  if (status == CAIRO_STATUS_SUCCESS && png)
    status = cairo_surface_write_to_png(surface, p.c_str());
  cairo_surface_finish(surface);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS)
    return cairoError(path, status);
  return llvm::Error::success();
}
