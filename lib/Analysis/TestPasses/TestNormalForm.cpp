//===- TestNormalForm.cpp - print the mask normal form --------------------===//
//
// `--sparsa-test-normal-form`: prints the normal form of every mask
// function (see TestPasses.td).
//
//===----------------------------------------------------------------------===//

#include "lib/Analysis/MaskNormalForm.h"
#include "lib/Analysis/TestPasses/TestPasses.h"

namespace sparsa::analysis {
#define GEN_PASS_DEF_TESTNORMALFORM
#include "lib/Analysis/TestPasses/TestPasses.h.inc"
} // namespace sparsa::analysis

using namespace mlir;
using namespace sparsa::analysis;

namespace {
struct TestNormalFormPass
    : public sparsa::analysis::impl::TestNormalFormBase<TestNormalFormPass> {
  using Base::Base;
  void runOnOperation() override {
    bool failed = false;
    forEachMaskFunction(getOperation(), [&](func::FuncOp f, Value mask) {
      NormalFormOptions options;
      options.maxClauses = maxClauses;
      auto nf = MaskNormalForm::build(mask, options);
      if (!nf) {
        f.emitError() << llvm::toString(nf.takeError());
        failed = true;
        return;
      }
      if (transpose)
        *nf = nf->transposed();
      llvm::errs() << (transpose ? "transposed normal form of @"
                                 : "normal form of @")
                   << f.getSymName() << ":\n";
      nf->print(llvm::errs());
      if (numQueries < 0)
        return;
      int64_t nk = numKeys < 0 ? numQueries : numKeys;
      auto concrete = nf->instantiate(numQueries, nk, params);
      if (!concrete) {
        f.emitError() << llvm::toString(concrete.takeError());
        failed = true;
        return;
      }
      llvm::errs() << "instantiated for Nq=" << numQueries << " Nk=" << nk
                   << ": " << concrete->getClauses().size()
                   << " non-empty clauses\n";
    });
    if (failed)
      signalPassFailure();
  }
};
} // namespace
