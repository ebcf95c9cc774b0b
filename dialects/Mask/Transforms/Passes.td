//===- Passes.td - mask dialect passes ---------------------*- tablegen -*-===//

#ifndef SPARSA_MASK_PASSES_TD
#define SPARSA_MASK_PASSES_TD

include "mlir/Pass/PassBase.td"

def MaskCanonicalize : Pass<"mask-canonicalize"> {
  let summary = "Simplify masks with the mask algebra";
  let description = [{
    Applies the mask dialect's canonicalization patterns (the algebra:
    identities of `all`/`none`, idempotence, merging of windows, causal
    masks and prefixes, `causal & window(b, a)` to `window(b, 0)`,
    degenerate parameters, double complement, flattening and canonical
    ordering of unions and intersections) together with constant folding of
    the `arith` index computations feeding runtime parameters, and removes
    ops left dead. Unlike `-canonicalize` it applies no other dialect's
    patterns, so it can run early without disturbing surrounding IR.

    ```mlir
    // before
    %c = mask.causal [0]
    %w = mask.window [128, 128]
    %m = mask.intersect %c, %w
    // after
    %m = mask.window [128, 0]
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

#endif // SPARSA_MASK_PASSES_TD
