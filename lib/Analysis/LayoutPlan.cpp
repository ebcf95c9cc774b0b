//===- LayoutPlan.cpp - token permutations that densify tiles -------------===//
//
// Splits the normal form into layout parts (see LayoutPlan.h) and
// classifies each part's residual mask in its own coordinates with the same
// closed forms as the original order (detail::buildTileBounds): in residue
// classes, a distance congruence d = r (mod L) pairs query class cq with
// the one key class ck = (cq - r) mod L, and the distance interval becomes
// an interval of the class-local indices; through a summary gather, the
// per-row key interval [lo, hi] becomes [G(lo), G(hi + 1) - 1] with G(x)
// the number of summary keys below x, which is again nondecreasing.
//
//===----------------------------------------------------------------------===//

#include "lib/Analysis/LayoutPlan.h"
#include "lib/Analysis/TileBounds.h"

#include "llvm/ADT/StringExtras.h"

#include <map>

using namespace sparsa::analysis;
using namespace sparsa::analysis::detail;
using Kind = Constraint::Kind;
using E = TileExpr;

namespace {
/// What layout a clause could use.
struct Candidate {
  LayoutPart::Kind kind = LayoutPart::Kind::Identity;
  int64_t period = 0;           // L, or the summary period p
  int64_t residue = 0;          // r, or the summary count c
  std::vector<int64_t> members; // gathered index sets (raw)
  bool operator<(const Candidate &o) const {
    return std::tie(kind, period, residue, members) <
           std::tie(o.kind, o.period, o.residue, o.members);
  }
  bool operator==(const Candidate &o) const {
    return !(*this < o) && !(o < *this);
  }
};

/// Largest listed set that is gathered (the counts below are sums of one
/// term per member).
constexpr size_t kMaxGatherMembers = 64;
} // namespace

/// Classifies one clause. `sameGroup` relaxes the residue check to the
/// group's modulus (clauses of one residue part may differ in r).
static Candidate candidateOf(const Clause &c, const LayoutOptions &options) {
  Candidate none;
  const Constraint *residue = nullptr, *set = nullptr;
  bool hasBlocks = false;
  for (const Constraint &x : c.constraints) {
    switch (x.kind) {
    case Kind::Lower:
    case Kind::Upper:
      continue;
    case Kind::BlockLower:
    case Kind::BlockUpper:
      hasBlocks = true;
      continue;
    case Kind::Residue:
      if (residue)
        return none;
      residue = &x;
      continue;
    case Kind::InSet:
      if (set)
        return none;
      set = &x;
      continue;
    default:
      return none;
    }
  }
  if (set) {
    if (residue || set->members.empty() ||
        set->members.size() > kMaxGatherMembers)
      return none;
    bool allNonNegative =
        llvm::all_of(set->members, [](int64_t e) { return e >= 0; });
    bool allNegative =
        llvm::all_of(set->members, [](int64_t e) { return e < 0; });
    Candidate cand;
    cand.members.assign(set->members.begin(), set->members.end());
    // Same-sign members never collide after resolution; queries are only
    // gathered from non-negative lists (the g-th member is then a closed
    // form of g).
    if (set->var == MaskVar::Key && (allNonNegative || allNegative))
      cand.kind = LayoutPart::Kind::KeyGather;
    else if (set->var == MaskVar::Query && allNonNegative && !hasBlocks)
      cand.kind = LayoutPart::Kind::QueryGather;
    else
      return none;
    return cand;
  }
  if (!residue)
    return none;
  auto m = residue->modulus.getConstant();
  auto lo = residue->lo.getConstant(), hi = residue->hi.getConstant();
  if (!m || !lo || !hi || *m < 2 || *m > options.maxPeriod)
    return none;
  if (residue->var == MaskVar::Distance && *hi == *lo + 1 && !hasBlocks)
    return {LayoutPart::Kind::ResiduePermutation, *m, 0, {}};
  if (residue->var == MaskVar::Key && *hi == *m && *lo > 0)
    return {LayoutPart::Kind::KeyGather, *m, *m - *lo, {}};
  return none;
}

//===----------------------------------------------------------------------===//
// Residue classes
//===----------------------------------------------------------------------===//

/// ceil(ceil(n / L) / B) * B: the padded class size.
static E classStride(const E &n, int64_t period, int64_t tile) {
  return E::ceilDiv(E::ceilDiv(n, E::constant(period)), E::constant(tile)) *
         tile;
}

