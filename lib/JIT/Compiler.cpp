//===- Compiler.cpp - sparsa::Compiler, the public JIT entry --------------===//
//
// Thin wrappers over CompilerImpl: file reading, Pattern printing, AOT
// emission. LLVM's native target is initialized once, before the first
// compilation, from whichever thread gets there first.
//
//===----------------------------------------------------------------------===//

#include "lib/JIT/CompilerImpl.h"
#include "lib/Spec/SpecParser.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cctype>

#include <unistd.h>

using namespace sparsa;

Compiler::Compiler() : impl_(std::make_unique<detail::CompilerImpl>()) {}
Compiler::~Compiler() = default;

Compiler &Compiler::global() {
  // Never destroyed: kernels may still run while static destructors do.
  static Compiler *compiler = new Compiler();
  return *compiler;
}

Result<Kernel> Compiler::compile(const std::string &spec,
                                 const CompileOptions &options) {
  return impl_->compile(spec, options);
}

Result<Kernel> Compiler::compile(const Pattern &pattern,
                                 const CompileOptions &options) {
  CompileOptions o = options;
  if (o.fileName.empty())
    o.fileName = "<pattern>";
  return impl_->compile(pattern.toSpec(), o);
}

/// A C identifier from a file's stem (`sliding-window.sparsa` gives
/// `sliding_window`), like sparsac's default.
static std::string stemName(llvm::StringRef path) {
  std::string name = llvm::sys::path::stem(path).str();
  for (char &c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
      c = '_';
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])))
    name = "p_" + name;
  return name;
}

/// At most the size limit + 1 bytes: parsePattern refuses the rest, and a
/// device or FIFO cannot exhaust memory.
static Result<std::string> readFile(const std::string &path) {
  if (path == "-")
    return Status(ErrorCode::NotFound, "cannot read '-': not a file");
  auto buffer = spec::readSpecInput(path);
  if (!buffer)
    return Status(ErrorCode::NotFound, llvm::toString(buffer.takeError()));
  return (*buffer)->getBuffer().str();
}

Result<Kernel> Compiler::compileFile(const std::string &path,
                                     const CompileOptions &options) {
  Result<std::string> text = readFile(path);
  if (!text)
    return text.status();
  CompileOptions o = options;
  if (o.fileName.empty())
    o.fileName = path;
  if (o.name.empty())
    o.name = stemName(path);
  return impl_->compile(*text, o);
}

Status Compiler::emitSharedLibrary(const std::string &spec,
                                   const CompileOptions &given,
                                   const std::string &outputPath) {
  const CompileOptions options = detail::resolveDefaults(given);
  std::string name = options.name.empty() ? "pattern" : options.name;
  auto parsed = jit::parsePattern(spec, options, name);
  if (!parsed)
    return parsed.status();
  return jit::emitSharedLibrary(**parsed, options, outputPath);
}

Result<std::string> Compiler::structureKey(const std::string &spec,
                                           const CompileOptions &given) {
  const CompileOptions options = detail::resolveDefaults(given);
  auto parsed = jit::parsePattern(spec, options);
  if (!parsed)
    return parsed.status();
  return jit::structureKey(**parsed, options);
}

CacheStats Compiler::cacheStats() const { return impl_->stats(); }

void Compiler::clearCache() { impl_->clear(); }

Status Compiler::setDiskCache(const std::string &directory) {
  // Checked now, so that a directory that cannot take the cache is an error
  // here instead of a failure of every compilation: it must be (or be
  // creatable as) a directory in which files can be created and removed.
  // On failure the compiler keeps (or goes back to) its in-memory cache.
  auto refuse = [&](const std::string &why) {
    impl_->setDiskCache("");
    return Status(ErrorCode::InvalidArgument,
                  "cannot use '" + directory + "' as the disk cache: " + why +
                      " (compiling in memory)");
  };
  if (!directory.empty()) {
    if (std::error_code ec = llvm::sys::fs::create_directories(directory))
      return refuse(ec.message());
    if (!llvm::sys::fs::is_directory(directory))
      return refuse("not a directory");
    llvm::SmallString<128> probe;
    int fd;
    if (std::error_code ec = llvm::sys::fs::createUniqueFile(
            directory + "/sparsa-probe-%%%%%%%%.tmp", fd, probe))
      return refuse(ec.message());
    ::close(fd);
    if (std::error_code ec = llvm::sys::fs::remove(probe))
      return refuse(ec.message());
  }
  impl_->setDiskCache(directory);
  return Status::ok();
}
