//===- SAttnUtils.cpp - IR helpers shared by sattn passes and backends ----===//

#include "dialects/SAttn/IR/SAttnUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace sparsa::sattn;

TokenMapAttr sparsa::sattn::getOrIdentity(MLIRContext *ctx, TokenMapAttr map) {
  if (map)
    return map;
  return TokenMapAttr::get(ctx, TokenMapKind::identity, 1, 0, {});
}

namespace {

/// Resolved members of a member_gather map: values and validity (in range
/// and not a duplicate of an earlier member).
void resolveMembers(IndexArith &m, ArrayRef<int64_t> members, Value n,
                    SmallVectorImpl<Value> &values,
                    SmallVectorImpl<Value> &valid) {
  using P = arith::CmpIPredicate;
  for (int64_t e : members) {
    Value r = e < 0 ? m.add(n, m.c(e)) : m.c(e);
    Value ok = m.andi(m.cmp(P::sge, r, m.c(0)), m.cmp(P::slt, r, n));
    for (Value prev : values)
      ok = m.andi(ok, m.cmp(P::ne, prev, r));
    values.push_back(r);
    valid.push_back(ok);
  }
}
} // namespace

Value sparsa::sattn::emitSpaceSize(OpBuilder &b, Location loc, TokenMapAttr map,
                                   Value n, int64_t tile) {
  IndexArith m{b, loc};
  switch (map.getKind()) {
  case TokenMapKind::identity:
    return n;
  case TokenMapKind::residue: {
    Value period = m.c(map.getPeriod());
    Value stride = m.mul(m.ceilDiv(m.ceilDiv(n, period), m.c(tile)), m.c(tile));
    return m.mul(period, stride);
  }
  case TokenMapKind::summary_gather: {
    // (n div p) * c + clamp(n mod p - (p - c), 0, c)
    int64_t p = map.getPeriod(), c = map.getCount();
    Value full = m.mul(m.floorDiv(n, m.c(p)), m.c(c));
    Value tail = m.sub(m.floorMod(n, m.c(p)), m.c(p - c));
    return m.add(full, m.min(m.max(tail, m.c(0)), m.c(c)));
  }
  case TokenMapKind::member_gather: {
    SmallVector<Value> values, valid;
    resolveMembers(m, map.getMembers(), n, values, valid);
    Value count = m.c(0);
    for (Value ok : valid)
      count = m.add(count, m.sel(ok, m.c(1), m.c(0)));
    return count;
  }
  }
  return n;
}

std::pair<Value, Value> sparsa::sattn::emitTokenAt(OpBuilder &b, Location loc,
                                                   TokenMapAttr map, Value pos,
                                                   Value n, int64_t tile) {
  using P = arith::CmpIPredicate;
  IndexArith m{b, loc};
  switch (map.getKind()) {
  case TokenMapKind::identity:
    return {pos, m.cmp(P::slt, pos, n)};
  case TokenMapKind::residue: {
    Value period = m.c(map.getPeriod());
    Value stride = m.mul(m.ceilDiv(m.ceilDiv(n, period), m.c(tile)), m.c(tile));
    Value cls = m.floorDiv(pos, stride), idx = m.floorMod(pos, stride);
    Value token = m.add(m.mul(idx, period), cls);
    return {token, m.andi(m.cmp(P::slt, cls, period), m.cmp(P::slt, token, n))};
  }
  case TokenMapKind::summary_gather: {
    int64_t p = map.getPeriod(), c = map.getCount();
    Value token = m.add(m.mul(m.floorDiv(pos, m.c(c)), m.c(p)),
                        m.add(m.c(p - c), m.floorMod(pos, m.c(c))));
    return {token, m.cmp(P::slt, token, n)};
  }
  case TokenMapKind::member_gather: {
    // Position g holds the member whose rank among valid members is g.
    SmallVector<Value> values, valid;
    resolveMembers(m, map.getMembers(), n, values, valid);
    Value token = m.c(0), found = m.cmp(P::ne, m.c(0), m.c(0));
    for (auto [i, r] : llvm::enumerate(values)) {
      Value rank = m.c(0);
      for (auto [j, other] : llvm::enumerate(values))
        if (i != j)
          rank = m.add(rank, m.sel(m.andi(valid[j], m.cmp(P::slt, other, r)),
                                   m.c(1), m.c(0)));
      Value here = m.andi(valid[i], m.cmp(P::eq, rank, pos));
      token = m.sel(here, r, token);
      found = m.ori(found, here);
    }
    return {token, found};
  }
  }
  return {pos, m.cmp(P::slt, pos, n)};
}

