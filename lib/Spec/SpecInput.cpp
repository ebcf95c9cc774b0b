//===- SpecInput.cpp - bounded reading of spec text -----------------------===//
//
// Reads a spec from a file or standard input without trusting its size: at
// most kMaxSpecBytes + 1 bytes are read, so /dev/zero, an endless pipe or a
// FIFO is refused like a large file instead of exhausting memory. Shared by
// sparsac and the JIT (compileFile), which also apply the limit to text.
//
//===----------------------------------------------------------------------===//

#include "lib/Spec/SpecParser.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"

using namespace sparsa::spec;

std::string sparsa::spec::checkSpecSize(size_t bytes) {
  if (bytes <= kMaxSpecBytes)
    return {};
  return "input is larger than " + std::to_string(kMaxSpecBytes) +
         " bytes, the limit of a pattern";
}

llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
sparsa::spec::readSpecInput(llvm::StringRef path) {
  auto fail = [&](const llvm::Twine &msg) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
  };
  llvm::sys::fs::file_t file;
  bool isStdin = path == "-";
  if (isStdin) {
    file = llvm::sys::fs::getStdinHandle();
  } else {
    llvm::Expected<llvm::sys::fs::file_t> opened =
        llvm::sys::fs::openNativeFileForRead(path);
    if (!opened)
      return fail("cannot open input file '" + path +
                  "': " + llvm::toString(opened.takeError()));
    file = *opened;
  }
  std::string text;
  std::string error;
  constexpr size_t kChunk = 1 << 16;
  while (text.size() <= kMaxSpecBytes) {
    size_t old = text.size();
    text.resize(old + kChunk);
    llvm::Expected<size_t> n = llvm::sys::fs::readNativeFile(
        file, llvm::MutableArrayRef<char>(text.data() + old, kChunk));
    if (!n) {
      error =
          "cannot read '" + path.str() + "': " + llvm::toString(n.takeError());
      text.resize(old);
      break;
    }
    text.resize(old + *n);
    if (*n == 0)
      break;
  }
  if (!isStdin)
    llvm::sys::fs::closeFile(file);
  if (!error.empty())
    return fail(error);
  return llvm::MemoryBuffer::getMemBufferCopy(
      text, isStdin ? llvm::StringRef("<stdin>") : path);
}

bool sparsa::spec::isValidFunctionName(llvm::StringRef name) {
  if (name.empty() || llvm::isDigit(name.front()))
    return false;
  return llvm::all_of(name,
                      [](char c) { return llvm::isAlnum(c) || c == '_'; });
}
