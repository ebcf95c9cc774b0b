//===- MaskReference.h - reference semantics of masks -----------*- C++ -*-===//
//
// The single definition of what a `!mask.mask` value means: an evaluator of
// allowed(h, q, k) for given sequence lengths and runtime parameter values.
// Every later stage (canonicalization, normal form, tile classification,
// kernels) is tested against it. It is deliberately simple and direct: a
// tree walk over the defining ops, no cleverness that could share a bug with
// the stages it checks.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_DIALECTS_MASK_IR_MASKREFERENCE_H
#define SPARSA_DIALECTS_MASK_IR_MASKREFERENCE_H

#include "mlir/IR/Value.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace sparsa::mask {

/// An evaluable snapshot of a mask value. Index operands (runtime parameters)
/// are resolved once when it is built: block arguments of the enclosing
/// function take the values in `args` (by argument number), `mask.query_len`
/// and `mask.key_len` the sequence lengths, and `arith` integer ops are
/// evaluated with overflow checks.
class ReferenceMask {
public:
  static llvm::Expected<ReferenceMask> build(mlir::Value mask,
                                             int64_t numQueries,
                                             int64_t numKeys,
                                             llvm::ArrayRef<int64_t> args = {});

  /// allowed(h, q, k). Indices outside [0, Nq) x [0, Nk) are never allowed.
  bool allowed(int64_t h, int64_t q, int64_t k) const;

  /// The number of heads a `mask.heads` at the root fixes, or 0 when the
  /// mask is the same for every head.
  int64_t numHeads() const { return heads; }
  int64_t numQueries() const { return nq; }
  int64_t numKeys() const { return nk; }

  /// One op of the mask expression, with its parameters resolved.
  struct Node {
    enum class Kind {
      All,
      None,
      Causal,
      Window,
      Stride,
      Dilated,
      Blocks,
      Summary,
      Prefix,
      RandomBlocks,
      Global,
      GlobalRows,
      GlobalCols,
      Union,
      Intersect,
      Difference,
      Complement,
      Heads
    };
    Kind kind;
    int64_t p[3] = {0, 0, 0};
    // Index sets, resolved against Nq (rows) and Nk (columns): a half-open
    // range when `isRange`, otherwise sorted members.
    bool isRange = true;
    int64_t rowLo = 0, rowHi = 0, colLo = 0, colHi = 0;
    llvm::SmallVector<int64_t> rowMembers, colMembers;
    llvm::SmallVector<unsigned> children;
    llvm::SmallVector<int64_t> ends; // mask.heads
  };

private:
  ReferenceMask() = default;
  bool eval(unsigned node, int64_t h, int64_t q, int64_t k) const;

  std::vector<Node> nodes; // post-order; the root is last
  int64_t nq = 0, nk = 0, heads = 0;
};

} // namespace sparsa::mask

#endif // SPARSA_DIALECTS_MASK_IR_MASKREFERENCE_H
