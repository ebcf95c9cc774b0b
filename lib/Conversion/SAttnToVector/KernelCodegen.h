//===- KernelCodegen.h - pieces of the sattn-to-vector lowering -*- C++ -*-===//
//
// Internal interface between the files of the CPU lowering of a
// `sattn.kernel`: the tile geometry read from `#sattn.tiling`, the values a
// tile function works on, and one builder function per concern (key-tile
// packing and the score micro-kernel, the online-softmax update, the
// vectorized predicate, P·V accumulation, the driver).
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_CONVERSION_SATTNTOVECTOR_KERNELCODEGEN_H
#define SPARSA_LIB_CONVERSION_SATTNTOVECTOR_KERNELCODEGEN_H

#include "dialects/SAttn/IR/SAttnDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace sparsa::sattn::cpu {

/// Tile sizes and register blocking of one kernel.
struct TileShape {
  int64_t blockQ = 0, blockK = 0, headDim = 0, vectorWidth = 0;
  /// Score micro-kernel: rows x key-vectors held in registers.
  int64_t scoreRows = 0, scoreCols = 0;
  /// Score micro-kernel of PARTIAL tiles, which starts and stops at any key
  /// vector of a row group's span: rows x key-vectors (1 or 2).
  int64_t spanRows = 0, spanCols = 0;
  /// Whether PARTIAL tiles restrict their products to row spans (the
  /// `row-spans` option; off for the masked-dense baseline).
  bool rowSpans = true;
  /// P·V micro-kernel: rows x head-dim-vectors held in registers.
  int64_t pvRows = 0, pvCols = 0;

  mlir::VectorType f32Vec(mlir::MLIRContext *ctx) const;
  mlir::MemRefType qTileType(mlir::MLIRContext *ctx) const;   // BQ x D
  mlir::MemRefType rowType(mlir::MLIRContext *ctx) const;     // BQ
  mlir::MemRefType scoreType(mlir::MLIRContext *ctx) const;   // BQ x BK
  mlir::MemRefType packedKType(mlir::MLIRContext *ctx) const; // D x BK
  mlir::MemRefType queryTokenType(mlir::MLIRContext *ctx) const; // BQ index
  mlir::MemRefType keyTokenType(mlir::MLIRContext *ctx) const;   // BK index

  /// Token maps of the kernel (null = identity).
  TokenMapAttr queryMap, keyMap;
  bool identityQueries() const;
  bool identityKeys() const;
};

/// Reads `#sattn.tiling` and `head_dim` and picks the register blocking;
/// emits a diagnostic on the kernel when the shape cannot be lowered.
mlir::FailureOr<TileShape> computeTileShape(KernelOp kernel);

/// The values one tile function works on.
struct TileValues {
  mlir::Value qTile, acc, rowMax, rowSum;        // per query tile state
  /// Token of each query row (memref<BQ x index>, -1 for padding rows).
  mlir::Value queryTokens;
  /// Token of each key position of the tile (memref<BK x index>, -1 for
  /// padding), only with a non-identity key map; null otherwise.
  mlir::Value keyTokens;
  /// Size of the key position space (Nk for the identity map).
  mlir::Value keySpace;
  mlir::Value keys, values;                      // flat memref<?xf32>
  mlir::Value keyBase, valueBase, keyStride, valueStride;
  mlir::Value keyTile, firstQuery, head, numQueries, numKeys;
  mlir::ValueRange params;
  mlir::Value firstKey, keyCount; // derived: kt * BK, min(BK, nk - k0)
};

/// Gives the lanes of one score vector that take part in the softmax, or a
/// null value when all do. `row` is the row in the tile, `col` the first
/// column of the vector.
using LaneMaskFn = llvm::function_ref<mlir::Value(
    mlir::OpBuilder &, mlir::Location, mlir::Value row, int64_t col)>;

/// The key lanes each row of a PARTIAL tile may use: row i allows no lane
/// outside [first[i], end[i]) (memref<BQ x index> each; BK and 0 for a row
/// that allows none). The products skip what lies outside a row group's
/// span; the softmax still masks lane by lane inside it.
struct RowSpans {
  mlir::Value first, end;
};

