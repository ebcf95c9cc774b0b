//===- CUDARuntime.cpp - driver-API launcher of CUDA attention kernels ----===//
//
// See CUDARuntime.h. The driver entry points are looked up by name; their
// prototypes are declared here with plain C types so no CUDA header is
// needed to build this file.
//
//===----------------------------------------------------------------------===//

#include "lib/Runtime/CUDARuntime.h"

#include <dlfcn.h>

#include <cstring>
#include <memory>

using namespace sparsa::runtime;

namespace {
using CUresult = int;
using CUdeviceptr = unsigned long long;
struct Driver {
  CUresult (*init)(unsigned);
  CUresult (*deviceGetCount)(int *);
  CUresult (*deviceGet)(int *, int);
  CUresult (*primaryCtxRetain)(void **, int);
  CUresult (*ctxSetCurrent)(void *);
  CUresult (*moduleLoadData)(void **, const void *);
  CUresult (*moduleUnload)(void *);
  CUresult (*moduleGetFunction)(void **, void *, const char *);
  CUresult (*funcSetAttribute)(void *, int, int);
  CUresult (*launchKernel)(void *, unsigned, unsigned, unsigned, unsigned,
                           unsigned, unsigned, unsigned, void *, void **,
                           void **);
  CUresult (*memAlloc)(CUdeviceptr *, size_t);
  CUresult (*memFree)(CUdeviceptr);
  CUresult (*memsetD16Async)(CUdeviceptr, unsigned short, size_t, void *);
  CUresult (*memsetD32Async)(CUdeviceptr, unsigned, size_t, void *);
  CUresult (*getErrorString)(CUresult, const char **);
};

thread_local std::string lastError;

bool setError(const std::string &message) {
  lastError = message;
  return false;
}

/// Opens the driver once; null (and lastError) when there is none.
Driver *driver() {
  static Driver d;
  static int state = 0; // 0 unknown, 1 ok, -1 failed
  static std::string failure;
  if (state == 0) {
    state = -1;
    void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      failure = "no CUDA device: cannot open libcuda.so.1";
    } else {
      bool ok = true;
      auto sym = [&](auto &fn, const char *name) {
        fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(
            dlsym(lib, name));
        ok = ok && fn;
      };
      sym(d.init, "cuInit");
      sym(d.deviceGetCount, "cuDeviceGetCount");
      sym(d.deviceGet, "cuDeviceGet");
      sym(d.primaryCtxRetain, "cuDevicePrimaryCtxRetain");
      sym(d.ctxSetCurrent, "cuCtxSetCurrent");
      sym(d.moduleLoadData, "cuModuleLoadData");
      sym(d.moduleUnload, "cuModuleUnload");
      sym(d.moduleGetFunction, "cuModuleGetFunction");
      sym(d.funcSetAttribute, "cuFuncSetAttribute");
      sym(d.launchKernel, "cuLaunchKernel");
      sym(d.memAlloc, "cuMemAlloc_v2");
      sym(d.memFree, "cuMemFree_v2");
      sym(d.memsetD16Async, "cuMemsetD16Async");
      sym(d.memsetD32Async, "cuMemsetD32Async");
      sym(d.getErrorString, "cuGetErrorString");
      int count = 0;
      void *ctx = nullptr;
      int dev = 0;
      if (!ok)
        failure = "no CUDA device: libcuda.so.1 lacks driver entry points";
      else if (d.init(0) != 0 || d.deviceGetCount(&count) != 0 || count == 0)
        failure = "no CUDA device";
      else if (d.deviceGet(&dev, 0) != 0 ||
               d.primaryCtxRetain(&ctx, dev) != 0 || d.ctxSetCurrent(ctx) != 0)
        failure = "cannot make the primary context of device 0 current";
      else
        state = 1;
    }
  }
  if (state != 1) {
    setError(failure);
    return nullptr;
  }
  return &d;
}

bool check(Driver *d, CUresult r, const char *what) {
  if (r == 0)
    return true;
  const char *text = nullptr;
  d->getErrorString(r, &text);
  return setError(std::string(what) +
                  " failed: " + (text ? text : std::to_string(r)));
}

struct Part {
  PartMetadata info;
  void *function = nullptr;
};

struct Loaded {
  AttentionMetadata meta;
  void *module = nullptr;
  std::vector<Part> parts;
  CUdeviceptr scratch = 0;
  size_t scratchBytes = 0;
};
} // namespace

extern "C" const char *sparsa_cuda_last_error(void) {
  return lastError.c_str();
}

extern "C" int sparsa_cuda_probe(void) { return driver() ? 0 : -1; }

extern "C" void *sparsa_cuda_load_attention(const void *image, size_t size,
                                            const char *metadata) {
  auto loaded = std::make_unique<Loaded>();
  std::string error;
  if (!parseAttentionMetadata(metadata ? metadata : "", loaded->meta, error,
                              "cuda")) {
    setError("invalid kernel metadata: " + error);
    return nullptr;
  }
  for (const PartMetadata &part : loaded->meta.parts)
    if (part.headDim != loaded->meta.parts[0].headDim ||
        part.params != loaded->meta.parts[0].params) {
      setError("invalid kernel metadata: parts of '" + loaded->meta.name +
               "' disagree on head dimension or parameters");
      return nullptr;
    }
  Driver *d = driver();
  if (!d)
    return nullptr;
  // PTX must be NUL-terminated for cuModuleLoadData.
  std::string copy(static_cast<const char *>(image), size);
  if (!check(d, d->moduleLoadData(&loaded->module, copy.c_str()),
             "cuModuleLoadData"))
    return nullptr;
  for (const PartMetadata &info : loaded->meta.parts) {
    Part part{info, nullptr};
    // CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES
    if (!check(d,
               d->moduleGetFunction(&part.function, loaded->module,
                                    info.symbol.c_str()),
               "cuModuleGetFunction") ||
        !check(d, d->funcSetAttribute(part.function, 8, int(info.sharedBytes)),
               "cuFuncSetAttribute")) {
      d->moduleUnload(loaded->module);
      return nullptr;
    }
    loaded->parts.push_back(std::move(part));
  }
  return loaded.release();
}

