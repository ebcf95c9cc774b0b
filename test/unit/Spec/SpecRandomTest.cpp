//===- SpecRandomTest.cpp - random specs against a direct evaluation ------===//
//
// Builds random pattern expressions as trees, prints them as spec text
// (minimal parentheses, so precedence matters; random white space and
// comments; parameters, `let`s, -D overrides, arithmetic with floor
// division and modulo, negative set indices, `heads` in shuffled order),
// evaluates the tree directly from the table of SPEC_LANGUAGE.md, and
// checks that parseSpec's output means the same under the reference
// evaluator, before and after mask-canonicalize.
//
//===----------------------------------------------------------------------===//

#include "dialects/Mask/IR/MaskReference.h"
#include "dialects/Mask/IR/RandomBlocks.h"
#include "dialects/Mask/Transforms/Passes.h"
#include "lib/Spec/SpecParser.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include "gtest/gtest.h"

#include <memory>
#include <random>
#include <string>
#include <vector>

using namespace mlir;

namespace {

/// Parameter values and sizes one generated case is evaluated at.
struct Env {
  int64_t nq = 1, nk = 1;
  std::vector<int64_t> compile; // P0, P1, ... after -D
  std::vector<int64_t> runtime; // R0, R1, ... (bound or given at run time)
};

//===----------------------------------------------------------------------===//
// Integer expressions
//===----------------------------------------------------------------------===//

struct IExpr {
  enum Kind { Lit, CParam, RParam, SeqLen, Neg, Add, Sub, Mul, Div, Mod };
  Kind kind;
  int64_t value = 0;
  unsigned index = 0;
  std::unique_ptr<IExpr> a, b;
};
using IPtr = std::unique_ptr<IExpr>;

int64_t floorDiv(int64_t x, int64_t y) {
  int64_t q = x / y;
  if ((x % y != 0) && ((x < 0) != (y < 0)))
    --q;
  return q;
}
int64_t floorMod(int64_t x, int64_t y) { return x - floorDiv(x, y) * y; }

int64_t evalInt(const IExpr &e, const Env &env) {
  switch (e.kind) {
  case IExpr::Lit:
    return e.value;
  case IExpr::CParam:
    return env.compile[e.index];
  case IExpr::RParam:
    return env.runtime[e.index];
  case IExpr::SeqLen:
    return env.nk;
  case IExpr::Neg:
    return -evalInt(*e.a, env);
  case IExpr::Add:
    return evalInt(*e.a, env) + evalInt(*e.b, env);
  case IExpr::Sub:
    return evalInt(*e.a, env) - evalInt(*e.b, env);
  case IExpr::Mul:
    return evalInt(*e.a, env) * evalInt(*e.b, env);
  case IExpr::Div:
    return floorDiv(evalInt(*e.a, env), evalInt(*e.b, env));
  case IExpr::Mod:
    return floorMod(evalInt(*e.a, env), evalInt(*e.b, env));
  }
  return 0;
}

int intLevel(const IExpr &e) {
  switch (e.kind) {
  case IExpr::Add:
  case IExpr::Sub:
    return 1;
  case IExpr::Mul:
  case IExpr::Div:
  case IExpr::Mod:
    return 2;
  default:
    return 3;
  }
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

struct Set {
  int form = 0; // 0: a..b, 1: a.., 2: ..b, 3: [list]
  std::vector<IPtr> exprs;
};

struct PNode {
  enum Kind {
    All,
    None,
    Causal,
    CausalC,
    Window,
    Stride1,
    Stride2,
    Dilated,
    Blocks,
    Summary,
    Prefix,
    RandomBlocks,
    Global,
    GlobalRows,
    GlobalCols,
    LetRef,
    Union,
    Intersect,
    Diff,
    Not,
    Heads,
    NumKinds
  };
  Kind kind;
  std::vector<IPtr> args;
  Set set;
  unsigned let = 0;
  std::vector<std::unique_ptr<PNode>> kids;
  std::vector<std::pair<int64_t, int64_t>> ranges; // Heads, aligned with kids
};
using PPtr = std::unique_ptr<PNode>;

class Generator {
public:
  explicit Generator(unsigned seed) : rng(seed) {}

  int64_t uniform(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng); }

  std::string run(Env &env, sparsa::spec::SpecOptions &options,
                  std::vector<int64_t> &args, PPtr &root,
                  std::vector<PPtr> &lets);

  bool allowed(const PNode &n, int64_t h, int64_t q, int64_t k) const;
  int64_t maxHeads(const PNode &n) const;

private:
  IPtr lit(int64_t v) {
    auto e = std::make_unique<IExpr>();
    e->kind = IExpr::Lit;
    e->value = v;
    return e;
  }
  IPtr bin(IExpr::Kind k, IPtr a, IPtr b) {
    auto e = std::make_unique<IExpr>();
    e->kind = k;
    e->a = std::move(a);
    e->b = std::move(b);
    return e;
  }
  IPtr atom(bool runtime, int64_t &value);
  IPtr genInt(int64_t target, int depth, bool runtime);
  void genSet(Set &s);
  PPtr genPattern(int depth);
  PPtr leafWith(PNode::Kind k, std::initializer_list<int64_t> values);

  std::string ws();
  std::string printInt(const IExpr &e, int minLevel);
  std::string printSet(const Set &s);
  std::string printPattern(const PNode &n, int minLevel);

  std::mt19937 rng;
  Env *env = nullptr;
  unsigned numLets = 0;
  std::vector<PPtr> *letsOut = nullptr;
};

IPtr Generator::atom(bool runtime, int64_t &value) {
  auto e = std::make_unique<IExpr>();
  unsigned nc = env->compile.size(), nr = env->runtime.size();
  unsigned choices = nc + (runtime ? nr + 1 : 0);
  if (choices == 0)
    return nullptr;
  unsigned c = uniform(0, choices - 1);
  if (c < nc) {
    e->kind = IExpr::CParam;
    e->index = c;
    value = env->compile[c];
  } else if (c < nc + nr) {
    e->kind = IExpr::RParam;
    e->index = c - nc;
    value = env->runtime[c - nc];
  } else {
    e->kind = IExpr::SeqLen;
    value = env->nk;
  }
  return e;
}

// An expression that evaluates to `target` in the current environment.
IPtr Generator::genInt(int64_t target, int depth, bool runtime) {
  if (depth <= 0 || chance(0.35)) {
    if (target < 0 && chance(0.5)) {
      auto e = std::make_unique<IExpr>();
      e->kind = IExpr::Neg;
      e->a = genInt(-target, depth - 1, runtime);
      return e;
    }
    return lit(target);
  }
  switch (uniform(0, 4)) {
  case 0: {
    int64_t v = 0;
    IPtr a = atom(runtime, v);
    if (!a)
      return lit(target);
    if (chance(0.5))
      return bin(IExpr::Add, std::move(a),
                 genInt(target - v, depth - 1, runtime));
    return bin(IExpr::Add, genInt(target - v, depth - 1, runtime),
               std::move(a));
  }
  case 1: {
    int64_t b = uniform(-5, 5);
    return bin(IExpr::Sub, genInt(target + b, depth - 1, runtime),
               genInt(b, depth - 1, runtime));
  }
  case 2: {
    static const int64_t factors[] = {1, 2, 3, -1, -2};
    int64_t k = factors[uniform(0, 4)];
    if (target % k != 0)
      k = 1;
    return bin(IExpr::Mul, genInt(target / k, depth - 1, runtime),
               genInt(k, depth - 1, runtime));
  }
  case 3: {
    static const int64_t divisors[] = {1, 2, 3, 4, -2, -3};
    int64_t d = divisors[uniform(0, 5)];
    int64_t r = d > 0 ? uniform(0, d - 1) : uniform(d + 1, 0);
    return bin(IExpr::Div, genInt(target * d + r, depth - 1, runtime),
               genInt(d, depth - 1, runtime));
  }
  default: {
    // Floor modulo: the result lies in [0, m) for m > 0, in (m, 0] for m < 0.
    int64_t m;
    if (target >= 0 && target < 5)
      m = uniform(target + 1, 5);
    else if (target < 0 && target > -5)
      m = -uniform(-target + 1, 5);
    else
      return genInt(target, depth - 1, runtime);
    int64_t x = target + m * uniform(-3, 3);
    return bin(IExpr::Mod, genInt(x, depth - 1, runtime),
               genInt(m, depth - 1, runtime));
  }
  }
}

void Generator::genSet(Set &s) {
  s.form = uniform(0, 3);
  unsigned count = s.form == 3 ? uniform(0, 4) : s.form == 0 ? 2 : 1;
  for (unsigned i = 0; i < count; ++i)
    s.exprs.push_back(genInt(uniform(-12, 12), 2, /*runtime=*/false));
}

PPtr Generator::leafWith(PNode::Kind k, std::initializer_list<int64_t> values) {
  auto n = std::make_unique<PNode>();
  n->kind = k;
  for (int64_t v : values)
    n->args.push_back(genInt(v, 2, /*runtime=*/true));
  return n;
}

PPtr Generator::genPattern(int depth) {
  int kind =
      depth <= 0 ? uniform(0, PNode::LetRef) : uniform(0, PNode::NumKinds - 1);
  switch (kind) {
  case PNode::All:
  case PNode::None:
  case PNode::Causal: {
    auto n = std::make_unique<PNode>();
    n->kind = static_cast<PNode::Kind>(kind);
    return n;
  }
  case PNode::CausalC:
    return leafWith(PNode::CausalC, {uniform(-5, 5)});
  case PNode::Window:
    return leafWith(PNode::Window, {uniform(0, 6), uniform(0, 6)});
  case PNode::Stride1:
    return leafWith(PNode::Stride1, {uniform(1, 5)});
  case PNode::Stride2: {
    int64_t p = uniform(1, 5);
    return leafWith(PNode::Stride2, {p, uniform(0, p - 1)});
  }
  case PNode::Dilated:
    return leafWith(PNode::Dilated,
                    {uniform(0, 8), uniform(0, 8), uniform(1, 4)});
  case PNode::Blocks:
    return leafWith(PNode::Blocks, {uniform(1, 5)});
  case PNode::Summary:
    return leafWith(PNode::Summary, {uniform(1, 5), uniform(0, 6)});
  case PNode::Prefix:
    return leafWith(PNode::Prefix, {uniform(0, 12)});
  case PNode::RandomBlocks:
    return leafWith(PNode::RandomBlocks,
                    {uniform(1, 4), uniform(0, 3), uniform(0, 100)});
  case PNode::Global:
  case PNode::GlobalRows:
  case PNode::GlobalCols: {
    auto n = std::make_unique<PNode>();
    n->kind = static_cast<PNode::Kind>(kind);
    genSet(n->set);
    return n;
  }
  case PNode::LetRef: {
    if (numLets == 0)
      return genPattern(0);
    auto n = std::make_unique<PNode>();
    n->kind = PNode::LetRef;
    n->let = uniform(0, numLets - 1);
    return n;
  }
  case PNode::Heads: {
    if (!chance(0.3))
      return genPattern(depth);
    auto n = std::make_unique<PNode>();
    n->kind = PNode::Heads;
    int64_t start = 0;
    for (int i = 0, e = uniform(1, 3); i < e; ++i) {
      int64_t end = start + uniform(1, 3);
      n->ranges.push_back({start, end});
      n->kids.push_back(genPattern(depth - 1));
      start = end;
    }
    return n;
  }
  default: {
    auto n = std::make_unique<PNode>();
    n->kind = static_cast<PNode::Kind>(kind);
    unsigned arity = (kind == PNode::Not)    ? 1
                     : (kind == PNode::Diff) ? 2
                                             : uniform(2, 3);
    for (unsigned i = 0; i < arity; ++i)
      n->kids.push_back(genPattern(depth - 1));
    return n;
  }
  }
}

// Resolves set bounds the way SPEC_LANGUAGE.md says: negative counts from
// the end; membership only matters for x in [0, n).
static bool inSet(const Set &s, const Env &env, int64_t x, int64_t n) {
  auto res = [&](const IPtr &e) {
    int64_t v = evalInt(*e, env);
    return v < 0 ? v + n : v;
  };
  switch (s.form) {
  case 0:
    return res(s.exprs[0]) <= x && x < res(s.exprs[1]);
  case 1:
    return res(s.exprs[0]) <= x;
  case 2:
    return x < res(s.exprs[0]);
  default:
    for (const IPtr &e : s.exprs)
      if (res(e) == x)
        return true;
    return false;
  }
}

static int64_t modPos(int64_t a, int64_t m) { return floorMod(a, m); }

bool Generator::allowed(const PNode &n, int64_t h, int64_t q, int64_t k) const {
  auto arg = [&](unsigned i) { return evalInt(*n.args[i], *env); };
  switch (n.kind) {
  case PNode::All:
    return true;
  case PNode::None:
    return false;
  case PNode::Causal:
    return k <= q;
  case PNode::CausalC:
    return k <= q + arg(0);
  case PNode::Window:
    return q - arg(0) <= k && k <= q + arg(1);
  case PNode::Stride1:
    return modPos(q - k, arg(0)) == 0;
  case PNode::Stride2:
    return modPos(q - k, arg(0)) == arg(1);
  case PNode::Dilated:
    return q - arg(0) <= k && k <= q + arg(1) && modPos(q - k, arg(2)) == 0;
  case PNode::Blocks:
    return q / arg(0) == k / arg(0);
  case PNode::Summary:
    return k % arg(0) >= arg(0) - arg(1);
  case PNode::Prefix:
    return k < arg(0);
  case PNode::RandomBlocks: {
    int64_t b = arg(0);
    int64_t numKeyBlocks = (env->nk + b - 1) / b;
    std::vector<int64_t> drawn =
        sparsa::mask::drawRandomBlocks(arg(2), q / b, numKeyBlocks, arg(1));
    return std::find(drawn.begin(), drawn.end(), k / b) != drawn.end();
  }
  case PNode::Global:
    return inSet(n.set, *env, q, env->nq) || inSet(n.set, *env, k, env->nk);
  case PNode::GlobalRows:
    return inSet(n.set, *env, q, env->nq);
  case PNode::GlobalCols:
    return inSet(n.set, *env, k, env->nk);
  case PNode::LetRef:
    return allowed(*(*letsOut)[n.let], h, q, k);
  case PNode::Union:
    for (const PPtr &c : n.kids)
      if (allowed(*c, h, q, k))
        return true;
    return false;
  case PNode::Intersect:
    for (const PPtr &c : n.kids)
      if (!allowed(*c, h, q, k))
        return false;
    return true;
  case PNode::Diff:
    return allowed(*n.kids[0], h, q, k) && !allowed(*n.kids[1], h, q, k);
  case PNode::Not:
    return !allowed(*n.kids[0], h, q, k);
  case PNode::Heads:
    for (size_t i = 0; i < n.ranges.size(); ++i)
      if (n.ranges[i].first <= h && h < n.ranges[i].second)
        return allowed(*n.kids[i], h, q, k);
    return false;
  default:
    return false;
  }
}

int64_t Generator::maxHeads(const PNode &n) const {
  int64_t m = n.kind == PNode::Heads ? n.ranges.back().second : 0;
  for (const PPtr &c : n.kids)
    m = std::max(m, maxHeads(*c));
  if (n.kind == PNode::LetRef)
    m = std::max(m, maxHeads(*(*letsOut)[n.let]));
  return m;
}

//===----------------------------------------------------------------------===//
// Printing
//===----------------------------------------------------------------------===//

std::string Generator::ws() {
  switch (uniform(0, 7)) {
  case 0:
    return "";
  case 1:
    return "\n  ";
  case 2:
    return " # note\n";
  case 3:
    return "\t";
  default:
    return " ";
  }
}

std::string Generator::printInt(const IExpr &e, int minLevel) {
  std::string s;
  switch (e.kind) {
  case IExpr::Lit:
    s = e.value < 0 ? "-" + std::to_string(-e.value) : std::to_string(e.value);
    break;
  case IExpr::CParam:
    s = "P" + std::to_string(e.index);
    break;
  case IExpr::RParam:
    s = "R" + std::to_string(e.index);
    break;
  case IExpr::SeqLen:
    s = "N";
    break;
  case IExpr::Neg:
    s = "-" + ws() + printInt(*e.a, 3);
    break;
  default: {
    const char *op = e.kind == IExpr::Add   ? "+"
                     : e.kind == IExpr::Sub ? "-"
                     : e.kind == IExpr::Mul ? "*"
                     : e.kind == IExpr::Div ? "/"
                                            : "%";
    int level = intLevel(e);
    s = printInt(*e.a, level) + ws() + op + ws() + printInt(*e.b, level + 1);
    break;
  }
  }
  if (intLevel(e) < minLevel || (e.kind != IExpr::Lit && chance(0.1)))
    s = "(" + ws() + s + ws() + ")";
  return s;
}

std::string Generator::printSet(const Set &s) {
  switch (s.form) {
  case 0:
    return printInt(*s.exprs[0], 1) + ws() + ".." + ws() +
           printInt(*s.exprs[1], 1);
  case 1:
    return printInt(*s.exprs[0], 1) + ws() + "..";
  case 2:
    return ".." + ws() + printInt(*s.exprs[0], 1);
  default: {
    std::string out = "[";
    for (size_t i = 0; i < s.exprs.size(); ++i)
      out += (i ? "," + ws() : ws()) + printInt(*s.exprs[i], 1);
    return out + ws() + "]";
  }
  }
}

static int patLevel(const PNode &n) {
  switch (n.kind) {
  case PNode::Union:
    return 1;
  case PNode::Diff:
    return 2;
  case PNode::Intersect:
    return 3;
  case PNode::Not:
    return 4;
  default:
    return 5;
  }
}

std::string Generator::printPattern(const PNode &n, int minLevel) {
  static const char *names[] = {
      "all",    "none",          "causal",  "causal",      "window",
      "stride", "stride",        "dilated", "blocks",      "summary",
      "prefix", "random_blocks", "global",  "global_rows", "global_cols"};
  std::string s;
  switch (n.kind) {
  case PNode::LetRef:
    s = "L" + std::to_string(n.let);
    break;
  case PNode::Union:
  case PNode::Intersect: {
    const char *op = n.kind == PNode::Union ? "|" : "&";
    int level = patLevel(n);
    for (size_t i = 0; i < n.kids.size(); ++i)
      s += (i ? ws() + op + ws() : "") + printPattern(*n.kids[i], level);
    break;
  }
  case PNode::Diff:
    s = printPattern(*n.kids[0], 2) + ws() + "-" + ws() +
        printPattern(*n.kids[1], 3);
    break;
  case PNode::Not:
    s = "!" + ws() + printPattern(*n.kids[0], 4);
    break;
  case PNode::Heads: {
    std::vector<size_t> order(n.ranges.size());
    for (size_t i = 0; i < order.size(); ++i)
      order[i] = i;
    std::shuffle(order.begin(), order.end(), rng);
    s = "heads" + ws() + "{";
    for (size_t j = 0; j < order.size(); ++j) {
      size_t i = order[j];
      s += (j ? ";" : "") + ws() + std::to_string(n.ranges[i].first) + ".." +
           std::to_string(n.ranges[i].second) + ws() + ":" + ws() +
           printPattern(*n.kids[i], 1);
    }
    s += (chance(0.5) ? ";" : "") + ws() + "}";
    break;
  }
  case PNode::Global:
  case PNode::GlobalRows:
  case PNode::GlobalCols:
    s = std::string(names[n.kind]) + "(" + ws() + printSet(n.set) + ws() + ")";
    break;
  default:
    s = names[n.kind];
    if (!n.args.empty()) {
      s += "(";
      for (size_t i = 0; i < n.args.size(); ++i)
        s += (i ? "," + ws() : ws()) + printInt(*n.args[i], 1);
      s += ws() + ")";
    }
    break;
  }
  if (patLevel(n) < minLevel || chance(0.08))
    s = "(" + ws() + s + ws() + ")";
  return s;
}

std::string Generator::run(Env &e, sparsa::spec::SpecOptions &options,
                           std::vector<int64_t> &args, PPtr &root,
                           std::vector<PPtr> &lets) {
  env = &e;
  letsOut = &lets;
  numLets = 0;
  e.nq = uniform(1, 10);
  e.nk = chance(0.5) ? e.nq : uniform(1, 12);
  std::string text = chance(0.3) ? "# a random pattern\n" : "";

  // Compile-time parameters, each defined by an expression over the ones
  // before it; some overridden with -D.
  unsigned nc = uniform(0, 2), nr = uniform(0, 2);
  e.compile.clear();
  e.runtime.clear();
  std::vector<std::string> decls;
  for (unsigned i = 0; i < nc; ++i) {
    int64_t v = uniform(-6, 10);
    IPtr expr = genInt(v, 2, /*runtime=*/false);
    std::string name = "P" + std::to_string(i);
    text += "param" + ws() + " " + name + ws() + "=" + ws() +
            printInt(*expr, 1) + "\n";
    if (chance(0.2)) {
      v = uniform(-6, 10);
      options.defines[name] = v;
    }
    e.compile.push_back(v);
  }
  for (unsigned i = 0; i < nr; ++i) {
    std::string name = "R" + std::to_string(i);
    text += "param " + name + ws() + ":" + ws() + "runtime\n";
    int64_t v = uniform(0, 6);
    if (chance(0.15))
      options.defines[name] = v;
    else
      args.push_back(v);
    e.runtime.push_back(v);
  }
  for (unsigned i = 0, n = uniform(0, 2); i < n; ++i) {
    lets.push_back(genPattern(2));
    text += "let L" + std::to_string(i) + ws() + "=" + ws() +
            printPattern(*lets.back(), 1) + "\n";
    ++numLets;
  }
  root = genPattern(uniform(0, 4));
  text += printPattern(*root, 1) + (chance(0.5) ? "\n" : "");
  return text;
}

Value returnedMask(ModuleOp module) {
  auto fn = *module.getOps<func::FuncOp>().begin();
  return fn.getBody().front().getTerminator()->getOperand(0);
}

TEST(SpecRandomTest, ParsedMaskMatchesDirectEvaluation) {
  DialectRegistry registry;
  sparsa::spec::registerSpecDialects(registry);
  MLIRContext ctx(registry);
  std::string errors;
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &d) {
    if (d.getSeverity() == DiagnosticSeverity::Error)
      errors += d.str() + "\n";
    return success();
  });

  constexpr unsigned kCases = 10000;
  unsigned checkedPoints = 0;
  for (unsigned seed = 0; seed < kCases; ++seed) {
    Generator gen(seed);
    Env env;
    sparsa::spec::SpecOptions options;
    std::vector<int64_t> args;
    PPtr root;
    std::vector<PPtr> lets;
    std::string text = gen.run(env, options, args, root, lets);
    SCOPED_TRACE("seed " + std::to_string(seed) + ":\n" + text);

    llvm::SourceMgr sm;
    sm.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(text, "r"),
                          llvm::SMLoc());
    errors.clear();
    OwningOpRef<ModuleOp> module = sparsa::spec::parseSpec(sm, &ctx, options);
    ASSERT_TRUE(module) << errors;
    ASSERT_TRUE(succeeded(verify(*module)));
    OwningOpRef<ModuleOp> canonical = module->clone();
    PassManager pm(&ctx);
    pm.addPass(sparsa::mask::createMaskCanonicalize());
    ASSERT_TRUE(succeeded(pm.run(*canonical)));

    for (ModuleOp m : {*module, *canonical}) {
      auto ref = sparsa::mask::ReferenceMask::build(returnedMask(m), env.nq,
                                                    env.nk, args);
      ASSERT_TRUE(static_cast<bool>(ref)) << llvm::toString(ref.takeError());
      int64_t heads = gen.maxHeads(*root) + 1;
      for (int64_t h = 0; h < heads; ++h)
        for (int64_t q = 0; q < env.nq; ++q)
          for (int64_t k = 0; k < env.nk; ++k) {
            ASSERT_EQ(ref->allowed(h, q, k), gen.allowed(*root, h, q, k))
                << "at h=" << h << " q=" << q << " k=" << k << " Nq=" << env.nq
                << " Nk=" << env.nk;
            ++checkedPoints;
          }
    }
  }
  EXPECT_GT(checkedPoints, kCases * 10);
}

} // namespace
