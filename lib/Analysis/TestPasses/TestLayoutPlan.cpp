//===- TestLayoutPlan.cpp - print the layout plan -------------------------===//
//
// `--sparsa-test-layout-plan`: prints the parts of the layout plan and,
// for given sizes, each part's concrete key-tile ranges.
//
//===----------------------------------------------------------------------===//

#include "lib/Analysis/LayoutPlan.h"
#include "lib/Analysis/MaskNormalForm.h"
#include "lib/Analysis/TestPasses/TestPasses.h"

namespace sparsa::analysis {
#define GEN_PASS_DEF_TESTLAYOUTPLAN
#include "lib/Analysis/TestPasses/TestPasses.h.inc"
void printConcreteRanges(llvm::raw_ostream &os, const TileClassifier &c,
                         int64_t head);
} // namespace sparsa::analysis

using namespace mlir;
using namespace sparsa::analysis;

namespace {
struct TestLayoutPlanPass
    : public sparsa::analysis::impl::TestLayoutPlanBase<TestLayoutPlanPass> {
  using Base::Base;
  void runOnOperation() override {
    bool failed = false;
    forEachMaskFunction(getOperation(), [&](func::FuncOp f, Value mask) {
      auto fail = [&](llvm::Error e) {
        f.emitError() << llvm::toString(std::move(e));
        failed = true;
      };
      auto nf = MaskNormalForm::build(mask);
      if (!nf)
        return fail(nf.takeError());
      auto plan = LayoutPlan::build(*nf, TileSizes{bq, bk});
      if (!plan)
        return fail(plan.takeError());
      llvm::errs() << "layout plan of @" << f.getSymName() << ":\n";
      plan->print(llvm::errs());
      if (numQueries < 0)
        return;
      int64_t nk = numKeys < 0 ? numQueries : numKeys;
      auto concrete = nf->instantiate(numQueries, nk, params);
      if (!concrete)
        return fail(concrete.takeError());
      auto parts = instantiateLayout(*plan, numQueries, nk, params);
      if (!parts)
        return fail(parts.takeError());
      for (auto [n, part] : llvm::enumerate(*parts)) {
        llvm::errs() << "part " << n << " ranges for Nq=" << numQueries
                     << " Nk=" << nk << " head " << head << ":\n";
        printConcreteRanges(llvm::errs(), part.classifier, head);
      }
    });
    if (failed)
      signalPassFailure();
  }
};
} // namespace
