//===- NormalFormPredicate.cpp - a normal form as arith code --------------===//
//
// A union of clauses becomes an OR of ANDs; each constraint kind has a
// direct arith spelling. Random-blocks membership uses the straight-line
// draw shared with the schedule expansion (SAttnUtils.h).
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/MaskToSAttn/NormalFormPredicate.h"

#include "dialects/SAttn/IR/SAttnDialect.h"
#include "dialects/SAttn/IR/SAttnUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace sparsa;
using namespace sparsa::analysis;
using P = arith::CmpIPredicate;

namespace {
class PredicateEmitter {
public:
  PredicateEmitter(OpBuilder &b, Location loc, const PredicateOperands &ops)
      : b(b), loc(loc), ops(ops) {}

  FailureOr<Value> clause(const Clause &c) {
    Value all = boolean(true);
    for (const Constraint &k : c.constraints) {
      FailureOr<Value> v = constraint(k);
      if (failed(v))
        return failure();
      all = arith::AndIOp::create(b, loc, all, *v);
    }
    return all;
  }

  Value boolean(bool v) {
    return arith::ConstantIntOp::create(b, loc, v ? 1 : 0, 1);
  }

private:
  Value c(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value cmp(P p, Value x, Value y) {
    return arith::CmpIOp::create(b, loc, p, x, y);
  }
  Value notI(Value x) {
    return arith::XOrIOp::create(b, loc, x, boolean(true));
  }
  Value expr(const TileExpr &e) {
    TileExprOperands o;
    o.numQueries = ops.numQueries;
    o.numKeys = ops.numKeys;
    o.params = ops.params;
    return emitTileExpr(b, loc, e, o);
  }
  Value var(MaskVar v) {
    switch (v) {
    case MaskVar::Head:
      return ops.head;
    case MaskVar::Query:
      return ops.query;
    case MaskVar::Key:
      return ops.key;
    case MaskVar::Distance:
      return arith::SubIOp::create(b, loc, ops.query, ops.key);
    }
    return ops.query;
  }
  Value floorMod(Value x, Value m) {
    Value q = arith::FloorDivSIOp::create(b, loc, x, m);
    return arith::SubIOp::create(b, loc, x,
                                 arith::MulIOp::create(b, loc, m, q));
  }
  Value inSet(const Constraint &k) {
    Value x = var(k.var);
    Value n = k.var == MaskVar::Query ? ops.numQueries : ops.numKeys;
    Value any = boolean(false);
    for (int64_t m : k.members) {
      // Resolved members outside [0, N) never equal x, which is inside.
      Value r =
          m < 0 ? arith::AddIOp::create(b, loc, n, c(m)).getResult() : c(m);
      any = arith::OrIOp::create(b, loc, any, cmp(P::eq, x, r));
    }
    return any;
  }
  FailureOr<Value> inRandom(const Constraint &k) {
    std::optional<int64_t> count = k.lo.getConstant();
    std::optional<int64_t> seed = k.hi.getConstant();
    if (!count || !seed) {
      emitError(loc) << "random_blocks count and seed must be compile-time "
                        "constants for code generation";
      return failure();
    }
    if (*count > sattn::KernelOp::kMaxRandomCount) {
      emitError(loc) << "random_blocks count " << *count
                     << " exceeds the supported maximum "
                     << sattn::KernelOp::kMaxRandomCount;
      return failure();
    }
    Value block = expr(k.modulus);
    Value qb = arith::FloorDivSIOp::create(b, loc, ops.query, block);
    Value kb = arith::FloorDivSIOp::create(b, loc, ops.key, block);
    // Key blocks drawn for the query block, or (var Q, the transpose)
    // query blocks drawn for the key block.
    bool byKey = k.var == MaskVar::Query;
    Value n = byKey ? ops.numQueries : ops.numKeys;
    Value numBlocks = arith::CeilDivSIOp::create(b, loc, n, block);
    auto [drawn, all] = sattn::emitRandomDraw(b, loc, *seed, *count,
                                              byKey ? kb : qb, numBlocks);
    Value hit = all;
    for (Value d : drawn)
      hit = arith::OrIOp::create(b, loc, hit, cmp(P::eq, byKey ? qb : kb, d));
    return hit;
  }
  FailureOr<Value> constraint(const Constraint &k) {
    switch (k.kind) {
    case Constraint::Kind::Lower:
      return cmp(P::sge, var(k.var), expr(k.lo));
    case Constraint::Kind::Upper:
      return cmp(P::sle, var(k.var), expr(k.lo));
    case Constraint::Kind::Residue: {
      Value r = floorMod(var(k.var), expr(k.modulus));
      return Value(arith::AndIOp::create(b, loc, cmp(P::sge, r, expr(k.lo)),
                                         cmp(P::slt, r, expr(k.hi))));
    }
    case Constraint::Kind::InSet:
      return inSet(k);
    case Constraint::Kind::NotInSet:
      return notI(inSet(k));
    case Constraint::Kind::BlockLower:
    case Constraint::Kind::BlockUpper: {
      Value m = expr(k.modulus);
      Value start = arith::MulIOp::create(
          b, loc, m,
          arith::AddIOp::create(
              b, loc, arith::FloorDivSIOp::create(b, loc, ops.query, m),
              c(k.offset)));
      return k.kind == Constraint::Kind::BlockLower
                 ? cmp(P::sge, ops.key, start)
                 : cmp(P::slt, ops.key, start);
    }
    case Constraint::Kind::InRandom:
      return inRandom(k);
    case Constraint::Kind::NotInRandom: {
      FailureOr<Value> in = inRandom(k);
      if (failed(in))
        return failure();
      return notI(*in);
    }
    }
    return failure();
  }

  OpBuilder &b;
  Location loc;
  const PredicateOperands &ops;
};
} // namespace

FailureOr<Value>
sparsa::emitNormalFormPredicate(OpBuilder &b, Location loc,
                                const MaskNormalForm &nf,
                                const PredicateOperands &operands) {
  PredicateEmitter e(b, loc, operands);
  Value any = e.boolean(false);
  for (const Clause &c : nf.getClauses()) {
    FailureOr<Value> v = e.clause(c);
    if (failed(v))
      return failure();
    any = arith::OrIOp::create(b, loc, any, *v);
  }
  return any;
}
