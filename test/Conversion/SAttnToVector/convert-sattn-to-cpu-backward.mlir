// RUN: sparsa-opt %s --split-input-file --sparsa-select-tiling="block-q=8 block-k=4 vector-width=8" --convert-mask-to-sattn="head-dim=16" --sattn-expand-ranges --convert-sattn-to-cpu-backward | FileCheck %s
// RUN: sparsa-opt %s --split-input-file --sparsa-select-tiling="block-q=8 block-k=4 vector-width=8" --convert-mask-to-sattn="head-dim=16 key-major=true" --sattn-expand-ranges --convert-sattn-to-cpu-backward | FileCheck %s --check-prefix=KEY
// RUN: not sparsa-opt %s --split-input-file --sparsa-select-tiling="target=cuda block-q=16 block-k=16" --convert-mask-to-sattn="head-dim=16" --sattn-expand-ranges --convert-sattn-to-cpu-backward -o /dev/null 2>&1 | FileCheck %s --check-prefix=CUDA
// RUN: not sparsa-opt %s --split-input-file --sparsa-select-tiling="block-q=8 block-k=4 vector-width=8" --convert-mask-to-sattn="head-dim=12" --sattn-expand-ranges --convert-sattn-to-cpu-backward -o /dev/null 2>&1 | FileCheck %s --check-prefix=WIDTH
// RUN: not sparsa-opt %s --split-input-file --sparsa-select-tiling="block-q=8 block-k=4 vector-width=8" --convert-mask-to-sattn="head-dim=16" --convert-sattn-to-cpu-backward -o /dev/null 2>&1 | FileCheck %s --check-prefix=RANGES

// A query-major kernel adds dQ: per work item (batch, query head, query
// tile) it loops over the visited key tiles, the rows and the pairs,
// recomputes p = exp(scale q.k - L), and adds its accumulated dQ rows at
// the end. Work items: B * Hq * query tiles.
// CHECK-LABEL: func.func @causal_part0_backward_work_items
// CHECK: return
// CHECK-LABEL: func.func @causal_part0_backward(
// CHECK-SAME: %{{.*}}: memref<1xf32>, %{{.*}}: memref<1xf32>, %{{.*}}: memref<1xf32>, %{{.*}}: memref<1xf32>, %{{.*}}: memref<1xf32>, %{{.*}}: memref<1xf32>, %{{.*}}: memref<1xf32>, %{{.*}}: memref<1xf32>, %{{.*}}: memref<1xf32>, %{{.*}}: memref<1xi64>, %{{.*}}: f32, %{{.*}}: index, %{{.*}}: index)
// CHECK: memref.alloca() {alignment = 64 : i64} : memref<8x16xf32>
// CHECK-NOT: memref.alloca() {alignment = 64 : i64} : memref<8x16xf32>
// CHECK: math.exp
// CHECK: vector.reduction <add>
// CHECK: return
// CHECK-NOT: sattn.kernel

// A key-major kernel adds dK and dV of its key tiles (rows of 4 keys),
// summed over the query heads of the key/value head: two accumulators and
// a loop over the group.
// KEY-LABEL: func.func @causal_key_part0_backward_work_items
// KEY-LABEL: func.func @causal_key_part0_backward(
// KEY-COUNT-2: memref.alloca() {alignment = 64 : i64} : memref<4x16xf32>
// KEY: math.exp
// KEY: return
// CUDA: error: 'sattn.kernel' op needs a cpu #sattn.tiling; run sparsa-select-tiling first
// WIDTH: error: 'sattn.kernel' op head_dim 12 must be a multiple of the vector width 8
// RANGES: error: 'sattn.range' op must be expanded by sattn-expand-ranges before convert-sattn-to-cpu-backward
func.func @causal() -> !mask.mask {
  %m = mask.causal [0]
  return %m : !mask.mask
}
