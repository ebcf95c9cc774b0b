//===- CUDAAttention.h - run a compiled CUDA attention ----------*- C++ -*-===//
//
// The host side of the CUDA kernels (ABI: lib/Runtime/CUDAKernelABI.h), in
// libsparsa_runtime: an Attention holds the device image (cubin or PTX) and
// the kernel metadata of one compiled attention, loads the image into a
// CUDA context the first time it runs there, checks what only the driver
// can check (that every tensor is device memory of one device, wholly
// inside mapped memory; that the device can run the image and give the
// kernels their shared memory; that the stream belongs to that device) and
// launches the parts in order on the caller's stream, the later ones
// merging into O / LSE through the log-sum-exp. Rows no part writes are
// cleared to O = 0, LSE = -inf first. Shapes, dtypes, strides, alignment,
// aliasing and runtime parameters are checked by the caller
// (sparsa::Kernel::run) before any of this.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_RUNTIME_CUDAATTENTION_H
#define SPARSA_LIB_RUNTIME_CUDAATTENTION_H

#include "lib/Runtime/CUDADriver.h"
#include "lib/Runtime/CUDAKernelABI.h"
#include "lib/Runtime/KernelMetadata.h"

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace sparsa::runtime::cuda {

/// Device memory [B, H, N, D] (or [B, H, N] for LSE): the pointer and the
/// element strides of B, H and N; D is contiguous.
struct DeviceTensor {
  void *data = nullptr;
  int64_t strideB = 0, strideH = 0, strideN = 0;
};

struct Problem {
  int64_t batch = 1, headsQ = 1, headsKV = 1, seqQ = 0, seqK = 0, headDim = 0;
  DeviceTensor q, k, v, o;
  DeviceTensor lse; // data may be null: no LSE output
  float scale = 0;  // 0 = 1/sqrt(headDim)
  std::vector<int64_t> params;
  CUstream stream = nullptr; // null: the legacy default stream
};

/// Each part's KERNEL_query_tiles as `lookup` (symbol -> address, null
/// when absent) finds it, in part order; `missing` names the first symbol
/// not found ("" when all are).
std::vector<QueryTilesFn>
findQueryTiles(const AttentionMetadata &meta,
               const std::function<void *(const std::string &)> &lookup,
               std::string &missing);

class Attention {
public:
  /// `meta` is verified metadata of target cuda whose parts agree on head
  /// dimension and parameters (at least one part); `image` the bytes of
  /// its cubin or PTX.
  /// `queryTiles` holds each part's KERNEL_query_tiles (host code of the
  /// library or the JIT), in the order of `meta.parts`.
  Attention(AttentionMetadata meta, std::string image,
            std::vector<QueryTilesFn> queryTiles);
  ~Attention();
  Attention(const Attention &) = delete;
  Attention &operator=(const Attention &) = delete;

  const AttentionMetadata &metadata() const { return meta; }

  /// Enqueues the attention on `p.stream`; "" on success, else why not
  /// (nothing was launched then). Thread-safe.
  std::string run(const Problem &p) const;

private:
  struct Loaded {
    CUmodule module = nullptr;
    std::vector<CUfunction> functions;
  };
  /// The image loaded into `ctx` (current), or an error.
  std::string load(const Driver &d, CUcontext ctx, CUdevice device,
                   const Loaded *&out) const;

  AttentionMetadata meta;
  std::string image; // NUL-terminated for PTX
  std::vector<QueryTilesFn> queryTiles;
  mutable std::mutex mutex;
  mutable std::map<CUcontext, Loaded> modules;
  mutable std::map<CUdevice, CUcontext> primaryContexts;
};

} // namespace sparsa::runtime::cuda

#endif // SPARSA_LIB_RUNTIME_CUDAATTENTION_H
