//===- SpecDiagnostics.h - printing front-end diagnostics -------*- C++ -*-===//
//
// A diagnostic handler for tools that print spec errors: `file:line:col:
// error: message`, the source line and a caret under the column. Unlike
// MLIR's SourceMgrDiagnosticHandler it shows at most a window of a long
// line (an input may be one 10 MB line) and masks control bytes, so
// binary input cannot flood or garble the terminal.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_SPEC_SPECDIAGNOSTICS_H
#define SPARSA_LIB_SPEC_SPECDIAGNOSTICS_H

#include "mlir/IR/Diagnostics.h"

namespace llvm {
class SourceMgr;
class raw_ostream;
} // namespace llvm

namespace sparsa::spec {

class SpecDiagnosticHandler : public mlir::ScopedDiagnosticHandler {
public:
  SpecDiagnosticHandler(llvm::SourceMgr &sourceMgr, mlir::MLIRContext *ctx,
                        llvm::raw_ostream &os);

private:
  void print(mlir::Diagnostic &diag);

  llvm::SourceMgr &sourceMgr;
  llvm::raw_ostream &os;
};

} // namespace sparsa::spec

#endif // SPARSA_LIB_SPEC_SPECDIAGNOSTICS_H
