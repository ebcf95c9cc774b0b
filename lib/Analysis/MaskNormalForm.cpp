//===- MaskNormalForm.cpp - masks as unions of constraint clauses ---------===//
//
// Builds the normal form from the ops under a mask value: leaves become
// clauses, unions concatenate, intersections distribute (a product of
// clause lists), and complements are pushed to the leaves by De Morgan,
// using each constraint's complement (a union of at most two constraints).
// Every intermediate clause list is simplified (constant interval
// intersection, CRT on constant congruences, duplicates) and bounded by
// NormalFormOptions::maxClauses.
//
//===----------------------------------------------------------------------===//

#include "lib/Analysis/MaskNormalForm.h"

#include "dialects/Mask/IR/MaskOps.h"
#include "lib/Runtime/KernelABI.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/Hashing.h"
#include "llvm/ADT/TypeSwitch.h"

#include <functional>
#include <numeric>

using namespace mlir;
using namespace sparsa::analysis;
using namespace sparsa::mask;
using Kind = Constraint::Kind;
using ClauseList = std::vector<Clause>;

static llvm::Error nfError(const Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

//===----------------------------------------------------------------------===//
// Clause simplification
//===----------------------------------------------------------------------===//

namespace {
/// Constant bounds of one variable collected from a clause.
struct ConstRange {
  std::optional<int64_t> lo, hi;
  void lower(int64_t v) { lo = lo ? std::max(*lo, v) : v; }
  void upper(int64_t v) { hi = hi ? std::min(*hi, v) : v; }
};
} // namespace

static constexpr int64_t kBig = int64_t(1) << 62;

/// Simplifies `c` in place; returns false when the clause is provably empty.
static bool simplifyClause(Clause &c) {
  ConstRange ranges[4];
  llvm::SmallVector<Constraint, 4> out;
  // Constant single-residue congruences on d, merged by CRT.
  std::optional<std::pair<int64_t, int64_t>> dCong; // (residue, modulus)
  for (Constraint &x : c.constraints) {
    auto lo = x.lo ? x.lo.getConstant() : std::nullopt;
    switch (x.kind) {
    case Kind::Lower:
      if (lo) {
        ranges[(int)x.var].lower(*lo);
        continue;
      }
      break;
    case Kind::Upper:
      if (lo) {
        ranges[(int)x.var].upper(*lo);
        continue;
      }
      break;
    case Kind::Residue: {
      auto m = x.modulus.getConstant();
      auto hi = x.hi.getConstant();
      if (m && lo && hi && *m >= 1) {
        int64_t a = std::max<int64_t>(*lo, 0), b = std::min(*hi, *m);
        if (a >= b)
          return false;
        if (a == 0 && b == *m)
          continue; // always true
        x.lo = TileExpr::constant(a);
        x.hi = TileExpr::constant(b);
        if (x.var == MaskVar::Distance && b == a + 1) {
          if (!dCong) {
            dCong = {a, *m};
            continue;
          }
          auto [r1, m1] = *dCong;
          int64_t m2 = *m, r2 = a;
          int64_t g = std::gcd(m1, m2);
          if ((r1 - r2) % g != 0)
            return false;
          __int128 l = static_cast<__int128>(m1 / g) * m2;
          if (l > kBig) {
            // Too large to merge: keep both.
            out.push_back(x);
            continue;
          }
          // Smallest x >= 0 with x = r1 (m1), x = r2 (m2), by stepping
          // through the smaller number of candidates.
          int64_t lm = static_cast<int64_t>(l);
          int64_t step = m1, start = r1, other = m2, want = r2;
          if (m1 < m2) {
            step = m2;
            start = r2;
            other = m1;
            want = r1;
          }
          int64_t found = -1;
          for (int64_t t = 0, v = start; t < other / g + 1 && v < lm + step;
               ++t, v += step)
            if (v % other == want) {
              found = v % lm;
              break;
            }
          if (found < 0)
            return false;
          dCong = {found, lm};
          continue;
        }
      }
      break;
    }
    case Kind::InSet:
      if (x.members.empty())
        return false;
      break;
    case Kind::NotInSet:
      if (x.members.empty())
        continue;
      break;
    case Kind::InRandom:
      if (lo && *lo <= 0)
        return false;
      break;
    case Kind::NotInRandom:
      if (lo && *lo <= 0)
        continue;
      break;
    default:
      break;
    }
    if (llvm::find(out, x) == out.end())
      out.push_back(x);
  }
  // Domain facts: h, q, k >= 0.
  for (MaskVar v : {MaskVar::Head, MaskVar::Query, MaskVar::Key})
    ranges[(int)v].lower(0);
  ConstRange &q = ranges[(int)MaskVar::Query], &k = ranges[(int)MaskVar::Key],
             &d = ranges[(int)MaskVar::Distance],
             &h = ranges[(int)MaskVar::Head];
  for (ConstRange *r : {&q, &k, &d, &h})
    if (r->lo && r->hi && *r->lo > *r->hi)
      return false;
  // d = q - k is bounded by q's and k's bounds.
  int64_t dLo = std::max(d.lo.value_or(-kBig),
                         satSub(q.lo.value_or(0), k.hi.value_or(kBig)));
  int64_t dHi = std::min(d.hi.value_or(kBig),
                         satSub(q.hi.value_or(kBig), k.lo.value_or(0)));
  if (dLo > dHi)
    return false;
  c.constraints.clear();
  auto emitRange = [&](MaskVar v, const ConstRange &r, bool skipZeroLo) {
    if (r.lo && !(skipZeroLo && *r.lo <= 0)) {
      Constraint x =
          Constraint::make(Kind::Lower, v, TileExpr::constant(*r.lo));
      c.constraints.push_back(x);
    }
    if (r.hi) {
      Constraint x =
          Constraint::make(Kind::Upper, v, TileExpr::constant(*r.hi));
      c.constraints.push_back(x);
    }
  };
  emitRange(MaskVar::Head, h, true);
  emitRange(MaskVar::Query, q, true);
  emitRange(MaskVar::Key, k, true);
  emitRange(MaskVar::Distance, d, false);
  if (dCong) {
    if (dCong->second > 1) {
      Constraint x = Constraint::make(Kind::Residue, MaskVar::Distance,
                                      TileExpr::constant(dCong->first),
                                      TileExpr::constant(dCong->first + 1),
                                      TileExpr::constant(dCong->second));
      c.constraints.push_back(x);
    }
  }
  c.constraints.append(out.begin(), out.end());
  return true;
}

static size_t hashExpr(const TileExpr &e) {
  if (!e)
    return 0;
  size_t h = llvm::hash_combine(static_cast<int>(e.getKind()),
                                e.getConstant().value_or(0));
  if (e.getKind() == TileExpr::Kind::Param)
    h = llvm::hash_combine(h, e.getParamNumber());
  if (e.getLHS())
    h = llvm::hash_combine(h, hashExpr(e.getLHS()), hashExpr(e.getRHS()));
  return h;
}

static size_t hashClause(const Clause &c) {
  size_t h = c.constraints.size();
  for (const Constraint &x : c.constraints)
    h = llvm::hash_combine(
        h, static_cast<int>(x.kind), static_cast<int>(x.var), x.offset,
        hashExpr(x.lo), hashExpr(x.hi), hashExpr(x.modulus),
        llvm::hash_combine_range(x.members.begin(), x.members.end()));
  return h;
}

static bool sameClause(const Clause &a, const Clause &b) {
  return a.constraints.size() == b.constraints.size() &&
         std::equal(a.constraints.begin(), a.constraints.end(),
                    b.constraints.begin());
}

//===----------------------------------------------------------------------===//
// The builder
//===----------------------------------------------------------------------===//

namespace sparsa::analysis {
class NormalFormBuilder {
public:
  NormalFormBuilder(const NormalFormOptions &options, MaskNormalForm &nf)
      : options(options), nf(nf) {}

  llvm::Expected<ClauseList> positive(Value mask);
  llvm::Expected<ClauseList> negative(Value mask);
  /// Records the parameter checks of every leaf under `mask`, as the
  /// reference evaluator validates them all.
  llvm::Error recordChecks(Value mask);

  llvm::Expected<ClauseList> finish(ClauseList list);
  llvm::Expected<ClauseList> product(const ClauseList &a, const ClauseList &b);
  /// The union of the complements of the constraints of `c`.
  static ClauseList negateClause(const Clause &c);

private:
  llvm::Expected<ClauseList> visit(Value mask, bool negated);
  llvm::Expected<ClauseList> leaf(Operation *op, bool negated);
  llvm::Expected<TileExpr> index(Value v);
  template <typename OpTy>
  llvm::Expected<llvm::SmallVector<TileExpr, 3>> params(OpTy op);

  ClauseList negateConjunction(const ClauseList &conjuncts);

  const NormalFormOptions &options;
  MaskNormalForm &nf;
  llvm::DenseMap<Value, ClauseList> memo[2];
  llvm::DenseMap<Value, TileExpr> indexMemo;
  llvm::DenseMap<Operation *, bool> checked;
  unsigned depth = 0;
};
} // namespace sparsa::analysis

llvm::Expected<ClauseList> NormalFormBuilder::finish(ClauseList list) {
  ClauseList out;
  llvm::DenseMap<size_t, llvm::SmallVector<unsigned, 1>> seen;
  for (Clause &c : list) {
    if (!simplifyClause(c))
      continue;
    if (c.constraints.size() > options.maxConstraints)
      return nfError("mask normal form clause exceeds " +
                     Twine(options.maxConstraints) + " constraints");
    if (c.constraints.empty())
      return ClauseList{Clause{}}; // allows everything: absorbs the rest
    auto &bucket = seen[hashClause(c)];
    if (llvm::any_of(bucket, [&](unsigned o) { return sameClause(out[o], c); }))
      continue;
    bucket.push_back(out.size());
    out.push_back(std::move(c));
  }
  if (out.size() > options.maxClauses)
    return nfError("mask normal form exceeds " + Twine(options.maxClauses) +
                   " clauses (" + Twine(out.size()) + ")");
  return out;
}

llvm::Expected<ClauseList> NormalFormBuilder::product(const ClauseList &a,
                                                      const ClauseList &b) {
  if (static_cast<uint64_t>(a.size()) * b.size() >
      static_cast<uint64_t>(options.maxClauses) * 4)
    return nfError("mask normal form exceeds " + Twine(options.maxClauses) +
                   " clauses (intersection of " + Twine(a.size()) + " and " +
                   Twine(b.size()) + " clauses)");
  ClauseList out;
  for (const Clause &x : a)
    for (const Clause &y : b) {
      Clause c = x;
      c.constraints.append(y.constraints.begin(), y.constraints.end());
      out.push_back(std::move(c));
    }
  return finish(std::move(out));
}

ClauseList NormalFormBuilder::negateClause(const Clause &c) {
  ClauseList out;
  for (const Constraint &x : c.constraints)
    for (Constraint &n : x.negate()) {
      Clause single;
      single.constraints.push_back(std::move(n));
      out.push_back(std::move(single));
    }
  return out;
}

llvm::Expected<TileExpr> NormalFormBuilder::index(Value v) {
  if (auto it = indexMemo.find(v); it != indexMemo.end())
    return it->second;
  TileExpr result;
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    nf.numParams = std::max(nf.numParams, arg.getArgNumber() + 1);
    result = TileExpr::param(arg.getArgNumber());
  } else {
    Operation *op = v.getDefiningOp();
    if (isa<QueryLenOp>(op)) {
      result = TileExpr::numQueries();
    } else if (isa<KeyLenOp>(op)) {
      result = TileExpr::numKeys();
    } else if (auto c = dyn_cast<arith::ConstantIndexOp>(op)) {
      result = TileExpr::constant(c.value());
    } else {
      if (op->getNumOperands() != 2 ||
          !isa<arith::AddIOp, arith::SubIOp, arith::MulIOp, arith::MaxSIOp,
               arith::MinSIOp, arith::DivSIOp, arith::FloorDivSIOp,
               arith::CeilDivSIOp, arith::RemSIOp>(op))
        return nfError(op->getName().getStringRef() +
                       ": unsupported index computation");
      if (++depth > 10000)
        return nfError("index expression nested too deeply");
      auto a = index(op->getOperand(0));
      if (!a)
        return a.takeError();
      auto b = index(op->getOperand(1));
      if (!b)
        return b.takeError();
      --depth;
      // Build the node without folding away errors: constant operands that
      // overflow stay symbolic and fail when evaluated.
      if (isa<arith::AddIOp>(op))
        result = *a + *b;
      else if (isa<arith::SubIOp>(op))
        result = *a - *b;
      else if (isa<arith::MulIOp>(op))
        result = *a * *b;
      else if (isa<arith::MaxSIOp>(op))
        result = TileExpr::max(*a, *b);
      else if (isa<arith::MinSIOp>(op))
        result = TileExpr::min(*a, *b);
      else if (isa<arith::DivSIOp>(op))
        result = TileExpr::truncDiv(*a, *b);
      else if (isa<arith::FloorDivSIOp>(op))
        result = TileExpr::floorDiv(*a, *b);
      else if (isa<arith::CeilDivSIOp>(op))
        result = TileExpr::ceilDiv(*a, *b);
      else
        result = TileExpr::truncRem(*a, *b);
    }
  }
  indexMemo[v] = result;
  return result;
}

