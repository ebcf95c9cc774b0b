//===- RunCPU.cpp - sparsac --run [--check] -------------------------------===//
//
// JIT-compiles the pattern for the host CPU, runs every part of the
// attention on random inputs over all cores, prints the time, and with
// --check compares with the float64 reference under the mask's reference
// evaluator (O(N^2): limited to --seq-len <= 16384).
//
//===----------------------------------------------------------------------===//

#include "tools/sparsac/CPUCommands.h"
#include "tools/sparsac/Sparsac.h"

#include "dialects/Mask/IR/MaskReference.h"
#include "lib/Runtime/ReferenceAttention.h"
#include "lib/Runtime/RunAttention.h"
#include "lib/Target/CPU/CPUTarget.h"

#include "llvm/Support/Format.h"

#include <chrono>
#include <cmath>
#include <limits>
#include <random>

#include <unistd.h>

using namespace mlir;
using namespace sparsa;
using namespace sparsa::sparsac;
namespace cl = llvm::cl;

static cl::opt<bool> check("check",
                           cl::desc("With --run: compare with the float64 "
                                    "reference and print max_rel_err"),
                           cl::cat(category()));
static cl::opt<int64_t> batch("batch", cl::desc("With --run: batch size"),
                              cl::init(1), cl::cat(category()));
static cl::opt<int64_t>
    kvHeads("kv-heads",
            cl::desc("With --run: key/value heads (default: --heads)"),
            cl::init(0), cl::cat(category()));
static cl::opt<bool>
    backward("backward",
             cl::desc("With --run: also run the backward pass (dQ, dK, dV "
                      "for a random dO); with --check, compare the gradients "
                      "with float64 ones. With --emit=tiles, llvm, asm or "
                      "obj: the backward kernels too"),
             cl::cat(category()));
bool sparsa::sparsac::withBackward() { return backward; }

static cl::opt<unsigned> threads("run-threads",
                                 cl::desc("With --run: threads (0: all)"),
                                 cl::init(0), cl::cat(category()));

int sparsa::sparsac::prepareRun(ModuleOp module, RunSetup &out) {
  func::FuncOp fn = getPatternFunc(module);
  if (!fn)
    return internalError("no pattern function");
  out.name = fn.getSymName().str();
  for (unsigned i = 0; i < fn.getNumArguments(); ++i) {
    auto n = fn.getArgAttrOfType<StringAttr>(i, "mask.param");
    out.paramNames.push_back(n ? n.str() : "argument " + std::to_string(i));
  }
  auto shape = getConcreteShape(fn, "--run", kMaxSeqLen);
  if (!shape)
    return userError(llvm::toString(shape.takeError()));
  out.shape = std::move(*shape);
  auto tiles = getTileOptions();
  if (!tiles)
    return userError(llvm::toString(tiles.takeError()));
  out.tiles = *tiles;
  out.batch = batch;
  out.check = check;
  out.threads = threads;
  if (batch < 1)
    return userError("--batch must be positive, got " + llvm::Twine(batch));
  out.heads = out.shape.numHeads;
  out.kvHeads = kvHeads ? kvHeads : out.heads;
  if (out.kvHeads < 1 || out.heads % out.kvHeads != 0)
    return userError("--heads " + llvm::Twine(out.heads) +
                     " must be a multiple of --kv-heads " +
                     llvm::Twine(out.kvHeads));
  if (check &&
      std::max(out.shape.numQueries, out.shape.numKeys) > kMaxDenseSeqLen)
    return userError("--check compares with an O(N^2) reference: --seq-len "
                     "must be at most " +
                     llvm::Twine(kMaxDenseSeqLen));
  return kExitOk;
}

/// The kernels' own check of the lengths and runtime parameter values
/// (sparsa-build-param-check), the one libsparsa runs: "" when they pass.
static std::string checkRuntimeValues(cpu::JITModule &jit,
                                      const RunSetup &run) {
  std::vector<std::string> rules;
  for (const runtime::AttentionMetadata &a : jit.attentions())
    if (a.name == run.name)
      rules = a.paramRules;
  runtime::AttentionProblem p;
  p.seqQ = run.shape.numQueries;
  p.seqK = run.shape.numKeys;
  p.params.assign(run.shape.args.begin(), run.shape.args.end());
  std::string error = runtime::checkParameters(jit.lookupParamCheck(run.name),
                                               rules, run.paramNames, p);
  return error.empty() ? "" : "runtime values rejected: " + error;
}

