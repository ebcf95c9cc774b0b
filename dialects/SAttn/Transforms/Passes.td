//===- Passes.td - sattn dialect passes --------------------*- tablegen -*-===//

#ifndef SPARSA_SATTN_PASSES_TD
#define SPARSA_SATTN_PASSES_TD

include "mlir/Pass/PassBase.td"

def SAttnExpandRanges : Pass<"sattn-expand-ranges"> {
  let summary = "Turn a schedule's key-tile ranges into a sweep of visits";
  let description = [{
    Replaces the `sattn.range`, `sattn.periodic_range`,
    `sattn.member_range` and `sattn.random_range` ops of every kernel's
    schedule by one loop that visits the union of their key tiles once each,
    in increasing order: from a cursor, each range computes in closed form
    the first of its tiles at or after the cursor, the smallest of these is
    visited (FULL when a FULL `sattn.range` holds it, PARTIAL otherwise),
    and the cursor moves past it. The work per visited tile is
    O(number of ranges); tiles no range holds are never looked at.

    ```mlir
    // before
    sattn.range %lo to %hi full
    // after
    scf.while (%cur = %c0) : (index) -> index {
      ... // next tile at or after %cur
      scf.condition(%more) %next : index
    } do {
    ^bb0(%kt: index):
      scf.if %full { sattn.visit %kt full } else { sattn.visit %kt partial }
      ...
    }
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect"];
}

#endif // SPARSA_SATTN_PASSES_TD