template <typename OpTy>
llvm::Expected<llvm::SmallVector<TileExpr, 3>>
NormalFormBuilder::params(OpTy op) {
  llvm::SmallVector<TileExpr, 3> values;
  for (OpFoldResult ofr : op.getMixedParams()) {
    if (auto attr = dyn_cast<Attribute>(ofr)) {
      values.push_back(TileExpr::constant(cast<IntegerAttr>(attr).getInt()));
      continue;
    }
    auto v = index(cast<Value>(ofr));
    if (!v)
      return v.takeError();
    values.push_back(*v);
  }
  if (!checked.count(op.getOperation())) {
    checked[op.getOperation()] = true;
    MaskNormalForm::ParamCheck check;
    check.opName = op->getName().getStringRef();
    check.names.assign(OpTy::getParamNames().begin(),
                       OpTy::getParamNames().end());
    check.values = values;
    nf.checks.push_back(std::move(check));
  }
  return values;
}

static Constraint lower(MaskVar v, TileExpr b) {
  return Constraint::make(Kind::Lower, v, std::move(b));
}
static Constraint upper(MaskVar v, TileExpr b) {
  return Constraint::make(Kind::Upper, v, std::move(b));
}
static Constraint residue(MaskVar v, TileExpr m, TileExpr lo, TileExpr hi) {
  return Constraint::make(Kind::Residue, v, std::move(lo), std::move(hi),
                          std::move(m));
}

