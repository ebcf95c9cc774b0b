//===- TestPasses.td - passes that print the mask analyses -*- tablegen -*-===//
//
// Test-only passes: each runs one analysis on every function of the module
// that returns a `!mask.mask` and prints the result to stderr, so lit can
// FileCheck it. They change no IR.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_ANALYSIS_TESTPASSES_TD
#define SPARSA_ANALYSIS_TESTPASSES_TD

include "mlir/Pass/PassBase.td"

def TestNormalForm : Pass<"sparsa-test-normal-form", "::mlir::ModuleOp"> {
  let summary = "Print the normal form of every mask function";
  let description = [{
    Prints `normal form of @f:` followed by one `clause N: ...` line per
    clause of the union (or `none`). With `nq`, also checks that the form
    instantiates for those sizes and parameter values and prints the
    number of non-empty concrete clauses.

    ```mlir
    // sparsa-opt --sparsa-test-normal-form -o /dev/null
    func.func @f() -> !mask.mask {
      %w = mask.window [4, 0]
      return %w : !mask.mask
    }
    // normal form of @f:
    // clause 0: d >= 0 && d <= 4
    ```
  }];
  let options = [
    Option<"maxClauses", "max-clauses", "unsigned", "4096",
           "Largest number of clauses before giving up">,
    Option<"transpose", "transpose", "bool", "false",
           "Print the transposed normal form (queries and keys swapped; "
           "nq and nk are then the transposed problem's)">,
    Option<"numQueries", "nq", "int64_t", "-1",
           "Instantiate for this many queries (-1: symbolic only)">,
    Option<"numKeys", "nk", "int64_t", "-1", "Keys (-1: same as nq)">,
    ListOption<"params", "params", "int64_t", "Runtime parameter values">,
  ];
}

def TestTileClassification
    : Pass<"sparsa-test-tile-classification", "::mlir::ModuleOp"> {
  let summary = "Print the closed-form tile classification of every mask";
  let description = [{
    Prints the per-clause closed forms (span, FULL range, refinement) for
    tile sizes `bq` x `bk`; with `nq`, also the concrete key-tile ranges of
    every query tile of head `head`:
    `tile 2: [0, 1) full [1, 3) partial`.

    ```mlir
    // sparsa-opt --sparsa-test-tile-classification="bq=2 bk=2 nq=4"
    ```
  }];
  let options = [
    Option<"bq", "bq", "int64_t", "128", "Query tile size">,
    Option<"bk", "bk", "int64_t", "128", "Key tile size">,
    Option<"numQueries", "nq", "int64_t", "-1",
           "Print concrete ranges for this many queries (-1: none)">,
    Option<"numKeys", "nk", "int64_t", "-1", "Keys (-1: same as nq)">,
    Option<"head", "head", "int64_t", "0", "Head of the concrete ranges">,
    ListOption<"params", "params", "int64_t", "Runtime parameter values">,
    Option<"transpose", "transpose", "bool", "false",
           "Classify the transposed mask: the key-major schedule of the "
           "backward pass (for each key tile, its query tiles; bq, bk, nq "
           "and nk are the transposed problem's)">,
  ];
}

def TestLayoutPlan : Pass<"sparsa-test-layout-plan", "::mlir::ModuleOp"> {
  let summary = "Print the layout plan of every mask";
  let description = [{
    Prints the parts of the layout plan (kind, token maps, the part's
    clauses and its classification in its coordinates); with `nq`, also the
    concrete key-tile ranges of every part.

    ```mlir
    // sparsa-opt --sparsa-test-layout-plan="bq=64 bk=64"
    ```
  }];
  let options = [
    Option<"bq", "bq", "int64_t", "128", "Query tile size">,
    Option<"bk", "bk", "int64_t", "128", "Key tile size">,
    Option<"numQueries", "nq", "int64_t", "-1",
           "Print concrete ranges for this many queries (-1: none)">,
    Option<"numKeys", "nk", "int64_t", "-1", "Keys (-1: same as nq)">,
    Option<"head", "head", "int64_t", "0", "Head of the concrete ranges">,
    ListOption<"params", "params", "int64_t", "Runtime parameter values">,
  ];
}

def TestPatternStats : Pass<"sparsa-test-pattern-stats", "::mlir::ModuleOp"> {
  let summary = "Print the exact statistics of every mask";
  let description = [{
    Prints `stats of @f:` and the `key: value` lines of printPatternStats
    (nnz, density, flops, rows_empty, tile counts and efficiency before and
    after the layout plan).

    ```mlir
    // sparsa-opt --sparsa-test-pattern-stats="nq=1048576 bq=64 bk=64"
    ```
  }];
  let options = [
    Option<"numQueries", "nq", "int64_t", "4096", "Queries">,
    Option<"numKeys", "nk", "int64_t", "-1", "Keys (-1: same as nq)">,
    Option<"bq", "bq", "int64_t", "128", "Query tile size">,
    Option<"bk", "bk", "int64_t", "128", "Key tile size">,
    Option<"headDim", "head-dim", "int64_t", "128", "Head dimension D">,
    Option<"layout", "layout", "bool", "true",
           "Also classify under the layout plan">,
    Option<"maxTileRanges", "max-tile-ranges", "int64_t", "268435456",
           "Give up after counting this many key-tile ranges">,
    ListOption<"params", "params", "int64_t", "Runtime parameter values">,
  ];
}

#endif // SPARSA_ANALYSIS_TESTPASSES_TD
