//===- MaskReference.cpp - reference semantics of masks -------------------===//
//
// Builds a ReferenceMask from the ops defining a mask value and evaluates it
// point by point, straight from the table in SPEC_LANGUAGE.md.
//
//===----------------------------------------------------------------------===//

#include "dialects/Mask/IR/MaskReference.h"
#include "dialects/Mask/IR/MaskOps.h"
#include "dialects/Mask/IR/MaskParams.h"
#include "dialects/Mask/IR/RandomBlocks.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace sparsa::mask;
using Node = ReferenceMask::Node;
using Kind = Node::Kind;

namespace {
/// Turns the expression DAG under a mask value into post-order nodes.
class ExprBuilder {
public:
  ExprBuilder(int64_t nq, int64_t nk, ArrayRef<int64_t> args,
              std::vector<Node> &nodes)
      : nq(nq), nk(nk), args(args), nodes(nodes) {}

  llvm::Expected<unsigned> visit(Value mask);

private:
  llvm::Expected<int64_t> index(Value v);
  llvm::Error fail(Operation *op, const Twine &msg) {
    std::string s;
    llvm::raw_string_ostream os(s);
    os << (op ? op->getName().getStringRef() : StringRef("value")) << ": "
       << msg;
    return llvm::createStringError(llvm::inconvertibleErrorCode(), s);
  }
  template <typename OpTy> llvm::Error params(OpTy op, Node &n);
  void setOf(IndexSetAttr set, Node &n);

  int64_t nq, nk;
  ArrayRef<int64_t> args;
  std::vector<Node> &nodes;
  llvm::DenseMap<Value, unsigned> memo;
  llvm::DenseMap<Value, int64_t> indexMemo;
  unsigned depth = 0;
};
} // namespace

llvm::Expected<int64_t> ExprBuilder::index(Value v) {
  if (auto it = indexMemo.find(v); it != indexMemo.end())
    return it->second;
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    if (arg.getArgNumber() >= args.size())
      return fail(nullptr, "no value given for runtime parameter #" +
                               Twine(arg.getArgNumber()));
    return args[arg.getArgNumber()];
  }
  Operation *op = v.getDefiningOp();
  if (isa<QueryLenOp>(op))
    return nq;
  if (isa<KeyLenOp>(op))
    return nk;
  if (auto c = dyn_cast<arith::ConstantIndexOp>(op))
    return c.value();
  if (op->getNumOperands() != 2)
    return fail(op, "unsupported index computation");
  if (++depth > 10000)
    return fail(op, "index expression nested too deeply");
  auto a = index(op->getOperand(0));
  if (!a)
    return a.takeError();
  auto b = index(op->getOperand(1));
  if (!b)
    return b.takeError();
  --depth;
  int64_t x = *a, y = *b, r = 0;
  bool overflow = false;
  if (isa<arith::AddIOp>(op))
    overflow = llvm::AddOverflow(x, y, r);
  else if (isa<arith::SubIOp>(op))
    overflow = llvm::SubOverflow(x, y, r);
  else if (isa<arith::MulIOp>(op))
    overflow = llvm::MulOverflow(x, y, r);
  else if (isa<arith::MaxSIOp>(op))
    r = std::max(x, y);
  else if (isa<arith::MinSIOp>(op))
    r = std::min(x, y);
  else if (isa<arith::DivSIOp, arith::FloorDivSIOp, arith::CeilDivSIOp,
               arith::RemSIOp>(op)) {
    if (y == 0)
      return fail(op, "division by zero");
    if (x == std::numeric_limits<int64_t>::min() && y == -1)
      return fail(op, "integer overflow");
    if (isa<arith::DivSIOp>(op))
      r = x / y;
    else if (isa<arith::RemSIOp>(op))
      r = x % y;
    else if (isa<arith::FloorDivSIOp>(op))
      r = llvm::divideFloorSigned(x, y);
    else
      r = llvm::divideCeilSigned(x, y);
  } else
    return fail(op, "unsupported index computation");
  if (overflow)
    return fail(op, "integer overflow");
  indexMemo[v] = r;
  return r;
}

