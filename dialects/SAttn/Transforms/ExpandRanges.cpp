//===- ExpandRanges.cpp - the sattn-expand-ranges pass --------------------===//
//
// Lowers the declarative key-tile ranges of a schedule to an imperative
// sweep over their union. Each range kind contributes a closed-form "first
// tile at or after the cursor" function; the sweep visits the minimum over
// all ranges, so overlapping ranges visit a tile once and tiles outside all
// ranges cost nothing.
//
//===----------------------------------------------------------------------===//

#include "dialects/SAttn/IR/SAttnDialect.h"
#include "dialects/SAttn/IR/SAttnUtils.h"
#include "dialects/SAttn/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"

namespace sparsa::sattn {
#define GEN_PASS_DEF_SATTNEXPANDRANGES
#include "dialects/SAttn/Transforms/Passes.h.inc"
} // namespace sparsa::sattn

using namespace mlir;
using namespace sparsa::sattn;
using P = arith::CmpIPredicate;

namespace {

/// What the sweep needs of the kernel.
struct SweepContext {
  Value qt, nq, nk;
  Value numKeyTiles; // also the "no tile" sentinel
  int64_t blockQ, blockK;
};

class Expander {
public:
  Expander(KernelOp kernel) : kernel(kernel) {}
  LogicalResult run();

private:
  /// First tile >= cur of one range (numKeyTiles if none), emitted at the
  /// builder's insertion point.
  Value next(IndexArith &m, Operation *range, Value cur);
  /// next() of a `by_key` random range: the key blocks from the cursor on,
  /// each with its draw, until one holds a query block of [qbLo, qbHi).
  Value nextByKey(IndexArith &m, RandomRangeOp r, Value lo, Value hi, Value cur,
                  Value qbLo, Value qbHi);

  KernelOp kernel;
  SweepContext ctx;
  // Loop-invariant bounds clipped to [0, numKeyTiles), by range op.
  llvm::DenseMap<Operation *, std::pair<Value, Value>> bounds;
  // Tiles of the members of member ranges, with their validity.
  llvm::DenseMap<Operation *, SmallVector<std::pair<Value, Value>>> members;
};
} // namespace

Value Expander::next(IndexArith &m, Operation *range, Value cur) {
  auto [lo, hi] = bounds.lookup(range);
  Value none = ctx.numKeyTiles;
  Value from = m.max(cur, lo);
  // Every tile of [lo, hi): the plain range (either class).
  if (isa<RangeOp>(range))
    return m.sel(m.cmp(P::slt, from, hi), from, none);

  if (auto r = dyn_cast<PeriodicRangeOp>(range)) {
    // The first key k >= from * BK with rlo <= k mod p < rhi.
    Value p = r.getPeriod(), rlo = r.getResLo(), rhi = r.getResHi();
    Value k0 = m.mul(from, m.c(ctx.blockK));
    Value res = m.floorMod(k0, p);
    Value inside = m.andi(m.cmp(P::sge, res, rlo), m.cmp(P::slt, res, rhi));
    Value below = m.cmp(P::slt, res, rlo);
    Value k = m.sel(inside, k0,
                    m.sel(below, m.add(k0, m.sub(rlo, res)),
                          m.add(m.add(k0, m.sub(p, res)), rlo)));
    Value t = m.floorDiv(k, m.c(ctx.blockK));
    Value ok = m.andi(m.cmp(P::slt, t, hi), m.cmp(P::slt, rlo, rhi));
    return m.sel(ok, t, none);
  }

  if (isa<MemberRangeOp>(range)) {
    Value best = none;
    for (auto [tile, valid] : members.lookup(range)) {
      Value ok = m.andi(
          valid, m.andi(m.cmp(P::sge, tile, from), m.cmp(P::slt, tile, hi)));
      best = m.min(best, m.sel(ok, tile, none));
    }
    return best;
  }

  // Random blocks: the query blocks of this query tile, each with its draw.
  auto r = cast<RandomRangeOp>(range);
  Value b = r.getBlock();
  Value rowLo = m.mul(ctx.qt, m.c(ctx.blockQ));
  Value rowHi = m.min(m.add(rowLo, m.c(ctx.blockQ)), ctx.nq);
  Value qbLo = m.floorDiv(rowLo, b);
  Value qbHi = m.ceilDiv(rowHi, b);
  if (r.getByKey())
    return nextByKey(m, r, lo, hi, cur, qbLo, qbHi);
  Value numKeyBlocks = m.ceilDiv(ctx.nk, b);
  auto loop = scf::ForOp::create(
      m.b, m.loc, qbLo, qbHi, m.c(1), ValueRange{none},
      [&](OpBuilder &ob, Location loc, Value qb, ValueRange iter) {
        IndexArith in{ob, loc};
        auto [drawn, all] = emitRandomDraw(
            ob, loc, static_cast<int64_t>(r.getSeed()),
            static_cast<int64_t>(r.getCount()), qb, numKeyBlocks);
        Value best = iter[0];
        // Every block drawn: every tile of the range qualifies.
        best = in.min(
            best, in.sel(in.andi(all, in.cmp(P::slt, from, hi)), from, none));
        for (Value kb : drawn) {
          Value tlo = in.floorDiv(in.mul(kb, b), in.c(ctx.blockK));
          Value thi =
              in.ceilDiv(in.mul(in.add(kb, in.c(1)), b), in.c(ctx.blockK));
          Value cand = in.max(from, tlo);
          Value ok = in.andi(
              in.cmp(P::slt, cand, in.min(thi, hi)),
              arith::XOrIOp::create(
                  ob, loc, all, arith::ConstantIntOp::create(ob, loc, 1, 1)));
          best = in.min(best, in.sel(ok, cand, none));
        }
        scf::YieldOp::create(ob, loc, best);
      });
  return loop.getResult(0);
}

