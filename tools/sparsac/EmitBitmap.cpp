//===- EmitBitmap.cpp - the --emit=bitmap stage ---------------------------===//
//
// Writes the exact mask as bytes (1 allowed, 0 not): for each head in order,
// an Nq x Nk matrix, row-major with one row per query. The values come from
// the reference evaluator point by point, which is O(H Nq Nk) like the
// output itself; a row-interval evaluator could produce each row as a few
// runs instead once the analyses provide one.
//
//===----------------------------------------------------------------------===//

#include "tools/sparsac/Sparsac.h"

#include "dialects/Mask/IR/MaskReference.h"

#include <vector>

using namespace mlir;
using namespace sparsa::sparsac;

int sparsa::sparsac::emitBitmap(ModuleOp module, llvm::raw_ostream &os) {
  func::FuncOp fn = getPatternFunc(module);
  llvm::Expected<ConcreteShape> shape = getConcreteShape(fn, "--emit=bitmap");
  if (!shape)
    return userError(llvm::toString(shape.takeError()));
  auto mask = sparsa::mask::ReferenceMask::build(
      getPatternMask(fn), shape->numQueries, shape->numKeys, shape->args);
  if (!mask)
    return userError(llvm::toString(mask.takeError()));
  std::vector<char> row(shape->numKeys);
  for (int64_t h = 0; h < shape->numHeads; ++h) {
    for (int64_t q = 0; q < shape->numQueries; ++q) {
      for (int64_t k = 0; k < shape->numKeys; ++k)
        row[k] = mask->allowed(h, q, k) ? 1 : 0;
      os.write(row.data(), row.size());
    }
  }
  return kExitOk;
}
