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

def SAttn_MmaKind : I32EnumAttr<"MmaKind",
    "tensor-core instructions a CUDA kernel computes its tiles with", [
    I32EnumAttrCase<"mma_sync", 0>
  ]> {
  let cppNamespace = "::sparsa::sattn";
  let genSpecializedAttr = 0;
}

def SAttn_CudaConfigAttr : AttrDef<SAttn_Dialect, "CudaConfig"> {
  let mnemonic = "cuda_config";
  let summary = "How a CUDA kernel is built: the policy's choices for a GPU";
  let description = [{
    Everything the CUDA lowering needs beyond the tile sizes, decided by
    `sparsa-select-tiling target=cuda` and only read by
    `convert-sattn-to-gpu`:

    * `chip`: the architecture (`sm_80`, `sm_90`, ...); its shared memory
      bounds the tiles.
    * `mma`: the tensor-core instructions (`mma_sync`: ldmatrix fragments,
      mma.sync m16n8k16, cp.async copies).
    * `element_type`: Q, K, V and O elements, bf16 or f16 (fp32
      accumulation).
    * `rows_per_warp`: query rows each warp owns, 16 or 32 (two MMA row
      tiles share every K / V fragment read).
    * `stages`: shared-memory slots per K and V tile ring.
    * `q_in_registers`: the Q tile's A fragments stay in registers for the
      whole row; otherwise they are reread from shared memory per key tile
      (two row tiles of a large head dim would spill).

    ```mlir
    #sattn.cuda_config<chip = "sm_90", mma = mma_sync, element_type = bf16,
                       rows_per_warp = 16, stages = 2, q_in_registers = true>
    ```
  }];
  let parameters = (ins StringRefParameter<"chip">:$chip,
                        EnumParameter<SAttn_MmaKind>:$mma,
                        "mlir::Type":$element_type,
                        "int64_t":$rows_per_warp,
                        "int64_t":$stages,
                        "bool":$q_in_registers);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

// Printed in full (`#sattn.cuda_config<...>`) inside a tiling.
def SAttn_OptionalCudaConfig
    : OptionalParameter<"CudaConfigAttr", "the GPU policy of a cuda tiling"> {
  let printer = "$_printer.printAttribute($_self)";
}

def SAttn_TilingAttr : AttrDef<SAttn_Dialect, "Tiling"> {
  let mnemonic = "tiling";
  let summary = "Tile sizes and vector width chosen for a target";
  let description = [{
    `block_q` queries by `block_k` keys per tile; `vector_width` f32 lanes
    of the target's vector registers (16 for AVX-512, 8 for AVX2; 8 on the
    GPU, the elements of one 16-byte copy); `target` names the backend.
    A `cuda` tiling carries the rest of the GPU policy as `cuda`
    (`#sattn.cuda_config`); a `cpu` tiling has none.

    ```mlir
    #sattn.tiling<block_q = 64, block_k = 64, vector_width = 16, target = "cpu">
    #sattn.tiling<block_q = 128, block_k = 64, vector_width = 8,
                  target = "cuda", cuda = #sattn.cuda_config<...>>
    ```
  }];
  let parameters = (ins "int64_t":$block_q, "int64_t":$block_k,
                        "int64_t":$vector_width,
                        StringRefParameter<"target">:$target,
                        SAttn_OptionalCudaConfig:$cuda);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def SAttn_TokenMapKind : I32EnumAttr<"TokenMapKind", "kind of token map", [
    I32EnumAttrCase<"identity", 0>,
    I32EnumAttrCase<"residue", 1>,
    I32EnumAttrCase<"summary_gather", 2>,
    I32EnumAttrCase<"member_gather", 3>
  ]> {
  let cppNamespace = "::sparsa::sattn";
  let genSpecializedAttr = 0;
}

def SAttn_TokenMapAttr : AttrDef<SAttn_Dialect, "TokenMap"> {
  let mnemonic = "token_map";
  let summary = "Which token each position of a kernel's query/key space holds";
  let description = [{
    A kernel computes over a space of positions; the map says which token of
    the sequence (length N) sits at position `p`. Positions holding no token
    are padding: never allowed, never written.

    * `identity`: position p holds token p; N positions.
    * `residue` (period L): token t sits at `(t mod L) * S + t div L` with
      `S = ceil(ceil(N / L) / B) * B` for the side's tile size B, so that
      every residue class starts on a tile boundary; `L * S` positions.
      A distance congruence `(q - k) mod L == r` becomes banded.
    * `summary_gather` (period p, count c): position g holds token
      `(g div c) * p + p - c + g mod c` (the last c tokens of every block of
      p), the positions whose token is < N.
    * `member_gather` (members): position g holds the g-th smallest member
      after negative members are resolved against N (those in [0, N)).

    ```mlir
    #sattn.token_map<identity>
    #sattn.token_map<residue, period = 128>
    #sattn.token_map<summary_gather, period = 128, count = 16>
    #sattn.token_map<member_gather, members = [0, 1, -1]>
    ```
  }];
  let parameters = (ins
    EnumParameter<SAttn_TokenMapKind>:$kind,
    DefaultValuedParameter<"int64_t", "1">:$period,
    DefaultValuedParameter<"int64_t", "0">:$count,
    OptionalArrayRefParameter<"int64_t">:$members);
  // Custom syntax: the optional `key = value` fields may come in any
  // order, which optional groups of a declarative format cannot express.
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
}

#endif // SPARSA_SATTN_BASE_TD
