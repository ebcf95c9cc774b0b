//===- sparsac.cpp - the sparsa command-line compiler ---------------------===//
//
// Reads a `.sparsa` pattern, lowers it to the mask dialect and emits the
// stage `--emit` names. Option parsing and the dispatch live here; every
// stage is a function in its own file (see Sparsac.h), so adding one is an
// enum value, a case below and a new file.
//
//===----------------------------------------------------------------------===//

#include "tools/sparsac/Sparsac.h"
#include "tools/sparsac/CPUCommands.h"
#include "tools/sparsac/CUDACommands.h"

#include "dialects/Mask/IR/MaskOps.h"
#include "lib/Spec/SpecDiagnostics.h"
#include "lib/Spec/SpecParser.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

#include <cstdlib>

using namespace mlir;
using namespace sparsa::sparsac;
namespace cl = llvm::cl;

cl::OptionCategory &sparsa::sparsac::category() {
  static cl::OptionCategory cat("sparsac options");
  return cat;
}

int sparsa::sparsac::userError(const llvm::Twine &msg) {
  llvm::WithColor::error(llvm::errs(), "sparsac") << msg << "\n";
  return kExitUserError;
}

int sparsa::sparsac::internalError(const llvm::Twine &msg) {
  llvm::WithColor::error(llvm::errs(), "sparsac")
      << "internal error: " << msg << "\n";
  return kExitInternalError;
}

func::FuncOp sparsa::sparsac::getPatternFunc(ModuleOp module) {
  for (auto fn : module.getOps<func::FuncOp>())
    if (fn->hasAttr(sparsa::spec::kPatternAttrName))
      return fn;
  return {};
}

Value sparsa::sparsac::getPatternMask(func::FuncOp fn) {
  return fn.getBody().front().getTerminator()->getOperand(0);
}

namespace {
enum class EmitKind {
  MLIR,
  MLIRCanonical,
  Bitmap,
  Tiles,
  LLVMIR,
  Assembly,
  Object,
  SharedLibrary,
  Header,
  PTX,
  Cubin
};
} // namespace

static cl::opt<std::string> inputFilename(cl::Positional,
                                          cl::desc("<pattern.sparsa>"),
                                          cl::Required, cl::cat(category()));
static cl::opt<std::string> outputFilename("o", cl::desc("Output file"),
                                           cl::value_desc("file"),
                                           cl::init("-"), cl::cat(category()));
static cl::opt<EmitKind> emitKind(
    "emit", cl::desc("The stage to emit"), cl::init(EmitKind::MLIR),
    cl::values(
        clEnumValN(EmitKind::MLIR, "mlir", "the mask dialect, as parsed"),
        clEnumValN(EmitKind::MLIRCanonical, "mlir-canonical",
                   "the mask dialect after mask-canonicalize"),
        clEnumValN(EmitKind::Bitmap, "bitmap",
                   "the exact mask as H x Nq x Nk bytes (needs --seq-len)"),
        clEnumValN(EmitKind::Tiles, "tiles",
                   "the tiled schedule (sattn dialect) at --block"),
        clEnumValN(EmitKind::LLVMIR, "llvm",
                   "optimized LLVM IR (--target; cuda: the device module)"),
        clEnumValN(EmitKind::Assembly, "asm", "assembly (--target)"),
        clEnumValN(EmitKind::Object, "obj", "an object file (--target)"),
        clEnumValN(EmitKind::SharedLibrary, "so",
                   "a shared library (--target)"),
        clEnumValN(EmitKind::Header, "header",
                   "the C header of the kernels (--target)"),
        clEnumValN(EmitKind::PTX, "ptx", "PTX (--target=cuda)"),
        clEnumValN(EmitKind::Cubin, "cubin",
                   "-o PREFIX: PREFIX.cubin and its launch metadata "
                   "PREFIX.json (--target=cuda)")),
    cl::cat(category()));
// `--stats` is created in main(), after LLVM's own `-stats` (statistics of
// its passes, registered by libLLVM) has been renamed out of the way.
static cl::opt<bool> *stats = nullptr;
static cl::opt<std::string>
    drawPath("draw",
             cl::desc("Draw the mask at --seq-len with its --block tiles "
                      "(.png, .svg or .txt) instead of a stage"),
             cl::value_desc("file"), cl::cat(category()));
static cl::list<std::string>
    defines("D", cl::Prefix,
            cl::desc("Set a parameter: replaces a compile-time value or binds "
                     "a runtime parameter to a constant"),
            cl::value_desc("NAME=VALUE"), cl::cat(category()));
static cl::opt<std::string>
    funcName("name",
             cl::desc("Name of the generated function (default: the input "
                      "file's stem)"),
             cl::value_desc("name"), cl::cat(category()));
static cl::opt<std::string>
    target("target",
           cl::desc("Code generation target of --emit=llvm, asm, obj, so, "
                    "header, ptx, cubin and --run: cpu (default) or cuda"),
           cl::init("cpu"), cl::cat(category()));