/// --run allocates q, k, v, o and lse: their bytes, checked for overflow,
/// must fit in half of the physical memory. Returns an ExitCode.
static int checkRunMemory(int64_t heads, int64_t kv, int64_t nq, int64_t nk,
                          int64_t d) {
  uint64_t total = 0;
  bool overflow = false;
  auto add = [&](std::initializer_list<int64_t> dims) {
    uint64_t n = sizeof(float);
    for (int64_t x : dims)
      overflow |= __builtin_mul_overflow(n, static_cast<uint64_t>(x), &n);
    overflow |= __builtin_add_overflow(total, n, &total);
  };
  add({batch, heads, nq, d}); // q
  add({batch, kv, nk, d});    // k
  add({batch, kv, nk, d});    // v
  add({batch, heads, nq, d}); // o
  add({batch, heads, nq});    // lse
  if (backward) {
    add({batch, heads, nq, d}); // dO
    add({batch, heads, nq, d}); // dq
    add({batch, kv, nk, d});    // dk
    add({batch, kv, nk, d});    // dv
    add({batch, heads, nq});    // delta
  }
  long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGESIZE);
  uint64_t limit = pages > 0 && pageSize > 0
                       ? uint64_t(pages) * uint64_t(pageSize) / 2
                       : uint64_t(1) << 32;
  if (!overflow && total <= limit)
    return kExitOk;
  std::string need =
      overflow ? std::string("more than 2^64") : std::to_string(total);
  return userError("--run needs " + need + " bytes for q, k, v, o and lse" +
                   (backward ? ", dO, dq, dk, dv and delta" : "") +
                   " (--batch " + llvm::Twine(int64_t(batch)) + ", --heads " +
                   llvm::Twine(heads) + ", --seq-len " + llvm::Twine(nq) +
                   ", --kv-len " + llvm::Twine(nk) + ", --head-dim " +
                   llvm::Twine(d) +
                   "); the limit is half of this machine's "
                   "memory, " +
                   llvm::Twine(limit) +
                   " bytes: lower --batch, --heads, --seq-len or --kv-len");
}

/// The backward pass of the forward run `p` (O and LSE hold its result)
/// for a random dO: prints its time and, with `allowed`, the error of dQ,
/// dK and dV against float64 gradients. False when it fails or the check
/// does.
static bool runBackwardAndCheck(cpu::JITModule &jit, const RunSetup &run,
                                const runtime::AttentionProblem &p,
                                runtime::ThreadPool &pool,
                                const runtime::AllowedFn &allowed,
                                llvm::raw_ostream &os) {
  auto kernels = jit.lookupBackward(run.name);
  if (!kernels) {
    os << "error: " << llvm::toString(kernels.takeError()) << "\n";
    return false;
  }
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const int64_t d = p.headDim;
  std::vector<float> dO(p.batch * p.headsQ * p.seqQ * d), dq(dO.size(), nan),
      dk(p.batch * p.headsKV * p.seqK * d, nan), dv(dk.size(), nan);
  std::mt19937 rng(54321);
  std::normal_distribution<float> normal;
  for (float &x : dO)
    x = normal(rng);
  runtime::BackwardProblem bp;
  bp.forward = p;
  bp.dO = runtime::denseTensor(dO.data(), p.headsQ, p.seqQ, d);
  bp.dq = runtime::denseTensor(dq.data(), p.headsQ, p.seqQ, d);
  bp.dk = runtime::denseTensor(dk.data(), p.headsKV, p.seqK, d);
  bp.dv = runtime::denseTensor(dv.data(), p.headsKV, p.seqK, d);
  auto start = std::chrono::steady_clock::now();
  std::string error = runtime::runBackward(*kernels, bp, pool);
  double ms = std::chrono::duration<double, std::milli>(
                  std::chrono::steady_clock::now() - start)
                  .count();
  if (!error.empty()) {
    os << "error: " << error << "\n";
    return false;
  }
  os << "backward_parts: " << kernels->dq.size() << " + "
     << kernels->dkdv.size() << "\n";
  os << "backward_time_ms: " << llvm::format("%.3f", ms) << "\n";
  if (!allowed)
    return true;
  runtime::ReferenceGradients want = runtime::referenceGradients(
      p, bp.dO, 1.0 / std::sqrt(double(d)), allowed);
  double eq =
      runtime::gradientError(want.dq, bp.dq, p.batch, p.headsQ, p.seqQ, d);
  double ek =
      runtime::gradientError(want.dk, bp.dk, p.batch, p.headsKV, p.seqK, d);
  double ev =
      runtime::gradientError(want.dv, bp.dv, p.batch, p.headsKV, p.seqK, d);
  os << "max_rel_err_dq: " << llvm::format("%.3g", eq) << "\n";
  os << "max_rel_err_dk: " << llvm::format("%.3g", ek) << "\n";
  os << "max_rel_err_dv: " << llvm::format("%.3g", ev) << "\n";
  return eq <= 1e-4 && ek <= 1e-4 && ev <= 1e-4;
}

