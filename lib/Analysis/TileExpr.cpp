//===- TileExpr.cpp - closed-form index expressions -----------------------===//
//
// Construction with constant folding, exact and compiled evaluation,
// printing and emission to `arith` of TileExpr.
//
//===----------------------------------------------------------------------===//

#include "lib/Analysis/TileExpr.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/MathExtras.h"

#include <functional>
#include <limits>
#include <vector>

using namespace mlir;
using namespace sparsa::analysis;
using Kind = TileExpr::Kind;

struct TileExpr::Node {
  Kind kind;
  int64_t value = 0; // Constant value or Param number
  TileExpr lhs, rhs;
  bool hasIndex = false;
};

//===----------------------------------------------------------------------===//
// Integer helpers
//===----------------------------------------------------------------------===//

static constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
static constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

static int64_t saturate(__int128 v) {
  if (v > kMax)
    return kMax;
  if (v < kMin)
    return kMin;
  return static_cast<int64_t>(v);
}

int64_t sparsa::analysis::satAdd(int64_t a, int64_t b) {
  return saturate(static_cast<__int128>(a) + b);
}
int64_t sparsa::analysis::satSub(int64_t a, int64_t b) {
  return saturate(static_cast<__int128>(a) - b);
}
int64_t sparsa::analysis::satMul(int64_t a, int64_t b) {
  return saturate(static_cast<__int128>(a) * b);
}
int64_t sparsa::analysis::floorDivInt(int64_t a, int64_t b) {
  if (b == 0)
    return 0;
  if (a == kMin && b == -1)
    return kMax;
  return llvm::divideFloorSigned(a, b);
}
int64_t sparsa::analysis::ceilDivInt(int64_t a, int64_t b) {
  if (b == 0)
    return 0;
  if (a == kMin && b == -1)
    return kMax;
  return llvm::divideCeilSigned(a, b);
}
int64_t sparsa::analysis::modInt(int64_t a, int64_t b) {
  if (b <= 0)
    return 0;
  int64_t r = a % b;
  return r < 0 ? r + b : r;
}

//===----------------------------------------------------------------------===//
// Construction
//===----------------------------------------------------------------------===//

static std::shared_ptr<const TileExpr::Node> leaf(Kind k, int64_t v = 0) {
  auto n = std::make_shared<TileExpr::Node>();
  n->kind = k;
  n->value = v;
  n->hasIndex = k == Kind::Index;
  return n;
}

TileExpr TileExpr::constant(int64_t value) {
  return TileExpr(leaf(Kind::Constant, value));
}
TileExpr TileExpr::index() { return TileExpr(leaf(Kind::Index)); }
TileExpr TileExpr::numQueries() { return TileExpr(leaf(Kind::NumQueries)); }
TileExpr TileExpr::numKeys() { return TileExpr(leaf(Kind::NumKeys)); }
TileExpr TileExpr::param(unsigned j) { return TileExpr(leaf(Kind::Param, j)); }

Kind TileExpr::getKind() const { return node->kind; }
std::optional<int64_t> TileExpr::getConstant() const {
  if (node && node->kind == Kind::Constant)
    return node->value;
  return std::nullopt;
}
unsigned TileExpr::getParamNumber() const {
  return static_cast<unsigned>(node->value);
}
TileExpr TileExpr::getLHS() const { return node->lhs; }
TileExpr TileExpr::getRHS() const { return node->rhs; }
bool TileExpr::dependsOnIndex() const { return node && node->hasIndex; }

bool TileExpr::operator==(const TileExpr &o) const {
  if (node == o.node)
    return true;
  if (!node || !o.node || node->kind != o.node->kind ||
      node->value != o.node->value)
    return false;
  if (!node->lhs)
    return true;
  return node->lhs == o.node->lhs && node->rhs == o.node->rhs;
}

