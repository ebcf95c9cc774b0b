//===- ParamFuzzReplayTest.cpp - runtime-value fuzz inputs as tests -------===//
//
// Replays the seed corpus and every crash reproducer of sparsa-fuzz-params
// through the fuzzer's own invariant (ParamFuzzCheck.h), and runs a fixed
// sweep of pseudo-random inputs, so every regular build checks that the
// kernels' runtime-value check agrees with the reference and that accepted
// values compute the definition.
//
//===----------------------------------------------------------------------===//

#include "test/unit/FuzzReplay.h"
#include "tools/sparsa-fuzz-params/ParamFuzzCheck.h"

#include "gtest/gtest.h"

#include <cstdio>
#include <random>

namespace {

sparsa::fuzz::ParamChecker &checker() {
  static auto *c = new sparsa::fuzz::ParamChecker();
  return *c;
}

void replayInputs(llvm::StringRef dir, unsigned minimumFiles) {
  sparsa::test::replayDirectory(dir, minimumFiles, [](llvm::StringRef bytes) {
    return checker().check(reinterpret_cast<const uint8_t *>(bytes.data()),
                           bytes.size());
  });
}

TEST(ParamFuzzReplay, SeedCorpus) {
  replayInputs(SPARSA_SOURCE_DIR "/fuzz/corpus/params", 14);
}

TEST(ParamFuzzReplay, CrashReproducers) {
  replayInputs(SPARSA_SOURCE_DIR "/fuzz/regressions-params", 1);
}

TEST(ParamFuzzReplay, RandomInputs) {
  // Every pattern with values from every selector of the decoder.
  std::mt19937_64 rng(2024);
  auto before = checker().counts();
  for (int i = 0; i < 4000 && !::testing::Test::HasFailure(); ++i) {
    uint8_t bytes[40];
    for (uint8_t &b : bytes)
      b = static_cast<uint8_t>(rng());
    bytes[0] = static_cast<uint8_t>(i % checker().numPatterns());
    sparsa::fuzz::ParamCase c = checker().decode(bytes, sizeof(bytes));
    EXPECT_EQ(checker().check(c), "");
  }
  // Both sides of the check are exercised: values refused before any
  // kernel runs, and values the kernels compute with.
  auto after = checker().counts();
  EXPECT_GE(after.refused - before.refused, 200);
  EXPECT_GE(after.ran - before.ran, 200);
  std::printf("refused %lld, ran %lld\n",
              static_cast<long long>(after.refused - before.refused),
              static_cast<long long>(after.ran - before.ran));
}

} // namespace
