//===- MachineCode.cpp - object files and shared libraries ----------------===//
//
// Object/assembly emission through the TargetMachine, and shared libraries
// linked by the compiler driver found at configure time (SPARSA_CC_LINKER):
// `clang -shared` knows the platform's crt/linker conventions, which the
// in-process lld would make us restate.
//
//===----------------------------------------------------------------------===//

#include "lib/Target/CPU/CPUTarget.h"

#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Target/TargetMachine.h"

#ifndef SPARSA_CC_LINKER
#define SPARSA_CC_LINKER "clang"
#endif

llvm::Error sparsa::cpu::emitMachineCode(llvm::Module &module,
                                         llvm::TargetMachine &tm,
                                         llvm::raw_pwrite_stream &os,
                                         bool assembly) {
  llvm::legacy::PassManager pm;
  auto kind = assembly ? llvm::CodeGenFileType::AssemblyFile
                       : llvm::CodeGenFileType::ObjectFile;
  if (tm.addPassesToEmitFile(pm, os, nullptr, kind))
    return llvm::createStringError("the target cannot emit this file type");
  pm.run(module);
  return llvm::Error::success();
}

llvm::Error sparsa::cpu::linkSharedLibrary(llvm::StringRef objectPath,
                                           llvm::StringRef outputPath) {
  llvm::ErrorOr<std::string> driver =
      llvm::sys::findProgramByName(SPARSA_CC_LINKER);
  if (!driver)
    return llvm::createStringError(std::string("linker driver '") +
                                   SPARSA_CC_LINKER + "' not found");
  llvm::SmallVector<llvm::StringRef> args{*driver, "-shared",  "-fuse-ld=lld",
                                          "-o",    outputPath, objectPath};
  // The driver's output goes into the error, never to the host's stderr.
  llvm::SmallString<128> log;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("sparsa-link", "log", log))
    return llvm::createStringError("cannot create a temporary file: " +
                                   ec.message());
  llvm::FileRemover logRemover(log);
  std::optional<llvm::StringRef> redirects[] = {llvm::StringRef(""), log.str(),
                                                log.str()};
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(*driver, args, std::nullopt, redirects, 0,
                                     0, &message);
  if (rc != 0) {
    std::string output;
    if (auto buffer = llvm::MemoryBuffer::getFile(log, /*IsText=*/true))
      output = (*buffer)->getBuffer().take_front(2000).rtrim().str();
    if (!message.empty())
      output = message + (output.empty() ? "" : "\n") + output;
    return llvm::createStringError("linking " + outputPath.str() +
                                   " failed (exit " + std::to_string(rc) + ")" +
                                   (output.empty() ? "" : ": ") + output);
  }
  return llvm::Error::success();
}
