//===- PatternStats.cpp - exact statistics of a mask ----------------------===//
//
// nnz and empty rows from per-row counts (countRow), tile counts from the
// tile classifier in the original order and under the layout plan.
//
//===----------------------------------------------------------------------===//

#include "lib/Analysis/PatternStats.h"
#include "lib/Analysis/LayoutPlan.h"

#include "llvm/Support/Format.h"

using namespace sparsa::analysis;

static TileStats tileStats(const TileCounts &c, int64_t nnz) {
  TileStats t;
  t.full = c.full;
  t.partial = c.partial;
  t.empty = c.empty;
  t.pairsVisited = c.pairsVisited;
  t.efficiency = c.pairsVisited ? double(nnz) / double(c.pairsVisited) : 1.0;
  return t;
}

static void addTiles(TileStats &to, const TileStats &from) {
  to.full += from.full;
  to.partial += from.partial;
  to.empty += from.empty;
  to.pairsVisited += from.pairsVisited;
}

llvm::Expected<PatternStats>
sparsa::analysis::computePatternStats(const MaskNormalForm &nf,
                                      const StatsOptions &options) {
  int64_t nq = options.numQueries;
  int64_t nk = options.numKeys < 0 ? nq : options.numKeys;
  if (nq > options.maxRows)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "statistics count every query row: " + llvm::Twine(nq) +
            " rows exceed the limit of " + llvm::Twine(options.maxRows));
  auto cnf = nf.instantiate(nq, nk, options.args);
  if (!cnf)
    return cnf.takeError();
  // Random blocks cost their count per row (the draw is redone per row),
  // those drawn for key blocks a draw per key block of every row.
  int64_t randomWork = 0;
  for (const ConcreteClause &c : cnf->getClauses())
    for (const ConcreteClause::Random &r : c.randoms) {
      int64_t perRow = r.count;
      if (r.drawn == MaskVar::Query)
        perRow = satMul(perRow, nk / r.block + 1);
      randomWork = satAdd(randomWork, satMul(perRow, nq));
    }
  if (randomWork > options.maxTileRanges)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "statistics would draw " + llvm::Twine(randomWork) +
            " random blocks, more than the limit of " +
            llvm::Twine(options.maxTileRanges));
  auto tiling = SymbolicTiling::build(nf, options.tiles);
  if (!tiling)
    return tiling.takeError();
  auto classifier = TileClassifier::build(*tiling, nq, nk, options.args);
  if (!classifier)
    return classifier.takeError();
  std::vector<ConcreteLayoutPart> parts;
  if (options.withLayout) {
    LayoutOptions lo;
    lo.normalForm = options.normalForm;
    auto plan = LayoutPlan::build(nf, options.tiles, lo);
    if (!plan)
      return plan.takeError();
    auto bound = instantiateLayout(*plan, nq, nk, options.args);
    if (!bound)
      return bound.takeError();
    parts = std::move(*bound);
  }

  PatternStats stats;
  stats.numQueries = nq;
  stats.numKeys = nk;
  stats.headDim = options.headDim;
  stats.tiles = options.tiles;
  int64_t numHeads = nf.getNumDistinctHeads();
  stats.perHead = numHeads > 0;
  for (int64_t h = 0; h < std::max<int64_t>(numHeads, 1); ++h) {
    HeadStats hs;
    hs.head = h;
    for (int64_t q = 0; q < nq; ++q) {
      int64_t n = countRow(*cnf, h, q);
      hs.nnz += n;
      hs.rowsEmpty += n == 0;
    }
    if (nq > 0 && nk > 0)
      hs.density = double(hs.nnz) / (double(nq) * double(nk));
    hs.flops = 4.0 * double(options.headDim) * double(hs.nnz);
    auto tooMany = [&]() {
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "statistics stopped after " + llvm::Twine(options.maxTileRanges) +
              " key-tile ranges; use larger tiles or a shorter sequence");
    };
    TileCounts counts = classifier->countTiles(h, options.maxTileRanges);
    if (counts.truncated)
      return tooMany();
    hs.tiles = tileStats(counts, hs.nnz);
    if (options.withLayout) {
      TileCounts sum;
      for (const ConcreteLayoutPart &p : parts) {
        TileCounts c = p.classifier.countTiles(h, options.maxTileRanges);
        if (c.truncated)
          return tooMany();
        sum.full += c.full;
        sum.partial += c.partial;
        sum.empty += c.empty;
        sum.pairsVisited += c.pairsVisited;
      }
      hs.tilesAfterLayout = tileStats(sum, hs.nnz);
    } else {
      hs.tilesAfterLayout = hs.tiles;
    }
    stats.heads.push_back(hs);
  }
  HeadStats &t = stats.total;
  for (const HeadStats &hs : stats.heads) {
    t.nnz += hs.nnz;
    t.rowsEmpty += hs.rowsEmpty;
    t.flops += hs.flops;
    addTiles(t.tiles, hs.tiles);
    addTiles(t.tilesAfterLayout, hs.tilesAfterLayout);
  }
  double cells = double(nq) * double(nk) * double(stats.heads.size());
  t.density = cells > 0 ? double(t.nnz) / cells : 0;
  t.tiles.efficiency =
      t.tiles.pairsVisited ? double(t.nnz) / double(t.tiles.pairsVisited) : 1;
  t.tilesAfterLayout.efficiency =
      t.tilesAfterLayout.pairsVisited
          ? double(t.nnz) / double(t.tilesAfterLayout.pairsVisited)
          : 1;
  return std::move(stats);
}

llvm::Expected<PatternStats>
sparsa::analysis::computePatternStats(mlir::Value mask,
                                      const StatsOptions &options) {
  auto nf = MaskNormalForm::build(mask, options.normalForm);
  if (!nf)
    return nf.takeError();
  return computePatternStats(*nf, options);
}

static void printHead(llvm::raw_ostream &os, llvm::StringRef prefix,
                      const HeadStats &h) {
  os << prefix << "nnz: " << h.nnz << "\n";
  os << prefix << "density: " << llvm::format("%.6f", h.density) << "\n";
  os << prefix << "flops: " << llvm::format("%.0f", h.flops) << "\n";
  os << prefix << "rows_empty: " << h.rowsEmpty << "\n";
  os << prefix << "tiles_full: " << h.tiles.full << "\n";
  os << prefix << "tiles_partial: " << h.tiles.partial << "\n";
  os << prefix << "tiles_empty: " << h.tiles.empty << "\n";
  os << prefix
     << "tile_efficiency: " << llvm::format("%.4f", h.tiles.efficiency) << "\n";
  os << prefix << "tiles_full_after_layout: " << h.tilesAfterLayout.full
     << "\n";
  os << prefix << "tiles_partial_after_layout: " << h.tilesAfterLayout.partial
     << "\n";
  os << prefix << "tile_efficiency_after_layout: "
     << llvm::format("%.4f", h.tilesAfterLayout.efficiency) << "\n";
}

void sparsa::analysis::printPatternStats(llvm::raw_ostream &os,
                                         const PatternStats &stats) {
  os << "seq_len_q: " << stats.numQueries << "\n";
  os << "seq_len_k: " << stats.numKeys << "\n";
  os << "head_dim: " << stats.headDim << "\n";
  os << "tile: " << stats.tiles.query << "x" << stats.tiles.key << "\n";
  if (stats.perHead)
    os << "heads: " << stats.heads.size() << "\n";
  printHead(os, "", stats.total);
  if (!stats.perHead)
    return;
  for (const HeadStats &h : stats.heads) {
    std::string prefix = "head." + std::to_string(h.head) + ".";
    printHead(os, prefix, h);
  }
}
