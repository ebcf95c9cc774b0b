//===- MaskToSAttnStage.cpp - the target-independent front stages ---------===//

#include "lib/Pipelines/MaskToSAttnStage.h"

#include "dialects/Mask/Transforms/Passes.h"
#include "dialects/SAttn/Transforms/Passes.h"
#include "lib/Conversion/MaskToSAttn/Passes.h"

#include "mlir/Transforms/Passes.h"

using namespace mlir;

void sparsa::buildMaskToSAttnStage(OpPassManager &pm,
                                   const MaskToSAttnOptions &options) {
  if (options.paramCheck)
    pm.addPass(createBuildParamCheck());
  pm.addPass(mask::createMaskCanonicalize());
  SelectTilingOptions tiling;
  tiling.target = options.target;
  tiling.blockQ = options.blockQ;
  tiling.blockK = options.blockK;
  tiling.vectorWidth = options.vectorWidth;
  tiling.headDim = options.headDim;
  tiling.chip = options.chip;
  tiling.elementType = options.elementType;
  tiling.rowsPerWarp = options.rowsPerWarp;
  pm.addPass(createSelectTiling(tiling));
  ConvertMaskToSAttnOptions convert;
  convert.headDim = options.headDim;
  convert.useLayout = options.layout;
  convert.dense = options.dense;
  convert.backward = options.backward;
  pm.addPass(createConvertMaskToSAttn(convert));
  // The closed forms are emitted per clause; CSE shares their common parts
  // before the sweep multiplies them.
  pm.addPass(createCSEPass());
  pm.addPass(sattn::createSAttnExpandRanges());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}
