//===- CUDADriver.h - the CUDA driver API, opened at first use --*- C++ -*-===//
//
// libsparsa_runtime links nothing of CUDA: the driver (libcuda.so.1) is
// opened with dlopen the first time a CUDA kernel runs, and its entry points
// are looked up by name with plain C prototypes declared here, so the
// library builds without CUDA headers and loads on machines without a GPU,
// where every CUDA call answers "no CUDA device". The enum values below are
// those of the driver API (cuda.h), which never renumbers them.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_RUNTIME_CUDADRIVER_H
#define SPARSA_LIB_RUNTIME_CUDADRIVER_H

#include <cstddef>
#include <string>

namespace sparsa::runtime::cuda {

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = void *;
using CUmodule = void *;
using CUfunction = void *;
using CUstream = void *;

inline constexpr CUresult kSuccess = 0;
// CUpointer_attribute
inline constexpr int kPointerMemoryType = 2;
inline constexpr int kPointerIsManaged = 8;
inline constexpr int kPointerDeviceOrdinal = 9;
// CUmemorytype
inline constexpr unsigned kMemoryHost = 1;
inline constexpr unsigned kMemoryDevice = 2;
inline constexpr unsigned kMemoryUnified = 4;
// CUdevice_attribute
inline constexpr int kAttrComputeMajor = 75;
inline constexpr int kAttrComputeMinor = 76;
inline constexpr int kAttrMaxSharedOptin = 97;
// CUfunction_attribute
inline constexpr int kFuncMaxDynamicShared = 8;

struct Driver {
  CUresult (*init)(unsigned);
  CUresult (*deviceGetCount)(int *);
  CUresult (*deviceGet)(CUdevice *, int);
  CUresult (*deviceGetAttribute)(int *, int, CUdevice);
  CUresult (*deviceGetName)(char *, int, CUdevice);
  CUresult (*primaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*ctxPushCurrent)(CUcontext);
  CUresult (*ctxPopCurrent)(CUcontext *);
  CUresult (*ctxGetDevice)(CUdevice *);
  CUresult (*streamGetCtx)(CUstream, CUcontext *);
  CUresult (*pointerGetAttribute)(void *, int, CUdeviceptr);
  CUresult (*moduleLoadData)(CUmodule *, const void *);
  CUresult (*moduleUnload)(CUmodule);
  CUresult (*moduleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*funcSetAttribute)(CUfunction, int, int);
  CUresult (*launchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned,
                           unsigned, unsigned, unsigned, CUstream, void **,
                           void **);
  CUresult (*memAllocAsync)(CUdeviceptr *, size_t, CUstream);
  CUresult (*memFreeAsync)(CUdeviceptr, CUstream);
  CUresult (*memsetD2D16Async)(CUdeviceptr, size_t, unsigned short, size_t,
                               size_t, CUstream);
  CUresult (*memsetD2D32Async)(CUdeviceptr, size_t, unsigned, size_t, size_t,
                               CUstream);
  CUresult (*getErrorString)(CUresult, const char **);
  // For tools that move data themselves (sparsac --run).
  CUresult (*memAlloc)(CUdeviceptr *, size_t);
  CUresult (*memFree)(CUdeviceptr);
  CUresult (*memcpyHtoD)(CUdeviceptr, const void *, size_t);
  CUresult (*memcpyDtoH)(void *, CUdeviceptr, size_t);
  CUresult (*ctxSynchronize)();

  /// "WHAT failed: <the driver's text>".
  std::string error(const char *what, CUresult result) const;
};

/// The driver, opened and initialized once (thread-safe); null when there
/// is none, with the reason in `why` ("no CUDA device: ...").
const Driver *driver(std::string &why);

/// "sm_XY" of `device`, or "" when the driver cannot say.
std::string deviceArch(const Driver &d, CUdevice device);

/// Whether an image built for `chip` in `format` ("bin": a cubin, "isa":
/// PTX) runs on a device of architecture `deviceChip`: a cubin for sm_XY
/// runs on sm_XZ with Z >= Y (sm_XYa only on sm_XY), PTX on any newer
/// device (the driver compiles it, except PTX for an `a` target).
bool imageRunsOn(const std::string &chip, const std::string &format,
                 const std::string &deviceChip);

} // namespace sparsa::runtime::cuda

#endif // SPARSA_LIB_RUNTIME_CUDADRIVER_H
