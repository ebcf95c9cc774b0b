//===- sparsa-fuzz-spec.cpp - libFuzzer target of the spec front end ------===//
//
// Feeds arbitrary bytes through the whole front end (see SpecFuzzCheck.h)
// and aborts when an invariant breaks, so libFuzzer saves the input.
// Reproducers go to fuzz/regressions/, which the unit tests replay.
//
//===----------------------------------------------------------------------===//

#include "tools/sparsa-fuzz-spec/SpecFuzzCheck.h"

#include "lib/Spec/SpecParser.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static mlir::MLIRContext *context = [] {
    mlir::DialectRegistry registry;
    sparsa::spec::registerSpecDialects(registry);
    auto *ctx =
        new mlir::MLIRContext(registry, mlir::MLIRContext::Threading::DISABLED);
    ctx->loadAllAvailableDialects();
    return ctx;
  }();
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  std::string problem = sparsa::spec::checkSpecInput(text, *context);
  if (!problem.empty()) {
    llvm::errs() << "sparsa-fuzz-spec: " << problem << "\n";
    std::abort();
  }
  return 0;
}
