//===- Loader.cpp - load AOT kernels from shared libraries ----------------===//
//
// Reads and verifies the library file (LibraryFile.h), dlopen's a private
// in-memory copy of it (RTLD_LOCAL: several kernel libraries with the same
// symbol names can be loaded side by side), reads the metadata symbols of
// KernelMetadata.h and resolves every part's entry point and work-item
// counter (CPU) or copies the device image (CUDA: it is loaded into the
// GPU's context the first time the kernel runs there), and the parameter
// check. The dlopen handle is owned by the Kernel, so the code stays
// mapped as long as any copy of the handle lives.
//
//===----------------------------------------------------------------------===//

#include "lib/Runtime/KernelImpl.h"
#include "lib/Runtime/KernelMetadata.h"
#include "lib/Runtime/LibraryFile.h"
#include "sparsa/Runtime.h"

#include <algorithm>
#include <cerrno>

#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>

using namespace sparsa;

namespace {

struct Library {
  std::shared_ptr<void> handle;
  std::vector<std::string> attentions;
};

Status notFound(std::string message) {
  return Status(ErrorCode::NotFound, std::move(message));
}

/// dlopen's `image` from an anonymous memory file: the file on disk may
/// change or be truncated later without touching the mapped code, and each
/// load is a new object (glibc matches loaded objects by name and file
/// identity, so a rebuilt library at the same path is never confused with
/// an earlier one). The descriptor stays open while the library is loaded,
/// so its /proc name is never reused for another library meanwhile.
std::shared_ptr<void> dlopenImage(const std::string &image, std::string &why) {
  int fd = ::memfd_create("sparsa-kernel", MFD_CLOEXEC);
  if (fd < 0)
    return nullptr;
  size_t done = 0;
  while (done < image.size()) {
    ssize_t n = ::write(fd, image.data() + done, image.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      ::close(fd);
      return nullptr;
    }
    done += static_cast<size_t>(n);
  }
  std::string name = "/proc/self/fd/" + std::to_string(fd);
  void *h = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char *error = dlerror();
    why = error ? error : "unknown";
    ::close(fd);
    return nullptr;
  }
  return std::shared_ptr<void>(h, [fd, name](void *p) {
    dlclose(p);
    // Still loaded (another handle, or a library glibc will not unload):
    // keep the name taken so no later library is matched with it.
    if (void *again = dlopen(name.c_str(), RTLD_LAZY | RTLD_NOLOAD)) {
      dlclose(again);
      return;
    }
    ::close(fd);
  });
}

Result<Library> openLibrary(const std::string &path) {
  // Checked before dlopen: a regular file (a FIFO would block), its size,
  // and the trailer's hash (a truncated file would SIGBUS inside dlopen).
  std::string image;
  uint64_t hash = 0;
  if (Status s = runtime::readLibraryFile(path, image, hash); !s)
    return s;
  std::string why;
  std::shared_ptr<void> handle = dlopenImage(image, why);
  if (!handle && why.empty()) {
    // No memfd: load the verified file itself.
    if (void *h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL))
      handle = std::shared_ptr<void>(h, [](void *p) { dlclose(p); });
    else if (const char *error = dlerror())
      why = error;
  }
  if (!handle)
    return notFound("cannot load '" + path +
                    "': " + (why.empty() ? "unknown" : why));
  void *h = handle.get();
  Library lib;
  lib.handle = std::move(handle);
  const char *text =
      static_cast<const char *>(dlsym(h, runtime::kModuleInfoSymbol));
  if (!text)
    return notFound("'" + path + "' has no sparsa metadata (symbol " +
                    runtime::kModuleInfoSymbol +
                    "); build it with sparsac --emit=so");
  std::string error;
  if (!runtime::parseModuleMetadata(text, lib.attentions, error))
    return Status(ErrorCode::InvalidArgument, "'" + path + "': " + error);
  return lib;
}

} // namespace

Result<std::vector<std::string>> sparsa::listKernels(const std::string &path) {
  Result<Library> lib = openLibrary(path);
  if (!lib)
    return lib.status();
  return lib->attentions;
}

