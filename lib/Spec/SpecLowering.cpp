//===- SpecLowering.cpp - syntax tree to the mask dialect -----------------===//
//
// Computes the value of every parameter and `let`, then emits the ops of the
// final pattern. Integer expressions whose operands are all known at compile
// time are folded here with overflow checks; anything that depends on a
// runtime parameter or on `N` becomes `arith` index ops, using floor
// division and floor modulo so that compile-time and runtime arithmetic
// agree. Parameter constraints on compile-time values are checked with the
// same `checkMaskParams` the op verifiers use, but reported at the offending
// argument of the source.
//
//===----------------------------------------------------------------------===//

#include "lib/Spec/SpecLowering.h"
#include "lib/Spec/SpecBuiltins.h"

#include "dialects/Mask/IR/MaskOps.h"
#include "dialects/Mask/IR/MaskParams.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/MathExtras.h"

#include <set>
#include <tuple>
#include <vector>

using namespace mlir;
using namespace sparsa::spec;
using namespace sparsa::mask;
using llvm::SMLoc;

namespace {
/// An integer: a compile-time constant or an SSA `index` value.
struct IntValue {
  std::optional<int64_t> constant;
  Value value;
  /// What makes it a runtime value ("runtime parameter 'W'", "the sequence
  /// length N"), for messages that need a constant.
  std::string cause;
};

class Lowering {
public:
  Lowering(const Program &program, const SourceLocator &locator,
           const SpecOptions &options)
      : program(program), loc(locator), options(options),
        builder(locator.getContext()) {}

  OwningOpRef<ModuleOp> run();

private:
  InFlightDiagnostic error(SMLoc at) { return loc.error(at); }

  FailureOr<IntValue> lowerInt(const IntExpr &e);
  FailureOr<int64_t> constantInt(const IntExpr &e, StringRef what);
  Value materialize(const IntValue &v, Location at);
  Value keyLength(Location at);

  FailureOr<Value> lowerPattern(const PatExpr &e);
  FailureOr<Value> lowerLeaf(const PatExpr &e);
  FailureOr<Value> lowerLeafOp(const PatExpr &e);
  template <typename OpTy>
  FailureOr<Value> lowerParamLeaf(const PatExpr &e, const LeafInfo &info);
  FailureOr<IndexSetAttr> lowerSet(const SetExpr &s);
  FailureOr<Value> lowerHeads(const PatExpr &e);

  const Program &program;
  const SourceLocator &loc;
  const SpecOptions &options;
  OpBuilder builder;
  Block *body = nullptr;
  Value keyLen;
  std::vector<IntValue> params;
  std::vector<Value> lets;
  /// Distinct leaves so far (op name, properties, operands) and the
  /// members of explicit sets so far, against SpecOptions' limits.
  std::set<std::tuple<const void *, const void *, std::vector<void *>>> leaves;
  size_t setMembers = 0;
};
} // namespace

//===----------------------------------------------------------------------===//
// Integers
//===----------------------------------------------------------------------===//

// Floor division and floor modulo on constants; an empty result means the
// operation overflows or divides by zero, explained in `err`.
static std::optional<int64_t> foldBinary(IntExpr::Kind kind, int64_t a,
                                         int64_t b, std::string &err) {
  int64_t r = 0;
  bool overflow = false;
  switch (kind) {
  case IntExpr::Kind::Add:
    overflow = llvm::AddOverflow(a, b, r);
    break;
  case IntExpr::Kind::Sub:
    overflow = llvm::SubOverflow(a, b, r);
    break;
  case IntExpr::Kind::Mul:
    overflow = llvm::MulOverflow(a, b, r);
    break;
  case IntExpr::Kind::Div:
  case IntExpr::Kind::Mod:
    if (b == 0) {
      err = "division by zero";
      return std::nullopt;
    }
    if (b == -1) {
      // The one case where floor division overflows; the modulo is 0.
      if (kind == IntExpr::Kind::Mod)
        return 0;
      overflow = llvm::SubOverflow<int64_t>(0, a, r);
      break;
    }
    if (kind == IntExpr::Kind::Div)
      return llvm::divideFloorSigned(a, b);
    r = a % b;
    if (r != 0 && ((r < 0) != (b < 0)))
      r += b;
    return r;
  default:
    llvm_unreachable("not a binary operator");
  }
  if (overflow) {
    const char *op = kind == IntExpr::Kind::Add   ? " + "
                     : kind == IntExpr::Kind::Sub ? " - "
                     : kind == IntExpr::Kind::Mul ? " * "
                                                  : " / ";
    err = "integer overflow in " + std::to_string(a) + op + std::to_string(b);
    return std::nullopt;
  }
  return r;
}