/// Exact folding of two constants; nullopt when the result is not an int64
/// or the operation is undefined (then the node is kept symbolic and the
/// evaluation reports the error).
static std::optional<int64_t> fold(Kind k, int64_t a, int64_t b) {
  int64_t r = 0;
  switch (k) {
  case Kind::Add:
    if (llvm::AddOverflow(a, b, r))
      return std::nullopt;
    return r;
  case Kind::Sub:
    if (llvm::SubOverflow(a, b, r))
      return std::nullopt;
    return r;
  case Kind::Mul:
    if (llvm::MulOverflow(a, b, r))
      return std::nullopt;
    return r;
  case Kind::Min:
    return std::min(a, b);
  case Kind::Max:
    return std::max(a, b);
  default:
    break;
  }
  if (b == 0 || (a == kMin && b == -1))
    return std::nullopt;
  switch (k) {
  case Kind::FloorDiv:
    return llvm::divideFloorSigned(a, b);
  case Kind::CeilDiv:
    return llvm::divideCeilSigned(a, b);
  case Kind::Mod: {
    if (b < 0)
      return std::nullopt;
    int64_t m = a % b;
    return m < 0 ? m + b : m;
  }
  case Kind::TruncDiv:
    return a / b;
  case Kind::TruncRem:
    return a % b;
  default:
    return std::nullopt;
  }
}

/// Conservative: true only when a >= 0 for all values of the symbols
/// (the index, Nq and Nk are non-negative; parameters are unknown).
static bool knownNonNegative(const TileExpr &a, int depth = 0) {
  if (depth > 8)
    return false;
  switch (a.getKind()) {
  case Kind::Constant:
    return *a.getConstant() >= 0;
  case Kind::Index:
  case Kind::NumQueries:
  case Kind::NumKeys:
    return true;
  case Kind::Add:
  case Kind::Mul:
  case Kind::Min:
    return knownNonNegative(a.getLHS(), depth + 1) &&
           knownNonNegative(a.getRHS(), depth + 1);
  case Kind::Max:
    return knownNonNegative(a.getLHS(), depth + 1) ||
           knownNonNegative(a.getRHS(), depth + 1);
  case Kind::FloorDiv:
  case Kind::CeilDiv:
    return knownNonNegative(a.getLHS(), depth + 1) &&
           a.getRHS().getConstant() && *a.getRHS().getConstant() > 0;
  case Kind::Mod:
    return a.getRHS().getConstant() && *a.getRHS().getConstant() > 0;
  default:
    return false;
  }
}

/// Conservative: true only when a <= b for all values of the symbols.
static bool provablyLE(const TileExpr &a, const TileExpr &b, int depth = 0) {
  if (depth > 6)
    return false;
  if (a == b)
    return true;
  auto ca = a.getConstant(), cb = b.getConstant();
  if (ca && cb)
    return *ca <= *cb;
  // min(x, y) <= b if x <= b or y <= b.
  if (a.getKind() == Kind::Min && (provablyLE(a.getLHS(), b, depth + 1) ||
                                   provablyLE(a.getRHS(), b, depth + 1)))
    return true;
  // a <= max(x, y) if a <= x or a <= y.
  if (b.getKind() == Kind::Max && (provablyLE(a, b.getLHS(), depth + 1) ||
                                   provablyLE(a, b.getRHS(), depth + 1)))
    return true;
  // x - c <= y - c and x + c <= y + c if x <= y; x + c1 <= x + c2.
  if (a.getKind() == b.getKind() &&
      (a.getKind() == Kind::Sub || a.getKind() == Kind::Add)) {
    auto ra = a.getRHS().getConstant(), rb = b.getRHS().getConstant();
    if (ra && rb) {
      bool sub = a.getKind() == Kind::Sub;
      if (a.getLHS() == b.getLHS())
        return sub ? *ra >= *rb : *ra <= *rb;
      if (*ra == *rb)
        return provablyLE(a.getLHS(), b.getLHS(), depth + 1);
    }
  }
  // x - c <= x for c >= 0.
  if (a.getKind() == Kind::Sub && a.getLHS() == b && a.getRHS().getConstant() &&
      *a.getRHS().getConstant() >= 0)
    return true;
  // 0 <= b for known non-negative b; a <= 0 for a constant.
  if (ca && *ca <= 0 && knownNonNegative(b))
    return true;
  return false;
}

