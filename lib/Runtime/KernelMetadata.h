//===- KernelMetadata.h - the one description of compiled kernels -*- C++
//-*-===//
//
// What a host needs to run a compiled attention, for every target: one
// struct (AttentionMetadata with its PartMetadata), one token-map kind enum
// and one text serialisation, read back by a strict parser (unknown or
// missing keys, repeated keys, malformed numbers, unknown versions and
// targets are errors with a message; nothing defaults to 0). MLIR-free:
// libsparsa_runtime and the CUDA launcher read it without the compiler.
//
//   sparsa-attention 6
//   name NAME
//   target cpu|cuda
//   image chip=sm_XX format=bin|isa        (cuda only, then)
//   part SYMBOL head_dim=D block_q=BQ block_k=BK covers_all_queries=0|1
//        params=P1,P2 <target keys>
//   backward dq=P1,P2 dkdv=K1,K2  (optional: the backward parts, each
//        with SYMBOL_backward and SYMBOL_backward_work_items; KernelABI.h)
//   check NAME_check_params        (optional, then one "rule TEXT" each)
//
// Target keys: cpu `vector_width=VW`; cuda `threads=T shared_bytes=S
// element_type=bf16|f16 query_map=KIND period=P count=C members=M1,M2`.
// Every key of the part's target appears exactly once, in any order.
//
// A CPU shared library built by `sparsac --emit=so` carries it as C string
// symbols so that libsparsa_runtime loads it without the header:
//   sparsa_module_info   "sparsa-module 1\nattention NAME\n..."
//   NAME_sparsa_info     the attention's text above
// A CUDA library (`sparsac --target=cuda --emit=so`, and the CUDA JIT's
// disk cache) is a host shared library of the same form: the same two
// symbols, the host parameter check, and the device image (cubin or PTX,
// every attention's kernels) as the bytes `sparsa_cuda_image` of length
// `sparsa_cuda_image_size` (uint64). `--emit=cubin` writes the texts into
// PREFIX.json beside PREFIX.cubin for inspection and other launchers.
//
// The version changes with the kernel ABI (lib/Runtime/KernelABI.h) or the
// text: 2 added the merge argument, 3 the sequence lengths to the parameter
// check (it takes the whole argument block), 4 the target line, the CUDA
// keys and the strict key set, 5 the image line of CUDA attentions, 6 the
// backward line.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_RUNTIME_KERNELMETADATA_H
#define SPARSA_LIB_RUNTIME_KERNELMETADATA_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sparsa::runtime {

inline constexpr const char *kModuleInfoSymbol = "sparsa_module_info";
inline constexpr const char *kAttentionInfoSuffix = "_sparsa_info";
inline constexpr int kAttentionMetadataVersion = 6;
inline constexpr const char *kCUDAImageSymbol = "sparsa_cuda_image";
inline constexpr const char *kCUDAImageSizeSymbol = "sparsa_cuda_image_size";

/// How a part's query (or key) tile positions map to tokens: the runtime
/// mirror of #sattn.token_map, with the dialect's names (identity, residue,
/// summary_gather, member_gather) as its text form.
enum class TokenMapKind : int {
  identity = 0,
  residue = 1,
  summaryGather = 2,
  memberGather = 3
};
const char *tokenMapKindName(TokenMapKind kind);
std::optional<TokenMapKind> parseTokenMapKind(const std::string &name);

struct TokenMap {
  TokenMapKind kind = TokenMapKind::identity;
  int64_t period = 1, count = 0;
  std::vector<int64_t> members;
  bool operator==(const TokenMap &o) const {
    return kind == o.kind && period == o.period && count == o.count &&
           members == o.members;
  }
};

/// One kernel of an attention.
struct PartMetadata {
  std::string symbol;
  int64_t headDim = 0, blockQ = 0, blockK = 0;
  bool coversAllQueries = true;
  /// Runtime parameters, in the order the kernel takes them.
  std::vector<std::string> params;
  /// cpu: the vector width the kernel was compiled for.
  int64_t vectorWidth = 0;
  /// cuda: threads per block, dynamic shared memory, element type of
  /// Q/K/V/O ("bf16" or "f16") and the query map (the grid).
  int64_t threads = 0, sharedBytes = 0;
  std::string elementType;
  TokenMap queryMap;
  bool operator==(const PartMetadata &o) const;
};

/// A compiled attention: its parts run in order, the later ones merging
/// into O / LSE.
struct AttentionMetadata {
  std::string name;
  std::string target; // "cpu" or "cuda"
  std::vector<PartMetadata> parts;
  /// The parameter check (KernelABI.h, kParamCheckSuffix) and its messages,
  /// lines "check SYMBOL" and "rule TEXT"; empty without runtime parameters.
  std::string paramCheck;
  std::vector<std::string> paramRules;
  /// cuda: the architecture the image is built for (sm_80, sm_90a, ...)
  /// and its format: "bin" (a cubin, runs on that architecture's family)
  /// or "isa" (PTX, compiled by the driver for the device at load).
  std::string chip, imageFormat;
  /// The backward parts (line "backward dq=... dkdv=..."): query-major
  /// parts adding dQ and key-major parts adding dK and dV, by kernel name
  /// (KernelABI.h, kBackwardSuffix); `hasBackward` false without the line.
  bool hasBackward = false;
  std::vector<std::string> backwardDq, backwardDkdv;
  bool operator==(const AttentionMetadata &o) const;
};

std::string formatModuleMetadata(const std::vector<std::string> &attentions);
std::string formatAttentionMetadata(const AttentionMetadata &attention);

/// Parsers; on failure they return false and set `error`. With
/// `expectedTarget`, metadata of another target is an error too.
bool parseModuleMetadata(const std::string &text,
                         std::vector<std::string> &attentions,
                         std::string &error);
bool parseAttentionMetadata(const std::string &text, AttentionMetadata &out,
                            std::string &error,
                            const char *expectedTarget = nullptr);

} // namespace sparsa::runtime

#endif // SPARSA_LIB_RUNTIME_KERNELMETADATA_H
