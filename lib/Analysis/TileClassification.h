//===- TileClassification.h - closed-form tile classification ---*- C++ -*-===//
//
// Which key tiles each query tile must visit, and which of them need a
// predicate, as closed-form functions of the query-tile index — no N^2 or
// (N/B)^2 table. For tile sizes (BQ, BK), query tile i holds rows
// [i*BQ, min((i+1)*BQ, Nq)) and key tile j keys [j*BK, min((j+1)*BK, Nk)).
// A key tile is FULL for query tile i when every pair of the two tiles is
// allowed (the kernel needs no predicate), PARTIAL when some pair may be
// allowed, EMPTY when none is (empty tiles are never listed).
//
// Two levels:
//  * `SymbolicTiling`: per normal-form clause, TileExpr bounds in the
//    query-tile index i (affine with floor/ceil divisions, min/max clamps,
//    Nq, Nk, runtime parameters) of a PARTIAL span and a FULL sub-range,
//    plus an optional refinement that narrows the span to the key tiles a
//    residue / index-set / random-blocks constraint touches. This is what
//    the schedule lowering emits as `arith` code (see emitTileExpr).
//  * `TileClassifier`: the same bounds bound to concrete Nq, Nk and
//    parameter values, with `forEachKeyRange(h, i, fn)`: the disjoint,
//    sorted, class-merged key-tile ranges of query tile i, computed by the
//    documented merge rule in O(R log R) for the R ranges the clauses give.
//
// Merge rule: a key tile is FULL if some clause's FULL range covers it,
// otherwise PARTIAL if some clause's span (after refinement) covers it,
// otherwise EMPTY. (Tiles that only a union of several clauses covers
// completely are conservatively PARTIAL.)
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_ANALYSIS_TILECLASSIFICATION_H
#define SPARSA_LIB_ANALYSIS_TILECLASSIFICATION_H

#include "lib/Analysis/MaskNormalForm.h"
#include "lib/Analysis/TileClass.h"
#include "lib/Analysis/TileExpr.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <limits>
#include <vector>

namespace sparsa::analysis {

llvm::StringRef stringifyTileClass(TileClass c);

/// Tile sizes in queries and keys (both >= 1, any values: Nq and Nk need
/// not be multiples of them).
struct TileSizes {
  int64_t query = 128;
  int64_t key = 128;
};

/// The closed-form key-tile ranges one normal-form clause contributes to
/// query tile i (all TileExprs are in the index i = query tile).
struct ClauseTiling {
  /// Index of the clause in the normal form the tiling was built from.
  unsigned clause = 0;
  /// Heads [headLo, headHi) the clause applies to.
  int64_t headLo = 0;
  int64_t headHi = ConcreteClause::kInf;
  /// Key tiles [spanLo, spanHi) that may hold allowed pairs; empty when
  /// spanLo >= spanHi. Outside it the clause allows nothing.
  TileExpr spanLo, spanHi;
  /// Key tiles [fullLo, fullHi) on which the clause allows every pair
  /// (always inside the span); empty when fullLo >= fullHi. Clauses with a
  /// residue, index-set or random-blocks constraint have no FULL range.
  TileExpr fullLo, fullHi;

  /// How the span is narrowed (PARTIAL tiles only).
  enum class Refinement : uint8_t {
    None,         ///< the whole span
    PeriodicKeys, ///< tiles holding a key k with k mod period in [resLo, resHi)
    KeyMembers,   ///< tiles holding one of `members` (resolved against Nk)
    RandomBlocks, ///< tiles of the key blocks drawn for the query blocks of i
    /// tiles of the key blocks whose own draw (among the query blocks)
    /// holds a query block of i: the transpose of RandomBlocks
    RandomBlocksByKey,
  };
  Refinement refinement = Refinement::None;
  /// PeriodicKeys (modulus and residue bounds are bound at instantiation).
  TileExpr period, resLo, resHi;
  /// KeyMembers.
  llvm::SmallVector<int64_t, 4> members;
  /// RandomBlocks / RandomBlocksByKey: block size, count, seed.
  TileExpr randomBlock, randomCount, randomSeed;
  /// RandomBlocks: the clause is the draw alone (besides head bounds), so a
  /// key tile wholly inside a drawn key block is FULL when the query tile
  /// lies within one query block (e.g. BigBird with tiles of the block
  /// size). Consumers may ignore it and treat those tiles as PARTIAL.
  bool randomFull = false;
  /// When non-empty, the clause admits only these queries (raw members,
  /// resolved against Nq): a query tile holding none of them skips it.
  llvm::SmallVector<int64_t, 4> queryMembers;