Value Lowering::materialize(const IntValue &v, Location at) {
  if (v.value)
    return v.value;
  return arith::ConstantIndexOp::create(builder, at, *v.constant);
}

Value Lowering::keyLength(Location at) {
  if (!keyLen) {
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPointToStart(body);
    keyLen = KeyLenOp::create(builder, at, builder.getIndexType());
  }
  return keyLen;
}

FailureOr<IntValue> Lowering::lowerInt(const IntExpr &e) {
  Location at = loc(e.loc);
  switch (e.kind) {
  case IntExpr::Kind::Literal:
    return IntValue{e.value, {}, {}};
  case IntExpr::Kind::Param:
    return params[e.param];
  case IntExpr::Kind::SeqLen:
    return IntValue{std::nullopt, keyLength(at), "the sequence length N"};
  case IntExpr::Kind::Neg: {
    FailureOr<IntValue> x = lowerInt(*e.lhs);
    if (failed(x))
      return failure();
    if (x->constant) {
      int64_t r;
      if (llvm::SubOverflow<int64_t>(0, *x->constant, r))
        return error(e.loc) << "integer overflow in -(" << *x->constant << ")";
      return IntValue{r, {}, {}};
    }
    Value zero = arith::ConstantIndexOp::create(builder, at, 0);
    return IntValue{std::nullopt,
                    arith::SubIOp::create(builder, at, zero, x->value),
                    x->cause};
  }
  default:
    break;
  }
  FailureOr<IntValue> a = lowerInt(*e.lhs);
  if (failed(a))
    return failure();
  FailureOr<IntValue> b = lowerInt(*e.rhs);
  if (failed(b))
    return failure();
  if (a->constant && b->constant) {
    std::string err;
    std::optional<int64_t> r =
        foldBinary(e.kind, *a->constant, *b->constant, err);
    if (!r)
      return error(e.loc) << err;
    return IntValue{*r, {}, {}};
  }
  if (b->constant && *b->constant == 0 &&
      (e.kind == IntExpr::Kind::Div || e.kind == IntExpr::Kind::Mod))
    return error(e.loc) << "division by zero";
  Value x = materialize(*a, at), y = materialize(*b, at);
  Value r;
  switch (e.kind) {
  case IntExpr::Kind::Add:
    r = arith::AddIOp::create(builder, at, x, y);
    break;
  case IntExpr::Kind::Sub:
    r = arith::SubIOp::create(builder, at, x, y);
    break;
  case IntExpr::Kind::Mul:
    r = arith::MulIOp::create(builder, at, x, y);
    break;
  case IntExpr::Kind::Div:
    r = arith::FloorDivSIOp::create(builder, at, x, y);
    break;
  case IntExpr::Kind::Mod: {
    // Floor modulo (the sign of the divisor) from truncating remainders:
    // ((x rem y) + y) rem y.
    Value rem = arith::RemSIOp::create(builder, at, x, y);
    Value shifted = arith::AddIOp::create(builder, at, rem, y);
    r = arith::RemSIOp::create(builder, at, shifted, y);
    break;
  }
  default:
    llvm_unreachable("not a binary operator");
  }
  return IntValue{std::nullopt, r, a->value ? a->cause : b->cause};
}

