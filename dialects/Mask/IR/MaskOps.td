//===- MaskOps.td - mask dialect operations ----------------*- tablegen -*-===//
//
// Building blocks, combinators and the attention op of the `mask` dialect.
// Every op is pure: masks are values, and equal expressions may be CSE'd.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_MASK_OPS_TD
#define SPARSA_MASK_OPS_TD

include "dialects/Mask/IR/MaskBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"

//===----------------------------------------------------------------------===//
// Leaves without parameters
//===----------------------------------------------------------------------===//

def Mask_AllOp : Mask_Op<"all", [Pure]> {
  let summary = "The mask that allows every pair";
  let description = [{
    `allowed(h, q, k) = true`.

    ```mlir
    %m = mask.all
    ```
  }];
  let results = (outs Mask_MaskType:$result);
  let builders = [OpBuilder<(ins), [{
    build($_builder, $_state, MaskType::get($_builder.getContext()));
  }]>];
  let assemblyFormat = "attr-dict";
}

def Mask_NoneOp : Mask_Op<"none", [Pure]> {
  let summary = "The mask that allows no pair";
  let description = [{
    `allowed(h, q, k) = false`.

    ```mlir
    %m = mask.none
    ```
  }];
  let results = (outs Mask_MaskType:$result);
  let builders = [OpBuilder<(ins), [{
    build($_builder, $_state, MaskType::get($_builder.getContext()));
  }]>];
  let assemblyFormat = "attr-dict";
}

//===----------------------------------------------------------------------===//
// Parametric leaves
//===----------------------------------------------------------------------===//

