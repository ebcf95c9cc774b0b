// RUN: sparsa-opt %s --sparsa-cpu-pipeline="from-mask=true head-dim=64 block-q=32 block-k=32 vector-width=16" | FileCheck %s

// The whole CPU pipeline from a mask function: a window plus a causal
// stride becomes two kernels (a band and a residue-permuted part) recorded
// as one attention whose parts the runtime merges.

// CHECK: module attributes {sparsa.attentions = {m = ["m_part0", "m_part1"]}}
// CHECK-DAG: llvm.func @m_part0(%{{.+}}: !llvm.ptr, %{{.+}}: !llvm.ptr, %{{.+}}: !llvm.ptr, %{{.+}}: !llvm.ptr, %{{.+}}: !llvm.ptr, %{{.+}}: !llvm.ptr, %{{.+}}: f32, %{{.+}}: i64, %{{.+}}: i64)
// CHECK-DAG: llvm.func @m_part1(
// CHECK-DAG: llvm.func @m_part0_work_items(
// CHECK-DAG: llvm.func @m_part1_work_items(
// CHECK-NOT: sattn.
// CHECK-NOT: mask.
func.func @m(%a: index) -> !mask.mask {
  %w = mask.window [8, 0]
  %s = mask.stride [16, 0]
  %c = mask.causal [0]
  %sc = mask.intersect %s, %c
  %m = mask.union %w, %sc
  return %m : !mask.mask
}
