//===- FrontEnd.h - spec text to canonical mask IR for the JIT --*- C++ -*-===//
//
// The first half of a JIT compilation: a fresh MLIRContext (one per
// compilation, so concurrent compilations share nothing mutable), the spec
// front end and mask-canonicalize. The printed canonical function is the
// structural cache key; the context, source buffer and module stay alive
// for code generation (diagnostics keep their `file:line:col` and caret)
// and, later, for statistics.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_JIT_FRONTEND_H
#define SPARSA_LIB_JIT_FRONTEND_H

#include "sparsa/Compiler.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/SourceMgr.h"

#include <memory>
#include <string>

namespace sparsa::jit {

/// Name every JIT pattern function gets, so that the user's name never
/// changes the structural key.
inline constexpr const char *kInternalName = "sparsa_jit";

struct ParsedPattern {
  std::unique_ptr<mlir::MLIRContext> context;
  std::unique_ptr<llvm::SourceMgr> sourceMgr;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  /// The canonical pattern function, printed without locations.
  std::string canonical;
};

/// A context with every dialect and translation the CPU JIT uses
/// (multithreading off: parallelism is the caller's, across compilations).
std::unique_ptr<mlir::MLIRContext> makeContext();

/// Checks options that do not depend on the pattern.
Status checkOptions(const CompileOptions &options);

/// Parses `spec` (buffer name options.fileName) with options.defines and
/// canonicalizes it under the function name `functionName`.
Result<std::shared_ptr<ParsedPattern>>
parsePattern(const std::string &spec, const CompileOptions &options,
             const std::string &functionName = kInternalName);

/// The options that change generated code (target, D, tiles, vector width,
/// layout, opt level), serialised once for both cache keys.
std::string codeOptionsKey(const CompileOptions &options);

/// The key of everything that changes generated code: options and the
/// canonical pattern.
std::string structureKey(const ParsedPattern &parsed,
                         const CompileOptions &options);

/// Runs `fn` with diagnostics of `parsed`'s context rendered like the front
/// end's (`file:line:col`, line, caret) into `out`.
class DiagnosticCapture {
public:
  DiagnosticCapture(ParsedPattern &parsed, std::string &out);
  ~DiagnosticCapture();

private:
  struct Impl;
  std::unique_ptr<Impl> impl;
};

} // namespace sparsa::jit

#endif // SPARSA_LIB_JIT_FRONTEND_H
