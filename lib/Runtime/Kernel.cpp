//===- Kernel.cpp - sparsa::Kernel: argument checks and the call ----------===//
//
// Everything a host program can get wrong is checked here before the
// generated code sees a pointer: dtype, rank, shapes (including GQA head
// counts and the compiled head dimension), strides (D contiguous, no
// negative strides, output rows that do not overlap, no int64 overflow of
// the largest offset) and runtime parameters (all given, by position or by
// name, none unknown or repeated).
//
//===----------------------------------------------------------------------===//

#include "lib/Runtime/KernelImpl.h"
#include "lib/Runtime/PoolCache.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

using namespace sparsa;
using sparsa::detail::KernelImpl;

static_assert(RunOptions::kMaxThreads == runtime::kMaxThreads,
              "one thread limit for the API and the pool");

namespace {

Status invalid(std::string message) {
  return Status(ErrorCode::InvalidArgument, std::move(message));
}

std::string shapeString(const TensorView &t) {
  std::string s = "[";
  for (int i = 0; i < t.rank; ++i)
    s += (i ? ", " : "") + std::to_string(t.shape[i]);
  return s + "]";
}

const char *dtypeName(DType t) {
  switch (t) {
  case DType::F32:
    return "f32";
  case DType::F16:
    return "f16";
  case DType::BF16:
    return "bf16";
  case DType::F64:
    return "f64";
  }
  return "an unknown dtype";
}

const char *deviceName(Device d) {
  return d == Device::CPU ? "host (cpu)" : d == Device::CUDA ? "cuda" : "?";
}

/// What a view must be: its element type, its device, and for CUDA
/// kernels the alignment their 16-byte vector loads need.
struct ViewRule {
  DType dtype;
  Device device;
  int64_t alignBytes = 0;     // of the data pointer; 0: none
  int64_t strideMultiple = 1; // of every stride but the last dimension's
};

/// Checks one view: its dtype and device, the expected rank, non-null,
/// positive extents, non-negative strides, a contiguous last dimension
/// (rank 4), alignment and, for outputs, rows that never overlap.
Status checkView(const char *what, const TensorView &t, int rank, bool output,
                 const ViewRule &rule, const std::string &target) {
  std::string name(what);
  if (t.device != rule.device)
    return invalid(name + " is " + deviceName(t.device) + " memory; a " +
                   target + " kernel needs " + deviceName(rule.device) +
                   " memory");
  if (t.dtype != rule.dtype)
    return invalid(name + " must be " + dtypeName(rule.dtype) + ", got " +
                   dtypeName(t.dtype) + " (the " + target +
                   " kernel was compiled for " + dtypeName(rule.dtype) + ")");
  if (t.rank != rank)
    return invalid(name + " must have rank " + std::to_string(rank) + ", got " +
                   std::to_string(t.rank));
  if (!t.data)
    return invalid(name + " data must not be null");
  int64_t maxOffset = 0;
  for (int i = 0; i < rank; ++i) {
    if (t.shape[i] < 1)
      return invalid(name + " shape " + shapeString(t) +
                     " must have positive extents");
    if (t.strides[i] < 0)
      return invalid(name + " stride " + std::to_string(t.strides[i]) +
                     " of dimension " + std::to_string(i) +
                     " must be non-negative");
    // The offset of the last element, and the bytes up to its end.
    int64_t extent, elements, bytes;
    if (__builtin_mul_overflow(t.shape[i] - 1, t.strides[i], &extent) ||
        __builtin_add_overflow(maxOffset, extent, &maxOffset) ||
        __builtin_add_overflow(maxOffset, 1, &elements) ||
        __builtin_mul_overflow(elements, elementBytes(t.dtype), &bytes))
      return invalid(name + " strides overflow 64-bit offsets");
  }
  if (rank == 4 && t.strides[3] != 1)
    return invalid(name +
                   " head dimension must be contiguous (stride 1), "
                   "got stride " +
                   std::to_string(t.strides[3]));
  if (rule.alignBytes &&
      reinterpret_cast<uintptr_t>(t.data) % uint64_t(rule.alignBytes) != 0)
    return invalid(name + " data must be " + std::to_string(rule.alignBytes) +
                   "-byte aligned for the " + target + " kernel's loads");
  for (int i = 0; i + 1 < rank && rule.strideMultiple > 1; ++i)
    if (t.shape[i] > 1 && t.strides[i] % rule.strideMultiple != 0)
      return invalid(name + " stride " + std::to_string(t.strides[i]) +
                     " of dimension " + std::to_string(i) +
                     " must be a multiple of " +
                     std::to_string(rule.strideMultiple) + " (rows of the " +
                     target + " kernel's loads are 16-byte aligned)");
  if (output) {
    // Distinct indices must map to distinct elements: sorted by stride,
    // each dimension must step over everything inside the previous ones.
    int order[4] = {0, 1, 2, 3};
    std::sort(order, order + rank,
              [&](int a, int b) { return t.strides[a] < t.strides[b]; });
    int64_t span = 1; // elements covered by the inner dimensions
    for (int j = 0; j < rank; ++j) {
      int d = order[j];
      if (t.shape[d] == 1)
        continue;
      if (t.strides[d] < span)
        return invalid(name + " strides make elements overlap (dimension " +
                       std::to_string(d) + " stride " +
                       std::to_string(t.strides[d]) + " < " +
                       std::to_string(span) + ")");
      span = t.strides[d] * (t.shape[d] - 1) + span;
    }
  }
  return Status::ok();
}

std::string formatFloat(float x) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%g", static_cast<double>(x));
  return buffer;
}