static ClauseTiling residueTiling(const Clause &clause, unsigned index,
                                  int64_t L, TileSizes sizes) {
  ClauseShape s = ClauseShape::of(clause);
  int64_t r = 0;
  for (const Constraint *x : s.residues)
    r = *x->lo.getConstant();
  E l = E::constant(L);
  E sq = classStride(E::numQueries(), L, sizes.query);
  E sk = classStride(E::numKeys(), L, sizes.key);
  E i = E::index();
  E first = i * sizes.query;
  E cq = E::floorDiv(first, sq);
  E a0 = first - cq * sq;
  E ck = E::mod(cq - r, l);
  // delta = cq - ck: r when cq >= r, r - L otherwise.
  E delta = E::constant(r) - (E::constant(1) - E::nonNegative(cq - r)) * L;
  E qLo = ClauseShape::maxOf(E::constant(0), s.qLower);
  E qHi = ClauseShape::minOf(E::numQueries() - 1, s.qUpper);
  E kLo = ClauseShape::maxOf(E::constant(0), s.kLower);
  E kHi = ClauseShape::minOf(E::numKeys() - 1, s.kUpper);
  E dLo = ClauseShape::maxOf(E(), s.dLower);
  E dHi = ClauseShape::minOf(E(), s.dUpper);
  // Class-local key bounds c: token k = c * L + ck.
  E cLo = E::max(E::constant(0), E::ceilDiv(kLo - ck, l));
  E cHi = E::floorDiv(kHi - ck, l);
  E dl = dLo ? E::ceilDiv(dLo - delta, l) : E();
  E dh = dHi ? E::floorDiv(dHi - delta, l) : E();

  RowKeyBounds rk;
  rk.tileFirstRow = a0;
  rk.tileLastRow = a0 + (sizes.query - 1);
  rk.rowLo = E::max(E::constant(0), E::ceilDiv(qLo - cq, l));
  rk.rowHi = E::floorDiv(qHi - cq, l);
  rk.liveLo = dl ? cLo + dl : E::constant(0);
  rk.liveHi = dh ? cHi + dh : rk.rowHi;
  rk.lo = [=](const E &a) { return dh ? E::max(cLo, a - dh) : cLo; };
  rk.hi = [=](const E &a) { return dl ? E::min(cHi, a - dl) : cHi; };
  rk.keyTileOffset =
      ck * E::ceilDiv(E::ceilDiv(E::numKeys(), l), E::constant(sizes.key));
  rk.allowFull = true;
  ClauseTiling ct;
  ct.clause = index;
  ct.headLo = s.headLo;
  ct.headHi = s.headHi;
  buildTileBounds(rk, sizes, ct);
  return ct;
}

//===----------------------------------------------------------------------===//
// Summary gather
//===----------------------------------------------------------------------===//

/// The number of summary keys (the last c of every p) below x.
static E summaryBelow(const E &x, int64_t p, int64_t c) {
  E pe = E::constant(p);
  return E::floorDiv(x, pe) * c +
         E::max(E::constant(0), E::mod(x, pe) - (p - c));
}

static ClauseTiling summaryTiling(const Clause &clause, unsigned index,
                                  int64_t p, int64_t c, TileSizes sizes) {
  ClauseShape s = ClauseShape::of(clause);
  E kLo = ClauseShape::maxOf(E::constant(0), s.kLower);
  E kHi = ClauseShape::minOf(E::numKeys() - 1, s.kUpper);
  E dLo = ClauseShape::maxOf(E(), s.dLower);
  E dHi = ClauseShape::minOf(E(), s.dUpper);
  llvm::SmallVector<const Constraint *, 2> blocks = s.blocks;
  auto lo = [=](const E &row) {
    E v = kLo;
    if (dHi)
      v = E::max(v, row - dHi);
    for (const Constraint *b : blocks)
      if (b->kind == Kind::BlockLower)
        v = E::max(v, b->modulus * (E::floorDiv(row, b->modulus) + b->offset));
    return v;
  };
  auto hi = [=](const E &row) {
    E v = kHi;
    if (dLo)
      v = E::min(v, row - dLo);
    for (const Constraint *b : blocks)
      if (b->kind == Kind::BlockUpper)
        v = E::min(v,
                   b->modulus * (E::floorDiv(row, b->modulus) + b->offset) - 1);
    return v;
  };
  RowKeyBounds rk;
  E i = E::index();
  rk.tileFirstRow = i * sizes.query;
  rk.tileLastRow = E::min(i * sizes.query + sizes.query, E::numQueries()) - 1;
  rk.rowLo = ClauseShape::maxOf(E::constant(0), s.qLower);
  rk.rowHi = ClauseShape::minOf(E::numQueries() - 1, s.qUpper);
  rk.liveLo = dLo ? kLo + dLo : E::constant(0);
  rk.liveHi = dHi ? kHi + dHi : E::numQueries() - 1;
  rk.lo = [=](const E &row) { return summaryBelow(lo(row), p, c); };
  rk.hi = [=](const E &row) { return summaryBelow(hi(row) + 1, p, c) - 1; };
  rk.keyEnd = summaryBelow(E::numKeys(), p, c);
  rk.allowFull = true;
  ClauseTiling ct;
  ct.clause = index;
  ct.headLo = s.headLo;
  ct.headHi = s.headHi;
  buildTileBounds(rk, sizes, ct);
  return ct;
}

