//===- TileExpr.h - closed-form index expressions ---------------*- C++ -*-===//
//
// A small symbolic integer expression over one free index variable (the
// query-tile index `i` in tile bounds, a query index `q` in per-row
// formulas), the sequence lengths Nq and Nk and the runtime parameters of a
// mask function. The mask analyses describe every bound with it — runtime
// parameters of the normal form, key-tile ranges of the tile
// classification, permutations of the layout plan — so that one
// description can be (a) evaluated in C++ for given values, (b) printed for
// lit tests and (c) emitted as `arith` ops by the schedule lowering.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_ANALYSIS_TILEEXPR_H
#define SPARSA_LIB_ANALYSIS_TILEEXPR_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace sparsa::analysis {

/// An immutable, shared expression tree. Construction folds constants and
/// the identities `x + 0`, `x * 1`, `x * 0`, `floordiv(x, 1)`, `min(c1, c2)`
/// and so on, so bounds built from constant parameters print as constants.
/// A default-constructed TileExpr is null (`!expr`); every other value is a
/// well-formed expression.
///
/// The free variable, Nq and Nk are assumed non-negative (folding relies
/// on it: `max(i * 64, 0)` folds to `i * 64`); parameters may be anything.
/// Semantics are those of the integers: `floorDiv`/`ceilDiv`/`mod` round
/// toward -inf/+inf and give a result in [0, m) for `mod` (m > 0);
/// `truncDiv`/`truncRem` are C's `/` and `%` (the `arith.divsi`/`remsi` of
/// runtime parameter computations).
class TileExpr {
public:
  enum class Kind : uint8_t {
    Constant,   ///< an int64 constant
    Index,      ///< the free variable: query-tile index i (or a row q)
    NumQueries, ///< Nq
    NumKeys,    ///< Nk
    Param,      ///< runtime parameter #j (block argument j of the function)
    Add,
    Sub,
    Mul,
    FloorDiv,
    CeilDiv,
    Mod, ///< floor modulo, result in [0, rhs) for rhs > 0
    TruncDiv,
    TruncRem,
    Min,
    Max
  };

  TileExpr() = default;

  static TileExpr constant(int64_t value);
  /// The free variable `i`.
  static TileExpr index();
  static TileExpr numQueries();
  static TileExpr numKeys();
  /// Runtime parameter `j`: the function's block argument number `j`.
  static TileExpr param(unsigned j);

  friend TileExpr operator+(const TileExpr &a, const TileExpr &b);
  friend TileExpr operator-(const TileExpr &a, const TileExpr &b);
  friend TileExpr operator*(const TileExpr &a, const TileExpr &b);
  friend TileExpr operator+(const TileExpr &a, int64_t b);
  friend TileExpr operator-(const TileExpr &a, int64_t b);
  friend TileExpr operator*(const TileExpr &a, int64_t b);
  static TileExpr floorDiv(const TileExpr &a, const TileExpr &b);
  static TileExpr ceilDiv(const TileExpr &a, const TileExpr &b);
  static TileExpr mod(const TileExpr &a, const TileExpr &b);
  static TileExpr truncDiv(const TileExpr &a, const TileExpr &b);
  static TileExpr truncRem(const TileExpr &a, const TileExpr &b);
  static TileExpr min(const TileExpr &a, const TileExpr &b);
  static TileExpr max(const TileExpr &a, const TileExpr &b);
  /// 1 when `a >= 0`, else 0, spelled `min(max(a + 1, 0), 1)` so that no
  /// comparison op is needed; used to switch ranges off.
  static TileExpr nonNegative(const TileExpr &a);

  explicit operator bool() const { return node != nullptr; }
  Kind getKind() const;
  /// The constant value, if the expression is a constant.
  std::optional<int64_t> getConstant() const;
  /// The parameter number of a Param expression.
  unsigned getParamNumber() const;
  /// Operands of a binary expression (null for leaves).
  TileExpr getLHS() const;
  TileExpr getRHS() const;
  /// True if the expression mentions the free variable.
  bool dependsOnIndex() const;
  /// Structural equality.
  bool operator==(const TileExpr &other) const;
  bool operator!=(const TileExpr &other) const { return !(*this == other); }

  /// Replaces the free variable by `value` (folding what becomes constant).
  TileExpr substituteIndex(const TileExpr &value) const;
  /// Nq in place of Nk and Nk in place of Nq (the transposed problem).
  TileExpr swapLengths() const;
  /// Replaces Nq, Nk and the parameters by constants, leaving the index.
  TileExpr bind(int64_t nq, int64_t nk, llvm::ArrayRef<int64_t> params) const;

