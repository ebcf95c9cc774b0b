//===- CUDAKernelTest.cpp - CUDA kernels through the public API -----------===//
//
// What a host program sees of the CUDA target on any machine: the JIT and
// the shared library (Compiler::emitSharedLibrary, loadKernel) give
// kernels of target "cuda" whose run() checks every argument before the
// driver (devices, dtypes, alignment, strides, parameters and their
// values through the host parameter check), and answers "no CUDA device"
// on a machine without one. On a GPU machine the same fake device
// pointers are refused as memory that is not the GPU's. Execution on a GPU
// against the float64 reference is test/Integration/CUDA (REQUIRES: cuda).
//
//===----------------------------------------------------------------------===//

#include "sparsa/Compiler.h"
#include "sparsa/Runtime.h"
#include "sparsa/c/sparsa.h"

#include "gtest/gtest.h"

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

using namespace sparsa;

namespace {

constexpr const char *kSpec =
    "param W : runtime\ncausal & (window(W, 0) | global_cols(0..4))\n";

CompileOptions cudaOptions(const std::string &name = "sinks") {
  CompileOptions o;
  o.target = "cuda";
  o.headDim = 64;
  o.blockQ = o.blockK = 64;
  o.name = name;
  return o;
}

/// Views of device memory that was never allocated: aligned, dense
/// [1, 2, 256, 64] bf16 tensors and an f32 LSE at distinct addresses.
struct FakeDevice {
  uintptr_t base = uintptr_t(1) << 40;
  TensorView q = view(0), k = view(1), v = view(2), o = view(3);
  TensorView lse =
      TensorView::dense(reinterpret_cast<void *>(base + 4 * (1 << 20)),
                        DType::F32, {1, 2, 256}, Device::CUDA);
  TensorView view(int i, DType t = DType::BF16) const {
    return TensorView::dense(reinterpret_cast<void *>(base + i * (1 << 20)), t,
                             {1, 2, 256, 64}, Device::CUDA);
  }
};

/// The outcome of running on fake device memory: without a GPU the driver
/// is not there; with one, the pointers are not its memory.
void expectNoDeviceOrNotDeviceMemory(const Status &s) {
  ASSERT_FALSE(s);
  if (s.code() == ErrorCode::Unsupported)
    EXPECT_EQ(s.message().rfind("no CUDA device", 0), 0u) << s.message();
  else
    EXPECT_NE(s.message().find("q is not CUDA device memory"),
              std::string::npos)
        << s.message();
}

class CUDAKernel : public testing::Test {
protected:
  static void SetUpTestSuite() {
    compiler = new Compiler();
    auto k = compiler->compile(kSpec, cudaOptions());
    ASSERT_TRUE(k) << k.message();
    kernel = new Kernel(*k);
  }
  static void TearDownTestSuite() {
    delete kernel;
    delete compiler;
  }
  static Compiler *compiler;
  static Kernel *kernel;
};
Compiler *CUDAKernel::compiler = nullptr;
Kernel *CUDAKernel::kernel = nullptr;

} // namespace

TEST_F(CUDAKernel, InfoSaysTheTarget) {
  const KernelInfo &info = kernel->info();
  EXPECT_EQ(info.target, "cuda");
  EXPECT_EQ(info.dtype, DType::BF16);
  EXPECT_EQ(info.cudaArch.rfind("sm_", 0), 0u) << info.cudaArch;
  EXPECT_EQ(info.headDim, 64);
  EXPECT_EQ(info.blockQ, 64);
  EXPECT_EQ(info.params, std::vector<std::string>{"W"});
  EXPECT_GE(info.numParts, 1);
  EXPECT_FALSE(info.aheadOfTime);
  // Statistics come from the pattern, as on the CPU.
  auto stats = kernel->stats(256, 256, Params().set("W", 16));
  ASSERT_TRUE(stats) << stats.message();
  EXPECT_GT(stats->total.nnz, 0);
}