//===----------------------------------------------------------------------===//
// Listed sets
//===----------------------------------------------------------------------===//

/// The number of members (resolved against n) below x, for same-sign
/// members: one 0/1 term per member.
static E membersBelow(const E &x, llvm::ArrayRef<int64_t> members, const E &n) {
  E count = E::constant(0);
  for (int64_t e : members) {
    if (e >= 0) {
      count = count + E::nonNegative(x - 1 - e);
    } else {
      E r = n + e;
      count = count + E::nonNegative(r) * E::nonNegative(x - 1 - r);
    }
  }
  return count;
}

/// The g-th member of a sorted non-negative list (valid for g below the
/// number of members in range, which are a prefix of the list).
static E memberAt(const E &g, llvm::ArrayRef<int64_t> members) {
  E v = E::constant(members.front());
  for (size_t j = 1; j < members.size(); ++j)
    v = v + E::nonNegative(g - int64_t(j)) * (members[j] - members[j - 1]);
  return v;
}

static ClauseTiling keyGatherTiling(const Clause &clause, unsigned index,
                                    llvm::ArrayRef<int64_t> members,
                                    TileSizes sizes) {
  ClauseShape s = ClauseShape::of(clause);
  RowKeyBounds orig;
  rowKeyFunctions(s, orig);
  std::vector<int64_t> list(members.begin(), members.end());
  E nk = E::numKeys();
  RowKeyBounds rk;
  E i = E::index();
  rk.tileFirstRow = i * sizes.query;
  rk.tileLastRow = E::min(i * sizes.query + sizes.query, E::numQueries()) - 1;
  rk.rowLo = ClauseShape::maxOf(E::constant(0), s.qLower);
  rk.rowHi = ClauseShape::minOf(E::numQueries() - 1, s.qUpper);
  rk.liveLo = orig.liveLo;
  rk.liveHi = orig.liveHi;
  auto lo = orig.lo, hi = orig.hi;
  rk.lo = [=](const E &row) { return membersBelow(lo(row), list, nk); };
  rk.hi = [=](const E &row) { return membersBelow(hi(row) + 1, list, nk) - 1; };
  rk.keyEnd = membersBelow(nk, list, nk);
  ClauseTiling ct;
  ct.clause = index;
  ct.headLo = s.headLo;
  ct.headHi = s.headHi;
  buildTileBounds(rk, sizes, ct);
  return ct;
}

static ClauseTiling queryGatherTiling(const Clause &clause, unsigned index,
                                      llvm::ArrayRef<int64_t> members,
                                      TileSizes sizes) {
  ClauseShape s = ClauseShape::of(clause);
  RowKeyBounds orig;
  rowKeyFunctions(s, orig);
  std::vector<int64_t> list(members.begin(), members.end());
  E nq = E::numQueries();
  E size = membersBelow(nq, list, nq);
  E qLo = ClauseShape::maxOf(E::constant(0), s.qLower);
  E qHi = ClauseShape::minOf(nq - 1, s.qUpper);
  RowKeyBounds rk;
  E i = E::index();
  rk.tileFirstRow = i * sizes.query;
  rk.tileLastRow = E::min(i * sizes.query + sizes.query, size) - 1;
  rk.rowLo = membersBelow(qLo, list, nq);
  rk.rowHi = membersBelow(qHi + 1, list, nq) - 1;
  rk.liveLo = E::constant(0);
  rk.liveHi = size - 1;
  auto lo = orig.lo, hi = orig.hi;
  rk.lo = [=](const E &g) { return lo(memberAt(g, list)); };
  rk.hi = [=](const E &g) { return hi(memberAt(g, list)); };
  rk.keyEnd = E::numKeys();
  ClauseTiling ct;
  ct.clause = index;
  ct.headLo = s.headLo;
  ct.headHi = s.headHi;
  buildTileBounds(rk, sizes, ct);
  return ct;
}

