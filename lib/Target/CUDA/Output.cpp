//===- Output.cpp - architectures and the files of a compiled module ------===//
//
// What a tool needs around compileModule: which `sm_XX` names the kernels
// can be built for (mma.sync with bf16 and cp.async need sm_80), and the
// on-disk form of a cubin with its launch metadata that the runtime and
// bench/cuda load: PREFIX.cubin next to PREFIX.json.
//
//===----------------------------------------------------------------------===//

#include "lib/Target/CUDA/CUDATarget.h"

#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace sparsa::cuda;

llvm::ArrayRef<llvm::StringRef> sparsa::cuda::supportedChips() {
  static const llvm::StringRef chips[] = {
      "sm_80",   "sm_86",  "sm_87",  "sm_89",  "sm_90",   "sm_90a", "sm_100",
      "sm_100a", "sm_103", "sm_110", "sm_120", "sm_120a", "sm_121"};
  return chips;
}

llvm::Error sparsa::cuda::checkChip(llvm::StringRef chip) {
  if (llvm::is_contained(supportedChips(), chip))
    return llvm::Error::success();
  std::string known = llvm::join(supportedChips(), ", ");
  unsigned number = 0;
  if (chip.consume_front("sm_") && !chip.empty() &&
      !chip.take_while(llvm::isDigit).getAsInteger(10, number) && number < 80)
    return llvm::createStringError(
        "'sm_" + chip.str() +
        "' is too old: the kernels need sm_80 or newer (mma.sync with "
        "bf16, cp.async); supported: " +
        known);
  return llvm::createStringError("unknown GPU architecture '" + chip.str() +
                                 "'; supported: " + known);
}

/// Opens all outputs before writing any, and keeps them only when every
/// write succeeded.
llvm::Error sparsa::cuda::writeImageAndMetadata(const CompiledModule &compiled,
                                                llvm::StringRef prefix) {
  std::string cubinPath = (prefix + ".cubin").str();
  std::string jsonPath = (prefix + ".json").str();
  std::string error;
  auto cubin = mlir::openOutputFile(cubinPath, &error);
  if (!cubin)
    return llvm::createStringError(error);
  auto json = mlir::openOutputFile(jsonPath, &error);
  if (!json)
    return llvm::createStringError(error);
  cubin->os() << compiled.image;
  writeMetadataJSON(compiled, llvm::sys::path::filename(cubinPath), json->os());
  for (llvm::ToolOutputFile *file : {cubin.get(), json.get()}) {
    file->os().flush();
    if (file->os().has_error()) {
      file->os().clear_error();
      return llvm::createStringError("cannot write '" + file->getFilename() +
                                     "'");
    }
  }
  cubin->keep();
  json->keep();
  return llvm::Error::success();
}
