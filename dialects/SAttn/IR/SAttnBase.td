//===- SAttnBase.td - sattn dialect definition -------------*- tablegen -*-===//
//
// The `sattn` dialect: the tiled schedule of a sparse attention computation,
// the common input of the CPU and GPU backends.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_SATTN_BASE_TD
#define SPARSA_SATTN_BASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def SAttn_Dialect : Dialect {
  let name = "sattn";
  let cppNamespace = "::sparsa::sattn";
  let summary = "Tiled schedules of sparse attention";
  let description = [{
    A `sattn.kernel` says, for one query tile of one head, which key tiles
    are visited and how: FULL tiles (every pair allowed, no predicate),
    PARTIAL tiles (the kernel's predicate region decides per pair); every
    other key tile is EMPTY and never touched. The key tiles are given by
    `sattn.range` ops whose bounds are computed from the query-tile index in
    closed form by ordinary `arith` ops, so the schedule takes O(1) space
    for structured masks. The attention itself is the usual online softmax
    over the visited tiles in increasing key-tile order:

    ```
    m = -inf, l = 0, acc = 0
    for each visited key tile: s = scale * Q K^T (predicate -> -inf)
      m' = max(m, rowmax s); p = exp(s - m'); l = l e^(m - m') + rowsum p
      acc = acc e^(m - m') + p V; m = m'
    O = l > 0 ? acc / l : 0;  LSE = l > 0 ? m + log l : -inf
    ```

    Tile sizes are chosen by the `sparsa-select-tiling` policy pass and
    recorded as `#sattn.tiling`; lowerings only read them.
  }];
  let useDefaultAttributePrinterParser = 1;
}

class SAttn_Op<string mnemonic, list<Trait> traits = []>
    : Op<SAttn_Dialect, mnemonic, traits>;

def SAttn_TileClass : I32EnumAttr<"TileClass", "class of a key tile", [
    I32EnumAttrCase<"full", 0>,
    I32EnumAttrCase<"partial", 1>
  ]> {
  let cppNamespace = "::sparsa::sattn";
  let genSpecializedAttr = 0;
}

def SAttn_TileClassAttr : EnumAttr<SAttn_Dialect, SAttn_TileClass, "class">;

def SAttn_TilingAttr : AttrDef<SAttn_Dialect, "Tiling"> {
  let mnemonic = "tiling";
  let summary = "Tile sizes and vector width chosen for a target";
  let description = [{
    `block_q` queries by `block_k` keys per tile; `vector_width` f32 lanes
    of the target's vector registers (16 for AVX-512, 8 for AVX2; the GPU
    backend records its warp layout instead); `target` names the backend.

    ```mlir
    #sattn.tiling<block_q = 64, block_k = 64, vector_width = 16, target = "cpu">
    ```
  }];
  let parameters = (ins "int64_t":$block_q, "int64_t":$block_k,
                        "int64_t":$vector_width,
                        StringRefParameter<"target">:$target);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def SAttn_LayoutAttr : AttrDef<SAttn_Dialect, "Layout"> {
  let mnemonic = "layout";
  let summary = "Token permutation applied before the tiled computation";
  let description = [{
    With `residue = L > 1`, queries and keys are permuted into residue
    classes modulo L before tiling: position `x` of a sequence of length `n`
    moves to `(x mod L) * ceil(n / L) + x div L`, so a congruence
    `(q - k) mod L == 0` becomes a block-diagonal structure whose allowed
    pairs form dense tiles. Outputs are written back through the inverse
    permutation. `residue = 1` is the identity.

    ```mlir
    #sattn.layout<residue = 128>
    ```
  }];
  let parameters = (ins "int64_t":$residue);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

#endif // SPARSA_SATTN_BASE_TD
