//===- Products.cpp - S = Q·Kᵀ and O += P·V with mma.sync -----------------===//
//
// The two tile products of a visit on tensor cores. A K or V fragment read
// from shared memory (ldmatrix .x4, transposed for V) feeds the MMAs of all
// row tiles of the warp. P never goes through shared memory: the C
// fragment of m16n8k16 lines up with its A fragment, so the probability
// registers are packed in pairs into A operands.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/SAttnToGPU/Arch/MmaSync/MmaSync.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;
using namespace sparsa::sattn;
using namespace sparsa::sattn::cuda;
using namespace sparsa::sattn::cuda::mmasync;

namespace {
/// Lane-dependent offsets of the ldmatrix row addresses.
struct LaneOffsets {
  Value mod8, div16x8, bit3x8; // l % 8, (l / 16) * 8, ((l / 8) % 2) * 8
};
} // namespace

static LaneOffsets laneOffsets(Emitter &e, Value lane) {
  return {e.remUnsigned(lane, e.c(8)),
          e.mul(e.divUnsigned(lane, e.c(16)), e.c(8)),
          e.mul(e.remUnsigned(e.divUnsigned(lane, e.c(8)), e.c(2)), e.c(8))};
}

SmallVector<Value> mmasync::scoreTile(Emitter &e, const Geometry &g,
                                      const KernelValues &v, Value keys) {
  LaneOffsets lo = laneOffsets(e, v.lane);
  Value zero = e.f32(0.0);
  const int64_t mts = g.mTiles, nj = g.blockK / 8;
  // The C fragment of row tile mt, key block j.
  SmallVector<Acc4> s(mts * nj, Acc4{zero, zero, zero, zero});
  for (int64_t kk = 0; kk < g.headDim / 16; ++kk) {
    SmallVector<Frag4> q;
    for (int64_t mt = 0; mt < mts; ++mt)
      q.push_back(v.qFrags.empty()
                      ? loadMatrixX4(e, g, v.qTile, v.qFragRows[mt],
                                     e.add(v.qFragCol, e.c(16 * kk)),
                                     /*transpose=*/false)
                      : v.qFrags[mt][kk]);
    Value col = e.add(e.c(16 * kk), lo.bit3x8);
    for (int64_t jp = 0; jp < g.blockK / 16; ++jp) {
      Value row = e.add(e.c(16 * jp), e.add(lo.mod8, lo.div16x8));
      Frag4 f = loadMatrixX4(e, g, keys, row, col, /*transpose=*/false);
      for (int64_t mt = 0; mt < mts; ++mt) {
        Acc4 &s0 = s[mt * nj + 2 * jp], &s1 = s[mt * nj + 2 * jp + 1];
        s0 = mmaSync(e, g, q[mt], f[0], f[1], s0);
        s1 = mmaSync(e, g, q[mt], f[2], f[3], s1);
      }
    }
  }
  // The C fragments in order are FragmentLayout{mTiles, block_k}.
  SmallVector<Value> scores;
  for (const Acc4 &frag : s)
    scores.append(frag.begin(), frag.end());
  return scores;
}

void mmasync::accumulateValues(Emitter &e, const Geometry &g,
                               const KernelValues &v,
                               const KeyValueTiles &tiles,
                               ArrayRef<Value> probabilities,
                               ArrayRef<Value> alpha) {
  const int64_t mts = g.mTiles, bk = g.blockK, nd = g.headDim / 8;
  const FragmentLayout pLayout{mts, bk};
  SmallVector<SmallVector<Frag4>> p(mts);
  for (int64_t mt = 0; mt < mts; ++mt)
    for (int64_t kk = 0; kk < bk / 16; ++kk) {
      auto pr = [&](int64_t j, int64_t i) {
        return packPair(e, g, probabilities[pLayout.at(2 * mt + i, j, 0)],
                        probabilities[pLayout.at(2 * mt + i, j, 1)]);
      };
      p[mt].push_back(
          {pr(2 * kk, 0), pr(2 * kk, 1), pr(2 * kk + 1, 0), pr(2 * kk + 1, 1)});
    }
  // The accumulator's C fragment of row tile mt, column block n is
  // mt * nd + n (FragmentLayout{mTiles, D}).
  SmallVector<Acc4> acc(mts * nd);
  for (int64_t mt = 0; mt < mts; ++mt)
    for (int64_t n = 0; n < nd; ++n)
      for (int64_t r = 0; r < 4; ++r) {
        Value x = memref::LoadOp::create(
            e.b, e.loc, v.acc, ValueRange{e.c(4 * (mt * nd + n) + r)});
        acc[mt * nd + n][r] = e.fmul(x, alpha[2 * mt + r / 2]);
      }
  waitValues(e, tiles);
  LaneOffsets lo = laneOffsets(e, v.lane);
  for (int64_t dp = 0; dp < g.headDim / 16; ++dp) {
    Value col = e.add(e.c(16 * dp), lo.div16x8);
    for (int64_t kk = 0; kk < bk / 16; ++kk) {
      Value row = e.add(e.c(16 * kk), e.add(lo.mod8, lo.bit3x8));
      Frag4 f = loadMatrixX4(e, g, tiles.values, row, col, /*transpose=*/true);
      for (int64_t mt = 0; mt < mts; ++mt) {
        Acc4 &a0 = acc[mt * nd + 2 * dp], &a1 = acc[mt * nd + 2 * dp + 1];
        a0 = mmaSync(e, g, p[mt][kk], f[0], f[1], a0);
        a1 = mmaSync(e, g, p[mt][kk], f[2], f[3], a1);
      }
    }
  }
  for (int64_t n = 0; n < mts * nd; ++n)
    for (int64_t r = 0; r < 4; ++r)
      memref::StoreOp::create(e.b, e.loc, acc[n][r], v.acc,
                              ValueRange{e.c(4 * n + r)});
}
