//===- ConvertMaskToSAttn.cpp - the convert-mask-to-sattn pass ------------===//
//
// From a mask pattern function to sattn kernels: the normal form, layout plan
// and symbolic tile classification (lib/Analysis) decide everything; this
// pass only spells their closed forms as IR. Per layout part: the schedule
// states each clause's FULL range and refined PARTIAL span with `arith`
// bounds in the query-tile index, and the predicate is the part's mask.
//
//===----------------------------------------------------------------------===//

#include "dialects/Mask/IR/MaskDialect.h"
#include "dialects/SAttn/IR/SAttnDialect.h"
#include "lib/Analysis/LayoutPlan.h"
#include "lib/Analysis/MaskNormalForm.h"
#include "lib/Analysis/TileClassification.h"
#include "lib/Conversion/MaskToSAttn/NormalFormPredicate.h"
#include "lib/Conversion/MaskToSAttn/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"

namespace sparsa {
#define GEN_PASS_DEF_CONVERTMASKTOSATTN
#include "lib/Conversion/MaskToSAttn/Passes.h.inc"
} // namespace sparsa

using namespace mlir;
using namespace sparsa;
using namespace sparsa::analysis;
using sattn::TokenMapAttr;
using sattn::TokenMapKind;

namespace {
struct PatternInfo {
  func::FuncOp fn;
  Value mask;
  sattn::TilingAttr tiling;
  SmallVector<Attribute> paramNames;
};

TokenMapAttr toAttr(MLIRContext *ctx, const TokenMap &m) {
  switch (m.kind) {
  case TokenMap::Kind::Identity:
    return TokenMapAttr::get(ctx, TokenMapKind::identity, 1, 0, {});
  case TokenMap::Kind::ResidueClasses:
    return TokenMapAttr::get(ctx, TokenMapKind::residue, m.period, 0, {});
  case TokenMap::Kind::SummaryGather:
    return TokenMapAttr::get(ctx, TokenMapKind::summary_gather, m.period,
                             m.count, {});
  case TokenMap::Kind::MemberGather:
    return TokenMapAttr::get(ctx, TokenMapKind::member_gather, 1, 0, m.members);
  }
  return {};
}

class KernelBuilder {
public:
  KernelBuilder(OpBuilder &b, PatternInfo &p, int64_t headDim,
                sattn::TilingAttr tiling, bool keyMajor)
      : b(b), p(p), headDim(headDim), tiling(tiling), keyMajor(keyMajor),
        loc(p.fn.getLoc()) {}

  /// Emits one kernel named `name` for `mask` with the given tiling of key
  /// ranges (null in dense mode) and token maps.
  FailureOr<sattn::KernelOp> build(StringRef name, const MaskNormalForm &mask,
                                   const SymbolicTiling *tiling,
                                   TokenMapAttr qmap, TokenMapAttr kmap);

private:
  LogicalResult schedule(Block &block, const SymbolicTiling *tiling);
  Value emit(const TileExpr &e) { return emitTileExpr(b, loc, e, operands); }

  OpBuilder &b;
  PatternInfo &p;
  int64_t headDim;
  sattn::TilingAttr tiling; // of the kernels (swapped when key-major)
  bool keyMajor;
  Location loc;
  TileExprOperands operands;
  SmallVector<Value> params;
};
} // namespace

FailureOr<sattn::KernelOp> KernelBuilder::build(StringRef name,
                                                const MaskNormalForm &mask,
                                                const SymbolicTiling *tiling,
                                                TokenMapAttr qmap,
                                                TokenMapAttr kmap) {
  unsigned numParams = p.fn.getNumArguments();
  auto kernel =
      sattn::KernelOp::create(b, loc, name, this->tiling, qmap, kmap, headDim,
                              numParams, b.getArrayAttr(p.paramNames));
  if (keyMajor)
    kernel.setKeyMajor(true);
  OpBuilder::InsertionGuard g(b);
  Type index = b.getIndexType();

  // Schedule: (%qt, %h, %nq, %nk, %params...).
  SmallVector<Type> schedTypes(sattn::KernelOp::kNumScheduleArgs + numParams,
                               index);
  SmallVector<Location> schedLocs(schedTypes.size(), loc);
  Block *sched =
      b.createBlock(&kernel.getSchedule(), {}, schedTypes, schedLocs);
  params.assign(sched->args_begin() + sattn::KernelOp::kNumScheduleArgs,
                sched->args_end());
  operands = {sched->getArgument(0), sched->getArgument(2),
              sched->getArgument(3), params};
  if (failed(schedule(*sched, tiling)))
    return failure();
  sattn::YieldOp::create(b, loc, ValueRange{});

  // Predicate: (%h, %q, %k, %nq, %nk, %params...).
  SmallVector<Type> predTypes(sattn::KernelOp::kNumPredicateArgs + numParams,
                              index);
  SmallVector<Location> predLocs(predTypes.size(), loc);
  Block *pred = b.createBlock(&kernel.getPredicate(), {}, predTypes, predLocs);
  SmallVector<Value> predParams(pred->args_begin() +
                                    sattn::KernelOp::kNumPredicateArgs,
                                pred->args_end());
  PredicateOperands po{pred->getArgument(0), pred->getArgument(1),
                       pred->getArgument(2), pred->getArgument(3),
                       pred->getArgument(4), predParams};
  FailureOr<Value> ok = emitNormalFormPredicate(b, loc, mask, po);
  if (failed(ok))
    return failure();
  sattn::YieldOp::create(b, loc, ValueRange{*ok});
  return kernel;
}

