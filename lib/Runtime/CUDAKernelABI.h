//===- CUDAKernelABI.h - calling convention of generated CUDA kernels -*- C++ -*-===//
//
// The parameters of every CUDA attention kernel convert-sattn-to-gpu emits,
// shared by the code generator, the driver-API runtime and the emitted
// launch metadata. MLIR-free on purpose (libsparsa_runtime).
//
//   kernel NAME(T *q, T *k, T *v, T *o, float *lse, float scale,
//               int64 args[kNumFixedArgs], int64 params[num_params])
//
// T is bf16 or f16; every int64 is passed by value, in the order of
// KernelArg, then the runtime parameters in declaration order. Strides are
// in elements, D is contiguous, and rows must be 16-byte aligned (strides
// multiples of 8). Grid: (query tiles, Hq, B); block: (32 * block_q / 16).
// With args[kMerge] != 0 the kernel merges its result into the O and LSE
// already in memory through the log-sum-exp (how several disjoint parts of
// one attention combine); LSE must then be given.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_RUNTIME_CUDAKERNELABI_H
#define SPARSA_LIB_RUNTIME_CUDAKERNELABI_H

#include <cstdint>

namespace sparsa::runtime::cuda {

/// Positions of the int64 kernel parameters after `scale`.
enum KernelArg : int64_t {
  kBatch = 0,
  kHeadsQ = 1,
  kHeadsKV = 2,
  kSeqQ = 3,
  kSeqK = 4,
  kQStrideB = 5, kQStrideH = 6, kQStrideN = 7,
  kKStrideB = 8, kKStrideH = 9, kKStrideN = 10,
  kVStrideB = 11, kVStrideH = 12, kVStrideN = 13,
  kOStrideB = 14, kOStrideH = 15, kOStrideN = 16,
  kLseStrideB = 17, kLseStrideH = 18, kLseStrideN = 19,
  kHasLse = 20,
  kMerge = 21,
  kNumFixedArgs = 22
};

/// Number of pointer parameters before `scale`.
inline constexpr int kNumPointerArgs = 5;

} // namespace sparsa::runtime::cuda

#endif // SPARSA_LIB_RUNTIME_CUDAKERNELABI_H
