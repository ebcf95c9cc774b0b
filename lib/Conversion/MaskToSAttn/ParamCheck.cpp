//===- ParamCheck.cpp - the runtime-parameter check of a pattern ----------===//
//
// sparsa-build-param-check: for a mask pattern function whose leaves take
// runtime values, a function that evaluates their constraints on concrete
// parameter values and sequence lengths (lib/Conversion/MaskToSAttn/
// Passes.td). The leaf constraints come from mask::maskParamMinimum and the
// residue < period rule, the ones the verifiers and the reference
// evaluator apply; the arithmetic between the arguments, N and the leaves
// (`W / 2`, `N - 5`) is cloned with a check of every overflow and zero
// divisor, which the reference evaluator rejects too. So a compiled kernel
// refuses exactly the values the reference rejects, and never divides by
// zero or computes with a wrapped value. The mask ops themselves are not
// cloned.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/MaskToSAttn/Passes.h"
#include "lib/Runtime/KernelABI.h"

#include "dialects/Mask/IR/MaskDialect.h"
#include "dialects/Mask/IR/MaskOps.h"
#include "dialects/Mask/IR/MaskParams.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/TypeSwitch.h"

#include <limits>
#include <type_traits>

namespace sparsa {
#define GEN_PASS_DEF_BUILDPARAMCHECK
#include "lib/Conversion/MaskToSAttn/Passes.h.inc"
} // namespace sparsa

using namespace mlir;

namespace {

/// How an arith op of a parameter computation reads in messages.
StringRef spelling(Operation *op) {
  return llvm::TypeSwitch<Operation *, StringRef>(op)
      .Case([](arith::AddIOp) { return "+"; })
      .Case([](arith::SubIOp) { return "-"; })
      .Case([](arith::MulIOp) { return "*"; })
      .Case<arith::FloorDivSIOp, arith::DivSIOp, arith::CeilDivSIOp>(
          [](Operation *) { return "/"; })
      .Case([](arith::RemSIOp) { return "%"; })
      .Default([](Operation *op) { return op->getName().getStringRef(); });
}

/// " at FILE:LINE:COL" for ops that come from spec text, else "".
std::string where(Location loc) {
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location l : fused.getLocations())
      if (std::string s = where(l); !s.empty())
        return s;
  auto file = dyn_cast<FileLineColLoc>(loc);
  if (!file)
    return "";
  return (" at " + file.getFilename().getValue() + ":" + Twine(file.getLine()) +
          ":" + Twine(file.getColumn()))
      .str();
}

/// The parameter names of a parametric leaf.
ArrayRef<StringLiteral> paramNames(Operation &op) {
  using namespace sparsa::mask;
  return llvm::TypeSwitch<Operation *, ArrayRef<StringLiteral>>(&op)
      .Case<CausalOp, WindowOp, StrideOp, DilatedOp, BlocksOp, SummaryOp,
            PrefixOp, RandomBlocksOp>([](auto leaf) {
        return std::decay_t<decltype(leaf)>::getParamNames();
      })
      .Default([](Operation *) { return ArrayRef<StringLiteral>(); });
}

/// The parametric leaves the returned mask is built from, in program
/// order: what the reference evaluator evaluates (a leaf no result depends
/// on is neither evaluated nor checked).
SmallVector<Operation *> reachableLeaves(func::FuncOp fn) {
  llvm::DenseSet<Operation *> seen;
  SmallVector<Value> work(fn.getBody().front().getTerminator()->getOperands());
  while (!work.empty()) {
    Operation *def = work.pop_back_val().getDefiningOp();
    if (!def || !seen.insert(def).second)
      continue;
    for (Value operand : def->getOperands())
      if (isa<sparsa::mask::MaskType>(operand.getType()))
        work.push_back(operand);
  }
  SmallVector<Operation *> leaves;
  for (Operation &op : fn.getBody().front())
    if (seen.contains(&op) && op.hasAttr("static_params"))
      leaves.push_back(&op);
  return leaves;
}

struct Check {
  Value ok;
  std::string message;
};

