//===- TestPatternStats.cpp - print the exact statistics ------------------===//
//
// `--sparsa-test-pattern-stats`: prints the statistics of every mask
// function for the given sizes.
//
//===----------------------------------------------------------------------===//

#include "lib/Analysis/PatternStats.h"
#include "lib/Analysis/TestPasses/TestPasses.h"

namespace sparsa::analysis {
#define GEN_PASS_DEF_TESTPATTERNSTATS
#include "lib/Analysis/TestPasses/TestPasses.h.inc"
} // namespace sparsa::analysis

using namespace mlir;
using namespace sparsa::analysis;

namespace {
struct TestPatternStatsPass
    : public sparsa::analysis::impl::TestPatternStatsBase<
          TestPatternStatsPass> {
  using Base::Base;
  void runOnOperation() override {
    bool failed = false;
    forEachMaskFunction(getOperation(), [&](func::FuncOp f, Value mask) {
      StatsOptions options;
      options.numQueries = numQueries;
      options.numKeys = numKeys;
      options.args.assign(params.begin(), params.end());
      options.tiles = TileSizes{bq, bk};
      options.headDim = headDim;
      options.withLayout = layout;
      options.maxTileRanges = maxTileRanges;
      auto stats = computePatternStats(mask, options);
      if (!stats) {
        f.emitError() << llvm::toString(stats.takeError());
        failed = true;
        return;
      }
      llvm::errs() << "stats of @" << f.getSymName() << ":\n";
      printPatternStats(llvm::errs(), *stats);
    });
    if (failed)
      signalPassFailure();
  }
};
} // namespace