// A leaf whose integer parameters are each either a compile-time constant
// (kept in `static_params`) or a runtime `index` value (one operand per
// dynamic entry, marked by ShapedType::kDynamic in `static_params`), printed
// as `[%w, 0]` like the mixed offsets of `memref.subview`.
class Mask_ParamOp<string mnemonic, list<string> names, string desc>
    : Mask_Op<mnemonic, [Pure]> {
  let arguments = (ins Variadic<Index>:$params,
                       DenseI64ArrayAttr:$static_params);
  let results = (outs Mask_MaskType:$result);
  let assemblyFormat = [{
    custom<DynamicIndexList>($params, $static_params) attr-dict
  }];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
  list<string> paramNames = names;
  let description = desc;
  let builders = [
    OpBuilder<(ins "llvm::ArrayRef<mlir::OpFoldResult>":$values), [{
      llvm::SmallVector<int64_t> statics;
      llvm::SmallVector<mlir::Value> dynamics;
      mlir::dispatchIndexOpFoldResults(values, dynamics, statics);
      build($_builder, $_state, MaskType::get($_builder.getContext()),
            dynamics, $_builder.getDenseI64ArrayAttr(statics));
    }]>,
    OpBuilder<(ins "llvm::ArrayRef<int64_t>":$values), [{
      build($_builder, $_state, MaskType::get($_builder.getContext()),
            mlir::ValueRange(), $_builder.getDenseI64ArrayAttr(values));
    }]>
  ];
  let extraClassDeclaration = [{
    /// The parameters in order, each a constant or a runtime value.
    llvm::SmallVector<mlir::OpFoldResult> getMixedParams() {
      return mlir::getMixedValues(getStaticParams(), getParams(),
                                  getContext());
    }
    /// The i-th parameter if it is a compile-time constant.
    std::optional<int64_t> getConstantParam(unsigned i) {
      int64_t v = getStaticParams()[i];
      if (mlir::ShapedType::isDynamic(v))
        return std::nullopt;
      return v;
    }
    /// Names of the parameters, in order, as used in diagnostics and docs.
    static llvm::ArrayRef<llvm::StringLiteral> getParamNames();
  }];
  let extraClassDefinition = [{
    llvm::ArrayRef<llvm::StringLiteral> $cppClass::getParamNames() {
      static const llvm::StringLiteral names[] = {"}] #
      !interleave(names, "\", \"") # [{"};
      return names;
    }
  }];
}

def Mask_CausalOp : Mask_ParamOp<"causal", ["offset"], [{
    `allowed(h, q, k) = k <= q + offset`. `mask.causal [0]` is the usual
    lower-triangular mask; a positive offset lets each query see that many
    future keys.

    ```mlir
    %m = mask.causal [0]
    %n = mask.causal [%c]
    ```
  }]> {
  let summary = "Keys at or before the query, shifted by an offset";
}

def Mask_WindowOp : Mask_ParamOp<"window", ["before", "after"], [{
    `allowed(h, q, k) = q - before <= k <= q + after`, with `before >= 0` and
    `after >= 0`: a band around the diagonal.

    ```mlir
    %m = mask.window [256, 256]
    %swa = mask.window [%w, 0]
    ```
  }]> {
  let summary = "A sliding window around the diagonal";
}

def Mask_StrideOp : Mask_ParamOp<"stride", ["period", "residue"], [{
    `allowed(h, q, k) = (q - k) mod period == residue`, with the
    mathematical modulo, `period >= 1` and `0 <= residue < period`.

    ```mlir
    %m = mask.stride [128, 0]
    ```
  }]> {
  let summary = "Pairs whose distance is congruent to a residue";
}

def Mask_DilatedOp : Mask_ParamOp<"dilated", ["before", "after", "dilation"], [{
    `allowed(h, q, k) = q - before <= k <= q + after and
    (q - k) mod dilation == 0`: a window that keeps every `dilation`-th
    diagonal.

    ```mlir
    %m = mask.dilated [1024, 0, 2]
    ```
  }]> {
  let summary = "A dilated sliding window";
}

def Mask_BlocksOp : Mask_ParamOp<"blocks", ["size"], [{
    `allowed(h, q, k) = q / size == k / size` (integer division): a
    block-diagonal mask, e.g. chunked attention.

    ```mlir
    %m = mask.blocks [2048]
    ```
  }]> {
  let summary = "Block-diagonal attention";
}

def Mask_SummaryOp : Mask_ParamOp<"summary", ["period", "count"], [{
    `allowed(h, q, k) = k mod period >= period - count`: the last `count`
    keys of every block of `period` keys (the "fixed" pattern's summary
    columns). Requires `period >= 1` and `count >= 0`.

    ```mlir
    %m = mask.summary [128, 16]
    ```
  }]> {
  let summary = "Summary columns at the end of every block";
}

def Mask_PrefixOp : Mask_ParamOp<"prefix", ["length"], [{
    `allowed(h, q, k) = k < length`. Combined with `causal` it gives a
    prefix-LM mask.

    ```mlir
    %m = mask.prefix [%p]
    ```
  }]> {
  let summary = "Keys in a prefix of the sequence";
}

def Mask_RandomBlocksOp
    : Mask_ParamOp<"random_blocks", ["block", "count", "seed"], [{
    Key block `k / block` is allowed for query block `q / block` when it is
    one of the `count` distinct blocks drawn for that query block. The draw
    is Floyd's sampling algorithm over the `ceil(Nk / block)` key blocks,
    driven by the counter-based hash `sparsa::mask::randomBlockHash(seed,
    queryBlock, j)` (SplitMix64 finalizers), so every target computes the
    same set without tables. If `count` reaches the number of key blocks,
    every block is drawn.

    ```mlir
    %m = mask.random_blocks [64, 3, 42]
    ```
  }]> {
  let summary = "Randomly drawn key blocks per query block (BigBird)";
}

//===----------------------------------------------------------------------===//
// Index-set leaves
//===----------------------------------------------------------------------===//

class Mask_SetOp<string mnemonic, string desc> : Mask_Op<mnemonic, [Pure]> {
  let arguments = (ins Mask_IndexSetAttr:$set);
  let results = (outs Mask_MaskType:$result);
  let assemblyFormat = "qualified($set) attr-dict";
  let builders = [OpBuilder<(ins "IndexSetAttr":$set), [{
    build($_builder, $_state, MaskType::get($_builder.getContext()), set);
  }]>];
  let hasCanonicalizer = 1;
  let description = desc;
}

def Mask_GlobalOp : Mask_SetOp<"global", [{
    `allowed(h, q, k) = q in S or k in S`: global tokens attend to every key
    and every query attends to them. Negative members of `S` are resolved
    against `Nq` for queries and `Nk` for keys.

    ```mlir
    %m = mask.global #mask.set<0 to 64>
    ```
  }]> {
  let summary = "Global tokens: rows and columns of a set";
}

def Mask_GlobalRowsOp : Mask_SetOp<"global_rows", [{
    `allowed(h, q, k) = q in S`.

    ```mlir
    %m = mask.global_rows #mask.set<[0, -1]>
    ```
  }]> {
  let summary = "Queries of a set attend to every key";
}

def Mask_GlobalColsOp : Mask_SetOp<"global_cols", [{
    `allowed(h, q, k) = k in S`.

    ```mlir
    %m = mask.global_cols #mask.set<-16 to end>
    ```
  }]> {
  let summary = "Every query attends to keys of a set";
}

//===----------------------------------------------------------------------===//
// Combinators
//===----------------------------------------------------------------------===//

def Mask_UnionOp : Mask_Op<"union", [Pure, Commutative]> {
  let summary = "Union of masks";
  let description = [{
    A pair is allowed when any operand allows it. Canonicalization flattens
    nested unions, removes duplicates and sorts the operands into a
    canonical order, so equal masks print equally.

    ```mlir
    %m = mask.union %a, %b, %c
    ```
  }];
  let arguments = (ins Variadic<Mask_MaskType>:$inputs);
  let results = (outs Mask_MaskType:$result);
  let assemblyFormat = "$inputs attr-dict";
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

def Mask_IntersectOp : Mask_Op<"intersect", [Pure, Commutative]> {
  let summary = "Intersection of masks";
  let description = [{
    A pair is allowed when every operand allows it.

    ```mlir
    %m = mask.intersect %causal, %window
    ```
  }];
  let arguments = (ins Variadic<Mask_MaskType>:$inputs);
  let results = (outs Mask_MaskType:$result);
  let assemblyFormat = "$inputs attr-dict";
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

def Mask_DifferenceOp : Mask_Op<"difference", [Pure]> {
  let summary = "Pairs allowed by the first mask and not the second";
  let description = [{
    `allowed = lhs and not rhs`.

    ```mlir
    %m = mask.difference %all, %diag
    ```
  }];
  let arguments = (ins Mask_MaskType:$lhs, Mask_MaskType:$rhs);
  let results = (outs Mask_MaskType:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict";
  let builders = [OpBuilder<(ins "mlir::Value":$lhs, "mlir::Value":$rhs), [{
    build($_builder, $_state, MaskType::get($_builder.getContext()), lhs, rhs);
  }]>];
  let hasCanonicalizer = 1;
}

def Mask_ComplementOp : Mask_Op<"complement", [Pure]> {
  let summary = "Pairs a mask does not allow";
  let description = [{
    `allowed = not input`.

    ```mlir
    %m = mask.complement %a
    ```
  }];
  let arguments = (ins Mask_MaskType:$input);
  let results = (outs Mask_MaskType:$result);
  let assemblyFormat = "$input attr-dict";
  let builders = [OpBuilder<(ins "mlir::Value":$input), [{
    build($_builder, $_state, MaskType::get($_builder.getContext()), input);
  }]>];
  let hasCanonicalizer = 1;
}

def Mask_HeadsOp : Mask_Op<"heads", [Pure]> {
  let summary = "A different mask for each range of heads";
  let description = [{
    `ends` are the exclusive upper bounds of consecutive head ranges starting
    at 0; operand `i` is the mask of heads `[ends[i-1], ends[i])`. The number
    of heads is the last end. Heads at or beyond it allow nothing.

    ```mlir
    // heads 0..4 use %a, heads 4..8 use %b
    %m = mask.heads [4, 8] %a, %b
    ```
  }];
  let arguments = (ins DenseI64ArrayAttr:$ends,
                       Variadic<Mask_MaskType>:$inputs);
  let results = (outs Mask_MaskType:$result);
  let assemblyFormat = "$ends $inputs attr-dict";
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

//===----------------------------------------------------------------------===//
// Sequence lengths
//===----------------------------------------------------------------------===//

def Mask_QueryLenOp : Mask_Op<"query_len", [Pure]> {
  let summary = "The number of queries Nq, known when the kernel runs";
  let description = [{
    ```mlir
    %nq = mask.query_len
    ```
  }];
  let results = (outs Index:$result);
  let assemblyFormat = "attr-dict";
}

def Mask_KeyLenOp : Mask_Op<"key_len", [Pure]> {
  let summary = "The number of keys Nk, known when the kernel runs";
  let description = [{
    The pattern language's `N` is the key sequence length.

    ```mlir
    %n = mask.key_len
    %last16 = arith.subi %n, %c16 : index
    ```
  }];
  let results = (outs Index:$result);
  let assemblyFormat = "attr-dict";
}

#endif // SPARSA_MASK_OPS_TD