TEST_F(CUDAKernel, ChecksArgumentsBeforeTheDriver) {
  FakeDevice d;
  Params w = Params().set("W", 16);
  auto run = [&](const TensorView &q, const TensorView &out,
                 const Params &p = Params().set("W", 16)) {
    return kernel->run(q, d.k, d.v, out, &d.lse, p);
  };
  auto expectError = [](const Status &s, const std::string &part) {
    ASSERT_FALSE(s);
    EXPECT_EQ(s.code(), ErrorCode::InvalidArgument) << s.message();
    EXPECT_NE(s.message().find(part), std::string::npos) << s.message();
  };
  std::vector<float> host(2 * 256 * 64);
  TensorView hostQ = TensorView::f32(host.data(), {1, 2, 256, 64});
  expectError(run(hostQ, d.o),
              "q is host (cpu) memory; a cuda kernel needs cuda memory");
  TensorView hostBF16 = d.q;
  hostBF16.device = Device::CPU;
  expectError(run(hostBF16, d.o), "q is host (cpu) memory");
  expectError(run(d.view(0, DType::F16), d.o),
              "q must be bf16, got f16 (the cuda kernel was compiled for "
              "bf16)");
  TensorView misaligned = d.q;
  misaligned.data = static_cast<char *>(misaligned.data) + 2;
  expectError(run(misaligned, d.o),
              "q data must be 16-byte aligned for the cuda kernel's loads");
  TensorView oddStride =
      TensorView::strided(d.q.data, DType::BF16, {1, 2, 256, 64},
                          {2 * 260 * 64, 260 * 64, 68, 1}, Device::CUDA);
  expectError(run(oddStride, d.o), "stride 68 of dimension 2 must be a "
                                   "multiple of 8");
  TensorView lse32 = d.lse;
  lse32.dtype = DType::BF16;
  {
    Status s = kernel->run(d.q, d.k, d.v, d.o, &lse32, w);
    expectError(s, "lse must be f32, got bf16");
  }
  expectError(run(d.q, d.q), "out overlaps q in memory");
  expectError(run(d.q, d.o, Params()), "takes 1 runtime parameter (W), got 0");
  // The host parameter check runs without a GPU.
  expectError(run(d.q, d.o, Params().set("W", -1)),
              "window: 'before' (from W) must be non-negative");
  RunOptions bad;
  bad.scale = -1;
  expectError(kernel->run(d.q, d.k, d.v, d.o, &d.lse, w, bad),
              "softmax scale -1 must be positive");
  // Everything host-side holds: the driver has the last word.
  expectNoDeviceOrNotDeviceMemory(run(d.q, d.o));
}

TEST_F(CUDAKernel, CompileOptionsAreChecked) {
  auto expectError = [&](CompileOptions o, const std::string &part) {
    auto k = compiler->compile(kSpec, o);
    ASSERT_FALSE(k);
    EXPECT_NE(k.message().find(part), std::string::npos) << k.message();
  };
  CompileOptions o = cudaOptions();
  o.dtype = "f32";
  expectError(o, "dtype 'f32' is not supported on a GPU (expected bf16 or "
                 "f16)");
  o = cudaOptions();
  o.cudaArch = "sm_70";
  expectError(o, "'sm_70' is too old");
  o.cudaArch = "gfx90a";
  expectError(o, "unknown GPU architecture 'gfx90a'");
  o = cudaOptions();
  o.vectorWidth = 8;
  expectError(o, "vectorWidth applies to target 'cpu'");
  o = cudaOptions();
  o.rowsPerWarp = 8;
  expectError(o, "rows per warp 8 must be 16 or 32");
  o = cudaOptions();
  o.headDim = 72;
  expectError(o, "head dimension 72");
  CompileOptions cpu;
  cpu.cudaArch = "sm_90";
  expectError(cpu, "cudaArch and rowsPerWarp apply to target 'cuda'");
  cpu.cudaArch = "";
  cpu.dtype = "bf16";
  expectError(cpu, "dtype 'bf16' is not supported on the CPU");
  o = cudaOptions();
  o.target = "tpu";
  expectError(o, "target 'tpu' is not supported by the JIT (supported: cpu, "
                 "cuda)");
}

