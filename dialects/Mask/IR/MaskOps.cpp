//===- MaskOps.cpp - mask dialect operations ------------------------------===//
//
// Verifiers of the `mask` ops. Parameter constraints live in one table
// (`checkMaskParams`) shared with the reference evaluator, which applies the
// same checks to runtime parameter values.
//
//===----------------------------------------------------------------------===//

#include "dialects/Mask/IR/MaskOps.h"
#include "dialects/Mask/IR/MaskParams.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace sparsa::mask;

#define GET_OP_CLASSES
#include "dialects/Mask/IR/MaskOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Parameter constraints
//===----------------------------------------------------------------------===//

namespace {
/// Lower bound of each parameter of a parametric leaf; `residue < period` is
/// the one relational constraint and is checked separately.
struct ParamBounds {
  StringRef opName;
  int64_t minimum[3];
};
} // namespace

// The smallest value a parameter may take. INT64_MIN itself is
// ShapedType::kDynamic, the marker of a runtime entry in `static_params`, so
// no leaf can hold it as a constant; rejecting it everywhere (spec lowering,
// verifiers, folding, the reference and the generated runtime checks) keeps
// all of them in agreement.
static constexpr int64_t kAny = std::numeric_limits<int64_t>::min() + 1;

static std::optional<ParamBounds> boundsFor(StringRef opName) {
  static const ParamBounds table[] = {
      {"mask.causal", {kAny}}, {"mask.window", {0, 0}},
      {"mask.stride", {1, 0}}, {"mask.dilated", {0, 0, 1}},
      {"mask.blocks", {1}},    {"mask.summary", {1, 0}},
      {"mask.prefix", {0}},    {"mask.random_blocks", {1, 0, kAny}},
  };
  for (const ParamBounds &b : table)
    if (b.opName == opName)
      return b;
  return std::nullopt;
}

std::optional<int64_t> sparsa::mask::maskParamMinimum(StringRef opName,
                                                      unsigned index) {
  std::optional<ParamBounds> bounds = boundsFor(opName);
  if (!bounds || index >= 3)
    return std::nullopt;
  return bounds->minimum[index];
}

std::string sparsa::mask::describeMinimum(int64_t minimum) {
  if (minimum == 0)
    return "non-negative";
  if (minimum == 1)
    return "positive";
  return "at least " + std::to_string(minimum);
}

std::string
sparsa::mask::checkMaskParams(StringRef opName, ArrayRef<StringLiteral> names,
                              ArrayRef<std::optional<int64_t>> values) {
  std::optional<ParamBounds> bounds = boundsFor(opName);
  if (!bounds)
    return "";
  std::string msg;
  llvm::raw_string_ostream os(msg);
  for (auto [i, v] : llvm::enumerate(values)) {
    if (!v || i >= names.size())
      continue;
    int64_t lo = bounds->minimum[i];
    if (*v >= lo)
      continue;
    os << "parameter '" << names[i] << "' must be " << describeMinimum(lo)
       << ", got " << *v;
    return msg;
  }
  if (hasResidueBelowPeriod(opName) && values.size() == 2 && values[0] &&
      values[1] && *values[1] >= *values[0]) {
    os << "parameter 'residue' must be less than 'period' (" << *values[0]
       << "), got " << *values[1];
    return msg;
  }
  return "";
}

template <typename OpTy> static LogicalResult verifyParamOp(OpTy op) {
  ArrayRef<StringLiteral> names = OpTy::getParamNames();
  ArrayRef<int64_t> statics = op.getStaticParams();
  if (statics.size() != names.size())
    return op.emitOpError() << "expects " << names.size() << " parameters, got "
                            << statics.size();
  if (failed(verifyListOfOperandsOrIntegers(op, "parameter", names.size(),
                                            statics, op.getParams())))
    return failure();
  SmallVector<std::optional<int64_t>> values;
  for (unsigned i = 0; i < statics.size(); ++i)
    values.push_back(op.getConstantParam(i));
  std::string err =
      checkMaskParams(op->getName().getStringRef(), names, values);
  if (!err.empty())
    return op.emitOpError() << err;
  return success();
}

LogicalResult CausalOp::verify() { return verifyParamOp(*this); }
LogicalResult WindowOp::verify() { return verifyParamOp(*this); }
LogicalResult StrideOp::verify() { return verifyParamOp(*this); }
LogicalResult DilatedOp::verify() { return verifyParamOp(*this); }
LogicalResult BlocksOp::verify() { return verifyParamOp(*this); }
LogicalResult SummaryOp::verify() { return verifyParamOp(*this); }
LogicalResult PrefixOp::verify() { return verifyParamOp(*this); }
LogicalResult RandomBlocksOp::verify() { return verifyParamOp(*this); }

//===----------------------------------------------------------------------===//
// Combinators
//===----------------------------------------------------------------------===//

LogicalResult UnionOp::verify() {
  if (getInputs().empty())
    return emitOpError() << "needs at least one input";
  return success();
}

LogicalResult IntersectOp::verify() {
  if (getInputs().empty())
    return emitOpError() << "needs at least one input";
  return success();
}

LogicalResult HeadsOp::verify() {
  ArrayRef<int64_t> ends = getEnds();
  if (ends.empty())
    return emitOpError() << "needs at least one head range";
  if (ends.size() != getInputs().size())
    return emitOpError() << "has " << ends.size() << " head ranges but "
                         << getInputs().size() << " masks";
  int64_t prev = 0;
  for (int64_t e : ends) {
    if (e <= prev)
      return emitOpError() << "head range ends must be strictly increasing "
                              "and positive, got "
                           << e << " after " << prev;
    prev = e;
  }
  return success();
}