int sparsa::sparsac::runCPU(ModuleOp module, llvm::raw_ostream &os) {
  RunSetup run;
  if (int rc = prepareRun(module, run))
    return rc;
  const std::string &name = run.name;
  const ConcreteShape *shape = &run.shape;
  const TileOptions *tiles = &run.tiles;
  int64_t heads = run.heads, kv = run.kvHeads;
  if (threads > runtime::kMaxThreads)
    return userError("--run-threads " + llvm::Twine(threads.getValue()) +
                     " exceeds the maximum of " +
                     llvm::Twine(runtime::kMaxThreads));
  if (int rc = checkRunMemory(heads, kv, shape->numQueries, shape->numKeys,
                              tiles->headDim))
    return rc;
  if (crossCompiling())
    return userError("--run executes on this machine: --cpu applies only to "
                     "--emit=llvm, asm, obj and so");
  OwningOpRef<ModuleOp> original = module.clone();
  if (int rc = lowerForCPU(module, nullptr, backward))
    return rc;
  auto jit = cpu::JITModule::create(module);
  if (!jit)
    return internalError(llvm::toString(jit.takeError()));
  auto parts = (*jit)->lookupAttention(name);
  if (!parts)
    return internalError(llvm::toString(parts.takeError()));
  if (std::string error = checkRuntimeValues(**jit, run); !error.empty())
    return userError(error);

  const int64_t nq = shape->numQueries, nk = shape->numKeys, d = tiles->headDim;
  std::vector<float> q(batch * heads * nq * d), k(batch * kv * nk * d),
      v(k.size()), o(q.size(), std::numeric_limits<float>::quiet_NaN()),
      lse(batch * heads * nq, std::numeric_limits<float>::quiet_NaN());
  std::mt19937 rng(12345);
  std::normal_distribution<float> normal;
  for (auto *t : {&q, &k, &v})
    for (float &x : *t)
      x = normal(rng);
  runtime::AttentionProblem p;
  p.batch = batch;
  p.headsQ = heads;
  p.headsKV = kv;
  p.seqQ = nq;
  p.seqK = nk;
  p.headDim = d;
  p.q = runtime::denseTensor(q.data(), heads, nq, d);
  p.k = runtime::denseTensor(k.data(), kv, nk, d);
  p.v = runtime::denseTensor(v.data(), kv, nk, d);
  p.o = runtime::denseTensor(o.data(), heads, nq, d);
  p.lse = runtime::TensorRef{lse.data(), heads * nq, nq, 1};
  p.params.assign(shape->args.begin(), shape->args.end());
  runtime::ThreadPool pool(threads);
  auto start = std::chrono::steady_clock::now();
  std::string error = runtime::runAttentionParts(*parts, p, pool);
  double ms = std::chrono::duration<double, std::milli>(
                  std::chrono::steady_clock::now() - start)
                  .count();
  if (!error.empty())
    return userError(error);
  os << "parts: " << parts->size() << "\n";
  os << "threads: " << pool.size() << "\n";
  os << "time_ms: " << llvm::format("%.3f", ms) << "\n";
  if (!check) {
    if (backward && !runBackwardAndCheck(**jit, run, p, pool, nullptr, os))
      return kExitUserError;
    return kExitOk;
  }
  auto ref = mask::ReferenceMask::build(
      getPatternMask(getPatternFunc(*original)), nq, nk, shape->args);
  if (!ref)
    return userError(llvm::toString(ref.takeError()));
  runtime::ReferenceResult r = runtime::referenceAttention(
      p, 1.0 / std::sqrt(double(d)), [&](int64_t h, int64_t qi, int64_t ki) {
        return ref->allowed(h, qi, ki);
      });
  runtime::Comparison c = runtime::compare(p, r);
  os << "max_rel_err: " << llvm::format("%.3g", c.maxRelErr) << "\n";
  os << "max_lse_err: " << llvm::format("%.3g", c.maxLseErr) << "\n";
  os << "bad_empty_rows: " << c.badEmptyRows << "\n";
  os << "non_finite: " << c.nonFinite << "\n";
  bool ok = c.maxRelErr <= 1e-5 && c.maxLseErr <= 1e-5 && c.badEmptyRows == 0 &&
            c.nonFinite == 0;
  if (!backward) {
    os << (ok ? "check: ok" : "check: FAILED") << "\n";
    return ok ? kExitOk : kExitUserError;
  }
  auto allowed = [&](int64_t h, int64_t qi, int64_t ki) {
    return ref->allowed(h, qi, ki);
  };
  bool gradientsOk = runBackwardAndCheck(**jit, run, p, pool, allowed, os);
  os << (ok && gradientsOk ? "check: ok" : "check: FAILED") << "\n";
  return ok && gradientsOk ? kExitOk : kExitUserError;
}
