//===- SpecParser.h - pattern language front end ----------------*- C++ -*-===//
//
// Entry point of the `.sparsa` front end: parses a source buffer and lowers
// it to a module holding one `func.func` of the mask dialect. Errors are
// reported through MLIR diagnostics carrying FileLineColLocs into the
// buffer, so a SourceMgrDiagnosticHandler prints `file:line:col`, the line
// and a caret.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_SPEC_SPECPARSER_H
#define SPARSA_LIB_SPEC_SPECPARSER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <string>

namespace llvm {
class SourceMgr;
} // namespace llvm

namespace mlir {
class DialectRegistry;
class MLIRContext;
} // namespace mlir

namespace sparsa::spec {

struct SpecOptions {
  /// `-D NAME=VALUE`: replaces the value of a compile-time parameter, or
  /// binds a runtime parameter to a constant (it then is no argument of the
  /// function). Naming anything else is an error.
  llvm::StringMap<int64_t> defines;
  /// Name of the generated function.
  std::string name = "pattern";
  /// Deepest nesting of parentheses, `!`, unary minus and `heads` blocks
  /// the parser accepts; the depth of the expression tree (chains of `-`
  /// and `let` references included) may be at most four times this.
  unsigned maxNesting = 256;
  /// Most distinct building-block calls (a leaf with the same arguments
  /// counts once) and most members of explicit index sets (`[a, b, ...]`,
  /// all sets together) one pattern may have: code generation grows with
  /// both, and a pattern at these limits compiles in seconds.
  unsigned maxLeaves = 1024;
  unsigned maxSetMembers = 1024;
};

/// The largest spec text the front ends accept (16 MiB): sparsac's input,
/// `Compiler::compile`'s text and `Compiler::compileFile`'s file.
inline constexpr size_t kMaxSpecBytes = size_t(16) << 20;

/// "input is larger than ... bytes" when `bytes` exceeds kMaxSpecBytes,
/// else empty.
std::string checkSpecSize(size_t bytes);

/// Reads the spec at `path` (`-`: standard input), at most kMaxSpecBytes
/// + 1 bytes of it, so that checkSpecSize refuses a larger file, a device
/// or an endless pipe instead of exhausting memory.
llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
readSpecInput(llvm::StringRef path);

/// True when `name` can name the generated function and its C symbols: a C
/// identifier (letters, digits, '_', not starting with a digit).
bool isValidFunctionName(llvm::StringRef name);

/// Parses the main buffer of `sourceMgr`. On success returns a module with
/// one `func.func @<name>` carrying the unit attribute `mask.pattern`, whose
/// `index` arguments are the runtime parameters in declaration order (each
/// with the argument attribute `mask.param = "NAME"`) and which returns the
/// pattern's `!mask.mask`. On failure reports the error through `context`'s
/// diagnostic engine and returns null. Loads the dialects it needs.
mlir::OwningOpRef<mlir::ModuleOp> parseSpec(llvm::SourceMgr &sourceMgr,
                                            mlir::MLIRContext *context,
                                            const SpecOptions &options = {});

/// Adds the dialects the front end's output uses to `registry`.
void registerSpecDialects(mlir::DialectRegistry &registry);

/// Name of the argument attribute holding a runtime parameter's name, and of
/// the unit attribute marking a pattern function.
inline constexpr llvm::StringLiteral kParamAttrName = "mask.param";
inline constexpr llvm::StringLiteral kPatternAttrName = "mask.pattern";

} // namespace sparsa::spec

#endif // SPARSA_LIB_SPEC_SPECPARSER_H