extern "C" int64_t sparsa_cuda_head_dim(void *handle) {
  return static_cast<Loaded *>(handle)->meta.parts.front().headDim;
}

extern "C" int64_t sparsa_cuda_num_params(void *handle) {
  return int64_t(
      static_cast<Loaded *>(handle)->meta.parts.front().params.size());
}

extern "C" int64_t sparsa_cuda_num_parts(void *handle) {
  return int64_t(static_cast<Loaded *>(handle)->meta.parts.size());
}

extern "C" int sparsa_cuda_part_tiles(void *handle, int64_t part,
                                      int64_t *blockQ, int64_t *blockK) {
  const auto &parts = static_cast<Loaded *>(handle)->meta.parts;
  if (part < 0 || part >= int64_t(parts.size()))
    return setError("no part " + std::to_string(part)), 1;
  *blockQ = parts[size_t(part)].blockQ;
  *blockK = parts[size_t(part)].blockK;
  return 0;
}

extern "C" int sparsa_cuda_run(void *handle, void *q, void *k, void *v, void *o,
                               void *lse, float scale, const int64_t *argsIn,
                               const int64_t *params, int64_t numParams,
                               void *stream) {
  Driver *d = driver();
  if (!d)
    return 1;
  auto *loaded = static_cast<Loaded *>(handle);
  if (loaded->parts.empty())
    return setError("the attention has no parts"), 1;
  int64_t args[kNumFixedArgs];
  std::memcpy(args, argsIn, sizeof(int64_t) * (kNumFixedArgs - 1));
  const int64_t batch = args[kBatch], heads = args[kHeadsQ], seqQ = args[kSeqQ];
  if (batch <= 0 || heads <= 0 || seqQ <= 0 || args[kSeqK] <= 0 ||
      args[kHeadsKV] <= 0 || heads % args[kHeadsKV] != 0)
    return setError("invalid shape: B, H, N must be positive and Hq a "
                    "multiple of Hkv"),
           1;
  const bool merging =
      loaded->parts.size() > 1 || !loaded->parts[0].info.coversAllQueries;
  CUdeviceptr lsePtr = reinterpret_cast<CUdeviceptr>(lse);
  if (merging && (!lse || !args[kHasLse])) {
    // The parts meet in O and a scratch LSE [B, H, N].
    size_t bytes = size_t(batch * heads * seqQ) * sizeof(float);
    if (bytes > loaded->scratchBytes) {
      if (loaded->scratch)
        d->memFree(loaded->scratch);
      loaded->scratch = 0;
      loaded->scratchBytes = 0;
      if (!check(d, d->memAlloc(&loaded->scratch, bytes), "cuMemAlloc"))
        return 1;
      loaded->scratchBytes = bytes;
    }
    lsePtr = loaded->scratch;
    args[kLseStrideB] = heads * seqQ;
    args[kLseStrideH] = seqQ;
    args[kLseStrideN] = 1;
  }
  if (merging && !loaded->parts[0].info.coversAllQueries) {
    // Rows no part writes are O = 0, LSE = -inf (dense O, LSE assumed).
    size_t rows = size_t(batch * heads * seqQ);
    if (!check(d,
               d->memsetD16Async(reinterpret_cast<CUdeviceptr>(o), 0,
                                 rows * size_t(args[kOStrideN]), stream),
               "cuMemsetD16Async") ||
        !check(d, d->memsetD32Async(lsePtr, 0xff800000u, rows, stream),
               "cuMemsetD32Async"))
      return 1;
  }
  for (size_t i = 0; i < loaded->parts.size(); ++i) {
    const Part &part = loaded->parts[i];
    args[kMerge] = (i > 0 || !part.info.coversAllQueries) ? 1 : 0;
    if (merging)
      args[kHasLse] = 1;
    int64_t tiles =
        (querySpaceBound(part.info.queryMap, part.info.blockQ, seqQ) +
         part.info.blockQ - 1) /
        part.info.blockQ;
    if (tiles == 0)
      continue;
    void *lseArg = reinterpret_cast<void *>(lsePtr);
    std::vector<void *> kernelArgs{&q, &k, &v, &o, &lseArg, &scale};
    for (int64_t a = 0; a < kNumFixedArgs; ++a)
      kernelArgs.push_back(&args[a]);
    std::vector<int64_t> paramCopy(params, params + numParams);
    for (int64_t &p : paramCopy)
      kernelArgs.push_back(&p);
    if (!check(d,
               d->launchKernel(part.function, unsigned(tiles), unsigned(heads),
                               unsigned(batch), unsigned(part.info.threads), 1,
                               1, unsigned(part.info.sharedBytes), stream,
                               kernelArgs.data(), nullptr),
               "cuLaunchKernel"))
      return 1;
  }
  return 0;
}

extern "C" void sparsa_cuda_unload(void *handle) {
  auto *loaded = static_cast<Loaded *>(handle);
  if (!loaded)
    return;
  if (Driver *d = driver()) {
    if (loaded->scratch)
      d->memFree(loaded->scratch);
    d->moduleUnload(loaded->module);
  }
  delete loaded;
}
