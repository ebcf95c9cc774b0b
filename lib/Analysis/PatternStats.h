//===- PatternStats.h - exact statistics of a mask --------------*- C++ -*-===//
//
// Exact per-head statistics of a mask for given sequence lengths, computed
// from the normal form in closed form: per-row interval arithmetic over the
// clauses (O(Nq * #clauses) for interval clauses, never O(Nq * Nk)) and the
// tile classifier's ranges (O(#query tiles * ranges)). These back
// `sparsac --stats` and the benchmark tables.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_ANALYSIS_PATTERNSTATS_H
#define SPARSA_LIB_ANALYSIS_PATTERNSTATS_H

#include "lib/Analysis/MaskNormalForm.h"
#include "lib/Analysis/TileClassification.h"

#include "mlir/IR/Value.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>

namespace sparsa::analysis {

struct StatsOptions {
  int64_t numQueries = 4096;
  /// Nk; a negative value means Nk = Nq.
  int64_t numKeys = -1;
  /// Runtime parameter values by argument number.
  llvm::SmallVector<int64_t, 4> args;
  /// Head dimension D for the FLOP count 4 * D * nnz.
  int64_t headDim = 128;
  TileSizes tiles;
  /// Also classify under the layout plan (tiles_*_after_layout lines).
  bool withLayout = true;
  NormalFormOptions normalForm;
  /// Work limits: statistics are O(Nq * #clauses) for the rows and
  /// O(key-tile ranges) for the tiles; beyond these they fail with an
  /// error instead of running for hours.
  int64_t maxRows = int64_t(1) << 30;
  int64_t maxTileRanges = int64_t(1) << 28;
};

/// Tile statistics of one head under one layout.
struct TileStats {
  int64_t full = 0, partial = 0, empty = 0;
  /// Pairs inside FULL and PARTIAL tiles (padding included).
  int64_t pairsVisited = 0;
  /// nnz / pairsVisited (1 when nothing is visited).
  double efficiency = 1.0;
};

struct HeadStats {
  int64_t head = 0;
  /// Allowed pairs.
  int64_t nnz = 0;
  /// nnz / (Nq * Nk) (0 when the matrix is empty).
  double density = 0;
  /// 4 * D * nnz: two matrix products of 2 * D flops per allowed pair.
  double flops = 0;
  /// Queries with no allowed key.
  int64_t rowsEmpty = 0;
  TileStats tiles;
  /// Summed over the layout plan's parts (equal to `tiles` when the plan
  /// is the identity).
  TileStats tilesAfterLayout;
};

struct PatternStats {
  int64_t numQueries = 0, numKeys = 0, headDim = 0;
  TileSizes tiles;
  /// One entry per distinct head (h = 0 .. H-1 for a heads pattern, where
  /// heads >= H see nothing); one entry with head 0 when the mask is the
  /// same for every head.
  llvm::SmallVector<HeadStats, 1> heads;
  bool perHead = false;
  /// Sums over `heads`; efficiencies are nnz-weighted.
  HeadStats total;
};

llvm::Expected<PatternStats> computePatternStats(const MaskNormalForm &nf,
                                                 const StatsOptions &options);
llvm::Expected<PatternStats> computePatternStats(mlir::Value mask,
                                                 const StatsOptions &options);

/// `key: value` lines: seq_len_q, seq_len_k, nnz, density, flops,
/// rows_empty, tiles_full, tiles_partial, tiles_empty, tile_efficiency,
/// tiles_full_after_layout, tiles_partial_after_layout,
/// tile_efficiency_after_layout; for heads patterns also `heads: H` and
/// `head.<h>.<key>: value` lines for every head.
void printPatternStats(llvm::raw_ostream &os, const PatternStats &stats);

/// Exact count of allowed keys of row q of one head of a concrete normal
/// form (the building block of the statistics; exposed for tests).
int64_t countRow(const ConcreteNormalForm &nf, int64_t h, int64_t q);

} // namespace sparsa::analysis

#endif // SPARSA_LIB_ANALYSIS_PATTERNSTATS_H
