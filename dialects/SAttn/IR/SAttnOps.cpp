//===- SAttnOps.cpp - sattn dialect operations ----------------------------===//
//
// Verifiers: the block signatures of a kernel's regions, where ranges and
// visits may appear, and what the regions yield.
//
//===----------------------------------------------------------------------===//

#include "dialects/SAttn/IR/SAttnDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace sparsa::sattn;

#include "dialects/SAttn/IR/SAttnOpInterfaces.cpp.inc"

#define GET_OP_CLASSES
#include "dialects/SAttn/IR/SAttnOps.cpp.inc"

LogicalResult KernelOp::verify() {
  if (getHeadDim() < 1)
    return emitOpError() << "head dimension must be positive, got "
                         << getHeadDim();
  if (getNumParams() < 0 ||
      static_cast<int64_t>(getParamNames().size()) != getNumParams())
    return emitOpError() << "has " << getParamNames().size()
                         << " parameter names for " << getNumParams()
                         << " runtime parameters";
  return success();
}

static LogicalResult checkBlock(KernelOp op, Block &block, StringRef name,
                                unsigned fixed, unsigned numYields) {
  unsigned expected = fixed + op.getNumParams();
  if (block.getNumArguments() != expected)
    return op.emitOpError()
           << name << " region expects " << expected << " index arguments, got "
           << block.getNumArguments();
  for (BlockArgument arg : block.getArguments())
    if (!arg.getType().isIndex())
      return op.emitOpError() << name << " region arguments must be index, "
                              << "got " << arg.getType();
  auto yield = dyn_cast<YieldOp>(block.getTerminator());
  if (!yield)
    return op.emitOpError() << name << " region must end with sattn.yield";
  if (yield.getValues().size() != numYields)
    return yield.emitOpError()
           << "in the " << name << " region yields " << numYields
           << " values, got " << yield.getValues().size();
  return success();
}

LogicalResult KernelOp::verifyRegions() {
  if (failed(checkBlock(*this, getScheduleBlock(), "schedule", kNumScheduleArgs,
                        0)) ||
      failed(checkBlock(*this, getPredicateBlock(), "predicate",
                        kNumPredicateArgs, 1)))
    return failure();
  // The predicate is evaluated lane-wise on vectors of keys: pure ops only.
  WalkResult r = getPredicate().walk([&](Operation *op) {
    if (isa<YieldOp>(op) || isMemoryEffectFree(op))
      return WalkResult::advance();
    op->emitOpError() << "is not allowed in a predicate region: it must be "
                         "free of side effects";
    return WalkResult::interrupt();
  });
  if (r.wasInterrupted())
    return failure();
  WalkResult misplaced = getPredicate().walk([&](Operation *op) {
    if (isa<KeyTileRangeOpInterface, VisitOp>(op)) {
      op->emitOpError() << "must be in a schedule region";
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return failure(misplaced.wasInterrupted());
}

/// The kernel whose schedule region contains `op`, if any.
static KernelOp scheduleOwner(Operation *op) {
  Region *r = op->getParentRegion();
  while (r) {
    if (auto k = dyn_cast<KernelOp>(r->getParentOp()))
      return &k.getSchedule() == r ? k : KernelOp();
    r = r->getParentOp()->getParentRegion();
  }
  return {};
}

/// Ranges declare the key tiles of the whole query tile, so they sit
/// directly in the schedule block, where `sattn-expand-ranges` finds them.
LogicalResult sparsa::sattn::detail::verifyKeyTileRange(Operation *op) {
  KernelOp k = scheduleOwner(op);
  if (!k)
    return op->emitOpError() << "must be in a kernel's schedule region";
  if (op->getBlock() != &k.getScheduleBlock())
    return op->emitOpError() << "must be directly in the schedule block, not "
                                "nested in control flow";
  return success();
}

TileClass RangeOp::getTileClass() { return getKind(); }

LogicalResult sparsa::sattn::verifyRangesExpanded(KernelOp kernel,
                                                  StringRef pass) {
  bool ok = true;
  kernel.getSchedule().walk([&](KeyTileRangeOpInterface range) {
    range->emitOpError() << "must be expanded by sattn-expand-ranges before "
                         << pass;
    ok = false;
  });
  return success(ok);
}

LogicalResult sparsa::sattn::verifyQueryMajor(KernelOp kernel, StringRef pass) {
  if (kernel.getKeyMajor())
    return kernel.emitOpError()
           << "is a key_major (backward) schedule, which " << pass
           << " cannot lower: it lowers query-major kernels";
  return success();
}

LogicalResult RandomRangeOp::verify() {
  int64_t count = static_cast<int64_t>(getCount());
  if (count < 0)
    return emitOpError() << "count must be non-negative, got " << count;
  if (count > kMaxRandomCount)
    return emitOpError() << "count " << count
                         << " exceeds the supported maximum "
                         << kMaxRandomCount;
  return success();
}

LogicalResult AttentionOp::verify() {
  auto module = (*this)->getParentOp();
  if (!module)
    return emitOpError() << "must be inside a module";
  if (getParts().empty())
    return emitOpError() << "needs at least one part";
  std::optional<int64_t> headDim, numParams;
  for (Attribute a : getParts()) {
    auto ref = cast<FlatSymbolRefAttr>(a);
    auto k = dyn_cast_or_null<KernelOp>(
        SymbolTable::lookupSymbolIn(module, ref.getAttr()));
    if (!k)
      return emitOpError() << "part " << ref << " is not a sattn.kernel";
    if (k.getKeyMajor() != getKeyMajor())
      return emitOpError() << "part " << ref << " is "
                           << (k.getKeyMajor() ? "" : "not ")
                           << "key_major, unlike the attention";
    if (headDim &&
        (*headDim != k.getHeadDim() || *numParams != k.getNumParams()))
      return emitOpError() << "parts disagree on the head dimension or the "
                              "runtime parameters";
    headDim = k.getHeadDim();
    numParams = k.getNumParams();
  }
  if (auto ref = getKeyScheduleAttr()) {
    if (getKeyMajor())
      return emitOpError() << "is key_major and cannot have a key_schedule";
    auto other = dyn_cast_or_null<AttentionOp>(
        SymbolTable::lookupSymbolIn(module, ref.getAttr()));
    if (!other || !other.getKeyMajor())
      return emitOpError() << "key_schedule " << ref
                           << " is not a key_major sattn.attention";
  }
  return success();
}

LogicalResult VisitOp::verify() {
  if (!scheduleOwner(*this))
    return emitOpError() << "must be in a kernel's schedule region";
  return success();
}
