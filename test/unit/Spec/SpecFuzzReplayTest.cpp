//===- SpecFuzzReplayTest.cpp - fuzz corpus and reproducers as tests ------===//
//
// Replays the seed corpus and every crash reproducer in fuzz/regressions
// through the fuzzer's own invariant (SpecFuzzCheck.h), so inputs the fuzzer
// once broke the front end with are checked by every regular build.
//
//===----------------------------------------------------------------------===//

#include "lib/Spec/SpecParser.h"
#include "tools/sparsa-fuzz-spec/SpecFuzzCheck.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "gtest/gtest.h"

namespace {
void replayDirectory(llvm::StringRef dir, unsigned minimumFiles) {
  sparsa::spec::SpecChecker checker;
  std::error_code ec;
  unsigned count = 0;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec)) {
    llvm::StringRef name = llvm::sys::path::filename(it->path());
    if (name.starts_with(".") || name.ends_with(".md"))
      continue;
    auto buffer = llvm::MemoryBuffer::getFile(it->path());
    ASSERT_TRUE(static_cast<bool>(buffer)) << it->path();
    EXPECT_EQ(checker.check((*buffer)->getBuffer()), "") << it->path();
    ++count;
  }
  EXPECT_FALSE(ec) << dir.str() << ": " << ec.message();
  EXPECT_GE(count, minimumFiles) << dir.str();
}

TEST(SpecFuzzReplayTest, SeedCorpus) {
  replayDirectory(SPARSA_SOURCE_DIR "/fuzz/corpus/spec", 10);
}

TEST(SpecFuzzReplayTest, ExamplePatterns) {
  replayDirectory(SPARSA_SOURCE_DIR "/examples/patterns", 10);
}

TEST(SpecFuzzReplayTest, CrashReproducers) {
  replayDirectory(SPARSA_SOURCE_DIR "/fuzz/regressions", 1);
}
} // namespace
