//===- Pattern.cpp - the C++ pattern builder ------------------------------===//
//
// Builds `.sparsa` text bottom-up: every compound expression is wrapped in
// parentheses, so the printed program never depends on the language's
// precedence rules, and parameter declarations are merged in order of first
// use (a conflicting redeclaration is kept, so the front end reports it).
//
//===----------------------------------------------------------------------===//

#include "sparsa/Pattern.h"

#include <cstdint>

using namespace sparsa;

static void mergeParams(std::vector<ParamDecl> &into,
                        const std::vector<ParamDecl> &from) {
  for (const ParamDecl &p : from) {
    bool seen = false;
    for (const ParamDecl &q : into)
      seen |= q == p;
    if (!seen)
      into.push_back(p);
  }
}

Expr::Expr(int64_t value) {
  // INT64_MIN has no literal; spell it as an expression the front end folds.
  if (value == INT64_MIN)
    text_ = "(-9223372036854775807 - 1)";
  else if (value < 0)
    text_ = "(" + std::to_string(value) + ")";
  else
    text_ = std::to_string(value);
}

#define SPARSA_EXPR_BINARY(OP)                                                 \
  Expr sparsa::operator OP(const Expr &a, const Expr &b) {                     \
    Expr e = a;                                                                \
    e.text_ = "(" + a.text_ + " " #OP " " + b.text_ + ")";                     \
    mergeParams(e.params_, b.params_);                                         \
    return e;                                                                  \
  }
SPARSA_EXPR_BINARY(+)
SPARSA_EXPR_BINARY(-)
SPARSA_EXPR_BINARY(*)
SPARSA_EXPR_BINARY(/)
SPARSA_EXPR_BINARY(%)
#undef SPARSA_EXPR_BINARY

Expr sparsa::operator-(const Expr &a) {
  Expr e = a;
  e.text_ = "(-" + a.text_ + ")";
  return e;
}

IndexSet::IndexSet(Expr begin, Expr end) {
  text_ = begin.text() + ".." + end.text();
  params_ = begin.params();
  mergeParams(params_, end.params());
}

IndexSet IndexSet::from(Expr begin) {
  IndexSet s;
  s.text_ = begin.text() + "..";
  s.params_ = begin.params();
  return s;
}

IndexSet IndexSet::upTo(Expr end) {
  IndexSet s;
  s.text_ = ".." + end.text();
  s.params_ = end.params();
  return s;
}

IndexSet IndexSet::list(std::vector<Expr> members) {
  IndexSet s;
  s.text_ = "[";
  for (size_t i = 0; i < members.size(); ++i) {
    s.text_ += (i ? ", " : "") + members[i].text();
    mergeParams(s.params_, members[i].params());
  }
  s.text_ += "]";
  return s;
}

Expr Pattern::param(const std::string &name) {
  Expr e;
  e.text_ = name;
  e.params_.push_back({name, true, 0});
  return e;
}

Expr Pattern::constant(const std::string &name, int64_t value) {
  Expr e;
  e.text_ = name;
  e.params_.push_back({name, false, value});
  return e;
}

Expr Pattern::seqLen() {
  Expr e;
  e.text_ = "N";
  return e;
}

namespace {
/// A leaf call NAME(args...).
Pattern leaf(const std::string &name, std::vector<const Expr *> args,
             std::string &text, std::vector<ParamDecl> &params) {
  text = name + "(";
  for (size_t i = 0; i < args.size(); ++i) {
    text += (i ? ", " : "") + args[i]->text();
    mergeParams(params, args[i]->params());
  }
  text += ")";
  return Pattern::all(); // replaced by the caller
}
} // namespace

#define SPARSA_LEAF(FN, NAME, ...)                                             \
  {                                                                            \
    Pattern p;                                                                 \
    leaf(NAME, {__VA_ARGS__}, p.text_, p.params_);                             \
    return p;                                                                  \
  }

Pattern Pattern::all() {
  Pattern p;
  p.text_ = "all";
  return p;
}
Pattern Pattern::none() {
  Pattern p;
  p.text_ = "none";
  return p;
}
Pattern Pattern::causal(Expr offset)
    SPARSA_LEAF(causal, "causal", &offset) Pattern Pattern::window(Expr before,
                                                                   Expr after)
        SPARSA_LEAF(window, "window", &before,
                    &after) Pattern Pattern::stride(Expr period, Expr residue)
            SPARSA_LEAF(stride, "stride", &period, &residue) Pattern
    Pattern::dilated(Expr before, Expr after, Expr dilation)
        SPARSA_LEAF(dilated, "dilated", &before, &after,
                    &dilation) Pattern Pattern::blocks(Expr size)
            SPARSA_LEAF(blocks, "blocks",
                        &size) Pattern Pattern::summary(Expr period, Expr count)
                SPARSA_LEAF(summary, "summary", &period,
                            &count) Pattern Pattern::prefix(Expr length)
                    SPARSA_LEAF(prefix, "prefix", &length) Pattern
    Pattern::randomBlocks(Expr block, Expr count, Expr seed)
        SPARSA_LEAF(randomBlocks, "random_blocks", &block, &count, &seed)
#undef SPARSA_LEAF

            static Pattern
    setLeaf(const char *name, const IndexSet &set, std::string &text,
            std::vector<ParamDecl> &params) {
  text = std::string(name) + "(" + set.text() + ")";
  params = set.params();
  return Pattern::all();
}

Pattern Pattern::global(const IndexSet &set) {
  Pattern p;
  setLeaf("global", set, p.text_, p.params_);
  return p;
}
Pattern Pattern::globalRows(const IndexSet &set) {
  Pattern p;
  setLeaf("global_rows", set, p.text_, p.params_);
  return p;
}
Pattern Pattern::globalCols(const IndexSet &set) {
  Pattern p;
  setLeaf("global_cols", set, p.text_, p.params_);
  return p;
}

Pattern Pattern::heads(const std::vector<std::pair<int64_t, Pattern>> &ends) {
  Pattern p;
  p.text_ = "heads { ";
  int64_t begin = 0;
  for (const auto &[end, body] : ends) {
    p.text_ += std::to_string(begin) + ".." + std::to_string(end) + ": " +
               body.text_ + "; ";
    mergeParams(p.params_, body.params_);
    begin = end;
  }
  p.text_ += "}";
  return p;
}

#define SPARSA_PATTERN_BINARY(OP)                                              \
  Pattern sparsa::operator OP(const Pattern &a, const Pattern &b) {            \
    Pattern p = a;                                                             \
    p.text_ = "(" + a.text_ + " " #OP " " + b.text_ + ")";                     \
    mergeParams(p.params_, b.params_);                                         \
    return p;                                                                  \
  }
SPARSA_PATTERN_BINARY(|)
SPARSA_PATTERN_BINARY(&)
SPARSA_PATTERN_BINARY(-)
#undef SPARSA_PATTERN_BINARY

Pattern sparsa::operator!(const Pattern &a) {
  Pattern p = a;
  p.text_ = "(!" + a.text_ + ")";
  return p;
}

std::string Pattern::toSpec() const {
  std::string s;
  for (const ParamDecl &p : params_)
    s += p.runtime ? "param " + p.name + " : runtime\n"
                   : "param " + p.name + " = " + std::to_string(p.value) + "\n";
  return s + text_ + "\n";
}
