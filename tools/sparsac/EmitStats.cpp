//===- EmitStats.cpp - the --stats command
//---------------------------------===//
//
// Exact statistics of the pattern at a sequence length, computed in closed
// form per query row by the analyses (lib/Analysis/PatternStats.h): no
// N^2 evaluation, time linear in --seq-len (at most kMaxStatsSeqLen).
//
//===----------------------------------------------------------------------===//

#include "tools/sparsac/Sparsac.h"

#include "lib/Analysis/PatternStats.h"

using namespace mlir;
using namespace sparsa::sparsac;

int sparsa::sparsac::emitStats(ModuleOp module, llvm::raw_ostream &os) {
  func::FuncOp fn = getPatternFunc(module);
  auto shape = getConcreteShape(fn, "--stats", kMaxStatsSeqLen);
  if (!shape)
    return userError(llvm::toString(shape.takeError()));
  auto tiles = getTileOptions();
  if (!tiles)
    return userError(llvm::toString(tiles.takeError()));
  analysis::StatsOptions options;
  options.numQueries = shape->numQueries;
  options.numKeys = shape->numKeys;
  options.args.assign(shape->args.begin(), shape->args.end());
  options.headDim = tiles->headDim;
  options.tiles = {tiles->blockQ, tiles->blockK};
  auto stats = analysis::computePatternStats(getPatternMask(fn), options);
  if (!stats)
    return userError(llvm::toString(stats.takeError()));
  analysis::printPatternStats(os, *stats);
  return kExitOk;
}
