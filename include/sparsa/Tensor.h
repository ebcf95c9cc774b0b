//===- Tensor.h - non-owning views of kernel inputs and outputs -*- C++ -*-===//
//
// A TensorView describes memory the caller owns: where it lives (host or
// CUDA device memory), element type, shape and strides in elements (not
// bytes). Kernels check every view against the attention contract before
// touching memory: Q and O are [B, Hq, Nq, D], K and V [B, Hkv, Nk, D],
// LSE [B, Hq, Nq]; D must be contiguous. CPU kernels take f32 host
// tensors; CUDA kernels take device tensors of the element type they were
// compiled for (bf16 or f16) and an f32 LSE.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_TENSOR_H
#define SPARSA_TENSOR_H

#include <cstdint>
#include <initializer_list>

namespace sparsa {

/// Element types; the CPU kernels take F32, CUDA kernels BF16 or F16.
enum class DType : int { F32 = 0, F16 = 1, BF16 = 2, F64 = 3 };

/// Where a tensor's memory lives.
enum class Device : int { CPU = 0, CUDA = 1 };

/// Bytes of one element of `dtype`.
inline int64_t elementBytes(DType dtype) {
  return dtype == DType::F64 ? 8 : dtype == DType::F32 ? 4 : 2;
}

struct TensorView {
  static constexpr int kMaxRank = 4;

  void *data = nullptr;
  DType dtype = DType::F32;
  int rank = 0;
  Device device = Device::CPU;
  int64_t shape[kMaxRank] = {0, 0, 0, 0};
  int64_t strides[kMaxRank] = {0, 0, 0, 0};

  /// A row-major (dense) tensor of `shape` (rank <= 4; a longer list gives
  /// rank -1, which every kernel rejects).
  static TensorView dense(void *data, DType dtype,
                          std::initializer_list<int64_t> shape,
                          Device device = Device::CPU) {
    TensorView t;
    t.data = data;
    t.dtype = dtype;
    t.device = device;
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
  /// A tensor with explicit element strides.
  static TensorView strided(void *data, DType dtype,
                            std::initializer_list<int64_t> shape,
                            std::initializer_list<int64_t> strides,
                            Device device = Device::CPU) {
    TensorView t = dense(data, dtype, shape, device);
    if (strides.size() != shape.size()) {
      t.rank = -1;
      return t;
    }
    int i = 0;
    for (int64_t s : strides)
      t.strides[i++] = s;
    return t;
  }
  /// A row-major fp32 host tensor.
  static TensorView f32(float *data, std::initializer_list<int64_t> shape) {
    return dense(data, DType::F32, shape);
  }
  /// An fp32 host tensor with explicit element strides.
  static TensorView f32(float *data, std::initializer_list<int64_t> shape,
                        std::initializer_list<int64_t> strides) {
    return strided(data, DType::F32, shape, strides);
  }
  /// Row-major bf16 / f16 / f32 tensors in CUDA device memory.
  static TensorView cudaBF16(void *data, std::initializer_list<int64_t> shape) {
    return dense(data, DType::BF16, shape, Device::CUDA);
  }
  static TensorView cudaF16(void *data, std::initializer_list<int64_t> shape) {
    return dense(data, DType::F16, shape, Device::CUDA);
  }
  static TensorView cudaF32(void *data, std::initializer_list<int64_t> shape) {
    return dense(data, DType::F32, shape, Device::CUDA);
  }
};

} // namespace sparsa

#endif // SPARSA_TENSOR_H
