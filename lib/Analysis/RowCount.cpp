//===- RowCount.cpp - exact number of allowed keys of one row -------------===//
//
// Counts the keys a concrete normal form allows for one (head, query) in
// time independent of Nk for structured clauses: each clause contributes
// key pieces (its interval, cut by index sets and random blocks), each piece
// carrying residue conditions k mod m in a cyclic interval; the union of
// the pieces is counted segment by segment between piece ends, in closed
// form when one piece (or an unconditional one) covers a segment, and over
// one period of the conditions otherwise.
//
//===----------------------------------------------------------------------===//

#include "lib/Analysis/PatternStats.h"

#include "dialects/Mask/IR/RandomBlocks.h"

#include <algorithm>
#include <numeric>

using namespace sparsa::analysis;

namespace {
/// k mod modulus in the cyclic interval [start, start + length).
struct Cond {
  int64_t modulus, start, length;
  bool holds(int64_t k) const { return modInt(k - start, modulus) < length; }
  /// Number of k in [0, x) satisfying it (x >= 0).
  int64_t countBelow(int64_t x) const {
    int64_t full = x / modulus, r = x % modulus;
    auto part = [&](int64_t a, int64_t b) { // residues [a, b) below r
      return std::max<int64_t>(0, std::min(r, b) - a);
    };
    int64_t end = start + length, inPeriod;
    if (end <= modulus)
      inPeriod = part(start, end);
    else
      inPeriod = part(start, modulus) + part(0, end - modulus);
    return full * length + inPeriod;
  }
};

struct Piece {
  int64_t lo, hi; // inclusive
  unsigned conds; // index into the condition pool
  unsigned numConds;
};
} // namespace

/// Cuts [lo, hi] by sorted points (kept or removed).
static void cutByPoints(llvm::SmallVectorImpl<Piece> &pieces,
                        llvm::ArrayRef<int64_t> points, bool keep) {
  llvm::SmallVector<Piece, 8> out;
  for (const Piece &p : pieces) {
    auto it = std::lower_bound(points.begin(), points.end(), p.lo);
    if (keep) {
      for (; it != points.end() && *it <= p.hi; ++it)
        out.push_back({*it, *it, p.conds, p.numConds});
      continue;
    }
    int64_t cur = p.lo;
    for (; it != points.end() && *it <= p.hi; ++it) {
      if (*it > cur)
        out.push_back({cur, *it - 1, p.conds, p.numConds});
      cur = *it + 1;
    }
    if (cur <= p.hi)
      out.push_back({cur, p.hi, p.conds, p.numConds});
  }
  pieces.assign(out.begin(), out.end());
}

/// Intersects with (keep) or subtracts (!keep) sorted disjoint intervals.
static void cutByIntervals(llvm::SmallVectorImpl<Piece> &pieces,
                           llvm::ArrayRef<std::pair<int64_t, int64_t>> ivs,
                           bool keep) {
  llvm::SmallVector<Piece, 8> out;
  for (const Piece &p : pieces) {
    int64_t cur = p.lo;
    for (auto [a, b] : ivs) {
      if (b < p.lo || a > p.hi)
        continue;
      int64_t x = std::max(a, p.lo), y = std::min(b, p.hi);
      if (keep) {
        out.push_back({x, y, p.conds, p.numConds});
      } else {
        if (x > cur)
          out.push_back({cur, x - 1, p.conds, p.numConds});
        cur = y + 1;
      }
    }
    if (!keep && cur <= p.hi)
      out.push_back({cur, p.hi, p.conds, p.numConds});
  }
  pieces.assign(out.begin(), out.end());
}

