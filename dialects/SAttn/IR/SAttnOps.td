//===- SAttnOps.td - sattn dialect operations --------------*- tablegen -*-===//

#ifndef SPARSA_SATTN_OPS_TD
#define SPARSA_SATTN_OPS_TD

include "dialects/SAttn/IR/SAttnBase.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/IR/RegionKindInterface.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def SAttn_KernelOp : SAttn_Op<"kernel", [
    Symbol, IsolatedFromAbove, SingleBlock]> {
  let summary = "A sparse attention computation as a tiled schedule";
  let description = [{
    The unit both backends compile. It holds two regions:

    * `schedule`, run once per (batch, head, query tile), with block
      arguments `(%qt, %h, %nq, %nk, %params...)` (query-tile index, head,
      sequence lengths, runtime parameters, all `index`). It computes the
      key-tile ranges of that query tile with `arith` ops and states them
      with `sattn.range` (before expansion) or visits tiles one by one with
      `sattn.visit` inside `scf` loops (after `sattn-expand-ranges`). It ends
      with `sattn.yield`.
    * `predicate`, with block arguments `(%h, %q, %k, %nq, %nk, %params...)`,
      yields the `i1` "is (q, k) allowed for head h". It is used only on
      PARTIAL tiles; it contains only pure `arith` ops so backends can
      evaluate it on vectors of keys.

    `tiling` is written by `sparsa-select-tiling`; `query_map` / `key_map`
    (default identity) say which token each position of the kernel's query
    and key spaces holds (the layout plan); the schedule's query tiles and
    key tiles are tiles of those spaces, while `%nq`/`%nk` and the
    predicate's `%q`/`%k` are always original token counts and indices.
    `head_dim` fixes D for code generation; `num_params` is the number of
    runtime parameters; `param_names` their names.

    A `key_major` kernel is the transposed schedule of the backward pass
    (docs/backward.md): it is built from the transposed mask, so its
    "query tiles" are key tiles of the attention and the tiles it visits
    are query tiles; its `%nq`/`%nk` and the predicate's `%q`/`%k` are the
    attention's key and query counts and indices, and `tiling`'s `block_q`
    is the attention's key tile. The forward lowerings reject it.

    ```mlir
    sattn.kernel @swa attributes {
        tiling = #sattn.tiling<block_q = 64, block_k = 64, vector_width = 16, target = "cpu">,
        head_dim = 64 : i64, num_params = 1 : i64, param_names = ["W"]} {
    ^bb0(%qt: index, %h: index, %nq: index, %nk: index, %w: index):
      ...
      sattn.range %lo to %hi partial
      sattn.yield
    } predicate {
    ^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index, %w: index):
      ...
      sattn.yield %ok : i1
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       OptionalAttr<SAttn_TilingAttr>:$tiling,
                       OptionalAttr<SAttn_TokenMapAttr>:$query_map,
                       OptionalAttr<SAttn_TokenMapAttr>:$key_map,
                       I64Attr:$head_dim,
                       I64Attr:$num_params,
                       StrArrayAttr:$param_names,
                       UnitAttr:$key_major);
  let regions = (region SizedRegion<1>:$schedule, SizedRegion<1>:$predicate);
  let assemblyFormat = [{
    $sym_name attr-dict-with-keyword $schedule `predicate` $predicate
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    static constexpr unsigned kNumScheduleArgs = 4;
    static constexpr unsigned kNumPredicateArgs = 5;
    /// random_range and random predicates draw their blocks in straight-line
    /// code; this bounds its size.
    static constexpr int64_t kMaxRandomCount = 64;
    mlir::Block &getScheduleBlock() { return getSchedule().front(); }
    mlir::Block &getPredicateBlock() { return getPredicate().front(); }
  }];
}

//===----------------------------------------------------------------------===//
// Key-tile ranges
//===----------------------------------------------------------------------===//

def SAttn_KeyTileRangeOpInterface : OpInterface<"KeyTileRangeOpInterface"> {
  let cppNamespace = "::sparsa::sattn";
  let description = [{
    A declarative set of key tiles of the current query tile: the tiles in
    `[lo, hi)` (clamped to the existing tiles) that the op's own closed form
    selects, all of one tile class. Every range op of a schedule implements
    it; the schedule's visit set is the union of its ranges, a tile being
    FULL when a FULL range holds it.

    What passes and backends may rely on, whatever the range kind:
    * the op sits directly in its kernel's schedule block (checked by the
      interface's verifier), so it describes the whole query tile;
    * `getLo()` / `getHi()` bound its tiles and `getTileClass()` is its
      class;
    * `sattn-expand-ranges` replaces all of them by one sweep, and every
      lowering rejects a kernel that still holds one
      (`verifyRangesExpanded`), with the same message on every target.
  }];
  let methods = [
    InterfaceMethod<"First key tile the range may hold (before clamping).",
      "::mlir::Value", "getLo">,
    InterfaceMethod<"End (exclusive) of the key tiles the range may hold.",
      "::mlir::Value", "getHi">,
    InterfaceMethod<"The class every tile of the range is visited with.",
      "::sparsa::sattn::TileClass", "getTileClass", (ins), [{}], [{
        return ::sparsa::sattn::TileClass::partial;
      }]>,
  ];
  let verify = [{
    return ::sparsa::sattn::detail::verifyKeyTileRange($_op);
  }];
}

def SAttn_RangeOp : SAttn_Op<"range", [
    DeclareOpInterfaceMethods<SAttn_KeyTileRangeOpInterface,
                              ["getTileClass"]>]> {
  let summary = "Key tiles [lo, hi) of the current query tile";
  let description = [{
    Declares that key tiles `lo <= kt < hi` (clamped to the existing tiles)
    are visited with the given class. Several ranges of one schedule may
    overlap: the visited set is their union, visited once each in increasing
    order, and a tile is FULL if any FULL range holds it, PARTIAL otherwise.
    `sattn-expand-ranges` turns the ranges into that sweep. Every range op
    implements `KeyTileRangeOpInterface` (bounds, tile class, placement
    directly in the schedule block); this one is the only kind whose tiles
    may be FULL.

    ```mlir
    sattn.range %lo to %hi full
    ```
  }];
  let arguments = (ins Index:$lo, Index:$hi, SAttn_TileClassAttr:$kind);
  let assemblyFormat = "$lo `to` $hi `` $kind attr-dict";
}

def SAttn_PeriodicRangeOp : SAttn_Op<"periodic_range", [
    SAttn_KeyTileRangeOpInterface]> {
  let summary = "Key tiles of [lo, hi) holding a key of some residues";
  let description = [{
    The PARTIAL key tiles `kt` in `[lo, hi)` that hold a key position `k`
    with `rlo <= k mod period < rhi` (e.g. the summary columns of the
    "fixed" pattern). Joins the union of the schedule's ranges like
    `sattn.range` (a `KeyTileRangeOpInterface`, PARTIAL).

    ```mlir
    sattn.periodic_range %lo to %hi period %p residues %rlo to %rhi
    ```
  }];
  let arguments = (ins Index:$lo, Index:$hi, Index:$period, Index:$res_lo,
                       Index:$res_hi);
  let assemblyFormat = [{
    $lo `to` $hi `period` $period `residues` $res_lo `to` $res_hi attr-dict
  }];
}

def SAttn_MemberRangeOp : SAttn_Op<"member_range", [
    SAttn_KeyTileRangeOpInterface]> {
  let summary = "Key tiles of [lo, hi) holding one of a list of keys";
  let description = [{
    The PARTIAL key tiles in `[lo, hi)` that hold one of `members`
    (negative members count from the end of the key sequence; members
    outside it are ignored). A `KeyTileRangeOpInterface`, PARTIAL.

    ```mlir
    sattn.member_range %lo to %hi members [0, 17, -1]
    ```
  }];
  let arguments = (ins Index:$lo, Index:$hi, DenseI64ArrayAttr:$members);
  let assemblyFormat = "$lo `to` $hi `members` $members attr-dict";
}

def SAttn_RandomRangeOp : SAttn_Op<"random_range", [
    SAttn_KeyTileRangeOpInterface]> {
  let summary = "Key tiles of the random blocks drawn for this query tile";
  let description = [{
    The PARTIAL key tiles in `[lo, hi)` that overlap a key block drawn for
    one of the query blocks (of `block` queries) the current query tile
    holds, by the `mask.random_blocks` draw with `count` and `seed`. A
    `KeyTileRangeOpInterface`, PARTIAL.

    With `by_key` (the transposed draw of a key-major schedule), the key
    tiles overlapping a key block whose own draw, among the
    `ceil(nq / block)` query blocks, holds one of the current tile's query
    blocks. There is no closed form: expansion tries the key blocks of the
    range in order, a draw each.

    ```mlir
    sattn.random_range %lo to %hi block %b count 3 seed 42
    sattn.random_range %lo to %hi block %b count 3 seed 42 by_key
    ```
  }];
  let arguments = (ins Index:$lo, Index:$hi, Index:$block, I64Attr:$count,
                       I64Attr:$seed, UnitAttr:$by_key);
  let assemblyFormat = [{
    $lo `to` $hi `block` $block `count` $count `seed` $seed (`by_key` $by_key^)?
    attr-dict
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    static constexpr int64_t kMaxRandomCount = KernelOp::kMaxRandomCount;
  }];
}

def SAttn_VisitOp : SAttn_Op<"visit"> {
  let summary = "Visit one key tile of the current query tile";
  let description = [{
    Folds key tile `kt` into the current query tile's online softmax, as
    FULL (no predicate) or PARTIAL (predicate per pair). Tiles must be
    visited at most once per query tile; order does not change the result
    beyond rounding. The tile index must lie in `[0, ceil(nk / block_k))`.

    ```mlir
    sattn.visit %kt partial
    ```
  }];
  let arguments = (ins Index:$key_tile, SAttn_TileClassAttr:$kind);
  let assemblyFormat = "$key_tile `` $kind attr-dict";
  let hasVerifier = 1;
}

def SAttn_AttentionOp : SAttn_Op<"attention", [Symbol]> {
  let summary = "An attention computation made of disjoint kernel parts";
  let description = [{
    Lists the kernels ("parts") that together compute one masked attention:
    their allowed pairs are disjoint and their union is the mask. A backend
    runs the parts in order for every query and merges their partial softmax
    states through the log-sum-exp, then writes outputs in the original
    token order. All parts share the head dimension and runtime parameters.

    With `key_major`, the parts are the key-major kernels of the backward
    pass (for each key tile, the query tiles that touch it), which must all
    be `key_major` too. A forward attention may name the key-major
    attention of the same mask as its `key_schedule` (for dK and dV; its
    own parts give dQ).

    ```mlir
    sattn.attention @strided parts [@strided_part0, @strided_part1]
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       FlatSymbolRefArrayAttr:$parts,
                       UnitAttr:$key_major,
                       OptionalAttr<FlatSymbolRefAttr>:$key_schedule);
  let assemblyFormat = "$sym_name `parts` $parts attr-dict";
  let hasVerifier = 1;
}

def SAttn_YieldOp : SAttn_Op<"yield", [Pure, Terminator, ReturnLike]> {
  let summary = "Ends a schedule, or yields a predicate's value";
  let description = [{
    ```mlir
    sattn.yield          // end of a schedule
    sattn.yield %ok : i1 // value of a predicate
    ```
  }];
  let arguments = (ins Variadic<I1>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
}

#endif // SPARSA_SATTN_OPS_TD
