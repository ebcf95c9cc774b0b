//===- MmaSync.h - the mma.sync tensor-core code of the CUDA kernels -*- C++
//-*-===//
//
// The arch part of the CUDA lowering for `#sattn.cuda_config<mma =
// mma_sync>` (sm_80 and newer): the query tile staged with cp.async and
// held as ldmatrix A fragments, the two-slot cp.async ring of K and V
// tiles, S = Q·Kᵀ and O += P·V with mma.sync m16n8k16 (fp32
// accumulators), whose C fragments are the FragmentLayout of
// GPUCodegen.h. The arch-neutral code (KernelEntry.cpp, TileBody.cpp,
// Softmax.cpp) calls these steps in order.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_CONVERSION_SATTNTOGPU_ARCH_MMASYNC_MMASYNC_H
#define SPARSA_LIB_CONVERSION_SATTNTOGPU_ARCH_MMASYNC_MMASYNC_H

#include "lib/Conversion/SAttnToGPU/GPUCodegen.h"

#include "llvm/ADT/STLFunctionalExtras.h"

namespace sparsa::sattn::cuda::mmasync {

// Instructions.cpp
/// ldmatrix .x4 (optionally transposed) at `tile[row, col]`, as four i32.
Frag4 loadMatrixX4(Emitter &e, const Geometry &g, mlir::Value tile,
                   mlir::Value row, mlir::Value col, bool transpose);
/// D = A B + C, m16n8k16, A/B of the geometry's element type.
Acc4 mmaSync(Emitter &e, const Geometry &g, const Frag4 &a, mlir::Value b0,
             mlir::Value b1, const Acc4 &c);
/// 16-byte cp.async of 8 elements from `flat[offset]` to `tile[row, col]`.
void copyAsync(Emitter &e, mlir::Value tile, mlir::Value row, mlir::Value col,
               mlir::Value flat, mlir::Value offset);
/// Commits the cp.async issued so far as one group (returns its token).
mlir::Value commitGroup(Emitter &e);
/// Waits until at most `pending` of the groups committed up to `group` are
/// in flight.
void waitGroups(Emitter &e, mlir::Value group, int64_t pending);

// Pipeline.cpp
/// Copies the block's query tile into shared memory `qTile` (position p
/// of the tile from source row `rowOf(p)`) and waits for it.
void stageQuery(Emitter &e, const Geometry &g, KernelValues &v,
                mlir::Value qTile, mlir::Value query, mlir::Value qBase,
                mlir::Value qStride,
                llvm::function_ref<mlir::Value(mlir::Value)> rowOf);
/// Loads the Q fragments of the warp's row tile `mt` (the warp's rows
/// start at `warpRow`) into `v.qFrags` (or, without `q_in_registers`,
/// records where to reload them).
void loadQueryFragments(Emitter &e, const Geometry &g, KernelValues &v,
                        mlir::Value warpRow, int64_t mt);
/// Where one visit's K and V tiles are, and what to wait for.
struct KeyValueTiles {
  mlir::Value keys, values; // memref<block_k x rowStride x T>, workgroup
  /// The tile was not prefetched: its values need their own wait.
  mlir::Value miss;
  mlir::Value lastGroup;
};
/// The two-slot ring: uses the tile the previous visit prefetched (tile
/// kt + 1, the next tile of every contiguous range) or drains the stale
/// prefetch and copies tile kt; prefetches tile kt + 1 into the other
/// slot; waits for the keys. Ends with the block synchronised.
KeyValueTiles acquireKeyValueTiles(Emitter &e, const Geometry &g,
                                   const KernelValues &v, mlir::Value kt);
/// Waits for the values of a missed tile (a hit's came with the keys).
void waitValues(Emitter &e, const KeyValueTiles &tiles);
/// Lets a prefetch nobody used land before the block exits.
void drainPrefetch(Emitter &e);

// Products.cpp
/// S = Q·Kᵀ of the visit's key tile, raw (unscaled), in
/// FragmentLayout{mTiles, block_k}; every K fragment feeds all row tiles.
llvm::SmallVector<mlir::Value> scoreTile(Emitter &e, const Geometry &g,
                                         const KernelValues &v,
                                         mlir::Value keys);
/// acc = acc * alpha + P·V, P (FragmentLayout{mTiles, block_k}) repacked
/// from the probability registers as A fragments; `tiles.values` is waited
/// for between the rescale and the products.
void accumulateValues(Emitter &e, const Geometry &g, const KernelValues &v,
                      const KeyValueTiles &tiles,
                      llvm::ArrayRef<mlir::Value> probabilities,
                      llvm::ArrayRef<mlir::Value> alpha);

} // namespace sparsa::sattn::cuda::mmasync

#endif // SPARSA_LIB_CONVERSION_SATTNTOGPU_ARCH_MMASYNC_MMASYNC_H
