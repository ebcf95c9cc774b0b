//===- KernelABI.h - calling convention of generated CPU kernels -*- C++
//-*-===//
//
// The plain C ABI of every CPU attention kernel the compiler emits, shared by
// the code generator (which reads the argument block), the runtime (which
// fills it) and the generated C header. MLIR-free on purpose: it is part of
// libsparsa_runtime.
//
//   void NAME(const float *q, const float *k, const float *v, float *o,
//             float *lse, const int64_t *args, float scale,
//             int64_t begin, int64_t end);
//   int64_t NAME_work_items(const int64_t *args);
//
// `args` holds kNumFixedArgs int64 values (below) followed by the kernel's
// runtime parameters in declaration order. Strides are in elements; the
// head dimension D is always contiguous (stride 1). A work item is one
// (batch, query head, query tile); NAME processes items [begin, end) in the
// order w = (b * Hq + h) * numQueryTiles + qt, so ranges can be split over
// threads freely. `lse` may be null when args[kHasLse] is 0.
//
// With args[kMerge] = 1 (which needs an LSE) a kernel does not overwrite O
// and LSE but merges its result into them through the log-sum-exp, row by
// row, in place: the parts of a layout plan run one after another into the
// same output with no temporary buffer. Rows the kernel never stores, or
// where it allows no key, are left as they are; rows whose LSE is -inf are
// overwritten without reading O (it may hold anything).
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_RUNTIME_KERNELABI_H
#define SPARSA_LIB_RUNTIME_KERNELABI_H

#include <cstdint>