TileExpr TileExpr::binary(Kind k, const TileExpr &a, const TileExpr &b) {
  assert(a && b && "null operand");
  auto ca = a.getConstant(), cb = b.getConstant();
  if (ca && cb)
    if (auto r = fold(k, *ca, *cb))
      return constant(*r);
  switch (k) {
  case Kind::Add:
    if (ca == 0)
      return b;
    if (cb == 0)
      return a;
    // (x + c1) + c2 -> x + (c1 + c2)
    if (cb && a.getKind() == Kind::Add && a.getRHS().getConstant())
      if (auto s = fold(Kind::Add, *a.getRHS().getConstant(), *cb))
        return a.getLHS() + constant(*s);
    if (cb && a.getKind() == Kind::Sub && a.getRHS().getConstant())
      if (auto s = fold(Kind::Sub, *cb, *a.getRHS().getConstant()))
        return a.getLHS() + constant(*s);
    if (cb && *cb < 0 && *cb != kMin)
      return binary(Kind::Sub, a, constant(-*cb));
    break;
  case Kind::Sub:
    if (cb == 0)
      return a;
    if (a == b)
      return constant(0);
    if (cb && a.getKind() == Kind::Add && a.getRHS().getConstant())
      if (auto s = fold(Kind::Sub, *a.getRHS().getConstant(), *cb))
        return a.getLHS() + constant(*s);
    if (cb && a.getKind() == Kind::Sub && a.getRHS().getConstant())
      if (auto s = fold(Kind::Add, *a.getRHS().getConstant(), *cb))
        return binary(Kind::Sub, a.getLHS(), constant(*s));
    if (cb && *cb < 0 && *cb != kMin)
      return binary(Kind::Add, a, constant(-*cb));
    break;
  case Kind::Mul:
    if (ca == 0 || cb == 0)
      return constant(0);
    if (ca == 1)
      return b;
    if (cb == 1)
      return a;
    if (ca && !cb)
      return binary(Kind::Mul, b, a);
    break;
  case Kind::FloorDiv:
  case Kind::CeilDiv:
  case Kind::TruncDiv:
    if (cb == 1)
      return a;
    break;
  case Kind::Mod:
  case Kind::TruncRem:
    if (cb == 1)
      return constant(0);
    break;
  case Kind::Min:
  case Kind::Max:
    if (a == b)
      return a;
    if (provablyLE(a, b))
      return k == Kind::Min ? a : b;
    if (provablyLE(b, a))
      return k == Kind::Min ? b : a;
    // min(min(x, c1), c2) -> min(x, min(c1, c2)), same for max.
    if (ca && !cb)
      return binary(k, b, a);
    if (cb && a.getKind() == k && a.getRHS().getConstant())
      return binary(k, a.getLHS(),
                    constant(*fold(k, *a.getRHS().getConstant(), *cb)));
    break;
  default:
    break;
  }
  auto n = std::make_shared<Node>();
  n->kind = k;
  n->lhs = a;
  n->rhs = b;
  n->hasIndex = a.dependsOnIndex() || b.dependsOnIndex();
  return TileExpr(n);
}

namespace sparsa::analysis {
TileExpr operator+(const TileExpr &a, const TileExpr &b) {
  return TileExpr::binary(Kind::Add, a, b);
}
TileExpr operator-(const TileExpr &a, const TileExpr &b) {
  return TileExpr::binary(Kind::Sub, a, b);
}
TileExpr operator*(const TileExpr &a, const TileExpr &b) {
  return TileExpr::binary(Kind::Mul, a, b);
}
TileExpr operator+(const TileExpr &a, int64_t b) {
  return a + TileExpr::constant(b);
}
TileExpr operator-(const TileExpr &a, int64_t b) {
  return a - TileExpr::constant(b);
}
TileExpr operator*(const TileExpr &a, int64_t b) {
  return a * TileExpr::constant(b);
}
} // namespace sparsa::analysis

