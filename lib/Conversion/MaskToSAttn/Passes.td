//===- Passes.td - mask to sattn conversion passes ---------*- tablegen -*-===//

#ifndef SPARSA_CONVERSION_MASKTOSATTN_PASSES_TD
#define SPARSA_CONVERSION_MASKTOSATTN_PASSES_TD

include "mlir/Pass/PassBase.td"

def SelectTiling : Pass<"sparsa-select-tiling", "mlir::ModuleOp"> {
  let summary = "Choose tile sizes and vector width for a target";
  let description = [{
    The tiling policy, kept apart from the mechanism: writes
    `sattn.tiling = #sattn.tiling<...>` on every mask pattern function
    (a `func.func` returning `!mask.mask`) that does not have one; the
    conversion to `sattn` and the backends only read it. On the CPU the
    vector width is the host's (16 f32 lanes with AVX-512, 8 with AVX2, 4
    otherwise) unless `vector-width` says otherwise; tiles are 64 x 64 by
    default, small enough for a Q, K and V tile of D = 128 to stay in L2
    and large enough to amortize the online-softmax rescaling. On CUDA,
    128 x 64 tiles where they fit the chip's shared memory at this head
    dimension (else 64 x 64, else 64 x 32), and the rest of the GPU policy
    as `#sattn.cuda_config`: the chip, `mma_sync` tensor-core code, the
    element type, 32 query rows per warp where head_dim <= 64 (else 16), a
    two-stage K / V ring, and the Q fragments in registers unless two row
    tiles of a head dim above 64 would spill them.

    ```mlir
    func.func @causal() -> !mask.mask attributes {
        sattn.tiling = #sattn.tiling<block_q = 64, block_k = 64,
                                     vector_width = 16, target = "cpu">}
    func.func @causal() -> !mask.mask attributes {
        sattn.tiling = #sattn.tiling<block_q = 128, block_k = 64,
            vector_width = 8, target = "cuda",
            cuda = #sattn.cuda_config<chip = "sm_90", mma = mma_sync,
                element_type = bf16, rows_per_warp = 16, stages = 2,
                q_in_registers = true>>}
    ```
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"cpu\"",
           "Backend to tile for: cpu or cuda">,
    Option<"blockQ", "block-q", "int64_t", /*default=*/"0",
           "Query tile size (0: the target's default)">,
    Option<"blockK", "block-k", "int64_t", /*default=*/"0",
           "Key tile size (0: the target's default)">,
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"0",
           "f32 lanes of a vector register (0: the host's)">,
    Option<"headDim", "head-dim", "int64_t", /*default=*/"128",
           "Head dimension (cuda: the default tiles must fit shared memory)">,
    Option<"chip", "chip", "std::string", /*default=*/"\"sm_90\"",
           "cuda: the GPU architecture, whose shared memory bounds the "
           "default tiles">,
    Option<"elementType", "element-type", "std::string",
           /*default=*/"\"bf16\"",
           "cuda: element type of Q, K, V and O, bf16 or f16">,
    Option<"rowsPerWarp", "rows-per-warp", "int64_t", /*default=*/"0",
           "cuda: query rows per warp, 16 or 32 (0: 32 where head_dim <= 64 "
           "and block_q allows it)">
  ];
  let dependentDialects = ["::sparsa::sattn::SAttnDialect"];
}

def BuildParamCheck : Pass<"sparsa-build-param-check", "mlir::ModuleOp"> {
  let summary = "Build the runtime-value check of each mask pattern";
  let description = [{
    For every mask pattern function whose leaves take a runtime value (a
    runtime parameter, or a value derived from the sequence length N), adds
    a public `func.func @NAME_check_params(%args: memref<1xi64>) -> i64`
    that reads the lengths and parameters from the kernels' own argument
    block (lib/Runtime/KernelABI.h) and evaluates:
    - the arithmetic that computes the leaves' parameters (`W / 2`,
      `N - 5`), each `+`, `-` and `*` checked for signed overflow and each
      runtime divisor for zero and for -1 under INT64_MIN (the clone itself
      divides by 1 instead, since it runs on the values it checks);
    - every constraint the leaves put on their parameters (the same as the
      op verifiers and the reference evaluator: a stride's period is
      positive, a window is non-negative, a residue is below its period).
    Arithmetic that no leaf uses is not checked, as the reference never
    evaluates it. The function returns -1 when all hold, else the index of
    the first that fails; the attribute `sparsa.param_check` lists one
    message per check. The runtime calls it before running any kernel,
    which would otherwise divide by zero, loop on a negative period or
    compute with wrapped values.

    ```mlir
    // causal & stride(S) with `param S : runtime` gives
    func.func @p_check_params(%args: memref<1xi64>) -> i64
        attributes {sparsa.param_check = [
          "stride: 'period' (from S) must be positive",
          "stride: 'residue' must be less than 'period' (from S)"]}
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect"];
}

def ConvertMaskToSAttn : Pass<"convert-mask-to-sattn", "mlir::ModuleOp"> {
  let summary = "Build the tiled sattn schedule of each mask pattern";
  let description = [{
    For every mask pattern function with a `sattn.tiling` attribute: builds
    its normal form, plans the layout (token permutations and gathers) and
    classifies the key tiles of every query tile in closed form, then emits
    one `sattn.kernel` per layout part — its schedule states the key-tile
    ranges with `arith` bounds in the query-tile index, its predicate is the
    part's mask — and a `sattn.attention` listing the parts. The pattern
    function is replaced. With `dense`, the schedule visits every key tile
    as PARTIAL (the "masked dense" baseline of the benchmarks).

    With `key-major`, the same is done for the transposed mask
    (`MaskNormalForm::transposed`, tile sizes swapped): the kernels
    `NAME_key_partN`, marked `key_major`, list for every key tile of the
    attention the query tiles that touch it, FULL or PARTIAL, in closed
    form (random blocks drawn per key block), which is the schedule of the
    backward pass's dK / dV. With `backward`, both are built: the forward
    attention `@NAME` gets `key_schedule = @NAME_key`, the key-major
    attention of the same mask.

    ```mlir
    // a causal pattern at 64 x 64 tiles becomes
    sattn.kernel @causal_part0 attributes {...} {
    ^bb0(%qt: index, %h: index, %nq: index, %nk: index):
      ... // full: [0, qt); partial: [qt, qt + 1)
      sattn.range %lo to %hi full
      sattn.range %qt to %next partial
      sattn.yield
    } predicate { ... }
    sattn.attention @causal parts [@causal_part0]
    ```
  }];
  let options = [
    Option<"headDim", "head-dim", "int64_t", /*default=*/"128",
           "Head dimension D of the kernels">,
    Option<"useLayout", "layout", "bool", /*default=*/"true",
           "Apply the layout plan (permutations and gathers)">,
    Option<"dense", "dense", "bool", /*default=*/"false",
           "Visit every key tile as PARTIAL (masked-dense baseline)">,
    Option<"keyMajor", "key-major", "bool", /*default=*/"false",
           "Build the key-major schedule of the backward pass (kernels "
           "NAME_key_partN of the transposed mask, `key_major`)">,
    Option<"backward", "backward", "bool", /*default=*/"false",
           "Build both: the forward kernels and, as the attention's "
           "key_schedule @NAME_key, the key-major kernels">
  ];
  let dependentDialects = ["::sparsa::sattn::SAttnDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect"];
}

#endif // SPARSA_CONVERSION_MASKTOSATTN_PASSES_TD
