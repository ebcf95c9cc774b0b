//===- MaskBase.td - mask dialect definition ---------------*- tablegen -*-===//
//
// The `mask` dialect: attention sparsity patterns as a declarative predicate
// algebra over (head, query, key) triples.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_MASK_BASE_TD
#define SPARSA_MASK_BASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def Mask_Dialect : Dialect {
  let name = "mask";
  let cppNamespace = "::sparsa::mask";
  let summary = "Declarative attention masks";
  let description = [{
    A value of type `!mask.mask` denotes a predicate `allowed(h, q, k)` over a
    head `h`, a query index `q` and a key index `k` (`0 <= q < Nq`,
    `0 <= k < Nk`). The ops build such predicates from structured building
    blocks (windows, strides, global tokens, blocks, ...) and combine them
    with set algebra. Compile-time parameters are attributes; runtime
    parameters are `index` SSA values, typically function arguments. The
    dialect's reference evaluator (`dialects/Mask/IR/MaskReference.h`) is the
    single definition of what a mask means.

    ```mlir
    func.func @longformer(%w: index) -> !mask.mask {
      %local = mask.window [%w, %w]
      %glob = mask.global #mask.set<0 to 64>
      %m = mask.union %local, %glob
      return %m : !mask.mask
    }
    ```
  }];
  let useDefaultTypePrinterParser = 1;
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 0;
}

class Mask_Op<string mnemonic, list<Trait> traits = []>
    : Op<Mask_Dialect, mnemonic, traits>;

def Mask_MaskType : TypeDef<Mask_Dialect, "Mask"> {
  let mnemonic = "mask";
  let summary = "An attention mask: a predicate over (head, query, key)";
  let description = [{
    A set of allowed (head, query, key) triples. Values of this type are pure
    descriptions; no memory is associated with them.

    ```mlir
    %m = mask.causal [0]
    ```
  }];
}

def Mask_IndexSetAttr : AttrDef<Mask_Dialect, "IndexSet"> {
  let mnemonic = "set";
  let summary = "A set of token indices: a half-open range or a list";
  let description = [{
    Either a half-open range `lo to hi` or a list `[i, j, ...]`. Negative
    indices count from the end of the sequence (`-1` is the last token). An
    open end (`lo to end`) runs to the end of the sequence; the spec's open
    start (`..hi`) is `0 to hi`. After negative indices are resolved against the sequence length,
    members outside `[0, N)` are ignored, so a set is valid for every N.
    The custom syntax spells the range `lo to hi` because MLIR's lexer reads
    `0..64` as the float `0.` followed by `.64`.

    ```mlir
    #mask.set<0 to 64>
    #mask.set<-16 to end>
    #mask.set<[0, 100, -1]>
    ```
  }];
  let parameters = (ins
    "bool":$isRange,
    "int64_t":$lo,
    "std::optional<int64_t>":$hi,
    ArrayRefParameter<"int64_t">:$elements);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Membership of index `x` in a sequence of length `n`.
    bool contains(int64_t x, int64_t n) const;
    /// The resolved half-open bounds [lo, hi) of a range set, clamped to
    /// [0, n]. Only valid for ranges.
    std::pair<int64_t, int64_t> resolveRange(int64_t n) const;
    /// Resolved, sorted, de-duplicated members of a list set within [0, n).
    llvm::SmallVector<int64_t> resolveList(int64_t n) const;
    /// True if the set is empty for every sequence length.
    bool isAlwaysEmpty() const;
    static IndexSetAttr getRange(mlir::MLIRContext *ctx, int64_t lo,
                                 std::optional<int64_t> hi);
    static IndexSetAttr getList(mlir::MLIRContext *ctx,
                                llvm::ArrayRef<int64_t> elements);
  }];
}

#endif // SPARSA_MASK_BASE_TD
