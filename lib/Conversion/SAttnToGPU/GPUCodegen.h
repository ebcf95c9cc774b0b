//===- GPUCodegen.h - pieces of the sattn-to-gpu lowering -------*- C++ -*-===//
//
// Internal interface between the files of the CUDA lowering of a
// `sattn.kernel`: the block geometry read from `#sattn.tiling`, the values
// the inline tile code works on, the warp-level tensor-core helpers
// (ldmatrix fragments, mma.sync m16n8k16) and the builders of the kernel
// entry and of one visited key tile.
//
// Register layout (PTX mma m16n8k16): in a warp, lane = 4 g + c holds rows
// g and g + 8 of its 16 query rows; for every 8-column block j it holds
// columns 8 j + 2 c and 8 j + 2 c + 1. Scores, probabilities and the output
// accumulator all use this layout, so the softmax row reductions are
// shuffles among the 4 lanes of a quad.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_CONVERSION_SATTNTOGPU_GPUCODEGEN_H
#define SPARSA_LIB_CONVERSION_SATTNTOGPU_GPUCODEGEN_H

#include "dialects/SAttn/IR/SAttnDialect.h"
#include "dialects/SAttn/IR/SAttnUtils.h"
#include "lib/Conversion/SAttnToGPU/TileLimits.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/SmallVector.h"

#include <array>

namespace sparsa::sattn::cuda {

/// Block geometry of one kernel.
struct Geometry {
  int64_t blockQ = 0, blockK = 0, headDim = 0;
  /// 16-row MMA tiles per warp: with 2, every K / V fragment read from
  /// shared memory feeds two MMAs (half the shared-memory traffic per
  /// FLOP) at the cost of twice the accumulator registers.
  int64_t mTiles = 1;
  /// The Q tile's A fragments stay in registers (else reread from shared
  /// memory per key tile).
  bool qInRegisters = true;
  int64_t warps = 0, threads = 0;
  int64_t rowsPerWarp() const { return 16 * mTiles; }
  mlir::Type elementType; // bf16 or f16
  TokenMapAttr queryMap, keyMap;

