//===- Passes.h - mask dialect passes ---------------------------*- C++ -*-===//
//
// Declarations and registration of the `mask` dialect's passes.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_DIALECTS_MASK_TRANSFORMS_PASSES_H
#define SPARSA_DIALECTS_MASK_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
} // namespace mlir

namespace sparsa::mask {

#define GEN_PASS_DECL
#include "dialects/Mask/Transforms/Passes.h.inc"

/// Adds the mask algebra rewrites (every mask op's canonicalization
/// patterns) to `patterns`.
void populateMaskCanonicalizationPatterns(mlir::RewritePatternSet &patterns);

#define GEN_PASS_REGISTRATION
#include "dialects/Mask/Transforms/Passes.h.inc"

} // namespace sparsa::mask

#endif // SPARSA_DIALECTS_MASK_TRANSFORMS_PASSES_H
