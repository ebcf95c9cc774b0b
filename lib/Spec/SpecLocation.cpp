//===- SpecLocation.cpp - source locations of the front end ---------------===//
//
// SMLoc to FileLineColLoc through a table of line starts built once per
// buffer.
//
//===----------------------------------------------------------------------===//

#include "lib/Spec/SpecLocation.h"

#include "llvm/Support/MemoryBuffer.h"

#include <algorithm>

using namespace sparsa::spec;

SourceLocator::SourceLocator(llvm::SourceMgr &sm, mlir::MLIRContext *ctx)
    : ctx(ctx) {
  const llvm::MemoryBuffer *buf = sm.getMemoryBuffer(sm.getMainFileID());
  text = buf->getBuffer();
  file = mlir::StringAttr::get(ctx, buf->getBufferIdentifier());
  lineStarts.push_back(0);
  for (size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n')
      lineStarts.push_back(i + 1);
}

mlir::Location SourceLocator::operator()(llvm::SMLoc loc) const {
  const char *p = loc.getPointer();
  if (!loc.isValid() || p < text.begin() || p > text.end())
    return mlir::FileLineColLoc::get(file, 1, 1);
  size_t offset = p - text.begin();
  // The last line starting at or before the offset.
  auto it = std::upper_bound(lineStarts.begin(), lineStarts.end(), offset);
  size_t line = it - lineStarts.begin();
  size_t col = offset - lineStarts[line - 1] + 1;
  return mlir::FileLineColLoc::get(file, line, col);
}