Value Expander::nextByKey(IndexArith &m, RandomRangeOp r, Value lo, Value hi,
                          Value cur, Value qbLo, Value qbHi) {
  Value none = ctx.numKeyTiles;
  Value b = r.getBlock();
  Value bk = m.c(ctx.blockK);
  Value from = m.max(cur, lo);
  Value numQueryBlocks = m.ceilDiv(ctx.nq, b);
  Value kbFirst = m.floorDiv(m.mul(from, bk), b);
  Value kbEnd = m.ceilDiv(m.min(m.mul(hi, bk), ctx.nk), b);
  Type index = m.b.getIndexType();
  auto loop = scf::WhileOp::create(m.b, m.loc, TypeRange{index, index},
                                   ValueRange{kbFirst, none});
  {
    OpBuilder::InsertionGuard guard(m.b);
    Block *before =
        m.b.createBlock(&loop.getBefore(), {}, {index, index}, {m.loc, m.loc});
    IndexArith in{m.b, m.loc};
    Value kb = before->getArgument(0), found = before->getArgument(1);
    Value more = in.andi(in.cmp(P::slt, kb, kbEnd), in.cmp(P::eq, found, none));
    scf::ConditionOp::create(m.b, m.loc, more, before->getArguments());
    Block *after =
        m.b.createBlock(&loop.getAfter(), {}, {index, index}, {m.loc, m.loc});
    kb = after->getArgument(0);
    auto [drawn, all] =
        emitRandomDraw(m.b, m.loc, static_cast<int64_t>(r.getSeed()),
                       static_cast<int64_t>(r.getCount()), kb, numQueryBlocks);
    Value hit = all;
    for (Value d : drawn)
      hit = in.ori(hit,
                   in.andi(in.cmp(P::sge, d, qbLo), in.cmp(P::slt, d, qbHi)));
    Value cand = in.max(from, in.floorDiv(in.mul(kb, b), bk));
    Value thi = in.ceilDiv(in.mul(in.add(kb, in.c(1)), b), bk);
    Value ok = in.andi(hit, in.cmp(P::slt, cand, in.min(thi, hi)));
    scf::YieldOp::create(
        m.b, m.loc, ValueRange{in.add(kb, in.c(1)), in.sel(ok, cand, none)});
  }
  return loop.getResult(1);
}

