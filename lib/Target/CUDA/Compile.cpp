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

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace mlir;
using namespace sparsa;
using namespace sparsa::cuda;

static llvm::Error fail(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

static KernelInfo readKernel(gpu::GPUFuncOp fn, DictionaryAttr meta) {
  KernelInfo k;
  k.name = fn.getName().str();
  auto i64 = [&](StringRef key) {
    auto a = meta.getAs<IntegerAttr>(key);
    return a ? a.getInt() : int64_t(0);
  };
  k.blockQ = i64("block_q");
  k.blockK = i64("block_k");
  k.headDim = i64("head_dim");
  k.threads = i64("threads");
  k.sharedBytes = i64("shared_bytes");
  k.numParams = i64("num_params");
  if (auto names = meta.getAs<ArrayAttr>("param_names"))
    for (auto n : names.getAsRange<StringAttr>())
      k.paramNames.push_back(n.str());
  if (auto map = meta.getAs<sattn::TokenMapAttr>("query_map")) {
    k.queryMapKind = sattn::stringifyTokenMapKind(map.getKind()).str();
    k.queryMapPeriod = map.getPeriod();
    k.queryMapCount = map.getCount();
    k.queryMapMembers.assign(map.getMembers().begin(), map.getMembers().end());
  }
  if (auto covers = meta.getAs<BoolAttr>("covers_all_queries"))
    k.coversAllQueries = covers.getValue();
  if (auto t = meta.getAs<TypeAttr>("element_type"))
    k.elementType = t.getValue().isBF16() ? "bf16" : "f16";
  return k;
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
  module.walk([&](gpu::GPUFuncOp fn) {
    if (auto meta = fn->getAttrOfType<DictionaryAttr>("sparsa.cuda"))
      out.kernels.push_back(readKernel(fn, meta));
  });
  if (out.kernels.empty())
    return fail("the module holds no attention kernel");
  if (auto atts = module->getAttrOfType<DictionaryAttr>("sparsa.attentions"))
    for (NamedAttribute entry : atts) {
      AttentionInfo a;
      a.name = entry.getName().str();
      for (auto p : cast<ArrayAttr>(entry.getValue()).getAsRange<StringAttr>())
        a.parts.push_back(p.str());
      out.attentions.push_back(std::move(a));
    }

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
  llvm::json::Array kernels;
  for (const KernelInfo &k : compiled.kernels) {
    llvm::json::Array names, members;
    for (const std::string &n : k.paramNames)
      names.push_back(n);
    for (int64_t m : k.queryMapMembers)
      members.push_back(m);
    kernels.push_back(llvm::json::Object{
        {"name", k.name},
        {"block_q", k.blockQ},
        {"block_k", k.blockK},
        {"head_dim", k.headDim},
        {"threads", k.threads},
        {"shared_bytes", k.sharedBytes},
        {"num_params", k.numParams},
        {"param_names", std::move(names)},
        {"query_map", llvm::json::Object{{"kind", k.queryMapKind},
                                         {"period", k.queryMapPeriod},
                                         {"count", k.queryMapCount},
                                         {"members", std::move(members)}}},
        {"covers_all_queries", k.coversAllQueries},
        {"element_type", k.elementType}});
  }
  llvm::json::Array attentions;
  for (const AttentionInfo &a : compiled.attentions) {
    llvm::json::Array parts;
    for (const std::string &p : a.parts)
      parts.push_back(p);
    attentions.push_back(
        llvm::json::Object{{"name", a.name}, {"parts", std::move(parts)}});
  }
  llvm::json::Object root{{"image", image},
                          {"format", compiled.format},
                          {"chip", compiled.chip},
                          {"kernels", std::move(kernels)},
                          {"attentions", std::move(attentions)}};
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(root))) << "\n";
}
