//===- sparsa-cuda-compile.cpp - masks to CUDA kernels --------------------===//
//
// Compiles a module (mask dialect patterns as `sparsac --emit=mlir` prints
// them, or expanded sattn kernels) for NVIDIA GPUs through
// buildCUDAPipeline:
//   --emit=gpu|nvvm   the IR after that stage, on stdout or -o FILE
//   --emit=ptx        the PTX text (-o FILE)
//   --emit=cubin      PREFIX.cubin and PREFIX.json, the launch metadata
//                     (lib/Target/CUDA/CUDATarget.h) for the runtime
//
//===----------------------------------------------------------------------===//

#include "dialects/Mask/IR/MaskDialect.h"
#include "dialects/SAttn/IR/SAttnDialect.h"
#include "lib/Pipelines/CUDAPipeline.h"
#include "lib/Target/CUDA/CUDATarget.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;
namespace cl = llvm::cl;

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input.mlir>"),
                                      cl::init("-"));
static cl::opt<std::string> output("o", cl::desc("Output file or prefix"),
                                   cl::init("-"));
static cl::opt<std::string> emit("emit",
                                 cl::desc("gpu, nvvm, ptx or cubin"),
                                 cl::init("cubin"));
static cl::opt<int64_t> headDim("head-dim", cl::desc("Head dimension"),
                                cl::init(128));
static cl::opt<int64_t> blockQ("block-q", cl::desc("Query tile (0: policy)"),
                               cl::init(0));
static cl::opt<int64_t> blockK("block-k", cl::desc("Key tile (0: policy)"),
                               cl::init(0));
static cl::opt<int64_t> rowsPerWarp("rows-per-warp",
                                    cl::desc("16 or 32 (0: by head dim)"),
                                    cl::init(0));
static cl::opt<std::string> elementType("element-type",
                                        cl::desc("bf16 or f16"),
                                        cl::init("bf16"));
static cl::opt<std::string> chip("chip", cl::desc("sm_90, sm_80, ..."),
                                 cl::init("sm_90"));
static cl::opt<std::string> toolkit("toolkit",
                                    cl::desc("CUDA toolkit path"),
                                    cl::init(""));

static bool writeFile(StringRef path, StringRef data) {
  std::string error;
  auto file = openOutputFile(path, &error);
  if (!file) {
    llvm::errs() << "sparsa-cuda-compile: " << error << "\n";
    return false;
  }
  file->os() << data;
  file->keep();
  return true;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv, "sparsa CUDA compiler\n");
  if (emit != "gpu" && emit != "nvvm" && emit != "ptx" && emit != "cubin") {
    llvm::errs() << "sparsa-cuda-compile: unknown --emit=" << emit
                 << ", expected gpu, nvvm, ptx or cubin\n";
    return 2;
  }
  DialectRegistry registry;
  registry.insert<sparsa::mask::MaskDialect, sparsa::sattn::SAttnDialect,
                  arith::ArithDialect, func::FuncDialect>();
  sparsa::registerCUDADialects(registry);
  MLIRContext ctx(registry);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler handler(sourceMgr, &ctx);
  std::string error;
  auto buffer = openInputFile(inputFile, &error);
  if (!buffer) {
    llvm::errs() << "sparsa-cuda-compile: " << error << "\n";
    return 1;
  }
  sourceMgr.AddNewSourceBuffer(std::move(buffer), llvm::SMLoc());
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &ctx);
  if (!module)
    return 1;

  sparsa::CUDAPipelineOptions options;
  bool hasKernels = false;
  module->walk([&](sparsa::sattn::KernelOp) { hasKernels = true; });
  options.fromMask = !hasKernels;
  options.headDim = headDim;
  options.blockQ = blockQ;
  options.blockK = blockK;
  options.elementType = elementType;
  options.rowsPerWarp = rowsPerWarp;
  options.chip = chip;
  options.toolkit = toolkit;

  if (emit == "gpu" || emit == "nvvm") {
    options.stopAfter = emit.getValue();
    PassManager pm(&ctx);
    sparsa::buildCUDAPipeline(pm, options);
    if (failed(pm.run(*module)))
      return 1;
    std::string text;
    llvm::raw_string_ostream os(text);
    module->print(os);
    return writeFile(output, text) ? 0 : 1;
  }
  options.format = emit == "ptx" ? "isa" : "bin";
  auto compiled = sparsa::cuda::compileModule(*module, options);
  if (!compiled) {
    llvm::errs() << "sparsa-cuda-compile: "
                 << llvm::toString(compiled.takeError()) << "\n";
    return 1;
  }
  if (emit == "ptx")
    return writeFile(output, compiled->image) ? 0 : 1;
  if (output == "-") {
    llvm::errs() << "sparsa-cuda-compile: --emit=cubin needs -o PREFIX\n";
    return 2;
  }
  std::string cubin = output + ".cubin";
  std::string json;
  llvm::raw_string_ostream os(json);
  sparsa::cuda::writeMetadataJSON(*compiled, llvm::sys::path::filename(cubin),
                                  os);
  return writeFile(cubin, compiled->image) && writeFile(output + ".json", json)
             ? 0
             : 1;
}