TileExpr TileExpr::floorDiv(const TileExpr &a, const TileExpr &b) {
  return binary(Kind::FloorDiv, a, b);
}
TileExpr TileExpr::ceilDiv(const TileExpr &a, const TileExpr &b) {
  return binary(Kind::CeilDiv, a, b);
}
TileExpr TileExpr::mod(const TileExpr &a, const TileExpr &b) {
  return binary(Kind::Mod, a, b);
}
TileExpr TileExpr::truncDiv(const TileExpr &a, const TileExpr &b) {
  return binary(Kind::TruncDiv, a, b);
}
TileExpr TileExpr::truncRem(const TileExpr &a, const TileExpr &b) {
  return binary(Kind::TruncRem, a, b);
}
TileExpr TileExpr::min(const TileExpr &a, const TileExpr &b) {
  return binary(Kind::Min, a, b);
}
TileExpr TileExpr::max(const TileExpr &a, const TileExpr &b) {
  return binary(Kind::Max, a, b);
}
TileExpr TileExpr::nonNegative(const TileExpr &a) {
  if (knownNonNegative(a))
    return constant(1);
  return min(max(a + 1, constant(0)), constant(1));
}

TileExpr TileExpr::substituteIndex(const TileExpr &value) const {
  if (!node || !node->hasIndex)
    return *this;
  if (node->kind == Kind::Index)
    return value;
  return binary(node->kind, node->lhs.substituteIndex(value),
                node->rhs.substituteIndex(value));
}

TileExpr TileExpr::swapLengths() const {
  if (!node)
    return *this;
  switch (node->kind) {
  case Kind::NumQueries:
    return numKeys();
  case Kind::NumKeys:
    return numQueries();
  case Kind::Constant:
  case Kind::Index:
  case Kind::Param:
    return *this;
  default:
    return binary(node->kind, node->lhs.swapLengths(), node->rhs.swapLengths());
  }
}

TileExpr TileExpr::bind(int64_t nq, int64_t nk,
                        llvm::ArrayRef<int64_t> params) const {
  switch (node->kind) {
  case Kind::Constant:
  case Kind::Index:
    return *this;
  case Kind::NumQueries:
    return constant(nq);
  case Kind::NumKeys:
    return constant(nk);
  case Kind::Param:
    if (node->value < static_cast<int64_t>(params.size()))
      return constant(params[node->value]);
    return *this;
  default:
    return binary(node->kind, node->lhs.bind(nq, nk, params),
                  node->rhs.bind(nq, nk, params));
  }
}

//===----------------------------------------------------------------------===//
// Printing
//===----------------------------------------------------------------------===//

static const char *funcName(Kind k) {
  switch (k) {
  case Kind::FloorDiv:
    return "floordiv";
  case Kind::CeilDiv:
    return "ceildiv";
  case Kind::Mod:
    return "mod";
  case Kind::TruncDiv:
    return "divsi";
  case Kind::TruncRem:
    return "remsi";
  case Kind::Min:
    return "min";
  case Kind::Max:
    return "max";
  default:
    return nullptr;
  }
}

static int precedence(Kind k) {
  switch (k) {
  case Kind::Add:
  case Kind::Sub:
    return 1;
  case Kind::Mul:
    return 2;
  default:
    return 3;
  }
}

static void printExpr(llvm::raw_ostream &os, const TileExpr &e, int parent) {
  switch (e.getKind()) {
  case Kind::Constant:
    if (*e.getConstant() < 0 && parent > 0)
      os << "(" << *e.getConstant() << ")";
    else
      os << *e.getConstant();
    return;
  case Kind::Index:
    os << "i";
    return;
  case Kind::NumQueries:
    os << "Nq";
    return;
  case Kind::NumKeys:
    os << "Nk";
    return;
  case Kind::Param:
    os << "%" << e.getParamNumber();
    return;
  default:
    break;
  }
  if (const char *name = funcName(e.getKind())) {
    os << name << "(";
    printExpr(os, e.getLHS(), 0);
    os << ", ";
    printExpr(os, e.getRHS(), 0);
    os << ")";
    return;
  }
  int p = precedence(e.getKind());
  bool paren = p < parent;
  if (paren)
    os << "(";
  printExpr(os, e.getLHS(), p);
  os << (e.getKind() == Kind::Add   ? " + "
         : e.getKind() == Kind::Sub ? " - "
                                    : " * ");
  // Subtraction is left-associative: parenthesize a sum on the right.
  printExpr(os, e.getRHS(), e.getKind() == Kind::Sub ? p + 1 : p);
  if (paren)
    os << ")";
}