Result<Kernel> sparsa::loadKernel(const std::string &path,
                                  const std::string &requested) {
  Result<Library> lib = openLibrary(path);
  if (!lib)
    return lib.status();
  std::string list;
  for (const std::string &a : lib->attentions)
    list += (list.empty() ? "" : ", ") + a;
  std::string name = requested;
  if (name.empty()) {
    if (lib->attentions.size() != 1)
      return Status(ErrorCode::InvalidArgument,
                    "'" + path + "' holds " +
                        std::to_string(lib->attentions.size()) +
                        " attentions (" + list + "): name one");
    name = lib->attentions[0];
  }
  if (std::find(lib->attentions.begin(), lib->attentions.end(), name) ==
      lib->attentions.end())
    return notFound("no attention '" + name + "' in '" + path +
                    "' (it has: " + (list.empty() ? "none" : list) + ")");
  void *h = lib->handle.get();
  std::string infoSymbol = name + runtime::kAttentionInfoSuffix;
  const char *text = static_cast<const char *>(dlsym(h, infoSymbol.c_str()));
  if (!text)
    return notFound("'" + path + "' lacks symbol " + infoSymbol);
  runtime::AttentionMetadata meta;
  std::string error;
  if (!runtime::parseAttentionMetadata(text, meta, error))
    return Status(ErrorCode::InvalidArgument, "'" + path + "': " + error);

  auto made = detail::makeKernelImpl(meta);
  if (!made)
    return Status(ErrorCode::InvalidArgument,
                  "'" + path + "': " + made.status().message());
  std::shared_ptr<detail::KernelImpl> impl = std::move(*made);
  impl->info.aheadOfTime = true;
  if (meta.target == "cuda") {
    const char *bytes =
        static_cast<const char *>(dlsym(h, runtime::kCUDAImageSymbol));
    const auto *size =
        static_cast<const uint64_t *>(dlsym(h, runtime::kCUDAImageSizeSymbol));
    if (!bytes || !size || *size == 0)
      return notFound("'" + path + "' lacks the CUDA image (symbols " +
                      runtime::kCUDAImageSymbol + " and " +
                      runtime::kCUDAImageSizeSymbol + ")");
    std::string missing;
    auto queryTiles = runtime::cuda::findQueryTiles(
        meta, [&](const std::string &s) { return dlsym(h, s.c_str()); },
        missing);
    if (!missing.empty())
      return notFound("'" + path + "' lacks the grid function " + missing);
    impl->cuda = std::make_shared<runtime::cuda::Attention>(
        meta, std::string(bytes, *size), std::move(queryTiles));
  }
  // CPU parts: entry points and work-item counters (a CUDA image holds
  // its parts).
  if (!impl->cuda)
    for (const runtime::PartMetadata &part : meta.parts) {
      runtime::CompiledKernel k;
      k.entry =
          reinterpret_cast<runtime::KernelFn>(dlsym(h, part.symbol.c_str()));
      std::string count = part.symbol + runtime::kWorkItemsSuffix;
      k.workItems =
          reinterpret_cast<runtime::WorkItemsFn>(dlsym(h, count.c_str()));
      if (!k.entry || !k.workItems)
        return notFound("'" + path + "' lacks entry point " + part.symbol +
                        " or " + count);
      k.headDim = part.headDim;
      k.numParams = static_cast<int64_t>(part.params.size());
      k.coversAllQueries = part.coversAllQueries;
      impl->parts.push_back(k);
    }
  // The backward parts (CPU libraries built with --backward).
  if (meta.hasBackward && !impl->cuda) {
    for (auto [names, into] :
         {std::pair{&meta.backwardDq, &impl->backward.dq},
          std::pair{&meta.backwardDkdv, &impl->backward.dkdv}})
      for (const std::string &part : *names) {
        std::string entry = part + runtime::kBackwardSuffix;
        std::string count = entry + runtime::kWorkItemsSuffix;
        runtime::CompiledBackward k;
        k.entry =
            reinterpret_cast<runtime::BackwardFn>(dlsym(h, entry.c_str()));
        k.workItems =
            reinterpret_cast<runtime::WorkItemsFn>(dlsym(h, count.c_str()));
        if (!k.entry || !k.workItems)
          return notFound("'" + path + "' lacks the backward entry point " +
                          entry + " or " + count);
        into->push_back(k);
      }
    impl->info.backward = true;
  }
  if (!meta.paramCheck.empty()) {
    impl->paramCheck = reinterpret_cast<runtime::ParamCheckFn>(
        dlsym(h, meta.paramCheck.c_str()));
    if (!impl->paramCheck)
      return notFound("'" + path + "' lacks the parameter check " +
                      meta.paramCheck);
    impl->paramRules = meta.paramRules;
  }
  impl->owner = lib->handle;
  return detail::KernelAccess::make(std::move(impl));
}

const char *sparsa::version() { return "0.1.0"; }