std::pair<SmallVector<Value>, Value>
sparsa::sattn::emitRandomDraw(OpBuilder &b, Location loc, int64_t seed,
                              int64_t count, Value queryBlock,
                              Value numKeyBlocks) {
  using P = arith::CmpIPredicate;
  IndexArith m{b, loc};
  Type i64 = b.getI64Type();
  auto c64 = [&](uint64_t v) {
    return arith::ConstantIntOp::create(b, loc, i64, static_cast<int64_t>(v))
        .getResult();
  };
  auto toI64 = [&](Value v) {
    return arith::IndexCastOp::create(b, loc, i64, v).getResult();
  };
  auto xorI = [&](Value x, Value y) {
    return arith::XOrIOp::create(b, loc, x, y).getResult();
  };
  auto shr = [&](Value x, int64_t s) {
    return arith::ShRUIOp::create(b, loc, x, c64(s)).getResult();
  };
  auto mulI = [&](Value x, Value y) {
    return arith::MulIOp::create(b, loc, x, y).getResult();
  };
  auto addI = [&](Value x, Value y) {
    return arith::AddIOp::create(b, loc, x, y).getResult();
  };
  // SplitMix64's finalizer, as in RandomBlocks.h (all arithmetic mod 2^64).
  auto mix = [&](Value z) {
    z = mulI(xorI(z, shr(z, 30)), c64(0xbf58476d1ce4e5b9ULL));
    z = mulI(xorI(z, shr(z, 27)), c64(0x94d049bb133111ebULL));
    return xorI(z, shr(z, 31));
  };
  Value h = mix(c64(static_cast<uint64_t>(seed) + 0x9e3779b97f4a7c15ULL));
  h = mix(xorI(h, mulI(toI64(queryBlock), c64(0x9e3779b97f4a7c15ULL))));

  Value all = m.cmp(P::sge, m.c(count), numKeyBlocks);
  SmallVector<Value> drawn;
  for (int64_t i = 0; i < count; ++i) {
    // j = numKeyBlocks - count + i; t = hash(j) mod (j + 1), taken -> j.
    Value j = m.add(m.sub(numKeyBlocks, m.c(count)), m.c(i));
    Value jSafe = m.max(j, m.c(0)); // j < 0 only when every block is drawn
    Value hj = mix(xorI(h, addI(toI64(jSafe), c64(0x632be59bd9b4e019ULL))));
    Value mod = arith::RemUIOp::create(b, loc, hj, toI64(m.add(jSafe, m.c(1))));
    Value t = arith::IndexCastOp::create(b, loc, b.getIndexType(), mod);
    Value taken = m.cmp(P::ne, m.c(0), m.c(0));
    for (Value prev : drawn)
      taken = m.ori(taken, m.cmp(P::eq, prev, t));
    drawn.push_back(m.sel(taken, jSafe, t));
  }
  return {drawn, all};
}

void sparsa::sattn::recordAttentions(ModuleOp module) {
  SmallVector<NamedAttribute> entries;
  if (auto old = module->getAttrOfType<DictionaryAttr>(kAttentionsAttrName))
    entries.append(old.begin(), old.end());
  OpBuilder b(module.getContext());
  for (auto op : llvm::to_vector(module.getOps<AttentionOp>())) {
    SmallVector<Attribute> parts;
    for (auto ref : op.getParts().getAsRange<FlatSymbolRefAttr>())
      parts.push_back(b.getStringAttr(ref.getValue()));
    entries.push_back(b.getNamedAttr(op.getSymName(), b.getArrayAttr(parts)));
    op.erase();
  }
  if (!entries.empty())
    module->setAttr(kAttentionsAttrName, b.getDictionaryAttr(entries));
}
