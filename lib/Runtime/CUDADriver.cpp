//===- CUDADriver.cpp - the CUDA driver API, opened at first use ----------===//
//
// See CUDADriver.h.
//
//===----------------------------------------------------------------------===//

#include "lib/Runtime/CUDADriver.h"

#include <dlfcn.h>

#include <cctype>
#include <mutex>
#include <type_traits>

using namespace sparsa::runtime::cuda;

std::string Driver::error(const char *what, CUresult result) const {
  const char *text = nullptr;
  if (getErrorString)
    getErrorString(result, &text);
  return std::string(what) + " failed: " +
         (text ? std::string(text) : "CUDA error " + std::to_string(result));
}

namespace {
struct Opened {
  Driver driver{};
  std::string failure;
};

Opened open() {
  Opened o;
  Driver &d = o.driver;
  void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    o.failure = "no CUDA device: the CUDA driver (libcuda.so.1) is not "
                "installed";
    return o;
  }
  bool ok = true;
  auto sym = [&](auto &fn, const char *name) {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(
        dlsym(lib, name));
    ok = ok && fn;
  };
  sym(d.init, "cuInit");
  sym(d.deviceGetCount, "cuDeviceGetCount");
  sym(d.deviceGet, "cuDeviceGet");
  sym(d.deviceGetAttribute, "cuDeviceGetAttribute");
  sym(d.deviceGetName, "cuDeviceGetName");
  sym(d.primaryCtxRetain, "cuDevicePrimaryCtxRetain");
  sym(d.ctxPushCurrent, "cuCtxPushCurrent_v2");
  sym(d.ctxPopCurrent, "cuCtxPopCurrent_v2");
  sym(d.ctxGetDevice, "cuCtxGetDevice");
  sym(d.streamGetCtx, "cuStreamGetCtx");
  sym(d.pointerGetAttribute, "cuPointerGetAttribute");
  sym(d.moduleLoadData, "cuModuleLoadData");
  sym(d.moduleUnload, "cuModuleUnload");
  sym(d.moduleGetFunction, "cuModuleGetFunction");
  sym(d.funcSetAttribute, "cuFuncSetAttribute");
  sym(d.launchKernel, "cuLaunchKernel");
  sym(d.memAllocAsync, "cuMemAllocAsync");
  sym(d.memFreeAsync, "cuMemFreeAsync");
  sym(d.memsetD2D16Async, "cuMemsetD2D16Async");
  sym(d.memsetD2D32Async, "cuMemsetD2D32Async");
  sym(d.getErrorString, "cuGetErrorString");
  sym(d.memAlloc, "cuMemAlloc_v2");
  sym(d.memFree, "cuMemFree_v2");
  sym(d.memcpyHtoD, "cuMemcpyHtoD_v2");
  sym(d.memcpyDtoH, "cuMemcpyDtoH_v2");
  sym(d.ctxSynchronize, "cuCtxSynchronize");
  int count = 0;
  if (!ok)
    o.failure = "no CUDA device: libcuda.so.1 is older than CUDA 11.2 (it "
                "lacks driver entry points the kernels need)";
  else if (CUresult r = d.init(0); r != kSuccess)
    o.failure = "no CUDA device: " + d.error("cuInit", r);
  else if (d.deviceGetCount(&count) != kSuccess || count == 0)
    o.failure = "no CUDA device: the driver reports none";
  return o;
}
} // namespace

const Driver *sparsa::runtime::cuda::driver(std::string &why) {
  // Never destroyed: kernels may be released during static destruction.
  static Opened *opened = new Opened(open());
  if (!opened->failure.empty()) {
    why = opened->failure;
    return nullptr;
  }
  return &opened->driver;
}

std::string sparsa::runtime::cuda::deviceArch(const Driver &d,
                                              CUdevice device) {
  int major = 0, minor = 0;
  if (d.deviceGetAttribute(&major, kAttrComputeMajor, device) != kSuccess ||
      d.deviceGetAttribute(&minor, kAttrComputeMinor, device) != kSuccess)
    return "";
  return "sm_" + std::to_string(major * 10 + minor);
}

namespace {
/// sm_XY[suffix] as (XY, suffix); XY = -1 when malformed.
std::pair<int, std::string> parseChip(const std::string &chip) {
  if (chip.rfind("sm_", 0) != 0)
    return {-1, ""};
  size_t i = 3;
  int number = 0;
  while (i < chip.size() && std::isdigit(static_cast<unsigned char>(chip[i])) &&
         number < 10000)
    number = number * 10 + (chip[i++] - '0');
  if (i == 3)
    return {-1, ""};
  return {number, chip.substr(i)};
}
} // namespace

bool sparsa::runtime::cuda::imageRunsOn(const std::string &chip,
                                        const std::string &format,
                                        const std::string &deviceChip) {
  auto [image, suffix] = parseChip(chip);
  auto [device, deviceSuffix] = parseChip(deviceChip);
  if (image < 0 || device < 0)
    return false;
  // Architecture-specific features (sm_90a) exist on that chip only.
  if (suffix == "a")
    return device == image;
  if (format == "isa")
    return device >= image;
  return device / 10 == image / 10 && device % 10 >= image % 10;
}