void TileExpr::print(llvm::raw_ostream &os) const {
  if (!node) {
    os << "<null>";
    return;
  }
  printExpr(os, *this, 0);
}

std::string TileExpr::str() const {
  std::string s;
  llvm::raw_string_ostream os(s);
  print(os);
  return s;
}

//===----------------------------------------------------------------------===//
// Evaluation
//===----------------------------------------------------------------------===//

static llvm::Error evalError(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

llvm::Expected<int64_t> sparsa::analysis::evaluate(const TileExpr &e,
                                                   const TileEnv &env) {
  switch (e.getKind()) {
  case Kind::Constant:
    return *e.getConstant();
  case Kind::Index:
    return env.index;
  case Kind::NumQueries:
    return env.numQueries;
  case Kind::NumKeys:
    return env.numKeys;
  case Kind::Param:
    if (e.getParamNumber() >= env.params.size())
      return evalError("no value given for runtime parameter #" +
                       llvm::Twine(e.getParamNumber()));
    return env.params[e.getParamNumber()];
  default:
    break;
  }
  auto a = evaluate(e.getLHS(), env);
  if (!a)
    return a.takeError();
  auto b = evaluate(e.getRHS(), env);
  if (!b)
    return b.takeError();
  if (auto r = fold(e.getKind(), *a, *b))
    return *r;
  if (*b == 0)
    return evalError("division by zero");
  if (e.getKind() == Kind::Mod && *b < 0)
    return evalError("modulo by a negative value " + llvm::Twine(*b));
  return evalError("integer overflow");
}

[[gnu::always_inline]] static inline int64_t applyOp(Kind op, int64_t a,
                                                     int64_t b) {
  switch (op) {
  case Kind::Add:
    return satAdd(a, b);
  case Kind::Sub:
    return satSub(a, b);
  case Kind::Mul:
    return satMul(a, b);
  case Kind::FloorDiv:
    return floorDivInt(a, b);
  case Kind::CeilDiv:
    return ceilDivInt(a, b);
  case Kind::Mod:
    return modInt(a, b);
  case Kind::TruncDiv:
    return (b == 0 || (a == kMin && b == -1)) ? 0 : a / b;
  case Kind::TruncRem:
    return (b == 0 || (a == kMin && b == -1)) ? 0 : a % b;
  case Kind::Min:
    return std::min(a, b);
  case Kind::Max:
    return std::max(a, b);
  default:
    return 0;
  }
}

CompiledTileExpr::CompiledTileExpr(const TileExpr &e, const TileEnv &env)
    : CompiledTileExpr(llvm::ArrayRef<TileExpr>(e), env) {}

CompiledTileExpr::CompiledTileExpr(llvm::ArrayRef<TileExpr> outputs,
                                   const TileEnv &env) {
  llvm::DenseMap<const TileExpr::Node *, int32_t> memo;
  auto constantSlot = [&](int64_t v) {
    constants.push_back(v);
    return static_cast<int32_t>(-2 - (constants.size() - 1));
  };
  auto constantOf = [&](int32_t slot) -> std::optional<int64_t> {
    if (slot <= -2)
      return constants[-2 - slot];
    return std::nullopt;
  };
  std::function<int32_t(const TileExpr &)> visit =
      [&](const TileExpr &x) -> int32_t {
    const TileExpr::Node *n = x.node.get();
    if (auto it = memo.find(n); it != memo.end())
      return it->second;
    int32_t slot;
    switch (x.getKind()) {
    case Kind::Constant:
      slot = constantSlot(*x.getConstant());
      break;
    case Kind::Index:
      slot = -1;
      break;
    case Kind::NumQueries:
      slot = constantSlot(env.numQueries);
      break;
    case Kind::NumKeys:
      slot = constantSlot(env.numKeys);
      break;
    case Kind::Param:
      // An unbound parameter evaluates to 0 (callers validate first).
      slot = constantSlot(x.getParamNumber() < env.params.size()
                              ? env.params[x.getParamNumber()]
                              : 0);
      break;
    default: {
      int32_t a = visit(x.getLHS()), b = visit(x.getRHS());
      auto ca = constantOf(a), cb = constantOf(b);
      if (ca && cb) {
        slot = constantSlot(applyOp(x.getKind(), *ca, *cb));
      } else {
        code.push_back({x.getKind(), a, b});
        slot = static_cast<int32_t>(code.size() - 1);
      }
    }
    }
    memo[n] = slot;
    return slot;
  };
  for (const TileExpr &e : outputs)
    results.push_back(visit(e));
  flatten();
}

void CompiledTileExpr::flatten() {
  uint32_t nc = constants.size();
  auto slotOf = [&](int32_t s) -> uint32_t {
    if (s >= 0)
      return nc + 1 + s;
    if (s == -1)
      return nc;
    return static_cast<uint32_t>(-2 - s);
  };
  for (size_t j = 0; j < code.size(); ++j)
    flat.push_back({code[j].op, slotOf(code[j].lhs), slotOf(code[j].rhs),
                    static_cast<uint32_t>(nc + 1 + j)});
  for (int32_t r : results)
    flatResults.push_back(slotOf(r));
}

void CompiledTileExpr::evaluate(int64_t index, int64_t *out) const {
  size_t nc = constants.size(), total = nc + 1 + flat.size();
  int64_t small[96];
  std::vector<int64_t> big;
  int64_t *slots = small;
  if (total > 96) {
    big.resize(total);
    slots = big.data();
  }
  std::copy(constants.begin(), constants.end(), slots);
  slots[nc] = index;
  for (const FlatInsn &in : flat)
    slots[in.dst] = applyOp(in.op, slots[in.lhs], slots[in.rhs]);
  for (size_t r = 0; r < flatResults.size(); ++r)
    out[r] = slots[flatResults[r]];
}

int64_t CompiledTileExpr::operator()(int64_t index) const {
  if (results.size() == 1) {
    int64_t v;
    evaluate(index, &v);
    return v;
  }
  llvm::SmallVector<int64_t, 4> all(results.size());
  evaluate(index, all.data());
  return all.empty() ? 0 : all[0];
}

//===----------------------------------------------------------------------===//
// Emission
//===----------------------------------------------------------------------===//

Value sparsa::analysis::emitTileExpr(OpBuilder &b, Location loc,
                                     const TileExpr &e,
                                     const TileExprOperands &operands) {
  auto need = [&](Value v, StringRef what) -> Value {
    if (!v)
      emitError(loc) << "no value for " << what << " in tile expression "
                     << e.str();
    return v;
  };
  switch (e.getKind()) {
  case Kind::Constant:
    return arith::ConstantIndexOp::create(b, loc, *e.getConstant());
  case Kind::Index:
    return need(operands.index, "the index");
  case Kind::NumQueries:
    return need(operands.numQueries, "Nq");
  case Kind::NumKeys:
    return need(operands.numKeys, "Nk");
  case Kind::Param:
    if (e.getParamNumber() >= operands.params.size())
      return need(Value(), "a runtime parameter");
    return operands.params[e.getParamNumber()];
  default:
    break;
  }
  Value x = emitTileExpr(b, loc, e.getLHS(), operands);
  Value y = emitTileExpr(b, loc, e.getRHS(), operands);
  if (!x || !y)
    return Value();
  switch (e.getKind()) {
  case Kind::Add:
    return arith::AddIOp::create(b, loc, x, y);
  case Kind::Sub:
    return arith::SubIOp::create(b, loc, x, y);
  case Kind::Mul:
    return arith::MulIOp::create(b, loc, x, y);
  case Kind::FloorDiv:
    return arith::FloorDivSIOp::create(b, loc, x, y);
  case Kind::CeilDiv:
    return arith::CeilDivSIOp::create(b, loc, x, y);
  case Kind::TruncDiv:
    return arith::DivSIOp::create(b, loc, x, y);
  case Kind::TruncRem:
    return arith::RemSIOp::create(b, loc, x, y);
  case Kind::Min:
    return arith::MinSIOp::create(b, loc, x, y);
  case Kind::Max:
    return arith::MaxSIOp::create(b, loc, x, y);
  case Kind::Mod: {
    Value q = arith::FloorDivSIOp::create(b, loc, x, y);
    Value p = arith::MulIOp::create(b, loc, q, y);
    return arith::SubIOp::create(b, loc, x, p);
  }
  default:
    return Value();
  }
}