namespace sparsa::runtime {

/// Positions in the int64 argument block of a kernel call.
enum KernelArg : int64_t {
  kBatch = 0,
  kHeadsQ = 1,
  kHeadsKV = 2,
  kSeqQ = 3,
  kSeqK = 4,
  kQStrideB = 5,
  kQStrideH = 6,
  kQStrideN = 7,
  kKStrideB = 8,
  kKStrideH = 9,
  kKStrideN = 10,
  kVStrideB = 11,
  kVStrideH = 12,
  kVStrideN = 13,
  kOStrideB = 14,
  kOStrideH = 15,
  kOStrideN = 16,
  kLseStrideB = 17,
  kLseStrideH = 18,
  kLseStrideN = 19,
  kHasLse = 20,
  kMerge = 21,
  kNumFixedArgs = 22
};

using KernelFn = void (*)(const float *q, const float *k, const float *v,
                          float *o, float *lse, const int64_t *args,
                          float scale, int64_t begin, int64_t end);
using WorkItemsFn = int64_t (*)(const int64_t *args);

/// Suffix of the companion function that counts work items.
inline constexpr const char *kWorkItemsSuffix = "_work_items";

/// Backward (docs/backward.md): every kernel part has
///   void NAME_backward(const float *q, const float *k, const float *v,
///                      const float *dO, const float *lse,
///                      const float *delta, float *dq, float *dk, float *dv,
///                      const int64_t *args, float scale, int64_t begin,
///                      int64_t end);
///   int64_t NAME_backward_work_items(const int64_t *args);
/// with the forward's argument block followed, after the runtime
/// parameters, by the strides (B, H, N) of dO, dQ, dK, dV and delta
/// (BackwardArg). `lse` is the forward's (its strides in the block),
/// `delta` = rowsum(dO * O), both [B, Hq, Nq]. A query-major part adds dQ
/// (work item (b, query head, query tile)); a key-major part adds dK and
/// dV (work item (b, key/value head, key tile), summing the group's query
/// heads). Outputs a part does not compute are not touched; the runtime
/// zeroes dQ, dK and dV before the first part.
inline constexpr const char *kBackwardSuffix = "_backward";
/// The module attribute in which the backward lowering records each
/// attention's backward parts: NAME = {dq = [...], dkdv = [...]} (kernel
/// names, without kBackwardSuffix).
inline constexpr const char *kBackwardAttrName = "sparsa.backward";
/// Positions after the runtime parameters (args[kNumFixedArgs +
/// numParams + i]) of a backward call's argument block.
enum BackwardArg : int64_t {
  kDOStrideB = 0,
  kDOStrideH = 1,
  kDOStrideN = 2,
  kDQStrideB = 3,
  kDQStrideH = 4,
  kDQStrideN = 5,
  kDKStrideB = 6,
  kDKStrideH = 7,
  kDKStrideN = 8,
  kDVStrideB = 9,
  kDVStrideH = 10,
  kDVStrideN = 11,
  kDeltaStrideB = 12,
  kDeltaStrideH = 13,
  kDeltaStrideN = 14,
  kNumBackwardArgs = 15
};
using BackwardFn = void (*)(const float *q, const float *k, const float *v,
                            const float *dO, const float *lse,
                            const float *delta, float *dq, float *dk, float *dv,
                            const int64_t *args, float scale, int64_t begin,
                            int64_t end);

/// `int64_t NAME_check_params(const int64_t *args)`: -1 when the runtime
/// parameters and the sequence lengths of the argument block `args` (the
/// kernels' own, kNumFixedArgs values then the parameters) satisfy every
/// constraint of the pattern, else the index of the first violated one.
/// The constraints are those of the leaves' parameters (a stride's period
/// positive, a window non-negative, ...) and of the arithmetic that
/// computes them from the parameters and the lengths (no overflow, no
/// division by zero), so no kernel ever divides by zero or wraps around.
/// The messages are in the `sparsa.param_check` attribute and the
/// library's metadata. Generated for patterns whose leaves take a runtime
/// value (a runtime parameter or one derived from N).
inline constexpr const char *kParamCheckSuffix = "_check_params";
inline constexpr const char *kParamCheckAttrName = "sparsa.param_check";
using ParamCheckFn = int64_t (*)(const int64_t *args);

/// Calls into generated code go through these. UBSan's function-type check
/// (-fsanitize=function, in the sanitizer builds) reads a type signature
/// from the 8 bytes before an indirect callee; generated code has none, and
/// for a JIT function at the start of a freshly mapped page that read
/// faults (it did in ScheduleExecutionTest's harness). GCC has no such
/// check (and warns about the attribute), so the runtime built with g++ on
/// a GPU host gets none.
#if defined(__clang__)
#define SPARSA_CALLS_GENERATED_CODE __attribute__((no_sanitize("function")))
#else
#define SPARSA_CALLS_GENERATED_CODE
#endif
SPARSA_CALLS_GENERATED_CODE inline void
callKernel(KernelFn fn, const float *q, const float *k, const float *v,
           float *o, float *lse, const int64_t *args, float scale,
           int64_t begin, int64_t end) {
  fn(q, k, v, o, lse, args, scale, begin, end);
}
SPARSA_CALLS_GENERATED_CODE inline void
callBackward(BackwardFn fn, const float *q, const float *k, const float *v,
             const float *dO, const float *lse, const float *delta, float *dq,
             float *dk, float *dv, const int64_t *args, float scale,
             int64_t begin, int64_t end) {
  fn(q, k, v, dO, lse, delta, dq, dk, dv, args, scale, begin, end);
}
SPARSA_CALLS_GENERATED_CODE inline int64_t
callArgsFunction(int64_t (*fn)(const int64_t *), const int64_t *args) {
  return fn(args);
}

/// The longest sequence (Nq or Nk) a kernel accepts. Leaf parameters are
/// clamped to +-kParamClamp inside the kernels (lib/Analysis/MaskNormalForm),
/// which changes no mask on sequences this long and keeps every index
/// computation of the kernels far from int64 overflow.
inline constexpr int64_t kMaxSequenceLength = int64_t(1) << 40;
inline constexpr int64_t kParamClamp = int64_t(1) << 42;

} // namespace sparsa::runtime

#endif // SPARSA_LIB_RUNTIME_KERNELABI_H
