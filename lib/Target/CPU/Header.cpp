//===- Header.cpp - C headers and kernel metadata -------------------------===//
//
// Reads the `sparsa.kernel` attributes the lowering leaves on entry points
// and writes the C header of an object/shared library: the ABI of
// lib/Runtime/KernelABI.h spelled in C, one declaration per kernel, its
// block sizes and parameter order.
//
//===----------------------------------------------------------------------===//

#include "lib/Target/CPU/CPUTarget.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/StringExtras.h"

#include <set>

using namespace mlir;
using sparsa::runtime::PartMetadata;

/// The keys of a kernel's `sparsa.kernel` attribute (KernelDriver.cpp).
static constexpr llvm::StringLiteral kKernelKeys[] = {
    "block_q",      "block_k",     "head_dim",
    "vector_width", "param_names", "covers_all_queries"};

llvm::Expected<PartMetadata>
sparsa::cpu::readKernelMetadata(StringRef symbol, DictionaryAttr meta) {
  std::string error;
  auto complain = [&](const llvm::Twine &what) {
    if (error.empty())
      error = ("kernel '" + symbol + "': its sparsa.kernel attribute " + what)
                  .str();
  };
  for (NamedAttribute named : meta)
    if (!llvm::is_contained(kKernelKeys, named.getName().strref()))
      complain("has the unknown key '" + named.getName().strref() + "'");
  auto get = [&](StringRef key) -> Attribute {
    Attribute a = meta.get(key);
    if (!a)
      complain("lacks '" + key + "'");
    return a;
  };
  auto i64 = [&](StringRef key) {
    Attribute a = get(key);
    auto i = dyn_cast_or_null<IntegerAttr>(a);
    if (a && !i)
      complain("holds a value of another type at '" + key + "'");
    return i ? i.getInt() : int64_t(0);
  };
  PartMetadata info;
  info.symbol = symbol.str();
  info.blockQ = i64("block_q");
  info.blockK = i64("block_k");
  info.headDim = i64("head_dim");
  info.vectorWidth = i64("vector_width");
  if (Attribute a = get("covers_all_queries")) {
    if (auto covers = dyn_cast<BoolAttr>(a))
      info.coversAllQueries = covers.getValue();
    else
      complain("holds a value of another type at 'covers_all_queries'");
  }
  if (Attribute a = get("param_names")) {
    auto names = dyn_cast<ArrayAttr>(a);
    for (Attribute n : names ? names.getValue() : ArrayRef<Attribute>{}) {
      auto name = dyn_cast<StringAttr>(n);
      if (!name) {
        complain("holds a parameter name that is not a string");
        break;
      }
      info.params.push_back(name.str());
    }
    if (!names)
      complain("holds a value of another type at 'param_names'");
  }
  if (!error.empty())
    return llvm::createStringError(error);
  return info;
}

llvm::Expected<std::vector<PartMetadata>>
sparsa::cpu::collectKernels(ModuleOp module) {
  std::vector<PartMetadata> out;
  for (Operation &op : module.getBody()->getOperations()) {
    auto meta = op.getAttrOfType<DictionaryAttr>("sparsa.kernel");
    auto symbol =
        op.getAttrOfType<StringAttr>(SymbolTable::getSymbolAttrName());
    if (!meta || !symbol ||
        !(isa<LLVM::LLVMFuncOp>(op) || isa<func::FuncOp>(op)))
      continue;
    auto info = readKernelMetadata(symbol.getValue(), meta);
    if (!info)
      return info.takeError();
    out.push_back(std::move(*info));
  }
  return out;
}

llvm::Expected<std::vector<sparsa::runtime::AttentionMetadata>>
sparsa::cpu::collectAttentions(ModuleOp module) {
  using sparsa::runtime::AttentionMetadata;
  auto kernels = collectKernels(module);
  if (!kernels)
    return kernels.takeError();
  std::vector<AttentionMetadata> out;
  std::set<std::string> grouped;
  auto dict = module->getAttrOfType<DictionaryAttr>("sparsa.attentions");
  for (NamedAttribute entry :
       dict ? dict.getValue() : ArrayRef<NamedAttribute>{}) {
    AttentionMetadata info;
    info.name = entry.getName().str();
    info.target = "cpu";
    auto parts = dyn_cast<ArrayAttr>(entry.getValue());
    for (Attribute a : parts ? parts.getValue() : ArrayRef<Attribute>{}) {
      auto name = dyn_cast<StringAttr>(a);
      auto it = llvm::find_if(*kernels, [&](const PartMetadata &k) {
        return name && k.symbol == name.getValue();
      });
      if (it == kernels->end())
        return llvm::createStringError(
            "attention '" + info.name +
            "' names a part that is no kernel of the module");
      info.parts.push_back(*it);
      grouped.insert(it->symbol);
    }
    // The backward parts (convert-sattn-to-cpu-backward keep-forward).
    if (auto backward = module->getAttrOfType<DictionaryAttr>(
            sparsa::runtime::kBackwardAttrName))
      if (auto lists = backward.getAs<DictionaryAttr>(info.name)) {
        auto names = [&](llvm::StringRef key) {
          std::vector<std::string> out;
          if (auto array = lists.getAs<ArrayAttr>(key))
            for (auto name : array.getAsRange<StringAttr>())
              out.push_back(name.str());
          return out;
        };
        info.hasBackward = true;
        info.backwardDq = names("dq");
        info.backwardDkdv = names("dkdv");
      }
    // The parameter check (sparsa-build-param-check), by name.
    std::string check = info.name + sparsa::runtime::kParamCheckSuffix;
    Operation *fn = SymbolTable::lookupSymbolIn(module, check);
    auto rules =
        fn ? fn->getAttrOfType<ArrayAttr>(sparsa::runtime::kParamCheckAttrName)
           : ArrayAttr();
    if (rules) {
      info.paramCheck = check;
      for (Attribute r : rules)
        if (auto text = dyn_cast<StringAttr>(r))
          info.paramRules.push_back(text.str());
    }
    if (!info.parts.empty())
      out.push_back(std::move(info));
  }
  for (const PartMetadata &k : *kernels)
    if (!grouped.count(k.symbol))
      out.push_back({k.symbol, "cpu", {k}, "", {}, "", "", false, {}, {}});
  return out;
}