  void print(llvm::raw_ostream &os) const;
};

/// The symbolic classification of a whole normal form (or of one layout
/// part, in its own coordinates).
struct SymbolicTiling {
  TileSizes sizes;
  /// Positions in the query / key coordinate space (Nq / Nk for the
  /// original order; padded sizes for permuted layouts).
  TileExpr numQueryPositions, numKeyPositions;
  /// ceildiv(positions, tile size).
  TileExpr numQueryTiles, numKeyTiles;
  std::vector<ClauseTiling> clauses;

  /// Classifies `nf` in the original token order. Fails only for invalid
  /// tile sizes.
  static llvm::Expected<SymbolicTiling> build(const MaskNormalForm &nf,
                                              TileSizes sizes);
  void print(llvm::raw_ostream &os) const;
};

/// One entry of a query tile's key-tile list: key tiles [lo, hi) of one
/// class (never Empty).
struct KeyTileRange {
  int64_t lo = 0, hi = 0;
  TileClass cls = TileClass::Partial;
  bool operator==(const KeyTileRange &o) const {
    return lo == o.lo && hi == o.hi && cls == o.cls;
  }
};

/// Tile counts of one head over all query tiles.
struct TileCounts {
  int64_t full = 0, partial = 0, empty = 0;
  /// Pairs (positions of the coordinate space, padding included) inside the
  /// FULL and PARTIAL tiles: the work a kernel does.
  int64_t pairsVisited = 0;
  /// Set when counting stopped at the range budget (counts incomplete).
  bool truncated = false;
};

/// A SymbolicTiling bound to concrete sequence lengths and parameters.
/// Immutable after build; forEachKeyRange is safe to call concurrently.
class TileClassifier {
public:
  /// Binds `tiling` to Nq, Nk and the runtime argument values. Fails when a
  /// bound cannot be evaluated (missing parameter, overflow).
  static llvm::Expected<TileClassifier> build(const SymbolicTiling &tiling,
                                              int64_t numQueries,
                                              int64_t numKeys,
                                              llvm::ArrayRef<int64_t> args);

  TileSizes getSizes() const { return sizes; }
  int64_t numQueryTiles() const { return qTiles; }
  int64_t numKeyTiles() const { return kTiles; }
  int64_t numQueryPositions() const { return qPositions; }
  int64_t numKeyPositions() const { return kPositions; }

  /// Calls `fn` for the key-tile ranges of query tile `i` (0 <= i <
  /// numQueryTiles()) for head `h`: sorted, disjoint, clipped to
  /// [0, numKeyTiles()), adjacent ranges of the same class merged; key
  /// tiles not listed are EMPTY. Cost O(R log R) for the R ranges the
  /// clauses contribute (R = #clauses for interval clauses; refinements add
  /// one range per touched residue group, member or random block).
  void forEachKeyRange(int64_t h, int64_t i,
                       llvm::function_ref<void(const KeyTileRange &)> fn) const;
  /// The same as a vector (tests, printing).
  llvm::SmallVector<KeyTileRange, 4> keyRanges(int64_t h, int64_t i) const;
  /// Counts over every query tile of head `h`: O(numQueryTiles * R log R),
  /// spread over all cores (llvm::parallelTransformReduce). Stops (and sets
  /// `truncated`) once more than `maxRanges` ranges were counted.
  TileCounts
  countTiles(int64_t h,
             int64_t maxRanges = std::numeric_limits<int64_t>::max()) const;

private:
  /// spanLo, spanHi, fullLo, fullHi compiled together.
  struct Bound {
    CompiledTileExpr all;
  };
  struct Clause {
    int64_t headLo, headHi;
    Bound bounds;
    ClauseTiling::Refinement refinement;
    int64_t period = 0, resLo = 0, resHi = 0;
    llvm::SmallVector<int64_t, 4> members;      // resolved, sorted
    llvm::SmallVector<int64_t, 4> queryMembers; // resolved, sorted
    /// Blocks of the drawn side: key blocks, or query blocks for
    /// RandomBlocksByKey.
    int64_t randomBlock = 0, randomCount = 0, numDrawnBlocks = 0;
    bool randomFull = false;
    uint64_t randomSeed = 0;
  };
  void collect(const Clause &c, int64_t i,
               llvm::SmallVectorImpl<KeyTileRange> &out) const;

  TileSizes sizes;
  int64_t nq = 0, nk = 0;
  int64_t qPositions = 0, kPositions = 0, qTiles = 0, kTiles = 0;
  std::vector<Clause> clauses;
};

} // namespace sparsa::analysis

#endif // SPARSA_LIB_ANALYSIS_TILECLASSIFICATION_H
