//===- DrawPicture.cpp - the --draw command
//--------------------------------===//
//
// A picture of head 0 of the mask at --seq-len: the pairs from the reference
// evaluator (sampled beyond the picture's evaluation budget), the tile
// classes from the closed-form classification in token order, the density
// from the exact statistics.
//
//===----------------------------------------------------------------------===//

#include "tools/sparsac/Sparsac.h"

#include "dialects/Mask/IR/MaskReference.h"
#include "lib/Analysis/PatternStats.h"
#include "lib/Analysis/TileClassification.h"
#include "lib/Draw/MaskPicture.h"

using namespace mlir;
using namespace sparsa;
using namespace sparsa::sparsac;

int sparsa::sparsac::drawPicture(ModuleOp module, llvm::StringRef path) {
  func::FuncOp fn = getPatternFunc(module);
  auto shape = getConcreteShape(fn, "--draw", kMaxSeqLen);
  if (!shape)
    return userError(llvm::toString(shape.takeError()));
  auto tiles = getTileOptions();
  if (!tiles)
    return userError(llvm::toString(tiles.takeError()));
  Value mask = getPatternMask(fn);
  auto ref = mask::ReferenceMask::build(mask, shape->numQueries, shape->numKeys,
                                        shape->args);
  if (!ref)
    return userError(llvm::toString(ref.takeError()));
  auto nf = analysis::MaskNormalForm::build(mask);
  if (!nf)
    return userError(llvm::toString(nf.takeError()));
  analysis::TileSizes sizes{tiles->blockQ, tiles->blockK};
  auto symbolic = analysis::SymbolicTiling::build(*nf, sizes);
  if (!symbolic)
    return userError(llvm::toString(symbolic.takeError()));
  auto classifier = analysis::TileClassifier::build(
      *symbolic, shape->numQueries, shape->numKeys, shape->args);
  if (!classifier)
    return userError(llvm::toString(classifier.takeError()));
  analysis::StatsOptions statsOptions;
  statsOptions.numQueries = shape->numQueries;
  statsOptions.numKeys = shape->numKeys;
  statsOptions.args.assign(shape->args.begin(), shape->args.end());
  statsOptions.tiles = sizes;
  statsOptions.withLayout = false;
  auto stats = analysis::computePatternStats(*nf, statsOptions);
  if (!stats)
    return userError(llvm::toString(stats.takeError()));

  draw::PictureInput in;
  in.title = fn.getSymName().str();
  if (shape->numHeads > 1)
    in.subtitle = "head 0 of " + std::to_string(shape->numHeads);
  in.numQueries = shape->numQueries;
  in.numKeys = shape->numKeys;
  in.blockQ = tiles->blockQ;
  in.blockK = tiles->blockK;
  in.density = stats->heads.front().density;
  in.allowed = [&](int64_t q, int64_t k) { return ref->allowed(0, q, k); };
  // The classes of one query tile are computed once, when its first key
  // tile is asked for (the picture asks row by row).
  int64_t cachedTile = -1;
  std::vector<draw::TileClass> row;
  in.tileClass = [&](int64_t qt, int64_t kt) {
    if (qt != cachedTile) {
      cachedTile = qt;
      row.assign(classifier->numKeyTiles(), draw::TileClass::Empty);
      classifier->forEachKeyRange(0, qt, [&](const analysis::KeyTileRange &r) {
        for (int64_t t = r.lo; t < r.hi; ++t)
          row[t] = r.cls == analysis::TileClass::Full
                       ? draw::TileClass::Full
                       : draw::TileClass::Partial;
      });
    }
    return kt < static_cast<int64_t>(row.size()) ? row[kt]
                                                 : draw::TileClass::Empty;
  };
  if (llvm::Error e = draw::drawToFile(in, path))
    return userError(llvm::toString(std::move(e)));
  return kExitOk;
}
