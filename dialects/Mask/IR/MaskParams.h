//===- MaskParams.h - parameter constraints of mask leaves ------*- C++ -*-===//
//
// The constraints on the integer parameters of the parametric mask leaves,
// shared by the op verifiers (compile-time values), the reference
// evaluator (runtime values) and the generated parameter checks of compiled
// kernels, so all reject exactly the same inputs.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_DIALECTS_MASK_IR_MASKPARAMS_H
#define SPARSA_DIALECTS_MASK_IR_MASKPARAMS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>

namespace sparsa::mask {

/// Checks the parameters of the parametric leaf `opName` (e.g.
/// "mask.window"); unknown values (runtime parameters at compile time) are
/// skipped. Returns an empty string when they are valid, otherwise the
/// diagnostic text, e.g. "parameter 'before' must be non-negative, got -4".
std::string checkMaskParams(llvm::StringRef opName,
                            llvm::ArrayRef<llvm::StringLiteral> names,
                            llvm::ArrayRef<std::optional<int64_t>> values);

/// The lower bound of parameter `index` of the leaf `opName` (0: must be
/// non-negative, 1: positive), or nullopt when any value is accepted.
std::optional<int64_t> maskParamMinimum(llvm::StringRef opName, unsigned index);

/// How a lower bound reads in diagnostics: "non-negative" (0), "positive"
/// (1), "at least N".
std::string describeMinimum(int64_t minimum);

/// True for the leaf whose parameter 1 must be below parameter 0
/// (`mask.stride`: residue < period).
inline bool hasResidueBelowPeriod(llvm::StringRef opName) {
  return opName == "mask.stride";
}

} // namespace sparsa::mask

#endif // SPARSA_DIALECTS_MASK_IR_MASKPARAMS_H
