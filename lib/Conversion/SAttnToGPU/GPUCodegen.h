//===- GPUCodegen.h - pieces of the sattn-to-gpu lowering -------*- C++ -*-===//
//
// Internal interface between the arch-neutral files of the CUDA lowering
// of a `sattn.kernel` and its tensor-core code (Arch/MmaSync): the block
// geometry read from `#sattn.tiling` and its `#sattn.cuda_config`, the
// values the inline tile code works on, the accumulator-fragment layout the
// neutral code is written against, and the builders of the kernel entry,
// of one visited key tile and of its masking and online-softmax steps.
//
// Scores, probabilities and the output accumulator all use FragmentLayout,
// so the softmax row reductions are shuffles among the 4 lanes of a quad.
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
  MmaKind mma = MmaKind::mma_sync;
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

/// The accumulator-fragment layout of the tensor-core tiles, which the
/// arch-neutral code (masking, online softmax, epilogue) is written
/// against. The mma.sync m16n8 C fragment has it, and a wgmma m64nN
/// accumulator gives each of its four warps the same one: in a warp, lane
/// = 4 g + c holds, for each of its `rowTiles` 16-row tiles mt, rows
/// 16 mt + g and 16 mt + g + 8 (row slots 2 mt and 2 mt + 1), and for every
/// 8-column block j, columns 8 j + 2 c and 8 j + 2 c + 1. A row is spread
/// over the 4 lanes of a quad; its reductions are shuffles among them.
struct FragmentLayout {
  int64_t rowTiles = 1, columns = 0;
  int64_t blocks() const { return columns / 8; }
  int64_t rowSlots() const { return 2 * rowTiles; }
  /// Registers of one lane.
  int64_t size() const { return rowTiles * blocks() * 4; }
  /// The register of row slot `slot`, column block `block`, pair element
  /// `c` (0 or 1).
  int64_t at(int64_t slot, int64_t block, int64_t c) const {
    return ((slot / 2) * blocks() + block) * 4 + 2 * (slot % 2) + c;
  }
};

/// Four 32-bit registers of an A fragment or two B fragments.
using Frag4 = std::array<mlir::Value, 4>;
/// Four f32 accumulators of one 16x8 C fragment.
using Acc4 = std::array<mlir::Value, 4>;

// Emitter.cpp: element conversions.
/// vector<2 x element type>.
mlir::VectorType pairType(const Geometry &g);
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

/// Values shared by the kernel entry and the inline tile code.
struct KernelValues {
  mlir::Value tid, lane, warp, quadRow, quadCol; // g = lane / 4, c = lane % 4
  mlir::Value head, numQueries, numKeys, keySpace;
  mlir::SmallVector<mlir::Value> params;
  mlir::Value keys, values; // flat memref<?xT>
  mlir::Value keyBase, valueBase, keyStride, valueStride;
  mlir::Value shared;      // dynamic shared memory (i8)
  mlir::Value numKeyTiles; // ceil(keySpace / block_k)
  /// Token of this lane's rows, row slot r (FragmentLayout).
  mlir::SmallVector<mlir::Value> queryToken;
  /// Softmax state and accumulator, private memory promoted to registers
  /// by LLVM: rowMax/rowSum memref<row slots x f32>, acc
  /// memref<FragmentLayout{mTiles, D}.size() x f32>.
  mlir::Value rowMax, rowSum, acc;
  mlir::Value scaleLog2; // scale * log2(e)

  // The mma_sync kernels' state (Arch/MmaSync).
  /// memref<2 x index>: the key tile being prefetched (-1: none) and the
  /// shared-memory slot it goes to.
  mlir::Value prefetch;
  /// A fragments of Q: [mTile][D / 16], when they stay in registers;
  /// otherwise empty, and reloaded from the Q tile at `qFragRows[mt]`,
  /// `qFragCol`.
  mlir::SmallVector<mlir::SmallVector<Frag4>> qFrags;
  mlir::Value qTile, qFragCol;
  mlir::SmallVector<mlir::Value> qFragRows;
};

/// The token of key position `k0 + offset` (and whether there is one), for
/// offsets inside one key tile. A residue map lays every class out from a
/// tile boundary (its stride is a multiple of block_k), so a tile holds one
/// class: the class is found once per tile and each position costs a
/// multiply-add instead of emitTokenAt's 64-bit divisions.
class KeyTokens {
public:
  KeyTokens(Emitter &e, const Geometry &g, const KernelValues &v,
            mlir::Value k0);
  std::pair<mlir::Value, mlir::Value> at(mlir::Value offset);

private:
  Emitter &e;
  const Geometry &g;
  const KernelValues &v;
  mlir::Value k0, cls, first; // residue: class of the tile, index of k0 in it
};

// Softmax.cpp: the arch-neutral steps of a visit, on the scores of one
// S tile in FragmentLayout{mTiles, block_k}.
/// Masks the raw scores: PARTIAL tiles evaluate the kernel's predicate on
/// every score, FULL tiles only mask key positions past the sequence end or
/// holding no token (for the identity map only on the tile holding the
/// sequence end, behind a uniform branch).
void maskScores(Emitter &e, KernelOp kernel, const Geometry &g,
                const KernelValues &v, mlir::Value k0, TileClass kind,
                llvm::SmallVectorImpl<mlir::Value> &scores);
/// The online-softmax update: turns the masked scores into probabilities
/// P = exp2(s * scale log2 e - m), updates the row maxima and sums, and
/// returns the factor alpha = exp2(m_old - m_new) of every row slot, by
/// which the accumulator is to be rescaled.
llvm::SmallVector<mlir::Value>
updateSoftmax(Emitter &e, const Geometry &g, const KernelValues &v,
              llvm::SmallVectorImpl<mlir::Value> &scores);

// TileBody.cpp: the code of one `sattn.visit %kt <kind>`.
void emitVisit(Emitter &e, KernelOp kernel, const Geometry &g,
               const KernelValues &v, mlir::Value keyTile, TileClass kind);

// KernelEntry.cpp: replaces `kernel` by a gpu.func in `module`.
mlir::LogicalResult lowerKernel(mlir::OpBuilder &b, KernelOp kernel,
                                const Geometry &g, mlir::Operation *gpuModule);

} // namespace sparsa::sattn::cuda

#endif // SPARSA_LIB_CONVERSION_SATTNTOGPU_GPUCODEGEN_H
