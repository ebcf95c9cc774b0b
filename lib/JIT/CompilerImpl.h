//===- CompilerImpl.h - the two-level compile cache -------------*- C++ -*-===//
//
// Level 1 maps the exact request (options + spec text) to a Kernel: a hit
// is one hash lookup under a mutex, no MLIR at all. Level 2 maps the
// structure key (options that change code + canonical mask IR) to the
// compiled code: a hit costs a parse and a canonicalization but no code
// generation. Concurrent misses on the same structure compile once: the
// first thread compiles, the others wait on its slot.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_JIT_COMPILERIMPL_H
#define SPARSA_LIB_JIT_COMPILERIMPL_H

#include "lib/JIT/CodeGen.h"
#include "sparsa/Compiler.h"

#include <condition_variable>
#include <mutex>
#include <unordered_map>

namespace sparsa::detail {

class CompilerImpl {
public:
  Result<Kernel> compile(const std::string &spec,
                         const CompileOptions &options);
  CacheStats stats() const;
  void clear();
  void setDiskCache(std::string directory);

private:
  struct Slot {
    std::mutex mutex;
    std::condition_variable ready;
    bool done = false;
    std::shared_ptr<jit::CompiledPattern> value;
    Status error;
  };

  Result<std::shared_ptr<jit::CompiledPattern>>
  compileStructure(std::shared_ptr<jit::ParsedPattern> parsed,
                   const CompileOptions &options, bool &wasHit);

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Kernel> exact_;
  std::unordered_map<std::string, std::shared_ptr<Slot>> structures_;
  CacheStats stats_;
  std::string diskCache_;
};

/// `given` with the target's defaults made explicit (dtype; for CUDA the
/// architecture of device 0, else sm_90), so that requests meaning the
/// same code share cache entries.
CompileOptions resolveDefaults(const CompileOptions &given);

/// The exact-request key.
std::string requestKey(const std::string &spec, const CompileOptions &o);

} // namespace sparsa::detail

#endif // SPARSA_LIB_JIT_COMPILERIMPL_H
