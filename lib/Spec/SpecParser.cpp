//===- SpecParser.cpp - pattern language front end ------------------------===//
//
// Glue of the front end: parse the buffer into a syntax tree, check the
// command-line definitions against the declared parameters, lower.
//
//===----------------------------------------------------------------------===//

#include "lib/Spec/SpecParser.h"
#include "lib/Spec/SpecLowering.h"
#include "lib/Spec/SpecSyntaxParser.h"

#include "dialects/Mask/IR/MaskDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"

using namespace mlir;
using namespace sparsa::spec;

void sparsa::spec::registerSpecDialects(DialectRegistry &registry) {
  registry.insert<sparsa::mask::MaskDialect, arith::ArithDialect,
                  func::FuncDialect>();
}

// A -D naming no parameter is an error: a typo must not be silently ignored.
static LogicalResult checkDefines(const Program &program,
                                  const SourceLocator &locator,
                                  const SpecOptions &options) {
  SmallVector<StringRef> names;
  for (const ParamDecl &p : program.params)
    names.push_back(p.name);
  // Sorted, so that the first error does not depend on hash order.
  SmallVector<StringRef> defined;
  for (const auto &d : options.defines)
    defined.push_back(d.getKey());
  llvm::sort(defined);
  for (StringRef d : defined) {
    if (llvm::is_contained(names, d))
      continue;
    Location at =
        FileLineColLoc::get(locator.getContext(), "<command line>", 0, 0);
    InFlightDiagnostic diag = emitError(at);
    if (d == "N")
      return diag << "-D N: 'N' is the key sequence length, not a "
                     "parameter";
    bool isLet = llvm::any_of(program.lets,
                              [&](const LetDecl &l) { return l.name == d; });
    if (isLet)
      return diag << "-D " << d << ": '" << d
                  << "' is a pattern defined with 'let', not a parameter";
    diag << "-D " << d << ": unknown parameter '" << d << "'";
    if (auto best = closestName(d, names))
      diag << "; did you mean '" << *best << "'?";
    return diag;
  }
  return success();
}

OwningOpRef<ModuleOp> sparsa::spec::parseSpec(llvm::SourceMgr &sourceMgr,
                                              MLIRContext *context,
                                              const SpecOptions &options) {
  context->loadDialect<sparsa::mask::MaskDialect, arith::ArithDialect,
                       func::FuncDialect>();
  SourceLocator locator(sourceMgr, context);
  FailureOr<Program> program = parseProgram(locator, options);
  if (failed(program))
    return nullptr;
  if (failed(checkDefines(*program, locator, options)))
    return nullptr;
  return lowerProgram(*program, locator, options);
}
