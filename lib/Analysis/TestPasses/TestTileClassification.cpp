//===- TestTileClassification.cpp - print the tile classification ---------===//
//
// `--sparsa-test-tile-classification`: prints the closed forms and, for
// given sizes, the concrete key-tile ranges of every query tile.
//
//===----------------------------------------------------------------------===//

#include "lib/Analysis/MaskNormalForm.h"
#include "lib/Analysis/TestPasses/TestPasses.h"
#include "lib/Analysis/TileClassification.h"

namespace sparsa::analysis {
#define GEN_PASS_DEF_TESTTILECLASSIFICATION
#include "lib/Analysis/TestPasses/TestPasses.h.inc"
} // namespace sparsa::analysis

using namespace mlir;
using namespace sparsa::analysis;

namespace sparsa::analysis {
/// Prints `tile i: [lo, hi) class ...` for every query tile.
void printConcreteRanges(llvm::raw_ostream &os, const TileClassifier &c,
                         int64_t head) {
  for (int64_t i = 0; i < c.numQueryTiles(); ++i) {
    os << "tile " << i << ":";
    c.forEachKeyRange(head, i, [&](const KeyTileRange &r) {
      os << " [" << r.lo << ", " << r.hi << ") " << stringifyTileClass(r.cls);
    });
    os << "\n";
  }
}
} // namespace sparsa::analysis

namespace {
struct TestTileClassificationPass
    : public sparsa::analysis::impl::TestTileClassificationBase<
          TestTileClassificationPass> {
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
      if (transpose)
        *nf = nf->transposed();
      auto tiling = SymbolicTiling::build(*nf, TileSizes{bq, bk});
      if (!tiling)
        return fail(tiling.takeError());
      llvm::errs() << (transpose ? "key-major tile classification of @"
                                 : "tile classification of @")
                   << f.getSymName() << ":\n";
      tiling->print(llvm::errs());
      if (numQueries < 0)
        return;
      int64_t nk = numKeys < 0 ? numQueries : numKeys;
      // Validate the sizes and parameters like the reference does.
      auto concrete = nf->instantiate(numQueries, nk, params);
      if (!concrete)
        return fail(concrete.takeError());
      auto c = TileClassifier::build(*tiling, numQueries, nk, params);
      if (!c)
        return fail(c.takeError());
      llvm::errs() << "ranges for Nq=" << numQueries << " Nk=" << nk << " head "
                   << head << ":\n";
      printConcreteRanges(llvm::errs(), *c, head);
    });
    if (failed)
      signalPassFailure();
  }
};
} // namespace