template <typename OpTy> llvm::Error ExprBuilder::params(OpTy op, Node &n) {
  SmallVector<std::optional<int64_t>> values;
  for (auto [i, ofr] : llvm::enumerate(op.getMixedParams())) {
    int64_t v;
    if (auto attr = dyn_cast<Attribute>(ofr)) {
      v = cast<IntegerAttr>(attr).getInt();
    } else {
      auto r = index(cast<Value>(ofr));
      if (!r)
        return r.takeError();
      v = *r;
    }
    n.p[i] = v;
    values.push_back(v);
  }
  std::string err = checkMaskParams(op->getName().getStringRef(),
                                    OpTy::getParamNames(), values);
  if (!err.empty())
    return fail(op, err);
  return llvm::Error::success();
}

void ExprBuilder::setOf(IndexSetAttr set, Node &n) {
  n.isRange = set.getIsRange();
  if (n.isRange) {
    std::tie(n.rowLo, n.rowHi) = set.resolveRange(nq);
    std::tie(n.colLo, n.colHi) = set.resolveRange(nk);
  } else {
    n.rowMembers = set.resolveList(nq);
    n.colMembers = set.resolveList(nk);
  }
}

llvm::Expected<unsigned> ExprBuilder::visit(Value mask) {
  if (auto it = memo.find(mask); it != memo.end())
    return it->second;
  Operation *op = mask.getDefiningOp();
  if (!op)
    return fail(nullptr, "a mask must be defined by a mask op, not passed "
                         "as an argument");
  if (++depth > 10000)
    return fail(op, "mask expression nested too deeply");
  Node n;
  auto kids = [&](ValueRange inputs) -> llvm::Error {
    for (Value in : inputs) {
      auto c = visit(in);
      if (!c)
        return c.takeError();
      n.children.push_back(*c);
    }
    return llvm::Error::success();
  };
  llvm::Error err = llvm::TypeSwitch<Operation *, llvm::Error>(op)
                        .Case([&](AllOp) {
                          n.kind = Kind::All;
                          return llvm::Error::success();
                        })
                        .Case([&](NoneOp) {
                          n.kind = Kind::None;
                          return llvm::Error::success();
                        })
                        .Case([&](CausalOp o) {
                          n.kind = Kind::Causal;
                          return params(o, n);
                        })
                        .Case([&](WindowOp o) {
                          n.kind = Kind::Window;
                          return params(o, n);
                        })
                        .Case([&](StrideOp o) {
                          n.kind = Kind::Stride;
                          return params(o, n);
                        })
                        .Case([&](DilatedOp o) {
                          n.kind = Kind::Dilated;
                          return params(o, n);
                        })
                        .Case([&](BlocksOp o) {
                          n.kind = Kind::Blocks;
                          return params(o, n);
                        })
                        .Case([&](SummaryOp o) {
                          n.kind = Kind::Summary;
                          return params(o, n);
                        })
                        .Case([&](PrefixOp o) {
                          n.kind = Kind::Prefix;
                          return params(o, n);
                        })
                        .Case([&](RandomBlocksOp o) {
                          n.kind = Kind::RandomBlocks;
                          return params(o, n);
                        })
                        .Case([&](GlobalOp o) {
                          n.kind = Kind::Global;
                          setOf(o.getSet(), n);
                          return llvm::Error::success();
                        })
                        .Case([&](GlobalRowsOp o) {
                          n.kind = Kind::GlobalRows;
                          setOf(o.getSet(), n);
                          return llvm::Error::success();
                        })
                        .Case([&](GlobalColsOp o) {
                          n.kind = Kind::GlobalCols;
                          setOf(o.getSet(), n);
                          return llvm::Error::success();
                        })
                        .Case([&](UnionOp o) {
                          n.kind = Kind::Union;
                          return kids(o.getInputs());
                        })
                        .Case([&](IntersectOp o) {
                          n.kind = Kind::Intersect;
                          return kids(o.getInputs());
                        })
                        .Case([&](DifferenceOp o) {
                          n.kind = Kind::Difference;
                          return kids({o.getLhs(), o.getRhs()});
                        })
                        .Case([&](ComplementOp o) {
                          n.kind = Kind::Complement;
                          return kids(o.getInput());
                        })
                        .Case([&](HeadsOp o) {
                          n.kind = Kind::Heads;
                          n.ends.assign(o.getEnds().begin(), o.getEnds().end());
                          return kids(o.getInputs());
                        })
                        .Default([&](Operation *other) {
                          return fail(other, "not a mask op");
                        });
  if (err)
    return std::move(err);
  --depth;
  unsigned id = nodes.size();
  nodes.push_back(std::move(n));
  memo[mask] = id;
  return id;
}

