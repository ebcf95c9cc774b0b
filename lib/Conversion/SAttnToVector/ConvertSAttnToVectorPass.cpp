//===- ConvertSAttnToVectorPass.cpp - convert-sattn-to-vector -------------===//
//
// Checks every kernel first (expanded schedule, a cpu tiling), so bad input
// gets a diagnostic instead of a silently skipped kernel, then applies
// populateSAttnToVectorPatterns.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/SAttnToVector/KernelCodegen.h"
#include "lib/Conversion/SAttnToVector/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace sparsa::sattn {
#define GEN_PASS_DEF_CONVERTSATTNTOVECTOR
#include "lib/Conversion/SAttnToVector/Passes.h.inc"
} // namespace sparsa::sattn

using namespace mlir;
using namespace sparsa::sattn;

namespace {
struct ConvertSAttnToVectorPass
    : sparsa::sattn::impl::ConvertSAttnToVectorBase<ConvertSAttnToVectorPass> {
  void runOnOperation() override {
    bool ok = true;
    getOperation().walk([&](KernelOp kernel) {
      kernel.getSchedule().walk([&](RangeOp range) {
        range.emitOpError()
            << "must be expanded by sattn-expand-ranges before "
               "convert-sattn-to-vector";
        ok = false;
      });
      if (failed(cpu::computeTileShape(kernel)))
        ok = false;
    });
    if (!ok)
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    populateSAttnToVectorPatterns(patterns);
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingOps);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns),
                                     config)))
      return signalPassFailure();
    recordAttentions();
  }

  /// `sattn.attention` ops become the module attribute
  /// `sparsa.attentions = {name = ["part0", ...]}`: running the parts and
  /// merging their softmax states is the runtime's job
  /// (runtime::runAttentionParts), which reads it through the target's
  /// collectAttentions.
  void recordAttentions() {
    ModuleOp module = getOperation();
    SmallVector<NamedAttribute> entries;
    if (auto old = module->getAttrOfType<DictionaryAttr>(kAttentionsAttr))
      entries.append(old.begin(), old.end());
    OpBuilder b(module.getContext());
    for (auto op : llvm::to_vector(module.getOps<AttentionOp>())) {
      SmallVector<Attribute> parts;
      for (auto ref : op.getParts().getAsRange<FlatSymbolRefAttr>())
        parts.push_back(b.getStringAttr(ref.getValue()));
      entries.push_back(
          b.getNamedAttr(op.getSymName(), b.getArrayAttr(parts)));
      op.erase();
    }
    if (!entries.empty())
      module->setAttr(kAttentionsAttr, b.getDictionaryAttr(entries));
  }
  static constexpr llvm::StringLiteral kAttentionsAttr = "sparsa.attentions";
};
} // namespace
