//===- NormalFormTranspose.cpp - the mask with queries and keys swapped ---===//
//
// MaskNormalForm::transposed: the normal form of allowed'(h, q', k') =
// allowed(h, k', q'), constraint by constraint, so that the tile
// classification, layout plan and schedule lowering of the forward pass
// give the key-major schedule of the backward pass without any table.
//
//===----------------------------------------------------------------------===//

#include "lib/Analysis/MaskNormalForm.h"

using namespace sparsa::analysis;
using Kind = Constraint::Kind;

static MaskVar swapVar(MaskVar v) {
  switch (v) {
  case MaskVar::Query:
    return MaskVar::Key;
  case MaskVar::Key:
    return MaskVar::Query;
  default:
    return v;
  }
}

/// `x` clamped to [0, m], as instantiation clamps residue bounds.
static TileExpr clampTo(const TileExpr &x, const TileExpr &m) {
  return TileExpr::max(TileExpr::min(x, m), TileExpr::constant(0));
}

/// The transposes of one constraint: a conjunction of alternatives, each
/// alternative one constraint (two alternatives only for a residue class of
/// the distance, whose negation may wrap around).
static llvm::SmallVector<Constraint, 2> transposeConstraint(Constraint c) {
  c.lo = c.lo.swapLengths();
  c.hi = c.hi.swapLengths();
  c.modulus = c.modulus.swapLengths();
  TileExpr zero = TileExpr::constant(0);
  switch (c.kind) {
  case Kind::Lower:
  case Kind::Upper:
    if (c.var == MaskVar::Distance) {
      // d >= a  <=>  -d <= -a.
      c.kind = c.kind == Kind::Lower ? Kind::Upper : Kind::Lower;
      c.lo = zero - c.lo;
    } else {
      c.var = swapVar(c.var);
    }
    return {c};
  case Kind::Residue: {
    if (c.var != MaskVar::Distance) {
      c.var = swapVar(c.var);
      return {c};
    }
    // lo <= d mod m < hi (bounds clamped to [0, m]) holds exactly when
    // (-d) mod m is in [m - hi + 1, m - lo + 1) minus m itself, or is 0
    // and lo == 0 < hi.
    const TileExpr &m = c.modulus;
    TileExpr lo = clampTo(c.lo, m), hi = clampTo(c.hi, m);
    Constraint upper = c, wrap = c;
    upper.lo = m - hi + 1;
    upper.hi = TileExpr::min(m - lo + 1, m);
    wrap.lo = zero;
    wrap.hi = TileExpr::min(TileExpr::constant(1) - lo, hi);
    return {upper, wrap};
  }
  case Kind::InSet:
  case Kind::NotInSet:
    c.var = swapVar(c.var);
    return {c};
  case Kind::BlockLower:
    // k >= b (q/b + o)  <=>  q/b <= k/b - o  <=>  q < b (k/b + 1 - o).
    c.kind = Kind::BlockUpper;
    c.offset = 1 - c.offset;
    return {c};
  case Kind::BlockUpper:
    // k < b (q/b + o)  <=>  q/b >= k/b + 1 - o  <=>  q >= b (k/b + 1 - o).
    c.kind = Kind::BlockLower;
    c.offset = 1 - c.offset;
    return {c};
  case Kind::InRandom:
  case Kind::NotInRandom:
    // Drawn for the other side's block.
    c.var = swapVar(c.var);
    return {c};
  }
  return {c};
}

MaskNormalForm MaskNormalForm::transposed() const {
  std::vector<Clause> out;
  for (const Clause &clause : clauses) {
    // Distribute the alternatives of the residue classes of d.
    std::vector<Clause> partial(1);
    for (const Constraint &c : clause.constraints) {
      llvm::SmallVector<Constraint, 2> alts = transposeConstraint(c);
      if (alts.size() == 1) {
        for (Clause &p : partial)
          p.constraints.push_back(alts.front());
        continue;
      }
      std::vector<Clause> next;
      for (const Clause &p : partial)
        for (const Constraint &a : alts) {
          next.push_back(p);
          next.back().constraints.push_back(a);
        }
      partial = std::move(next);
    }
    out.insert(out.end(), partial.begin(), partial.end());
  }
  MaskNormalForm t = fromClauses(std::move(out));
  t.numParams = numParams;
  for (const ParamCheck &check : checks) {
    ParamCheck swapped = check;
    for (TileExpr &v : swapped.values)
      v = v.swapLengths();
    t.checks.push_back(std::move(swapped));
  }
  return t;
}