LogicalResult KernelBuilder::schedule(Block &block,
                                      const SymbolicTiling *tiling) {
  Value head = block.getArgument(1);
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  if (!tiling) {
    // Masked dense: every key tile of the key space, PARTIAL.
    Value big = arith::ConstantIndexOp::create(
        b, loc, std::numeric_limits<int32_t>::max());
    sattn::RangeOp::create(b, loc, c0, big, sattn::TileClass::partial);
    return success();
  }
  for (const ClauseTiling &ct : tiling->clauses) {
    // A clause of some heads only: outside them its ranges are empty.
    Value enabled;
    if (ct.headLo > 0 || ct.headHi < ConcreteClause::kInf) {
      using P = arith::CmpIPredicate;
      Value lo = arith::ConstantIndexOp::create(b, loc, ct.headLo);
      Value hi = arith::ConstantIndexOp::create(
          b, loc,
          std::min<int64_t>(ct.headHi, std::numeric_limits<int32_t>::max()));
      enabled = arith::AndIOp::create(
          b, loc, arith::CmpIOp::create(b, loc, P::sge, head, lo),
          arith::CmpIOp::create(b, loc, P::slt, head, hi));
    }
    auto guard = [&](Value lo, Value hi) {
      return enabled ? Value(arith::SelectOp::create(b, loc, enabled, hi, lo))
                     : hi;
    };
    if (ct.fullLo && ct.fullHi) {
      Value lo = emit(ct.fullLo), hi = emit(ct.fullHi);
      if (!lo || !hi)
        return failure();
      sattn::RangeOp::create(b, loc, lo, guard(lo, hi), sattn::TileClass::full);
    }
    if (!ct.spanLo || !ct.spanHi)
      continue;
    Value lo = emit(ct.spanLo), hi = emit(ct.spanHi);
    if (!lo || !hi)
      return failure();
    hi = guard(lo, hi);
    switch (ct.refinement) {
    case ClauseTiling::Refinement::None:
      sattn::RangeOp::create(b, loc, lo, hi, sattn::TileClass::partial);
      break;
    case ClauseTiling::Refinement::PeriodicKeys: {
      Value period = emit(ct.period), rlo = emit(ct.resLo),
            rhi = emit(ct.resHi);
      if (!period || !rlo || !rhi)
        return failure();
      sattn::PeriodicRangeOp::create(b, loc, lo, hi, period, rlo, rhi);
      break;
    }
    case ClauseTiling::Refinement::KeyMembers:
      sattn::MemberRangeOp::create(b, loc, lo, hi,
                                   b.getDenseI64ArrayAttr(ct.members));
      break;
    case ClauseTiling::Refinement::RandomBlocks:
    case ClauseTiling::Refinement::RandomBlocksByKey: {
      std::optional<int64_t> count = ct.randomCount.getConstant();
      std::optional<int64_t> seed = ct.randomSeed.getConstant();
      if (!count || !seed)
        return emitError(loc) << "random_blocks count and seed must be "
                                 "compile-time constants for code generation";
      if (*count > sattn::KernelOp::kMaxRandomCount)
        return emitError(loc) << "random_blocks count " << *count
                              << " exceeds the supported maximum "
                              << sattn::KernelOp::kMaxRandomCount;
      Value block = emit(ct.randomBlock);
      if (!block)
        return failure();
      auto range =
          sattn::RandomRangeOp::create(b, loc, lo, hi, block, *count, *seed);
      if (ct.refinement == ClauseTiling::Refinement::RandomBlocksByKey)
        range.setByKey(true);
      break;
    }
    }
  }
  return success();
}

