//===- SpecSyntaxParser.cpp - recursive-descent parser --------------------===//
//
// A hand-written recursive-descent parser: one function per precedence
// level. Whether an expression is an integer or a pattern is always known
// from where it appears (a `param` value, a leaf argument, a set bound or a
// head range is an integer; everything else is a pattern), so `-` is integer
// subtraction or negation in integer position and set difference in pattern
// position, with no ambiguity. Recursion is bounded: the parser counts its
// nesting and every tree node records its depth, so no input can overflow
// the stack of the parser, the lowering or the evaluators downstream.
//
//===----------------------------------------------------------------------===//

#include "lib/Spec/SpecSyntaxParser.h"
#include "lib/Spec/SpecBuiltins.h"
#include "lib/Spec/SpecLexer.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSwitch.h"

#include <limits>

using namespace mlir;
using namespace sparsa::spec;
using llvm::SMLoc;
using llvm::StringRef;

std::optional<StringRef>
sparsa::spec::closestName(StringRef name, ArrayRef<StringRef> candidates) {
  std::optional<StringRef> best;
  unsigned bestDist = std::max<size_t>(1, (name.size() + 2) / 3) + 1;
  for (StringRef c : candidates) {
    unsigned d = name.edit_distance(c, /*AllowReplacements=*/true, bestDist);
    if (d < bestDist) {
      bestDist = d;
      best = c;
    }
  }
  return best;
}

namespace {
class SyntaxParser {
public:
  SyntaxParser(const SourceLocator &locator, const SpecOptions &options)
      : locator(locator), options(options), lexer(locator.buffer()) {
    tok = lexer.next();
  }

  FailureOr<Program> parseProgram();

private:
  // A name in scope.
  struct Symbol {
    enum Kind { Param, Let } kind;
    unsigned index;
    SMLoc loc;
  };

  // Increments the nesting counter for the lifetime of a recursive call.
  struct NestingGuard {
    explicit NestingGuard(SyntaxParser &p) : p(p) { ++p.nesting; }
    ~NestingGuard() { --p.nesting; }
    SyntaxParser &p;
  };

  void consume() { tok = lexer.next(); }
  InFlightDiagnostic error(SMLoc loc) { return locator.error(loc); }
  LogicalResult unexpected(StringRef expected);
  LogicalResult expect(TokKind kind, StringRef expected);
  LogicalResult checkNesting(SMLoc loc);
  LogicalResult checkDepth(unsigned depth, SMLoc loc);

  LogicalResult parseParam();
  LogicalResult parseLet();
  LogicalResult declare(StringRef name, SMLoc loc, Symbol::Kind kind,
                        unsigned index);

  std::unique_ptr<PatExpr> parsePattern();
  std::unique_ptr<PatExpr> parseDifference();
  std::unique_ptr<PatExpr> parseIntersection();
  std::unique_ptr<PatExpr> parseUnary();
  std::unique_ptr<PatExpr> parsePrimary();
  std::unique_ptr<PatExpr> parseName();
  std::unique_ptr<PatExpr> parseLeafCall(const LeafInfo &leaf, SMLoc loc);
  std::unique_ptr<PatExpr> parseHeads();
  std::unique_ptr<PatExpr> makeNary(PatExpr::Kind kind, SMLoc loc,
                                    std::vector<std::unique_ptr<PatExpr>> ops);

  std::unique_ptr<IntExpr> parseInt();
  std::unique_ptr<IntExpr> parseTerm();
  std::unique_ptr<IntExpr> parseFactor();
  std::unique_ptr<IntExpr> makeBinary(IntExpr::Kind kind, SMLoc loc,
                                      std::unique_ptr<IntExpr> lhs,
                                      std::unique_ptr<IntExpr> rhs);
  std::unique_ptr<SetExpr> parseSet();

  unsigned maxDepth() const { return 4 * options.maxNesting; }

  const SourceLocator &locator;
  const SpecOptions &options;
  Lexer lexer;
  Token tok;
  Program program;
  llvm::StringMap<Symbol> symbols;
  unsigned nesting = 0;
};
} // namespace

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

