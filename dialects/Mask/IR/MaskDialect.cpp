//===- MaskDialect.cpp - mask dialect, type and attributes ----------------===//
//
// Registers the `mask` dialect and implements the `#mask.set` index-set
// attribute: its syntax, verifier and membership queries.
//
//===----------------------------------------------------------------------===//

#include "dialects/Mask/IR/MaskDialect.h"
#include "dialects/Mask/IR/IndexSets.h"
#include "dialects/Mask/IR/MaskOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace sparsa::mask;

#include "dialects/Mask/IR/MaskDialect.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/Mask/IR/MaskTypes.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/Mask/IR/MaskAttrs.cpp.inc"

void MaskDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/Mask/IR/MaskOps.cpp.inc"
      >();
  addTypes<
#define GET_TYPEDEF_LIST
#include "dialects/Mask/IR/MaskTypes.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/Mask/IR/MaskAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// IndexSetAttr
//===----------------------------------------------------------------------===//

IndexSetAttr IndexSetAttr::getRange(MLIRContext *ctx, int64_t lo,
                                    std::optional<int64_t> hi) {
  return get(ctx, /*isRange=*/true, lo, hi, {});
}

IndexSetAttr IndexSetAttr::getList(MLIRContext *ctx,
                                   ArrayRef<int64_t> elements) {
  return get(ctx, /*isRange=*/false, 0, std::nullopt, elements);
}

LogicalResult IndexSetAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                   bool isRange, int64_t lo,
                                   std::optional<int64_t> hi,
                                   ArrayRef<int64_t> elements) {
  if (isRange && !elements.empty())
    return emitError() << "a range set has no list elements";
  if (!isRange && (lo != 0 || hi))
    return emitError() << "a list set has no range bounds";
  return success();
}

std::pair<int64_t, int64_t> IndexSetAttr::resolveRange(int64_t n) const {
  assert(getIsRange() && "not a range set");
  int64_t lo = std::clamp<int64_t>(resolveIndex(getLo(), n), 0, n);
  int64_t hi =
      getHi() ? std::clamp<int64_t>(resolveIndex(*getHi(), n), 0, n) : n;
  return {lo, std::max(lo, hi)};
}

SmallVector<int64_t> IndexSetAttr::resolveList(int64_t n) const {
  return SmallVector<int64_t>(resolveIndexList(getElements(), n));
}

bool IndexSetAttr::contains(int64_t x, int64_t n) const {
  if (x < 0 || x >= n)
    return false;
  if (getIsRange()) {
    auto [lo, hi] = resolveRange(n);
    return lo <= x && x < hi;
  }
  return llvm::any_of(getElements(),
                      [&](int64_t e) { return resolveIndex(e, n) == x; });
}

bool IndexSetAttr::isAlwaysEmpty() const {
  if (!getIsRange())
    return getElements().empty();
  if (!getHi())
    return false;
  int64_t lo = getLo(), hi = *getHi();
  // Same sign: both resolve against the same N, so the order never changes.
  if ((lo >= 0) == (hi >= 0))
    return hi <= lo;
  // lo >= 0 > hi: [lo, N + hi) is non-empty for large N.
  // lo < 0 <= hi: [N + lo, hi) is empty once N >= hi - lo.
  return false;
}

// Syntax: `<lo to hi>`, `<lo to end>` or `<[e0, e1, ...]>`.
Attribute IndexSetAttr::parse(AsmParser &parser, Type) {
  MLIRContext *ctx = parser.getContext();
  if (parser.parseLess())
    return {};
  if (succeeded(parser.parseOptionalLSquare())) {
    SmallVector<int64_t> elements;
    if (failed(parser.parseOptionalRSquare())) {
      if (parser.parseCommaSeparatedList([&]() -> ParseResult {
            int64_t e;
            if (parser.parseInteger(e))
              return failure();
            elements.push_back(e);
            return success();
          }) ||
          parser.parseRSquare())
        return {};
    }
    if (parser.parseGreater())
      return {};
    return getChecked([&] { return parser.emitError(parser.getNameLoc()); },
                      ctx, false, 0, std::nullopt, elements);
  }
  int64_t lo;
  if (parser.parseInteger(lo) || parser.parseKeyword("to"))
    return {};
  std::optional<int64_t> hi;
  if (failed(parser.parseOptionalKeyword("end"))) {
    int64_t h;
    if (parser.parseInteger(h))
      return {};
    hi = h;
  }
  if (parser.parseGreater())
    return {};
  return getChecked([&] { return parser.emitError(parser.getNameLoc()); }, ctx,
                    true, lo, hi, ArrayRef<int64_t>{});
}

void IndexSetAttr::print(AsmPrinter &printer) const {
  printer << '<';
  if (getIsRange()) {
    printer << getLo() << " to ";
    if (getHi())
      printer << *getHi();
    else
      printer << "end";
  } else {
    printer << '[';
    llvm::interleaveComma(getElements(), printer);
    printer << ']';
  }
  printer << '>';
}
