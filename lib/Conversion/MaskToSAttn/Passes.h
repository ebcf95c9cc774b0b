//===- Passes.h - mask to sattn conversion passes ---------------*- C++ -*-===//

#ifndef SPARSA_LIB_CONVERSION_MASKTOSATTN_PASSES_H
#define SPARSA_LIB_CONVERSION_MASKTOSATTN_PASSES_H

#include "mlir/Pass/Pass.h"

namespace sparsa {

#define GEN_PASS_DECL
#include "lib/Conversion/MaskToSAttn/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "lib/Conversion/MaskToSAttn/Passes.h.inc"

} // namespace sparsa

#endif // SPARSA_LIB_CONVERSION_MASKTOSATTN_PASSES_H
