// cuda_jit: compiles an attention pattern for the GPU at run time, runs it
// on device memory on a CUDA stream, and checks the result against a
// float64 reference computed here from the pattern's definition.
//
// The pattern is StreamingLLM's: a causal window of the last W tokens plus
// the first four ("attention sinks"), W chosen at run time. Exit status 0
// when the check passes, 1 on an error, 77 when there is no CUDA device
// (the compilation still runs and is reported).

#include "sparsa/sparsa.h"

#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

namespace {

constexpr int64_t kHeads = 4, kSeq = 1000, kDim = 64, kWindow = 96;

uint16_t toBF16(float x, float &rounded) {
  uint32_t bits;
  std::memcpy(&bits, &x, 4);
  bits += 0x7fff + ((bits >> 16) & 1); // round to nearest even
  uint16_t h = uint16_t(bits >> 16);
  uint32_t back = uint32_t(h) << 16;
  std::memcpy(&rounded, &back, 4);
  return h;
}

float fromBF16(uint16_t h) {
  uint32_t bits = uint32_t(h) << 16;
  float x;
  std::memcpy(&x, &bits, 4);
  return x;
}

/// The pattern, written out: may query q see key k?
bool allowed(int64_t q, int64_t k) {
  return k <= q && (q - k <= kWindow || k < 4);
}

bool check(cudaError_t e, const char *what) {
  if (e == cudaSuccess)
    return true;
  std::fprintf(stderr, "%s: %s\n", what, cudaGetErrorString(e));
  return false;
}

} // namespace

int main() {
  sparsa::CompileOptions options;
  options.target = "cuda";
  options.headDim = kDim;
  options.name = "sinks";
  auto kernel = sparsa::Compiler::global().compile(
      "param W : runtime\n"
      "causal & (window(W, 0) | global_cols(0..4))\n",
      options);
  if (!kernel) {
    std::fprintf(stderr, "compile: %s\n", kernel.message().c_str());
    return 1;
  }
  const sparsa::KernelInfo &info = kernel->info();
  std::printf("compiled '%s' for %s (%s), %d part(s), tiles %lldx%lld\n",
              info.name.c_str(), info.target.c_str(), info.cudaArch.c_str(),
              info.numParts, (long long)info.blockQ, (long long)info.blockK);

  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
    std::printf("no CUDA device: nothing to run\n");
    return 77;
  }

  // Inputs rounded to bf16; the reference uses the rounded values.
  const size_t n = size_t(kHeads * kSeq * kDim);
  std::vector<float> q(n), k(n), v(n);
  std::vector<uint16_t> q16(n), k16(n), v16(n), o16(n);
  std::mt19937 rng(7);
  std::normal_distribution<float> normal;
  for (size_t i = 0; i < n; ++i) {
    q16[i] = toBF16(normal(rng), q[i]);
    k16[i] = toBF16(normal(rng), k[i]);
    v16[i] = toBF16(normal(rng), v[i]);
  }
  void *dq = nullptr, *dk = nullptr, *dv = nullptr, *dout = nullptr;
  cudaStream_t stream = nullptr;
  if (!check(cudaMalloc(&dq, n * 2), "cudaMalloc") ||
      !check(cudaMalloc(&dk, n * 2), "cudaMalloc") ||
      !check(cudaMalloc(&dv, n * 2), "cudaMalloc") ||
      !check(cudaMalloc(&dout, n * 2), "cudaMalloc") ||
      !check(cudaMemcpy(dq, q16.data(), n * 2, cudaMemcpyHostToDevice),
             "cudaMemcpy") ||
      !check(cudaMemcpy(dk, k16.data(), n * 2, cudaMemcpyHostToDevice),
             "cudaMemcpy") ||
      !check(cudaMemcpy(dv, v16.data(), n * 2, cudaMemcpyHostToDevice),
             "cudaMemcpy") ||
      !check(cudaMemset(dout, 0xff, n * 2), "cudaMemset") || // NaN
      !check(cudaStreamCreate(&stream), "cudaStreamCreate"))
    return 1;

  auto view = [](void *p) {
    return sparsa::TensorView::cudaBF16(p, {1, kHeads, kSeq, kDim});
  };
  sparsa::RunOptions run;
  run.stream = stream;
  sparsa::Status s =
      kernel->run(view(dq), view(dk), view(dv), view(dout), nullptr,
                  sparsa::Params().set("W", kWindow), run);
  if (!s) {
    std::fprintf(stderr, "run: %s\n", s.message().c_str());
    return 1;
  }
  if (!check(cudaStreamSynchronize(stream), "the kernels") ||
      !check(cudaMemcpy(o16.data(), dout, n * 2, cudaMemcpyDeviceToHost),
             "cudaMemcpy"))
    return 1;

  // float64 reference; the error of a row relative to its largest value.
  double worst = 0;
  const double scale = 1.0 / std::sqrt(double(kDim));
  std::vector<double> p(kSeq), ref(kDim);
  for (int64_t h = 0; h < kHeads; ++h)
    for (int64_t i = 0; i < kSeq; ++i) {
      const float *qi = &q[(h * kSeq + i) * kDim];
      double mx = -INFINITY, sum = 0;
      for (int64_t j = 0; j < kSeq; ++j) {
        p[j] = -INFINITY;
        if (!allowed(i, j))
          continue;
        double dot = 0;
        for (int64_t d = 0; d < kDim; ++d)
          dot += double(qi[d]) * k[(h * kSeq + j) * kDim + d];
        p[j] = dot * scale;
        mx = std::max(mx, p[j]);
      }
      std::fill(ref.begin(), ref.end(), 0.0);
      for (int64_t j = 0; j < kSeq; ++j) {
        if (p[j] == -INFINITY)
          continue;
        double e = std::exp(p[j] - mx);
        sum += e;
        for (int64_t d = 0; d < kDim; ++d)
          ref[d] += e * v[(h * kSeq + j) * kDim + d];
      }
      double largest = 1e-30, err = 0;
      for (int64_t d = 0; d < kDim; ++d) {
        double r = ref[d] / sum;
        double got = fromBF16(o16[(h * kSeq + i) * kDim + d]);
        largest = std::max(largest, std::fabs(r));
        err = std::isfinite(got) ? std::max(err, std::fabs(got - r)) : INFINITY;
      }
      worst = std::max(worst, err / largest);
    }
  std::printf("max relative row error vs float64: %.3g\n", worst);
  cudaFree(dq);
  cudaFree(dk);
  cudaFree(dv);
  cudaFree(dout);
  cudaStreamDestroy(stream);
  bool ok = worst <= 3e-2;
  std::printf("%s\n", ok ? "check: ok" : "check: FAILED");
  return ok ? 0 : 1;
}
