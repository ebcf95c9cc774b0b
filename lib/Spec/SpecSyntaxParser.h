//===- SpecSyntaxParser.h - recursive-descent parser ------------*- C++ -*-===//
//
// Parses `.sparsa` text into the syntax tree of SpecAST.h, resolving names
// as it goes. Internal to the front end; users call parseSpec().
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_SPEC_SPECSYNTAXPARSER_H
#define SPARSA_LIB_SPEC_SPECSYNTAXPARSER_H

#include "lib/Spec/SpecAST.h"
#include "lib/Spec/SpecLocation.h"
#include "lib/Spec/SpecParser.h"

#include "mlir/Support/LLVM.h"

namespace sparsa::spec {

/// Parses the whole buffer; on failure an error has been emitted.
mlir::FailureOr<Program> parseProgram(const SourceLocator &locator,
                                      const SpecOptions &options);

} // namespace sparsa::spec

#endif // SPARSA_LIB_SPEC_SPECSYNTAXPARSER_H
