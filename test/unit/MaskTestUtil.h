//===- MaskTestUtil.h - helpers for mask unit tests -------------*- C++ -*-===//
//
// Parsing a mask function from MLIR text and rendering its reference
// semantics as rows of '0'/'1' characters, shared by the unit tests.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_TEST_UNIT_MASKTESTUTIL_H
#define SPARSA_TEST_UNIT_MASKTESTUTIL_H

#include "dialects/Mask/IR/MaskDialect.h"
#include "dialects/Mask/IR/MaskReference.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <string>
#include <vector>

namespace sparsa::test {

inline void loadMaskDialects(mlir::MLIRContext &ctx) {
  ctx.loadDialect<sparsa::mask::MaskDialect, mlir::arith::ArithDialect,
                  mlir::func::FuncDialect>();
}

/// The value returned by the first function of `module`.
inline mlir::Value returnedMask(mlir::ModuleOp module) {
  auto fn = *module.getOps<mlir::func::FuncOp>().begin();
  auto ret =
      llvm::cast<mlir::func::ReturnOp>(fn.getBody().front().getTerminator());
  return ret.getOperand(0);
}

/// Rows of the Nq x Nk matrix of head `h`, '1' where allowed.
inline std::vector<std::string> render(const sparsa::mask::ReferenceMask &m,
                                       int64_t h = 0) {
  std::vector<std::string> rows;
  for (int64_t q = 0; q < m.numQueries(); ++q) {
    std::string row;
    for (int64_t k = 0; k < m.numKeys(); ++k)
      row.push_back(m.allowed(h, q, k) ? '1' : '0');
    rows.push_back(row);
  }
  return rows;
}

} // namespace sparsa::test

#endif // SPARSA_TEST_UNIT_MASKTESTUTIL_H
