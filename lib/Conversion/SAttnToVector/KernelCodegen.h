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
#include "dialects/SAttn/IR/SAttnUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace sparsa::sattn::cpu {

/// Tile sizes and register blocking of one kernel. Scores are computed
/// transposed, S^T = K·Q^T, with the queries of the tile across the vector
/// lanes: the keys' rows are read as broadcast scalars straight from the
/// key tensor, so no key tile is ever transposed (the query tile is, once
/// per work item), and the softmax runs down the key axis with vertical
/// vector ops only.
struct TileShape {
  int64_t blockQ = 0, blockK = 0, headDim = 0, vectorWidth = 0;
  /// Score micro-kernel: keys x query-vectors held in registers.
  int64_t scoreRows = 0, scoreCols = 0;
  /// The same for PARTIAL tiles, which skip what lies outside the span of
  /// each group of query vectors: narrower groups (2 vectors) over more
  /// keys, so a group's span is tighter and padding queries form groups of
  /// their own.
  int64_t spanRows = 0, spanCols = 0;
  /// P·V micro-kernel: query rows x head-dim-vectors held in registers.
  int64_t pvRows = 0, pvCols = 0;
  /// Whether PARTIAL tiles restrict their work to the keys their queries
  /// allow (the `row-spans` option; off for the masked-dense baseline).
  bool rowSpans = true;

  mlir::VectorType f32Vec(mlir::MLIRContext *ctx) const;
  mlir::MemRefType qTileType(mlir::MLIRContext *ctx) const;      // BQ x D
  mlir::MemRefType qTransType(mlir::MLIRContext *ctx) const;     // D x BQ
  mlir::MemRefType rowType(mlir::MLIRContext *ctx) const;        // BQ
  mlir::MemRefType scoreType(mlir::MLIRContext *ctx) const;      // BK x BQ
  mlir::MemRefType laneMaskType(mlir::MLIRContext *ctx) const;   // BK x BQ i8
  mlir::MemRefType spanType(mlir::MLIRContext *ctx) const;       // BQ i32
  mlir::MemRefType vectorSpanType(mlir::MLIRContext *ctx) const; // BQ/VW
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
  /// Per query tile state: the pre-scaled queries transposed (D x BQ), the
  /// accumulator (BQ x D), running max and sum (BQ).
  mlir::Value qTrans, acc, rowMax, rowSum;
  /// Token of each query row (memref<BQ x index>, -1 for padding rows).
  mlir::Value queryTokens;
  /// Token of each key position of the tile (memref<BK x index>, -1 for
  /// padding), only with a non-identity key map; null otherwise.
  mlir::Value keyTokens;
  /// Size of the key position space (Nk for the identity map).
  mlir::Value keySpace;
  mlir::Value keys, values; // flat memref<?xf32>
  mlir::Value keyBase, valueBase, keyStride, valueStride;
  mlir::Value keyTile, firstQuery, head, numQueries, numKeys;
  mlir::ValueRange params;
  mlir::Value firstKey, keyCount; // derived: kt * BK, min(BK, nk - k0)
};

/// Which keys of a PARTIAL tile each query allows, found once per tile:
/// the lane mask of every (key, query vector) as bytes, the span
/// [first, end) of keys each query allows (BK and 0 for none) and, per
/// vector of queries, the union of its lanes' spans. Work outside a span is
/// skipped; inside it the mask is applied lane by lane.
struct TileMasks {
  mlir::Value lanes;            // memref<BK x BQ x i8>
  mlir::Value first, end;       // memref<BQ x i32>
  mlir::Value vecFirst, vecEnd; // memref<BQ/VW x index>
  /// False for the masked-dense baseline: the masks are applied to every
  /// key of the tile, the spans are not used.
  bool useSpans = true;
};

/// The query lanes [col, col + VW) that key `key` may attend (or a null
/// value when all may), as vector<VW x i1>.
using LaneMaskFn = llvm::function_ref<mlir::Value(
    mlir::OpBuilder &, mlir::Location, mlir::Value key, mlir::Value col)>;

// TileMicroKernel.cpp
/// Q^T (D x BQ) from the query tile (BQ x D), with VW x VW register
/// transposes.
void transposeQueryTile(mlir::OpBuilder &b, mlir::Location loc,
                        const TileShape &shape, mlir::Value qTile,
                        mlir::Value qTrans);