LogicalResult SyntaxParser::unexpected(StringRef expected) {
  if (tok.is(TokKind::Error)) {
    if (tok.text == ".")
      return error(tok.loc()) << "unexpected '.'; ranges are written a..b";
    if (!tok.text.empty() && llvm::isDigit(tok.text.front()))
      return error(tok.loc()) << "invalid number " << describe(tok);
    return error(tok.loc()) << "unexpected character " << describe(tok)
                            << "; expected " << expected;
  }
  return error(tok.loc()) << "expected " << expected << ", got "
                          << describe(tok);
}

LogicalResult SyntaxParser::expect(TokKind kind, StringRef expected) {
  if (!tok.is(kind))
    return unexpected(expected);
  consume();
  return success();
}

LogicalResult SyntaxParser::checkNesting(SMLoc loc) {
  if (nesting <= options.maxNesting)
    return success();
  return error(loc) << "expression nested too deeply (more than "
                    << options.maxNesting << " levels)";
}

LogicalResult SyntaxParser::checkDepth(unsigned depth, SMLoc loc) {
  if (depth <= maxDepth())
    return success();
  return error(loc) << "expression too deep (more than " << maxDepth()
                    << " levels of operators); break it up with 'let' or "
                       "'param'";
}

LogicalResult SyntaxParser::declare(StringRef name, SMLoc loc,
                                    Symbol::Kind kind, unsigned index) {
  if (name == "N")
    return error(loc) << "'N' is the key sequence length and cannot be "
                         "redefined";
  if (name == "runtime")
    return error(loc) << "'runtime' is a keyword and cannot be a name";
  if (lookupLeaf(name))
    return error(loc) << "'" << name
                      << "' is a built-in pattern and cannot be redefined";
  auto [it, inserted] = symbols.try_emplace(name, Symbol{kind, index, loc});
  if (!inserted) {
    InFlightDiagnostic diag = error(loc)
                              << "'" << name << "' is already defined";
    diag.attachNote(locator(it->second.loc))
        << "previous definition of '" << name << "' is here";
    return diag;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Declarations
//===----------------------------------------------------------------------===//

FailureOr<Program> SyntaxParser::parseProgram() {
  while (tok.is(TokKind::KwParam) || tok.is(TokKind::KwLet)) {
    if (failed(tok.is(TokKind::KwParam) ? parseParam() : parseLet()))
      return failure();
  }
  if (tok.is(TokKind::Eof))
    return error(tok.loc()) << "expected a pattern expression";
  program.pattern = parsePattern();
  if (!program.pattern)
    return failure();
  if (tok.is(TokKind::KwParam) || tok.is(TokKind::KwLet))
    return error(tok.loc()) << "unexpected '" << tok.text
                            << "' after the pattern expression; the pattern "
                               "must be the last statement";
  if (!tok.is(TokKind::Eof)) {
    if (tok.is(TokKind::Error))
      return unexpected("end of input after the pattern expression");
    return error(tok.loc())
           << "expected end of input after the pattern "
              "expression, got "
           << describe(tok) << " (combine patterns with '|', '&' or '-')";
  }
  for (const ParamDecl &p : program.params)
    if (p.uses == 0)
      emitWarning(locator(p.loc))
          << "parameter '" << p.name << "' is never used";
  return std::move(program);
}

LogicalResult SyntaxParser::parseParam() {
  consume(); // 'param'
  if (!tok.is(TokKind::Ident))
    return unexpected("a parameter name after 'param'");
  ParamDecl decl;
  decl.name = tok.text;
  decl.loc = tok.loc();
  consume();
  if (tok.is(TokKind::Colon)) {
    consume();
    if (!tok.is(TokKind::Ident) || tok.text != "runtime")
      return unexpected("'runtime' after ':'");
    consume();
    decl.runtime = true;
  } else {
    if (failed(expect(TokKind::Equal,
                      "'=' and a value, or ': runtime', after the "
                      "parameter name")))
      return failure();
    decl.value = parseInt();
    if (!decl.value)
      return failure();
  }
  // Declared after its value so that `param W = W + 1` is an error.
  unsigned index = program.params.size();
  if (failed(declare(decl.name, decl.loc, Symbol::Param, index)))
    return failure();
  if (auto it = options.defines.find(decl.name); it != options.defines.end())
    decl.define = it->second;
  program.params.push_back(std::move(decl));
  program.order.push_back({false, index});
  return success();
}

LogicalResult SyntaxParser::parseLet() {
  consume(); // 'let'
  if (!tok.is(TokKind::Ident))
    return unexpected("a pattern name after 'let'");
  LetDecl decl;
  decl.name = tok.text;
  decl.loc = tok.loc();
  consume();
  if (failed(expect(TokKind::Equal, "'=' after the pattern name")))
    return failure();
  decl.body = parsePattern();
  if (!decl.body)
    return failure();
  unsigned index = program.lets.size();
  if (failed(declare(decl.name, decl.loc, Symbol::Let, index)))
    return failure();
  program.lets.push_back(std::move(decl));
  program.order.push_back({true, index});
  return success();
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

std::unique_ptr<PatExpr>
SyntaxParser::makeNary(PatExpr::Kind kind, SMLoc loc,
                       std::vector<std::unique_ptr<PatExpr>> ops) {
  auto e = std::make_unique<PatExpr>();
  e->kind = kind;
  e->loc = loc;
  unsigned depth = 0;
  for (auto &op : ops)
    depth = std::max(depth, op->depth);
  e->depth = depth + 1;
  e->operands = std::move(ops);
  if (failed(checkDepth(e->depth, loc)))
    return nullptr;
  return e;
}

// pattern := difference { '|' difference }
std::unique_ptr<PatExpr> SyntaxParser::parsePattern() {
  auto first = parseDifference();
  if (!first || !tok.is(TokKind::Pipe))
    return first;
  SMLoc loc = tok.loc();
  std::vector<std::unique_ptr<PatExpr>> ops;
  ops.push_back(std::move(first));
  while (tok.is(TokKind::Pipe)) {
    consume();
    auto next = parseDifference();
    if (!next)
      return nullptr;
    ops.push_back(std::move(next));
  }
  return makeNary(PatExpr::Kind::Union, loc, std::move(ops));
}

// difference := intersection { '-' intersection }   (left-associative)
std::unique_ptr<PatExpr> SyntaxParser::parseDifference() {
  auto lhs = parseIntersection();
  while (lhs && tok.is(TokKind::Minus)) {
    SMLoc loc = tok.loc();
    consume();
    auto rhs = parseIntersection();
    if (!rhs)
      return nullptr;
    std::vector<std::unique_ptr<PatExpr>> ops;
    ops.push_back(std::move(lhs));
    ops.push_back(std::move(rhs));
    lhs = makeNary(PatExpr::Kind::Difference, loc, std::move(ops));
  }
  return lhs;
}

// intersection := unary { '&' unary }
std::unique_ptr<PatExpr> SyntaxParser::parseIntersection() {
  auto first = parseUnary();
  if (!first || !tok.is(TokKind::Amp))
    return first;
  SMLoc loc = tok.loc();
  std::vector<std::unique_ptr<PatExpr>> ops;
  ops.push_back(std::move(first));
  while (tok.is(TokKind::Amp)) {
    consume();
    auto next = parseUnary();
    if (!next)
      return nullptr;
    ops.push_back(std::move(next));
  }
  return makeNary(PatExpr::Kind::Intersect, loc, std::move(ops));
}

// unary := '!' unary | primary
std::unique_ptr<PatExpr> SyntaxParser::parseUnary() {
  if (!tok.is(TokKind::Bang))
    return parsePrimary();
  SMLoc loc = tok.loc();
  consume();
  NestingGuard guard(*this);
  if (failed(checkNesting(loc)))
    return nullptr;
  auto operand = parseUnary();
  if (!operand)
    return nullptr;
  std::vector<std::unique_ptr<PatExpr>> ops;
  ops.push_back(std::move(operand));
  return makeNary(PatExpr::Kind::Complement, loc, std::move(ops));
}

// primary := '(' pattern ')' | heads | name [ '(' arguments ')' ]
std::unique_ptr<PatExpr> SyntaxParser::parsePrimary() {
  if (tok.is(TokKind::LParen)) {
    SMLoc open = tok.loc();
    consume();
    NestingGuard guard(*this);
    if (failed(checkNesting(open)))
      return nullptr;
    auto inner = parsePattern();
    if (!inner)
      return nullptr;
    if (!tok.is(TokKind::RParen)) {
      (void)unexpected("')'");
      return nullptr;
    }
    consume();
    return inner;
  }
  if (tok.is(TokKind::KwHeads))
    return parseHeads();
  if (tok.is(TokKind::Ident))
    return parseName();
  if (tok.is(TokKind::Int) || tok.is(TokKind::Minus)) {
    error(tok.loc()) << "expected a pattern, got " << describe(tok)
                     << " (integers appear only as arguments, e.g. "
                        "window(4, 0))";
    return nullptr;
  }
  (void)unexpected("a pattern");
  return nullptr;
}

// Whether a line break separates the current token from `prev`, which ends
// at `prevEnd`.
static bool lineBreakBetween(const char *prevEnd, const Token &tok) {
  return StringRef(prevEnd, tok.text.data() - prevEnd).contains('\n');
}

std::unique_ptr<PatExpr> SyntaxParser::parseName() {
  StringRef name = tok.text;
  SMLoc loc = tok.loc();
  consume();
  // A name that may stand alone (`causal`, a `let`) followed by `(` on a
  // later line ends there: the parenthesis starts the next statement's
  // pattern, as in `let a = causal` followed by a line `(b | c) - d`.
  bool callOnSameLine =
      tok.is(TokKind::LParen) && !lineBreakBetween(name.end(), tok);
  if (const LeafInfo *leaf = lookupLeaf(name)) {
    if (leaf->bare() && tok.is(TokKind::LParen) && !callOnSameLine) {
      auto e = std::make_unique<PatExpr>();
      e->kind = PatExpr::Kind::Leaf;
      e->leaf = leaf->kind;
      e->loc = loc;
      return e;
    }
    return parseLeafCall(*leaf, loc);
  }

  auto it = symbols.find(name);
  if (it != symbols.end() && it->second.kind == Symbol::Let) {
    if (callOnSameLine) {
      error(tok.loc()) << "'" << name
                       << "' is a pattern defined with 'let' and takes no "
                          "arguments";
      return nullptr;
    }
    auto e = std::make_unique<PatExpr>();
    e->kind = PatExpr::Kind::LetRef;
    e->loc = loc;
    e->let = it->second.index;
    e->depth = program.lets[e->let].body->depth;
    return e;
  }
  if (it != symbols.end()) {
    error(loc) << "'" << name
               << "' is an integer parameter, not a pattern; use it as an "
                  "argument, e.g. window("
               << name << ", 0)";
    return nullptr;
  }
  if (name == "N") {
    error(loc) << "'N' is the key sequence length, not a pattern";
    return nullptr;
  }
  // Unknown: suggest a built-in or a `let` in scope.
  SmallVector<StringRef> candidates;
  for (const LeafInfo &l : allLeaves())
    candidates.push_back(l.name);
  for (const LetDecl &l : program.lets)
    candidates.push_back(l.name);
  InFlightDiagnostic diag = error(loc) << "unknown pattern '" << name << "'";
  if (auto best = closestName(name, candidates))
    diag << "; did you mean '" << *best << "'?";
  return nullptr;
}

std::unique_ptr<PatExpr> SyntaxParser::parseLeafCall(const LeafInfo &leaf,
                                                     SMLoc loc) {
  auto e = std::make_unique<PatExpr>();
  e->kind = PatExpr::Kind::Leaf;
  e->leaf = leaf.kind;
  e->loc = loc;
  if (!tok.is(TokKind::LParen)) {
    if (leaf.bare())
      return e;
    error(loc) << "'" << leaf.name << "' needs arguments: " << leaf.signature();
    return nullptr;
  }
  if (leaf.maxArgs == 0 && !leaf.takesSet) {
    error(tok.loc()) << "'" << leaf.name << "' takes no arguments";
    return nullptr;
  }
  SMLoc open = tok.loc();
  consume();
  NestingGuard guard(*this);
  if (failed(checkNesting(open)))
    return nullptr;
  if (leaf.takesSet) {
    e->set = parseSet();
    if (!e->set)
      return nullptr;
  } else if (!tok.is(TokKind::RParen)) {
    while (true) {
      e->argLocs.push_back(tok.loc());
      auto arg = parseInt();
      if (!arg)
        return nullptr;
      e->args.push_back(std::move(arg));
      if (!tok.is(TokKind::Comma))
        break;
      if (e->args.size() == leaf.maxArgs) {
        error(tok.loc()) << "too many arguments to '" << leaf.name
                         << "': expected " << leaf.signature();
        return nullptr;
      }
      consume();
    }
  }
  if (!tok.is(TokKind::RParen)) {
    (void)unexpected(leaf.takesSet ? "')' after the set"
                                   : "',' or ')' in the argument list");
    return nullptr;
  }
  if (!leaf.takesSet && e->args.size() < leaf.minArgs) {
    error(tok.loc()) << "too few arguments to '" << leaf.name << "': expected "
                     << leaf.signature() << ", got " << e->args.size();
    return nullptr;
  }
  consume();
  return e;
}

// heads := 'heads' '{' range ':' pattern { ';' range ':' pattern } [';'] '}'
std::unique_ptr<PatExpr> SyntaxParser::parseHeads() {
  auto e = std::make_unique<PatExpr>();
  e->kind = PatExpr::Kind::Heads;
  e->loc = tok.loc();
  consume();
  NestingGuard guard(*this);
  if (failed(checkNesting(e->loc)))
    return nullptr;
  if (failed(expect(TokKind::LBrace, "'{' after 'heads'")))
    return nullptr;
  unsigned depth = 0;
  while (!tok.is(TokKind::RBrace)) {
    HeadRange range;
    range.loc = tok.loc();
    range.lo = parseInt();
    if (!range.lo)
      return nullptr;
    if (failed(
            expect(TokKind::DotDot, "'..' in a head range (written lo..hi)")))
      return nullptr;
    range.hi = parseInt();
    if (!range.hi)
      return nullptr;
    if (failed(expect(TokKind::Colon, "':' after the head range")))
      return nullptr;
    range.body = parsePattern();
    if (!range.body)
      return nullptr;
    depth = std::max(depth, range.body->depth);
    e->heads.push_back(std::move(range));
    if (tok.is(TokKind::Semi)) {
      consume();
      continue;
    }
    if (!tok.is(TokKind::RBrace)) {
      (void)unexpected("';' or '}' after a head's pattern");
      return nullptr;
    }
  }
  if (e->heads.empty()) {
    error(tok.loc()) << "'heads' needs at least one range, e.g. "
                        "heads { 0..8: causal }";
    return nullptr;
  }
  consume(); // '}'
  e->depth = depth + 1;
  if (failed(checkDepth(e->depth, e->loc)))
    return nullptr;
  return e;
}

//===----------------------------------------------------------------------===//
// Integers and sets
//===----------------------------------------------------------------------===//

std::unique_ptr<IntExpr>
SyntaxParser::makeBinary(IntExpr::Kind kind, SMLoc loc,
                         std::unique_ptr<IntExpr> lhs,
                         std::unique_ptr<IntExpr> rhs) {
  auto e = std::make_unique<IntExpr>();
  e->kind = kind;
  e->loc = loc;
  e->depth = 1 + std::max(lhs->depth, rhs ? rhs->depth : 0);
  e->lhs = std::move(lhs);
  e->rhs = std::move(rhs);
  if (failed(checkDepth(e->depth, loc)))
    return nullptr;
  return e;
}

// int := term { ('+' | '-') term }
std::unique_ptr<IntExpr> SyntaxParser::parseInt() {
  auto lhs = parseTerm();
  while (lhs && (tok.is(TokKind::Plus) || tok.is(TokKind::Minus))) {
    IntExpr::Kind kind =
        tok.is(TokKind::Plus) ? IntExpr::Kind::Add : IntExpr::Kind::Sub;
    SMLoc loc = tok.loc();
    consume();
    auto rhs = parseTerm();
    if (!rhs)
      return nullptr;
    lhs = makeBinary(kind, loc, std::move(lhs), std::move(rhs));
  }
  return lhs;
}

// term := factor { ('*' | '/' | '%') factor }
std::unique_ptr<IntExpr> SyntaxParser::parseTerm() {
  auto lhs = parseFactor();
  while (lhs && (tok.is(TokKind::Star) || tok.is(TokKind::Slash) ||
                 tok.is(TokKind::Percent))) {
    IntExpr::Kind kind = tok.is(TokKind::Star)    ? IntExpr::Kind::Mul
                         : tok.is(TokKind::Slash) ? IntExpr::Kind::Div
                                                  : IntExpr::Kind::Mod;
    SMLoc loc = tok.loc();
    consume();
    auto rhs = parseFactor();
    if (!rhs)
      return nullptr;
    lhs = makeBinary(kind, loc, std::move(lhs), std::move(rhs));
  }
  return lhs;
}

// factor := '-' factor | INT | NAME | '(' int ')'
std::unique_ptr<IntExpr> SyntaxParser::parseFactor() {
  SMLoc loc = tok.loc();
  if (tok.is(TokKind::Minus)) {
    consume();
    NestingGuard guard(*this);
    if (failed(checkNesting(loc)))
      return nullptr;
    auto operand = parseFactor();
    if (!operand)
      return nullptr;
    return makeBinary(IntExpr::Kind::Neg, loc, std::move(operand), nullptr);
  }
  if (tok.is(TokKind::LParen)) {
    consume();
    NestingGuard guard(*this);
    if (failed(checkNesting(loc)))
      return nullptr;
    auto inner = parseInt();
    if (!inner)
      return nullptr;
    if (failed(expect(TokKind::RParen, "')'")))
      return nullptr;
    return inner;
  }
  auto e = std::make_unique<IntExpr>();
  e->loc = loc;
  if (tok.is(TokKind::Int)) {
    e->kind = IntExpr::Kind::Literal;
    if (tok.text.getAsInteger(10, e->value)) {
      error(loc) << "integer literal " << tok.text
                 << " is too large (the maximum is "
                 << std::numeric_limits<int64_t>::max() << ")";
      return nullptr;
    }
    consume();
    return e;
  }
  if (!tok.is(TokKind::Ident)) {
    (void)unexpected("an integer expression");
    return nullptr;
  }
  StringRef name = tok.text;
  consume();
  if (name == "N") {
    e->kind = IntExpr::Kind::SeqLen;
    return e;
  }
  auto it = symbols.find(name);
  if (it != symbols.end() && it->second.kind == Symbol::Param) {
    e->kind = IntExpr::Kind::Param;
    e->param = it->second.index;
    ++program.params[e->param].uses;
    return e;
  }
  if (it != symbols.end() || lookupLeaf(name)) {
    error(loc) << "'" << name << "' is a pattern, not an integer";
    return nullptr;
  }
  SmallVector<StringRef> candidates = {"N"};
  for (const ParamDecl &p : program.params)
    candidates.push_back(p.name);
  InFlightDiagnostic diag = error(loc) << "unknown parameter '" << name << "'";
  if (auto best = closestName(name, candidates))
    diag << "; did you mean '" << *best << "'?";
  return nullptr;
}

// set := int '..' [int] | '..' int | '[' [int {',' int}] ']'
std::unique_ptr<SetExpr> SyntaxParser::parseSet() {
  auto s = std::make_unique<SetExpr>();
  s->loc = tok.loc();
  if (tok.is(TokKind::LBracket)) {
    s->isRange = false;
    consume();
    if (!tok.is(TokKind::RBracket)) {
      while (true) {
        auto el = parseInt();
        if (!el)
          return nullptr;
        s->elements.push_back(std::move(el));
        if (!tok.is(TokKind::Comma))
          break;
        consume();
      }
    }
    if (failed(expect(TokKind::RBracket, "',' or ']' in the index list")))
      return nullptr;
    return s;
  }
  if (!tok.is(TokKind::DotDot)) {
    s->lo = parseInt();
    if (!s->lo)
      return nullptr;
  }
  if (failed(expect(TokKind::DotDot,
                    "'..' in a range (a..b, a.., ..b) or a list [i, j]")))
    return nullptr;
  if (tok.is(TokKind::RParen)) {
    if (!s->lo) {
      error(tok.loc()) << "a range needs at least one bound: a..b, a.. or ..b";
      return nullptr;
    }
    return s;
  }
  s->hi = parseInt();
  if (!s->hi)
    return nullptr;
  return s;
}

FailureOr<Program> sparsa::spec::parseProgram(const SourceLocator &locator,
                                              const SpecOptions &options) {
  SyntaxParser parser(locator, options);
  return parser.parseProgram();
}