//===----------------------------------------------------------------------===//
// The plan
//===----------------------------------------------------------------------===//

static TokenMap identityMap(const E &n) {
  TokenMap m;
  m.size = n;
  return m;
}

/// Builds the part for `clauses` (already made disjoint from earlier
/// parts); nullopt when a clause no longer fits the layout.
static std::optional<LayoutPart> makePart(const Candidate &cand,
                                          MaskNormalForm mask, TileSizes sizes,
                                          const LayoutOptions &options) {
  LayoutPart part;
  part.kind = cand.kind;
  part.tiling.sizes = sizes;
  for (const Clause &c : mask.getClauses()) {
    if (!(candidateOf(c, options) == cand))
      return std::nullopt;
  }
  if (cand.kind == LayoutPart::Kind::ResiduePermutation) {
    int64_t L = cand.period;
    part.queries.kind = part.keys.kind = TokenMap::Kind::ResidueClasses;
    part.queries.period = part.keys.period = L;
    part.queries.classStride = classStride(E::numQueries(), L, sizes.query);
    part.keys.classStride = classStride(E::numKeys(), L, sizes.key);
    part.queries.size = part.queries.classStride * L;
    part.keys.size = part.keys.classStride * L;
    for (auto [index, c] : llvm::enumerate(mask.getClauses()))
      part.tiling.clauses.push_back(residueTiling(c, index, L, sizes));
  } else if (!cand.members.empty()) {
    bool keys = cand.kind == LayoutPart::Kind::KeyGather;
    E n = keys ? E::numKeys() : E::numQueries();
    TokenMap gathered;
    gathered.kind = TokenMap::Kind::MemberGather;
    gathered.members.assign(cand.members.begin(), cand.members.end());
    gathered.size = membersBelow(n, cand.members, n);
    part.queries = keys ? identityMap(E::numQueries()) : gathered;
    part.keys = keys ? gathered : identityMap(E::numKeys());
    for (auto [index, cl] : llvm::enumerate(mask.getClauses()))
      part.tiling.clauses.push_back(
          keys ? keyGatherTiling(cl, index, cand.members, sizes)
               : queryGatherTiling(cl, index, cand.members, sizes));
  } else {
    int64_t p = cand.period, c = cand.residue;
    part.queries = identityMap(E::numQueries());
    part.keys.kind = TokenMap::Kind::SummaryGather;
    part.keys.period = p;
    part.keys.count = c;
    part.keys.size = summaryBelow(E::numKeys(), p, c);
    for (auto [index, cl] : llvm::enumerate(mask.getClauses()))
      part.tiling.clauses.push_back(summaryTiling(cl, index, p, c, sizes));
  }
  part.tiling.numQueryPositions = part.queries.size;
  part.tiling.numKeyPositions = part.keys.size;
  part.tiling.numQueryTiles =
      E::ceilDiv(part.queries.size, E::constant(sizes.query));
  part.tiling.numKeyTiles = E::ceilDiv(part.keys.size, E::constant(sizes.key));
  part.mask = std::move(mask);
  return part;
}

