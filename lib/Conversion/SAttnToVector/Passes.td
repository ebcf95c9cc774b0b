//===- Passes.td - CPU lowering passes ----------------------*- tablegen -*-===//

#ifndef SPARSA_CONVERSION_SATTNTOVECTOR_PASSES_TD
#define SPARSA_CONVERSION_SATTNTOVECTOR_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertSAttnToVector : Pass<"convert-sattn-to-vector", "mlir::ModuleOp"> {
  let summary = "Lower expanded sattn kernels to fused, tiled vector code";
  let description = [{
    Replaces every `sattn.kernel` (after `sattn-expand-ranges`: the schedule
    holds only `arith`/`scf` ops and `sattn.visit`) by a C-callable function
    that runs a flash-attention loop over the work items [begin, end) of the
    (batch, head, query tile) space, plus one function per tile class and a
    work-item counter. The vector width, tile sizes and head dimension are
    read from `#sattn.tiling` and `head_dim`; FULL tiles carry no predicate
    code; PARTIAL tiles evaluate the predicate on vectors of keys, fused
    into the softmax. The ABI is documented in `lib/Runtime/KernelABI.h`.

    ```mlir
    // before
    sattn.kernel @causal attributes {tiling = #sattn.tiling<block_q = 64,
        block_k = 64, vector_width = 16, target = "cpu">, head_dim = 64 : i64,
        num_params = 0 : i64, param_names = []} { ... } predicate { ... }
    // after
    func.func @causal(%q: memref<1xf32>, %k: memref<1xf32>, ...,
                      %begin: index, %end: index)
    func.func private @causal_full_tile(...)
    func.func private @causal_partial_tile(...)
    func.func @causal_work_items(%args: memref<1xi64>) -> index
    ```

    In a PARTIAL tile the two products are restricted to the span of keys
    each row group allows (`row-spans`); the masked-dense baseline turns
    this off so it computes every element of every tile.
  }];
  let options = [
    Option<"rowSpans", "row-spans", "bool", /*default=*/"true",
           "Restrict the products of PARTIAL tiles to the keys each row "
           "allows">
  ];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::func::FuncDialect",
    "mlir::math::MathDialect", "mlir::memref::MemRefDialect",
    "mlir::scf::SCFDialect", "mlir::vector::VectorDialect"
  ];
}

def ConvertSAttnToCPUBackward
    : Pass<"convert-sattn-to-cpu-backward", "mlir::ModuleOp"> {
  let summary = "Lower expanded sattn kernels to their CPU backward passes";
  let description = [{
    Replaces every `sattn.kernel` (after `sattn-expand-ranges`) by
    `@<kernel>_backward(q, k, v, dO, lse, delta, dq, dk, dv, args, scale,
    begin, end)` and `@<kernel>_backward_work_items(args)` (ABI in
    `lib/Runtime/KernelABI.h`, design in `docs/backward.md`). A query-major
    kernel (the forward schedule) adds dQ of its query tiles; a key-major
    kernel (`convert-mask-to-sattn key-major=true`) adds dK and dV of its
    key tiles, summed over the query heads of each key/value head. Every
    visited pair recomputes its probability from the forward LSE; `delta`
    is rowsum(dO ∘ O). The outputs are added to, so the parts of a layout
    plan run one after another into zeroed gradients.

    With `keep-forward` (the CPU pipeline's `backward`), query-major
    kernels are kept for convert-sattn-to-vector, key-major ones erased,
    and every attention with a `key_schedule` is recorded in the module
    attribute `sparsa.backward` as `NAME = {dq = [parts], dkdv = [parts]}`.

    ```mlir
    // after
    func.func @causal_part0_backward(%q: memref<1xf32>, ..., %dv: memref<1xf32>,
        %args: memref<1xi64>, %scale: f32, %begin: index, %end: index)
    func.func @causal_part0_backward_work_items(%args: memref<1xi64>) -> index
    ```
  }];
  let options = [
    Option<"keepForward", "keep-forward", "bool", /*default=*/"false",
           "Keep the query-major kernels for the forward lowering and record "
           "the backward parts in `sparsa.backward`">
  ];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::func::FuncDialect",
    "mlir::math::MathDialect", "mlir::memref::MemRefDialect",
    "mlir::scf::SCFDialect", "mlir::vector::VectorDialect"
  ];
}

def ApproximateMath : Pass<"sparsa-approximate-math", "mlir::ModuleOp"> {
  let summary = "Replace math.exp and math.log by polynomial approximations";
  let description = [{
    Applies MLIR's polynomial approximations of `math` functions so the
    generated kernels call no libm and the exponentials of the softmax stay
    in vector registers.

    ```mlir
    %e = math.exp %x : vector<16xf32>
    // becomes a Cephes-style range reduction + polynomial on arith ops
    ```
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::math::MathDialect",
    "mlir::vector::VectorDialect"
  ];
}

#endif // SPARSA_CONVERSION_SATTNTOVECTOR_PASSES_TD
