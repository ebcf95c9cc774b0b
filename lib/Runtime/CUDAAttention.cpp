//===- CUDAAttention.cpp - run a compiled CUDA attention ------------------===//
//
// See CUDAAttention.h.
//
//===----------------------------------------------------------------------===//

#include "lib/Runtime/CUDAAttention.h"
#include "lib/Runtime/KernelABI.h"

#include <algorithm>
#include <array>
#include <climits>
#include <cmath>
#include <cstdint>

using namespace sparsa::runtime;
using namespace sparsa::runtime::cuda;

std::vector<QueryTilesFn> sparsa::runtime::cuda::findQueryTiles(
    const AttentionMetadata &meta,
    const std::function<void *(const std::string &)> &lookup,
    std::string &missing) {
  std::vector<QueryTilesFn> fns;
  missing.clear();
  for (const PartMetadata &part : meta.parts) {
    std::string symbol = part.symbol + kQueryTilesSuffix;
    fns.push_back(reinterpret_cast<QueryTilesFn>(lookup(symbol)));
    if (!fns.back() && missing.empty())
      missing = symbol;
  }
  return fns;
}

Attention::Attention(AttentionMetadata meta, std::string image,
                     std::vector<QueryTilesFn> queryTiles)
    : meta(std::move(meta)), image(std::move(image)),
      queryTiles(std::move(queryTiles)) {}

Attention::~Attention() {
  std::string why;
  const Driver *d = driver(why);
  if (!d)
    return;
  for (auto &[ctx, loaded] : modules) {
    if (d->ctxPushCurrent(ctx) != kSuccess)
      continue;
    d->moduleUnload(loaded.module);
    CUcontext popped;
    d->ctxPopCurrent(&popped);
  }
}

