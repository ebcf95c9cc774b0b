//===- SpecLexer.cpp - tokens of the pattern language ---------------------===//
//
// Splits a `.sparsa` buffer into tokens. The buffer may hold anything,
// including NUL bytes and invalid UTF-8, so the lexer works on the explicit
// end pointer and never reads past it.
//
//===----------------------------------------------------------------------===//

#include "lib/Spec/SpecLexer.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/raw_ostream.h"

using namespace sparsa::spec;

static bool isIdentStart(char c) { return llvm::isAlpha(c) || c == '_'; }
static bool isIdentChar(char c) { return llvm::isAlnum(c) || c == '_'; }

Token Lexer::next() {
  // Skip white space and comments.
  while (cur != end) {
    if (*cur == ' ' || *cur == '\t' || *cur == '\n' || *cur == '\r' ||
        *cur == '\f' || *cur == '\v') {
      ++cur;
    } else if (*cur == '#') {
      while (cur != end && *cur != '\n')
        ++cur;
    } else {
      break;
    }
  }
  const char *start = cur;
  auto make = [&](TokKind k) {
    return Token{k, llvm::StringRef(start, cur - start)};
  };
  if (cur == end)
    return make(TokKind::Eof);

  char c = *cur++;
  if (isIdentStart(c)) {
    while (cur != end && isIdentChar(*cur))
      ++cur;
    llvm::StringRef word(start, cur - start);
    return make(llvm::StringSwitch<TokKind>(word)
                    .Case("param", TokKind::KwParam)
                    .Case("let", TokKind::KwLet)
                    .Case("heads", TokKind::KwHeads)
                    .Default(TokKind::Ident));
  }
  if (llvm::isDigit(c)) {
    while (cur != end && llvm::isDigit(*cur))
      ++cur;
    // `12abc` is one bad token rather than a number and a name.
    if (cur != end && isIdentStart(*cur)) {
      while (cur != end && isIdentChar(*cur))
        ++cur;
      return make(TokKind::Error);
    }
    return make(TokKind::Int);
  }
  switch (c) {
  case '(':
    return make(TokKind::LParen);
  case ')':
    return make(TokKind::RParen);
  case '[':
    return make(TokKind::LBracket);
  case ']':
    return make(TokKind::RBracket);
  case '{':
    return make(TokKind::LBrace);
  case '}':
    return make(TokKind::RBrace);
  case ',':
    return make(TokKind::Comma);
  case ';':
    return make(TokKind::Semi);
  case ':':
    return make(TokKind::Colon);
  case '=':
    return make(TokKind::Equal);
  case '+':
    return make(TokKind::Plus);
  case '-':
    return make(TokKind::Minus);
  case '*':
    return make(TokKind::Star);
  case '/':
    return make(TokKind::Slash);
  case '%':
    return make(TokKind::Percent);
  case '|':
    return make(TokKind::Pipe);
  case '&':
    return make(TokKind::Amp);
  case '!':
    return make(TokKind::Bang);
  case '.':
    if (cur != end && *cur == '.') {
      ++cur;
      return make(TokKind::DotDot);
    }
    return make(TokKind::Error);
  default:
    return make(TokKind::Error);
  }
}

std::string sparsa::spec::describe(const Token &tok) {
  switch (tok.kind) {
  case TokKind::Eof:
    return "end of input";
  case TokKind::Int:
    return "integer " + tok.text.str();
  case TokKind::Ident:
    return "name '" + tok.text.str() + "'";
  default:
    break;
  }
  // Print bytes that are not plain ASCII as escapes: the input may be binary.
  std::string out = "'";
  llvm::raw_string_ostream os(out);
  for (char ch : tok.text.take_front(32)) {
    unsigned char u = static_cast<unsigned char>(ch);
    if (u >= 0x20 && u < 0x7f)
      os << ch;
    else
      os << "\\x" << llvm::hexdigit(u >> 4, true)
         << llvm::hexdigit(u & 15, true);
  }
  if (tok.text.size() > 32)
    os << "...";
  os << "'";
  return out;
}