/// Builds one check function: the loads of the argument block, the cloned
/// parameter arithmetic with its own checks, the leaf constraints, and the
/// select chain returning the first failure.
class CheckBuilder {
public:
  CheckBuilder(OpBuilder &b, func::FuncOp pattern)
      : b(b), loc(pattern.getLoc()), pattern(pattern) {}

  void build(func::FuncOp fn);

private:
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value load(int64_t at);
  llvm::SetVector<Operation *> neededOps();
  std::string sourcesOf(Value v);
  void cloneChecked(Operation *op);
  void checkLeaf(Operation &op);
  void add(Value ok, std::string message) {
    checks.push_back({ok, std::move(message)});
  }

  OpBuilder &b;
  Location loc;
  func::FuncOp pattern;
  Value args;
  SmallVector<Operation *> leaves;
  IRMapping map;
  SmallVector<Check> checks;
};

Value CheckBuilder::load(int64_t at) {
  Value raw = memref::LoadOp::create(b, loc, args, ValueRange{index(at)});
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), raw);
}

/// The non-mask ops the leaves' runtime parameters are computed with, in
/// program order. Computations no leaf uses are not checked: the reference
/// evaluator never evaluates them either.
llvm::SetVector<Operation *> CheckBuilder::neededOps() {
  llvm::DenseSet<Operation *> needed;
  SmallVector<Value> work;
  for (Operation *leaf : leaves)
    work.append(leaf->operand_begin(), leaf->operand_end());
  while (!work.empty()) {
    Value v = work.pop_back_val();
    Operation *def = v.getDefiningOp();
    if (!def || !needed.insert(def).second)
      continue;
    work.append(def->operand_begin(), def->operand_end());
  }
  llvm::SetVector<Operation *> ordered;
  for (Operation &op : pattern.getBody().front())
    if (needed.contains(&op))
      ordered.insert(&op);
  return ordered;
}

/// The names of the runtime values `v` is computed from, "S", "W, G" or
/// "N", by walking its definition back to the arguments and the lengths.
std::string CheckBuilder::sourcesOf(Value v) {
  llvm::SetVector<Value> seen;
  SmallVector<std::string> names;
  auto note = [&](std::string name) {
    if (!llvm::is_contained(names, name))
      names.push_back(std::move(name));
  };
  SmallVector<Value> work{v};
  while (!work.empty()) {
    Value x = work.pop_back_val();
    if (!seen.insert(x))
      continue;
    if (auto arg = dyn_cast<BlockArgument>(x)) {
      unsigned i = arg.getArgNumber();
      auto name = pattern.getArgAttrOfType<StringAttr>(i, "mask.param");
      note(name ? name.str() : "argument " + std::to_string(i));
      continue;
    }
    Operation *def = x.getDefiningOp();
    if (isa<sparsa::mask::KeyLenOp>(def))
      note("N");
    else if (isa<sparsa::mask::QueryLenOp>(def))
      note("Nq");
    for (Value operand : def->getOperands())
      work.push_back(operand);
  }
  return llvm::join(names, ", ");
}

