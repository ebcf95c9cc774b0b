//===- ParamFuzzCheck.cpp - runtime values through check, reference, kernel
//===//
//
// See ParamFuzzCheck.h. The kernels are compiled through the same CPU
// pipeline as the JIT and sparsac, the reference mask comes from the
// parsed (not canonicalized) pattern, and the check is the one every
// caller runs (runtime::checkParameters).
//
//===----------------------------------------------------------------------===//

#include "tools/sparsa-fuzz-params/ParamFuzzCheck.h"

#include "dialects/Mask/IR/MaskReference.h"
#include "dialects/SAttn/IR/SAttnDialect.h"
#include "lib/Pipelines/CPUPipeline.h"
#include "lib/Runtime/ReferenceAttention.h"
#include "lib/Runtime/RunAttention.h"
#include "lib/Spec/SpecParser.h"
#include "lib/Target/CPU/CPUTarget.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using namespace mlir;
using namespace sparsa;
using namespace sparsa::fuzz;

namespace {

/// Patterns whose leaves take runtime values in every way the language
/// allows: parameters, N, arithmetic between them, complements (which add
/// 1 to bounds), heads, every parametric leaf.
const char *const kPatterns[] = {
    "param W : runtime\nwindow(W, W)\n",
    "param W : runtime\ncausal(W) - window(3, 3)\n",
    "param W : runtime\n!window(W, 33) | prefix(3)\n",
    "param W : runtime\nparam S : runtime\n"
    "causal & (window(W / 2, 0) | stride(S, 1))\n",
    "param W : runtime\nparam S : runtime\ndilated(W, S, N - 30)\n",
    "param S : runtime\nparam R : runtime\nstride(S, R) | blocks(N / 3)\n",
    "param W : runtime\nsummary(N - W, 2) | window(1, 0)\n",
    "param W : runtime\nparam S : runtime\n"
    "window(10 / W, S % 7) & !blocks(S * W)\n",
    "param W : runtime\nprefix(N + W) & causal(-W)\n",
    "param W : runtime\nrandom_blocks(W, 2, 7) | causal\n",
    "causal & stride(N - 5)\n",
    "param W : runtime\nparam S : runtime\n!dilated(W, S, S + 1)\n",
    "param B : runtime\nheads { 0..1: blocks(B); 1..2: !causal(B - N) }\n",
    "param W : runtime\nparam S : runtime\n"
    "!stride(S, W) & window(W - S, W * S)\n",
};
constexpr unsigned kNumPatterns = sizeof(kPatterns) / sizeof(kPatterns[0]);
constexpr int64_t kMaxLen = 80;
constexpr int64_t kHeadDim = 16;

struct Compiled {
  std::string text;
  OwningOpRef<ModuleOp> parsed; // for the reference
  std::unique_ptr<cpu::JITModule> jit;
  std::vector<runtime::CompiledKernel> parts;
  runtime::ParamCheckFn paramCheck = nullptr;
  std::vector<std::string> rules, names;
};

func::FuncOp patternFunc(ModuleOp module) {
  for (auto fn : module.getOps<func::FuncOp>())
    if (fn->hasAttr(spec::kPatternAttrName))
      return fn;
  return {};
}

Value patternMask(ModuleOp module) {
  return patternFunc(module).getBody().front().getTerminator()->getOperand(0);
}

/// A little-endian reader over the fuzzer's bytes that yields zeros past
/// the end.
struct Bytes {
  const uint8_t *data;
  size_t size, at = 0;
  uint64_t take(unsigned n) {
    uint64_t v = 0;
    for (unsigned i = 0; i < n; ++i, ++at)
      v |= uint64_t(at < size ? data[at] : 0) << (8 * i);
    return v;
  }
};

} // namespace

struct ParamChecker::Impl {
  std::unique_ptr<MLIRContext> context;
  std::vector<Compiled> patterns;
  runtime::ThreadPool pool{2};
  Counts counts;
};

