//===- RunAttention.h - run a compiled CPU kernel on tensors ----*- C++ -*-===//
//
// The host side of a CPU kernel call: validates shapes and strides, fills the
// argument block of lib/Runtime/KernelABI.h and splits the work items over a
// thread pool. MLIR-free (libsparsa_runtime).
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_RUNTIME_RUNATTENTION_H
#define SPARSA_LIB_RUNTIME_RUNATTENTION_H

#include "lib/Runtime/KernelABI.h"
#include "lib/Runtime/ThreadPool.h"

#include <cstdint>
#include <string>
#include <vector>

namespace sparsa::runtime {

/// An fp32 tensor [B, H, N, D] (or [B, H, N] for LSE) with element strides
/// of its B, H and N dimensions; D is contiguous.
struct TensorRef {
  float *data = nullptr;
  int64_t strideB = 0, strideH = 0, strideN = 0;
};

struct AttentionProblem {
  int64_t batch = 1, headsQ = 1, headsKV = 1, seqQ = 0, seqK = 0, headDim = 0;
  TensorRef q, k, v, o;
  TensorRef lse;   // data may be null: no LSE output
  float scale = 0; // 0 = 1/sqrt(headDim)
  std::vector<int64_t> params;
  /// Merge into O and LSE (which must be given) through the log-sum-exp
  /// instead of overwriting them (args[kMerge]).
  bool merge = false;
};

/// A compiled kernel: entry point, work-item counter and what it was
/// compiled for.
struct CompiledKernel {
  KernelFn entry = nullptr;
  WorkItemsFn workItems = nullptr;
  int64_t headDim = 0;
  int64_t numParams = 0;
  /// False when the kernel's query map gathers a subset of the queries: the
  /// other rows are then set to O = 0, LSE = -inf before the call.
  bool coversAllQueries = true;
};

/// Sets every row of O to 0 and of LSE (if any) to -inf.
void clearOutputs(const AttentionProblem &p, ThreadPool &pool);

/// Dense row-major strides for a [B, H, N, D] tensor.
TensorRef denseTensor(float *data, int64_t heads, int64_t seq, int64_t dim);

/// Checks `p` against `kernel`; an empty string when it can run.
std::string validate(const CompiledKernel &kernel, const AttentionProblem &p);

/// The int64 argument block of a call.
std::vector<int64_t> packArguments(const AttentionProblem &p);

/// Runs the generated check of an attention's runtime values (KernelABI.h,
/// kParamCheckSuffix; null for patterns whose leaves take none) on the
/// argument block of `p`: its sequence lengths and parameters, named
/// `paramNames` in messages. Returns "" when every rule holds, else the
/// first failing rule (from `rules`) with the values it was given. Every
/// caller runs it before the kernels: they divide by these values.
std::string checkParameters(ParamCheckFn check,
                            const std::vector<std::string> &rules,
                            const std::vector<std::string> &paramNames,
                            const AttentionProblem &p);

/// Runs the kernel over all work items on `pool`. Returns an error message,
/// empty on success.
std::string runAttention(const CompiledKernel &kernel,
                         const AttentionProblem &p, ThreadPool &pool);

/// Runs the parts of one attention (disjoint allowed pairs whose union is
/// the mask) and merges their softmax states through the log-sum-exp:
/// O = sum_i e^(lse_i - lse) O_i, lse = log sum_i e^(lse_i). The first
/// part writes O and LSE, each later one merges into them in place (no
/// O-sized scratch); without a caller's LSE a B * Hq * Nq scratch LSE is
/// used.
std::string runAttentionParts(const std::vector<CompiledKernel> &parts,
                              const AttentionProblem &p, ThreadPool &pool);

/// A compiled backward part (KernelABI.h, kBackwardSuffix): adds dQ
/// (query-major) or dK and dV (key-major).
struct CompiledBackward {
  BackwardFn entry = nullptr;
  WorkItemsFn workItems = nullptr;
};

/// The backward kernels of one attention: the query-major parts (dQ) and
/// the key-major parts (dK, dV).
struct BackwardKernels {
  std::vector<CompiledBackward> dq, dkdv;
};

/// The gradients of L = <dO, O> with O the forward output of `forward`
/// (whose O and LSE must hold the forward's result): dO given, dQ, dK and
/// dV written, each with its own strides ([B, Hq, Nq, D] for dO and dQ,
/// [B, Hkv, Nk, D] for dK and dV).
struct BackwardProblem {
  AttentionProblem forward;
  TensorRef dO, dq, dk, dv;
};

/// The argument block of a backward call: the forward's, then the
/// strides of dO, dQ, dK, dV and `delta` (BackwardArg).
std::vector<int64_t> packBackwardArguments(const BackwardProblem &p,
                                           const TensorRef &delta);

/// Runs the backward pass: delta = rowsum(dO * O) into a scratch, zeroes
/// dQ, dK and dV, then runs the dQ parts and the dK / dV parts over all
/// work items on `pool`. The result does not depend on the thread count.
/// Returns an error message, empty on success.
std::string runBackward(const BackwardKernels &kernels,
                        const BackwardProblem &p, ThreadPool &pool);

} // namespace sparsa::runtime

#endif // SPARSA_LIB_RUNTIME_RUNATTENTION_H
