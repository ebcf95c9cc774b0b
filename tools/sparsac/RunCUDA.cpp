//===- RunCUDA.cpp - sparsac --target=cuda --run [--check] ----------------===//
//
// Compiles the pattern for CUDA device 0 (its architecture unless
// --cuda-arch is given; a cubin when ptxas is found, else PTX), runs it
// through the runtime's launcher (lib/Runtime/CUDAAttention.h) on random
// bf16 / f16 inputs with outputs poisoned to NaN, prints the time and with
// --check compares with the float64 reference on the rounded inputs.
//
//===----------------------------------------------------------------------===//

#include "tools/sparsac/CUDACommands.h"
#include "tools/sparsac/Sparsac.h"

#include "dialects/Mask/IR/MaskReference.h"
#include "lib/Runtime/CUDAAttention.h"
#include "lib/Runtime/ReferenceAttention.h"
#include "lib/Target/CPU/CPUTarget.h"
#include "lib/Target/CUDA/CUDATarget.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/Format.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using namespace mlir;
using namespace sparsa;
using namespace sparsa::sparsac;
using namespace sparsa::runtime::cuda;

namespace {

/// Rounds to bf16 (nearest even) or f16 and back: the 16-bit word and the
/// float it stands for.
uint16_t toHalf(float x, bool bf16, float &rounded) {
  if (bf16) {
    uint32_t bits;
    std::memcpy(&bits, &x, 4);
    bits += 0x7fff + ((bits >> 16) & 1);
    uint16_t h = uint16_t(bits >> 16);
    uint32_t back = uint32_t(h) << 16;
    std::memcpy(&rounded, &back, 4);
    return h;
  }
  _Float16 h = static_cast<_Float16>(x);
  rounded = static_cast<float>(h);
  uint16_t bits;
  std::memcpy(&bits, &h, 2);
  return bits;
}

float fromHalf(uint16_t h, bool bf16) {
  if (bf16) {
    uint32_t bits = uint32_t(h) << 16;
    float x;
    std::memcpy(&x, &bits, 4);
    return x;
  }
  _Float16 x;
  std::memcpy(&x, &h, 2);
  return static_cast<float>(x);
}

/// Device buffers freed at scope exit.
class DeviceBuffers {
public:
  explicit DeviceBuffers(const Driver &d) : d(d) {}
  ~DeviceBuffers() {
    for (CUdeviceptr p : owned)
      d.memFree(p);
  }
  /// A buffer holding `bytes` of `host`; 0 and `error` on failure.
  CUdeviceptr upload(const void *host, size_t bytes, std::string &error) {
    CUdeviceptr p = 0;
    if (CUresult r = d.memAlloc(&p, bytes); r != kSuccess) {
      error = d.error("cuMemAlloc", r);
      return 0;
    }
    owned.push_back(p);
    if (CUresult r = d.memcpyHtoD(p, host, bytes); r != kSuccess) {
      error = d.error("cuMemcpyHtoD", r);
      return 0;
    }
    return p;
  }

private:
  const Driver &d;
  std::vector<CUdeviceptr> owned;
};

} // namespace