llvm::Expected<ReferenceMask> ReferenceMask::build(Value mask,
                                                   int64_t numQueries,
                                                   int64_t numKeys,
                                                   ArrayRef<int64_t> args) {
  if (numQueries < 0 || numKeys < 0)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "sequence lengths must be non-negative");
  ReferenceMask m;
  m.nq = numQueries;
  m.nk = numKeys;
  ExprBuilder b(numQueries, numKeys, args, m.nodes);
  auto root = b.visit(mask);
  if (!root)
    return root.takeError();
  const Node &r = m.nodes.back();
  if (r.kind == Kind::Heads)
    m.heads = r.ends.back();
  return std::move(m);
}

static bool inSet(bool isRange, int64_t lo, int64_t hi,
                  ArrayRef<int64_t> members, int64_t x) {
  if (isRange)
    return lo <= x && x < hi;
  return std::binary_search(members.begin(), members.end(), x);
}

// (a - b) mod m with the result in [0, m), without overflow.
static int64_t diffMod(int64_t a, int64_t b, int64_t m) {
  __int128 d = static_cast<__int128>(a) - b;
  __int128 r = d % m;
  if (r < 0)
    r += m;
  return static_cast<int64_t>(r);
}

bool ReferenceMask::eval(unsigned id, int64_t h, int64_t q, int64_t k) const {
  const Node &n = nodes[id];
  // Wide arithmetic: parameters may be anywhere in int64's range.
  const __int128 Q = q, K = k;
  switch (n.kind) {
  case Kind::All:
    return true;
  case Kind::None:
    return false;
  case Kind::Causal:
    return K <= Q + n.p[0];
  case Kind::Window:
    return Q - n.p[0] <= K && K <= Q + n.p[1];
  case Kind::Stride:
    return diffMod(q, k, n.p[0]) == n.p[1];
  case Kind::Dilated:
    return Q - n.p[0] <= K && K <= Q + n.p[1] && diffMod(q, k, n.p[2]) == 0;
  case Kind::Blocks:
    return q / n.p[0] == k / n.p[0];
  case Kind::Summary:
    return static_cast<__int128>(k % n.p[0]) >=
           static_cast<__int128>(n.p[0]) - n.p[1];
  case Kind::Prefix:
    return k < n.p[0];
  case Kind::RandomBlocks: {
    int64_t b = n.p[0];
    int64_t numKeyBlocks = nk / b + (nk % b != 0);
    std::vector<int64_t> drawn = drawRandomBlocks(static_cast<uint64_t>(n.p[2]),
                                                  q / b, numKeyBlocks, n.p[1]);
    return std::binary_search(drawn.begin(), drawn.end(), k / b);
  }
  case Kind::Global:
    return inSet(n.isRange, n.rowLo, n.rowHi, n.rowMembers, q) ||
           inSet(n.isRange, n.colLo, n.colHi, n.colMembers, k);
  case Kind::GlobalRows:
    return inSet(n.isRange, n.rowLo, n.rowHi, n.rowMembers, q);
  case Kind::GlobalCols:
    return inSet(n.isRange, n.colLo, n.colHi, n.colMembers, k);
  case Kind::Union:
    for (unsigned c : n.children)
      if (eval(c, h, q, k))
        return true;
    return false;
  case Kind::Intersect:
    for (unsigned c : n.children)
      if (!eval(c, h, q, k))
        return false;
    return true;
  case Kind::Difference:
    return eval(n.children[0], h, q, k) && !eval(n.children[1], h, q, k);
  case Kind::Complement:
    return !eval(n.children[0], h, q, k);
  case Kind::Heads: {
    int64_t start = 0;
    for (auto [i, end] : llvm::enumerate(n.ends)) {
      if (h >= start && h < end)
        return eval(n.children[i], h, q, k);
      start = end;
    }
    return false;
  }
  }
  return false;
}

bool ReferenceMask::allowed(int64_t h, int64_t q, int64_t k) const {
  if (q < 0 || q >= nq || k < 0 || k >= nk || nodes.empty())
    return false;
  return eval(nodes.size() - 1, h, q, k);
}