std::string
sparsa::cpu::emitHeader(llvm::ArrayRef<runtime::AttentionMetadata> attentions) {
  std::vector<PartMetadata> kernels;
  for (const runtime::AttentionMetadata &a : attentions)
    kernels.insert(kernels.end(), a.parts.begin(), a.parts.end());
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "/* Generated by sparsa: CPU attention kernels. */\n"
        "#ifndef SPARSA_GENERATED_KERNELS_H\n"
        "#define SPARSA_GENERATED_KERNELS_H\n\n"
        "#include <stdint.h>\n\n"
        "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n"
        "/* Argument block `args` (int64 elements, strides in elements, the\n"
        "   head dimension D is contiguous):\n"
        "   [0] B  [1] Hq  [2] Hkv  [3] Nq  [4] Nk\n"
        "   [5..7] Q strides (b, h, n)   [8..10] K   [11..13] V\n"
        "   [14..16] O   [17..19] LSE (b, h, n)   [20] has_lse (0: lse may\n"
        "   be NULL)   [21] merge (1: merge into O and LSE through the\n"
        "   log-sum-exp instead of overwriting them; needs has_lse)\n"
        "   [22..] runtime parameters in the order below.\n"
        "   Q, O: [B, Hq, Nq, D]; K, V: [B, Hkv, Nk, D]; LSE: [B, Hq, Nq].\n"
        "   A call computes work items [begin, end) of\n"
        "   w = (b * Hq + h) * ceil(Nq / block_q) + qt; NAME_work_items(args)\n"
        "   gives their number. Calls on disjoint ranges may run in\n"
        "   parallel. */\n"
        "#define SPARSA_NUM_FIXED_ARGS "
     << sparsa::runtime::kNumFixedArgs << "\n\n";
  for (const PartMetadata &k : kernels) {
    std::string upper = llvm::StringRef(k.symbol).upper();
    os << "/* " << k.symbol << ": head_dim " << k.headDim << ", block "
       << k.blockQ << " x " << k.blockK << ", " << k.vectorWidth
       << " f32 lanes; parameters: ";
    if (k.params.empty())
      os << "none";
    for (size_t i = 0; i < k.params.size(); ++i)
      os << (i ? ", " : "") << k.params[i] << " = args["
         << sparsa::runtime::kNumFixedArgs + i << "]";
    os << " */\n";
    os << "#define " << upper << "_HEAD_DIM " << k.headDim << "\n";
    os << "#define " << upper << "_BLOCK_Q " << k.blockQ << "\n";
    os << "#define " << upper << "_NUM_PARAMS " << k.params.size() << "\n";
    if (!k.coversAllQueries)
      os << "/* " << k.symbol << " writes only the rows of the queries it "
         << "gathers: clear O (0) and LSE (-inf) first. */\n";
    os << "void " << k.symbol
       << "(const float *q, const float *k, const float *v, float *o,\n"
          "    float *lse, const int64_t *args, float scale, int64_t begin,\n"
          "    int64_t end);\n";
    os << "int64_t " << k.symbol << "_work_items(const int64_t *args);\n\n";
  }
  for (const runtime::AttentionMetadata &a : attentions) {
    if (a.paramCheck.empty())
      continue;
    os << "/* " << a.paramCheck
       << ": -1 when the sequence lengths and runtime parameter values\n"
          "   of the kernels' argument block `args` are valid, else the\n"
          "   index of the first rule they break:\n";
    for (size_t i = 0; i < a.paramRules.size(); ++i)
      os << "   " << i << ": " << a.paramRules[i] << "\n";
    os << "   Call it first: the kernels do not check. */\n";
    os << "int64_t " << a.paramCheck << "(const int64_t *args);\n\n";
  }
  for (const runtime::AttentionMetadata &a : attentions) {
    // A kernel of no attention is its own (one part named after it).
    if (a.parts.size() == 1 && a.parts[0].symbol == a.name)
      continue;
    os << "/* Attention " << a.name << " = parts";
    for (const PartMetadata &p : a.parts)
      os << " " << p.symbol;
    os << ": run the first part with an LSE output (rows it does not\n"
          "   write count as O = 0, LSE = -inf), then the others with\n"
          "   merge = 1 into the same O and LSE (libsparsa_runtime:\n"
          "   runAttentionParts). */\n";
  }
  os << "\n#ifdef __cplusplus\n}\n#endif\n\n#endif\n";
  return s;
}
