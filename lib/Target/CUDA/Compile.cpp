//===- Compile.cpp - modules to a CUDA image and launch metadata ----------===//
//
// Runs the CUDA pipeline in two halves: up to the gpu.func kernels, where
// the launch metadata (the `sparsa.cuda` attribute of every kernel and the
// module's `sparsa.attentions`) is still visible, then down to
// gpu.binary, whose single object is the image.
//
//===----------------------------------------------------------------------===//

#include "lib/Target/CUDA/CUDATarget.h"

#include "dialects/SAttn/IR/SAttnDialect.h"
#include "lib/Pipelines/CPUPipeline.h"
#include "lib/Runtime/KernelABI.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <set>

using namespace mlir;
using namespace sparsa;
using namespace sparsa::cuda;

static llvm::Error fail(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// The keys of a kernel's `sparsa.cuda` attribute (KernelEntry.cpp).
static constexpr llvm::StringLiteral kLaunchKeys[] = {
    "block_q",     "block_k",      "head_dim",
    "threads",     "shared_bytes", "num_params",
    "param_names", "query_map",    "covers_all_queries",
    "element_type"};

/// The entry `key` of `meta` as a T, or null after a complaint.
template <typename T, typename Complain>
static T entry(DictionaryAttr meta, StringRef key, Complain &complain) {
  auto a = meta.getAs<T>(key);
  if (!a)
    complain(meta.contains(key)
                 ? "holds a value of another type at '" + key + "'"
                 : "lacks '" + key + "'");
  return a;
}

llvm::Expected<runtime::PartMetadata>
sparsa::cuda::readLaunchMetadata(StringRef kernel, DictionaryAttr meta) {
  std::string error;
  auto complain = [&](const llvm::Twine &what) {
    if (error.empty())
      error =
          ("kernel '" + kernel + "': its sparsa.cuda attribute " + what).str();
  };
  for (NamedAttribute named : meta)
    if (!llvm::is_contained(kLaunchKeys, named.getName().strref()))
      complain("has the unknown key '" + named.getName().strref() + "'");
  auto i64 = [&](StringRef key) {
    auto a = entry<IntegerAttr>(meta, key, complain);
    return a ? a.getInt() : int64_t(0);
  };
  runtime::PartMetadata k;
  k.symbol = kernel.str();
  k.blockQ = i64("block_q");
  k.blockK = i64("block_k");
  k.headDim = i64("head_dim");
  k.threads = i64("threads");
  k.sharedBytes = i64("shared_bytes");
  int64_t numParams = i64("num_params");
  if (auto names = entry<ArrayAttr>(meta, "param_names", complain))
    for (Attribute n : names) {
      auto name = dyn_cast<StringAttr>(n);
      if (!name) {
        complain("holds a parameter name that is not a string");
        break;
      }
      k.params.push_back(name.str());
    }
  if (auto map = entry<sattn::TokenMapAttr>(meta, "query_map", complain)) {
    // The runtime's TokenMapKind reads the dialect's names.
    auto kind = runtime::parseTokenMapKind(
        sattn::stringifyTokenMapKind(map.getKind()).str());
    if (!kind)
      complain("holds an unknown query map kind");
    k.queryMap = {
        kind.value_or(runtime::TokenMapKind::identity), map.getPeriod(),
        map.getCount(),
        std::vector<int64_t>(map.getMembers().begin(), map.getMembers().end())};
  }
  if (auto covers = entry<BoolAttr>(meta, "covers_all_queries", complain))
    k.coversAllQueries = covers.getValue();
  if (auto t = entry<TypeAttr>(meta, "element_type", complain)) {
    if (t.getValue().isBF16())
      k.elementType = "bf16";
    else if (t.getValue().isF16())
      k.elementType = "f16";
    else
      complain("holds an element type other than bf16 or f16");
  }
  if (error.empty() && numParams != int64_t(k.params.size()))
    complain("has num_params " + llvm::Twine(numParams) + " but " +
             llvm::Twine(k.params.size()) + " parameter names");
  if (!error.empty())
    return fail(error);
  return k;
}

llvm::Error
sparsa::cuda::groupAttentions(ModuleOp module,
                              llvm::ArrayRef<runtime::PartMetadata> kernels,
                              std::vector<runtime::AttentionMetadata> &out) {
  std::set<std::string> grouped;
  auto atts = module->getAttrOfType<DictionaryAttr>("sparsa.attentions");
  for (NamedAttribute entry :
       atts ? atts.getValue() : ArrayRef<NamedAttribute>{}) {
    runtime::AttentionMetadata a;
    a.name = entry.getName().str();
    a.target = "cuda";
    auto parts = dyn_cast<ArrayAttr>(entry.getValue());
    for (Attribute p : parts ? parts.getValue() : ArrayRef<Attribute>{}) {
      auto name = dyn_cast<StringAttr>(p);
      auto it = llvm::find_if(kernels, [&](const runtime::PartMetadata &k) {
        return name && k.symbol == name.getValue();
      });
      if (it == kernels.end())
        return fail("attention '" + a.name +
                    "' names a part that is no "
                    "kernel of the module");
      a.parts.push_back(*it);
      grouped.insert(it->symbol);
    }
    if (a.parts.empty())
      return fail("attention '" + a.name + "' has no parts");
    out.push_back(std::move(a));
  }
  for (const runtime::PartMetadata &k : kernels)
    if (!grouped.count(k.symbol))
      out.push_back({k.symbol, "cuda", {k}, "", {}, "", "", false, {}, {}});
  return llvm::Error::success();
}

/// The host half of `module` (everything outside the gpu.module: the
/// parameter checks) lowered to the LLVM dialect by the CPU back end's
/// stage.
static llvm::Expected<OwningOpRef<ModuleOp>> lowerHost(ModuleOp module) {
  OwningOpRef<ModuleOp> host = module.clone();
  SmallVector<Operation *> device;
  for (Operation &op : host->getBody()->getOperations())
    if (isa<gpu::GPUModuleOp, gpu::BinaryOp>(op))
      device.push_back(&op);
  for (Operation *op : device)
    op->erase();
  (*host)->removeAttr(gpu::GPUDialect::getContainerModuleAttrName());
  // The attentions' parts are device kernels: the host has none.
  (*host)->removeAttr("sparsa.attentions");
  PassManager pm(module.getContext());
  CPUPipelineOptions options;
  buildCPULLVMStage(pm, options);
  if (failed(pm.run(*host)))
    return fail("the host code of the CUDA kernels (parameter checks) did "
                "not lower to LLVM");
  return host;
}

llvm::Expected<CompiledModule>
sparsa::cuda::compileModule(ModuleOp module,
                            const CUDAPipelineOptions &options) {
  MLIRContext *ctx = module.getContext();
  CUDAPipelineOptions front;
  front.copyOptionValuesFrom(options);
  front.stopAfter = "gpu";
  PassManager pm1(ctx);
  buildCUDAPipeline(pm1, front);
  if (failed(pm1.run(module)))
    return fail("the CUDA pipeline failed before code generation");

  CompiledModule out;
  out.format = options.format;
  out.chip = options.chip;
  std::vector<runtime::PartMetadata> kernels;
  llvm::Error error = llvm::Error::success();
  module.walk([&](gpu::GPUFuncOp fn) {
    auto meta = fn->getAttrOfType<DictionaryAttr>("sparsa.cuda");
    if (!meta || error)
      return;
    auto k = readLaunchMetadata(fn.getName(), meta);
    if (!k)
      error = k.takeError();
    else
      kernels.push_back(std::move(*k));
  });
  if (error)
    return std::move(error);
  if (kernels.empty())
    return fail("the module holds no attention kernel");
  if (llvm::Error e = groupAttentions(module, kernels, out.attentions))
    return e;
  for (runtime::AttentionMetadata &a : out.attentions) {
    a.chip = options.chip;
    a.imageFormat = options.format == "bin" ? "bin" : "isa";
    // The parameter check (sparsa-build-param-check), by name.
    std::string check = a.name + runtime::kParamCheckSuffix;
    auto fn = module.lookupSymbol<func::FuncOp>(check);
    auto rules = fn ? fn->getAttrOfType<ArrayAttr>(runtime::kParamCheckAttrName)
                    : ArrayAttr();
    if (!rules)
      continue;
    a.paramCheck = check;
    for (Attribute r : rules)
      if (auto text = dyn_cast<StringAttr>(r))
        a.paramRules.push_back(text.str());
  }
  if (auto hostModule = lowerHost(module); !hostModule)
    return hostModule.takeError();
  else
    out.host = std::move(*hostModule);

  PassManager pm2(ctx);
  buildCUDANVVMStage(pm2, options);
  buildCUDABinaryStage(pm2, options);
  if (failed(pm2.run(module)))
    return fail("the CUDA pipeline failed to produce a " + options.format +
                " image");
  gpu::BinaryOp binary;
  module.walk([&](gpu::BinaryOp op) { binary = op; });
  if (!binary || binary.getObjects().size() != 1)
    return fail("expected one gpu.binary with one object");
  auto object = cast<gpu::ObjectAttr>(binary.getObjects()[0]);
  out.image = object.getObject().getValue().str();
  if (options.format == "llvm") {
    // gpu-module-to-binary hands the device module over as bitcode.
    llvm::LLVMContext llvmContext;
    auto llvmModule = llvm::parseBitcodeFile(
        llvm::MemoryBufferRef(out.image, "device"), llvmContext);
    if (!llvmModule)
      return fail("the device module's bitcode does not read back: " +
                  llvm::toString(llvmModule.takeError()));
    std::string text;
    llvm::raw_string_ostream os(text);
    (*llvmModule)->print(os, nullptr);
    out.image = std::move(text);
  }
  return out;
}

void sparsa::cuda::writeMetadataJSON(const CompiledModule &compiled,
                                     llvm::StringRef image,
                                     llvm::raw_ostream &os) {
  llvm::json::Array attentions;
  for (const runtime::AttentionMetadata &a : compiled.attentions)
    attentions.push_back(llvm::json::Object{
        {"name", a.name}, {"metadata", runtime::formatAttentionMetadata(a)}});
  llvm::json::Object root{{"image", image},
                          {"format", compiled.format},
                          {"chip", compiled.chip},
                          {"attentions", std::move(attentions)}};
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(root))) << "\n";
}
