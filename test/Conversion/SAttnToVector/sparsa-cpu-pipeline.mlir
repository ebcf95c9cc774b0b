// RUN: sparsa-opt %s --sparsa-cpu-pipeline="stop-after=vector" | FileCheck %s --check-prefix=VECTOR
// RUN: sparsa-opt %s --sparsa-cpu-pipeline="stop-after=approx" | FileCheck %s --check-prefix=APPROX
// RUN: sparsa-opt %s --sparsa-cpu-pipeline | FileCheck %s --check-prefix=LLVM

// Each stage of the CPU pipeline on a causal kernel.

// VECTOR-LABEL: func.func private @causal_full_tile
// VECTOR: math.exp %{{.+}} : vector<16xf32>
// VECTOR-LABEL: func.func @causal(

// APPROX-LABEL: func.func private @causal_full_tile
// APPROX-NOT: math.exp
// APPROX: math.fma %{{.+}} : vector<16xf32>
// APPROX-NOT: math.exp
// APPROX-LABEL: func.func @causal(
// APPROX-NOT: math.log

// The entry point has the bare-pointer C ABI of lib/Runtime/KernelABI.h.
// LLVM-LABEL: llvm.func @causal_full_tile(
// LLVM: llvm.intr.fmuladd(%{{.+}}, %{{.+}}, %{{.+}}) : (vector<16xf32>, vector<16xf32>, vector<16xf32>) -> vector<16xf32>
// The softmax runs down the key axis of the transposed scores: vertical
// maxima, no horizontal reduction.
// LLVM-NOT: llvm.intr.vector.reduce.f
// LLVM: llvm.intr.maxnum(%{{.+}}, %{{.+}}) : (vector<16xf32>, vector<16xf32>) -> vector<16xf32>
// LLVM-NOT: llvm.intr.vector.reduce.f
// LLVM-LABEL: llvm.func @causal_work_items(%{{.+}}: !llvm.ptr) -> i64
// LLVM-LABEL: llvm.func @causal(%{{.+}}: !llvm.ptr, %{{.+}}: !llvm.ptr, %{{.+}}: !llvm.ptr, %{{.+}}: !llvm.ptr, %{{.+}}: !llvm.ptr, %{{.+}}: !llvm.ptr, %{{.+}}: f32, %{{.+}}: i64, %{{.+}}: i64)
// LLVM-SAME: sparsa.kernel
// LLVM: llvm.call @causal_full_tile(
// LLVM: llvm.call @causal_partial_tile(
// LLVM-NOT: builtin.unrealized_conversion_cast
sattn.kernel @causal attributes {
    tiling = #sattn.tiling<block_q = 64, block_k = 64, vector_width = 16, target = "cpu">,
    head_dim = 64 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %kt = %c0 to %qt step %c1 {
    sattn.visit %kt full
  }
  sattn.visit %qt partial
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %le = arith.cmpi ule, %k, %q : index
  sattn.yield %le : i1
}