  /// Infix form, e.g. `max(floordiv(i * 64 - %0, 128), 0)`; Nq and Nk print
  /// as `Nq`/`Nk`, parameter j as `%j`, the free variable as `i`.
  void print(llvm::raw_ostream &os) const;
  std::string str() const;

  struct Node;
  friend class CompiledTileExpr;

private:
  explicit TileExpr(std::shared_ptr<const Node> n) : node(std::move(n)) {}
  static TileExpr binary(Kind k, const TileExpr &a, const TileExpr &b);
  std::shared_ptr<const Node> node;
};

inline llvm::raw_ostream &operator<<(llvm::raw_ostream &os, const TileExpr &e) {
  e.print(os);
  return os;
}

/// Values of the symbols of a TileExpr.
struct TileEnv {
  int64_t index = 0;
  int64_t numQueries = 0;
  int64_t numKeys = 0;
  llvm::ArrayRef<int64_t> params;
};

/// Exact evaluation: fails on overflow, division by zero and a parameter
/// number without a value (with a message naming it).
llvm::Expected<int64_t> evaluate(const TileExpr &e, const TileEnv &env);

/// A TileExpr compiled into straight-line code after Nq, Nk and the
/// parameters were bound, for evaluating one bound for many values of the
/// index quickly (tile enumeration, per-row statistics). Arithmetic
/// saturates at the int64 range instead of overflowing, and division by zero
/// or modulo by a non-positive value (impossible for the bounds the analyses
/// build, whose divisors are tile sizes and validated mask parameters)
/// yields 0.
class CompiledTileExpr {
public:
  CompiledTileExpr() = default;
  /// Binds `e` with `env` (its `index` is ignored) and compiles the rest:
  /// shared subexpressions are computed once, constant ones at compile time.
  explicit CompiledTileExpr(const TileExpr &e, const TileEnv &env);
  /// Several expressions compiled together, sharing their common
  /// subexpressions (e.g. the four bounds of a clause tiling).
  CompiledTileExpr(llvm::ArrayRef<TileExpr> outputs, const TileEnv &env);
  /// The (first) expression's value.
  int64_t operator()(int64_t index) const;
  /// Every output's value, in order, into `out`.
  void evaluate(int64_t index, int64_t *out) const;
  bool isConstant() const { return code.empty(); }

private:
  struct Insn {
    TileExpr::Kind op;
    /// Operand slots; a slot >= 0 is an earlier instruction, -1 the index,
    /// -2 - c the constant pool entry c.
    int32_t lhs, rhs;
  };
  llvm::SmallVector<Insn, 8> code;
  llvm::SmallVector<int64_t, 4> constants;
  /// The results: instruction slots, the index or constants as above.
  llvm::SmallVector<int32_t, 1> results;
  /// The same program over one flat slot array: constants first, then the
  /// index, then one slot per instruction (operands are plain indices).
  struct FlatInsn {
    TileExpr::Kind op;
    uint32_t lhs, rhs, dst;
  };
  llvm::SmallVector<FlatInsn, 8> flat;
  llvm::SmallVector<uint32_t, 4> flatResults;
  void flatten();
};

/// SSA values standing for the symbols when emitting a TileExpr.
struct TileExprOperands {
  mlir::Value index;      ///< the free variable (may be null if unused)
  mlir::Value numQueries; ///< Nq (may be null if unused)
  mlir::Value numKeys;    ///< Nk (may be null if unused)
  llvm::ArrayRef<mlir::Value> params; ///< runtime parameter j at [j]
};

/// Emits `e` as `arith` ops on `index` values (`arith.addi`, `subi`,
/// `muli`, `floordivsi`, `ceildivsi`, `divsi`, `remsi`, `minsi`, `maxsi`,
/// `constant`); `mod` is emitted as `a - b * floordiv(a, b)`. Returns a null
/// value and emits an error at `loc` if a needed symbol has no operand.
mlir::Value emitTileExpr(mlir::OpBuilder &b, mlir::Location loc,
                         const TileExpr &e, const TileExprOperands &operands);

/// Helpers for saturating int64 arithmetic shared by the analyses.
int64_t satAdd(int64_t a, int64_t b);
int64_t satSub(int64_t a, int64_t b);
int64_t satMul(int64_t a, int64_t b);
/// Floor / ceil division (b == 0 gives 0, saturating) and floor modulo
/// (b <= 0 gives 0).
int64_t floorDivInt(int64_t a, int64_t b);
int64_t ceilDivInt(int64_t a, int64_t b);
int64_t modInt(int64_t a, int64_t b);

} // namespace sparsa::analysis

#endif // SPARSA_LIB_ANALYSIS_TILEEXPR_H