llvm::Expected<LayoutPlan> LayoutPlan::build(const MaskNormalForm &nf,
                                             TileSizes sizes,
                                             const LayoutOptions &options) {
  if (sizes.query < 1 || sizes.key < 1)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "tile sizes must be positive, got " +
                                       llvm::Twine(sizes.query) + "x" +
                                       llvm::Twine(sizes.key));
  // Group the clauses by the layout they could use.
  std::vector<Clause> identity;
  std::map<Candidate, std::vector<Clause>> groups;
  for (const Clause &c : nf.getClauses()) {
    Candidate cand = candidateOf(c, options);
    if (cand.kind == LayoutPart::Kind::Identity)
      identity.push_back(c);
    else
      groups[cand].push_back(c);
  }
  // The identity part comes first; each other part takes its clauses minus
  // everything before it. A group whose difference no longer fits its
  // layout (or grows past the clause limit) joins the identity part, and
  // the plan is rebuilt.
  NormalFormOptions partOptions = options.normalForm;
  partOptions.maxClauses =
      std::min(partOptions.maxClauses, options.maxPartClauses);
  const size_t maxAttempts = groups.size() + 1;
  for (size_t attempt = 0; attempt < maxAttempts; ++attempt) {
    LayoutPlan plan;
    MaskNormalForm before = MaskNormalForm::fromClauses(identity);
    bool retry = false;
    std::vector<LayoutPart> special;
    for (auto &[cand, clauses] : groups) {
      auto diff = subtractNormalForms(MaskNormalForm::fromClauses(clauses),
                                      before, partOptions);
      std::optional<LayoutPart> part;
      if (diff)
        part = makePart(cand, std::move(*diff), sizes, options);
      else
        llvm::consumeError(diff.takeError());
      if (!part) {
        identity.insert(identity.end(), clauses.begin(), clauses.end());
        Candidate key = cand;
        groups.erase(key);
        retry = true;
        break;
      }
      if (part->mask.isEmpty())
        continue;
      std::vector<Clause> all(before.getClauses().begin(),
                              before.getClauses().end());
      all.insert(all.end(), part->mask.getClauses().begin(),
                 part->mask.getClauses().end());
      before = MaskNormalForm::fromClauses(std::move(all));
      special.push_back(std::move(*part));
    }
    if (retry)
      continue;
    if (!identity.empty() || special.empty()) {
      LayoutPart id;
      id.mask = MaskNormalForm::fromClauses(identity);
      id.queries = identityMap(E::numQueries());
      id.keys = identityMap(E::numKeys());
      auto tiling = SymbolicTiling::build(id.mask, sizes);
      if (!tiling)
        return tiling.takeError();
      id.tiling = std::move(*tiling);
      plan.parts.push_back(std::move(id));
    }
    for (LayoutPart &p : special)
      plan.parts.push_back(std::move(p));
    return std::move(plan);
  }
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "layout plan did not converge");
}

bool LayoutPlan::isIdentity() const {
  return parts.size() == 1 && parts[0].kind == LayoutPart::Kind::Identity;
}

//===----------------------------------------------------------------------===//
// Closed forms of the token maps
//===----------------------------------------------------------------------===//

TileExpr TokenMap::positionOf(const TileExpr &token, bool isKeys) const {
  E n = isKeys ? E::numKeys() : E::numQueries();
  E l = E::constant(period);
  switch (kind) {
  case Kind::Identity:
    return token;
  case Kind::ResidueClasses:
    return E::mod(token, l) * classStride + E::floorDiv(token, l);
  case Kind::SummaryGather:
    return E::floorDiv(token, l) * count +
           (E::mod(token, l) - (period - count));
  case Kind::MemberGather:
    return membersBelow(token, members, n);
  }
  return token;
}

TileExpr TokenMap::tokenAt(const TileExpr &position, bool isKeys) const {
  E l = E::constant(period);
  switch (kind) {
  case Kind::Identity:
    return position;
  case Kind::ResidueClasses: {
    // A position past the last class maps past N as well.
    E cls = E::floorDiv(position, classStride);
    return E::mod(position, classStride) * l + cls +
           E::max(cls - (period - 1), E::constant(0)) * classStride * l;
  }
  case Kind::SummaryGather: {
    E c = E::constant(count);
    return E::floorDiv(position, c) * period + (period - count) +
           E::mod(position, c);
  }
  case Kind::MemberGather:
    if (llvm::all_of(members, [](int64_t e) { return e >= 0; }) &&
        !members.empty())
      return memberAt(position, members);
    return TileExpr();
  }
  return position;
}

//===----------------------------------------------------------------------===//
// Printing
//===----------------------------------------------------------------------===//

void TokenMap::print(llvm::raw_ostream &os) const {
  switch (kind) {
  case Kind::Identity:
    os << "identity";
    break;
  case Kind::ResidueClasses:
    os << "residue classes mod " << period << ": pos -> (pos mod " << period
       << ") * " << classStride << " + pos floordiv " << period;
    break;
  case Kind::SummaryGather:
    os << "gather the last " << count << " of every " << period
       << ": g -> (g floordiv " << count << ") * " << period << " + "
       << (period - count) << " + g mod " << count;
    break;
  case Kind::MemberGather:
    os << "gather {";
    llvm::interleaveComma(members, os);
    os << "}";
    break;
  }
  os << "; size " << size;
}

