//===- SpecLexer.h - tokens of the pattern language -------------*- C++ -*-===//
//
// A hand-written lexer over one source buffer. It never fails: characters
// that start no token become an `Error` token, which the parser reports
// with its location. Newlines are ordinary white space; statements are
// delimited by their keywords.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_SPEC_SPECLEXER_H
#define SPARSA_LIB_SPEC_SPECLEXER_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SMLoc.h"

#include <string>

namespace sparsa::spec {

enum class TokKind {
  Eof,
  Error,
  Ident,
  Int,
  KwParam,
  KwLet,
  KwHeads,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
  Comma,
  Semi,
  Colon,
  Equal,
  DotDot,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  Pipe,
  Amp,
  Bang
};

struct Token {
  TokKind kind = TokKind::Eof;
  llvm::StringRef text; // spelling in the buffer (empty at end of input)
  bool is(TokKind k) const { return kind == k; }
  llvm::SMLoc loc() const { return llvm::SMLoc::getFromPointer(text.data()); }
};

class Lexer {
public:
  explicit Lexer(llvm::StringRef buffer)
      : cur(buffer.begin()), end(buffer.end()) {}
  Token next();

private:
  const char *cur, *end;
};

/// A human-readable spelling of a token for "expected X, got Y" messages.
std::string describe(const Token &tok);

} // namespace sparsa::spec

#endif // SPARSA_LIB_SPEC_SPECLEXER_H
