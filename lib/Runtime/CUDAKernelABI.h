//===- CUDAKernelABI.h - calling convention of generated CUDA kernels -*- C++
//-*-===//
//
// The parameters of every CUDA attention kernel convert-sattn-to-gpu emits,
// shared by the code generator, the driver-API runtime and the emitted
// launch metadata. MLIR-free on purpose (libsparsa_runtime).
//
//   kernel NAME(T *q, T *k, T *v, T *o, float *lse, float scale,
//               int64 args[kNumFixedArgs], int64 params[num_params])
//
// T is bf16 or f16; every int64 is passed by value, in the order of
// runtime::KernelArg (KernelABI.h), then the runtime parameters in
// declaration order. Strides are
// in elements, D is contiguous, and rows must be 16-byte aligned (strides
// multiples of 8). Grid: (query tiles, Hq, B); block: (32 * block_q / 16).
// With args[kMerge] != 0 the kernel merges its result into the O and LSE
// already in memory through the log-sum-exp (how several disjoint parts of
// one attention combine); LSE must then be given.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_RUNTIME_CUDAKERNELABI_H
#define SPARSA_LIB_RUNTIME_CUDAKERNELABI_H

#include "lib/Runtime/KernelABI.h"

namespace sparsa::runtime::cuda {

// The int64 parameters after `scale` are the CPU kernels' argument block:
// the positions are runtime::KernelArg (lib/Runtime/KernelABI.h), kMerge
// included, so one packing serves both targets.

/// Number of pointer parameters before `scale`.
inline constexpr int kNumPointerArgs = 5;

/// `int64_t KERNEL_query_tiles(const int64_t *args)`: host code beside
/// every CUDA kernel (in the library with the parameter check), the x
/// extent of its grid for the argument block `args`.
inline constexpr const char *kQueryTilesSuffix = "_query_tiles";
using QueryTilesFn = int64_t (*)(const int64_t *args);

} // namespace sparsa::runtime::cuda

#endif // SPARSA_LIB_RUNTIME_CUDAKERNELABI_H
