//===- Runtime.h - loading ahead-of-time compiled kernels -------*- C++ -*-===//
//
// libsparsa_runtime alone (no MLIR, no LLVM): opens a shared library built
// by `sparsac --emit=so` and returns a Kernel with the same interface as a
// JIT-compiled one. The library describes itself through the C symbols
// `sparsa_module_info` (the attentions it holds) and `NAME_sparsa_info`
// (parts, parameters, head dimension and tiles of attention NAME).
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_RUNTIME_H
#define SPARSA_RUNTIME_H

#include "sparsa/Export.h"
#include "sparsa/Kernel.h"
#include "sparsa/Result.h"

#include <string>
#include <vector>

namespace sparsa {

/// Loads attention `name` from the shared library at `path`; an empty name
/// picks the library's only attention (an error when it has several). The
/// file must be a regular file of at most 256 MiB whose trailer (written by
/// `sparsac --emit=so`) verifies; anything else, a truncated or damaged
/// library included, is an error ("not a sparsa kernel library or damaged;
/// rebuild it"). The kernel runs from a private in-memory copy: changing or
/// rebuilding the file later does not affect it.
SPARSA_API Result<Kernel> loadKernel(const std::string &path,
                                     const std::string &name = "");

/// The names of the attentions in the shared library at `path`.
SPARSA_API Result<std::vector<std::string>>
listKernels(const std::string &path);

/// Version string of the library ("MAJOR.MINOR.PATCH").
SPARSA_API const char *version();

} // namespace sparsa

#endif // SPARSA_RUNTIME_H
