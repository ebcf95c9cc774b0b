//===- LayoutPlan.h - token permutations that densify tiles -----*- C++ -*-===//
//
// Finds where reordering tokens turns PARTIAL tiles into FULL ones:
//  * a distance congruence (`stride(p, r)`, `dilated(b, a, d)`: d mod L = r)
//    becomes a banded, dense pattern after both queries and keys are
//    permuted into residue classes, pos -> (pos mod L) * S + pos div L with
//    S = ceil(ceil(N / L) / B) * B (each class padded to whole tiles);
//  * summary columns (`summary(p, c)`: k mod p >= p - c) and listed key
//    sets (`global_cols([...])`) are gathered into one packed key block;
//  * listed query sets (`global_rows([...])`) are gathered into one packed
//    query block; each gathered row keeps its key interval (for
//    global_rows: every key not already covered by an earlier part).
// Gathered lists hold at most 64 members of one sign (queries: non-negative)
// so that member counts stay closed forms; residue moduli must be
// compile-time constants.
// The mask is split into parts: the clauses with no such structure stay in
// the original order (an Identity part, first); each other part holds the
// clauses of one layout minus the pairs of the parts before it, so the
// parts are disjoint and their union is the mask. A kernel runs each part
// over its own layout and merges the partial softmax results through their
// log-sum-exp (online softmax), then writes outputs back in original order
// through the inverse map. Each part's residual mask is classified again in
// the part's coordinates (a SymbolicTiling of the same closed form).
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_ANALYSIS_LAYOUTPLAN_H
#define SPARSA_LIB_ANALYSIS_LAYOUTPLAN_H

#include "lib/Analysis/MaskNormalForm.h"
#include "lib/Analysis/TileClassification.h"
#include "lib/Analysis/TileExpr.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace sparsa::analysis {

/// How the tokens of one side (queries or keys) of a part are laid out.
/// Positions of the part's space that hold no token are padding (never
/// allowed).
struct TokenMap {
  enum class Kind : uint8_t {
    /// position = token; space size N.
    Identity,
    /// position = (token mod period) * classStride + token div period;
    /// space size period * classStride; classStride =
    /// ceil(ceil(N / period) / B) * B for the tile size B of this side.
    ResidueClasses,
    /// The g-th position holds token (g div count) * period + period -
    /// count + g mod count: the `count` last tokens of every block of
    /// `period` (summary columns), those < N; space size = their number.
    SummaryGather,
    /// The g-th position holds the g-th smallest member of `members`
    /// (resolved against N); space size = the number of members in [0, N).
    MemberGather,
  };
  Kind kind = Kind::Identity;
  int64_t period = 1;                    ///< ResidueClasses / SummaryGather
  int64_t count = 0;                     ///< SummaryGather
  llvm::SmallVector<int64_t, 4> members; ///< MemberGather (raw)
  /// The space size as a closed form in Nq / Nk.
  TileExpr size;
  /// ResidueClasses: the padded class size S.
  TileExpr classStride;

  /// Closed forms of the map for code generation, in terms of Nq (`isKeys`
  /// false) or Nk: the position of `token` (only meaningful for tokens the
  /// space holds), and the token at `position` (a value >= N, or a position
  /// >= size, means padding; for negative member lists the token is only
  /// given by the concrete map).
  TileExpr positionOf(const TileExpr &token, bool isKeys) const;
  TileExpr tokenAt(const TileExpr &position, bool isKeys) const;

  void print(llvm::raw_ostream &os) const;
};

/// One part of the plan.
struct LayoutPart {
  enum class Kind : uint8_t {
    Identity,
    ResiduePermutation,
    KeyGather,
    QueryGather
  };
  Kind kind = Kind::Identity;
  /// The allowed pairs of this part, in original coordinates; disjoint from
  /// every other part's.
  MaskNormalForm mask;
  TokenMap queries, keys;
  /// The classification of the part's residual mask in its coordinates.
  SymbolicTiling tiling;

  void print(llvm::raw_ostream &os) const;
};

struct LayoutOptions {
  /// Largest residue-class count L that is worth a permutation.
  int64_t maxPeriod = 1 << 16;
  /// Clause limit of a part (subtracting earlier parts multiplies clauses);
  /// a group that would exceed it stays in the identity part.
  unsigned maxPartClauses = 256;
  NormalFormOptions normalForm;
};

class LayoutPlan {
public:
  /// Plans the layout of `nf` for the tile sizes. Never fails on a valid
  /// normal form: whatever cannot be improved stays in the Identity part
  /// (e.g. runtime moduli, congruences combined with block or set
  /// constraints, or when subtracting earlier parts exceeds the clause
  /// limit).
  static llvm::Expected<LayoutPlan> build(const MaskNormalForm &nf,
                                          TileSizes sizes,
                                          const LayoutOptions &options = {});

  llvm::ArrayRef<LayoutPart> getParts() const { return parts; }
  /// True when the plan is the original order only.
  bool isIdentity() const;
  void print(llvm::raw_ostream &os) const;

private:
  std::vector<LayoutPart> parts;
};

/// A TokenMap bound to a sequence length (and the tile size of its side).
class ConcreteTokenMap {
public:
  static ConcreteTokenMap bind(const TokenMap &map, int64_t n);
  TokenMap::Kind getKind() const { return kind; }
  int64_t numTokens() const { return n; }
  int64_t spaceSize() const { return size; }
  /// The position of `token` in the space, or nullopt when the part's
  /// space does not hold it (gathers hold a subset of the tokens).
  std::optional<int64_t> toSpace(int64_t token) const;
  /// The token at `position`, or nullopt for padding.
  std::optional<int64_t> fromSpace(int64_t position) const;

private:
  TokenMap::Kind kind = TokenMap::Kind::Identity;
  int64_t n = 0, size = 0, period = 1, count = 0, stride = 0;
  llvm::SmallVector<int64_t, 4> members; // resolved, sorted
};

/// One part bound to concrete sizes: its maps and its classifier.
struct ConcreteLayoutPart {
  LayoutPart::Kind kind;
  ConcreteTokenMap queries, keys;
  TileClassifier classifier;
  ConcreteNormalForm mask;
};

/// Binds every part of `plan`.
llvm::Expected<std::vector<ConcreteLayoutPart>>
instantiateLayout(const LayoutPlan &plan, int64_t numQueries, int64_t numKeys,
                  llvm::ArrayRef<int64_t> args);

} // namespace sparsa::analysis

#endif // SPARSA_LIB_ANALYSIS_LAYOUTPLAN_H
