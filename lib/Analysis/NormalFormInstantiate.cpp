//===- NormalFormInstantiate.cpp - binding the normal form ----------------===//
//
// Binds a symbolic normal form to sequence lengths and runtime parameter
// values in one pass over its constraints, validating the parameters like
// the reference evaluator, and evaluates concrete clauses point by point.
//
//===----------------------------------------------------------------------===//

#include "dialects/Mask/IR/IndexSets.h"
#include "lib/Analysis/MaskNormalForm.h"

#include "dialects/Mask/IR/MaskParams.h"
#include "dialects/Mask/IR/RandomBlocks.h"

#include <algorithm>

using namespace sparsa::analysis;
using Kind = Constraint::Kind;

static llvm::Error instError(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

/// Members of an index set resolved against n: negative ones count from the
/// end; those outside [0, n) are dropped.

llvm::Expected<ConcreteNormalForm>
MaskNormalForm::instantiate(int64_t numQueries, int64_t numKeys,
                            llvm::ArrayRef<int64_t> args) const {
  if (numQueries < 0 || numKeys < 0)
    return instError("sequence lengths must be non-negative, got " +
                     llvm::Twine(numQueries) + " and " + llvm::Twine(numKeys));
  TileEnv env{0, numQueries, numKeys, args};
  for (const ParamCheck &check : checks) {
    llvm::SmallVector<std::optional<int64_t>, 3> values;
    for (const TileExpr &e : check.values) {
      auto v = evaluate(e, env);
      if (!v)
        return instError(check.opName + ": " + llvm::toString(v.takeError()));
      values.push_back(*v);
    }
    std::string err =
        sparsa::mask::checkMaskParams(check.opName, check.names, values);
    if (!err.empty())
      return instError(check.opName + ": " + err);
  }
  for (unsigned j = 0; j < numParams; ++j)
    if (j >= args.size())
      return instError("no value given for runtime parameter #" +
                       llvm::Twine(j));

  // Constraint bounds combine validated parameters with the analysis' own
  // arithmetic (negation, +1): saturating evaluation is exact within the
  // domain, whose indices are far from the int64 limits.
  auto val = [&](const TileExpr &e) { return CompiledTileExpr(e, env)(0); };

  ConcreteNormalForm out;
  out.nq = numQueries;
  out.nk = numKeys;
  for (auto [index, clause] : llvm::enumerate(clauses)) {
    ConcreteClause cc;
    cc.source = index;
    cc.qHi = numQueries - 1;
    cc.kHi = numKeys - 1;
    bool empty = false;
    for (const Constraint &x : clause.constraints) {
      switch (x.kind) {
      case Kind::Lower:
      case Kind::Upper: {
        int64_t v = val(x.lo);
        int64_t *lo = nullptr, *hi = nullptr;
        switch (x.var) {
        case MaskVar::Head:
          lo = &cc.hLo;
          hi = &cc.hHi;
          break;
        case MaskVar::Query:
          lo = &cc.qLo;
          hi = &cc.qHi;
          break;
        case MaskVar::Key:
          lo = &cc.kLo;
          hi = &cc.kHi;
          break;
        case MaskVar::Distance:
          lo = &cc.dLo;
          hi = &cc.dHi;
          break;
        }
        if (x.kind == Kind::Lower)
          *lo = std::max(*lo, v);
        else
          *hi = std::min(*hi, v);
        break;
      }
      case Kind::Residue: {
        int64_t m = val(x.modulus);
        if (m < 1)
          return instError("modulus must be positive, got " + llvm::Twine(m));
        int64_t lo = std::clamp<int64_t>(val(x.lo), 0, m);
        int64_t hi = std::clamp<int64_t>(val(x.hi), 0, m);
        if (lo >= hi)
          empty = true;
        else if (lo > 0 || hi < m)
          cc.residues.push_back({x.var, m, lo, hi});
        break;
      }
      case Kind::InSet:
      case Kind::NotInSet: {
        auto members = sparsa::mask::resolveIndexList(
            x.members, x.var == MaskVar::Query ? numQueries : numKeys);
        if (x.kind == Kind::InSet && members.empty())
          empty = true;
        else if (!members.empty())
          cc.sets.push_back(
              {x.var, x.kind == Kind::NotInSet, std::move(members)});
        break;
      }
      case Kind::BlockLower:
      case Kind::BlockUpper: {
        int64_t b = val(x.modulus);
        if (b < 1)
          return instError("block size must be positive, got " +
                           llvm::Twine(b));
        cc.blocks.push_back({x.kind == Kind::BlockUpper, b, x.offset});
        break;
      }
      case Kind::InRandom:
      case Kind::NotInRandom: {
        int64_t b = val(x.modulus), count = val(x.lo);
        if (b < 1)
          return instError("block size must be positive, got " +
                           llvm::Twine(b));
        bool negated = x.kind == Kind::NotInRandom;
        // The blocks of the drawn side: key blocks, or query blocks for the
        // transposed draw.
        int64_t n = x.var == MaskVar::Query ? numQueries : numKeys;
        int64_t numBlocks = n / b + (n % b != 0);
        if (count <= 0 || numBlocks == 0) {
          if (!negated)
            empty = true;
          break;
        }
        if (count >= numBlocks) { // every block is drawn
          if (negated)
            empty = true;
          break;
        }
        cc.randoms.push_back({negated, x.var, b, count, numBlocks,
                              static_cast<uint64_t>(val(x.hi))});
        break;
      }
      }
      if (empty)
        break;
    }
    if (!empty && !cc.isEmpty())
      out.clauses.push_back(std::move(cc));
  }
  return std::move(out);
}

bool ConcreteClause::isEmpty() const {
  if (hLo > hHi || qLo > qHi || kLo > kHi || dLo > dHi)
    return true;
  return std::max(dLo, satSub(qLo, kHi)) > std::min(dHi, satSub(qHi, kLo));
}

static bool inResidue(int64_t value, int64_t m, int64_t lo, int64_t hi) {
  int64_t r = modInt(value, m);
  return lo <= r && r < hi;
}

bool ConcreteClause::rowAdmits(int64_t h, int64_t q) const {
  if (h < hLo || h > hHi || q < qLo || q > qHi)
    return false;
  for (const Residue &r : residues)
    if (r.var == MaskVar::Query && !inResidue(q, r.modulus, r.lo, r.hi))
      return false;
  for (const Set &s : sets)
    if (s.var == MaskVar::Query &&
        std::binary_search(s.members.begin(), s.members.end(), q) == s.negated)
      return false;
  return true;
}

std::pair<int64_t, int64_t> ConcreteClause::keyInterval(int64_t q) const {
  if (q < qLo || q > qHi)
    return {0, -1};
  int64_t lo = std::max(kLo, satSub(q, dHi));
  int64_t hi = std::min(kHi, satSub(q, dLo));
  for (const Block &b : blocks) {
    int64_t bound = satMul(b.size, satAdd(floorDivInt(q, b.size), b.offset));
    if (b.upper)
      hi = std::min(hi, satSub(bound, 1));
    else
      lo = std::max(lo, bound);
  }
  return {lo, hi};
}

bool ConcreteClause::allows(int64_t h, int64_t q, int64_t k) const {
  if (!rowAdmits(h, q))
    return false;
  auto [lo, hi] = keyInterval(q);
  if (k < lo || k > hi)
    return false;
  for (const Residue &r : residues) {
    if (r.var == MaskVar::Query)
      continue;
    int64_t v = r.var == MaskVar::Key ? k : q - k;
    if (!inResidue(v, r.modulus, r.lo, r.hi))
      return false;
  }
  for (const Set &s : sets)
    if (s.var == MaskVar::Key &&
        std::binary_search(s.members.begin(), s.members.end(), k) == s.negated)
      return false;
  for (const Random &r : randoms)
    if (r.holds(q, k) == r.negated)
      return false;
  return true;
}

bool ConcreteClause::Random::holds(int64_t q, int64_t k) const {
  bool byKey = drawn == MaskVar::Query;
  int64_t from = (byKey ? k : q) / block, to = (byKey ? q : k) / block;
  std::vector<int64_t> blocks =
      sparsa::mask::drawRandomBlocks(seed, from, numBlocks, count);
  return std::binary_search(blocks.begin(), blocks.end(), to);
}

bool ConcreteNormalForm::evaluate(int64_t h, int64_t q, int64_t k) const {
  if (h < 0 || q < 0 || q >= nq || k < 0 || k >= nk)
    return false;
  for (const ConcreteClause &c : clauses)
    if (c.allows(h, q, k))
      return true;
  return false;
}