LogicalResult Expander::run() {
  Block &block = kernel.getScheduleBlock();
  SmallVector<Operation *> ranges;
  for (Operation &op : block)
    if (isa<KeyTileRangeOpInterface>(op))
      ranges.push_back(&op);
  if (ranges.empty())
    return success();
  TilingAttr tiling = kernel.getTilingAttr();
  if (!tiling)
    return kernel.emitOpError()
           << "needs a tiling (run sparsa-select-tiling) before its ranges "
              "can be expanded";
  MLIRContext *mctx = kernel.getContext();
  TokenMapAttr qmap = getOrIdentity(mctx, kernel.getQueryMapAttr());
  TokenMapAttr kmap = getOrIdentity(mctx, kernel.getKeyMapAttr());
  for (Operation *op : ranges)
    if (isa<RandomRangeOp>(op) && (qmap.getKind() != TokenMapKind::identity ||
                                   kmap.getKind() != TokenMapKind::identity))
      return op->emitOpError()
             << "needs the identity token maps: random blocks are drawn in "
                "token order";

  OpBuilder builder(block.getTerminator());
  Location loc = kernel.getLoc();
  IndexArith m{builder, loc};
  ctx.qt = block.getArgument(0);
  ctx.nq = block.getArgument(2);
  ctx.nk = block.getArgument(3);
  ctx.blockQ = tiling.getBlockQ();
  ctx.blockK = tiling.getBlockK();
  ctx.numKeyTiles = m.ceilDiv(
      emitSpaceSize(builder, loc, kmap, ctx.nk, ctx.blockK), m.c(ctx.blockK));

  for (Operation *op : ranges) {
    auto range = cast<KeyTileRangeOpInterface>(op);
    Value lo = m.max(range.getLo(), m.c(0));
    Value hi = m.min(range.getHi(), ctx.numKeyTiles);
    bounds[op] = {lo, hi};
    if (auto mr = dyn_cast<MemberRangeOp>(op)) {
      auto &list = members[op];
      for (int64_t e : mr.getMembers()) {
        Value r = e < 0 ? m.add(ctx.nk, m.c(e)) : m.c(e);
        Value valid =
            m.andi(m.cmp(P::sge, r, m.c(0)), m.cmp(P::slt, r, ctx.nk));
        list.push_back({m.floorDiv(r, m.c(ctx.blockK)), valid});
      }
    }
  }

  // while (kt = min over ranges of next(cursor)) < numKeyTiles: visit kt.
  Type indexTy = builder.getIndexType();
  auto loop = scf::WhileOp::create(builder, loc, TypeRange{indexTy},
                                   ValueRange{m.c(0)});
  {
    Block *before =
        builder.createBlock(&loop.getBefore(), {}, {indexTy}, {loc});
    OpBuilder::InsertionGuard g(builder);
    builder.setInsertionPointToStart(before);
    IndexArith in{builder, loc};
    Value cur = before->getArgument(0);
    Value best = ctx.numKeyTiles;
    for (Operation *op : ranges)
      best = in.min(best, next(in, op, cur));
    scf::ConditionOp::create(
        builder, loc, in.cmp(P::slt, best, ctx.numKeyTiles), ValueRange{best});
  }
  {
    Block *after = builder.createBlock(&loop.getAfter(), {}, {indexTy}, {loc});
    OpBuilder::InsertionGuard g(builder);
    builder.setInsertionPointToStart(after);
    IndexArith in{builder, loc};
    Value kt = after->getArgument(0);
    Value full = arith::ConstantIntOp::create(builder, loc, 0, 1);
    for (Operation *op : ranges) {
      if (cast<KeyTileRangeOpInterface>(op).getTileClass() != TileClass::full)
        continue;
      auto [lo, hi] = bounds.lookup(op);
      full =
          in.ori(full, in.andi(in.cmp(P::sge, kt, lo), in.cmp(P::slt, kt, hi)));
    }
    scf::IfOp::create(
        builder, loc, full,
        [&](OpBuilder &ob, Location l) {
          VisitOp::create(ob, l, kt, TileClass::full);
          scf::YieldOp::create(ob, l);
        },
        [&](OpBuilder &ob, Location l) {
          VisitOp::create(ob, l, kt, TileClass::partial);
          scf::YieldOp::create(ob, l);
        });
    scf::YieldOp::create(builder, loc, ValueRange{in.add(kt, in.c(1))});
  }
  for (Operation *op : ranges)
    op->erase();
  return success();
}

namespace {
struct SAttnExpandRangesPass
    : public sparsa::sattn::impl::SAttnExpandRangesBase<SAttnExpandRangesPass> {
  void runOnOperation() override {
    WalkResult r = getOperation()->walk([](KernelOp k) {
      return failed(Expander(k).run()) ? WalkResult::interrupt()
                                       : WalkResult::advance();
    });
    if (r.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