// TileMicroKernel.cpp
/// Evaluates `laneMask` on every vector of the tile and records the span of
/// each row.
RowSpans computeRowSpans(mlir::OpBuilder &b, mlir::Location loc,
                         const TileShape &shape, LaneMaskFn laneMask);
mlir::Value packKeyTile(mlir::OpBuilder &b, mlir::Location loc,
                        const TileShape &shape, const TileValues &t);
/// S = Q·Kᵀ for the whole tile, or with `spans` only for the key vectors
/// that meet each row group's span (the other scores are left unset).
mlir::Value computeScores(mlir::OpBuilder &b, mlir::Location loc,
                          const TileShape &shape, mlir::Value qTile,
                          mlir::Value packedK,
                          const RowSpans *spans = nullptr);
/// Gathers the value rows of a tile with a key map into a contiguous
/// BK x D stack buffer (rows past keyCount are left unset).
mlir::Value packValueTile(mlir::OpBuilder &b, mlir::Location loc,
                          const TileShape &shape, const TileValues &t);
/// acc = acc * rescale + probs * V, with V read from `packedV` when given,
/// else straight from the value tensor; with `spans`, each row group runs
/// over the keys of its span only (its probabilities elsewhere are zeros).
void accumulateValues(mlir::OpBuilder &b, mlir::Location loc,
                      const TileShape &shape, const TileValues &t,
                      mlir::Value probs, mlir::Value rescale,
                      mlir::Value packedV = {},
                      const RowSpans *spans = nullptr);

// SoftmaxUpdate.cpp: turns scores into probabilities in place, updates the
// running max and sum, and writes the per-row rescale factors of `acc` to
// `rescale` (memref<BQ x f32>).
// With `spans`, rows that allow no key of the tile are skipped.
void updateSoftmax(mlir::OpBuilder &b, mlir::Location loc,
                   const TileShape &shape, const TileValues &t,
                   mlir::Value scores, mlir::Value rescale,
                   LaneMaskFn laneMask, const RowSpans *spans = nullptr);

// Predicate.cpp: the kernel's predicate for query `query` and the key lanes
// `keys` (vector<VW x index>), as vector<VW x i1>.
mlir::Value emitPredicate(mlir::OpBuilder &b, mlir::Location loc,
                          KernelOp kernel, const TileShape &shape,
                          mlir::Value head, mlir::Value query,
                          mlir::Value keys, mlir::Value numQueries,
                          mlir::Value numKeys, mlir::ValueRange params);

// KernelDriver.cpp: replaces `kernel` by the entry function, its tile
// functions and the work-item counter.
mlir::LogicalResult lowerKernel(mlir::RewriterBase &rewriter,
                                KernelOp kernel, const TileShape &shape);

// TokenMaps.cpp: the key tokens of the tile (fills t.keyTokens) and
// whether every position of the tile holds a key (i1).
mlir::Value fillKeyTokens(mlir::OpBuilder &b, mlir::Location loc,
                          const TileShape &shape, TileValues &t);
/// Row of the key tensor that key position `j` of the tile reads (always a
/// valid row; padding reads token 0 or the last key).
mlir::Value keyRow(mlir::OpBuilder &b, mlir::Location loc,
                   const TileShape &shape, const TileValues &t, mlir::Value j);

// Small builders shared by the files above.
mlir::Value cstIndex(mlir::OpBuilder &b, mlir::Location loc, int64_t v);
mlir::Value cstF32(mlir::OpBuilder &b, mlir::Location loc, float v);
mlir::Value splatF32(mlir::OpBuilder &b, mlir::Location loc,
                     const TileShape &shape, float v);
/// vector<VW x index> holding first, first + 1, ...
mlir::Value laneIndices(mlir::OpBuilder &b, mlir::Location loc,
                        const TileShape &shape, mlir::Value first);

} // namespace sparsa::sattn::cpu

#endif // SPARSA_LIB_CONVERSION_SATTNTOVECTOR_KERNELCODEGEN_H
