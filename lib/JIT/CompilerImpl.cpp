//===- CompilerImpl.cpp - the two-level compile cache ---------------------===//
//
// Locking: `mutex_` guards the maps and counters only; parsing and code
// generation run outside it, so unrelated compilations proceed in parallel.
//
//===----------------------------------------------------------------------===//

#include "lib/JIT/CompilerImpl.h"
#include "lib/Runtime/CUDADriver.h"

#include <algorithm>
#include <chrono>

using namespace sparsa;
using namespace sparsa::detail;

std::string detail::requestKey(const std::string &spec,
                               const CompileOptions &o) {
  auto defines = o.defines;
  std::sort(defines.begin(), defines.end());
  std::string key =
      jit::codeOptionsKey(o) + ";name=" + o.name + ";file=" + o.fileName;
  for (const auto &[name, value] : defines)
    key += ";D" + name + "=" + std::to_string(value);
  key += '\n';
  key += spec;
  return key;
}

Result<std::shared_ptr<jit::CompiledPattern>>
CompilerImpl::compileStructure(std::shared_ptr<jit::ParsedPattern> parsed,
                               const CompileOptions &options, bool &wasHit) {
  std::string key = jit::structureKey(*parsed, options);
  std::shared_ptr<Slot> slot;
  bool owner = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto &entry = structures_[key];
    if (!entry) {
      entry = std::make_shared<Slot>();
      owner = true;
    }
    slot = entry;
  }
  wasHit = !owner;
  if (!owner) {
    std::unique_lock<std::mutex> lock(slot->mutex);
    slot->ready.wait(lock, [&] { return slot->done; });
    if (!slot->value)
      return slot->error;
    return slot->value;
  }
  auto start = std::chrono::steady_clock::now();
  std::string disk;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    disk = diskCache_;
  }
  bool diskHit = false;
  Result<std::shared_ptr<jit::CompiledPattern>> compiled =
      disk.empty() ? jit::generateCode(std::move(parsed), options)
                   : jit::compileThroughDisk(std::move(parsed), options, key,
                                             disk, diskHit);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (diskHit)
      stats_.diskHits += 1;
    else
      stats_.compilations += 1;
    stats_.compileSeconds += seconds;
    if (compiled) {
      stats_.entries += 1;
      stats_.pipelineSeconds += (*compiled)->pipelineSeconds;
      stats_.llvmSeconds += (*compiled)->llvmSeconds;
    }
    if (!compiled) {
      // Failures are not cached: the waiting threads get this error, a
      // later request tries again.
      auto it = structures_.find(key);
      if (it != structures_.end() && it->second == slot)
        structures_.erase(it);
    }
  }
  {
    std::lock_guard<std::mutex> lock(slot->mutex);
    slot->done = true;
    if (compiled)
      slot->value = *compiled;
    else
      slot->error = compiled.status();
  }
  slot->ready.notify_all();
  return compiled;
}

/// The target's defaults made explicit, so requests that mean the same
/// code share cache entries: the element type, and for CUDA the
/// architecture of device 0 (sm_90 without one).
CompileOptions detail::resolveDefaults(const CompileOptions &given) {
  CompileOptions o = given;
  if (o.target == "cpu" && o.dtype.empty())
    o.dtype = "f32";
  if (o.target != "cuda")
    return o;
  if (o.dtype.empty())
    o.dtype = "bf16";
  if (o.cudaArch.empty()) {
    std::string why;
    const runtime::cuda::Driver *d = runtime::cuda::driver(why);
    o.cudaArch = d ? runtime::cuda::deviceArch(*d, 0) : "";
    if (o.cudaArch.empty())
      o.cudaArch = "sm_90";
  }
  return o;
}

Result<Kernel> CompilerImpl::compile(const std::string &spec,
                                     const CompileOptions &given) {
  const CompileOptions options = resolveDefaults(given);
  std::string key = requestKey(spec, options);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.requests += 1;
    auto it = exact_.find(key);
    if (it != exact_.end()) {
      stats_.exactHits += 1;
      return it->second;
    }
  }
  auto fail = [&](Status s) -> Result<Kernel> {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.failures += 1;
    return s;
  };
  auto start = std::chrono::steady_clock::now();
  Result<std::shared_ptr<jit::ParsedPattern>> parsed =
      jit::parsePattern(spec, options);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.frontEndSeconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
  }
  if (!parsed)
    return fail(parsed.status());
  bool hit = false;
  Result<std::shared_ptr<jit::CompiledPattern>> compiled =
      compileStructure(std::move(*parsed), options, hit);
  if (!compiled)
    return fail(compiled.status());
  Kernel kernel = jit::makeKernel(
      *compiled, options.name.empty() ? "pattern" : options.name);
  std::lock_guard<std::mutex> lock(mutex_);
  if (hit)
    stats_.structureHits += 1;
  exact_.emplace(std::move(key), kernel);
  return kernel;
}

CacheStats CompilerImpl::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

void CompilerImpl::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  exact_.clear();
  // Slots still compiling stay reachable through their waiters.
  structures_.clear();
  stats_.entries = 0;
}

void CompilerImpl::setDiskCache(std::string directory) {
  std::lock_guard<std::mutex> lock(mutex_);
  diskCache_ = std::move(directory);
}
