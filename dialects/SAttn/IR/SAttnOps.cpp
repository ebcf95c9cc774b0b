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
    return op.emitOpError() << name << " region expects " << expected
                            << " index arguments, got "
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
  if (failed(checkBlock(*this, getScheduleBlock(), "schedule",
                        kNumScheduleArgs, 0)) ||
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
    if (isa<RangeOp, VisitOp>(op)) {
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

LogicalResult RangeOp::verify() {
  KernelOp k = scheduleOwner(*this);
  if (!k)
    return emitOpError() << "must be in a kernel's schedule region";
  if ((*this)->getBlock() != &k.getScheduleBlock())
    return emitOpError() << "must be directly in the schedule block, not "
                            "nested in control flow";
  return success();
}

LogicalResult VisitOp::verify() {
  if (!scheduleOwner(*this))
    return emitOpError() << "must be in a kernel's schedule region";
  return success();
}
