//===- FrontEnd.cpp - spec text to canonical mask IR for the JIT ----------===//
//
// Parse, verify and canonicalize one pattern in its own context; errors
// come back as Status values with the front end's rendering.
//
//===----------------------------------------------------------------------===//

#include "lib/JIT/FrontEnd.h"

#include "dialects/Mask/Transforms/Passes.h"
#include "dialects/SAttn/IR/SAttnDialect.h"
#include "lib/Conversion/MaskToSAttn/Passes.h"
#include "lib/Conversion/SAttnToGPU/TileLimits.h"
#include "lib/Pipelines/CPUPipeline.h"
#include "lib/Pipelines/CUDAPipeline.h"
#include "lib/Spec/SpecDiagnostics.h"
#include "lib/Spec/SpecParser.h"
#include "lib/Target/CPU/CPUTarget.h"
#include "lib/Target/CUDA/CUDATarget.h"
#include "sparsa/Runtime.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <mutex>

using namespace mlir;
using namespace sparsa;

std::unique_ptr<MLIRContext> jit::makeContext() {
  // LLVM's target registry is filled by the first InitializeNativeTarget
  // call without a lock; do it once before any compilation can race.
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
  });
  DialectRegistry registry;
  spec::registerSpecDialects(registry);
  registry.insert<sattn::SAttnDialect>();
  registerCPUDialects(registry);
  cpu::registerCPUTranslations(registry);
  registerCUDADialects(registry);
  auto ctx =
      std::make_unique<MLIRContext>(registry, MLIRContext::Threading::DISABLED);
  return ctx;
}

Status jit::checkOptions(const CompileOptions &o) {
  auto invalid = [](std::string m) {
    return Status(ErrorCode::InvalidArgument, std::move(m));
  };
  if (o.target != "cpu" && o.target != "cuda")
    return Status(ErrorCode::Unsupported,
                  "target '" + o.target +
                      "' is not supported by the JIT (supported: cpu, cuda)");
  if (o.backward && o.target != "cpu")
    return Status(ErrorCode::Unsupported,
                  "the backward pass is not built for target '" + o.target +
                      "' yet (the CPU has it: docs/backward.md)");
  if (o.target == "cpu") {
    if (!o.dtype.empty() && o.dtype != "f32")
      return invalid("dtype '" + o.dtype +
                     "' is not supported on the CPU (its kernels are f32)");
    if (!o.cudaArch.empty() || o.rowsPerWarp != 0)
      return invalid("cudaArch and rowsPerWarp apply to target 'cuda'");
  } else {
    if (!o.dtype.empty() && o.dtype != "bf16" && o.dtype != "f16")
      return invalid("dtype '" + o.dtype +
                     "' is not supported on a GPU (expected bf16 or f16)");
    if (!o.cudaArch.empty())
      if (llvm::Error e = cuda::checkChip(o.cudaArch))
        return invalid("cudaArch: " + llvm::toString(std::move(e)));
    if (o.vectorWidth != 0)
      return invalid("vectorWidth applies to target 'cpu'");
    if (o.rowsPerWarp != 0 && o.rowsPerWarp != 16 && o.rowsPerWarp != 32)
      return invalid("rows per warp " + std::to_string(o.rowsPerWarp) +
                     " must be 16 or 32 (or 0 for the head dimension's)");
    auto [bq, bk] =
        o.blockQ || o.blockK
            ? std::pair(o.blockQ, o.blockK)
            : sattn::cuda::defaultTiles(
                  o.headDim, o.cudaArch.empty() ? "sm_90" : o.cudaArch);
    if (bq > 0 && bk > 0)
      if (std::string why = sattn::cuda::checkTileShape(
              bq, bk, o.headDim, o.rowsPerWarp,
              o.cudaArch.empty() ? "sm_90" : o.cudaArch);
          !why.empty())
        return invalid("head dimension " + std::to_string(o.headDim) +
                       ", tiles " + std::to_string(bq) + "x" +
                       std::to_string(bk) + ": " + why);
  }
  if (o.headDim < 1 || o.headDim > 1024)
    return invalid("head dimension " + std::to_string(o.headDim) +
                   " must be in [1, 1024]");
  for (int64_t b : {o.blockQ, o.blockK})
    if (b < 0 || b > 4096)
      return invalid("tile size " + std::to_string(b) +
                     " must be in [1, 4096] (or 0 for the policy's)");
  if (o.vectorWidth != 0 && o.vectorWidth != 4 && o.vectorWidth != 8 &&
      o.vectorWidth != 16)
    return invalid("vector width " + std::to_string(o.vectorWidth) +
                   " must be 4, 8 or 16 (or 0 for the host's)");
  if (o.optLevel > 3)
    return invalid("optimization level " + std::to_string(o.optLevel) +
                   " must be 0-3");
  if (!o.name.empty() && !spec::isValidFunctionName(o.name))
    return invalid("pattern name '" + o.name + "' must be a C identifier");
  return Status::ok();
}

