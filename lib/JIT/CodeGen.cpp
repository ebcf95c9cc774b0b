//===- CodeGen.cpp - canonical mask IR to callable kernels ----------------===//
//
// Pipeline, ORC JIT and the statistics callback of JIT kernels.
//
//===----------------------------------------------------------------------===//

#include "lib/JIT/CodeGen.h"

#include "lib/Analysis/PatternStats.h"
#include "lib/Pipelines/CPUPipeline.h"
#include "lib/Pipelines/CUDAPipeline.h"
#include "lib/Runtime/KernelImpl.h"
#include "lib/Runtime/LibraryFile.h"
#include "lib/Spec/SpecParser.h"
#include "lib/Target/CPU/CPUTarget.h"
#include "lib/Target/CUDA/CUDATarget.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassManager.h"
#include "sparsa/Runtime.h"

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

#include <chrono>

using namespace mlir;
using namespace sparsa;
using namespace sparsa::jit;

CompiledPattern::~CompiledPattern() = default;

static func::FuncOp patternFunc(ModuleOp module) {
  for (auto fn : module.getOps<func::FuncOp>())
    if (fn->hasAttr(spec::kPatternAttrName))
      return fn;
  return {};
}

/// Runs the CPU pipeline on `module` with diagnostics into `diagnostics`.
static Status lower(ParsedPattern &parsed, ModuleOp module,
                    const CompileOptions &o) {
  std::string diagnostics;
  DiagnosticCapture capture(parsed, diagnostics);
  PassManager pm(parsed.context.get());
  CPUPipelineOptions options;
  options.fromMask = true;
  options.headDim = o.headDim;
  options.blockQ = o.blockQ;
  options.blockK = o.blockK;
  options.vectorWidth = o.vectorWidth;
  options.layout = o.layout;
  options.backward = o.backward;
  buildCPUPipeline(pm, options);
  if (failed(pm.run(module)))
    return Status(ErrorCode::CompileError, diagnostics.empty()
                                               ? "the CPU pipeline failed"
                                               : diagnostics);
  return Status::ok();
}

/// The CUDA pipeline options of `o` (defaults resolved: resolveDefaults):
/// a cubin when ptxas is at hand, else PTX for the driver to compile.
static void setCUDAOptions(CUDAPipelineOptions &options,
                           const CompileOptions &o) {
  options.fromMask = true;
  options.headDim = o.headDim;
  options.blockQ = o.blockQ;
  options.blockK = o.blockK;
  options.layout = o.layout;
  options.elementType = o.dtype;
  options.rowsPerWarp = o.rowsPerWarp;
  options.chip = o.cudaArch;
  options.optLevel = o.optLevel;
  options.format = cudaToolkitHasPtxas("") ? "bin" : "isa";
}

/// Compiles `parsed` for the GPU: the image, its metadata and the host
/// code of the parameter check; diagnostics of the pipeline into the
/// Status.
static Result<cuda::CompiledModule>
compileCUDA(ParsedPattern &parsed, ModuleOp module, const CompileOptions &o) {
  std::string diagnostics;
  DiagnosticCapture capture(parsed, diagnostics);
  CUDAPipelineOptions options;
  setCUDAOptions(options, o);
  auto compiled = cuda::compileModule(module, options);
  if (!compiled)
    return Status(ErrorCode::CompileError,
                  llvm::toString(compiled.takeError()) +
                      (diagnostics.empty() ? "" : "\n" + diagnostics));
  return std::move(*compiled);
}

/// The metadata of attention `name` in `compiled`.
static const runtime::AttentionMetadata *
findAttention(const cuda::CompiledModule &compiled, llvm::StringRef name) {
  for (const runtime::AttentionMetadata &a : compiled.attentions)
    if (a.name == name)
      return &a;
  return nullptr;
}

