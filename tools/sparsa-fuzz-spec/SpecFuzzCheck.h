//===- SpecFuzzCheck.h - invariants of the front end on any input -*- C++
//-*-===//
//
// The property the fuzzer checks, shared with the regular unit tests (which
// replay the corpus and every crash reproducer without a fuzzing build).
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_TOOLS_SPARSA_FUZZ_SPEC_SPECFUZZCHECK_H
#define SPARSA_TOOLS_SPARSA_FUZZ_SPEC_SPECFUZZCHECK_H

#include "llvm/ADT/StringRef.h"

#include <memory>
#include <string>

namespace mlir {
class MLIRContext;
class PassManager;
} // namespace mlir

namespace sparsa::spec {

/// Runs the whole front end on `text`: parse, verify, canonicalize, and
/// evaluate the parsed and the canonical mask at a few small sizes with the
/// reference evaluator. Returns an empty string when every invariant holds:
/// the parser either succeeds with no error or fails with at least one
/// error diagnostic, the result verifies, canonicalization succeeds and
/// preserves the meaning wherever both masks evaluate. Otherwise returns a
/// description of the broken invariant.
std::string checkSpecInput(llvm::StringRef text, mlir::MLIRContext &context,
                           mlir::PassManager &canonicalize);

/// A context with the front end's dialects and a mask-canonicalize pass
/// manager on it, built once and reused for many inputs.
class SpecChecker {
public:
  SpecChecker();
  ~SpecChecker();
  std::string check(llvm::StringRef text) {
    return checkSpecInput(text, *context, *canonicalize);
  }

private:
  std::unique_ptr<mlir::MLIRContext> context;
  std::unique_ptr<mlir::PassManager> canonicalize;
};

} // namespace sparsa::spec

#endif // SPARSA_TOOLS_SPARSA_FUZZ_SPEC_SPECFUZZCHECK_H
