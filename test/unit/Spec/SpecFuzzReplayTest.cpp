//===- SpecFuzzReplayTest.cpp - fuzz corpus and reproducers as tests ------===//
//
// Replays the seed corpus and every crash reproducer in fuzz/regressions
// through the fuzzer's own invariant (SpecFuzzCheck.h), so inputs the fuzzer
// once broke the front end with are checked by every regular build.
//
//===----------------------------------------------------------------------===//

#include "test/unit/FuzzReplay.h"
#include "tools/sparsa-fuzz-spec/SpecFuzzCheck.h"

#include "gtest/gtest.h"

namespace {
void replaySpecs(llvm::StringRef dir, unsigned minimumFiles) {
  sparsa::spec::SpecChecker checker;
  sparsa::test::replayDirectory(dir, minimumFiles, [&](llvm::StringRef text) {
    return checker.check(text);
  });
}

TEST(SpecFuzzReplayTest, SeedCorpus) {
  replaySpecs(SPARSA_SOURCE_DIR "/fuzz/corpus/spec", 10);
}

TEST(SpecFuzzReplayTest, ExamplePatterns) {
  replaySpecs(SPARSA_SOURCE_DIR "/examples/patterns", 10);
}

TEST(SpecFuzzReplayTest, CrashReproducers) {
  replaySpecs(SPARSA_SOURCE_DIR "/fuzz/regressions", 1);
}
} // namespace