static Result<std::shared_ptr<CompiledPattern>>
generateCUDACode(std::shared_ptr<ParsedPattern> parsed, const CompileOptions &o,
                 std::shared_ptr<CompiledPattern> out, llvm::StringRef name) {
  using Clock = std::chrono::steady_clock;
  auto t0 = Clock::now();
  OwningOpRef<ModuleOp> lowered = parsed->module->clone();
  Result<cuda::CompiledModule> compiled = compileCUDA(*parsed, *lowered, o);
  if (!compiled)
    return compiled.status();
  auto t1 = Clock::now();
  const runtime::AttentionMetadata *meta = findAttention(*compiled, name);
  if (!meta)
    return Status(ErrorCode::Internal,
                  "the CUDA module has no attention '" + name.str() + "'");
  {
    auto jit = cpu::JITModule::create(*compiled->host, o.optLevel);
    if (!jit)
      return Status(ErrorCode::CompileError,
                    "code generation of the parameter check failed: " +
                        llvm::toString(jit.takeError()));
    if (!meta->paramCheck.empty()) {
      out->paramCheck = reinterpret_cast<runtime::ParamCheckFn>(
          (*jit)->lookupFunction(meta->paramCheck));
      if (!out->paramCheck)
        return Status(ErrorCode::Internal, "no parameter check " +
                                               meta->paramCheck +
                                               " in the host code");
      out->paramRules = meta->paramRules;
    }
    std::string missing;
    auto queryTiles = runtime::cuda::findQueryTiles(
        *meta, [&](const std::string &s) { return (*jit)->lookupFunction(s); },
        missing);
    if (!missing.empty())
      return Status(ErrorCode::Internal,
                    "no grid function " + missing + " in the host code");
    out->jit = std::move(*jit);
    out->cuda = std::make_shared<runtime::cuda::Attention>(
        *meta, compiled->image, std::move(queryTiles));
    out->blockQ = meta->parts.front().blockQ;
    out->blockK = meta->parts.front().blockK;
    for (const runtime::PartMetadata &p : meta->parts)
      if (p.headDim != o.headDim || p.params.size() != out->params.size())
        return Status(ErrorCode::Internal,
                      "compiled part disagrees with the pattern's interface");
  }
  out->pipelineSeconds = std::chrono::duration<double>(t1 - t0).count();
  out->llvmSeconds = std::chrono::duration<double>(Clock::now() - t1).count();
  out->headDim = o.headDim;
  out->layout = o.layout;
  out->parsed = std::move(parsed);
  return out;
}

Result<std::shared_ptr<CompiledPattern>>
jit::generateCode(std::shared_ptr<ParsedPattern> parsed,
                  const CompileOptions &o) {
  func::FuncOp fn = patternFunc(*parsed->module);
  if (!fn)
    return Status(ErrorCode::Internal, "no pattern function");
  auto compiled = std::make_shared<CompiledPattern>();
  for (unsigned i = 0; i < fn.getNumArguments(); ++i) {
    auto name = fn.getArgAttrOfType<StringAttr>(i, spec::kParamAttrName);
    compiled->params.push_back(name ? name.str() : "arg" + std::to_string(i));
  }
  if (o.target == "cuda")
    return generateCUDACode(std::move(parsed), o, std::move(compiled),
                            fn.getSymName());
  using Clock = std::chrono::steady_clock;
  auto seconds = [](Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
  };
  auto t0 = Clock::now();
  OwningOpRef<ModuleOp> lowered = parsed->module->clone();
  if (Status s = lower(*parsed, *lowered, o); !s)
    return s;
  auto t1 = Clock::now();
  auto jit = cpu::JITModule::create(*lowered, o.optLevel);
  if (!jit)
    return Status(ErrorCode::CompileError,
                  "code generation failed: " + llvm::toString(jit.takeError()));
  std::string name = fn.getSymName().str();
  bool known = false;
  for (const runtime::AttentionMetadata &a : (*jit)->attentions())
    if (a.name == name) {
      known = true;
      compiled->paramRules = a.paramRules;
    }
  compiled->paramCheck = (*jit)->lookupParamCheck(name);
  if (known) {
    auto parts = (*jit)->lookupAttention(name);
    if (!parts)
      return Status(ErrorCode::CompileError,
                    "code generation failed: " +
                        llvm::toString(parts.takeError()));
    compiled->parts = std::move(*parts);
    if (o.backward) {
      auto backward = (*jit)->lookupBackward(name);
      if (!backward)
        return Status(ErrorCode::CompileError,
                      "code generation failed: " +
                          llvm::toString(backward.takeError()));
      compiled->backward = std::move(*backward);
    }
  }
  // A pattern that allows nothing has no parts: zero gradients.
  compiled->hasBackward = o.backward;
  compiled->pipelineSeconds = seconds(t0, t1);
  compiled->llvmSeconds = seconds(t1, Clock::now());
  compiled->headDim = o.headDim;
  if (!(*jit)->attentions().empty()) {
    compiled->blockQ = (*jit)->attentions().front().parts.front().blockQ;
    compiled->blockK = (*jit)->attentions().front().parts.front().blockK;
  }
  for (const runtime::CompiledKernel &k : compiled->parts)
    if (k.headDim != o.headDim ||
        k.numParams != static_cast<int64_t>(compiled->params.size()))
      return Status(ErrorCode::Internal,
                    "compiled part disagrees with the pattern's interface");
  compiled->layout = o.layout;
  compiled->jit = std::move(*jit);
  compiled->parsed = std::move(parsed);
  return compiled;
}

