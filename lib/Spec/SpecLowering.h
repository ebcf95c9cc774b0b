//===- SpecLowering.h - syntax tree to the mask dialect ---------*- C++ -*-===//
//
// Lowers a parsed Program to a module with one pattern function. Internal to
// the front end; users call parseSpec().
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_SPEC_SPECLOWERING_H
#define SPARSA_LIB_SPEC_SPECLOWERING_H

#include "lib/Spec/SpecAST.h"
#include "lib/Spec/SpecLocation.h"
#include "lib/Spec/SpecParser.h"

namespace sparsa::spec {

/// Builds the module; on failure an error has been emitted and the result
/// is null.
mlir::OwningOpRef<mlir::ModuleOp> lowerProgram(const Program &program,
                                               const SourceLocator &locator,
                                               const SpecOptions &options);

} // namespace sparsa::spec

#endif // SPARSA_LIB_SPEC_SPECLOWERING_H
