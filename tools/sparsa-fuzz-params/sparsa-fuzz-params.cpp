//===- sparsa-fuzz-params.cpp - libFuzzer target of runtime values --------===//
//
// Feeds runtime parameter values and sequence lengths (not spec text)
// through the kernels' check, the reference evaluator and the kernels (see
// ParamFuzzCheck.h) and aborts when they disagree, so libFuzzer saves the
// input. Reproducers go to fuzz/regressions-params/, which the unit tests
// replay.
//
//===----------------------------------------------------------------------===//

#include "tools/sparsa-fuzz-params/ParamFuzzCheck.h"

#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <memory>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static auto *checker = new sparsa::fuzz::ParamChecker();
  std::string problem = checker->check(data, size);
  if (!problem.empty()) {
    llvm::errs() << "sparsa-fuzz-params: " << problem << "\n";
    std::abort();
  }
  return 0;
}
