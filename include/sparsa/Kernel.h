//===- Kernel.h - a compiled attention kernel -------------------*- C++ -*-===//
//
// A Kernel is a cheap, copyable, thread-safe handle to compiled code for
// the CPU or a CUDA GPU: from the JIT (sparsa::Compiler, libsparsa) or from
// a shared library built by `sparsac --emit=so` (sparsa::loadKernel,
// libsparsa_runtime). run() checks every argument (devices, ranks, shapes,
// strides, dtypes, alignment, head counts, head dimension, runtime
// parameters; for CUDA kernels also that each tensor is device memory of
// one device) and reports a Status instead of touching memory it was not
// given. Runs from many threads at once are allowed.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_KERNEL_H
#define SPARSA_KERNEL_H

#include "sparsa/Export.h"
#include "sparsa/Result.h"
#include "sparsa/Tensor.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sparsa {

namespace detail {
struct KernelImpl;
struct KernelAccess;
} // namespace detail

/// What a kernel was compiled for.
struct KernelInfo {
  /// The pattern's name (entry points are NAME_partN).
  std::string name;
  /// "cpu" or "cuda".
  std::string target = "cpu";
  /// The element type of Q, K, V and O: F32 on the CPU, BF16 or F16 on a
  /// GPU (LSE is always F32).
  DType dtype = DType::F32;
  /// cuda: the GPU architecture of the image ("sm_90", ...).
  std::string cudaArch;
  int64_t headDim = 0;
  int64_t blockQ = 0, blockK = 0;
  /// Runtime parameters, in the order run() takes them by position.
  std::vector<std::string> params;
  /// Number of kernels whose results are merged (layout plan parts).
  int numParts = 0;
  /// True for kernels loaded from a shared library (no statistics).
  bool aheadOfTime = false;
  /// Compiled with its backward pass (CompileOptions::backward).
  bool backward = false;
};

/// Values of the runtime parameters: all by position (declaration order)
/// or all by name.
class Params {
public:
  Params() = default;
  static Params positional(std::vector<int64_t> values) {
    Params p;
    p.values_ = std::move(values);
    return p;
  }
  static Params named(std::vector<std::pair<std::string, int64_t>> values) {
    Params p;
    p.named_ = std::move(values);
    return p;
  }
  /// Adds a named value.
  Params &set(std::string name, int64_t value) {
    named_.emplace_back(std::move(name), value);
    return *this;
  }
  const std::vector<int64_t> &positionalValues() const { return values_; }
  const std::vector<std::pair<std::string, int64_t>> &namedValues() const {
    return named_;
  }

private:
  std::vector<int64_t> values_;
  std::vector<std::pair<std::string, int64_t>> named_;
};

struct RunOptions {
  /// The largest softmax scale run() accepts (larger ones, infinity and NaN
  /// are errors: the scaled scores would overflow to infinity).
  static constexpr float kMaxScale = 1e6f;
  /// The largest thread count run() accepts.
  static constexpr unsigned kMaxThreads = 1024;
  /// Softmax scale, 0 < scale <= kMaxScale; 0 means 1/sqrt(D).
  float scale = 0;
  /// CPU kernels: threads of the call, the caller included, at most
  /// kMaxThreads; 0 = all hardware threads.
  unsigned threads = 0;
  /// CUDA kernels: the CUstream to enqueue on (null: the legacy default
  /// stream). run() returns once the kernels are enqueued; the outputs are
  /// ready when the stream gets there, and a fault inside a kernel shows
  /// at the next synchronisation, as with any CUDA launch.
  void *stream = nullptr;
};

/// Tile statistics of one head.
struct TileCounts {
  int64_t full = 0, partial = 0, empty = 0;
  /// nnz / pairs inside visited (full or partial) tiles.
  double efficiency = 1.0;
};

/// Exact statistics of the pattern for given sequence lengths (closed form,
/// never an Nq x Nk scan).
struct HeadStats {
  int64_t head = 0;
  int64_t nnz = 0;    ///< allowed (q, k) pairs
  double density = 0; ///< nnz / (Nq * Nk)
  double flops = 0;   ///< 4 * D * nnz
  int64_t rowsEmpty = 0;
  TileCounts tiles;            ///< in the original token order
  TileCounts tilesAfterLayout; ///< after the layout plan's permutations
};
struct PatternStats {
  int64_t numQueries = 0, numKeys = 0, headDim = 0;
  int64_t blockQ = 0, blockK = 0;
  bool perHead = false;
  /// One entry per distinct head, or one entry for a head-independent mask.
  std::vector<HeadStats> heads;
  /// Sums over `heads`.
  HeadStats total;
};

class SPARSA_API Kernel {
public:
  /// An empty handle; valid() is false and every call fails cleanly.
  Kernel() = default;

  bool valid() const { return impl_ != nullptr; }
  /// Info of an empty handle is all zeros.
  const KernelInfo &info() const;

  /// out = attention(q, k, v) under the pattern; `lse` may be null. Shapes:
  /// q, out [B, Hq, Nq, D]; k, v [B, Hkv, Nk, D] with Hq % Hkv == 0;
  /// lse [B, Hq, Nq]. Rows with no allowed key give 0 and lse = -inf.
  /// CUDA kernels take device tensors of info().dtype (lse f32) whose
  /// pointers are 16-byte aligned with B, H and N strides that are
  /// multiples of 8 (lse: 4-byte aligned), and run on options.stream.
  /// Outputs (out, lse) may share no byte with an input or with each other
  /// (inputs may overlap). Inputs must keep scale * q.k and Nk * |v| within
  /// f32 range; larger values give inf or NaN (they are not scanned).
  Status run(const TensorView &q, const TensorView &k, const TensorView &v,
             const TensorView &out, const TensorView *lse = nullptr,
             const Params &params = {}, const RunOptions &options = {}) const;

  /// The gradients of a forward run: with q, k, v and the `out` and `lse`
  /// that run() wrote for them (same params and scale), and dout = dL/dout,
  /// writes dq = dL/dq, dk and dv (dk, dv summed over each key/value head's
  /// query heads). Shapes: dout and dq as q, dk and dv as k; lse is
  /// required. Kernels compiled with CompileOptions::backward on the CPU
  /// only. Gradients are f32 and deterministic (no atomics); rows with no
  /// allowed key contribute nothing. dq, dk and dv may share no byte with
  /// an input or with each other.
  Status backward(const TensorView &q, const TensorView &k, const TensorView &v,
                  const TensorView &out, const TensorView &lse,
                  const TensorView &dout, const TensorView &dq,
                  const TensorView &dk, const TensorView &dv,
                  const Params &params = {},
                  const RunOptions &options = {}) const;

  /// Statistics for Nq = numQueries and Nk = numKeys (< 0: Nk = Nq) with
  /// the kernel's tile sizes. JIT kernels only.
  Result<PatternStats> stats(int64_t numQueries, int64_t numKeys = -1,
                             const Params &params = {}) const;

  /// Runtime parameter values in declaration order, or an error naming
  /// the missing or unknown one.
  Result<std::vector<int64_t>> resolveParams(const Params &params) const;

private:
  friend struct detail::KernelAccess;
  explicit Kernel(std::shared_ptr<const detail::KernelImpl> impl)
      : impl_(std::move(impl)) {}
  std::shared_ptr<const detail::KernelImpl> impl_;
};

} // namespace sparsa

#endif // SPARSA_KERNEL_H