  int64_t rowStride() const { return headDim + kRowPad; }
  /// Bytes of one K or V tile in shared memory.
  int64_t elementBytes() const {
    return elementType.getIntOrFloatBitWidth() / 8;
  }
  int64_t tileBytes() const { return blockK * rowStride() * elementBytes(); }
  /// Shared memory: the Q tile, then two slots of K tiles, then two slots
  /// of V tiles (the tile being used and the one being prefetched).
  int64_t sharedBytes() const {
    return sharedBytesFor(blockQ, blockK, headDim, elementBytes());
  }
  /// memref<rows x rowStride x T> in workgroup memory.
  mlir::MemRefType tileType(mlir::MLIRContext *ctx, int64_t rows) const;
  bool identityQueries() const;
  bool identityKeys() const;
};

/// Reads `#sattn.tiling`, its `#sattn.cuda_config` and `head_dim`; emits
/// a diagnostic on the kernel when they cannot be lowered (the tiles must
/// fit the shared memory of the config's chip).
mlir::FailureOr<Geometry> computeGeometry(KernelOp kernel);

/// The shared index builder (`sattn::IndexArith`: its division names say
/// their semantics) plus f32 / i32 scalars and warp shuffles.
struct Emitter : IndexArith {
  Emitter(mlir::OpBuilder &b, mlir::Location loc) : IndexArith{b, loc} {}
  mlir::Value i32(int64_t v);
  mlir::Value f32(double v);
  mlir::Value fadd(mlir::Value x, mlir::Value y);
  mlir::Value fsub(mlir::Value x, mlir::Value y);
  mlir::Value fmul(mlir::Value x, mlir::Value y);
  mlir::Value fmax(mlir::Value x, mlir::Value y);
  mlir::Value exp2(mlir::Value x);
  /// Butterfly shuffle of an f32 among the lanes of a warp.
  mlir::Value shuffleXor(mlir::Value x, int64_t mask);
};

/// Four 32-bit registers of an A fragment or two B fragments.
using Frag4 = std::array<mlir::Value, 4>;
/// Four f32 accumulators of one 16x8 C fragment.
using Acc4 = std::array<mlir::Value, 4>;

// WarpMma.cpp
/// ldmatrix .x4 (optionally transposed) at `tile[row, col]`, as four i32.
Frag4 loadMatrixX4(Emitter &e, const Geometry &g, mlir::Value tile,
                   mlir::Value row, mlir::Value col, bool transpose);
/// D = A B + C, m16n8k16, A/B of the geometry's element type.
Acc4 mmaSync(Emitter &e, const Geometry &g, const Frag4 &a, mlir::Value b0,
             mlir::Value b1, const Acc4 &c);
/// Two f32 converted to the element type and packed into one i32 (x low).
mlir::Value packPair(Emitter &e, const Geometry &g, mlir::Value x,
                     mlir::Value y);
/// Stores two f32 as two adjacent elements of the element type at
/// `flat[offset]`.
void storePair(Emitter &e, const Geometry &g, mlir::Value flat,
               mlir::Value offset, mlir::Value x, mlir::Value y);
/// Loads two adjacent elements at `flat[offset]` as f32.
std::pair<mlir::Value, mlir::Value>
loadPair(Emitter &e, const Geometry &g, mlir::Value flat, mlir::Value offset);
/// 16-byte cp.async of 8 elements from `flat[offset]` to `tile[row, col]`.
void copyAsync(Emitter &e, mlir::Value tile, mlir::Value row, mlir::Value col,
               mlir::Value flat, mlir::Value offset);
/// Commits the cp.async issued so far as one group (returns its token).
mlir::Value commitGroup(Emitter &e);
/// Waits until at most `pending` of the groups committed up to `group` are
/// in flight.
void waitGroups(Emitter &e, mlir::Value group, int64_t pending);

/// Values shared by the kernel entry and the inline tile code.
struct KernelValues {
  mlir::Value tid, lane, warp, quadRow, quadCol; // g = lane / 4, c = lane % 4
  mlir::Value head, numQueries, numKeys, keySpace;
  mlir::SmallVector<mlir::Value> params;
  mlir::Value keys, values; // flat memref<?xT>
  mlir::Value keyBase, valueBase, keyStride, valueStride;
  mlir::Value shared;      // dynamic shared memory (i8)
  mlir::Value numKeyTiles; // ceil(keySpace / block_k)
  /// memref<2 x index>: the key tile being prefetched (-1: none) and the
  /// shared-memory slot it goes to.
  mlir::Value prefetch;
  /// A fragments of Q: [mTile][D / 16], when they stay in registers;
  /// otherwise (two row tiles of a large head dim, where they would spill)
  /// empty, and reloaded from the Q tile at `qFragRows[mt]`, `qFragCol`.
  mlir::SmallVector<mlir::SmallVector<Frag4>> qFrags;
  mlir::Value qTile, qFragCol;
  mlir::SmallVector<mlir::Value> qFragRows;
  /// Token of this lane's rows, row r = 2 * mTile + i (i = 0: g, 1: g + 8).
  mlir::SmallVector<mlir::Value> queryToken;
  /// Softmax state and accumulator, private memory promoted to registers
  /// by LLVM: rowMax/rowSum memref<2 mTiles x f32>, acc
  /// memref<mTiles * (D/8) * 4 x f32>.
  mlir::Value rowMax, rowSum, acc;
  mlir::Value scaleLog2; // scale * log2(e)
};

// TileBody.cpp: the code of one `sattn.visit %kt <kind>`.
void emitVisit(Emitter &e, KernelOp kernel, const Geometry &g,
               const KernelValues &v, mlir::Value keyTile, TileClass kind);

// KernelEntry.cpp: replaces `kernel` by a gpu.func in `module`.
mlir::LogicalResult lowerKernel(mlir::OpBuilder &b, KernelOp kernel,
                                const Geometry &g, mlir::Operation *gpuModule);

} // namespace sparsa::sattn::cuda

#endif // SPARSA_LIB_CONVERSION_SATTNTOGPU_GPUCODEGEN_H