static const char *partName(LayoutPart::Kind k) {
  switch (k) {
  case LayoutPart::Kind::Identity:
    return "identity";
  case LayoutPart::Kind::ResiduePermutation:
    return "residue-permutation";
  case LayoutPart::Kind::KeyGather:
    return "key-gather";
  case LayoutPart::Kind::QueryGather:
    return "query-gather";
  }
  return "?";
}

void LayoutPart::print(llvm::raw_ostream &os) const {
  os << "part " << partName(kind) << "\n  queries: ";
  queries.print(os);
  os << "\n  keys: ";
  keys.print(os);
  os << "\n";
  std::string s;
  llvm::raw_string_ostream m(s);
  mask.print(m);
  for (llvm::StringRef line : llvm::split(llvm::StringRef(s).rtrim(), '\n'))
    os << "  " << line << "\n";
  os << "  ";
  tiling.print(os);
}

void LayoutPlan::print(llvm::raw_ostream &os) const {
  for (const LayoutPart &p : parts)
    p.print(os);
}

//===----------------------------------------------------------------------===//
// Concrete maps
//===----------------------------------------------------------------------===//

ConcreteTokenMap ConcreteTokenMap::bind(const TokenMap &map, int64_t n) {
  ConcreteTokenMap c;
  c.kind = map.kind;
  c.n = n;
  TileEnv env{0, n, n, {}};
  c.size = CompiledTileExpr(map.size, env)(0);
  c.period = map.period;
  c.count = map.count;
  if (map.classStride)
    c.stride = CompiledTileExpr(map.classStride, env)(0);
  for (int64_t e : map.members) {
    int64_t r = e >= 0 ? e : satAdd(e, n);
    if (r >= 0 && r < n)
      c.members.push_back(r);
  }
  llvm::sort(c.members);
  c.members.erase(std::unique(c.members.begin(), c.members.end()),
                  c.members.end());
  if (map.kind == TokenMap::Kind::MemberGather)
    c.size = c.members.size();
  return c;
}

std::optional<int64_t> ConcreteTokenMap::toSpace(int64_t token) const {
  if (token < 0 || token >= n)
    return std::nullopt;
  switch (kind) {
  case TokenMap::Kind::Identity:
    return token;
  case TokenMap::Kind::ResidueClasses:
    return (token % period) * stride + token / period;
  case TokenMap::Kind::SummaryGather: {
    int64_t r = token % period;
    if (r < period - count)
      return std::nullopt;
    return (token / period) * count + (r - (period - count));
  }
  case TokenMap::Kind::MemberGather: {
    auto it = std::lower_bound(members.begin(), members.end(), token);
    if (it == members.end() || *it != token)
      return std::nullopt;
    return it - members.begin();
  }
  }
  return std::nullopt;
}

std::optional<int64_t> ConcreteTokenMap::fromSpace(int64_t pos) const {
  if (pos < 0 || pos >= size)
    return std::nullopt;
  int64_t token = -1;
  switch (kind) {
  case TokenMap::Kind::Identity:
    token = pos;
    break;
  case TokenMap::Kind::ResidueClasses:
    token = (pos % stride) * period + pos / stride;
    if (pos / stride >= period)
      return std::nullopt;
    break;
  case TokenMap::Kind::SummaryGather:
    token = (pos / count) * period + (period - count) + pos % count;
    break;
  case TokenMap::Kind::MemberGather:
    token = members[pos];
    break;
  }
  if (token < 0 || token >= n)
    return std::nullopt;
  return token;
}

llvm::Expected<std::vector<ConcreteLayoutPart>>
sparsa::analysis::instantiateLayout(const LayoutPlan &plan, int64_t numQueries,
                                    int64_t numKeys,
                                    llvm::ArrayRef<int64_t> args) {
  std::vector<ConcreteLayoutPart> out;
  for (const LayoutPart &p : plan.getParts()) {
    auto classifier =
        TileClassifier::build(p.tiling, numQueries, numKeys, args);
    if (!classifier)
      return classifier.takeError();
    auto mask = p.mask.instantiate(numQueries, numKeys, args);
    if (!mask)
      return mask.takeError();
    out.push_back({p.kind, ConcreteTokenMap::bind(p.queries, numQueries),
                   ConcreteTokenMap::bind(p.keys, numKeys),
                   std::move(*classifier), std::move(*mask)});
  }
  return std::move(out);
}