namespace {

/// Makes a context current for the scope.
class ContextScope {
public:
  ContextScope(const Driver &d, CUcontext ctx) : d(d) {
    pushed = d.ctxPushCurrent(ctx) == kSuccess;
  }
  ~ContextScope() {
    CUcontext popped;
    if (pushed)
      d.ctxPopCurrent(&popped);
  }
  bool ok() const { return pushed; }

private:
  const Driver &d;
  bool pushed;
};

struct Span {
  const char *name;
  const DeviceTensor *tensor;
  int64_t rows;  // extent of N
  int64_t width; // elements per row
  int64_t elementBytes;
};

/// The last byte a tensor of `s` can touch.
CUdeviceptr lastByte(const Span &s, int64_t batch, int64_t heads) {
  const DeviceTensor &t = *s.tensor;
  int64_t last = (batch - 1) * t.strideB + (heads - 1) * t.strideH +
                 (s.rows - 1) * t.strideN + (s.width - 1);
  return reinterpret_cast<CUdeviceptr>(t.data) +
         CUdeviceptr(last * s.elementBytes + s.elementBytes - 1);
}

/// The device of the memory at `ptr`: its ordinal, -1 for managed memory
/// (any device may use it), or an error.
std::string deviceOf(const Driver &d, const char *name, CUdeviceptr ptr,
                     bool end, int &device) {
  unsigned type = 0;
  if (d.pointerGetAttribute(&type, kPointerMemoryType, ptr) != kSuccess) {
    if (end)
      return std::string(name) +
             " reaches past the end of its device allocation (its shape and "
             "strides address memory the allocation does not hold)";
    return std::string(name) +
           " is not CUDA device memory (a host pointer?): a CUDA kernel "
           "needs tensors allocated on the GPU";
  }
  if (type == kMemoryHost)
    return std::string(name) +
           " is page-locked host memory: a CUDA kernel needs tensors "
           "allocated on the GPU";
  unsigned managed = 0;
  if (d.pointerGetAttribute(&managed, kPointerIsManaged, ptr) == kSuccess &&
      managed) {
    device = -1;
    return "";
  }
  if (d.pointerGetAttribute(&device, kPointerDeviceOrdinal, ptr) != kSuccess)
    return std::string(name) + ": the driver cannot tell its device";
  return "";
}

/// Sets `rows` x `width` elements of every (b, h) of `t` to `value` with
/// 2-D memsets. Dimensions whose strides chain (H rows right after one
/// another, or heads interleaved row by row) merge into one memset, so a
/// dense or head-interleaved tensor takes a single call.
std::string fillRows(const Driver &d, const DeviceTensor &t,
                     int64_t elementBytes, int64_t width, int64_t batch,
                     int64_t heads, int64_t rows, unsigned value,
                     CUstream stream) {
  struct Dim {
    int64_t extent, stride;
  };
  std::vector<Dim> dims;
  for (Dim dim :
       {Dim{batch, t.strideB}, Dim{heads, t.strideH}, Dim{rows, t.strideN}})
    if (dim.extent > 1)
      dims.push_back(dim);
  std::sort(dims.begin(), dims.end(),
            [](Dim a, Dim b) { return a.stride < b.stride; });
  std::vector<Dim> merged;
  for (Dim dim : dims)
    if (!merged.empty() &&
        merged.back().stride * merged.back().extent == dim.stride)
      merged.back().extent *= dim.extent;
    else
      merged.push_back(dim);
  Dim inner = merged.empty() ? Dim{1, width} : merged.front();
  std::vector<Dim> outer(merged.begin() + (merged.empty() ? 0 : 1),
                         merged.end());
  while (outer.size() < 2)
    outer.push_back({1, 0});
  auto base = reinterpret_cast<CUdeviceptr>(t.data);
  for (int64_t i = 0; i < outer[0].extent; ++i)
    for (int64_t j = 0; j < outer[1].extent; ++j) {
      CUdeviceptr ptr =
          base + CUdeviceptr((i * outer[0].stride + j * outer[1].stride) *
                             elementBytes);
      size_t pitch = size_t(inner.stride * elementBytes);
      CUresult r =
          elementBytes == 2
              ? d.memsetD2D16Async(ptr, pitch, (unsigned short)value,
                                   size_t(width), size_t(inner.extent), stream)
              : d.memsetD2D32Async(ptr, pitch, value, size_t(width),
                                   size_t(inner.extent), stream);
      if (r != kSuccess)
        return d.error("clearing the rows no part writes (cuMemsetD2D)", r);
    }
  return "";
}

} // namespace

std::string Attention::load(const Driver &d, CUcontext ctx, CUdevice device,
                            const Loaded *&out) const {
  std::lock_guard<std::mutex> lock(mutex);
  auto it = modules.find(ctx);
  if (it != modules.end()) {
    out = &it->second;
    return "";
  }
  int maxShared = 0;
  d.deviceGetAttribute(&maxShared, kAttrMaxSharedOptin, device);
  Loaded loaded;
  if (CUresult r = d.moduleLoadData(&loaded.module, image.c_str());
      r != kSuccess)
    return d.error(
        ("loading the kernels of '" + meta.name + "' (cuModuleLoadData)")
            .c_str(),
        r);
  std::string error;
  for (const PartMetadata &part : meta.parts) {
    CUfunction fn = nullptr;
    if (part.sharedBytes > maxShared)
      error = "kernel '" + part.symbol + "' needs " +
              std::to_string(part.sharedBytes) +
              " bytes of shared memory; device " + std::to_string(device) +
              " gives a block at most " + std::to_string(maxShared) +
              " (compile with smaller --block tiles)";
    else if (CUresult r =
                 d.moduleGetFunction(&fn, loaded.module, part.symbol.c_str());
             r != kSuccess)
      error = d.error(("finding kernel '" + part.symbol + "'").c_str(), r);
    else if (CUresult r = d.funcSetAttribute(fn, kFuncMaxDynamicShared,
                                             int(part.sharedBytes));
             r != kSuccess)
      error = d.error("cuFuncSetAttribute", r);
    if (!error.empty()) {
      d.moduleUnload(loaded.module);
      return error;
    }
    loaded.functions.push_back(fn);
  }
  out = &modules.emplace(ctx, std::move(loaded)).first->second;
  return "";
}

