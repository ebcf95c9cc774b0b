//===- TileBounds.h - span and full key-tile bounds of a clause -*- C++ -*-===//
//
// The one construction behind every ClauseTiling, shared by the tile
// classification in the original order and the layout plan's permuted and
// gathered coordinates: given the rows of query tile i, the rows a clause
// admits and the clause's per-row key interval [lo(r), hi(r)] (both
// nondecreasing in r), the key tiles of the span are
// [lo(first row) div BK, hi(last row) div BK + 1) and the FULL key tiles
// are those inside [lo(last row), hi(first row)].
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_ANALYSIS_TILEBOUNDS_H
#define SPARSA_LIB_ANALYSIS_TILEBOUNDS_H

#include "lib/Analysis/TileClassification.h"
#include "lib/Analysis/TileExpr.h"

#include <functional>

namespace sparsa::analysis::detail {

struct RowKeyBounds {
  /// First and last row of query tile i (closed forms in i), in the
  /// coordinates `lo`/`hi` take.
  TileExpr tileFirstRow, tileLastRow;
  /// Rows the clause admits, inclusive.
  TileExpr rowLo, rowHi;
  /// Rows whose key interval is non-empty, inclusive (a subset of the
  /// admitted rows may be given; used to tighten the span only).
  TileExpr liveLo, liveHi;
  /// The per-row key interval, nondecreasing in the row.
  std::function<TileExpr(const TileExpr &)> lo, hi;
  /// Added to every key-tile index (a class offset in permuted layouts).
  TileExpr keyTileOffset = TileExpr::constant(0);
  /// When set, the number of key positions: a FULL range may then extend to
  /// the ragged last key tile if the interval reaches the last key.
  TileExpr keyEnd;
  /// Whether the clause allows every pair of its key intervals (no residue,
  /// set or random constraint).
  bool allowFull = true;
};

/// A clause's constraints sorted by what they restrict.
struct ClauseShape {
  int64_t headLo = 0, headHi = ConcreteClause::kInf;
  llvm::SmallVector<TileExpr, 2> qLower, qUpper, kLower, kUpper, dLower, dUpper;
  llvm::SmallVector<const Constraint *, 2> blocks, residues, sets, randoms;

  static ClauseShape of(const Clause &c);
  /// max(floor, lowers...) / min(ceiling, uppers...).
  static TileExpr maxOf(TileExpr floor, llvm::ArrayRef<TileExpr> lowers);
  static TileExpr minOf(TileExpr ceiling, llvm::ArrayRef<TileExpr> uppers);
  /// Only interval and block constraints.
  bool isIntervalOnly() const {
    return residues.empty() && sets.empty() && randoms.empty();
  }
};

/// Sets `lo`, `hi`, `liveLo`, `liveHi` of `rk` from a clause's interval and
/// block constraints, in the original coordinates.
void rowKeyFunctions(const ClauseShape &s, RowKeyBounds &rk);

/// Fills span and full bounds of `out`.
void buildTileBounds(const RowKeyBounds &rk, TileSizes sizes,
                     ClauseTiling &out);

} // namespace sparsa::analysis::detail

#endif // SPARSA_LIB_ANALYSIS_TILEBOUNDS_H