namespace {
struct ConvertMaskToSAttnPass
    : public sparsa::impl::ConvertMaskToSAttnBase<ConvertMaskToSAttnPass> {
  using ConvertMaskToSAttnBase::ConvertMaskToSAttnBase;

  void runOnOperation() override {
    if (headDim < 1) {
      getOperation().emitError()
          << "head dimension must be positive, got " << int64_t(headDim);
      return signalPassFailure();
    }
    SmallVector<func::FuncOp> patterns;
    getOperation().walk([&](func::FuncOp fn) {
      if (fn->hasAttr("sattn.tiling"))
        patterns.push_back(fn);
    });
    for (func::FuncOp fn : patterns)
      if (failed(convert(fn)))
        return signalPassFailure();
  }

  /// The kernels of `mask` (transposed: its key-major schedule) and an
  /// attention `name` of them.
  FailureOr<sattn::AttentionOp> buildAttention(OpBuilder &b, PatternInfo &p,
                                               MaskNormalForm nf,
                                               bool transpose, StringRef name) {
    func::FuncOp fn = p.fn;
    sattn::TilingAttr kernelTiling = p.tiling;
    if (transpose) {
      // The transposed problem: its queries are the attention's keys.
      nf = nf.transposed();
      kernelTiling = sattn::TilingAttr::get(
          &getContext(), p.tiling.getBlockK(), p.tiling.getBlockQ(),
          p.tiling.getVectorWidth(), p.tiling.getTarget(), p.tiling.getCuda());
    }
    TileSizes sizes{kernelTiling.getBlockQ(), kernelTiling.getBlockK()};

    KernelBuilder kb(b, p, headDim, kernelTiling, transpose);
    MLIRContext *ctx = &getContext();
    TokenMapAttr identity =
        TokenMapAttr::get(ctx, TokenMapKind::identity, 1, 0, {});
    SmallVector<Attribute> parts;
    auto addKernel = [&](const MaskNormalForm &mask,
                         const SymbolicTiling *tiling, TokenMapAttr qmap,
                         TokenMapAttr kmap) -> LogicalResult {
      std::string kernelName =
          (fn.getSymName() + (transpose ? "_key_part" : "_part") +
           Twine(parts.size()))
              .str();
      FailureOr<sattn::KernelOp> k =
          kb.build(kernelName, mask, tiling, qmap, kmap);
      if (failed(k))
        return failure();
      parts.push_back(FlatSymbolRefAttr::get(ctx, kernelName));
      return success();
    };

    if (dense) {
      if (failed(addKernel(nf, nullptr, identity, identity)))
        return failure();
    } else if (useLayout) {
      auto plan = LayoutPlan::build(nf, sizes);
      if (!plan)
        return fn.emitOpError() << llvm::toString(plan.takeError());
      for (const LayoutPart &part : plan->getParts())
        if (failed(addKernel(part.mask, &part.tiling, toAttr(ctx, part.queries),
                             toAttr(ctx, part.keys))))
          return failure();
    } else {
      auto tiling = SymbolicTiling::build(nf, sizes);
      if (!tiling)
        return fn.emitOpError() << llvm::toString(tiling.takeError());
      if (failed(addKernel(nf, &*tiling, identity, identity)))
        return failure();
    }
    return sattn::AttentionOp::create(b, fn.getLoc(), name,
                                      b.getArrayAttr(parts), transpose,
                                      FlatSymbolRefAttr());
  }

  LogicalResult convert(func::FuncOp fn) {
    PatternInfo p;
    p.fn = fn;
    p.tiling = dyn_cast<sattn::TilingAttr>(fn->getAttr("sattn.tiling"));
    if (!p.tiling)
      return fn.emitOpError() << "has a 'sattn.tiling' attribute that is not "
                                 "a #sattn.tiling";
    if (fn.isExternal() || fn.getNumResults() != 1 ||
        !isa<mask::MaskType>(fn.getResultTypes()[0]))
      return fn.emitOpError() << "is not a mask pattern: expected a body "
                                 "returning one !mask.mask";
    for (BlockArgument arg : fn.getArguments()) {
      if (!arg.getType().isIndex())
        return fn.emitOpError() << "runtime parameters must be index values, "
                                   "got "
                                << arg.getType();
      auto name =
          fn.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "mask.param");
      p.paramNames.push_back(
          name ? name
               : StringAttr::get(&getContext(),
                                 "p" + std::to_string(arg.getArgNumber())));
    }
    p.mask = fn.getBody().front().getTerminator()->getOperand(0);

    auto nf = MaskNormalForm::build(p.mask);
    if (!nf)
      return fn.emitOpError() << llvm::toString(nf.takeError());
    OpBuilder b(fn);
    FailureOr<sattn::AttentionOp> attention =
        buildAttention(b, p, *nf, keyMajor, fn.getSymName());
    if (failed(attention))
      return failure();
    if (backward && !keyMajor) {
      // The key-major schedule of the same mask, for dK and dV.
      std::string keyName = (fn.getSymName() + "_key").str();
      FailureOr<sattn::AttentionOp> keys =
          buildAttention(b, p, *nf, /*transpose=*/true, keyName);
      if (failed(keys))
        return failure();
      attention->setKeyScheduleAttr(
          FlatSymbolRefAttr::get(&getContext(), keyName));
    }
    fn.erase();
    return success();
  }
};
} // namespace
