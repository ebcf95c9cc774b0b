//===- MaskToSAttnStage.h - the target-independent front stages -*- C++ -*-===//
//
// mask dialect -> expanded sattn kernels: the stages every target pipeline
// (CPU, CUDA) starts with, so both see the same schedule.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_PIPELINES_MASKTOSATTNSTAGE_H
#define SPARSA_LIB_PIPELINES_MASKTOSATTNSTAGE_H

#include "mlir/Pass/PassManager.h"

#include <cstdint>
#include <string>

namespace sparsa {

struct MaskToSAttnOptions {
  std::string target = "cpu";
  int64_t headDim = 128;
  /// 0: the policy's choice (sparsa-select-tiling).
  int64_t blockQ = 0, blockK = 0, vectorWidth = 0;
  /// Apply the layout plan (permutations, gathers).
  bool layout = true;
  /// Masked-dense baseline: every key tile PARTIAL.
  bool dense = false;
  /// Add NAME_check_params for patterns with runtime parameters
  /// (sparsa-build-param-check), built before the mask algebra runs.
  bool paramCheck = false;
};

/// [sparsa-build-param-check], mask-canonicalize, sparsa-select-tiling,
/// convert-mask-to-sattn, sattn-expand-ranges, with canonicalization and
/// CSE in between.
void buildMaskToSAttnStage(mlir::OpPassManager &pm,
                           const MaskToSAttnOptions &options);

} // namespace sparsa

#endif // SPARSA_LIB_PIPELINES_MASKTOSATTNSTAGE_H
