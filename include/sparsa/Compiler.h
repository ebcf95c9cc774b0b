//===- Compiler.h - JIT compilation of patterns -----------------*- C++ -*-===//
//
// libsparsa: spec text (or a file, or a Pattern) -> a callable Kernel, in
// process. Compiled code is cached twice: by the exact input (spec text and
// options; a hit costs a hash lookup) and by the pattern's *structure* (the
// canonical mask IR after mask-canonicalize plus the options that change
// code), so differently written but equal patterns share one compilation.
// Runtime parameters are kernel arguments and never compile anything. A
// Compiler is thread-safe: compile and run from many threads at once;
// concurrent requests for the same structure compile it once.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_COMPILER_H
#define SPARSA_COMPILER_H

#include "sparsa/Export.h"
#include "sparsa/Kernel.h"
#include "sparsa/Pattern.h"
#include "sparsa/Result.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sparsa {

namespace detail {
class CompilerImpl;
} // namespace detail

struct CompileOptions {
  /// "cpu" (the host CPU) or "cuda" (an NVIDIA GPU, sm_80 or newer).
  std::string target = "cpu";
  /// cuda: the GPU architecture ("sm_80", "sm_90", "sm_90a", ...); empty:
  /// that of CUDA device 0 when there is one, else sm_90. A cubin is built
  /// when the CUDA toolkit's ptxas is found, else PTX that the driver
  /// compiles when the kernel first runs.
  std::string cudaArch;
  /// Element type of Q, K, V and O: empty for the target's default (f32
  /// on the CPU, the only one there; bf16 on a GPU, or "f16").
  std::string dtype;
  /// cuda: query rows per warp, 16 or 32; 0 lets the head dimension choose.
  int64_t rowsPerWarp = 0;
  /// Head dimension D the kernel is specialized for.
  int64_t headDim = 128;
  /// Tile sizes; 0 lets the tiling policy choose.
  int64_t blockQ = 0, blockK = 0;
  /// cpu: f32 vector lanes; 0 = the host's widest.
  int64_t vectorWidth = 0;
  /// Apply the layout plan (token permutations, gathered columns).
  bool layout = true;
  /// `-D NAME=VALUE`: overrides compile-time parameters or binds runtime
  /// ones to constants.
  std::vector<std::pair<std::string, int64_t>> defines;
  /// Name of the pattern (entry points NAME_partN); default "pattern", or
  /// the file's stem for compileFile.
  std::string name;
  /// Buffer name used in diagnostics (`<spec>` by default; the path for
  /// compileFile).
  std::string fileName;
  /// LLVM optimization level 0-3 of the generated code.
  unsigned optLevel = 3;
  /// Also compile the backward pass, for Kernel::backward (CPU only;
  /// docs/backward.md); libraries written with it carry it too.
  bool backward = false;
};

struct CacheStats {
  uint64_t requests = 0;      ///< compile calls
  uint64_t exactHits = 0;     ///< same text and options as before
  uint64_t structureHits = 0; ///< different text, same canonical structure
  uint64_t compilations = 0;  ///< pipeline + code generation runs
  uint64_t failures = 0;      ///< requests that returned an error
  uint64_t entries = 0;       ///< compiled kernels held
  double compileSeconds = 0;  ///< total time spent compiling, of which:
  double frontEndSeconds = 0; ///< parse + mask-canonicalize (all requests)
  double pipelineSeconds = 0; ///< mask -> sattn -> vector -> LLVM dialect
  double llvmSeconds = 0;     ///< LLVM IR, optimization, machine code
  uint64_t diskHits = 0;      ///< structures loaded from the disk cache
};

class SPARSA_API Compiler {
public:
  Compiler();
  ~Compiler();
  Compiler(const Compiler &) = delete;
  Compiler &operator=(const Compiler &) = delete;

  /// A process-wide compiler (its cache lives until exit).
  static Compiler &global();

  Result<Kernel> compile(const std::string &spec,
                         const CompileOptions &options = {});
  Result<Kernel> compile(const Pattern &pattern,
                         const CompileOptions &options = {});
  Result<Kernel> compileFile(const std::string &path,
                             const CompileOptions &options = {});

  /// Writes a shared library loadable by sparsa::loadKernel (the same
  /// output as `sparsac --emit=so`).
  Status emitSharedLibrary(const std::string &spec,
                           const CompileOptions &options,
                           const std::string &outputPath);

  /// The structural cache key: canonical mask IR (and options) of `spec`.
  Result<std::string> structureKey(const std::string &spec,
                                   const CompileOptions &options = {});

  CacheStats cacheStats() const;
  /// Drops every cached kernel (Kernels handed out stay valid).
  void clearCache();

  /// A persistent cache shared across processes: compiled structures are
  /// written to `directory` as shared libraries (with their full structure
  /// key beside them) and later loaded instead of compiled. A miss then
  /// costs a link step more than an in-memory JIT compilation. Empty (the
  /// default) turns it off. Call before compiling. A directory that cannot
  /// be created or written is an InvalidArgument error, after which the
  /// compiler uses its in-memory cache only. Entries carry the hash of
  /// their library: a damaged or foreign one is rebuilt, and an entry that
  /// cannot be written later is compiled in memory instead.
  Status setDiskCache(const std::string &directory);

private:
  std::unique_ptr<detail::CompilerImpl> impl_;
};

} // namespace sparsa

#endif // SPARSA_COMPILER_H