std::string Attention::run(const Problem &p) const {
  if (queryTiles.size() != meta.parts.size() ||
      std::count(queryTiles.begin(), queryTiles.end(), nullptr))
    return "'" + meta.name + "' lacks the host code of its grid";
  std::string why;
  const Driver *dp = driver(why);
  if (!dp)
    return why;
  const Driver &d = *dp;

  // Every tensor: device memory from its first to its last byte, all on
  // one device (managed memory goes anywhere).
  const int64_t D = p.headDim;
  std::vector<Span> spans{{"q", &p.q, p.seqQ, D, 2},
                          {"k", &p.k, p.seqK, D, 2},
                          {"v", &p.v, p.seqK, D, 2},
                          {"out", &p.o, p.seqQ, D, 2}};
  if (p.lse.data)
    spans.push_back({"lse", &p.lse, p.seqQ, 1, 4});
  int device = -1;
  std::string deviceOwner;
  for (const Span &s : spans) {
    int64_t heads =
        (s.tensor == &p.k || s.tensor == &p.v) ? p.headsKV : p.headsQ;
    int first = -1, last = -1;
    CUdeviceptr begin = reinterpret_cast<CUdeviceptr>(s.tensor->data);
    if (std::string e = deviceOf(d, s.name, begin, false, first); !e.empty())
      return e;
    if (std::string e =
            deviceOf(d, s.name, lastByte(s, p.batch, heads), true, last);
        !e.empty())
      return e;
    if (first != last)
      return std::string(s.name) + " spans memory of two devices";
    if (first < 0)
      continue;
    if (device >= 0 && first != device)
      return std::string(s.name) + " is on device " + std::to_string(first) +
             ", " + deviceOwner + " on device " + std::to_string(device) +
             ": every tensor must be on one device";
    device = first;
    deviceOwner = s.name;
  }
  if (device < 0)
    device = 0;

  // The stream's context, or the device's primary context.
  CUcontext ctx = nullptr;
  if (p.stream) {
    if (CUresult r = d.streamGetCtx(p.stream, &ctx); r != kSuccess)
      return d.error("reading the stream's context (cuStreamGetCtx)", r);
  } else {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = primaryContexts.find(device);
    if (it == primaryContexts.end()) {
      if (CUresult r = d.primaryCtxRetain(&ctx, device); r != kSuccess)
        return d.error("cuDevicePrimaryCtxRetain", r);
      it = primaryContexts.emplace(device, ctx).first;
    }
    ctx = it->second;
  }
  ContextScope scope(d, ctx);
  if (!scope.ok())
    return "cannot make the CUDA context of device " + std::to_string(device) +
           " current";
  CUdevice ctxDevice = 0;
  if (d.ctxGetDevice(&ctxDevice) == kSuccess && ctxDevice != device)
    return "the stream belongs to device " + std::to_string(ctxDevice) +
           ", the tensors to device " + std::to_string(device);
  std::string arch = deviceArch(d, device);
  if (!imageRunsOn(meta.chip, meta.imageFormat, arch)) {
    char name[128] = {0};
    d.deviceGetName(name, sizeof(name) - 1, device);
    return "'" + meta.name + "' was compiled for " + meta.chip + " (" +
           (meta.imageFormat == "bin" ? "cubin" : "PTX") + "), which device " +
           std::to_string(device) + " (" + name + ", " + arch +
           ") cannot run: compile it with --cuda-arch=" + arch;
  }
  const Loaded *loaded = nullptr;
  if (std::string e = load(d, ctx, device, loaded); !e.empty())
    return e;

  // Grid limits: y = Hq, z = B.
  if (p.headsQ > 65535 || p.batch > 65535)
    return "batch " + std::to_string(p.batch) + " and query heads " +
           std::to_string(p.headsQ) +
           " must each be at most 65535 (the kernels' grid)";

  std::array<int64_t, kNumFixedArgs> args{};
  args[kBatch] = p.batch;
  args[kHeadsQ] = p.headsQ;
  args[kHeadsKV] = p.headsKV;
  args[kSeqQ] = p.seqQ;
  args[kSeqK] = p.seqK;
  auto strides = [&](const DeviceTensor &t, int at) {
    args[at] = t.strideB;
    args[at + 1] = t.strideH;
    args[at + 2] = t.strideN;
  };
  strides(p.q, kQStrideB);
  strides(p.k, kKStrideB);
  strides(p.v, kVStrideB);
  strides(p.o, kOStrideB);
  DeviceTensor lse = p.lse;
  args[kHasLse] = lse.data ? 1 : 0;
  const bool merging = meta.parts.size() > 1 || !meta.parts[0].coversAllQueries;
  CUdeviceptr scratch = 0;
  if (merging && !lse.data) {
    // The parts meet in O and a stream-ordered scratch LSE [B, Hq, Nq].
    size_t bytes = size_t(p.batch * p.headsQ * p.seqQ) * sizeof(float);
    if (CUresult r = d.memAllocAsync(&scratch, bytes, p.stream); r != kSuccess)
      return d.error("allocating the scratch LSE (cuMemAllocAsync)", r);
    lse = {reinterpret_cast<void *>(scratch), p.headsQ * p.seqQ, p.seqQ, 1};
  }
  if (merging)
    args[kHasLse] = 1;
  strides(lse, kLseStrideB);
  std::string error;
  if (merging && !meta.parts[0].coversAllQueries) {
    // Rows no part writes are O = 0, LSE = -inf.
    error = fillRows(d, p.o, 2, D, p.batch, p.headsQ, p.seqQ, 0, p.stream);
    if (error.empty())
      error = fillRows(d, lse, 4, 1, p.batch, p.headsQ, p.seqQ, 0xff800000u,
                       p.stream);
  }
  float scale = p.scale > 0 ? p.scale : 1.0f / std::sqrt(float(D));
  void *ptrs[5] = {p.q.data, p.k.data, p.v.data, p.o.data, lse.data};
  std::vector<int64_t> params = p.params;
  // The argument block as host code reads it: fixed values, parameters.
  std::vector<int64_t> block(args.begin(), args.end());
  block.insert(block.end(), params.begin(), params.end());
  for (size_t i = 0; i < meta.parts.size() && error.empty(); ++i) {
    const PartMetadata &part = meta.parts[i];
    args[kMerge] = (i > 0 || !part.coversAllQueries) ? 1 : 0;
    int64_t tiles = callArgsFunction(queryTiles[i], block.data());
    if (tiles == 0)
      continue;
    if (tiles > INT32_MAX) {
      error = "query length " + std::to_string(p.seqQ) +
              " needs more query tiles than a CUDA grid holds";
      break;
    }
    std::vector<void *> kernelArgs;
    for (void *&ptr : ptrs)
      kernelArgs.push_back(&ptr);
    kernelArgs.push_back(&scale);
    for (int64_t &a : args)
      kernelArgs.push_back(&a);
    for (int64_t &v : params)
      kernelArgs.push_back(&v);
    if (CUresult r = d.launchKernel(
            loaded->functions[i], unsigned(tiles), unsigned(p.headsQ),
            unsigned(p.batch), unsigned(part.threads), 1, 1,
            unsigned(part.sharedBytes), p.stream, kernelArgs.data(), nullptr);
        r != kSuccess)
      error = d.error(("launching '" + part.symbol + "'").c_str(), r);
  }
  if (scratch)
    if (CUresult r = d.memFreeAsync(scratch, p.stream);
        r != kSuccess && error.empty())
      error = d.error("freeing the scratch LSE (cuMemFreeAsync)", r);
  return error;
}