static sparsa::TileCounts convert(const analysis::TileStats &t) {
  return {t.full, t.partial, t.empty, t.efficiency};
}
static sparsa::HeadStats convert(const analysis::HeadStats &h) {
  sparsa::HeadStats out;
  out.head = h.head;
  out.nnz = h.nnz;
  out.density = h.density;
  out.flops = h.flops;
  out.rowsEmpty = h.rowsEmpty;
  out.tiles = convert(h.tiles);
  out.tilesAfterLayout = convert(h.tilesAfterLayout);
  return out;
}

static Result<sparsa::PatternStats>
computeStats(CompiledPattern &c, int64_t nq, int64_t nk,
             const std::vector<int64_t> &args) {
  std::lock_guard<std::mutex> lock(c.statsMutex);
  func::FuncOp fn = patternFunc(*c.parsed->module);
  Value mask = fn.getBody().front().getTerminator()->getOperand(0);
  analysis::StatsOptions options;
  options.numQueries = nq;
  options.numKeys = nk;
  options.args.assign(args.begin(), args.end());
  options.headDim = c.headDim;
  if (c.blockQ > 0 && c.blockK > 0)
    options.tiles = {c.blockQ, c.blockK};
  options.withLayout = c.layout;
  auto stats = analysis::computePatternStats(mask, options);
  if (!stats)
    return Status(ErrorCode::InvalidArgument,
                  "cannot compute statistics: " +
                      llvm::toString(stats.takeError()));
  sparsa::PatternStats out;
  out.numQueries = stats->numQueries;
  out.numKeys = stats->numKeys;
  out.headDim = stats->headDim;
  out.blockQ = stats->tiles.query;
  out.blockK = stats->tiles.key;
  out.perHead = stats->perHead;
  for (const analysis::HeadStats &h : stats->heads)
    out.heads.push_back(convert(h));
  out.total = convert(stats->total);
  return out;
}

