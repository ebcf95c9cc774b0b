//===- Pattern.h - building patterns in C++ ---------------------*- C++ -*-===//
//
// A small expression builder for patterns, for host programs that would
// rather not write spec text:
//
//   using sparsa::Pattern;
//   Pattern p = Pattern::window(256, 256) | Pattern::global({0, 64});
//   Pattern swa = Pattern::causal() & Pattern::window(Pattern::param("W"), 0);
//
// A Pattern is printed as `.sparsa` text (toSpec()) and compiled through the
// very same front end as a file, so the builder can never disagree with the
// language: every check and diagnostic is the front end's. Parameters used
// anywhere in the tree are declared at the top in order of first use, which
// is also the order run() takes runtime parameters by position.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_PATTERN_H
#define SPARSA_PATTERN_H

#include "sparsa/Export.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sparsa {

/// A parameter declaration collected from an expression tree.
struct ParamDecl {
  std::string name;
  bool runtime = true;
  int64_t value = 0; ///< compile-time value (when !runtime)
  bool operator==(const ParamDecl &o) const {
    return name == o.name && runtime == o.runtime && value == o.value;
  }
};

/// An integer expression: a constant, a parameter, the sequence length N,
/// or arithmetic on them (`/` and `%` are floor division and modulo).
class SPARSA_API Expr {
public:
  Expr(int64_t value);
  Expr(int value) : Expr(static_cast<int64_t>(value)) {}

  const std::string &text() const { return text_; }
  const std::vector<ParamDecl> &params() const { return params_; }

  friend SPARSA_API Expr operator+(const Expr &a, const Expr &b);
  friend SPARSA_API Expr operator-(const Expr &a, const Expr &b);
  friend SPARSA_API Expr operator*(const Expr &a, const Expr &b);
  friend SPARSA_API Expr operator/(const Expr &a, const Expr &b);
  friend SPARSA_API Expr operator%(const Expr &a, const Expr &b);
  friend SPARSA_API Expr operator-(const Expr &a);

private:
  friend class Pattern;
  Expr() = default;
  std::string text_;
  std::vector<ParamDecl> params_;
};

/// A set of token indices: the half-open range [begin, end) (negative
/// values count from the end of the sequence), an open range, or a list.
class SPARSA_API IndexSet {
public:
  /// begin..end
  IndexSet(Expr begin, Expr end);
  /// begin.. (to the end of the sequence)
  static IndexSet from(Expr begin);
  /// ..end (from the start)
  static IndexSet upTo(Expr end);
  /// [i, j, ...]
  static IndexSet list(std::vector<Expr> members);

  const std::string &text() const { return text_; }
  const std::vector<ParamDecl> &params() const { return params_; }

private:
  IndexSet() = default;
  std::string text_;
  std::vector<ParamDecl> params_;
};

class SPARSA_API Pattern {
public:
  // Integer operands.
  /// A runtime parameter (a kernel argument; changing it never recompiles).
  static Expr param(const std::string &name);
  /// A compile-time parameter with a default value (CompileOptions::defines
  /// can override it, like `sparsac -D`).
  static Expr constant(const std::string &name, int64_t value);
  /// The key sequence length N.
  static Expr seqLen();

  // Leaves (see docs/spec-language.md for their meaning).
  static Pattern all();
  static Pattern none();
  static Pattern causal(Expr offset = 0);
  static Pattern window(Expr before, Expr after);
  static Pattern stride(Expr period, Expr residue = 0);
  static Pattern dilated(Expr before, Expr after, Expr dilation);
  static Pattern global(const IndexSet &set);
  static Pattern globalRows(const IndexSet &set);
  static Pattern globalCols(const IndexSet &set);
  static Pattern blocks(Expr size);
  static Pattern summary(Expr period, Expr count);
  static Pattern prefix(Expr length);
  static Pattern randomBlocks(Expr block, Expr count, Expr seed);
  /// Per-head patterns: {{4, A}, {8, B}} is A for heads 0-3, B for 4-7.
  static Pattern heads(const std::vector<std::pair<int64_t, Pattern>> &ends);

  friend SPARSA_API Pattern operator|(const Pattern &a, const Pattern &b);
  friend SPARSA_API Pattern operator&(const Pattern &a, const Pattern &b);
  friend SPARSA_API Pattern operator-(const Pattern &a, const Pattern &b);
  friend SPARSA_API Pattern operator!(const Pattern &a);

  /// The expression alone (parenthesized).
  const std::string &expression() const { return text_; }
  const std::vector<ParamDecl> &params() const { return params_; }
  /// A complete `.sparsa` program: parameter declarations, then the
  /// expression.
  std::string toSpec() const;

private:
  Pattern() = default;
  std::string text_;
  std::vector<ParamDecl> params_;
};

} // namespace sparsa

#endif // SPARSA_PATTERN_H
