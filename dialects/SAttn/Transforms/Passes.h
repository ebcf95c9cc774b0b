//===- Passes.h - sattn dialect passes --------------------------*- C++ -*-===//

#ifndef SPARSA_DIALECTS_SATTN_TRANSFORMS_PASSES_H
#define SPARSA_DIALECTS_SATTN_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace sparsa::sattn {

#define GEN_PASS_DECL
#include "dialects/SAttn/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "dialects/SAttn/Transforms/Passes.h.inc"

} // namespace sparsa::sattn

#endif // SPARSA_DIALECTS_SATTN_TRANSFORMS_PASSES_H