static cl::opt<std::string>
    dtype("dtype",
          cl::desc("Element type of Q, K, V and O: f32 (--target=cpu, the "
                   "default there); bf16 (default) or f16 (--target=cuda)"),
          cl::value_desc("type"), cl::cat(category()));
static cl::opt<bool>
    runKernel("run",
              cl::desc("Compile for --target, run on random inputs "
                       "at --seq-len and print the time (see "
                       "--check)"),
              cl::cat(category()));
static cl::opt<bool> testInternalError(
    "test-internal-error", cl::Hidden,
    cl::desc("Break the generated IR before verification (exercises the "
             "internal-error exit path in tests)"),
    cl::cat(category()));

// A symbol name from the input file's stem: `sliding-window.sparsa` gives
// @sliding_window.
static std::string defaultName(llvm::StringRef file) {
  if (file == "-")
    return "pattern";
  std::string name = llvm::sys::path::stem(file).str();
  for (char &c : name)
    if (!llvm::isAlnum(c) && c != '_')
      c = '_';
  if (name.empty() || llvm::isDigit(name.front()))
    name = "p_" + name;
  return name;
}

static void fatalHandler(void *, const char *reason, bool) {
  llvm::errs() << "sparsac: internal error: " << reason << "\n";
  std::_Exit(kExitInternalError);
}

/// Times an option was given on the command line (0 for one of another
/// file that is not linked in).
static unsigned occurrences(llvm::StringRef name) {
  cl::Option *o = cl::getRegisteredOptions().lookup(name);
  return o ? o->getNumOccurrences() : 0;
}

/// The element type of the GPU kernels: --dtype or the default.
static llvm::StringRef cudaType() {
  return dtype.getNumOccurrences() ? llvm::StringRef(dtype)
                                   : llvm::StringRef(kDefaultCUDAType);
}

/// --target and the flags and stages that depend on it.
static int checkTargetFlags() {
  bool emit = emitKind.getNumOccurrences() != 0;
  if (target == "cpu") {
    if (dtype.getNumOccurrences() && dtype != "f32")
      return userError("--dtype=" + dtype +
                       " is not supported for --target=cpu (the CPU kernels "
                       "are f32)");
    if (emit && (emitKind == EmitKind::PTX || emitKind == EmitKind::Cubin))
      return userError(llvm::Twine("--emit=") +
                       (emitKind == EmitKind::PTX ? "ptx" : "cubin") +
                       " needs --target=cuda");
    return checkNoCUDAFlags();
  }
  if (target != "cuda")
    return userError("unknown --target '" + target +
                     "' (expected cpu or cuda)");
  if (occurrences("cpu"))
    return userError("--cpu applies to --target=cpu (use --cuda-arch)");
  if (occurrences("masked-dense"))
    return userError("--masked-dense is not supported for --target=cuda");
  if (occurrences("backward"))
    return userError("--backward is not built for --target=cuda yet (the "
                     "CPU runs it: docs/backward.md)");
  if (emit) {
    switch (emitKind) {
    case EmitKind::Assembly:
      return userError("--emit=asm is not supported for --target=cuda (the "
                       "GPU assembly is --emit=ptx)");
    case EmitKind::Object:
      return userError("--emit=obj is not supported for --target=cuda (the "
                       "GPU object is --emit=cubin)");
    default:
      break;
    }
  }
  if (!runKernel && (!emit || emitKind < EmitKind::LLVMIR))
    return kExitOk; // target-independent stages
  return checkCUDAFlags(cudaType());
}

/// Flags that contradict each other or cannot name a file; checked before
/// the pattern is read.
static int checkFlags() {
  if (outputFilename.empty())
    return userError("-o needs a file name ('-' for standard output)");
  if (funcName.getNumOccurrences() &&
      !sparsa::spec::isValidFunctionName(funcName))
    return userError("--name '" + funcName +
                     "' must be a C identifier (letters, digits and '_', "
                     "not starting with a digit)");
  bool emit = emitKind.getNumOccurrences() != 0;
  bool draw = drawPath.getNumOccurrences() != 0;
  if (*stats && (runKernel || emit))
    return userError(llvm::Twine("--stats cannot be combined with ") +
                     (runKernel ? "--run" : "--emit"));
  if (draw && (runKernel || emit))
    return userError(llvm::Twine("--draw cannot be combined with ") +
                     (runKernel ? "--run" : "--emit"));
  if (runKernel && emit)
    return userError("--run cannot be combined with --emit");
  if (!runKernel && occurrences("check"))
    return userError("--check needs --run");
  if (occurrences("backward") && !runKernel) {
    if (!emit)
      return userError("--backward needs --run or --emit=tiles, llvm, asm, "
                       "obj or so");
    if (emitKind == EmitKind::Header)
      return userError("--backward is not supported with --emit=header yet "
                       "(the header declares the forward entry points; "
                       "the library's metadata lists the backward ones)");
    if (emitKind < EmitKind::Tiles)
      return userError("--backward applies to --run and --emit=tiles, "
                       "llvm, asm, obj or so");
  }
  return checkTargetFlags();
}

