//===- SpecBuiltins.h - the built-in leaves of the language -----*- C++ -*-===//
//
// One table row per built-in pattern (`window`, `stride`, ...): its argument
// signature for the parser and the mask op it lowers to. Adding a leaf is
// one row here and one case in the lowering.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_SPEC_SPECBUILTINS_H
#define SPARSA_LIB_SPEC_SPECBUILTINS_H

#include "lib/Spec/SpecAST.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace sparsa::spec {

struct LeafInfo {
  llvm::StringLiteral name;
  LeafKind kind;
  /// Takes one index-set argument instead of integers.
  bool takesSet;
  /// Number of integer arguments accepted; missing trailing ones take
  /// `defaults` (causal's offset 0, stride's residue 0).
  unsigned minArgs, maxArgs;
  int64_t defaults[3];

  /// Whether the leaf may be written without parentheses.
  bool bare() const { return !takesSet && minArgs == 0; }
  /// Names of the integer parameters, from the mask op's definition.
  llvm::ArrayRef<llvm::StringLiteral> paramNames() const;
  /// The signature for messages, e.g. "window(before, after)".
  std::string signature() const;
};

/// The built-in leaf called `name`, or null.
const LeafInfo *lookupLeaf(llvm::StringRef name);
llvm::ArrayRef<LeafInfo> allLeaves();

} // namespace sparsa::spec

#endif // SPARSA_LIB_SPEC_SPECBUILTINS_H
