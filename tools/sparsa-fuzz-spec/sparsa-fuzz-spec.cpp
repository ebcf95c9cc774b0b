//===- sparsa-fuzz-spec.cpp - libFuzzer target of the spec front end ------===//
//
// Feeds arbitrary bytes through the whole front end (see SpecFuzzCheck.h)
// and aborts when an invariant breaks, so libFuzzer saves the input.
// Reproducers go to fuzz/regressions/, which the unit tests replay.
//
//===----------------------------------------------------------------------===//

#include "tools/sparsa-fuzz-spec/SpecFuzzCheck.h"

#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <memory>

// Attributes and locations are uniqued in the context for its lifetime, so
// a context that has seen millions of inputs holds millions of them; a
// fresh one every so often keeps the memory flat.
static constexpr unsigned kInputsPerContext = 20000;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static std::unique_ptr<sparsa::spec::SpecChecker> checker;
  static unsigned inputs = 0;
  if (!checker || ++inputs % kInputsPerContext == 0)
    checker = std::make_unique<sparsa::spec::SpecChecker>();
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  std::string problem = checker->check(text);
  if (!problem.empty()) {
    llvm::errs() << "sparsa-fuzz-spec: " << problem << "\n";
    std::abort();
  }
  return 0;
}