/// Clones one op of the parameter arithmetic. Additions, subtractions and
/// multiplications get an overflow check; divisions and remainders a check
/// of their divisor (zero, and -1 under INT64_MIN) and a divisor that is
/// never zero in the clone itself, since the check function runs on the
/// values it is checking.
void CheckBuilder::cloneChecked(Operation *op) {
  if (isa<sparsa::mask::KeyLenOp>(op)) {
    map.map(op->getResult(0), load(sparsa::runtime::kSeqK));
    return;
  }
  if (isa<sparsa::mask::QueryLenOp>(op)) {
    map.map(op->getResult(0), load(sparsa::runtime::kSeqQ));
    return;
  }
  std::string what = "'" + spelling(op).str() + "' (from " +
                     sourcesOf(op->getResult(0)) + ")" + where(op->getLoc());
  Value zero = index(0);
  auto nonNegative = [&](Value x) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, x, zero);
  };
  std::optional<int64_t> divisor;
  if (op->getNumOperands() == 2)
    divisor = getConstantIntValue(op->getOperand(1));
  // A constant divisor other than -1 can neither be zero (the front end
  // and the verifier reject that) nor overflow.
  if (isa<arith::DivSIOp, arith::FloorDivSIOp, arith::CeilDivSIOp,
          arith::RemSIOp>(op) &&
      !(divisor && *divisor != 0 && *divisor != -1)) {
    Value x = map.lookup(op->getOperand(0)), y = map.lookup(op->getOperand(1));
    auto eq = [&](Value a, int64_t c) {
      return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, a,
                                   index(c));
    };
    Value isZero = eq(y, 0);
    Value minByMinusOne = arith::AndIOp::create(
        b, loc, eq(x, std::numeric_limits<int64_t>::min()), eq(y, -1));
    add(arith::XOrIOp::create(b, loc, isZero,
                              arith::ConstantIntOp::create(b, loc, 1, 1)),
        "division by zero in " + what);
    add(arith::XOrIOp::create(b, loc, minByMinusOne,
                              arith::ConstantIntOp::create(b, loc, 1, 1)),
        "integer overflow in " + what);
    Value safe = arith::SelectOp::create(
        b, loc, arith::OrIOp::create(b, loc, isZero, minByMinusOne), index(1),
        y);
    IRMapping local = map;
    local.map(op->getOperand(1), safe);
    map.map(op->getResult(0), b.clone(*op, local)->getResult(0));
    return;
  }
  Operation *clone = b.clone(*op, map);
  Value r = clone->getNumResults() == 1 ? clone->getResult(0) : Value();
  if (auto sum = dyn_cast<arith::AddIOp>(clone)) {
    // Signed overflow: both operands differ in sign from the result.
    Value x = sum.getLhs(), y = sum.getRhs();
    add(nonNegative(arith::AndIOp::create(b, loc,
                                          arith::XOrIOp::create(b, loc, x, r),
                                          arith::XOrIOp::create(b, loc, y, r))),
        "integer overflow in " + what);
  } else if (auto sub = dyn_cast<arith::SubIOp>(clone)) {
    // Operands of different signs, and the result's sign not the first's.
    Value x = sub.getLhs(), y = sub.getRhs();
    add(nonNegative(arith::AndIOp::create(b, loc,
                                          arith::XOrIOp::create(b, loc, x, y),
                                          arith::XOrIOp::create(b, loc, x, r))),
        "integer overflow in " + what);
  } else if (auto mul = dyn_cast<arith::MulIOp>(clone)) {
    // The full 128-bit product fits in 64 bits when its high half is the
    // sign extension of the low half.
    Type i64 = b.getI64Type();
    auto wide = arith::MulSIExtendedOp::create(
        b, loc, arith::IndexCastOp::create(b, loc, i64, mul.getLhs()),
        arith::IndexCastOp::create(b, loc, i64, mul.getRhs()));
    Value sign = arith::ShRSIOp::create(
        b, loc, wide.getLow(), arith::ConstantIntOp::create(b, loc, i64, 63));
    add(arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, wide.getHigh(),
                              sign),
        "integer overflow in " + what);
  }
}

/// The constraints of one leaf on its runtime parameters.
void CheckBuilder::checkLeaf(Operation &op) {
  auto statics = op.getAttrOfType<DenseI64ArrayAttr>("static_params");
  StringRef opName = op.getName().getStringRef();
  std::string leaf = opName.drop_front(5).str(); // "mask."
  ArrayRef<StringLiteral> names = paramNames(op);
  // The parameters in order: a runtime value or a constant.
  SmallVector<Value> values;
  SmallVector<bool> dynamic;
  unsigned next = 0;
  for (int64_t s : statics.asArrayRef()) {
    bool isDynamic = ShapedType::isDynamic(s);
    values.push_back(isDynamic ? op.getOperand(next++) : Value());
    dynamic.push_back(isDynamic);
  }
  auto mapped = [&](unsigned i) -> Value {
    return dynamic[i] ? map.lookup(values[i]) : index(statics.asArrayRef()[i]);
  };
  auto label = [&](unsigned i) {
    std::string n = i < names.size() ? names[i].str() : std::to_string(i);
    return "'" + n + "' (from " + sourcesOf(values[i]) + ")";
  };
  for (unsigned i = 0; i < values.size(); ++i) {
    if (!dynamic[i])
      continue;
    std::optional<int64_t> lo = sparsa::mask::maskParamMinimum(opName, i);
    if (!lo)
      continue;
    add(arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, mapped(i),
                              index(*lo)),
        leaf + ": " + label(i) + " must be " +
            sparsa::mask::describeMinimum(*lo));
  }
  if (sparsa::mask::hasResidueBelowPeriod(opName) && values.size() == 2 &&
      (dynamic[0] || dynamic[1])) {
    std::string residue = dynamic[1] ? label(1) : "'residue'";
    std::string period = dynamic[0] ? label(0) : "'period'";
    add(arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, mapped(1),
                              mapped(0)),
        leaf + ": " + residue + " must be less than " + period);
  }
}