/// A leaf parameter that bounds a distance, a position or a block size,
/// clamped to at most kParamClamp (and, for the causal offset, the one that
/// may be negative, at least -kParamClamp). On sequences of at most
/// kMaxSequenceLength tokens that changes no mask (a window wider than the
/// sequence is the whole sequence, a block longer than it is one block),
/// and it keeps every index computation derived from the parameter
/// (`q + after`, a complement's `bound + 1`, tile bounds) far from int64
/// overflow, whatever value a runtime parameter takes. Residue moduli are
/// not clamped: their meaning depends on the exact value.
static TileExpr clamped(const TileExpr &e, bool mayBeNegative = false) {
  using sparsa::runtime::kParamClamp;
  TileExpr upper = TileExpr::min(e, TileExpr::constant(kParamClamp));
  return mayBeNegative ? TileExpr::max(upper, TileExpr::constant(-kParamClamp))
                       : upper;
}

/// A negative index of an index set resolved against the sequence length.
static TileExpr resolved(int64_t x, MaskVar v) {
  if (x >= 0)
    return TileExpr::constant(x);
  TileExpr n =
      v == MaskVar::Query ? TileExpr::numQueries() : TileExpr::numKeys();
  return n + x;
}

/// The clause "var in S".
static Clause setClause(IndexSetAttr set, MaskVar v) {
  Clause c;
  if (set.getIsRange()) {
    c.constraints.push_back(lower(v, resolved(set.getLo(), v)));
    if (set.getHi())
      c.constraints.push_back(upper(v, resolved(*set.getHi(), v) - 1));
    return c;
  }
  Constraint x = Constraint::make(Kind::InSet, v);
  x.members.assign(set.getElements().begin(), set.getElements().end());
  llvm::sort(x.members);
  x.members.erase(std::unique(x.members.begin(), x.members.end()),
                  x.members.end());
  c.constraints.push_back(std::move(x));
  return c;
}