static int run() {
  if (int rc = checkFlags())
    return rc;
  sparsa::spec::SpecOptions options;
  options.name = funcName.empty() ? defaultName(inputFilename) : funcName;
  for (llvm::StringRef d : defines) {
    auto [name, text] = d.split('=');
    int64_t v;
    if (name.empty() || text.empty() || d.count('=') != 1 ||
        text.getAsInteger(10, v))
      return userError("-D expects NAME=INTEGER, got '" + d + "'");
    if (!options.defines.try_emplace(name, v).second)
      return userError("-D " + name + " is given twice");
  }

  std::string err;
  auto read = sparsa::spec::readSpecInput(inputFilename);
  if (!read)
    return userError(llvm::toString(read.takeError()));
  std::unique_ptr<llvm::MemoryBuffer> input = std::move(*read);
  if (std::string tooBig = sparsa::spec::checkSpecSize(input->getBufferSize());
      !tooBig.empty())
    return userError("'" + inputFilename + "': " + tooBig);

  DialectRegistry registry;
  sparsa::spec::registerSpecDialects(registry);
  MLIRContext context(registry);
  // A failing pass reports at the pattern's source line; the whole module
  // after the note would bury it (unless asked for explicitly).
  if (cl::Option *o =
          cl::getRegisteredOptions().lookup("mlir-print-op-on-diagnostic");
      !o || o->getNumOccurrences() == 0)
    context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(input), llvm::SMLoc());
  sparsa::spec::SpecDiagnosticHandler diagHandler(sourceMgr, &context,
                                                  llvm::errs());

  OwningOpRef<ModuleOp> module =
      sparsa::spec::parseSpec(sourceMgr, &context, options);
  if (!module)
    return kExitUserError;
  if (testInternalError) {
    func::FuncOp fn = getPatternFunc(*module);
    OpBuilder b(fn.getBody().front().getTerminator());
    sparsa::mask::UnionOp::create(
        b, fn.getLoc(), sparsa::mask::MaskType::get(&context), ValueRange());
  }
  if (failed(verify(*module)))
    return internalError("the generated IR does not verify");

  if (*stats && !drawPath.empty())
    return userError("--stats and --draw cannot be combined");
  if (!drawPath.empty())
    return drawPicture(*module, drawPath);

  if (target == "cuda" && !*stats && !runKernel &&
      emitKind.getValue() >= EmitKind::LLVMIR)
    return emitCUDA(*module,
                    emitKind == EmitKind::LLVMIR ? CUDAEmitKind::LLVMIR
                    : emitKind == EmitKind::PTX  ? CUDAEmitKind::PTX
                    : emitKind == EmitKind::SharedLibrary
                        ? CUDAEmitKind::SharedLibrary
                    : emitKind == EmitKind::Header ? CUDAEmitKind::Header
                                                   : CUDAEmitKind::Cubin,
                    outputFilename, cudaType());
  if (target == "cuda" && runKernel)
    return runCUDA(*module, llvm::outs(), cudaType());
  if (!*stats && !runKernel && emitKind.getValue() >= EmitKind::LLVMIR)
    return emitCPU(
        *module,
        static_cast<CPUEmitKind>(static_cast<int>(emitKind.getValue()) -
                                 static_cast<int>(EmitKind::LLVMIR)),
        outputFilename);

  std::unique_ptr<llvm::ToolOutputFile> output =
      openOutputFile(outputFilename, &err);
  if (!output)
    return userError(err);
  int rc = kExitInternalError;
  if (*stats)
    rc = emitStats(*module, output->os());
  else if (runKernel)
    rc = runCPU(*module, output->os());
  else
    switch (emitKind) {
    case EmitKind::MLIR:
      rc = emitMLIR(*module, output->os());
      break;
    case EmitKind::MLIRCanonical:
      rc = emitCanonicalMLIR(*module, output->os());
      break;
    case EmitKind::Bitmap:
      rc = emitBitmap(*module, output->os());
      break;
    case EmitKind::Tiles:
      rc = emitTiles(*module, output->os());
      break;
    default:
      break;
    }
  if (rc != kExitOk)
    return rc;
  output->os().flush();
  if (output->os().has_error()) {
    output->os().clear_error();
    return userError("cannot write '" + outputFilename + "'");
  }
  output->keep();
  return kExitOk;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  llvm::install_fatal_error_handler(fatalHandler);
  if (cl::Option *llvmStats = cl::getRegisteredOptions().lookup("stats"))
    llvmStats->setArgStr("llvm-stats");
  static cl::opt<bool> statsOption(
      "stats",
      cl::desc("Print exact statistics at --seq-len (nnz, density, flops, "
               "empty rows, tile counts at --block) instead of a stage"),
      cl::cat(category()));
  stats = &statsOption;
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  cl::HideUnrelatedOptions(category());
  cl::ParseCommandLineOptions(
      argc, argv,
      "sparsac: compiles attention sparsity patterns (.sparsa files)\n\n"
      "  exit status: 0 success, 1 user error (bad pattern, flags or "
      "values), 2 internal error\n");
  return run();
}