TEST_F(CUDAKernel, OptionsChooseTheCodeAndTheCache) {
  CompileOptions o = cudaOptions();
  o.dtype = "f16";
  o.cudaArch = "sm_80";
  auto k = compiler->compile(kSpec, o);
  ASSERT_TRUE(k) << k.message();
  EXPECT_EQ(k->info().dtype, DType::F16);
  EXPECT_EQ(k->info().cudaArch, "sm_80");
  CacheStats before = compiler->cacheStats();
  auto again = compiler->compile(kSpec, o);
  ASSERT_TRUE(again);
  EXPECT_EQ(compiler->cacheStats().exactHits, before.exactHits + 1);
  auto cpuKey = compiler->structureKey(kSpec, CompileOptions{});
  auto cudaKey = compiler->structureKey(kSpec, o);
  ASSERT_TRUE(cpuKey && cudaKey);
  EXPECT_NE(*cpuKey, *cudaKey);
}

TEST_F(CUDAKernel, SharedLibraryLoadsThroughTheRuntime) {
  std::string path = testing::TempDir() + "/sparsa-cuda-sinks.so";
  CompileOptions o = cudaOptions();
  o.cudaArch = "sm_90";
  Status s = compiler->emitSharedLibrary(kSpec, o, path);
  ASSERT_TRUE(s) << s.message();
  auto names = listKernels(path);
  ASSERT_TRUE(names) << names.message();
  EXPECT_EQ(*names, std::vector<std::string>{"sinks"});
  auto k = loadKernel(path);
  ASSERT_TRUE(k) << k.message();
  EXPECT_EQ(k->info().target, "cuda");
  EXPECT_EQ(k->info().cudaArch, "sm_90");
  EXPECT_EQ(k->info().dtype, DType::BF16);
  EXPECT_TRUE(k->info().aheadOfTime);
  EXPECT_EQ(k->info().params, std::vector<std::string>{"W"});
  FakeDevice d;
  // The library's host code checks the values.
  Status bad = k->run(d.q, d.k, d.v, d.o, &d.lse, Params().set("W", -3));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.message().find("'before' (from W) must be non-negative"),
            std::string::npos)
      << bad.message();
  expectNoDeviceOrNotDeviceMemory(
      k->run(d.q, d.k, d.v, d.o, &d.lse, Params().set("W", 3)));
  std::remove(path.c_str());
}

// The disk cache holds CUDA kernels as their libraries: a second compiler
// loads the first one's, with the host check and grid functions working.
TEST_F(CUDAKernel, DiskCacheHoldsCUDALibraries) {
  std::string dir = testing::TempDir() + "/sparsa-cuda-disk-cache";
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  CompileOptions o = cudaOptions("cached");
  o.cudaArch = "sm_80";
  for (int round = 0; round < 2; ++round) {
    Compiler c;
    ASSERT_TRUE(c.setDiskCache(dir));
    auto k = c.compile(kSpec, o);
    ASSERT_TRUE(k) << k.message();
    EXPECT_EQ(c.cacheStats().diskHits, uint64_t(round));
    EXPECT_EQ(c.cacheStats().compilations, uint64_t(1 - round));
    EXPECT_EQ(k->info().target, "cuda");
    EXPECT_EQ(k->info().cudaArch, "sm_80");
    FakeDevice d;
    Status bad = k->run(d.q, d.k, d.v, d.o, &d.lse, Params().set("W", -2));
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.message().find("must be non-negative"), std::string::npos)
        << bad.message();
    expectNoDeviceOrNotDeviceMemory(
        k->run(d.q, d.k, d.v, d.o, &d.lse, Params().set("W", 2)));
  }
  std::filesystem::remove_all(dir, ignored);
}