ParamChecker::ParamChecker() : impl(std::make_unique<Impl>()) {
  DialectRegistry registry;
  spec::registerSpecDialects(registry);
  registry.insert<sattn::SAttnDialect>();
  registerCPUDialects(registry);
  cpu::registerCPUTranslations(registry);
  impl->context =
      std::make_unique<MLIRContext>(registry, MLIRContext::Threading::DISABLED);
  impl->context->loadAllAvailableDialects();
  std::string diagnostics;
  ScopedDiagnosticHandler handler(impl->context.get(), [&](Diagnostic &d) {
    diagnostics += d.str() + "\n";
    return success();
  });
  for (const char *text : kPatterns) {
    Compiled c;
    c.text = text;
    llvm::SourceMgr sourceMgr;
    sourceMgr.AddNewSourceBuffer(
        llvm::MemoryBuffer::getMemBufferCopy(text, "fuzz.sparsa"),
        llvm::SMLoc());
    c.parsed = spec::parseSpec(sourceMgr, impl->context.get());
    if (!c.parsed)
      llvm::report_fatal_error(llvm::Twine("sparsa-fuzz-params: pattern ") +
                               text + " does not parse: " + diagnostics);
    func::FuncOp fn = patternFunc(*c.parsed);
    std::string name = fn.getSymName().str();
    for (unsigned i = 0; i < fn.getNumArguments(); ++i)
      c.names.push_back(
          fn.getArgAttrOfType<StringAttr>(i, spec::kParamAttrName).str());
    OwningOpRef<ModuleOp> lowered = c.parsed->clone();
    PassManager pm(impl->context.get());
    CPUPipelineOptions options;
    options.fromMask = true;
    options.headDim = kHeadDim;
    options.blockQ = options.blockK = 16;
    buildCPUPipeline(pm, options);
    if (failed(pm.run(*lowered)))
      llvm::report_fatal_error(llvm::Twine("sparsa-fuzz-params: pattern ") +
                               text + " does not compile: " + diagnostics);
    auto jit = cpu::JITModule::create(*lowered);
    if (!jit)
      llvm::report_fatal_error(llvm::Twine("sparsa-fuzz-params: ") +
                               llvm::toString(jit.takeError()));
    c.jit = std::move(*jit);
    auto parts = c.jit->lookupAttention(name);
    if (!parts)
      llvm::report_fatal_error(llvm::Twine("sparsa-fuzz-params: ") +
                               llvm::toString(parts.takeError()));
    c.parts = std::move(*parts);
    c.paramCheck = c.jit->lookupParamCheck(name);
    for (const runtime::AttentionMetadata &a : c.jit->attentions())
      if (a.name == name)
        c.rules = a.paramRules;
    impl->patterns.push_back(std::move(c));
  }
}

ParamChecker::~ParamChecker() = default;

unsigned ParamChecker::numPatterns() const { return kNumPatterns; }

ParamChecker::Counts ParamChecker::counts() const { return impl->counts; }

const std::string &ParamChecker::patternText(unsigned i) const {
  return impl->patterns[i].text;
}

ParamCase ParamChecker::decode(const uint8_t *data, size_t size) const {
  Bytes in{data, size};
  ParamCase c;
  c.pattern = in.take(1) % kNumPatterns;
  c.numQueries = 1 + int64_t(in.take(1) % kMaxLen);
  c.numKeys = 1 + int64_t(in.take(1) % kMaxLen);
  c.seed = in.take(2);
  const int64_t max = std::numeric_limits<int64_t>::max();
  const int64_t min = std::numeric_limits<int64_t>::min();
  size_t numParams = impl->patterns[c.pattern].names.size();
  for (size_t i = 0; i < numParams; ++i) {
    uint64_t selector = in.take(1);
    int64_t raw = static_cast<int64_t>(in.take(8));
    int64_t small = int64_t(raw % 97) - 16;
    int64_t v;
    switch (selector % 12) {
    case 0:
      v = max - int64_t(selector >> 4);
      break;
    case 1:
      v = min + int64_t(selector >> 4);
      break;
    case 2:
      v = (int64_t(1) << (selector >> 2) % 63) + small;
      break;
    case 3:
      v = -(int64_t(1) << (selector >> 2) % 63) + small;
      break;
    case 4:
      v = c.numKeys + small;
      break;
    case 5:
      v = c.numQueries - c.numKeys + small % 3;
      break;
    case 6:
    case 7:
      v = raw;
      break;
    default:
      v = small;
      break;
    }
    c.params.push_back(v);
  }
  return c;
}

