//===- Tensor.h - non-owning views of kernel inputs and outputs -*- C++ -*-===//
//
// A TensorView describes memory the caller owns: element type, shape and
// strides in elements (not bytes). Kernels check every view against the
// attention contract before touching memory: Q and O are [B, Hq, Nq, D],
// K and V [B, Hkv, Nk, D], LSE [B, Hq, Nq]; D must be contiguous.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_TENSOR_H
#define SPARSA_TENSOR_H

#include <cstdint>
#include <initializer_list>

namespace sparsa {

/// Element types; the CPU kernels take F32.
enum class DType : int { F32 = 0, F16 = 1, BF16 = 2, F64 = 3 };

struct TensorView {
  static constexpr int kMaxRank = 4;

  void *data = nullptr;
  DType dtype = DType::F32;
  int rank = 0;
  int64_t shape[kMaxRank] = {0, 0, 0, 0};
  int64_t strides[kMaxRank] = {0, 0, 0, 0};

  /// A row-major (dense) fp32 tensor of `shape` (rank <= 4; a longer list
  /// gives rank -1, which every kernel rejects).
  static TensorView f32(float *data, std::initializer_list<int64_t> shape) {
    TensorView t;
    t.data = data;
    t.dtype = DType::F32;
    if (shape.size() > kMaxRank) {
      t.rank = -1;
      return t;
    }
    t.rank = static_cast<int>(shape.size());
    int i = 0;
    for (int64_t s : shape)
      t.shape[i++] = s;
    int64_t stride = 1;
    for (int d = t.rank - 1; d >= 0; --d) {
      t.strides[d] = stride;
      stride *= t.shape[d];
    }
    return t;
  }
  /// An fp32 tensor with explicit element strides.
  static TensorView f32(float *data, std::initializer_list<int64_t> shape,
                        std::initializer_list<int64_t> strides) {
    TensorView t = f32(data, shape);
    if (strides.size() != shape.size()) {
      t.rank = -1;
      return t;
    }
    int i = 0;
    for (int64_t s : strides)
      t.strides[i++] = s;
    return t;
  }
};

} // namespace sparsa

#endif // SPARSA_TENSOR_H
