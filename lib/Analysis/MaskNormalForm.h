//===- MaskNormalForm.h - masks as unions of constraint clauses -*- C++ -*-===//
//
// The normal form of a `!mask.mask` value: a union of clauses, each a
// conjunction of constraints on the head h, the query q, the key k and the
// distance d = q - k. Complement and difference are pushed down to the
// leaves (every leaf's complement is a union of constraint clauses), and
// intersections are distributed over unions, so every later analysis (tile
// classification, layout plan, statistics) reasons about a flat list of
// simple clauses instead of an expression DAG.
//
// Parameters stay symbolic (TileExpr over Nq, Nk and the runtime parameters)
// in `MaskNormalForm`; `instantiate` binds them in O(size of the normal
// form) and yields a `ConcreteNormalForm` whose `evaluate(h, q, k)` must
// agree with `mask::ReferenceMask` on every point.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_ANALYSIS_MASKNORMALFORM_H
#define SPARSA_LIB_ANALYSIS_MASKNORMALFORM_H

#include "lib/Analysis/TileExpr.h"

#include "mlir/IR/Value.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <limits>
#include <vector>

namespace sparsa::analysis {

/// The variable a constraint restricts.
enum class MaskVar : uint8_t {
  Head,     ///< h
  Query,    ///< q
  Key,      ///< k
  Distance, ///< d = q - k
};

/// One atomic constraint. Every kind has a complement that is a union of at
/// most two constraints (see `negate`), which is what lets the normal form
/// push complements down to the leaves.
struct Constraint {
  enum class Kind : uint8_t {
    /// var >= bound
    Lower,
    /// var <= bound
    Upper,
    /// lo <= (var floormod modulus) < hi   (a residue interval; var is Q, K
    /// or D). `stride(p, r)` is `d mod p in [r, r+1)`, `summary(p, c)` is
    /// `k mod p in [p - c, p)`.
    Residue,
    /// var (Q or K) is a member of `members` after negative members are
    /// resolved against Nq (Q) or Nk (K); members outside [0, N) ignored.
    InSet,
    /// the complement of InSet
    NotInSet,
    /// k >= modulus * (floordiv(q, modulus) + offset): keys from the start
    /// of the query's block shifted by `offset` blocks. `blocks(b)` is
    /// BlockLower(b, 0) and BlockUpper(b, 1).
    BlockLower,
    /// k < modulus * (floordiv(q, modulus) + offset)
    BlockUpper,
    /// With var K: key block k / modulus is one of the `count` blocks
    /// drawn for query block q / modulus, among the ceil(Nk / modulus) key
    /// blocks, with `seed` (dialects/Mask/IR/RandomBlocks.h). With var Q
    /// (the transpose, see MaskNormalForm::transposed): query block
    /// q / modulus is one of the blocks drawn for key block k / modulus
    /// among the ceil(Nq / modulus) query blocks.
    InRandom,
    /// the complement of InRandom
    NotInRandom,
  };
  Kind kind = Kind::Lower;
  MaskVar var = MaskVar::Query;
  /// Lower/Upper: the bound. Residue: lo. Random: the count.
  TileExpr lo;
  /// Residue: hi. Random: the seed.
  TileExpr hi;
  /// Residue / Block* / *Random: the modulus (block size).
  TileExpr modulus;
  /// Block*: the block offset (a small constant).
  int64_t offset = 0;
  /// InSet / NotInSet: the raw members (negative ones count from the end).
  llvm::SmallVector<int64_t, 4> members;

  static Constraint make(Kind kind, MaskVar var, TileExpr lo = {},
                         TileExpr hi = {}, TileExpr modulus = {}) {
    Constraint c;
    c.kind = kind;
    c.var = var;
    c.lo = std::move(lo);
    c.hi = std::move(hi);
    c.modulus = std::move(modulus);
    return c;
  }

  /// The complement as a union of constraints (one or two).
  llvm::SmallVector<Constraint, 2> negate() const;
  void print(llvm::raw_ostream &os) const;
  bool operator==(const Constraint &other) const;
};

/// A conjunction of constraints; the empty conjunction allows every pair.
struct Clause {
  llvm::SmallVector<Constraint, 4> constraints;
  void print(llvm::raw_ostream &os) const;
};

/// Limits that keep the construction bounded; exceeding one is an error,
/// never a hang.
struct NormalFormOptions {
  /// The largest number of clauses any intermediate union may have.
  unsigned maxClauses = 4096;
  /// The largest number of constraints in one clause.
  unsigned maxConstraints = 256;
};

class ConcreteNormalForm;

/// The symbolic normal form of a mask value.
class MaskNormalForm {
public:
  /// Builds the normal form of `mask`. Fails with a message when the mask
  /// is not built from mask ops, an index computation is unsupported, or the
  /// clause count exceeds `options.maxClauses`.
  static llvm::Expected<MaskNormalForm>
  build(mlir::Value mask, const NormalFormOptions &options = {});

  /// Makes a normal form from clauses directly (layout parts, tests).
  static MaskNormalForm fromClauses(std::vector<Clause> clauses);