int64_t sparsa::analysis::countRow(const ConcreteNormalForm &nf, int64_t h,
                                   int64_t q) {
  llvm::SmallVector<Piece, 16> pieces;
  llvm::SmallVector<Cond, 16> pool;
  for (const ConcreteClause &c : nf.getClauses()) {
    if (!c.rowAdmits(h, q))
      continue;
    auto [lo, hi] = c.keyInterval(q);
    if (lo > hi)
      continue;
    unsigned first = pool.size();
    for (const ConcreteClause::Residue &r : c.residues) {
      if (r.var == MaskVar::Key)
        pool.push_back({r.modulus, r.lo, r.hi - r.lo});
      else if (r.var == MaskVar::Distance) // (q - k) mod m in [lo, hi)
        pool.push_back(
            {r.modulus, modInt(q - (r.hi - 1), r.modulus), r.hi - r.lo});
    }
    llvm::SmallVector<Piece, 8> mine{
        {lo, hi, first, static_cast<unsigned>(pool.size() - first)}};
    for (const ConcreteClause::Set &s : c.sets)
      if (s.var == MaskVar::Key)
        cutByPoints(mine, s.members, !s.negated);
    for (const ConcreteClause::Random &r : c.randoms) {
      llvm::SmallVector<std::pair<int64_t, int64_t>, 4> ivs;
      if (r.drawn == MaskVar::Key) {
        for (int64_t kb : sparsa::mask::drawRandomBlocks(r.seed, q / r.block,
                                                         r.numBlocks, r.count))
          ivs.push_back({kb * r.block, kb * r.block + r.block - 1});
      } else if (lo <= hi) {
        // Drawn for the key block: every key block of [lo, hi] whose draw
        // holds this query's block.
        for (int64_t kb = lo / r.block; kb <= hi / r.block; ++kb)
          if (r.holds(q, kb * r.block))
            ivs.push_back({kb * r.block, kb * r.block + r.block - 1});
      }
      cutByIntervals(mine, ivs, !r.negated);
    }
    pieces.append(mine.begin(), mine.end());
  }
  if (pieces.empty())
    return 0;
  if (pieces.size() == 1) {
    const Piece &p = pieces.front();
    if (p.numConds == 0)
      return p.hi - p.lo + 1;
    if (p.numConds == 1)
      return pool[p.conds].countBelow(p.hi + 1) -
             pool[p.conds].countBelow(p.lo);
  }
  // Segments between piece ends.
  llvm::SmallVector<int64_t, 32> cuts;
  for (const Piece &p : pieces) {
    cuts.push_back(p.lo);
    cuts.push_back(p.hi + 1);
  }
  std::sort(cuts.begin(), cuts.end()); // inlined compare: hot per row
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  // A sweep over the segments keeps the pieces covering the current one:
  // each piece spans consecutive segments, so it enters once (in order of
  // lo) and leaves once. Scanning every piece per segment was quadratic in
  // the number of pieces (a set of 1,000 keys: 2,000 segments x 1,000
  // pieces per row).
  llvm::SmallVector<const Piece *, 32> byLo;
  for (const Piece &p : pieces)
    byLo.push_back(&p);
  llvm::sort(byLo,
             [](const Piece *x, const Piece *y) { return x->lo < y->lo; });
  size_t nextPiece = 0;
  int64_t total = 0;
  llvm::SmallVector<const Piece *, 8> active;
  for (size_t s = 0; s + 1 < cuts.size(); ++s) {
    int64_t a = cuts[s], b = cuts[s + 1]; // [a, b)
    // Segments never straddle a piece end, so a piece with lo <= a <= hi
    // covers [a, b) whole.
    llvm::erase_if(active, [&](const Piece *p) { return p->hi < a; });
    for (; nextPiece < byLo.size() && byLo[nextPiece]->lo <= a; ++nextPiece)
      if (byLo[nextPiece]->hi >= a)
        active.push_back(byLo[nextPiece]);
    bool unconditional =
        llvm::any_of(active, [](const Piece *p) { return p->numConds == 0; });
    if (active.empty())
      continue;
    if (unconditional) {
      total += b - a;
      continue;
    }
    if (active.size() == 1 && active[0]->numConds == 1) {
      const Cond &c = pool[active[0]->conds];
      total += c.countBelow(b) - c.countBelow(a);
      continue;
    }
    // Several conditions: the predicate is periodic with the lcm of the
    // moduli; count one period and the remainder point by point.
    int64_t period = 1;
    for (const Piece *p : active)
      for (unsigned j = 0; j < p->numConds; ++j) {
        int64_t m = pool[p->conds + j].modulus;
        period = period / std::gcd(period, m) * m;
        if (period > (int64_t(1) << 24))
          period = int64_t(1) << 40; // treat as aperiodic
      }
    auto holds = [&](int64_t k) {
      for (const Piece *p : active) {
        bool all = true;
        for (unsigned j = 0; j < p->numConds && all; ++j)
          all = pool[p->conds + j].holds(k);
        if (all)
          return true;
      }
      return false;
    };
    int64_t len = b - a;
    if (len <= period) {
      for (int64_t k = a; k < b; ++k)
        total += holds(k);
      continue;
    }
    int64_t perPeriod = 0;
    for (int64_t k = a; k < a + period; ++k)
      perPeriod += holds(k);
    int64_t periods = len / period;
    total += periods * perPeriod;
    for (int64_t k = a + periods * period; k < b; ++k)
      total += holds(k);
  }
  return total;
}
