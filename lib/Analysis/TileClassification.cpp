//===- TileClassification.cpp - closed-form tile classification -----------===//
//
// Builds the per-clause closed forms of the key-tile spans and FULL ranges,
// binds them to concrete sizes, and merges the ranges of all clauses of a
// query tile into a sorted, disjoint list with a sweep over range ends.
//
//===----------------------------------------------------------------------===//

#include "lib/Analysis/TileClassification.h"
#include "dialects/Mask/IR/IndexSets.h"
#include "lib/Analysis/TileBounds.h"

#include "dialects/Mask/IR/RandomBlocks.h"

#include "llvm/ADT/Sequence.h"
#include "llvm/Support/Parallel.h"

#include <algorithm>
#include <atomic>

using namespace sparsa::analysis;
using namespace sparsa::analysis::detail;
using Kind = Constraint::Kind;
using E = TileExpr;

llvm::StringRef sparsa::analysis::stringifyTileClass(TileClass c) {
  switch (c) {
  case TileClass::Empty:
    return "empty";
  case TileClass::Partial:
    return "partial";
  case TileClass::Full:
    return "full";
  }
  return "?";
}

//===----------------------------------------------------------------------===//
// Clause shapes and bounds
//===----------------------------------------------------------------------===//

ClauseShape ClauseShape::of(const Clause &c) {
  ClauseShape s;
  for (const Constraint &x : c.constraints) {
    switch (x.kind) {
    case Kind::Lower:
    case Kind::Upper: {
      bool low = x.kind == Kind::Lower;
      switch (x.var) {
      case MaskVar::Head:
        // Head bounds are constants (mask.heads ends).
        if (auto v = x.lo.getConstant()) {
          if (low)
            s.headLo = std::max(s.headLo, *v);
          else
            s.headHi = std::min(s.headHi, satAdd(*v, 1));
        }
        break;
      case MaskVar::Query:
        (low ? s.qLower : s.qUpper).push_back(x.lo);
        break;
      case MaskVar::Key:
        (low ? s.kLower : s.kUpper).push_back(x.lo);
        break;
      case MaskVar::Distance:
        (low ? s.dLower : s.dUpper).push_back(x.lo);
        break;
      }
      break;
    }
    case Kind::Residue:
      s.residues.push_back(&x);
      break;
    case Kind::InSet:
    case Kind::NotInSet:
      s.sets.push_back(&x);
      break;
    case Kind::BlockLower:
    case Kind::BlockUpper:
      s.blocks.push_back(&x);
      break;
    case Kind::InRandom:
    case Kind::NotInRandom:
      s.randoms.push_back(&x);
      break;
    }
  }
  return s;
}

E ClauseShape::maxOf(E floor, llvm::ArrayRef<E> lowers) {
  for (const E &l : lowers)
    floor = floor ? E::max(floor, l) : l;
  return floor;
}
E ClauseShape::minOf(E ceiling, llvm::ArrayRef<E> uppers) {
  for (const E &u : uppers)
    ceiling = ceiling ? E::min(ceiling, u) : u;
  return ceiling;
}

void detail::buildTileBounds(const RowKeyBounds &rk, TileSizes sizes,
                             ClauseTiling &out) {
  E bk = E::constant(sizes.key);
  E zero = E::constant(0);
  // Span: rows of the tile the clause admits and that have keys.
  E r0 = E::max(E::max(rk.tileFirstRow, rk.rowLo), rk.liveLo);
  E r1 = E::min(E::min(rk.tileLastRow, rk.rowHi), rk.liveHi);
  E keyLo = rk.lo(r0), keyHi = rk.hi(r1);
  E spanLo = E::floorDiv(keyLo, bk);
  E spanHi = E::floorDiv(keyHi, bk) + 1;
  E live = E::nonNegative(r1 - r0) * E::nonNegative(keyHi - keyLo);
  out.spanLo = spanLo + rk.keyTileOffset;
  out.spanHi = spanLo + live * E::max(spanHi - spanLo, zero) + rk.keyTileOffset;
  if (!rk.allowFull) {
    out.fullLo = out.spanLo;
    out.fullHi = out.spanLo;
    return;
  }
  // Full: every row of the tile admitted, keys common to all rows.
  E rowsIn = E::nonNegative(rk.tileFirstRow - rk.rowLo) *
             E::nonNegative(rk.rowHi - rk.tileLastRow);
  E fLo = rk.lo(rk.tileLastRow), fHi = rk.hi(rk.tileFirstRow);
  E fullLo = E::ceilDiv(fLo, bk);
  E end = fHi + 1;
  if (rk.keyEnd)
    end = end + E::nonNegative(fHi - (rk.keyEnd - 1)) * (sizes.key - 1);
  E fullHi = E::floorDiv(end, bk);
  out.fullLo = fullLo + rk.keyTileOffset;
  out.fullHi =
      fullLo + rowsIn * E::max(fullHi - fullLo, zero) + rk.keyTileOffset;
}