std::string ParamChecker::check(const ParamCase &c) {
  Compiled &pattern = impl->patterns[c.pattern % kNumPatterns];
  std::string where = "pattern " + std::to_string(c.pattern) + " (" +
                      pattern.text +
                      ") at Nq = " + std::to_string(c.numQueries) +
                      ", Nk = " + std::to_string(c.numKeys) + ", params";
  for (int64_t v : c.params)
    where += " " + std::to_string(v);
  where += ": ";

  runtime::AttentionProblem p;
  p.seqQ = c.numQueries;
  p.seqK = c.numKeys;
  p.headDim = kHeadDim;
  p.params = c.params;
  std::string refused = runtime::checkParameters(
      pattern.paramCheck, pattern.rules, pattern.names, p);
  auto ref = mask::ReferenceMask::build(patternMask(*pattern.parsed),
                                        c.numQueries, c.numKeys, c.params);
  if (!ref) {
    std::string why = llvm::toString(ref.takeError());
    if (refused.empty())
      return where +
             "the kernels' check accepts values the reference "
             "rejects (" +
             why + ")";
    ++impl->counts.refused;
    return "";
  }
  if (!refused.empty())
    return where +
           "the kernels' check rejects values the reference "
           "accepts: " +
           refused;

  // Both accept: the kernels must compute the definition.
  ++impl->counts.ran;
  std::mt19937_64 rng(c.seed * 1000003 + c.pattern);
  p.headsQ = ref->numHeads() ? ref->numHeads() : 2;
  p.headsKV = 1;
  std::vector<float> q(p.headsQ * p.seqQ * kHeadDim), k(p.seqK * kHeadDim),
      v(k.size()), o(q.size(), std::numeric_limits<float>::quiet_NaN()),
      lse(p.headsQ * p.seqQ, std::numeric_limits<float>::quiet_NaN());
  std::normal_distribution<float> normal;
  for (auto *t : {&q, &k, &v})
    for (float &x : *t)
      x = normal(rng);
  p.q = runtime::denseTensor(q.data(), p.headsQ, p.seqQ, kHeadDim);
  p.k = runtime::denseTensor(k.data(), 1, p.seqK, kHeadDim);
  p.v = runtime::denseTensor(v.data(), 1, p.seqK, kHeadDim);
  p.o = runtime::denseTensor(o.data(), p.headsQ, p.seqQ, kHeadDim);
  p.lse = runtime::TensorRef{lse.data(), p.headsQ * p.seqQ, p.seqQ, 1};
  std::string error;
  if (pattern.parts.empty())
    runtime::clearOutputs(p, impl->pool);
  else
    error = runtime::runAttentionParts(pattern.parts, p, impl->pool);
  if (!error.empty())
    return where + "the kernels fail after the check passed: " + error;
  runtime::ReferenceResult r =
      runtime::referenceAttention(p, 1.0 / std::sqrt(double(kHeadDim)),
                                  [&](int64_t h, int64_t qi, int64_t ki) {
                                    return ref->allowed(h, qi, ki);
                                  });
  runtime::Comparison cmp = runtime::compare(p, r);
  if (cmp.maxRelErr > 1e-4 || cmp.maxLseErr > 1e-4 || cmp.badEmptyRows ||
      cmp.nonFinite)
    return where + "the kernels differ from the reference (max error " +
           std::to_string(cmp.maxRelErr) + ", LSE error " +
           std::to_string(cmp.maxLseErr) + ", bad empty rows " +
           std::to_string(cmp.badEmptyRows) + ", non-finite " +
           std::to_string(cmp.nonFinite) + ")";
  return "";
}
