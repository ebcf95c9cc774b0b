//===- SpecLocation.h - source locations of the front end -------*- C++ -*-===//
//
// Turns positions in the source buffer (SMLoc) into MLIR FileLineColLocs
// named after the buffer, which is what lets a SourceMgrDiagnosticHandler
// find the line again and print it with a caret. Every diagnostic and every
// op of the front end goes through this one translation.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_SPEC_SPECLOCATION_H
#define SPARSA_LIB_SPEC_SPECLOCATION_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "llvm/Support/SourceMgr.h"

#include <vector>

namespace sparsa::spec {

class SourceLocator {
public:
  SourceLocator(llvm::SourceMgr &sm, mlir::MLIRContext *ctx);

  mlir::Location operator()(llvm::SMLoc loc) const;
  mlir::InFlightDiagnostic error(llvm::SMLoc loc) const {
    return mlir::emitError((*this)(loc));
  }
  mlir::MLIRContext *getContext() const { return ctx; }
  llvm::StringRef buffer() const { return text; }

private:
  mlir::MLIRContext *ctx;
  llvm::StringRef text;
  mlir::StringAttr file;
  /// Offsets at which lines start. SourceMgr finds a column by scanning
  /// back to the line start, which is quadratic over the many locations
  /// of one long line; a binary search here is not.
  std::vector<size_t> lineStarts;
};

/// The candidate closest to `name` by edit distance, if close enough to be a
/// plausible typo; for "did you mean" hints.
std::optional<llvm::StringRef>
closestName(llvm::StringRef name, llvm::ArrayRef<llvm::StringRef> candidates);

} // namespace sparsa::spec

#endif // SPARSA_LIB_SPEC_SPECLOCATION_H