//===----------------------------------------------------------------------===//
// SymbolicTiling
//===----------------------------------------------------------------------===//

static llvm::Error tileError(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

void detail::rowKeyFunctions(const ClauseShape &s, RowKeyBounds &rk) {
  E kLo = ClauseShape::maxOf(E::constant(0), s.kLower);
  E kHi = ClauseShape::minOf(E::numKeys() - 1, s.kUpper);
  E dLo = ClauseShape::maxOf(E(), s.dLower);
  E dHi = ClauseShape::minOf(E(), s.dUpper);
  llvm::SmallVector<const Constraint *, 2> blocks = s.blocks;
  rk.lo = [=](const E &r) {
    E v = kLo;
    if (dHi)
      v = E::max(v, r - dHi);
    for (const Constraint *b : blocks)
      if (b->kind == Kind::BlockLower)
        v = E::max(v, b->modulus * (E::floorDiv(r, b->modulus) + b->offset));
    return v;
  };
  rk.hi = [=](const E &r) {
    E v = kHi;
    if (dLo)
      v = E::min(v, r - dLo);
    for (const Constraint *b : blocks)
      if (b->kind == Kind::BlockUpper)
        v = E::min(v,
                   b->modulus * (E::floorDiv(r, b->modulus) + b->offset) - 1);
    return v;
  };
  rk.liveLo = dLo ? kLo + dLo : E::constant(0);
  rk.liveHi = dHi ? kHi + dHi : E::numQueries() - 1;
}

llvm::Expected<SymbolicTiling> SymbolicTiling::build(const MaskNormalForm &nf,
                                                     TileSizes sizes) {
  if (sizes.query < 1 || sizes.key < 1)
    return tileError("tile sizes must be positive, got " +
                     llvm::Twine(sizes.query) + "x" + llvm::Twine(sizes.key));
  SymbolicTiling t;
  t.sizes = sizes;
  t.numQueryPositions = E::numQueries();
  t.numKeyPositions = E::numKeys();
  t.numQueryTiles = E::ceilDiv(E::numQueries(), E::constant(sizes.query));
  t.numKeyTiles = E::ceilDiv(E::numKeys(), E::constant(sizes.key));
  E i = E::index();
  for (auto [index, clause] : llvm::enumerate(nf.getClauses())) {
    ClauseShape s = ClauseShape::of(clause);
    ClauseTiling ct;
    ct.clause = index;
    ct.headLo = s.headLo;
    ct.headHi = s.headHi;
    RowKeyBounds rk;
    rk.tileFirstRow = i * sizes.query;
    rk.tileLastRow = E::min(i * sizes.query + sizes.query, E::numQueries()) - 1;
    rk.rowLo = ClauseShape::maxOf(E::constant(0), s.qLower);
    rk.rowHi = ClauseShape::minOf(E::numQueries() - 1, s.qUpper);
    rowKeyFunctions(s, rk);
    rk.keyEnd = E::numKeys();
    rk.allowFull = s.isIntervalOnly();
    buildTileBounds(rk, sizes, ct);
    // Refinements of the span, most selective first.
    for (const Constraint *x : s.randoms)
      if (x->kind == Kind::InRandom &&
          ct.refinement == ClauseTiling::Refinement::None) {
        bool byKey = x->var == MaskVar::Query;
        ct.refinement = byKey ? ClauseTiling::Refinement::RandomBlocksByKey
                              : ClauseTiling::Refinement::RandomBlocks;
        ct.randomBlock = x->modulus;
        ct.randomCount = x->lo;
        ct.randomSeed = x->hi;
        ct.randomFull = !byKey && s.randoms.size() == 1 && s.qLower.empty() &&
                        s.qUpper.empty() && s.kLower.empty() &&
                        s.kUpper.empty() && s.dLower.empty() &&
                        s.dUpper.empty() && s.blocks.empty() &&
                        s.residues.empty() && s.sets.empty();
      }
    for (const Constraint *x : s.sets) {
      if (x->kind != Kind::InSet)
        continue;
      if (x->var == MaskVar::Query && ct.queryMembers.empty())
        ct.queryMembers = x->members;
      if (x->var == MaskVar::Key &&
          ct.refinement == ClauseTiling::Refinement::None) {
        ct.refinement = ClauseTiling::Refinement::KeyMembers;
        ct.members = x->members;
      }
    }
    for (const Constraint *x : s.residues)
      if (x->var == MaskVar::Key &&
          ct.refinement == ClauseTiling::Refinement::None) {
        ct.refinement = ClauseTiling::Refinement::PeriodicKeys;
        ct.period = x->modulus;
        ct.resLo = x->lo;
        ct.resHi = x->hi;
      }
    t.clauses.push_back(std::move(ct));
  }
  return std::move(t);
}

void ClauseTiling::print(llvm::raw_ostream &os) const {
  os << "clause " << clause << ": heads [" << headLo << ", ";
  if (headHi >= ConcreteClause::kInf)
    os << "inf";
  else
    os << headHi;
  os << ")\n    span [" << spanLo << ", " << spanHi << ")\n    full [" << fullLo
     << ", " << fullHi << ")\n";
  switch (refinement) {
  case Refinement::None:
    break;
  case Refinement::PeriodicKeys:
    os << "    refine keys with k mod " << period << " in [" << resLo << ", "
       << resHi << ")\n";
    break;
  case Refinement::KeyMembers:
    os << "    refine keys in {";
    llvm::interleaveComma(members, os);
    os << "}\n";
    break;
  case Refinement::RandomBlocks:
  case Refinement::RandomBlocksByKey:
    os << "    refine random blocks "
       << (refinement == Refinement::RandomBlocksByKey ? "drawn by key " : "")
       << "(block " << randomBlock << ", count " << randomCount << ", seed "
       << randomSeed << ")\n";
    break;
  }
  if (!queryMembers.empty()) {
    os << "    only queries in {";
    llvm::interleaveComma(queryMembers, os);
    os << "}\n";
  }
}

void SymbolicTiling::print(llvm::raw_ostream &os) const {
  os << "tiles " << sizes.query << "x" << sizes.key << ": query tiles "
     << numQueryTiles << ", key tiles " << numKeyTiles << "\n";
  for (const ClauseTiling &c : clauses) {
    os << "  ";
    c.print(os);
  }
}

//===----------------------------------------------------------------------===//
// TileClassifier
//===----------------------------------------------------------------------===//

llvm::Expected<TileClassifier>
TileClassifier::build(const SymbolicTiling &tiling, int64_t numQueries,
                      int64_t numKeys, llvm::ArrayRef<int64_t> args) {
  if (tiling.sizes.query < 1 || tiling.sizes.key < 1)
    return tileError("tile sizes must be positive");
  TileClassifier c;
  c.sizes = tiling.sizes;
  c.nq = numQueries;
  c.nk = numKeys;
  TileEnv env{0, numQueries, numKeys, args};
  auto exact = [&](const E &e) { return evaluate(e, env); };
  for (const E *e : {&tiling.numQueryPositions, &tiling.numKeyPositions}) {
    auto v = exact(*e);
    if (!v)
      return v.takeError();
    (e == &tiling.numQueryPositions ? c.qPositions : c.kPositions) = *v;
  }
  c.qTiles = ceilDivInt(c.qPositions, c.sizes.query);
  c.kTiles = ceilDivInt(c.kPositions, c.sizes.key);
  for (const ClauseTiling &ct : tiling.clauses) {
    Clause cl;
    cl.headLo = ct.headLo;
    cl.headHi = ct.headHi;
    cl.bounds.all = CompiledTileExpr(
        llvm::ArrayRef<TileExpr>{ct.spanLo, ct.spanHi, ct.fullLo, ct.fullHi},
        env);
    cl.refinement = ct.refinement;
    cl.queryMembers =
        sparsa::mask::resolveIndexList(ct.queryMembers, numQueries);
    if (!ct.queryMembers.empty() && cl.queryMembers.empty())
      continue; // admits no query at this length
    switch (ct.refinement) {
    case ClauseTiling::Refinement::None:
      break;
    case ClauseTiling::Refinement::PeriodicKeys: {
      auto p = exact(ct.period), lo = exact(ct.resLo), hi = exact(ct.resHi);
      if (!p || !lo || !hi) {
        llvm::consumeError(p.takeError());
        llvm::consumeError(lo.takeError());
        llvm::consumeError(hi.takeError());
        return tileError("cannot evaluate the residue bounds of clause " +
                         llvm::Twine(ct.clause));
      }
      cl.period = *p;
      cl.resLo = std::clamp<int64_t>(*lo, 0, std::max<int64_t>(*p, 0));
      cl.resHi = std::clamp<int64_t>(*hi, 0, std::max<int64_t>(*p, 0));
      if (cl.period < 1 || cl.resLo >= cl.resHi)
        continue; // empty
      if (cl.resLo == 0 && cl.resHi == cl.period)
        cl.refinement = ClauseTiling::Refinement::None;
      break;
    }
    case ClauseTiling::Refinement::KeyMembers:
      cl.members = sparsa::mask::resolveIndexList(ct.members, numKeys);
      if (cl.members.empty())
        continue;
      break;
    case ClauseTiling::Refinement::RandomBlocks:
    case ClauseTiling::Refinement::RandomBlocksByKey: {
      auto b = exact(ct.randomBlock), n = exact(ct.randomCount),
           s = exact(ct.randomSeed);
      if (!b || !n || !s) {
        llvm::consumeError(b.takeError());
        llvm::consumeError(n.takeError());
        llvm::consumeError(s.takeError());
        return tileError("cannot evaluate the random blocks of clause " +
                         llvm::Twine(ct.clause));
      }
      if (*b < 1 || *n <= 0)
        continue;
      cl.randomBlock = *b;
      cl.randomCount = *n;
      cl.randomSeed = static_cast<uint64_t>(*s);
      cl.randomFull = ct.randomFull;
      bool byKey = ct.refinement == ClauseTiling::Refinement::RandomBlocksByKey;
      cl.numDrawnBlocks = ceilDivInt(byKey ? numQueries : numKeys, *b);
      if (cl.randomCount >= cl.numDrawnBlocks) // every block: no narrowing
        cl.refinement = ClauseTiling::Refinement::None;
      break;
    }
    }
    c.clauses.push_back(std::move(cl));
  }
  return std::move(c);
}

void TileClassifier::collect(const Clause &c, int64_t i,
                             llvm::SmallVectorImpl<KeyTileRange> &out) const {
  int64_t bq = sizes.query, bk = sizes.key;
  int64_t firstRow = i * bq, lastRow = std::min(firstRow + bq, qPositions) - 1;
  if (!c.queryMembers.empty()) {
    auto it = std::lower_bound(c.queryMembers.begin(), c.queryMembers.end(),
                               firstRow);
    if (it == c.queryMembers.end() || *it > lastRow)
      return;
  }
  int64_t b[4];
  c.bounds.all.evaluate(i, b);
  int64_t lo = std::max<int64_t>(b[0], 0);
  int64_t hi = std::min(b[1], kTiles);
  if (lo < hi) {
    auto push = [&](int64_t a, int64_t b) { // key positions [a, b]
      a = std::max(a, lo * bk);
      b = std::min(b, hi * bk - 1);
      if (a <= b)
        out.push_back({a / bk, b / bk + 1, TileClass::Partial});
    };
    switch (c.refinement) {
    case ClauseTiling::Refinement::None:
      out.push_back({lo, hi, TileClass::Partial});
      break;
    case ClauseTiling::Refinement::PeriodicKeys: {
      if (c.period <= bk) {
        out.push_back({lo, hi, TileClass::Partial});
        break;
      }
      int64_t first = floorDivInt(lo * bk, c.period);
      int64_t last = floorDivInt(hi * bk - 1, c.period);
      for (int64_t t = first; t <= last; ++t) {
        int64_t base = t * c.period;
        push(base + c.resLo, base + c.resHi - 1);
      }
      break;
    }
    case ClauseTiling::Refinement::KeyMembers: {
      auto it = std::lower_bound(c.members.begin(), c.members.end(), lo * bk);
      for (; it != c.members.end() && *it < hi * bk; ++it)
        push(*it, *it);
      break;
    }
    case ClauseTiling::Refinement::RandomBlocks: {
      int64_t b = c.randomBlock;
      // One query block: its drawn key blocks are allowed to every row.
      bool oneDraw = c.randomFull && firstRow / b == lastRow / b;
      for (int64_t qb = firstRow / b; qb <= lastRow / b; ++qb)
        for (int64_t kb : sparsa::mask::drawRandomBlocks(
                 c.randomSeed, qb, c.numDrawnBlocks, c.randomCount)) {
          int64_t first = kb * b, last = std::min(first + b, nk) - 1;
          push(first, last);
          if (!oneDraw)
            continue;
          int64_t jlo = std::max(ceilDivInt(first, bk), lo);
          int64_t jhi = last == nk - 1 ? kTiles : (last + 1) / bk;
          jhi = std::min(jhi, hi);
          if (jlo < jhi)
            out.push_back({jlo, jhi, TileClass::Full});
        }
      break;
    }
    case ClauseTiling::Refinement::RandomBlocksByKey: {
      // The key blocks of the span whose draw holds a block of this tile's
      // queries: a draw per key block, no closed form.
      int64_t b = c.randomBlock;
      int64_t qbLo = firstRow / b, qbHi = lastRow / b;
      for (int64_t kb = lo * bk / b; kb * b < hi * bk && kb * b < nk; ++kb) {
        std::vector<int64_t> drawn = sparsa::mask::drawRandomBlocks(
            c.randomSeed, kb, c.numDrawnBlocks, c.randomCount);
        auto it = std::lower_bound(drawn.begin(), drawn.end(), qbLo);
        if (it != drawn.end() && *it <= qbHi)
          push(kb * b, std::min(kb * b + b, nk) - 1);
      }
      break;
    }
    }
  }
  int64_t flo = std::max<int64_t>(b[2], 0);
  int64_t fhi = std::min(b[3], kTiles);
  if (flo < fhi)
    out.push_back({flo, fhi, TileClass::Full});
}

void TileClassifier::forEachKeyRange(
    int64_t h, int64_t i,
    llvm::function_ref<void(const KeyTileRange &)> fn) const {
  if (i < 0 || i >= qTiles)
    return;
  thread_local llvm::SmallVector<KeyTileRange, 16> items;
  items.clear();
  // Where each clause's items start: a clause lists its ranges in
  // increasing order, which the sweep below exploits.
  llvm::SmallVector<size_t, 8> clauseStarts;
  for (const Clause &c : clauses)
    if (h >= c.headLo && h < c.headHi) {
      clauseStarts.push_back(items.size());
      collect(c, i, items);
    }
  if (items.empty())
    return;
  // One clause without refinement: a span and a FULL range inside it.
  if (items.size() <= 2) {
    const KeyTileRange *part = nullptr, *full = nullptr;
    for (const KeyTileRange &r : items)
      (r.cls == TileClass::Full ? full : part) = &r;
    if (!full) {
      if (items.size() == 1) {
        fn(*part);
        return;
      }
    } else if (!part) {
      fn(*full);
      return;
    } else if (part->lo <= full->lo && full->hi <= part->hi) {
      if (part->lo < full->lo)
        fn({part->lo, full->lo, TileClass::Partial});
      fn(*full);
      if (full->hi < part->hi)
        fn({full->hi, part->hi, TileClass::Partial});
      return;
    }
  }
  // Sweep over range ends: +1/-1 events for FULL and PARTIAL coverage.
  struct Event {
    int64_t pos;
    int8_t full, partial;
  };
  // Events of each clause are sorted as they come when its ranges are
  // (periodic refinements give thousands of ordered ranges per query tile),
  // so clauses are merged in linear time; a clause whose events are out of
  // order is sorted on its own first.
  auto byPos = [](const Event &a, const Event &b) { return a.pos < b.pos; };
  // Per-thread buffers: the classifier is shared between threads, and
  // reusing the buffers avoids an allocation per query tile.
  thread_local std::vector<Event> events, chunk, merged;
  events.clear();
  clauseStarts.push_back(items.size());
  for (size_t c = 0; c + 1 < clauseStarts.size(); ++c) {
    chunk.clear();
    for (size_t j = clauseStarts[c]; j < clauseStarts[c + 1]; ++j) {
      const KeyTileRange &r = items[j];
      bool f = r.cls == TileClass::Full;
      chunk.push_back({r.lo, int8_t(f ? 1 : 0), int8_t(f ? 0 : 1)});
      chunk.push_back({r.hi, int8_t(f ? -1 : 0), int8_t(f ? 0 : -1)});
    }
    if (!llvm::is_sorted(chunk, byPos))
      llvm::sort(chunk, byPos);
    merged.clear();
    merged.reserve(events.size() + chunk.size());
    std::merge(events.begin(), events.end(), chunk.begin(), chunk.end(),
               std::back_inserter(merged), byPos);
    std::swap(events, merged);
  }
  int64_t full = 0, partial = 0;
  KeyTileRange cur{0, 0, TileClass::Empty};
  for (size_t e = 0; e < events.size();) {
    int64_t pos = events[e].pos;
    for (; e < events.size() && events[e].pos == pos; ++e) {
      full += events[e].full;
      partial += events[e].partial;
    }
    TileClass next = full > 0      ? TileClass::Full
                     : partial > 0 ? TileClass::Partial
                                   : TileClass::Empty;
    if (next == cur.cls)
      continue;
    if (cur.cls != TileClass::Empty && pos > cur.lo) {
      cur.hi = pos;
      fn(cur);
    }
    cur = {pos, pos, next};
  }
}

llvm::SmallVector<KeyTileRange, 4> TileClassifier::keyRanges(int64_t h,
                                                             int64_t i) const {
  llvm::SmallVector<KeyTileRange, 4> out;
  forEachKeyRange(h, i, [&](const KeyTileRange &r) { out.push_back(r); });
  return out;
}

TileCounts TileClassifier::countTiles(int64_t h, int64_t maxRanges) const {
  // Query tiles are independent (forEachKeyRange is safe to call
  // concurrently), so they are counted on all cores: periodic refinements
  // give thousands of ranges per query tile (fixed at 2^20 tokens: 134 M).
  std::atomic<int64_t> ranges{0};
  std::atomic<bool> truncated{false};
  auto countRow = [&](int64_t i) {
    TileCounts t;
    if (ranges.load(std::memory_order_relaxed) > maxRanges) {
      truncated.store(true, std::memory_order_relaxed);
      return t;
    }
    int64_t rows = std::min(sizes.query, qPositions - i * sizes.query);
    int64_t n = 0;
    forEachKeyRange(h, i, [&](const KeyTileRange &r) {
      int64_t cols = std::min(r.hi * sizes.key, kPositions) - r.lo * sizes.key;
      t.pairsVisited += rows * cols;
      ++n;
      (r.cls == TileClass::Full ? t.full : t.partial) += r.hi - r.lo;
    });
    ranges.fetch_add(n, std::memory_order_relaxed);
    return t;
  };
  auto sum = [](TileCounts a, const TileCounts &b) {
    a.full += b.full;
    a.partial += b.partial;
    a.pairsVisited += b.pairsVisited;
    return a;
  };
  TileCounts t = llvm::parallelTransformReduce(llvm::seq<int64_t>(0, qTiles),
                                               TileCounts(), sum, countRow);
  t.truncated = truncated.load();
  t.empty = qTiles * kTiles - t.full - t.partial;
  return t;
}