/// The bytes a view can touch: from its first to the end of its last
/// element (the view passed checkView, so the offsets fit in int64).
struct ByteRange {
  uintptr_t first, last;
};
ByteRange byteRange(const TensorView &t) {
  int64_t maxOffset = 0;
  for (int i = 0; i < t.rank; ++i)
    maxOffset += (t.shape[i] - 1) * t.strides[i];
  uintptr_t first = reinterpret_cast<uintptr_t>(t.data);
  uintptr_t size = static_cast<uintptr_t>(elementBytes(t.dtype));
  return {first, first + static_cast<uintptr_t>(maxOffset) * size + size - 1};
}

using NamedView = std::pair<const char *, const TensorView *>;

/// Outputs are written while inputs are still read (by other tiles, other
/// threads and, for patterns of several parts, later parts), so an output
/// may share no byte with an input or with another output. Inputs may
/// overlap each other: they are only read. Null views are skipped.
Status checkOutputsDisjoint(std::initializer_list<NamedView> outputs,
                            std::initializer_list<NamedView> inputs) {
  // By position, not by address: the caller may pass one view twice.
  std::vector<NamedView> seen(inputs);
  for (auto [outName, output] : outputs) {
    if (!output)
      continue;
    ByteRange a = byteRange(*output);
    for (auto [name, other] : seen) {
      if (!other)
        continue;
      ByteRange b = byteRange(*other);
      if (a.first <= b.last && b.first <= a.last)
        return invalid(std::string(outName) + " overlaps " + name +
                       " in memory (outputs may share no byte with an "
                       "input or with another output)");
    }
    seen.push_back({outName, output});
  }
  return Status::ok();
}

runtime::TensorRef ref(const TensorView &t) {
  return runtime::TensorRef{static_cast<float *>(t.data), t.strides[0],
                            t.strides[1], t.strides[2]};
}

/// Runs the pattern's generated parameter check: values its leaves reject
/// (a stride of 0, a negative window) would make the kernels divide by
/// zero or compute garbage.
Status checkParamValues(const detail::KernelImpl &K,
                        const std::vector<int64_t> &values, int64_t nq,
                        int64_t nk) {
  runtime::AttentionProblem p;
  p.seqQ = nq;
  p.seqK = nk;
  p.params = values;
  std::string error =
      runtime::checkParameters(K.paramCheck, K.paramRules, K.info.params, p);
  if (error.empty())
    return Status::ok();
  return invalid("runtime parameters rejected by kernel '" + K.info.name +
                 "': " + error);
}

runtime::cuda::DeviceTensor deviceTensor(const TensorView &t) {
  return {t.data, t.strides[0], t.strides[1], t.strides[2]};
}

/// Enqueues a CUDA kernel whose arguments passed every host-side check; the
/// launcher checks what needs the driver (device memory, one device, the
/// architecture, shared memory).
Status runCUDA(const runtime::cuda::Attention &attention, const TensorView &q,
               const TensorView &k, const TensorView &v, const TensorView &out,
               const TensorView *lse, std::vector<int64_t> params,
               const RunOptions &options) {
  runtime::cuda::Problem p;
  p.batch = q.shape[0];
  p.headsQ = q.shape[1];
  p.headsKV = k.shape[1];
  p.seqQ = q.shape[2];
  p.seqK = k.shape[2];
  p.headDim = q.shape[3];
  p.q = deviceTensor(q);
  p.k = deviceTensor(k);
  p.v = deviceTensor(v);
  p.o = deviceTensor(out);
  if (lse)
    p.lse = deviceTensor(*lse);
  p.scale = options.scale;
  p.params = std::move(params);
  p.stream = options.stream;
  std::string error = attention.run(p);
  if (error.empty())
    return Status::ok();
  bool noDevice = error.rfind("no CUDA device", 0) == 0;
  return Status(noDevice ? ErrorCode::Unsupported : ErrorCode::InvalidArgument,
                error);
}

