//===- Emit.cpp - write a compiled CPU module to a file -------------------===//
//
// The one entry for tools (sparsac --emit, sparsa-cpu-aot): LLVM IR,
// assembly, object file, shared library (object + linker driver) or C
// header of a module in the LLVM dialect.
//
//===----------------------------------------------------------------------===//

#include "lib/Target/CPU/CPUTarget.h"

#include "lib/Runtime/LibraryFile.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"

#include <unistd.h>

using namespace mlir;
using sparsa::Status;

static llvm::Expected<std::unique_ptr<llvm::ToolOutputFile>>
open(llvm::StringRef p, bool text) {
  std::error_code ec;
  auto out = std::make_unique<llvm::ToolOutputFile>(
      p, ec, text ? llvm::sys::fs::OF_Text : llvm::sys::fs::OF_None);
  if (ec)
    return llvm::createStringError("cannot open " + p.str() + ": " +
                                   ec.message());
  return out;
}

llvm::Error sparsa::cpu::emitToFile(ModuleOp module, EmitKind kind,
                                    llvm::StringRef path,
                                    llvm::TargetMachine &tm) {
  auto attentions = collectAttentions(module);
  if (!attentions)
    return attentions.takeError();
  if (kind == EmitKind::Header) {
    auto out = open(path, true);
    if (!out)
      return out.takeError();
    (*out)->os() << emitHeader(*attentions);
    (*out)->keep();
    return llvm::Error::success();
  }
  llvm::LLVMContext ctx;
  auto llvmModule = translateToLLVMIR(module, ctx, tm);
  if (!llvmModule)
    return llvmModule.takeError();
  addRuntimeMetadata(**llvmModule, *attentions);
  if (kind == EmitKind::LLVMIR || kind == EmitKind::Assembly ||
      kind == EmitKind::Object) {
    auto out = open(path, kind != EmitKind::Object);
    if (!out)
      return out.takeError();
    if (kind == EmitKind::LLVMIR)
      (*llvmModule)->print((*out)->os(), nullptr);
    else if (llvm::Error e = emitMachineCode(**llvmModule, tm, (*out)->os(),
                                             kind == EmitKind::Assembly))
      return e;
    (*out)->keep();
    return llvm::Error::success();
  }
  return writeSharedLibrary(**llvmModule, tm, path);
}

llvm::Error sparsa::cpu::writeSharedLibrary(llvm::Module &module,
                                            llvm::TargetMachine &tm,
                                            llvm::StringRef path) {
  // Shared library: a temporary object, then the linker driver.
  llvm::SmallString<128> object;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("sparsa-kernel", "o", object))
    return llvm::createStringError("cannot create a temporary file: " +
                                   ec.message());
  llvm::FileRemover remover(object);
  {
    auto out = open(object, false);
    if (!out)
      return out.takeError();
    if (llvm::Error e = emitMachineCode(module, tm, (*out)->os(), false))
      return e;
    (*out)->keep();
  }
  // Linked under a unique name beside `path`, sealed with the trailer the
  // runtime checks (lib/Runtime/LibraryFile.h), then renamed into place:
  // readers see the old file or the whole new one, never a partial one, and
  // a file mapped by an earlier dlopen is never rewritten in place.
  llvm::SmallString<128> tmp;
  int tmpFd;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueFile(path + ".tmp-%%%%%%%%", tmpFd, tmp))
    return llvm::createStringError("cannot write " + path.str() + ": " +
                                   ec.message());
  ::close(tmpFd);
  llvm::FileRemover tmpRemover(tmp);
  if (llvm::Error e = linkSharedLibrary(object, tmp))
    return e;
  if (Status s = runtime::sealLibraryFile(tmp.str().str()); !s)
    return llvm::createStringError(s.message());
  if (std::error_code ec = llvm::sys::fs::rename(tmp, path))
    return llvm::createStringError("cannot write " + path.str() + ": " +
                                   ec.message());
  tmpRemover.releaseFile();
  return llvm::Error::success();
}
