//===- EmitCUDA.cpp - sparsac --target=cuda -------------------------------===//
//
// Lowers the pattern through buildCUDAPipeline (via lib/Target/CUDA's
// compileModule) and writes the device module's LLVM IR, its PTX, the
// shared library libsparsa_runtime loads, its C header, or a cubin with
// its launch metadata (JSON). The flags are checked against the kernels'
// limits (lib/Conversion/SAttnToGPU/TileLimits.h) before anything is
// lowered. `--run` goes through the runtime's CUDA launcher
// (lib/Runtime/CUDAAttention.h).
//
//===----------------------------------------------------------------------===//

#include "tools/sparsac/CUDACommands.h"
#include "tools/sparsac/Sparsac.h"

#include "lib/Conversion/MaskToSAttn/Passes.h"
#include "lib/Conversion/SAttnToGPU/TileLimits.h"
#include "lib/Pipelines/CUDAPipeline.h"
#include "lib/Runtime/CUDADriver.h"
#include "lib/Target/CUDA/CUDATarget.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;
using namespace sparsa::sparsac;
namespace cl = llvm::cl;

static cl::opt<std::string> cudaArch(
    "cuda-arch",
    cl::desc("With --target=cuda: the GPU architecture (sm_80, sm_86, sm_89, "
             "sm_90, sm_90a, sm_100, sm_120, ...; default sm_90)"),
    cl::value_desc("sm_XX"), cl::init("sm_90"), cl::cat(category()));
static cl::opt<int64_t> rowsPerWarp(
    "rows-per-warp",
    cl::desc("With --target=cuda: query rows per warp, 16 or 32 (default: "
             "32 for --head-dim up to 64, else 16)"),
    cl::value_desc("R"), cl::init(0), cl::cat(category()));

/// Times an option was given on the command line.
static unsigned given(const cl::Option &o) { return o.getNumOccurrences(); }

int sparsa::sparsac::checkNoCUDAFlags() {
  for (const cl::Option *o :
       std::initializer_list<const cl::Option *>{&cudaArch, &rowsPerWarp})
    if (given(*o))
      return userError("--" + o->ArgStr + " needs --target=cuda");
  return kExitOk;
}

int sparsa::sparsac::checkCUDAFlags(llvm::StringRef dtype) {
  if (llvm::Error e = sparsa::cuda::checkChip(cudaArch))
    return userError("--cuda-arch: " + llvm::toString(std::move(e)));
  if (dtype != "bf16" && dtype != "f16")
    return userError("--dtype=" + dtype +
                     " is not supported for --target=cuda (expected bf16 or "
                     "f16)");
  if (rowsPerWarp != 0 && rowsPerWarp != 16 && rowsPerWarp != 32)
    return userError("--rows-per-warp " + llvm::Twine(int64_t(rowsPerWarp)) +
                     " must be 16 or 32");
  auto tiles = getTileOptions();
  if (!tiles)
    return userError(llvm::toString(tiles.takeError()));
  auto [blockQ, blockK] =
      tiles->blockGiven
          ? std::pair(tiles->blockQ, tiles->blockK)
          : sparsa::sattn::cuda::defaultTiles(tiles->headDim, cudaArch);
  std::string why = sparsa::sattn::cuda::checkTileShape(
      blockQ, blockK, tiles->headDim, rowsPerWarp, cudaArch);
  if (why.empty())
    return kExitOk;
  std::string flags = "--head-dim " + std::to_string(tiles->headDim);
  if (tiles->blockGiven)
    flags +=
        " --block " + std::to_string(blockQ) + "," + std::to_string(blockK);
  else
    flags += " (default tiles " + std::to_string(blockQ) + "," +
             std::to_string(blockK) + ")";
  if (rowsPerWarp != 0)
    flags += " --rows-per-warp " + std::to_string(rowsPerWarp);
  return userError(flags + ": " + why);
}

bool sparsa::sparsac::cudaArchGiven() { return given(cudaArch) != 0; }

/// Sets the pipeline options of the flags (checked by checkCUDAFlags).
void sparsa::sparsac::setPipelineOptions(sparsa::CUDAPipelineOptions &options,
                                         llvm::StringRef dtype) {
  TileOptions tiles = llvm::cantFail(getTileOptions());
  options.fromMask = true;
  options.headDim = tiles.headDim;
  if (tiles.blockGiven) {
    options.blockQ = tiles.blockQ;
    options.blockK = tiles.blockK;
  }
  options.elementType = dtype.str();
  options.rowsPerWarp = rowsPerWarp;
  options.chip = cudaArch;
}

static int writeText(llvm::StringRef path, llvm::StringRef text) {
  std::string error;
  auto file = openOutputFile(path, &error);
  if (!file)
    return userError(error);
  file->os() << text;
  file->os().flush();
  if (file->os().has_error()) {
    file->os().clear_error();
    return userError("cannot write '" + path + "'");
  }
  file->keep();
  return kExitOk;
}

int sparsa::sparsac::emitCUDA(ModuleOp module, CUDAEmitKind kind,
                              llvm::StringRef path, llvm::StringRef dtype) {
  // The cubin and its metadata are two files named by one prefix; a
  // trailing .cubin is taken as part of the name the user meant.
  std::string prefix = path.str();
  if (kind == CUDAEmitKind::Cubin) {
    if (path == "-")
      return userError("--emit=cubin writes PREFIX.cubin and PREFIX.json: "
                       "give -o PREFIX");
    if (path.size() > 6 && path.ends_with(".cubin"))
      prefix = path.drop_back(6).str();
  }
  DialectRegistry registry;
  sparsa::registerCUDADialects(registry);
  module->getContext()->appendDialectRegistry(registry);
  module->getContext()->loadAllAvailableDialects();
  sparsa::CUDAPipelineOptions options;
  setPipelineOptions(options, dtype);
  // The header describes the launch, not the image: no ptxas needed.
  options.format = kind == CUDAEmitKind::LLVMIR ? "llvm"
                   : kind == CUDAEmitKind::PTX || kind == CUDAEmitKind::Header
                       ? "isa"
                       : "bin";
  if (kind == CUDAEmitKind::SharedLibrary && path == "-")
    return userError("--emit=so writes a file: give -o FILE");
  auto compiled = sparsa::cuda::compileModule(module, options);
  if (!compiled)
    return userError("the pattern cannot be compiled for --target=cuda: " +
                     llvm::toString(compiled.takeError()));
  if (kind == CUDAEmitKind::Header)
    return writeText(path, sparsa::cuda::emitHeader(*compiled));
  if (kind == CUDAEmitKind::SharedLibrary) {
    if (llvm::Error e = sparsa::cuda::writeSharedLibrary(*compiled, path))
      return userError(llvm::toString(std::move(e)));
    return kExitOk;
  }
  if (kind != CUDAEmitKind::Cubin)
    return writeText(path, compiled->image);
  if (llvm::Error e = sparsa::cuda::writeImageAndMetadata(*compiled, prefix))
    return userError(llvm::toString(std::move(e)));
  return kExitOk;
}