int sparsa::sparsac::runCUDA(ModuleOp module, llvm::raw_ostream &os,
                             llvm::StringRef dtype) {
  std::string why;
  const Driver *dp = driver(why);
  if (!dp)
    return userError(why + "; --target=cuda --run needs an NVIDIA GPU and "
                           "its driver (compile with --emit=so to run "
                           "elsewhere)");
  const Driver &d = *dp;
  RunSetup run;
  if (int rc = prepareRun(module, run))
    return rc;
  const std::string &name = run.name;
  const ConcreteShape *shape = &run.shape;
  const int64_t B = run.batch, H = run.heads, KV = run.kvHeads;
  OwningOpRef<ModuleOp> original = module.clone();

  // Device 0's primary context, current for the whole run.
  CUcontext ctx = nullptr;
  if (CUresult r = d.primaryCtxRetain(&ctx, 0); r != kSuccess)
    return userError(d.error("cuDevicePrimaryCtxRetain", r));
  if (CUresult r = d.ctxPushCurrent(ctx); r != kSuccess)
    return userError(d.error("cuCtxPushCurrent", r));
  char deviceName[128] = {0};
  d.deviceGetName(deviceName, sizeof(deviceName) - 1, 0);
  std::string arch = deviceArch(d, 0);

  DialectRegistry registry;
  registerCUDADialects(registry);
  module->getContext()->appendDialectRegistry(registry);
  module->getContext()->loadAllAvailableDialects();
  CUDAPipelineOptions options;
  setPipelineOptions(options, dtype);
  if (!cudaArchGiven()) {
    if (llvm::Error e = cuda::checkChip(arch))
      return userError("device 0 (" + llvm::Twine(deviceName) +
                       "): " + llvm::toString(std::move(e)));
    options.chip = arch;
  }
  options.format = cudaToolkitHasPtxas("") ? "bin" : "isa";
  auto compiled = cuda::compileModule(module, options);
  if (!compiled)
    return userError("the pattern cannot be compiled for --target=cuda: " +
                     llvm::toString(compiled.takeError()));
  const runtime::AttentionMetadata *meta = nullptr;
  for (const runtime::AttentionMetadata &a : compiled->attentions)
    if (a.name == name)
      meta = &a;
  if (!meta)
    return internalError("no attention '" + name + "' in the CUDA module");
  auto host = cpu::JITModule::create(*compiled->host);
  if (!host)
    return internalError(llvm::toString(host.takeError()));
  runtime::ParamCheckFn paramCheck =
      meta->paramCheck.empty() ? nullptr
                               : reinterpret_cast<runtime::ParamCheckFn>(
                                     (*host)->lookupFunction(meta->paramCheck));
  const int64_t nq = shape->numQueries, nk = shape->numKeys,
                D = run.tiles.headDim;
  runtime::AttentionProblem ref;
  ref.batch = B;
  ref.headsQ = H;
  ref.headsKV = KV;
  ref.seqQ = nq;
  ref.seqK = nk;
  ref.headDim = D;
  ref.params.assign(shape->args.begin(), shape->args.end());
  if (std::string error = runtime::checkParameters(paramCheck, meta->paramRules,
                                                   run.paramNames, ref);
      !error.empty())
    return userError("runtime values rejected: " + error);

  // Inputs: normal samples rounded to the element type; outputs NaN.
  const bool bf16 = dtype == "bf16";
  std::vector<float> q(B * H * nq * D), k(B * KV * nk * D), v(k.size()),
      o(q.size()), lse(B * H * nq);
  std::vector<uint16_t> q16(q.size()), k16(k.size()), v16(v.size()),
      o16(o.size(), 0xffff);
  std::vector<float> lsePoison(lse.size(),
                               std::numeric_limits<float>::quiet_NaN());
  std::mt19937 rng(12345);
  std::normal_distribution<float> normal;
  for (auto [f, h] :
       {std::pair(&q, &q16), std::pair(&k, &k16), std::pair(&v, &v16)})
    for (size_t i = 0; i < f->size(); ++i)
      (*h)[i] = toHalf(normal(rng), bf16, (*f)[i]);
  DeviceBuffers buffers(d);
  std::string error;
  CUdeviceptr dq = buffers.upload(q16.data(), q16.size() * 2, error),
              dk = buffers.upload(k16.data(), k16.size() * 2, error),
              dv = buffers.upload(v16.data(), v16.size() * 2, error),
              dout = buffers.upload(o16.data(), o16.size() * 2, error),
              dlse = buffers.upload(lsePoison.data(), lse.size() * 4, error);
  if (!error.empty())
    return userError(error);

  std::string missing;
  auto queryTiles = findQueryTiles(
      *meta, [&](const std::string &s) { return (*host)->lookupFunction(s); },
      missing);
  if (!missing.empty())
    return internalError("no grid function " + missing + " in the host code");
  Attention attention(*meta, compiled->image, std::move(queryTiles));
  Problem p;
  p.batch = B;
  p.headsQ = H;
  p.headsKV = KV;
  p.seqQ = nq;
  p.seqK = nk;
  p.headDim = D;
  auto dense = [](CUdeviceptr ptr, int64_t heads, int64_t n, int64_t dim) {
    return DeviceTensor{reinterpret_cast<void *>(ptr), heads * n * dim, n * dim,
                        dim};
  };
  p.q = dense(dq, H, nq, D);
  p.k = dense(dk, KV, nk, D);
  p.v = dense(dv, KV, nk, D);
  p.o = dense(dout, H, nq, D);
  p.lse = dense(dlse, H, nq, 1);
  p.params = ref.params;
  if (std::string e = attention.run(p); !e.empty())
    return userError(e);
  if (CUresult r = d.ctxSynchronize(); r != kSuccess)
    return userError(d.error("running the kernels", r));
  // The first run is checked; the next ones are timed.
  constexpr int kRuns = 5;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRuns; ++i)
    if (std::string e = attention.run(p); !e.empty())
      return userError(e);
  if (CUresult r = d.ctxSynchronize(); r != kSuccess)
    return userError(d.error("running the kernels", r));
  double ms = std::chrono::duration<double, std::milli>(
                  std::chrono::steady_clock::now() - start)
                  .count() /
              kRuns;
  os << "device: " << deviceName << " (" << arch << ")\n";
  os << "image: " << meta->chip << " "
     << (meta->imageFormat == "bin" ? "cubin" : "ptx") << "\n";
  os << "parts: " << meta->parts.size() << "\n";
  os << "time_ms: " << llvm::format("%.3f", ms) << "\n";
  if (!run.check)
    return kExitOk;
  // The timed runs overwrote the outputs with the same values.
  if (CUresult r = d.memcpyDtoH(o16.data(), dout, o16.size() * 2);
      r != kSuccess)
    return userError(d.error("cuMemcpyDtoH", r));
  if (CUresult r = d.memcpyDtoH(lse.data(), dlse, lse.size() * 4);
      r != kSuccess)
    return userError(d.error("cuMemcpyDtoH", r));
  for (size_t i = 0; i < o.size(); ++i)
    o[i] = fromHalf(o16[i], bf16);
  ref.q = runtime::denseTensor(q.data(), H, nq, D);
  ref.k = runtime::denseTensor(k.data(), KV, nk, D);
  ref.v = runtime::denseTensor(v.data(), KV, nk, D);
  ref.o = runtime::denseTensor(o.data(), H, nq, D);
  ref.lse = runtime::TensorRef{lse.data(), H * nq, nq, 1};
  auto mask = mask::ReferenceMask::build(
      getPatternMask(getPatternFunc(*original)), nq, nk, shape->args);
  if (!mask)
    return userError(llvm::toString(mask.takeError()));
  runtime::ReferenceResult r = runtime::referenceAttention(
      ref, 1.0 / std::sqrt(double(D)), [&](int64_t h, int64_t qi, int64_t ki) {
        return mask->allowed(h, qi, ki);
      });
  runtime::Comparison c = runtime::compare(ref, r);
  // P is rounded to the element type before P.V on the tensor cores.
  double tolerance = bf16 ? 3e-2 : 1e-2;
  os << "max_rel_err: " << llvm::format("%.3g", c.maxRelErr) << "\n";
  os << "max_lse_err: " << llvm::format("%.3g", c.maxLseErr) << "\n";
  os << "bad_empty_rows: " << c.badEmptyRows << "\n";
  os << "non_finite: " << c.nonFinite << "\n";
  bool ok = c.maxRelErr <= tolerance && c.maxLseErr <= 2e-2 &&
            c.badEmptyRows == 0 && c.nonFinite == 0;
  os << (ok ? "check: ok" : "check: FAILED") << "\n";
  return ok ? kExitOk : kExitUserError;
}