ClauseList NormalFormBuilder::negateConjunction(const ClauseList &conj) {
  // conj holds exactly one clause (a leaf); its complement is the union of
  // its constraints' complements.
  if (conj.empty())
    return ClauseList{Clause{}};
  return negateClause(conj.front());
}

llvm::Expected<ClauseList> NormalFormBuilder::leaf(Operation *op,
                                                   bool negated) {
  using V = MaskVar;
  TileExpr zero = TileExpr::constant(0);
  auto one = [&](std::initializer_list<Constraint> cs) -> ClauseList {
    Clause c;
    c.constraints.assign(cs.begin(), cs.end());
    return ClauseList{c};
  };
  llvm::Expected<ClauseList> pos =
      llvm::TypeSwitch<Operation *, llvm::Expected<ClauseList>>(op)
          .Case([&](AllOp) -> llvm::Expected<ClauseList> {
            return ClauseList{Clause{}};
          })
          .Case([&](NoneOp) -> llvm::Expected<ClauseList> {
            return ClauseList{};
          })
          .Case([&](CausalOp o) -> llvm::Expected<ClauseList> {
            auto p = params(o);
            if (!p)
              return p.takeError();
            return one({lower(
                V::Distance, zero - clamped((*p)[0], /*mayBeNegative=*/true))});
          })
          .Case([&](WindowOp o) -> llvm::Expected<ClauseList> {
            auto p = params(o);
            if (!p)
              return p.takeError();
            return one({lower(V::Distance, zero - clamped((*p)[1])),
                        upper(V::Distance, clamped((*p)[0]))});
          })
          .Case([&](StrideOp o) -> llvm::Expected<ClauseList> {
            auto p = params(o);
            if (!p)
              return p.takeError();
            return one({residue(V::Distance, (*p)[0], (*p)[1], (*p)[1] + 1)});
          })
          .Case([&](DilatedOp o) -> llvm::Expected<ClauseList> {
            auto p = params(o);
            if (!p)
              return p.takeError();
            return one(
                {lower(V::Distance, zero - clamped((*p)[1])),
                 upper(V::Distance, clamped((*p)[0])),
                 residue(V::Distance, (*p)[2], zero, TileExpr::constant(1))});
          })
          .Case([&](BlocksOp o) -> llvm::Expected<ClauseList> {
            auto p = params(o);
            if (!p)
              return p.takeError();
            Constraint lo = Constraint::make(Kind::BlockLower, V::Key),
                       hi = Constraint::make(Kind::BlockUpper, V::Key);
            lo.modulus = hi.modulus = clamped((*p)[0]);
            lo.offset = 0;
            hi.offset = 1;
            return one({lo, hi});
          })
          .Case([&](SummaryOp o) -> llvm::Expected<ClauseList> {
            auto p = params(o);
            if (!p)
              return p.takeError();
            return one({residue(V::Key, (*p)[0], (*p)[0] - (*p)[1], (*p)[0])});
          })
          .Case([&](PrefixOp o) -> llvm::Expected<ClauseList> {
            auto p = params(o);
            if (!p)
              return p.takeError();
            return one({upper(V::Key, clamped((*p)[0]) - 1)});
          })
          .Case([&](RandomBlocksOp o) -> llvm::Expected<ClauseList> {
            auto p = params(o);
            if (!p)
              return p.takeError();
            Constraint r = Constraint::make(Kind::InRandom, V::Key, (*p)[1],
                                            (*p)[2], clamped((*p)[0]));
            return one({r});
          })
          .Case([&](GlobalOp o) -> llvm::Expected<ClauseList> {
            return ClauseList{setClause(o.getSet(), V::Query),
                              setClause(o.getSet(), V::Key)};
          })
          .Case([&](GlobalRowsOp o) -> llvm::Expected<ClauseList> {
            return ClauseList{setClause(o.getSet(), V::Query)};
          })
          .Case([&](GlobalColsOp o) -> llvm::Expected<ClauseList> {
            return ClauseList{setClause(o.getSet(), V::Key)};
          })
          .Default([&](Operation *other) -> llvm::Expected<ClauseList> {
            return nfError(other->getName().getStringRef() + ": not a mask op");
          });
  if (!pos)
    return pos;
  if (!negated)
    return finish(std::move(*pos));
  // A leaf is a union of single clauses; its complement is the product of
  // the clauses' complements.
  ClauseList acc{Clause{}};
  for (const Clause &c : *pos) {
    auto next = product(acc, negateClause(c));
    if (!next)
      return next.takeError();
    acc = std::move(*next);
  }
  return acc;
}

