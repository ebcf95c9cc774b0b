//===- SAttnDialect.cpp - sattn dialect registration and attributes -------===//

#include "dialects/SAttn/IR/SAttnDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace sparsa::sattn;

#include "dialects/SAttn/IR/SAttnDialect.cpp.inc"
#include "dialects/SAttn/IR/SAttnEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/SAttn/IR/SAttnAttrs.cpp.inc"

void SAttnDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/SAttn/IR/SAttnOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/SAttn/IR/SAttnAttrs.cpp.inc"
      >();
}

LogicalResult TilingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 int64_t blockQ, int64_t blockK,
                                 int64_t vectorWidth, StringRef target,
                                 CudaConfigAttr cuda) {
  if (blockQ < 1 || blockK < 1)
    return emitError() << "tile sizes must be positive, got " << blockQ << "x"
                       << blockK;
  if (vectorWidth < 1)
    return emitError() << "vector width must be positive, got " << vectorWidth;
  if (target != "cpu" && target != "cuda")
    return emitError() << "unknown target '" << target
                       << "', expected 'cpu' or 'cuda'";
  if (cuda && target != "cuda")
    return emitError() << "only a 'cuda' tiling has a cuda config";
  return success();
}

LogicalResult
CudaConfigAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                       StringRef chip, MmaKind, Type elementType,
                       int64_t rowsPerWarp, int64_t stages, bool) {
  StringRef number = chip;
  unsigned value = 0;
  if (!number.consume_front("sm_") || number.consumeInteger(10, value) ||
      value < 80 || !(number.empty() || number == "a"))
    return emitError() << "chip '" << chip
                       << "' is not an sm_XX architecture of sm_80 or newer";
  if (!elementType || !(elementType.isBF16() || elementType.isF16()))
    return emitError() << "element type must be bf16 or f16, got "
                       << elementType;
  if (rowsPerWarp != 16 && rowsPerWarp != 32)
    return emitError() << "rows per warp must be 16 or 32, got " << rowsPerWarp;
  if (stages < 2)
    return emitError() << "a tile ring needs at least 2 stages, got " << stages;
  return success();
}

LogicalResult TokenMapAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                   TokenMapKind kind, int64_t period,
                                   int64_t count, ArrayRef<int64_t> members) {
  if (period < 1)
    return emitError() << "token map period must be positive, got " << period;
  if (kind == TokenMapKind::summary_gather && (count < 1 || count > period))
    return emitError() << "summary gather count must be in [1, " << period
                       << "], got " << count;
  if (kind != TokenMapKind::member_gather && !members.empty())
    return emitError() << "only a member_gather map has members";
  if (kind != TokenMapKind::summary_gather && count != 0)
    return emitError() << "only a summary_gather map has a count";
  if ((kind == TokenMapKind::identity || kind == TokenMapKind::member_gather) &&
      period != 1)
    return emitError() << "a " << stringifyTokenMapKind(kind)
                       << " map has no period";
  return success();
}

// Syntax: `<kind (, period = P)? (, count = C)? (, members = [...])?>` with
// the fields in any order.
Attribute TokenMapAttr::parse(AsmParser &parser, Type) {
  StringRef kindName;
  if (parser.parseLess() || parser.parseKeyword(&kindName))
    return {};
  std::optional<TokenMapKind> kind = symbolizeTokenMapKind(kindName);
  if (!kind) {
    parser.emitError(parser.getCurrentLocation())
        << "unknown token map kind '" << kindName << "'";
    return {};
  }
  int64_t period = 1, count = 0;
  SmallVector<int64_t> members;
  while (succeeded(parser.parseOptionalComma())) {
    StringRef key;
    if (parser.parseKeyword(&key) || parser.parseEqual())
      return {};
    if (key == "period") {
      if (parser.parseInteger(period))
        return {};
    } else if (key == "count") {
      if (parser.parseInteger(count))
        return {};
    } else if (key == "members") {
      if (parser.parseCommaSeparatedList(
              AsmParser::Delimiter::Square, [&]() -> ParseResult {
                return parser.parseInteger(members.emplace_back());
              }))
        return {};
    } else {
      parser.emitError(parser.getCurrentLocation())
          << "unknown token map field '" << key << "'";
      return {};
    }
  }
  if (parser.parseGreater())
    return {};
  return getChecked([&] { return parser.emitError(parser.getNameLoc()); },
                    parser.getContext(), *kind, period, count, members);
}

void TokenMapAttr::print(AsmPrinter &printer) const {
  printer << '<' << stringifyTokenMapKind(getKind());
  if (getPeriod() != 1)
    printer << ", period = " << getPeriod();
  if (getCount() != 0)
    printer << ", count = " << getCount();
  if (!getMembers().empty()) {
    printer << ", members = [";
    llvm::interleaveComma(getMembers(), printer);
    printer << ']';
  }
  printer << '>';
}
