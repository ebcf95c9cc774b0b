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
      {"mask.causal", {kAny}},
      {"mask.window", {0, 0}},
      {"mask.stride", {1, 0}},
      {"mask.dilated", {0, 0, 1}},
      {"mask.blocks", {1}},
      {"mask.summary", {1, 0}},
      {"mask.prefix", {0}},
      {"mask.random_blocks", {1, 0, kAny}},
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

template <typename OpTy>
static LogicalResult verifyParamOp(OpTy op) {
  ArrayRef<StringLiteral> names = OpTy::getParamNames();
  ArrayRef<int64_t> statics = op.getStaticParams();
  if (statics.size() != names.size())
    return op.emitOpError() << "expects " << names.size()
                            << " parameters, got " << statics.size();
  if (failed(verifyListOfOperandsOrIntegers(op, "parameter", names.size(),
                                            statics, op.getParams())))
    return failure();
  SmallVector<std::optional<int64_t>> values;
  for (unsigned i = 0; i < statics.size(); ++i)
    values.push_back(op.getConstantParam(i));
  std::string err = checkMaskParams(op->getName().getStringRef(), names, values);
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

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

static LogicalResult checkDimsMatch(Operation *op, ShapedType a, unsigned ai,
                                    ShapedType b, unsigned bi, StringRef what) {
  int64_t x = a.getDimSize(ai), y = b.getDimSize(bi);
  if (!ShapedType::isDynamic(x) && !ShapedType::isDynamic(y) && x != y)
    return op->emitOpError() << what << " mismatch: " << x << " vs " << y;
  return success();
}

LogicalResult AttentionOp::verify() {
  auto q = cast<ShapedType>(getQuery().getType());
  auto k = cast<ShapedType>(getKey().getType());
  auto v = cast<ShapedType>(getValue().getType());
  bool onTensors = isa<TensorType>(q);
  for (auto [name, t] : {std::pair<StringRef, ShapedType>{"query", q},
                         {"key", k},
                         {"value", v}}) {
    if (!t.hasRank() || t.getRank() != 4)
      return emitOpError() << name << " must be a rank-4 [B, H, N, D] shaped "
                           << "value, got " << t;
    if (isa<TensorType>(t) != onTensors)
      return emitOpError() << "query, key and value must all be tensors or "
                              "all be memrefs";
    if (!isa<FloatType>(t.getElementType()))
      return emitOpError() << name << " must have a float element type, got "
                           << t.getElementType();
  }
  if (k.getElementType() != q.getElementType() ||
      v.getElementType() != q.getElementType())
    return emitOpError() << "query, key and value element types differ";
  if (failed(checkDimsMatch(*this, q, 0, k, 0, "batch size")) ||
      failed(checkDimsMatch(*this, k, 0, v, 0, "batch size")) ||
      failed(checkDimsMatch(*this, k, 1, v, 1, "key/value head count")) ||
      failed(checkDimsMatch(*this, k, 2, v, 2, "key/value sequence length")) ||
      failed(checkDimsMatch(*this, q, 3, k, 3, "head dimension")) ||
      failed(checkDimsMatch(*this, k, 3, v, 3, "head dimension")))
    return failure();
  int64_t hq = q.getDimSize(1), hkv = k.getDimSize(1);
  if (!ShapedType::isDynamic(hq) && !ShapedType::isDynamic(hkv) &&
      (hkv == 0 || hq % hkv != 0))
    return emitOpError() << "query head count " << hq
                         << " is not a multiple of key/value head count "
                         << hkv;

  // The output has Q's shape with V's head dimension; the LSE drops D.
  auto checkOut = [&](ShapedType o, StringRef what) -> LogicalResult {
    if (!o.hasRank() || o.getRank() != 4 ||
        o.getElementType() != q.getElementType())
      return emitOpError() << what << " must be rank 4 with element type "
                           << q.getElementType() << ", got " << o;
    for (unsigned i = 0; i < 3; ++i)
      if (failed(checkDimsMatch(*this, o, i, q, i, "output shape")))
        return failure();
    return checkDimsMatch(*this, o, 3, v, 3, "output head dimension");
  };
  auto checkLse = [&](ShapedType l) -> LogicalResult {
    if (!l.hasRank() || l.getRank() != 3 || !isa<FloatType>(l.getElementType()))
      return emitOpError() << "lse must be a rank-3 [B, H, N] float value, "
                              "got "
                           << l;
    for (unsigned i = 0; i < 3; ++i)
      if (failed(checkDimsMatch(*this, l, i, q, i, "lse shape")))
        return failure();
    return success();
  };

  if (onTensors) {
    if (getOut() || getLseOut())
      return emitOpError() << "on tensors returns its results and takes no "
                              "outs";
    if (getResults().empty() || getResults().size() > 2)
      return emitOpError() << "on tensors returns the output and optionally "
                              "the lse, got "
                           << getResults().size() << " results";
    if (failed(checkOut(cast<ShapedType>(getResults()[0].getType()),
                        "output")))
      return failure();
    if (getResults().size() == 2 &&
        failed(checkLse(cast<ShapedType>(getResults()[1].getType()))))
      return failure();
    return success();
  }
  if (!getResults().empty())
    return emitOpError() << "on memrefs writes into outs and has no results";
  if (!getOut())
    return emitOpError() << "on memrefs needs an output in outs";
  if (failed(checkOut(cast<ShapedType>(getOut().getType()), "output")))
    return failure();
  if (getLseOut() &&
      failed(checkLse(cast<ShapedType>(getLseOut().getType()))))
    return failure();
  return success();
}
