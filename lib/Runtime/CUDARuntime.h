//===- CUDARuntime.h - run compiled CUDA attention kernels ------*- C++ -*-===//
//
// The host side of the CUDA kernels, MLIR-free and linked against nothing
// but libdl: the CUDA driver is opened with dlopen("libcuda.so.1") at first
// use, so a machine without a GPU loads this library and gets the error
// "no CUDA device" instead of a loader failure. It loads an image (cubin or
// PTX) with cuModuleLoadData, computes each part's grid from its query map,
// runs the parts of one attention in order (the later ones merging into O /
// LSE through the log-sum-exp, kMerge of CUDAKernelABI.h) and launches with
// cuLaunchKernel on the caller's stream. A C API (below) serves ctypes and
// other languages.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_RUNTIME_CUDARUNTIME_H
#define SPARSA_LIB_RUNTIME_CUDARUNTIME_H

#include "lib/Runtime/CUDAKernelABI.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sparsa::runtime::cuda {

/// Query token map kinds, as in #sattn.token_map.
enum class MapKind : int {
  identity = 0,
  residue = 1,
  summaryGather = 2,
  memberGather = 3
};

/// What the launch of one kernel needs (from the compiler's metadata).
struct PartInfo {
  std::string kernel;
  int64_t blockQ = 0, threads = 0, sharedBytes = 0;
  MapKind mapKind = MapKind::identity;
  int64_t period = 1, count = 0;
  std::vector<int64_t> members;
  bool coversAllQueries = true;
};

/// Number of positions of the query space for `n` queries (an upper bound
/// for member gathers; the kernel skips tiles past the exact count).
int64_t querySpaceBound(const PartInfo &part, int64_t n);

} // namespace sparsa::runtime::cuda

extern "C" {
/// The last error message of this thread ("" if none).
const char *sparsa_cuda_last_error(void);
/// 0 when the driver opens and device 0 is usable, else -1 with the reason
/// in sparsa_cuda_last_error ("no CUDA device..." without a driver or a
/// device).
int sparsa_cuda_probe(void);
/// Loads an image; null on error (see sparsa_cuda_last_error).
void *sparsa_cuda_load(const void *image, size_t size);
/// Appends one part (kernel) of the attention; 0 on success.
int sparsa_cuda_add_part(void *handle, const char *kernel, int64_t blockQ,
                         int64_t threads, int64_t sharedBytes, int mapKind,
                         int64_t period, int64_t count, const int64_t *members,
                         int64_t numMembers, int coversAllQueries);
/// Runs all parts. `args` holds kNumFixedArgs values (kMerge is ignored);
/// `lse` may be null when args[kHasLse] is 0. 0 on success.
int sparsa_cuda_run(void *handle, void *q, void *k, void *v, void *o, void *lse,
                    float scale, const int64_t *args, const int64_t *params,
                    int64_t numParams, void *stream);
void sparsa_cuda_unload(void *handle);
}

#endif // SPARSA_LIB_RUNTIME_CUDARUNTIME_H