llvm::Error NormalFormBuilder::recordChecks(Value root) {
  llvm::SmallVector<Value> work{root};
  llvm::DenseSet<Value> seen;
  while (!work.empty()) {
    Value v = work.pop_back_val();
    if (!seen.insert(v).second)
      continue;
    Operation *op = v.getDefiningOp();
    if (!op)
      continue;
    llvm::Error err =
        llvm::TypeSwitch<Operation *, llvm::Error>(op)
            .Case<CausalOp, WindowOp, StrideOp, DilatedOp, BlocksOp, SummaryOp,
                  PrefixOp, RandomBlocksOp>([&](auto o) {
              auto p = params(o);
              return p ? llvm::Error::success() : p.takeError();
            })
            .Default([&](Operation *other) {
              for (Value in : other->getOperands())
                if (isa<MaskType>(in.getType()))
                  work.push_back(in);
              return llvm::Error::success();
            });
    if (err)
      return err;
  }
  return llvm::Error::success();
}

llvm::Expected<ClauseList> NormalFormBuilder::positive(Value mask) {
  return visit(mask, false);
}
llvm::Expected<ClauseList> NormalFormBuilder::negative(Value mask) {
  return visit(mask, true);
}

llvm::Expected<ClauseList> NormalFormBuilder::visit(Value mask, bool neg) {
  if (auto it = memo[neg].find(mask); it != memo[neg].end())
    return it->second;
  Operation *op = mask.getDefiningOp();
  if (!op)
    return nfError("a mask must be defined by a mask op, not passed as an "
                   "argument");
  if (++depth > 10000)
    return nfError("mask expression nested too deeply");

  // Union of the children (or of their complements).
  auto unionOf = [&](ValueRange inputs, bool n) -> llvm::Expected<ClauseList> {
    ClauseList out;
    for (Value in : inputs) {
      auto c = visit(in, n);
      if (!c)
        return c.takeError();
      out.insert(out.end(), c->begin(), c->end());
      if (out.size() > 4ull * options.maxClauses)
        return nfError("mask normal form exceeds " + Twine(options.maxClauses) +
                       " clauses");
    }
    return finish(std::move(out));
  };
  auto intersectionOf = [&](ValueRange inputs,
                            bool n) -> llvm::Expected<ClauseList> {
    ClauseList acc{Clause{}};
    for (Value in : inputs) {
      auto c = visit(in, n);
      if (!c)
        return c.takeError();
      auto next = product(acc, *c);
      if (!next)
        return next.takeError();
      acc = std::move(*next);
      if (acc.empty())
        break;
    }
    return acc;
  };
  auto headRange = [&](int64_t lo, std::optional<int64_t> hi) {
    Clause c;
    c.constraints.push_back(lower(MaskVar::Head, TileExpr::constant(lo)));
    if (hi)
      c.constraints.push_back(upper(MaskVar::Head, TileExpr::constant(*hi)));
    return ClauseList{c};
  };

  llvm::Expected<ClauseList> result =
      llvm::TypeSwitch<Operation *, llvm::Expected<ClauseList>>(op)
          .Case([&](UnionOp o) -> llvm::Expected<ClauseList> {
            return neg ? intersectionOf(o.getInputs(), true)
                       : unionOf(o.getInputs(), false);
          })
          .Case([&](IntersectOp o) -> llvm::Expected<ClauseList> {
            return neg ? unionOf(o.getInputs(), true)
                       : intersectionOf(o.getInputs(), false);
          })
          .Case([&](DifferenceOp o) -> llvm::Expected<ClauseList> {
            if (neg) // !(A - B) = !A | B
            {
              auto a = visit(o.getLhs(), true);
              if (!a)
                return a.takeError();
              auto b = visit(o.getRhs(), false);
              if (!b)
                return b.takeError();
              ClauseList out = *a;
              out.insert(out.end(), b->begin(), b->end());
              return finish(std::move(out));
            }
            auto a = visit(o.getLhs(), false);
            if (!a)
              return a.takeError();
            if (a->empty())
              return ClauseList{};
            auto b = visit(o.getRhs(), true);
            if (!b)
              return b.takeError();
            return product(*a, *b);
          })
          .Case([&](ComplementOp o) -> llvm::Expected<ClauseList> {
            return visit(o.getInput(), !neg);
          })
          .Case([&](HeadsOp o) -> llvm::Expected<ClauseList> {
            ClauseList out;
            int64_t start = 0;
            for (auto [i, end] : llvm::enumerate(o.getEnds())) {
              auto child = visit(o.getInputs()[i], neg);
              if (!child)
                return child.takeError();
              auto part = product(headRange(start, end - 1), *child);
              if (!part)
                return part.takeError();
              out.insert(out.end(), part->begin(), part->end());
              start = end;
            }
            if (neg) // heads past the last range see nothing: their
                     // complement sees everything.
              out.push_back(headRange(start, std::nullopt).front());
            return finish(std::move(out));
          })
          .Default([&](Operation *other) -> llvm::Expected<ClauseList> {
            return leaf(other, neg);
          });
  if (!result)
    return result.takeError();
  --depth;
  memo[neg][mask] = *result;
  return result;
}