TEST_F(CUDAKernel, PatternThatAllowsNothing) {
  // One kernel that visits no tile: it writes O = 0 and LSE = -inf.
  auto k = compiler->compile("none", cudaOptions("none"));
  ASSERT_TRUE(k) << k.message();
  EXPECT_EQ(k->info().target, "cuda");
  EXPECT_EQ(k->info().numParts, 1);
  FakeDevice d;
  expectNoDeviceOrNotDeviceMemory(k->run(d.q, d.k, d.v, d.o, &d.lse));
}

TEST_F(CUDAKernel, CAPI) {
  sparsa_options *o = sparsa_options_create();
  ASSERT_EQ(sparsa_options_set_target(o, "cuda"), SPARSA_OK);
  ASSERT_EQ(sparsa_options_set_dtype(o, "f16"), SPARSA_OK);
  ASSERT_EQ(sparsa_options_set_cuda_arch(o, "sm_80"), SPARSA_OK);
  ASSERT_EQ(sparsa_options_set_head_dim(o, 64), SPARSA_OK);
  ASSERT_EQ(sparsa_options_set_name(o, "c_sinks"), SPARSA_OK);
  sparsa_compiler *c = sparsa_compiler_create();
  sparsa_kernel *k = nullptr;
  ASSERT_EQ(sparsa_compile(c, kSpec, o, &k), SPARSA_OK) << sparsa_last_error();
  EXPECT_STREQ(sparsa_kernel_target(k), "cuda");
  EXPECT_EQ(sparsa_kernel_dtype(k), SPARSA_F16);
  int64_t shape[4] = {1, 2, 256, 64}, lseShape[3] = {1, 2, 256};
  auto at = [](int i) {
    return reinterpret_cast<void *>((uintptr_t(1) << 40) + i * (1 << 20));
  };
  sparsa_tensor q = sparsa_tensor_dense(at(0), SPARSA_F16, SPARSA_DEVICE_CUDA,
                                        4, shape),
                kt = sparsa_tensor_dense(at(1), SPARSA_F16, SPARSA_DEVICE_CUDA,
                                         4, shape),
                v = sparsa_tensor_dense(at(2), SPARSA_F16, SPARSA_DEVICE_CUDA,
                                        4, shape),
                out = sparsa_tensor_dense(at(3), SPARSA_F16, SPARSA_DEVICE_CUDA,
                                          4, shape),
                lse = sparsa_tensor_dense(at(4), SPARSA_F32, SPARSA_DEVICE_CUDA,
                                          3, lseShape);
  const char *names[] = {"W"};
  int64_t values[] = {8};
  sparsa_status s = sparsa_kernel_run_on_stream(
      k, &q, &kt, &v, &out, &lse, names, values, 1, 0, 0, nullptr);
  if (s == SPARSA_UNSUPPORTED)
    EXPECT_EQ(std::string(sparsa_last_error()).rfind("no CUDA device", 0), 0u);
  else
    EXPECT_EQ(s, SPARSA_INVALID_ARGUMENT) << sparsa_last_error();
  // A device value outside the enum is refused, not cast.
  int bogus = 7;
  std::memcpy(&q.device, &bogus, sizeof(bogus));
  EXPECT_EQ(
      sparsa_kernel_run(k, &q, &kt, &v, &out, &lse, names, values, 1, 0, 0),
      SPARSA_INVALID_ARGUMENT);
  EXPECT_STREQ(sparsa_last_error(), "q has an unknown device 7");
  // Host f32 tensors are not for a CUDA kernel.
  std::vector<float> h(2 * 256 * 64);
  q = sparsa_tensor_f32(h.data(), 4, shape);
  EXPECT_EQ(
      sparsa_kernel_run(k, &q, &kt, &v, &out, &lse, names, values, 1, 0, 0),
      SPARSA_INVALID_ARGUMENT);
  EXPECT_NE(std::string(sparsa_last_error()).find("q is host (cpu) memory"),
            std::string::npos);
  sparsa_kernel_free(k);
  sparsa_compiler_free(c);
  sparsa_options_free(o);
}