const KernelInfo &emptyInfo() {
  static const KernelInfo *info = new KernelInfo();
  return *info;
}

} // namespace

const KernelInfo &Kernel::info() const {
  return impl_ ? impl_->info : emptyInfo();
}

Result<std::vector<int64_t>> Kernel::resolveParams(const Params &p) const {
  if (!impl_)
    return invalid("empty kernel handle");
  const std::vector<std::string> &names = impl_->info.params;
  const auto &byPos = p.positionalValues();
  const auto &byName = p.namedValues();
  if (!byPos.empty() && !byName.empty())
    return invalid("runtime parameters must be given all by position or "
                   "all by name");
  if (byName.empty()) {
    if (byPos.size() != names.size()) {
      std::string list;
      for (const std::string &n : names)
        list += (list.empty() ? "" : ", ") + n;
      return invalid("kernel '" + impl_->info.name + "' takes " +
                     std::to_string(names.size()) + " runtime parameter" +
                     (names.size() == 1 ? "" : "s") +
                     (list.empty() ? "" : " (" + list + ")") + ", got " +
                     std::to_string(byPos.size()));
    }
    return byPos;
  }
  std::vector<int64_t> values(names.size(), 0);
  std::vector<bool> given(names.size(), false);
  for (const auto &[name, value] : byName) {
    auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) {
      std::string list;
      for (const std::string &n : names)
        list += (list.empty() ? "" : ", ") + n;
      return invalid("unknown runtime parameter '" + name + "' (kernel '" +
                     impl_->info.name +
                     "' takes: " + (list.empty() ? "none" : list) + ")");
    }
    size_t i = it - names.begin();
    if (given[i])
      return invalid("runtime parameter '" + name + "' is given twice");
    given[i] = true;
    values[i] = value;
  }
  for (size_t i = 0; i < names.size(); ++i)
    if (!given[i])
      return invalid("runtime parameter '" + names[i] + "' is not given");
  return values;
}

/// The checks run() and backward() share: every view (rank, dtype,
/// device, strides, alignment), the shapes, the head dimension, the scale
/// and the thread count.
static Status checkAttentionArgs(const KernelImpl &K, const TensorView &q,
                                 const TensorView &k, const TensorView &v,
                                 const TensorView &out, const TensorView *lse,
                                 const RunOptions &options) {
  const bool gpu = K.cuda != nullptr;
  // CUDA kernels load rows of 16 bytes (8 bf16 / f16 elements).
  ViewRule rule{K.info.dtype, gpu ? Device::CUDA : Device::CPU, gpu ? 16 : 0,
                gpu ? 8 : 1};
  ViewRule lseRule{DType::F32, rule.device, gpu ? 4 : 0, 1};
  for (auto [name, view, output] :
       {std::make_tuple("q", &q, false), std::make_tuple("k", &k, false),
        std::make_tuple("v", &v, false), std::make_tuple("out", &out, true)})
    if (Status s = checkView(name, *view, 4, output, rule, K.info.target); !s)
      return s;
  if (lse)
    if (Status s = checkView("lse", *lse, 3, true, lseRule, K.info.target); !s)
      return s;
  const int64_t B = q.shape[0], Hq = q.shape[1], Nq = q.shape[2],
                D = q.shape[3], Hkv = k.shape[1];
  if (k.shape[0] != B || v.shape[0] != B || out.shape[0] != B)
    return invalid("batch sizes differ: q " + shapeString(q) + ", k " +
                   shapeString(k) + ", v " + shapeString(v) + ", out " +
                   shapeString(out));
  for (int i = 0; i < 4; ++i)
    if (v.shape[i] != k.shape[i])
      return invalid("v shape " + shapeString(v) + " must equal k shape " +
                     shapeString(k));
  for (int i = 0; i < 4; ++i)
    if (out.shape[i] != q.shape[i])
      return invalid("out shape " + shapeString(out) + " must equal q shape " +
                     shapeString(q));
  if (k.shape[3] != D)
    return invalid("k head dimension " + std::to_string(k.shape[3]) +
                   " differs from q's " + std::to_string(D));
  if (Hq % Hkv != 0)
    return invalid("query heads " + std::to_string(Hq) +
                   " must be a multiple of key/value heads " +
                   std::to_string(Hkv));
  if (D != K.info.headDim)
    return invalid("head dimension " + std::to_string(D) +
                   " differs from the kernel's " +
                   std::to_string(K.info.headDim) +
                   " (compile with headDim = " + std::to_string(D) + ")");
  if (lse && (lse->shape[0] != B || lse->shape[1] != Hq || lse->shape[2] != Nq))
    return invalid("lse shape " + shapeString(*lse) + " must be [" +
                   std::to_string(B) + ", " + std::to_string(Hq) + ", " +
                   std::to_string(Nq) + "]");
  if (!(options.scale >= 0 && options.scale <= RunOptions::kMaxScale))
    return invalid("softmax scale " + formatFloat(options.scale) +
                   " must be positive and at most " +
                   formatFloat(RunOptions::kMaxScale) +
                   " (or 0 for 1/sqrt(D))");
  if (options.threads > RunOptions::kMaxThreads)
    return invalid("threads " + std::to_string(options.threads) +
                   " exceeds the maximum of " +
                   std::to_string(RunOptions::kMaxThreads) +
                   " (0 means all hardware threads)");
  return Status::ok();
}