FailureOr<int64_t> Lowering::constantInt(const IntExpr &e, StringRef what) {
  FailureOr<IntValue> v = lowerInt(e);
  if (failed(v))
    return failure();
  if (v->constant)
    return *v->constant;
  return error(e.loc) << what << " must be a compile-time constant, but it "
                      << "depends on " << v->cause;
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

FailureOr<IndexSetAttr> Lowering::lowerSet(const SetExpr &s) {
  static constexpr StringLiteral kHint =
      " (for positions from the end use negative indices, e.g. -16.. for the "
      "last 16 tokens)";
  auto bound = [&](const IntExpr &e) -> FailureOr<int64_t> {
    FailureOr<IntValue> v = lowerInt(e);
    if (failed(v))
      return failure();
    if (v->constant)
      return *v->constant;
    return error(e.loc) << "set bounds must be compile-time constants, but "
                           "this one depends on "
                        << v->cause << kHint;
  };
  MLIRContext *ctx = builder.getContext();
  if (!s.isRange) {
    setMembers += s.elements.size();
    if (setMembers > options.maxSetMembers)
      return error(s.loc) << "explicit index sets list " << setMembers
                          << " members up to here; a pattern may list at "
                             "most "
                          << options.maxSetMembers
                          << " (use ranges 'a..b' where you can)";
    SmallVector<int64_t> elements;
    for (const auto &el : s.elements) {
      FailureOr<int64_t> v = bound(*el);
      if (failed(v))
        return failure();
      elements.push_back(*v);
    }
    return IndexSetAttr::getList(ctx, elements);
  }
  int64_t lo = 0;
  std::optional<int64_t> hi;
  if (s.lo) {
    FailureOr<int64_t> v = bound(*s.lo);
    if (failed(v))
      return failure();
    lo = *v;
  }
  if (s.hi) {
    FailureOr<int64_t> v = bound(*s.hi);
    if (failed(v))
      return failure();
    hi = *v;
  }
  return IndexSetAttr::getRange(ctx, lo, hi);
}

template <typename OpTy>
FailureOr<Value> Lowering::lowerParamLeaf(const PatExpr &e,
                                          const LeafInfo &info) {
  ArrayRef<StringLiteral> names = OpTy::getParamNames();
  SmallVector<OpFoldResult> mixed;
  SmallVector<std::optional<int64_t>> values;
  SmallVector<SMLoc> argLocs;
  for (unsigned i = 0; i < names.size(); ++i) {
    if (i < e.args.size()) {
      FailureOr<IntValue> v = lowerInt(*e.args[i]);
      if (failed(v))
        return failure();
      values.push_back(v->constant);
      argLocs.push_back(e.argLocs[i]);
      if (v->constant)
        mixed.push_back(builder.getIndexAttr(*v->constant));
      else
        mixed.push_back(v->value);
    } else {
      values.push_back(info.defaults[i]);
      argLocs.push_back(e.loc);
      mixed.push_back(builder.getIndexAttr(info.defaults[i]));
    }
  }
  StringRef opName = OpTy::getOperationName();
  std::string err = checkMaskParams(opName, names, values);
  if (!err.empty()) {
    // Point at the argument at fault: the first one that is wrong on its
    // own, else (a relation between arguments) the last one given.
    SMLoc at = argLocs.back();
    for (unsigned i = 0; i < values.size(); ++i) {
      SmallVector<std::optional<int64_t>> only(values.size());
      only[i] = values[i];
      if (!checkMaskParams(opName, names, only).empty()) {
        at = argLocs[i];
        break;
      }
    }
    return error(at) << info.name << " " << err;
  }
  return OpTy::create(builder, loc(e.loc), ArrayRef<OpFoldResult>(mixed))
      .getResult();
}

FailureOr<Value> Lowering::lowerLeaf(const PatExpr &e) {
  FailureOr<Value> leaf = lowerLeafOp(e);
  if (failed(leaf))
    return failure();
  Operation *op = leaf->getDefiningOp();
  std::vector<void *> operands;
  for (Value v : op->getOperands())
    operands.push_back(v.getAsOpaquePointer());
  leaves.insert({op->getName().getAsOpaquePointer(),
                 op->getPropertiesAsAttribute().getAsOpaquePointer(),
                 std::move(operands)});
  if (leaves.size() > options.maxLeaves)
    return error(e.loc) << "the pattern has more than " << options.maxLeaves
                        << " distinct building blocks (calls with different "
                           "arguments); split it into several patterns";
  return leaf;
}

FailureOr<Value> Lowering::lowerLeafOp(const PatExpr &e) {
  const LeafInfo *info = nullptr;
  for (const LeafInfo &l : allLeaves())
    if (l.kind == e.leaf)
      info = &l;
  assert(info && "leaf without a table entry");
  Location at = loc(e.loc);
  auto setLeaf = [&](auto tag) -> FailureOr<Value> {
    using OpTy = decltype(tag);
    FailureOr<IndexSetAttr> set = lowerSet(*e.set);
    if (failed(set))
      return failure();
    return OpTy::create(builder, at, *set).getResult();
  };
  switch (e.leaf) {
  case LeafKind::All:
    return AllOp::create(builder, at).getResult();
  case LeafKind::None:
    return NoneOp::create(builder, at).getResult();
  case LeafKind::Causal:
    return lowerParamLeaf<CausalOp>(e, *info);
  case LeafKind::Window:
    return lowerParamLeaf<WindowOp>(e, *info);
  case LeafKind::Stride:
    return lowerParamLeaf<StrideOp>(e, *info);
  case LeafKind::Dilated:
    return lowerParamLeaf<DilatedOp>(e, *info);
  case LeafKind::Blocks:
    return lowerParamLeaf<BlocksOp>(e, *info);
  case LeafKind::Summary:
    return lowerParamLeaf<SummaryOp>(e, *info);
  case LeafKind::Prefix:
    return lowerParamLeaf<PrefixOp>(e, *info);
  case LeafKind::RandomBlocks:
    return lowerParamLeaf<RandomBlocksOp>(e, *info);
  case LeafKind::Global:
    return setLeaf(GlobalOp());
  case LeafKind::GlobalRows:
    return setLeaf(GlobalRowsOp());
  case LeafKind::GlobalCols:
    return setLeaf(GlobalColsOp());
  }
  llvm_unreachable("unknown leaf");
}

FailureOr<Value> Lowering::lowerHeads(const PatExpr &e) {
  struct Range {
    int64_t lo, hi;
    const HeadRange *src;
  };
  SmallVector<Range> ranges;
  for (const HeadRange &h : e.heads) {
    FailureOr<int64_t> lo = constantInt(*h.lo, "a head range bound");
    if (failed(lo))
      return failure();
    FailureOr<int64_t> hi = constantInt(*h.hi, "a head range bound");
    if (failed(hi))
      return failure();
    if (*lo < 0)
      return error(h.loc) << "head ranges start at head 0 or later, got " << *lo
                          << ".." << *hi;
    if (*hi <= *lo)
      return error(h.loc) << "head range " << *lo << ".." << *hi << " is empty";
    ranges.push_back({*lo, *hi, &h});
  }
  llvm::sort(ranges, [](const Range &a, const Range &b) {
    return std::make_pair(a.lo, a.hi) < std::make_pair(b.lo, b.hi);
  });
  int64_t covered = 0;
  const HeadRange *prev = nullptr;
  for (const Range &r : ranges) {
    if (r.lo > covered)
      return error(e.loc) << "heads " << covered << ".." << r.lo
                          << " are not covered by any range";
    if (r.lo < covered) {
      InFlightDiagnostic diag = error(r.src->loc)
                                << "heads " << r.lo << ".."
                                << std::min(covered, r.hi)
                                << " are covered by more than one range";
      diag.attachNote(loc(prev->loc)) << "the other range is here";
      return diag;
    }
    covered = r.hi;
    prev = r.src;
  }
  SmallVector<int64_t> ends;
  SmallVector<Value> inputs;
  for (const Range &r : ranges) {
    FailureOr<Value> v = lowerPattern(*r.src->body);
    if (failed(v))
      return failure();
    ends.push_back(r.hi);
    inputs.push_back(*v);
  }
  return HeadsOp::create(builder, loc(e.loc),
                         MaskType::get(builder.getContext()),
                         builder.getDenseI64ArrayAttr(ends), inputs)
      .getResult();
}

FailureOr<Value> Lowering::lowerPattern(const PatExpr &e) {
  if (e.kind == PatExpr::Kind::Leaf)
    return lowerLeaf(e);
  if (e.kind == PatExpr::Kind::LetRef)
    return lets[e.let];
  if (e.kind == PatExpr::Kind::Heads)
    return lowerHeads(e);
  SmallVector<Value> operands;
  for (const auto &op : e.operands) {
    FailureOr<Value> v = lowerPattern(*op);
    if (failed(v))
      return failure();
    operands.push_back(*v);
  }
  Location at = loc(e.loc);
  Type maskType = MaskType::get(builder.getContext());
  switch (e.kind) {
  case PatExpr::Kind::Union:
    return UnionOp::create(builder, at, maskType, operands).getResult();
  case PatExpr::Kind::Intersect:
    return IntersectOp::create(builder, at, maskType, operands).getResult();
  case PatExpr::Kind::Difference:
    return DifferenceOp::create(builder, at, operands[0], operands[1])
        .getResult();
  case PatExpr::Kind::Complement:
    return ComplementOp::create(builder, at, operands[0]).getResult();
  default:
    llvm_unreachable("handled above");
  }
}

//===----------------------------------------------------------------------===//
// The function
//===----------------------------------------------------------------------===//

OwningOpRef<ModuleOp> Lowering::run() {
  MLIRContext *ctx = builder.getContext();
  Location fileLoc = loc(SMLoc());
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);

  // Runtime parameters not bound with -D are the function's arguments.
  SmallVector<Type> argTypes;
  SmallVector<unsigned> argParams;
  for (auto [i, p] : llvm::enumerate(program.params)) {
    if (p.runtime && !p.define) {
      argTypes.push_back(builder.getIndexType());
      argParams.push_back(i);
    }
  }
  builder.setInsertionPointToEnd(module->getBody());
  auto fn = func::FuncOp::create(
      builder, loc(program.pattern->loc), options.name,
      builder.getFunctionType(argTypes, MaskType::get(ctx)));
  fn->setAttr(kPatternAttrName, builder.getUnitAttr());
  SmallVector<Location> argLocs;
  for (unsigned i : argParams)
    argLocs.push_back(loc(program.params[i].loc));
  body = builder.createBlock(&fn.getBody(), {}, argTypes, argLocs);
  for (auto [argNo, i] : llvm::enumerate(argParams))
    fn.setArgAttr(argNo, kParamAttrName,
                  builder.getStringAttr(program.params[i].name));

  // Declarations in source order: every parameter and `let` is checked,
  // used or not.
  params.resize(program.params.size());
  lets.resize(program.lets.size());
  unsigned nextArg = 0;
  for (auto [isLet, index] : program.order) {
    if (isLet) {
      FailureOr<Value> v = lowerPattern(*program.lets[index].body);
      if (failed(v))
        return nullptr;
      lets[index] = *v;
      continue;
    }
    const ParamDecl &p = program.params[index];
    if (p.define) {
      params[index] = IntValue{*p.define, {}, {}};
    } else if (p.runtime) {
      params[index] = IntValue{std::nullopt, body->getArgument(nextArg++),
                               "runtime parameter '" + p.name.str() + "'"};
    } else {
      FailureOr<IntValue> v = lowerInt(*p.value);
      if (failed(v))
        return nullptr;
      params[index] = *v;
    }
  }
  FailureOr<Value> result = lowerPattern(*program.pattern);
  if (failed(result))
    return nullptr;
  func::ReturnOp::create(builder, loc(program.pattern->loc), *result);

  // Unused `let`s and parameters leave ops without uses; all are pure.
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(*body)))
    if (op.use_empty() && !op.hasTrait<OpTrait::IsTerminator>())
      op.erase();
  return module;
}

OwningOpRef<ModuleOp> sparsa::spec::lowerProgram(const Program &program,
                                                 const SourceLocator &locator,
                                                 const SpecOptions &options) {
  return Lowering(program, locator, options).run();
}
