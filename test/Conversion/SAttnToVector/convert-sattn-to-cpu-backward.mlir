// RUN: sparsa-opt %s --split-input-file --sparsa-select-tiling="block-q=8 block-k=4 vector-width=8" --convert-mask-to-sattn="head-dim=16" --sattn-expand-ranges --convert-sattn-to-cpu-backward | FileCheck %s
// RUN: sparsa-opt %s --split-input-file --sparsa-select-tiling="block-q=8 block-k=4 vector-width=8" --convert-mask-to-sattn="head-dim=16 key-major=true" --sattn-expand-ranges --convert-sattn-to-cpu-backward | FileCheck %s --check-prefix=KEY
// RUN: not sparsa-opt %s --split-input-file --sparsa-select-tiling="target=cuda block-q=16 block-k=16" --convert-mask-to-sattn="head-dim=16" --sattn-expand-ranges --convert-sattn-to-cpu-backward -o /dev/null 2>&1 | FileCheck %s --check-prefix=CUDA
// RUN: not sparsa-opt %s --split-input-file --sparsa-select-tiling="block-q=8 block-k=4 vector-width=8" --convert-mask-to-sattn="head-dim=12" --sattn-expand-ranges --convert-sattn-to-cpu-backward -o /dev/null 2>&1 | FileCheck %s --check-prefix=WIDTH
// RUN: not sparsa-opt %s --split-input-file --sparsa-select-tiling="block-q=8 block-k=4 vector-width=8" --convert-mask-to-sattn="head-dim=16" --convert-sattn-to-cpu-backward -o /dev/null 2>&1 | FileCheck %s --check-prefix=RANGES

// A query-major kernel adds dQ: per work item (batch, query head, query
// tile) its 8 query rows lie across the lanes of transposed stack tiles
// (D = 16 rows of 8 lanes: Q, dO, the dQ accumulator; the rows' LSE and
// delta); every visited key row updates them with vertical FMAs (no
// horizontal sums), and the accumulated rows are added to dQ at the end.
// Work items: B * Hq * query tiles.
// CHECK-LABEL: func.func @causal_part0_backward_work_items
// CHECK: return
// CHECK-LABEL: func.func @causal_part0_backward(
// CHECK-SAME: %{{.*}}: memref<1xf32>, %{{.*}}: memref<1xf32>, %{{.*}}: memref<1xf32>, %{{.*}}: memref<1xf32>, %{{.*}}: memref<1xf32>, %{{.*}}: memref<1xf32>, %{{.*}}: memref<1xf32>, %{{.*}}: memref<1xf32>, %{{.*}}: memref<1xf32>, %{{.*}}: memref<1xi64>, %{{.*}}: f32, %{{.*}}: index, %{{.*}}: index)
// CHECK: memref.alloca() {alignment = 64 : i64} : memref<8xindex>
// CHECK-COUNT-3: memref.alloca() {alignment = 64 : i64} : memref<16x8xf32>
// CHECK-COUNT-2: memref.alloca() {alignment = 64 : i64} : memref<8xf32>
// CHECK: vector.reduction <or>
// CHECK: vector.fma
// CHECK: math.exp %{{.*}} : vector<8xf32>
// CHECK: return
// CHECK-NOT: sattn.kernel

// A key-major kernel adds dK and dV of its key tiles (4 keys, padded to 8
// lanes), summed over the query heads of the key/value head: K and V
// transposed and two accumulators.
// KEY-LABEL: func.func @causal_key_part0_backward_work_items
// KEY-LABEL: func.func @causal_key_part0_backward(
// KEY: memref.alloca() {alignment = 64 : i64} : memref<8xindex>
// KEY-COUNT-4: memref.alloca() {alignment = 64 : i64} : memref<16x8xf32>
// KEY: math.exp %{{.*}} : vector<8xf32>
// KEY: return
// CUDA: error: 'sattn.kernel' op needs a cpu #sattn.tiling; run sparsa-select-tiling first
// WIDTH: error: 'sattn.kernel' op head_dim 12 must be a multiple of the vector width 8
// RANGES: error: 'sattn.range' op must be expanded by sattn-expand-ranges before convert-sattn-to-cpu-backward
func.func @causal() -> !mask.mask {
  %m = mask.causal [0]
  return %m : !mask.mask
}
