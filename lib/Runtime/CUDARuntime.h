//===- CUDARuntime.h - run compiled CUDA attention kernels ------*- C++ -*-===//
//
// The host side of the CUDA kernels, MLIR-free and linked against nothing
// but libdl: the CUDA driver is opened with dlopen("libcuda.so.1") at first
// use, so a machine without a GPU loads this library and gets the error
// "no CUDA device" instead of a loader failure. It reads an attention's
// kernel metadata (lib/Runtime/KernelMetadata.h, target cuda; the
// `metadata` text of PREFIX.json) with the strict parser, loads the image
// (cubin or PTX) with cuModuleLoadData, computes each part's grid from its
// query map (querySpaceBound of KernelMetadata.h),
// runs the parts of one attention in order (the later ones merging into O /
// LSE through the log-sum-exp, kMerge of CUDAKernelABI.h) and launches with
// cuLaunchKernel on the caller's stream. A C API (below) serves ctypes and
// other languages.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_RUNTIME_CUDARUNTIME_H
#define SPARSA_LIB_RUNTIME_CUDARUNTIME_H

#include "lib/Runtime/CUDAKernelABI.h"
#include "lib/Runtime/KernelMetadata.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

extern "C" {
/// The last error message of this thread ("" if none).
const char *sparsa_cuda_last_error(void);
/// 0 when the driver opens and device 0 is usable, else -1 with the reason
/// in sparsa_cuda_last_error ("no CUDA device..." without a driver or a
/// device).
int sparsa_cuda_probe(void);
/// Parses `metadata` (the text of one attention, target cuda) and loads
/// the image holding its parts; null on error (see sparsa_cuda_last_error:
/// metadata errors come first, so they show without a device too).
void *sparsa_cuda_load_attention(const void *image, size_t size,
                                 const char *metadata);
/// The head dimension and the number of runtime parameters of a loaded
/// attention.
int64_t sparsa_cuda_head_dim(void *handle);
int64_t sparsa_cuda_num_params(void *handle);
/// The number of parts, and the query and key tile sizes of part `part`
/// (0 on success, 1 when there is no such part).
int64_t sparsa_cuda_num_parts(void *handle);
int sparsa_cuda_part_tiles(void *handle, int64_t part, int64_t *blockQ,
                           int64_t *blockK);
/// Runs all parts. `args` holds kNumFixedArgs values (kMerge is ignored);
/// `lse` may be null when args[kHasLse] is 0. 0 on success.
int sparsa_cuda_run(void *handle, void *q, void *k, void *v, void *o, void *lse,
                    float scale, const int64_t *args, const int64_t *params,
                    int64_t numParams, void *stream);
void sparsa_cuda_unload(void *handle);
}

#endif // SPARSA_LIB_RUNTIME_CUDARUNTIME_H