  /// The transposed mask, with the roles of queries and keys swapped:
  /// `transposed().instantiate(Nk, Nq, args).evaluate(h, k, q)` equals
  /// `instantiate(Nq, Nk, args).evaluate(h, q, k)`. Its tile
  /// classification is the key-major schedule of the backward pass: for
  /// each key tile, the query tiles that touch it (docs/backward.md).
  /// Constraints on q and k trade places, a distance d = q - k becomes
  /// -d (a residue class of d one or two classes of -d, so such a clause
  /// may become two), block bounds flip (k >= b (q/b + o) becomes
  /// k < b (q/b + 1 - o)), random blocks are drawn for the key block, and
  /// Nq and Nk swap in every expression. Parameter checks are kept.
  MaskNormalForm transposed() const;

  llvm::ArrayRef<Clause> getClauses() const { return clauses; }
  bool isEmpty() const { return clauses.empty(); }
  /// Number of runtime parameters referenced: 1 + the largest parameter
  /// number, or 0.
  unsigned getNumParams() const { return numParams; }
  /// One past the largest finite head bound of any clause (0 if none):
  /// heads at or beyond it all see the same mask.
  int64_t getNumDistinctHeads() const;

  /// Binds Nq, Nk and the runtime parameter values (by argument number).
  /// Fails like the reference evaluator does: a missing parameter value,
  /// overflow in a parameter computation, or a parameter violating its
  /// leaf's constraint (`checkMaskParams`).
  llvm::Expected<ConcreteNormalForm>
  instantiate(int64_t numQueries, int64_t numKeys,
              llvm::ArrayRef<int64_t> args = {}) const;

  /// `clause N: c1 && c2 ...` lines, or `none` when empty.
  void print(llvm::raw_ostream &os) const;

  /// A parameter constraint of a leaf that must be checked at
  /// instantiation because it involves runtime values.
  struct ParamCheck {
    llvm::StringRef opName;
    llvm::SmallVector<llvm::StringLiteral, 3> names;
    llvm::SmallVector<TileExpr, 3> values;
  };

private:
  friend class NormalFormBuilder;
  friend llvm::Expected<MaskNormalForm>
  subtractNormalForms(const MaskNormalForm &, const MaskNormalForm &,
                      const NormalFormOptions &);
  std::vector<Clause> clauses;
  std::vector<ParamCheck> checks;
  unsigned numParams = 0;
};

/// `a` and not `b`: a's clauses intersected with the complement of every
/// clause of `b`, simplified and bounded like MaskNormalForm::build.
llvm::Expected<MaskNormalForm>
subtractNormalForms(const MaskNormalForm &a, const MaskNormalForm &b,
                    const NormalFormOptions &options = {});

/// Concrete constraints of one clause after instantiation; intervals are
/// inclusive and already clipped to the domain ([0, Nq) x [0, Nk), heads
/// >= 0), so an empty interval (lo > hi) means the clause is empty.
struct ConcreteClause {
  static constexpr int64_t kInf = std::numeric_limits<int64_t>::max() / 4;
  int64_t hLo = 0, hHi = kInf;
  int64_t qLo = 0, qHi = -1;
  int64_t kLo = 0, kHi = -1;
  int64_t dLo = -kInf, dHi = kInf;
  struct Residue {
    MaskVar var;
    int64_t modulus, lo, hi; // lo <= var mod modulus < hi
  };
  struct Set {
    MaskVar var;
    bool negated;
    llvm::SmallVector<int64_t, 4> members; // resolved, sorted, unique
  };
  struct Block {
    bool upper; // k < b*(q/b+offset) if upper, k >= ... otherwise
    int64_t size, offset;
  };
  struct Random {
    bool negated;
    /// Key: the key block is drawn for the query block (among numBlocks
    /// key blocks); Query: the query block is drawn for the key block.
    MaskVar drawn;
    int64_t block, count, numBlocks;
    uint64_t seed;
    /// Whether (q, k) passes (before negation).
    bool holds(int64_t q, int64_t k) const;
  };
  llvm::SmallVector<Residue, 2> residues;
  llvm::SmallVector<Set, 1> sets;
  llvm::SmallVector<Block, 2> blocks;
  llvm::SmallVector<Random, 1> randoms;
  /// Index of the symbolic clause it came from.
  unsigned source = 0;

  bool isEmpty() const;
  /// Only intervals (and block bounds, which are monotone in q): every row's
  /// key set is one interval.
  bool isIntervalOnly() const {
    return residues.empty() && sets.empty() && randoms.empty();
  }
  bool allows(int64_t h, int64_t q, int64_t k) const;
  /// The key interval [lo, hi] the interval and block constraints allow for
  /// row q (lo > hi if none); residues, sets and random blocks not applied.
  std::pair<int64_t, int64_t> keyInterval(int64_t q) const;
  /// True when every non-interval constraint that mentions only q (and h)
  /// holds for row q.
  bool rowAdmits(int64_t h, int64_t q) const;
};

/// A normal form with every parameter bound. Clauses that became empty are
/// dropped.
class ConcreteNormalForm {
public:
  int64_t numQueries() const { return nq; }
  int64_t numKeys() const { return nk; }
  llvm::ArrayRef<ConcreteClause> getClauses() const { return clauses; }
  /// allowed(h, q, k); false outside [0, Nq) x [0, Nk) and for h < 0.
  bool evaluate(int64_t h, int64_t q, int64_t k) const;

private:
  friend class MaskNormalForm;
  int64_t nq = 0, nk = 0;
  std::vector<ConcreteClause> clauses;
};

} // namespace sparsa::analysis

#endif // SPARSA_LIB_ANALYSIS_MASKNORMALFORM_H
