//===- Passes.h - mask to sattn conversion passes ---------------*- C++ -*-===//

#ifndef SPARSA_LIB_CONVERSION_MASKTOSATTN_PASSES_H
#define SPARSA_LIB_CONVERSION_MASKTOSATTN_PASSES_H

#include "mlir/Pass/Pass.h"

#include <cstdint>
#include <utility>

namespace sparsa {

/// The tile sizes (block_q, block_k) sparsa-select-tiling chooses for
/// `target` ("cpu" or "cuda") when none are given.
std::pair<int64_t, int64_t> defaultTileSizes(llvm::StringRef target);

#define GEN_PASS_DECL
#include "lib/Conversion/MaskToSAttn/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "lib/Conversion/MaskToSAttn/Passes.h.inc"

} // namespace sparsa

#endif // SPARSA_LIB_CONVERSION_MASKTOSATTN_PASSES_H