llvm::Expected<MaskNormalForm>
MaskNormalForm::build(Value mask, const NormalFormOptions &options) {
  MaskNormalForm nf;
  NormalFormBuilder b(options, nf);
  if (llvm::Error err = b.recordChecks(mask))
    return std::move(err);
  auto clauses = b.positive(mask);
  if (!clauses)
    return clauses.takeError();
  nf.clauses = std::move(*clauses);
  return std::move(nf);
}

MaskNormalForm MaskNormalForm::fromClauses(std::vector<Clause> clauses) {
  MaskNormalForm nf;
  nf.clauses = std::move(clauses);
  std::function<void(const TileExpr &)> scan = [&](const TileExpr &e) {
    if (!e)
      return;
    if (e.getKind() == TileExpr::Kind::Param)
      nf.numParams = std::max(nf.numParams, e.getParamNumber() + 1);
    if (e.getLHS()) {
      scan(e.getLHS());
      scan(e.getRHS());
    }
  };
  for (const Clause &c : nf.clauses)
    for (const Constraint &x : c.constraints) {
      scan(x.lo);
      scan(x.hi);
      scan(x.modulus);
    }
  return nf;
}

int64_t MaskNormalForm::getNumDistinctHeads() const {
  int64_t n = 0;
  for (const Clause &c : clauses)
    for (const Constraint &x : c.constraints)
      if (x.var == MaskVar::Head)
        if (auto v = x.lo.getConstant())
          n = std::max(n, (x.kind == Kind::Upper ? *v + 1 : *v));
  return n;
}

void MaskNormalForm::print(llvm::raw_ostream &os) const {
  if (clauses.empty()) {
    os << "none\n";
    return;
  }
  for (auto [i, c] : llvm::enumerate(clauses)) {
    os << "clause " << i << ": ";
    c.print(os);
    os << "\n";
  }
}

llvm::Expected<MaskNormalForm>
sparsa::analysis::subtractNormalForms(const MaskNormalForm &a,
                                      const MaskNormalForm &b,
                                      const NormalFormOptions &options) {
  MaskNormalForm scratch;
  NormalFormBuilder builder(options, scratch);
  ClauseList acc(a.clauses.begin(), a.clauses.end());
  for (const Clause &c : b.clauses) {
    if (acc.empty())
      break;
    auto next = builder.product(acc, NormalFormBuilder::negateClause(c));
    if (!next)
      return next.takeError();
    acc = std::move(*next);
  }
  MaskNormalForm out = MaskNormalForm::fromClauses(std::move(acc));
  out.checks = a.checks;
  out.checks.insert(out.checks.end(), b.checks.begin(), b.checks.end());
  out.numParams = std::max({out.numParams, a.numParams, b.numParams});
  return std::move(out);
}