/// Evaluates `laneMask` (which must return a mask) on every (key, query
/// vector) of keys [0, keyCount) and records the masks and spans.
TileMasks computeTileMasks(mlir::OpBuilder &b, mlir::Location loc,
                           const TileShape &shape, const TileValues &t,
                           LaneMaskFn laneMask);
/// S^T = K·Q^T for keys [0, keyCount) of the tile, or with `masks` only for
/// the keys in the span of each group of query vectors (other scores are
/// left unset).
mlir::Value computeScores(mlir::OpBuilder &b, mlir::Location loc,
                          const TileShape &shape, const TileValues &t,
                          const TileMasks *masks = nullptr);
/// Gathers the value rows of a tile with a key map into a contiguous
/// BK x D stack buffer (rows past keyCount are left unset).
mlir::Value packValueTile(mlir::OpBuilder &b, mlir::Location loc,
                          const TileShape &shape, const TileValues &t);
/// acc = acc * rescale + P·V, with P^T in `probs` (BK x BQ) and V read
/// from `packedV` when given, else straight from the value tensor; with
/// `masks`, each row group runs over the keys of its span only (its
/// probabilities elsewhere are zeros or unset).
void accumulateValues(mlir::OpBuilder &b, mlir::Location loc,
                      const TileShape &shape, const TileValues &t,
                      mlir::Value probs, mlir::Value rescale,
                      mlir::Value packedV = {},
                      const TileMasks *masks = nullptr);

// SoftmaxUpdate.cpp: for each vector of queries, over the keys [0,
// keyCount) (or, with `masks`, over the vector's span, masked lane by lane
// from the stored masks), turns scores into probabilities in place,
// updates the running max and sum, and writes the rescale factors of `acc`
// to `rescale` (memref<BQ x f32>). `keyMask` gives the lanes of a key
// without `masks` (null for all).
void updateSoftmax(mlir::OpBuilder &b, mlir::Location loc,
                   const TileShape &shape, const TileValues &t,
                   mlir::Value scores, mlir::Value rescale, LaneMaskFn keyMask,
                   const TileMasks *masks = nullptr);

// Predicate.cpp: the kernel's predicate for the query lanes `queries`
// (vector<VW x index>) and the scalar key `key`, as vector<VW x i1>.
mlir::Value emitPredicate(mlir::OpBuilder &b, mlir::Location loc,
                          KernelOp kernel, const TileShape &shape,
                          mlir::Value head, mlir::Value queries,
                          mlir::Value key, mlir::Value numQueries,
                          mlir::Value numKeys, mlir::ValueRange params);

// KernelDriver.cpp: replaces `kernel` by the entry function, its tile
// functions and the work-item counter.
mlir::LogicalResult lowerKernel(mlir::RewriterBase &rewriter, KernelOp kernel,
                                const TileShape &shape);

// TokenMaps.cpp: the key tokens of the tile (fills t.keyTokens) and
// whether every position of the tile holds a key (i1).
mlir::Value fillKeyTokens(mlir::OpBuilder &b, mlir::Location loc,
                          const TileShape &shape, TileValues &t);
/// Row of the key tensor that key position `j` of the tile reads (always a
/// valid row; padding reads token 0 or the last key).
mlir::Value keyRow(mlir::OpBuilder &b, mlir::Location loc,
                   const TileShape &shape, const TileValues &t, mlir::Value j);

// Small builders shared by the files above (index arithmetic is
// sattn::IndexArith, shared with the schedule and the CUDA lowering).
mlir::Value cstF32(mlir::OpBuilder &b, mlir::Location loc, float v);
mlir::Value splatF32(mlir::OpBuilder &b, mlir::Location loc,
                     const TileShape &shape, float v);
/// vector<VW x index> holding first, first + 1, ...
mlir::Value laneIndices(mlir::OpBuilder &b, mlir::Location loc,
                        const TileShape &shape, mlir::Value first);

} // namespace sparsa::sattn::cpu

#endif // SPARSA_LIB_CONVERSION_SATTNTOVECTOR_KERNELCODEGEN_H