void CheckBuilder::build(func::FuncOp fn) {
  Block *entry = fn.addEntryBlock();
  b.setInsertionPointToStart(entry);
  // The bare pointer is reinterpreted as an unbounded array, like the
  // kernels' argument block.
  auto flatType = MemRefType::get({ShapedType::kDynamic}, b.getI64Type());
  args = memref::ReinterpretCastOp::create(
      b, loc, flatType, entry->getArgument(0), OpFoldResult(b.getIndexAttr(0)),
      ArrayRef<OpFoldResult>{b.getIndexAttr(int64_t(1) << 40)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
  for (BlockArgument arg : pattern.getArguments())
    map.map(arg, load(sparsa::runtime::kNumFixedArgs + arg.getArgNumber()));
  leaves = reachableLeaves(pattern);
  llvm::SetVector<Operation *> needed = neededOps();
  for (Operation &op : pattern.getBody().front()) {
    if (needed.contains(&op))
      cloneChecked(&op);
    else if (llvm::is_contained(leaves, &op))
      checkLeaf(op);
  }
  // -1, or the index of the first failing check.
  Value result = arith::ConstantIntOp::create(b, loc, b.getI64Type(), -1);
  for (int64_t i = int64_t(checks.size()) - 1; i >= 0; --i)
    result = arith::SelectOp::create(
        b, loc, checks[i].ok, result,
        arith::ConstantIntOp::create(b, loc, b.getI64Type(), i));
  func::ReturnOp::create(b, loc, result);
  SmallVector<Attribute> messages;
  for (const Check &c : checks)
    messages.push_back(b.getStringAttr(c.message));
  fn->setAttr(sparsa::runtime::kParamCheckAttrName, b.getArrayAttr(messages));
}

/// Whether some leaf of `fn` takes a runtime value.
bool hasRuntimeLeafParams(func::FuncOp fn) {
  return llvm::any_of(reachableLeaves(fn), [](Operation *leaf) {
    return llvm::any_of(
        leaf->getAttrOfType<DenseI64ArrayAttr>("static_params").asArrayRef(),
        ShapedType::isDynamic);
  });
}

struct BuildParamCheckPass
    : public sparsa::impl::BuildParamCheckBase<BuildParamCheckPass> {
  void runOnOperation() override {
    SmallVector<func::FuncOp> patterns;
    for (auto fn : getOperation().getOps<func::FuncOp>())
      if (!fn.isExternal() && fn.getNumResults() == 1 &&
          isa<sparsa::mask::MaskType>(fn.getResultTypes()[0]) &&
          hasRuntimeLeafParams(fn))
        patterns.push_back(fn);
    for (func::FuncOp pattern : patterns) {
      OpBuilder b(&getContext());
      b.setInsertionPointAfter(pattern);
      std::string name =
          (pattern.getSymName() + sparsa::runtime::kParamCheckSuffix).str();
      auto paramsType = MemRefType::get({1}, b.getI64Type());
      auto fn = func::FuncOp::create(
          b, pattern.getLoc(), name,
          b.getFunctionType({paramsType}, {b.getI64Type()}));
      CheckBuilder(b, pattern).build(fn);
    }
  }
};
} // namespace
