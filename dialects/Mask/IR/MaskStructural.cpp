//===- MaskStructural.cpp - structural order of mask expressions ----------===//
//
// Implements compareMasks. The order only has to be total and independent of
// op positions; it compares op names first so that the printed operand
// order groups leaves of one kind (all windows, then ...).
//
//===----------------------------------------------------------------------===//

#include "dialects/Mask/IR/MaskStructural.h"

#include "mlir/IR/Attributes.h"
#include "mlir/IR/Block.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

static int sign(int64_t x) { return (x > 0) - (x < 0); }

static int compareAttrs(Attribute a, Attribute b) {
  if (a == b)
    return 0;
  if (auto ia = dyn_cast<DenseI64ArrayAttr>(a))
    if (auto ib = dyn_cast<DenseI64ArrayAttr>(b)) {
      ArrayRef<int64_t> x = ia.asArrayRef(), y = ib.asArrayRef();
      if (x.size() != y.size())
        return sign(static_cast<int64_t>(x.size()) -
                    static_cast<int64_t>(y.size()));
      for (auto [u, v] : llvm::zip(x, y))
        if (u != v)
          return u < v ? -1 : 1;
      return 0;
    }
  if (auto ia = dyn_cast<IntegerAttr>(a))
    if (auto ib = dyn_cast<IntegerAttr>(b))
      if (ia.getType() == ib.getType())
        return ia.getValue().slt(ib.getValue())   ? -1
               : ia.getValue().sgt(ib.getValue()) ? 1
                                                  : 0;
  // Anything else: order by the printed form, which is unique per attribute.
  std::string sa, sb;
  llvm::raw_string_ostream(sa) << a;
  llvm::raw_string_ostream(sb) << b;
  return sa.compare(sb);
}

int sparsa::mask::compareMasks(Value a, Value b) {
  if (a == b)
    return 0;
  auto argA = dyn_cast<BlockArgument>(a), argB = dyn_cast<BlockArgument>(b);
  if (argA || argB) {
    if (!argA || !argB)
      return argA ? -1 : 1;
    if (argA.getArgNumber() != argB.getArgNumber())
      return argA.getArgNumber() < argB.getArgNumber() ? -1 : 1;
    // Arguments of different blocks with the same number: no structural
    // order exists; fall back to identity so the order stays total.
    return std::less<void *>()(argA.getAsOpaquePointer(),
                               argB.getAsOpaquePointer())
               ? -1
               : 1;
  }
  Operation *x = a.getDefiningOp(), *y = b.getDefiningOp();
  if (int c = x->getName().getStringRef().compare(y->getName().getStringRef()))
    return c;
  auto ra = cast<OpResult>(a), rb = cast<OpResult>(b);
  if (ra.getResultNumber() != rb.getResultNumber())
    return ra.getResultNumber() < rb.getResultNumber() ? -1 : 1;
  ArrayRef<NamedAttribute> attrsA = x->getAttrs(), attrsB = y->getAttrs();
  if (attrsA.size() != attrsB.size())
    return attrsA.size() < attrsB.size() ? -1 : 1;
  for (auto [na, nb] : llvm::zip(attrsA, attrsB)) {
    if (int c = na.getName().strref().compare(nb.getName().strref()))
      return c;
    if (int c = compareAttrs(na.getValue(), nb.getValue()))
      return c;
  }
  if (x->getNumOperands() != y->getNumOperands())
    return x->getNumOperands() < y->getNumOperands() ? -1 : 1;
  for (auto [oa, ob] : llvm::zip(x->getOperands(), y->getOperands()))
    if (int c = compareMasks(oa, ob))
      return c;
  return 0;
}

void sparsa::mask::sortAndUniqueMasks(SmallVectorImpl<Value> &values) {
  llvm::sort(values, [](Value a, Value b) { return compareMasks(a, b) < 0; });
  values.erase(
      std::unique(values.begin(), values.end(),
                  [](Value a, Value b) { return compareMasks(a, b) == 0; }),
      values.end());
}
