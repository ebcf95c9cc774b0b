//===- FuzzReplay.h - fuzz corpora replayed as unit tests -------*- C++ -*-===//
//
// The fuzz targets' seed corpora and crash reproducers are replayed by the
// regular unit tests through each target's own invariant, so an input that
// once broke sparsa is checked by every build.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_TEST_UNIT_FUZZREPLAY_H
#define SPARSA_TEST_UNIT_FUZZREPLAY_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "gtest/gtest.h"

#include <string>

namespace sparsa::test {

/// Runs `check` on the bytes of every file of `dir` (except dot files and
/// `.md` notes) and expects it to return "" (no broken invariant); `dir`
/// must hold at least `minimumFiles` inputs.
inline void
replayDirectory(llvm::StringRef dir, unsigned minimumFiles,
                llvm::function_ref<std::string(llvm::StringRef)> check) {
  std::error_code ec;
  unsigned count = 0;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec)) {
    llvm::StringRef name = llvm::sys::path::filename(it->path());
    if (name.starts_with(".") || name.ends_with(".md"))
      continue;
    auto buffer = llvm::MemoryBuffer::getFile(it->path());
    ASSERT_TRUE(static_cast<bool>(buffer)) << it->path();
    EXPECT_EQ(check((*buffer)->getBuffer()), "") << it->path();
    ++count;
  }
  EXPECT_FALSE(ec) << dir.str() << ": " << ec.message();
  EXPECT_GE(count, minimumFiles) << dir.str();
}

} // namespace sparsa::test

#endif // SPARSA_TEST_UNIT_FUZZREPLAY_H