Status Kernel::run(const TensorView &q, const TensorView &k,
                   const TensorView &v, const TensorView &out,
                   const TensorView *lse, const Params &params,
                   const RunOptions &options) const {
  if (!impl_)
    return invalid("empty kernel handle");
  const KernelImpl &K = *impl_;
  const bool gpu = K.cuda != nullptr;
  if (Status s = checkAttentionArgs(K, q, k, v, out, lse, options); !s)
    return s;
  const int64_t B = q.shape[0], Hq = q.shape[1], Nq = q.shape[2],
                D = q.shape[3], Hkv = k.shape[1], Nk = k.shape[2];
  if (Status s = checkOutputsDisjoint({{"out", &out}, {"lse", lse}},
                                      {{"q", &q}, {"k", &k}, {"v", &v}});
      !s)
    return s;
  Result<std::vector<int64_t>> values = resolveParams(params);
  if (!values)
    return values.status();
  if (Nq > runtime::kMaxSequenceLength || Nk > runtime::kMaxSequenceLength)
    return invalid("sequence lengths " + std::to_string(Nq) + " x " +
                   std::to_string(Nk) + " must be at most 2^40");
  if (Status s = checkParamValues(*impl_, *values, Nq, Nk); !s)
    return s;
  if (gpu)
    return runCUDA(*K.cuda, q, k, v, out, lse, std::move(*values), options);

  runtime::AttentionProblem p;
  p.batch = B;
  p.headsQ = Hq;
  p.headsKV = Hkv;
  p.seqQ = Nq;
  p.seqK = Nk;
  p.headDim = D;
  p.q = ref(q);
  p.k = ref(k);
  p.v = ref(v);
  p.o = ref(out);
  if (lse)
    p.lse = runtime::TensorRef{static_cast<float *>(lse->data), lse->strides[0],
                               lse->strides[1], lse->strides[2]};
  p.scale = options.scale;
  p.params = std::move(*values);
  runtime::PoolLease lease(options.threads);
  if (K.parts.empty()) { // the pattern allows nothing
    runtime::clearOutputs(p, lease.pool());
    return Status::ok();
  }
  std::string error = runtime::runAttentionParts(K.parts, p, lease.pool());
  if (!error.empty())
    return invalid(error);
  return Status::ok();
}

