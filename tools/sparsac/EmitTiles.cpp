//===- EmitTiles.cpp - the --emit=tiles stage
//------------------------------===//
//
// The tiled schedule: the pattern after sparsa-select-tiling and
// convert-mask-to-sattn, i.e. per layout part the key-tile ranges of a query
// tile in closed form, before the ranges are expanded into a sweep.
//
//===----------------------------------------------------------------------===//

#include "tools/sparsac/Sparsac.h"

#include "dialects/Mask/Transforms/Passes.h"
#include "lib/Conversion/MaskToSAttn/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace sparsa::sparsac;

int sparsa::sparsac::emitTiles(ModuleOp module, llvm::raw_ostream &os) {
  auto tiles = getTileOptions();
  if (!tiles)
    return userError(llvm::toString(tiles.takeError()));
  PassManager pm(module.getContext());
  pm.addPass(sparsa::mask::createMaskCanonicalize());
  sparsa::SelectTilingOptions tiling;
  tiling.blockQ = tiles->blockQ;
  tiling.blockK = tiles->blockK;
  pm.addPass(sparsa::createSelectTiling(tiling));
  sparsa::ConvertMaskToSAttnOptions convert;
  convert.headDim = tiles->headDim;
  // With --backward, also the key-major schedule (the attention's
  // key_schedule).
  convert.backward = withBackward();
  pm.addPass(sparsa::createConvertMaskToSAttn(convert));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  if (failed(pm.run(module)))
    return userError("cannot build the tiled schedule of this pattern");
  module.print(os);
  return kExitOk;
}
