//===- KernelMetadata.h - self-description of AOT kernel libraries -*- C++
//-*-===//
//
// A shared library built by `sparsac --emit=so` carries two kinds of C
// string symbols so that libsparsa_runtime can load it without the header:
//   sparsa_module_info   "sparsa-module 1\nattention NAME\n..."
//   NAME_sparsa_info     "sparsa-attention 3\nname NAME\npart SYMBOL
//                         head_dim=D block_q=BQ block_k=BK vector_width=VW
//                         covers_all_queries=0|1 params=P1,P2\n...
//                         check NAME_check_params\nrule TEXT\n..."
// The writer (lib/Target/CPU) and the reader (the loader) share this file,
// which is MLIR-free. The attention version changes with the kernel ABI
// (lib/Runtime/KernelABI.h): 2 added the merge argument, 3 the sequence
// lengths to the parameter check (it takes the whole argument block).
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_RUNTIME_KERNELMETADATA_H
#define SPARSA_LIB_RUNTIME_KERNELMETADATA_H

#include <cstdint>
#include <string>
#include <vector>

namespace sparsa::runtime {

inline constexpr const char *kModuleInfoSymbol = "sparsa_module_info";
inline constexpr const char *kAttentionInfoSuffix = "_sparsa_info";

struct PartMetadata {
  std::string symbol;
  int64_t headDim = 0, blockQ = 0, blockK = 0, vectorWidth = 0;
  bool coversAllQueries = true;
  std::vector<std::string> params;
};

struct AttentionMetadata {
  std::string name;
  std::vector<PartMetadata> parts;
  /// The parameter check (KernelABI.h, kParamCheckSuffix) and its messages,
  /// lines "check SYMBOL" and "rule TEXT"; empty without runtime parameters.
  std::string paramCheck;
  std::vector<std::string> paramRules;
};

std::string formatModuleMetadata(const std::vector<std::string> &attentions);
std::string formatAttentionMetadata(const AttentionMetadata &attention);

/// Parsers; on failure they return false and set `error`.
bool parseModuleMetadata(const std::string &text,
                         std::vector<std::string> &attentions,
                         std::string &error);
bool parseAttentionMetadata(const std::string &text, AttentionMetadata &out,
                            std::string &error);

} // namespace sparsa::runtime

#endif // SPARSA_LIB_RUNTIME_KERNELMETADATA_H
