//===- SpecAST.h - syntax tree of the pattern language ----------*- C++ -*-===//
//
// The parsed form of a `.sparsa` file. Names are resolved while parsing
// (scopes are sequential), so the tree refers to parameters and `let`s by
// index; lowering to the mask dialect only has to compute values. Every node
// keeps the source location of the construct it stands for, which becomes
// the FileLineColLoc of the ops lowered from it.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_SPEC_SPECAST_H
#define SPARSA_LIB_SPEC_SPECAST_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SMLoc.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace sparsa::spec {

/// An integer expression over literals, parameters and `N`.
struct IntExpr {
  enum class Kind { Literal, Param, SeqLen, Neg, Add, Sub, Mul, Div, Mod };
  Kind kind;
  llvm::SMLoc loc;                   // the literal, name or operator
  unsigned depth = 1;                // nesting depth of the tree below
  int64_t value = 0;                 // Literal
  unsigned param = 0;                // Param: index into Program::params
  std::unique_ptr<IntExpr> lhs, rhs; // Neg uses lhs only
};

/// An index set `a..b`, `a..`, `..b` or `[i, j, ...]`.
struct SetExpr {
  bool isRange = true;
  llvm::SMLoc loc;
  std::unique_ptr<IntExpr> lo, hi; // either may be null for ranges
  std::vector<std::unique_ptr<IntExpr>> elements;
};

/// The built-in leaves of the language.
enum class LeafKind {
  All,
  None,
  Causal,
  Window,
  Stride,
  Dilated,
  Blocks,
  Summary,
  Prefix,
  RandomBlocks,
  Global,
  GlobalRows,
  GlobalCols
};

struct PatExpr;

/// One `lo..hi: PATTERN` entry of a `heads { ... }` block.
struct HeadRange {
  llvm::SMLoc loc;
  std::unique_ptr<IntExpr> lo, hi;
  std::unique_ptr<PatExpr> body;
};

/// A pattern expression.
struct PatExpr {
  enum class Kind {
    Leaf,
    LetRef,
    Union,
    Intersect,
    Difference,
    Complement,
    Heads
  };
  Kind kind;
  llvm::SMLoc loc;    // the leaf name, the reference, or the (first) operator
  unsigned depth = 1; // nesting depth, `let` bodies included
  LeafKind leaf = LeafKind::All;
  std::vector<std::unique_ptr<IntExpr>> args; // integer arguments of a leaf
  std::vector<llvm::SMLoc> argLocs;           // where each argument starts
  std::unique_ptr<SetExpr> set;               // set argument of a leaf
  unsigned let = 0;                           // LetRef: index into lets
  std::vector<std::unique_ptr<PatExpr>> operands;
  std::vector<HeadRange> heads;
};

/// `param NAME = INT-EXPR` or `param NAME : runtime`.
struct ParamDecl {
  llvm::StringRef name;
  llvm::SMLoc loc;
  bool runtime = false;
  std::unique_ptr<IntExpr> value; // null for runtime parameters
  std::optional<int64_t> define;  // value given with -D
  unsigned uses = 0;
};

/// `let NAME = PATTERN`.
struct LetDecl {
  llvm::StringRef name;
  llvm::SMLoc loc;
  std::unique_ptr<PatExpr> body;
};

/// A whole file: declarations in source order and the final pattern.
struct Program {
  std::vector<ParamDecl> params;
  std::vector<LetDecl> lets;
  /// Declaration order, as (isLet, index) pairs; lowering follows it.
  std::vector<std::pair<bool, unsigned>> order;
  std::unique_ptr<PatExpr> pattern;
};

} // namespace sparsa::spec

#endif // SPARSA_LIB_SPEC_SPECAST_H
