//===- TileBody.cpp - one visited key tile of a CUDA kernel ---------------===//
//
// The inline code of `sattn.visit %kt full|partial`, executed by the whole
// thread block (the schedule is uniform over the block, so the barriers
// here are reached by every thread), as named steps:
//   1. the K and V tiles into shared memory (the arch's copy pipeline);
//   2. S = Q·Kᵀ on tensor cores (the arch's product, FragmentLayout out);
//   3. mask S (Softmax.cpp);
//   4. online-softmax update in registers (Softmax.cpp);
//   5. O = O·alpha + P·V on tensor cores (the arch's product).
// The `#sattn.cuda_config`'s `mma` picks the arch; mma_sync is the one
// there is (Arch/MmaSync).
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/SAttnToGPU/Arch/MmaSync/MmaSync.h"
#include "lib/Conversion/SAttnToGPU/GPUCodegen.h"

using namespace mlir;
using namespace sparsa::sattn;
using namespace sparsa::sattn::cuda;

void cuda::emitVisit(Emitter &e, KernelOp kernel, const Geometry &g,
                     const KernelValues &v, Value kt, TileClass kind) {
  Value k0 = e.mul(kt, e.c(g.blockK));
  mmasync::KeyValueTiles tiles = mmasync::acquireKeyValueTiles(e, g, v, kt);
  SmallVector<Value> scores = mmasync::scoreTile(e, g, v, tiles.keys);
  maskScores(e, kernel, g, v, k0, kind, scores);
  SmallVector<Value> alpha = updateSoftmax(e, g, v, scores);
  mmasync::accumulateValues(e, g, v, tiles, scores, alpha);
}
