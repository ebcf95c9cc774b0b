//===- SpecDiagnostics.cpp - printing front-end diagnostics ---------------===//
//
// Prints diagnostics located in the main buffer with a bounded excerpt of
// their line; other locations (e.g. "<command line>" for -D) print as
// `where: error: message`.
//
//===----------------------------------------------------------------------===//

#include "lib/Spec/SpecDiagnostics.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace sparsa::spec;

/// Characters of a long line shown on each side of the column.
static constexpr size_t kContext = 60;

SpecDiagnosticHandler::SpecDiagnosticHandler(llvm::SourceMgr &sourceMgr,
                                             MLIRContext *ctx,
                                             llvm::raw_ostream &os)
    : ScopedDiagnosticHandler(ctx), sourceMgr(sourceMgr), os(os) {
  setHandler([this](Diagnostic &diag) {
    print(diag);
    for (Diagnostic &note : diag.getNotes())
      print(note);
    return success();
  });
}

static StringRef severityName(DiagnosticSeverity s) {
  switch (s) {
  case DiagnosticSeverity::Error:
    return "error";
  case DiagnosticSeverity::Warning:
    return "warning";
  case DiagnosticSeverity::Note:
    return "note";
  case DiagnosticSeverity::Remark:
    return "remark";
  }
  return "error";
}

void SpecDiagnosticHandler::print(Diagnostic &diag) {
  StringRef kind = severityName(diag.getSeverity());
  auto fileLoc = dyn_cast<FileLineColLoc>(diag.getLocation());
  const llvm::MemoryBuffer *buffer =
      sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
  if (!fileLoc || fileLoc.getLine() == 0 ||
      fileLoc.getFilename() != buffer->getBufferIdentifier()) {
    if (fileLoc)
      os << fileLoc.getFilename().getValue() << ": ";
    os << kind << ": " << diag.str() << "\n";
    return;
  }
  unsigned line = fileLoc.getLine(), col = fileLoc.getColumn();
  os << fileLoc.getFilename().getValue() << ":" << line << ":" << col << ": "
     << kind << ": " << diag.str() << "\n";

  // Find the line by counting: the location may be the end of the buffer,
  // on a last line that SourceMgr does not consider to exist.
  StringRef text = buffer->getBuffer();
  size_t begin = 0;
  for (unsigned l = 1; l < line; ++l) {
    size_t nl = text.find('\n', begin);
    if (nl == StringRef::npos)
      return;
    begin = nl + 1;
  }
  size_t end = text.find('\n', begin);
  if (end == StringRef::npos)
    end = text.size();
  size_t pos = std::min<size_t>(begin + (col ? col - 1 : 0), end);

  // A window of at most 2 * kContext characters around the column.
  size_t from = pos - begin > kContext ? pos - kContext : begin;
  size_t to = end - pos > kContext ? pos + kContext : end;
  std::string excerpt, caret;
  if (from > begin)
    excerpt = "...";
  for (size_t i = from; i < to; ++i) {
    unsigned char c = text[i];
    excerpt.push_back(c == '\t' || c == '\r'    ? ' '
                      : (c < 0x20 || c == 0x7f) ? '?'
                                                : static_cast<char>(c));
  }
  // Bytes of invalid UTF-8 (binary input) are masked too; valid UTF-8,
  // e.g. in comments, is shown as is.
  const auto *first = reinterpret_cast<const llvm::UTF8 *>(excerpt.data());
  if (!llvm::isLegalUTF8String(&first, first + excerpt.size()))
    for (char &c : excerpt)
      if (static_cast<unsigned char>(c) >= 0x80)
        c = '?';
  if (to < end)
    excerpt += "...";
  caret.assign((from > begin ? 3 : 0) + (pos - from), ' ');
  caret += '^';
  // Trailing carriage return of a CRLF line is not shown.
  while (!excerpt.empty() && excerpt.back() == ' ' && to == end)
    excerpt.pop_back();
  os << excerpt << "\n" << caret << "\n";
}