Kernel jit::makeKernel(const std::shared_ptr<CompiledPattern> &compiled,
                       const std::string &name) {
  auto impl = std::make_shared<detail::KernelImpl>();
  impl->info.name = name;
  impl->info.target = compiled->cuda ? "cuda" : "cpu";
  if (compiled->cuda) {
    const runtime::AttentionMetadata &meta = compiled->cuda->metadata();
    impl->info.dtype =
        meta.parts.front().elementType == "bf16" ? DType::BF16 : DType::F16;
    impl->info.cudaArch = meta.chip;
    impl->info.numParts = static_cast<int>(meta.parts.size());
    impl->cuda = compiled->cuda;
  }
  impl->info.headDim = compiled->headDim;
  impl->info.blockQ = compiled->blockQ;
  impl->info.blockK = compiled->blockK;
  impl->info.params = compiled->params;
  if (!compiled->cuda)
    impl->info.numParts = static_cast<int>(compiled->parts.size());
  impl->parts = compiled->parts;
  impl->backward = compiled->backward;
  impl->info.backward = compiled->hasBackward;
  impl->paramCheck = compiled->paramCheck;
  impl->paramRules = compiled->paramRules;
  impl->owner = compiled;
  CompiledPattern *raw = compiled.get();
  // The owner keeps `raw` alive as long as the KernelImpl lives.
  impl->stats = [raw](int64_t nq, int64_t nk,
                      const std::vector<int64_t> &args) {
    return computeStats(*raw, nq, nk, args);
  };
  return detail::KernelAccess::make(std::move(impl));
}

/// Writes the CUDA library of `parsed` (a module it lowers in place).
static Status emitCUDALibrary(ParsedPattern &parsed, ModuleOp module,
                              const CompileOptions &o,
                              const std::string &path) {
  Result<cuda::CompiledModule> compiled = compileCUDA(parsed, module, o);
  if (!compiled)
    return compiled.status();
  if (llvm::Error e = cuda::writeSharedLibrary(*compiled, path))
    return Status(ErrorCode::CompileError, llvm::toString(std::move(e)));
  return Status::ok();
}

Status jit::emitSharedLibrary(ParsedPattern &parsed, const CompileOptions &o,
                              const std::string &path) {
  if (o.target == "cuda")
    return emitCUDALibrary(parsed, *parsed.module, o, path);
  if (Status s = lower(parsed, *parsed.module, o); !s)
    return s;
  auto tm = cpu::createHostTargetMachine();
  if (!tm)
    return Status(ErrorCode::CompileError, llvm::toString(tm.takeError()));
  if (llvm::Error e = cpu::emitToFile(*parsed.module,
                                      cpu::EmitKind::SharedLibrary, path, **tm))
    return Status(ErrorCode::CompileError, llvm::toString(std::move(e)));
  return Status::ok();
}

//===----------------------------------------------------------------------===//
// Disk cache
//===----------------------------------------------------------------------===//

/// 64-bit FNV-1a: names the files of a key (the key itself is stored and
/// compared, so a collision only costs a recompilation).
static uint64_t hashKey(const std::string &s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

static Result<std::shared_ptr<CompiledPattern>>
fromLibrary(std::shared_ptr<ParsedPattern> parsed, const CompileOptions &o,
            const std::string &path) {
  Result<Kernel> k = loadKernel(path, kInternalName);
  if (!k)
    return k.status();
  auto compiled = std::make_shared<CompiledPattern>();
  const sparsa::detail::KernelImpl *impl =
      sparsa::detail::KernelAccess::get(*k);
  compiled->parts = impl->parts;
  compiled->backward = impl->backward;
  compiled->hasBackward = impl->info.backward;
  compiled->cuda = impl->cuda;
  compiled->paramCheck = impl->paramCheck;
  compiled->paramRules = impl->paramRules;
  compiled->params = impl->info.params;
  compiled->headDim = impl->info.headDim;
  compiled->blockQ = impl->info.blockQ;
  compiled->blockK = impl->info.blockK;
  compiled->layout = o.layout;
  compiled->loaded = std::move(*k);
  func::FuncOp fn = patternFunc(*parsed->module);
  if (compiled->headDim != o.headDim ||
      compiled->params.size() != fn.getNumArguments())
    return Status(ErrorCode::Internal,
                  "cached library '" + path + "' does not fit the pattern");
  compiled->parsed = std::move(parsed);
  return compiled;
}

/// The first line of a key file: the format and the hash of the library
/// beside it (lib/Runtime/LibraryFile.h); the structure key follows.
static std::string keyFileHeader(uint64_t libraryHash) {
  return "sparsa-cache-v1 " + llvm::utohexstr(libraryHash, true, 16) + "\n";
}

/// The cached library for `key`, if the key file names exactly this key
/// and the library beside it is intact and the one the key file recorded
/// (a damaged, truncated or foreign library is a miss).
static Result<std::shared_ptr<CompiledPattern>>
loadCached(std::shared_ptr<ParsedPattern> parsed, const CompileOptions &o,
           const std::string &key, const std::string &soPath,
           const std::string &keyPath) {
  Status miss(ErrorCode::NotFound, "not cached");
  auto stored = llvm::MemoryBuffer::getFile(keyPath, /*IsText=*/false);
  if (!stored)
    return miss;
  llvm::StringRef text = (*stored)->getBuffer();
  auto [header, rest] = text.split('\n');
  if (rest != key)
    return miss;
  std::string image;
  uint64_t hash = 0;
  if (!runtime::readLibraryFile(soPath, image, hash) ||
      (header + "\n").str() != keyFileHeader(hash))
    return miss;
  return fromLibrary(std::move(parsed), o, soPath);
}

/// Writes `contents` to `path` under a unique temporary name, then renames.
static std::error_code writeAtomically(const std::string &path,
                                       llvm::StringRef contents) {
  llvm::SmallString<128> tmp;
  int fd;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueFile(path + ".tmp-%%%%%%%%", fd, tmp))
    return ec;
  llvm::FileRemover remover(tmp);
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << contents;
    os.close();
    if (os.has_error()) {
      std::error_code ec = os.error();
      os.clear_error();
      return ec;
    }
  }
  if (std::error_code ec = llvm::sys::fs::rename(tmp, path))
    return ec;
  remover.releaseFile();
  return {};
}