Status Kernel::backward(const TensorView &q, const TensorView &k,
                        const TensorView &v, const TensorView &out,
                        const TensorView &lse, const TensorView &dout,
                        const TensorView &dq, const TensorView &dk,
                        const TensorView &dv, const Params &params,
                        const RunOptions &options) const {
  if (!impl_)
    return invalid("empty kernel handle");
  const KernelImpl &K = *impl_;
  if (!K.info.backward)
    return Status(K.cuda ? ErrorCode::Unsupported : ErrorCode::InvalidArgument,
                  "kernel '" + K.info.name +
                      "' was compiled without its backward pass (compile "
                      "with CompileOptions::backward" +
                      (K.cuda ? "; the CPU has it" : "") + ")");
  if (Status s = checkAttentionArgs(K, q, k, v, out, &lse, options); !s)
    return s;
  ViewRule rule{K.info.dtype, Device::CPU, 0, 1};
  for (auto [name, view, like] :
       {std::make_tuple("dout", &dout, &q), std::make_tuple("dq", &dq, &q),
        std::make_tuple("dk", &dk, &k), std::make_tuple("dv", &dv, &k)}) {
    bool output = view != &dout;
    if (Status s = checkView(name, *view, 4, output, rule, K.info.target); !s)
      return s;
    for (int i = 0; i < 4; ++i)
      if (view->shape[i] != like->shape[i])
        return invalid(std::string(name) + " shape " + shapeString(*view) +
                       " must equal " + (like == &q ? "q" : "k") + " shape " +
                       shapeString(*like));
  }
  if (Status s = checkOutputsDisjoint({{"dq", &dq}, {"dk", &dk}, {"dv", &dv}},
                                      {{"q", &q},
                                       {"k", &k},
                                       {"v", &v},
                                       {"out", &out},
                                       {"lse", &lse},
                                       {"dout", &dout}});
      !s)
    return s;
  Result<std::vector<int64_t>> values = resolveParams(params);
  if (!values)
    return values.status();
  const int64_t Nq = q.shape[2], Nk = k.shape[2];
  if (Nq > runtime::kMaxSequenceLength || Nk > runtime::kMaxSequenceLength)
    return invalid("sequence lengths " + std::to_string(Nq) + " x " +
                   std::to_string(Nk) + " must be at most 2^40");
  if (Status s = checkParamValues(K, *values, Nq, Nk); !s)
    return s;

  runtime::BackwardProblem p;
  runtime::AttentionProblem &f = p.forward;
  f.batch = q.shape[0];
  f.headsQ = q.shape[1];
  f.headsKV = k.shape[1];
  f.seqQ = Nq;
  f.seqK = Nk;
  f.headDim = q.shape[3];
  f.q = ref(q);
  f.k = ref(k);
  f.v = ref(v);
  f.o = ref(out);
  f.lse = runtime::TensorRef{static_cast<float *>(lse.data), lse.strides[0],
                             lse.strides[1], lse.strides[2]};
  f.scale = options.scale;
  f.params = std::move(*values);
  p.dO = ref(dout);
  p.dq = ref(dq);
  p.dk = ref(dk);
  p.dv = ref(dv);
  runtime::PoolLease lease(options.threads);
  std::string error = runtime::runBackward(K.backward, p, lease.pool());
  if (!error.empty())
    return invalid(error);
  return Status::ok();
}

Result<PatternStats> Kernel::stats(int64_t numQueries, int64_t numKeys,
                                   const Params &params) const {
  if (!impl_)
    return invalid("empty kernel handle");
  if (!impl_->stats)
    return Status(ErrorCode::Unsupported,
                  "statistics need the pattern: kernel '" + impl_->info.name +
                      "' was loaded from a shared library (use sparsac "
                      "--stats or a JIT kernel)");
  if (numQueries < 1)
    return invalid("query length " + std::to_string(numQueries) +
                   " must be positive");
  if (numKeys == 0 || numKeys < -1)
    return invalid("key length " + std::to_string(numKeys) +
                   " must be positive (or -1 for Nk = Nq)");
  Result<std::vector<int64_t>> values = resolveParams(params);
  if (!values)
    return values.status();
  if (numKeys < 0)
    numKeys = numQueries;
  if (Status s = checkParamValues(*impl_, *values, numQueries, numKeys); !s)
    return s;
  return impl_->stats(numQueries, numKeys, *values);
}

Result<std::shared_ptr<KernelImpl>>
sparsa::detail::makeKernelImpl(const runtime::AttentionMetadata &meta) {
  if (meta.parts.empty())
    return invalid("attention '" + meta.name + "' has no parts");
  const runtime::PartMetadata &first = meta.parts.front();
  for (const runtime::PartMetadata &part : meta.parts)
    if (part.headDim != first.headDim || part.params != first.params ||
        part.elementType != first.elementType)
      return invalid("parts of '" + meta.name +
                     "' disagree on head dimension, parameters or element "
                     "type");
  auto impl = std::make_shared<KernelImpl>();
  impl->info.name = meta.name;
  impl->info.target = meta.target;
  impl->info.dtype = meta.target != "cuda"         ? DType::F32
                     : first.elementType == "bf16" ? DType::BF16
                                                   : DType::F16;
  impl->info.cudaArch = meta.chip;
  impl->info.headDim = first.headDim;
  impl->info.blockQ = first.blockQ;
  impl->info.blockK = first.blockK;
  impl->info.params = first.params;
  impl->info.numParts = static_cast<int>(meta.parts.size());
  impl->paramRules = meta.paramRules;
  return impl;
}
