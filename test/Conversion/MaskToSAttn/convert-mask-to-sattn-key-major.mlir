// RUN: sparsa-opt %s --split-input-file --sparsa-select-tiling="block-q=8 block-k=4 vector-width=8" --convert-mask-to-sattn="key-major=true" | FileCheck %s
// RUN: sparsa-opt %s --split-input-file --sparsa-select-tiling="block-q=8 block-k=4 vector-width=8" --convert-mask-to-sattn="key-major=true" --sattn-expand-ranges | FileCheck %s --check-prefix=EXPANDED
// RUN: not sparsa-opt %s --split-input-file --sparsa-select-tiling="block-q=8 block-k=4 vector-width=8" --convert-mask-to-sattn="key-major=true" --sattn-expand-ranges --convert-sattn-to-vector -o /dev/null 2>&1 | FileCheck %s --check-prefix=CPU
// RUN: not sparsa-opt %s --split-input-file --sparsa-select-tiling="target=cuda block-q=16 block-k=16" --convert-mask-to-sattn="key-major=true" --sattn-expand-ranges --convert-sattn-to-gpu -o /dev/null 2>&1 | FileCheck %s --check-prefix=GPU

// The key-major schedule of the backward pass: kernels of the transposed
// mask, whose query tiles are the attention's key tiles (so the tile sizes
// swap: 4-key tiles visit 8-query tiles), marked key_major, and an
// attention of them. For causal attention, key tile i is seen by the query
// tiles from the one holding its first key on.
// CHECK-LABEL: sattn.kernel @causal_key_part0
// CHECK-SAME: key_major
// CHECK-SAME: tiling = #sattn.tiling<block_q = 4, block_k = 8, vector_width = 8, target = "cpu">
// CHECK: sattn.range %{{.*}} to %{{.*}} full
// CHECK: sattn.range %{{.*}} to %{{.*}} partial
// CHECK: sattn.attention @causal parts [@causal_key_part0] {key_major}
// The forward lowerings take query-major kernels only.
// CPU: error: 'sattn.kernel' op is a key_major (backward) schedule, which convert-sattn-to-vector cannot lower: it lowers query-major kernels
// GPU: error: 'sattn.kernel' op is a key_major (backward) schedule, which convert-sattn-to-gpu cannot lower: it lowers query-major kernels
func.func @causal() -> !mask.mask {
  %m = mask.causal [0]
  return %m : !mask.mask
}

// -----

// Random blocks are drawn per query block; key-major, a key tile visits the
// query tiles whose draw holds one of its key blocks: a by_key range,
// expanded into a search over the key blocks with a draw each.
// CHECK-LABEL: sattn.kernel @bigbird_key_part0
// CHECK: sattn.random_range %{{.*}} to %{{.*}} block %{{.*}} count 1 seed 7 by_key
// EXPANDED-LABEL: sattn.kernel @bigbird_key_part0
// EXPANDED: scf.while
// EXPANDED: sattn.visit %{{.*}} partial
func.func @bigbird() -> !mask.mask {
  %m = mask.random_blocks [4, 1, 7]
  return %m : !mask.mask
}