Result<std::shared_ptr<CompiledPattern>>
jit::compileThroughDisk(std::shared_ptr<ParsedPattern> parsed,
                        const CompileOptions &o, const std::string &key,
                        const std::string &directory, bool &wasHit) {
  wasHit = false;
  std::string base =
      directory + "/sparsa-" + llvm::utohexstr(hashKey(key), true, 16);
  std::string soPath = base + ".so", keyPath = base + ".key";
  if (auto hit = loadCached(parsed, o, key, soPath, keyPath)) {
    wasHit = true;
    return hit;
  }
  // A miss, or an entry that is damaged or not this key's: build it and
  // replace the entry. If the directory cannot take it, compile in memory
  // (nothing is left behind and nothing is printed).
  using Clock = std::chrono::steady_clock;
  auto t0 = Clock::now();
  OwningOpRef<ModuleOp> lowered = parsed->module->clone();
  // The library is written atomically (unique temporary, rename); the key
  // file follows, so a reader never pairs a key with a library other than
  // the one it records.
  bool written = true;
  auto t1 = Clock::now();
  if (o.target == "cuda") {
    // A pattern that allows nothing has no library: compiled in memory.
    written = emitCUDALibrary(*parsed, *lowered, o, soPath).isOk();
  } else {
    if (Status s = lower(*parsed, *lowered, o); !s)
      return s;
    t1 = Clock::now();
    auto tm = cpu::createHostTargetMachine();
    if (!tm)
      return Status(ErrorCode::CompileError, llvm::toString(tm.takeError()));
    if (llvm::Error e = cpu::emitToFile(*lowered, cpu::EmitKind::SharedLibrary,
                                        soPath, **tm)) {
      llvm::consumeError(std::move(e));
      written = false;
    }
  }
  std::string image;
  uint64_t hash = 0;
  written = written && runtime::readLibraryFile(soPath, image, hash) &&
            !writeAtomically(keyPath, keyFileHeader(hash) + key);
  auto t2 = Clock::now();
  Result<std::shared_ptr<CompiledPattern>> compiled =
      written ? fromLibrary(parsed, o, soPath)
              : Status(ErrorCode::NotFound, "not written");
  if (!compiled)
    return generateCode(std::move(parsed), o);
  (*compiled)->pipelineSeconds = std::chrono::duration<double>(t1 - t0).count();
  (*compiled)->llvmSeconds = std::chrono::duration<double>(t2 - t1).count();
  return compiled;
}
