//===- ParamCheck.cpp - the runtime-parameter check of a pattern ----------===//
//
// sparsa-build-param-check: for a mask pattern function with runtime
// parameters, a function that evaluates the constraints of its leaves on
// concrete parameter values (lib/Conversion/MaskToSAttn/Passes.td). The
// constraints come from mask::maskParamMinimum and the residue < period
// rule, the ones the verifiers and the reference evaluator apply, so a
// compiled kernel refuses exactly the values the reference rejects. The
// arithmetic between the function's arguments and the leaves (`W / 2`) is
// cloned; the mask ops themselves are not.
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
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/TypeSwitch.h"

#include <type_traits>

namespace sparsa {
#define GEN_PASS_DEF_BUILDPARAMCHECK
#include "lib/Conversion/MaskToSAttn/Passes.h.inc"
} // namespace sparsa

using namespace mlir;

namespace {

/// The names of the runtime parameters `v` is computed from, "S" or
/// "W, G", by walking its definition back to the function's arguments.
std::string sourcesOf(Value v, func::FuncOp fn) {
  llvm::SetVector<Value> seen, args;
  SmallVector<Value> work{v};
  while (!work.empty()) {
    Value x = work.pop_back_val();
    if (!seen.insert(x))
      continue;
    if (auto arg = dyn_cast<BlockArgument>(x)) {
      args.insert(arg);
      continue;
    }
    for (Value operand : x.getDefiningOp()->getOperands())
      work.push_back(operand);
  }
  std::string out;
  for (Value a : args) {
    unsigned i = cast<BlockArgument>(a).getArgNumber();
    auto name = fn.getArgAttrOfType<StringAttr>(i, "mask.param");
    out += (out.empty() ? "" : ", ") +
           (name ? name.str() : "argument " + std::to_string(i));
  }
  return out;
}

struct Check {
  Value ok;
  std::string message;
};

struct BuildParamCheckPass
    : public sparsa::impl::BuildParamCheckBase<BuildParamCheckPass> {
  void runOnOperation() override {
    SmallVector<func::FuncOp> patterns;
    for (auto fn : getOperation().getOps<func::FuncOp>())
      if (!fn.isExternal() && fn.getNumArguments() > 0 &&
          fn.getNumResults() == 1 &&
          isa<sparsa::mask::MaskType>(fn.getResultTypes()[0]))
        patterns.push_back(fn);
    for (func::FuncOp fn : patterns)
      build(fn);
  }

  void build(func::FuncOp pattern) {
    MLIRContext *ctx = &getContext();
    Location loc = pattern.getLoc();
    OpBuilder b(ctx);
    b.setInsertionPointAfter(pattern);
    auto paramsType = MemRefType::get({1}, b.getI64Type());
    std::string name =
        (pattern.getSymName() + sparsa::runtime::kParamCheckSuffix).str();
    auto fn = func::FuncOp::create(
        b, loc, name, b.getFunctionType({paramsType}, {b.getI64Type()}));
    Block *entry = fn.addEntryBlock();
    b.setInsertionPointToStart(entry);
    // The bare pointer is reinterpreted as an unbounded array, like the
    // kernels' argument block.
    auto flatType = MemRefType::get({ShapedType::kDynamic}, b.getI64Type());
    Value flat = memref::ReinterpretCastOp::create(
        b, loc, flatType, entry->getArgument(0), OpFoldResult(b.getIndexAttr(0)),
        ArrayRef<OpFoldResult>{b.getIndexAttr(int64_t(1) << 40)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
    IRMapping map;
    for (BlockArgument arg : pattern.getArguments()) {
      Value at = arith::ConstantIndexOp::create(b, loc, arg.getArgNumber());
      Value raw = memref::LoadOp::create(b, loc, flat, ValueRange{at});
      map.map(arg, arith::IndexCastOp::create(b, loc, b.getIndexType(), raw));
    }

    SmallVector<Check> checks;
    for (Operation &op : pattern.getBody().front()) {
      if (op.getDialect() &&
          op.getDialect()->getNamespace() !=
              sparsa::mask::MaskDialect::getDialectNamespace()) {
        // Arithmetic on the parameters; what depends on the sequence
        // lengths (mask.query_len) is not known here and stays unchecked.
        if (!isa<func::ReturnOp>(op) &&
            llvm::all_of(op.getOperands(),
                         [&](Value v) { return map.contains(v); }))
          b.clone(op, map);
        continue;
      }
      auto statics = op.getAttrOfType<DenseI64ArrayAttr>("static_params");
      if (!statics)
        continue;
      StringRef opName = op.getName().getStringRef();
      std::string leaf = opName.drop_front(5).str(); // "mask."
      ArrayRef<StringLiteral> names = paramNames(op);
      // The parameters in order: a runtime value or a constant.
      SmallVector<Value> values;
      SmallVector<bool> dynamic;
      unsigned next = 0;
      for (int64_t s : statics.asArrayRef()) {
        if (ShapedType::isDynamic(s)) {
          values.push_back(op.getOperand(next++));
          dynamic.push_back(true);
        } else {
          values.push_back(Value());
          dynamic.push_back(false);
        }
      }
      auto mapped = [&](unsigned i) -> Value {
        if (dynamic[i])
          return map.lookup(values[i]);
        return arith::ConstantIndexOp::create(b, loc,
                                              statics.asArrayRef()[i]);
      };
      auto label = [&](unsigned i) {
        std::string n = i < names.size() ? names[i].str() : std::to_string(i);
        return "'" + n + "' (from " + sourcesOf(values[i], pattern) + ")";
      };
      auto known = [&](unsigned i) {
        return !dynamic[i] || map.contains(values[i]);
      };
      for (unsigned i = 0; i < values.size(); ++i) {
        if (!dynamic[i] || !known(i))
          continue;
        std::optional<int64_t> lo = sparsa::mask::maskParamMinimum(opName, i);
        if (!lo)
          continue;
        Value ok = arith::CmpIOp::create(
            b, loc, arith::CmpIPredicate::sge, mapped(i),
            arith::ConstantIndexOp::create(b, loc, *lo));
        checks.push_back(
            {ok, leaf + ": " + label(i) + " must be " +
                     sparsa::mask::describeMinimum(*lo)});
      }
      if (sparsa::mask::hasResidueBelowPeriod(opName) && values.size() == 2 &&
          (dynamic[0] || dynamic[1]) && known(0) && known(1)) {
        Value ok = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                         mapped(1), mapped(0));
        std::string residue = dynamic[1] ? label(1) : "'residue'";
        std::string period = dynamic[0] ? label(0) : "'period'";
        checks.push_back(
            {ok, leaf + ": " + residue + " must be less than " + period});
      }
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
    fn->setAttr(sparsa::runtime::kParamCheckAttrName,
                b.getArrayAttr(messages));
  }

  /// The parameter names of a parametric leaf.
  static ArrayRef<StringLiteral> paramNames(Operation &op) {
    using namespace sparsa::mask;
    return llvm::TypeSwitch<Operation *, ArrayRef<StringLiteral>>(&op)
        .Case<CausalOp, WindowOp, StrideOp, DilatedOp, BlocksOp, SummaryOp,
              PrefixOp, RandomBlocksOp>([](auto leaf) {
          return std::decay_t<decltype(leaf)>::getParamNames();
        })
        .Default([](Operation *) { return ArrayRef<StringLiteral>(); });
  }
};
} // namespace
