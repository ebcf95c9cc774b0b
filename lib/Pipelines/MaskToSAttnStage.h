//===- MaskToSAttnStage.h - the target-independent front stages -*- C++ -*-===//
//
// mask dialect -> expanded sattn kernels: the stages every target pipeline
// (CPU, CUDA) starts with, so both see the same schedule.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_PIPELINES_MASKTOSATTNSTAGE_H
#define SPARSA_LIB_PIPELINES_MASKTOSATTNSTAGE_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

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
  /// Also the key-major schedule of the backward pass (key_schedule).
  bool backward = false;
  /// cuda: the GPU architecture (the default tiles fit its shared memory).
  std::string chip = "sm_90";
  /// cuda: element type of Q, K, V, O (bf16 or f16) and query rows per
  /// warp (0: the policy's choice).
  std::string elementType = "bf16";
  int64_t rowsPerWarp = 0;
  /// Add NAME_check_params for patterns with runtime parameters
  /// (sparsa-build-param-check), built before the mask algebra runs.
  bool paramCheck = false;
};

/// The options every target pipeline takes for its front stages, as a base
/// of the pipeline's own PassPipelineOptions (`Derived`).
template <typename Derived>
struct MaskFrontOptions : public mlir::PassPipelineOptions<Derived> {
  template <typename T>
  using Option =
      typename mlir::PassPipelineOptions<Derived>::template Option<T>;

  Option<bool> fromMask{
      *this, "from-mask",
      llvm::cl::desc("Input is the mask dialect (front stages run first)"),
      llvm::cl::init(false)};
  Option<int64_t> headDim{*this, "head-dim",
                          llvm::cl::desc("Head dimension D (from-mask)"),
                          llvm::cl::init(128)};
  Option<int64_t> blockQ{*this, "block-q",
                         llvm::cl::desc("Query tile size, 0: policy"),
                         llvm::cl::init(0)};
  Option<int64_t> blockK{*this, "block-k",
                         llvm::cl::desc("Key tile size, 0: policy"),
                         llvm::cl::init(0)};
  Option<bool> layout{*this, "layout",
                      llvm::cl::desc("Apply the layout plan (from-mask)"),
                      llvm::cl::init(true)};

  /// The front-stage options for `target` ("cpu" or "cuda").
  MaskToSAttnOptions frontStage(const std::string &target) const {
    MaskToSAttnOptions front;
    front.target = target;
    front.headDim = headDim;
    front.blockQ = blockQ;
    front.blockK = blockK;
    front.layout = layout;
    return front;
  }
};

/// [sparsa-build-param-check], mask-canonicalize, sparsa-select-tiling,
/// convert-mask-to-sattn, sattn-expand-ranges, with canonicalization and
/// CSE in between.
void buildMaskToSAttnStage(mlir::OpPassManager &pm,
                           const MaskToSAttnOptions &options);

} // namespace sparsa

#endif // SPARSA_LIB_PIPELINES_MASKTOSATTNSTAGE_H