struct jit::DiagnosticCapture::Impl {
  Impl(ParsedPattern &p, std::string &out)
      : os(out), handler(*p.sourceMgr, p.context.get(), os) {}
  llvm::raw_string_ostream os;
  spec::SpecDiagnosticHandler handler;
};

jit::DiagnosticCapture::DiagnosticCapture(ParsedPattern &parsed,
                                          std::string &out)
    : impl(std::make_unique<Impl>(parsed, out)) {}
jit::DiagnosticCapture::~DiagnosticCapture() = default;

Result<std::shared_ptr<jit::ParsedPattern>>
jit::parsePattern(const std::string &text, const CompileOptions &options,
                  const std::string &functionName) {
  if (Status s = checkOptions(options); !s)
    return s;
  if (std::string tooBig = spec::checkSpecSize(text.size()); !tooBig.empty())
    return Status(ErrorCode::InvalidArgument, tooBig);
  auto parsed = std::make_shared<ParsedPattern>();
  parsed->context = makeContext();
  parsed->sourceMgr = std::make_unique<llvm::SourceMgr>();
  std::string bufferName =
      options.fileName.empty() ? "<spec>" : options.fileName;
  parsed->sourceMgr->AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(text, bufferName), llvm::SMLoc());

  spec::SpecOptions specOptions;
  specOptions.name = functionName;
  for (const auto &[name, value] : options.defines)
    if (!specOptions.defines.try_emplace(name, value).second)
      return Status(ErrorCode::InvalidArgument,
                    "define " + name + " is given twice");

  std::string diagnostics;
  {
    DiagnosticCapture capture(*parsed, diagnostics);
    parsed->module =
        spec::parseSpec(*parsed->sourceMgr, parsed->context.get(), specOptions);
    if (!parsed->module)
      return Status(ErrorCode::SpecError, diagnostics.empty()
                                              ? "the pattern does not parse"
                                              : diagnostics);
    if (failed(verify(*parsed->module)))
      return Status(ErrorCode::Internal,
                    "the front end's output does not verify:\n" + diagnostics);
    PassManager pm(parsed->context.get());
    pm.addPass(mask::createMaskCanonicalize());
    if (failed(pm.run(*parsed->module)))
      return Status(ErrorCode::SpecError,
                    "mask-canonicalize failed:\n" + diagnostics);
  }
  llvm::raw_string_ostream os(parsed->canonical);
  parsed->module->print(os, OpPrintingFlags());
  return parsed;
}

std::string jit::codeOptionsKey(const CompileOptions &o) {
  return o.target + ";arch=" + o.cudaArch + ";dtype=" + o.dtype +
         ";rpw=" + std::to_string(o.rowsPerWarp) +
         ";d=" + std::to_string(o.headDim) + ";bq=" + std::to_string(o.blockQ) +
         ";bk=" + std::to_string(o.blockK) +
         ";vw=" + std::to_string(o.vectorWidth) +
         ";layout=" + (o.layout ? "1" : "0") + ";O" +
         std::to_string(o.optLevel) + (o.backward ? ";backward" : "");
}

/// The machine and compiler the code is built for. The code is specific to
/// the host CPU (its features, its vector width by default), and a disk
/// cache may be shared by machines and by versions: an AVX-512 library
/// handed to an AVX2 machine would not run.
static const std::string &buildEnvironmentKey() {
  static const std::string key = "host=" + cpu::hostDescription() +
                                 ";sparsa=" + version() +
                                 ";llvm=" LLVM_VERSION_STRING;
  return key;
}

std::string jit::structureKey(const ParsedPattern &parsed,
                              const CompileOptions &o) {
  return codeOptionsKey(o) + "\n" + buildEnvironmentKey() + "\n" +
         parsed.canonical;
}
