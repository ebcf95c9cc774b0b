//===- KernelImpl.h - what a sparsa::Kernel handle points to ----*- C++ -*-===//
//
// Shared by libsparsa_runtime (which implements Kernel::run on it) and
// libsparsa (which fills it from the JIT): the entry points of the parts
// (CPU) or the device image and its launcher (CUDA),
// the interface (parameters, head dimension, tiles), an owner that keeps
// the code alive (a JIT engine or a dlopen handle) and, for JIT kernels, a
// function computing exact statistics from the mask.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_RUNTIME_KERNELIMPL_H
#define SPARSA_LIB_RUNTIME_KERNELIMPL_H

#include "lib/Runtime/CUDAAttention.h"
#include "lib/Runtime/RunAttention.h"
#include "sparsa/Kernel.h"

#include <functional>
#include <memory>
#include <vector>

namespace sparsa::detail {

using StatsFn = std::function<Result<PatternStats>(
    int64_t numQueries, int64_t numKeys, const std::vector<int64_t> &args)>;

struct KernelImpl {
  KernelInfo info;
  /// CPU kernels: the entry points of the parts.
  std::vector<runtime::CompiledKernel> parts;
  /// The backward parts, when info.backward (empty lists: the pattern
  /// allows nothing).
  runtime::BackwardKernels backward;
  /// CUDA kernels: the image and its launcher (null on the CPU).
  std::shared_ptr<const runtime::cuda::Attention> cuda;
  /// Keeps the code of `parts` alive.
  std::shared_ptr<void> owner;
  /// Empty for AOT kernels.
  StatsFn stats;
  /// The generated check of the runtime parameter values (null without
  /// runtime parameters) and its messages, by rule index.
  runtime::ParamCheckFn paramCheck = nullptr;
  std::vector<std::string> paramRules;
};

/// A KernelImpl with the info of `meta` (name, target, dtype, head
/// dimension, tiles, parameters, parts), no code yet; an error when the
/// parts disagree on head dimension or parameters.
Result<std::shared_ptr<KernelImpl>>
makeKernelImpl(const runtime::AttentionMetadata &meta);

/// Lets the libraries create handles without a public constructor.
struct KernelAccess {
  static Kernel make(std::shared_ptr<const KernelImpl> impl) {
    return Kernel(std::move(impl));
  }
  static const KernelImpl *get(const Kernel &k) { return k.impl_.get(); }
};

} // namespace sparsa::detail

#endif // SPARSA_LIB_RUNTIME_KERNELIMPL_H
