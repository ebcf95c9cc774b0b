// RUN: sparsa-opt %s --sparsa-cuda-pipeline="stop-after=nvvm" | FileCheck %s --check-prefix=NVVM
// RUN: sparsa-opt %s --sparsa-cuda-pipeline="format=isa" | FileCheck %s --check-prefix=PTX

// The NVVM stage: only llvm and nvvm ops are left in the gpu.module, the
// kernel has the bare-pointer ABI (one pointer per tensor) and libdevice
// calls for exp2 / log.

// NVVM: gpu.module @sparsa_kernels
// NVVM: llvm.func @__nv_exp2f(f32) -> f32
// NVVM: llvm.func @swa(%{{[^:]+}}: !llvm.ptr, %{{[^:]+}}: !llvm.ptr, %{{[^:]+}}: !llvm.ptr, %{{[^:]+}}: !llvm.ptr, %{{[^:]+}}: !llvm.ptr, %{{[^:]+}}: f32, %{{[^:]+}}: i64
// NVVM-SAME: gpu.kernel
// NVVM: nvvm.ldmatrix
// NVVM: nvvm.mma.sync
// NVVM-NOT: scf.
// NVVM-NOT: memref.
// NVVM-NOT: nvgpu.

// The PTX (inside gpu.binary): tensor-core MMAs, ldmatrix (plain and
// transposed), cp.async with 16-byte copies, warp shuffles, and no local
// memory: the softmax state and accumulators stay in registers.

// PTX: gpu.binary @sparsa_kernels
// PTX-SAME: .target sm_90
// PTX-SAME: .entry swa(
// PTX-SAME: cp.async.ca.shared.global [%rd{{[0-9]+}}], [%rd{{[0-9]+}}], 16;
// PTX-SAME: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// PTX-SAME: ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16
// PTX-SAME: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// PTX-SAME: shfl.sync.bfly.b32
// PTX-SAME: ex2.approx
// PTX-NOT: .local
sattn.kernel @swa attributes {
    tiling = #sattn.tiling<block_q = 128, block_k = 64, vector_width = 8, target = "cuda",
        cuda = #sattn.cuda_config<chip = "sm_90", mma = mma_sync, element_type = bf16,
          rows_per_warp = 16, stages = 2, q_in_registers = true>>,
    head_dim = 128 : i64, num_params = 1 : i64, param_names = ["W"]} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index, %w: index):
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %lo = arith.subi %qt, %c1 : index
  %first = arith.maxsi %lo, %c0 : index
  %end = arith.addi %qt, %c2 : index
  scf.for %kt = %first to %end step %c1 {
    sattn.visit %kt partial
  }
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index, %w: index):
  %d = arith.subi %q, %k : index
  %c0 = arith.constant 0 : index
  %a = arith.cmpi sge, %d, %c0 : index
  %b = arith.cmpi sle, %d, %w : index
  %ok = arith.andi %a, %b : i1
  sattn.yield %ok : i1
}
