// RUN: sparsa-opt %s --convert-sattn-to-gpu --split-input-file | FileCheck %s

// Causal: the kernel becomes a gpu.func with one warp per 32 query rows
// (two 16-row MMA tiles, the default for head_dim 64);
// the FULL visit carries no predicate (no cmpi sge, the causal predicate's
// comparison, anywhere in its loop), both visits stage K/V with cp.async and run mma.sync.

// CHECK: module attributes {gpu.container_module, sparsa.attentions = {causal_attn = ["causal"]}}
// CHECK-LABEL: gpu.func @causal(
// CHECK-SAME: %{{[^:]+}}: memref<1xbf16>, %{{[^:]+}}: memref<1xbf16>, %{{[^:]+}}: memref<1xbf16>, %{{[^:]+}}: memref<1xbf16>, %{{[^:]+}}: memref<1xf32>, %{{[^:]+}}: f32
// CHECK-SAME: kernel
// CHECK-SAME: known_block_size = array<i32: 64, 1, 1>
// CHECK-SAME: sparsa.cuda = {block_k = 64 : i64, block_q = 64 : i64, covers_all_queries = true, element_type = bf16, head_dim = 64 : i64, num_params = 0 : i64, param_names = [], query_map = #sattn.token_map<identity>, shared_bytes = 46080 : i64, threads = 64 : i64}
// CHECK: gpu.dynamic_shared_memory
// CHECK: nvgpu.device_async_copy
// CHECK: nvgpu.ldmatrix %{{.+}} {numTiles = 4 : i32, transpose = false}
// FULL visit: the loop over the key tiles below the diagonal. No predicate
// anywhere in its body: every positive check up to the first op after the
// loop (the PARTIAL visit's key offset, %block_id_x * 64) has a CHECK-NOT
// before it, so the whole body is covered.
// CHECK: scf.for %[[KT:[^ ]+]] = %{{.+}} to %block_id_x step
// CHECK-NOT: arith.cmpi sge
// CHECK: arith.muli %[[KT]], %{{.+}} : index
// CHECK-NOT: arith.cmpi sge
// CHECK: nvgpu.device_async_copy
// CHECK-NOT: arith.cmpi sge
// CHECK: nvgpu.device_async_wait %{{.+}} {numGroups = 3 : i32}
// CHECK-NOT: arith.cmpi sge
// CHECK: nvvm.mma.sync
// CHECK-SAME: multiplicandAPtxType = #nvvm.mma_type<bf16>
// CHECK-SAME: shape = #nvvm.shape<m = 16, n = 8, k = 16>
// CHECK-NOT: arith.cmpi sge
// CHECK: gpu.shuffle xor
// CHECK-NOT: arith.cmpi sge
// CHECK: math.exp2
// CHECK-NOT: arith.cmpi sge
// CHECK: nvgpu.ldmatrix %{{.+}} {numTiles = 4 : i32, transpose = true}
// CHECK-NOT: arith.cmpi sge
// CHECK: nvvm.mma.sync
// CHECK-NOT: arith.cmpi sge
// CHECK: arith.muli %block_id_x, %{{.+}} : index
// PARTIAL visit: the predicate k <= q on every score.
// CHECK: arith.cmpi sge
// CHECK: nvvm.mma.sync
// The merge epilogue: a row whose old LSE is -inf takes the new result
// without reading its old O (which may hold anything, NaN included).
// CHECK: %[[OLD:[0-9]+]] = memref.load %reinterpret_cast{{.*}} : memref<?xf32>
// CHECK-NEXT: arith.maxnumf %[[OLD]]
// CHECK: %[[NOOLD:[0-9]+]] = arith.cmpf oeq, %[[OLD]], %{{.+}} : f32
// CHECK: %[[OLDO:[0-9]+]] = vector.extract
// CHECK: %[[NEW:[0-9]+]] = arith.mulf
// CHECK: %[[WOLD:[0-9]+]] = arith.mulf %[[OLDO]]
// CHECK: %[[MIX:[0-9]+]] = arith.addf %[[WOLD]], %[[NEW]]
// CHECK: arith.select %[[NOOLD]], %[[NEW]], %[[MIX]] : f32
// CHECK-NOT: sattn.
sattn.kernel @causal attributes {
    tiling = #sattn.tiling<block_q = 64, block_k = 64, vector_width = 8, target = "cuda",
        cuda = #sattn.cuda_config<chip = "sm_90", mma = mma_sync, element_type = bf16,
          rows_per_warp = 32, stages = 2, q_in_registers = true>>,
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
  %d = arith.subi %q, %k : index
  %c0 = arith.constant 0 : index
  %ok = arith.cmpi sge, %d, %c0 : index
  sattn.yield %ok : i1
}
sattn.attention @causal_attn parts [@causal]

// -----

// Runtime parameters follow the fixed arguments; a residue key map gathers
// the K/V rows through the map's closed form (floordivsi by the stride).

// Beside the kernel, its grid's x extent as host code: the residue query
// space of Nq (args[3]) over 4 classes, each padded to whole 128-row tiles.
// CHECK: func.func @swa_query_tiles(%{{.+}}: memref<1xi64>) -> i64
// CHECK: %[[NQ:.+]] = memref.load %{{.+}}[%c3] : memref<?xi64>
// CHECK: %[[N:.+]] = arith.index_cast %[[NQ]] : i64 to index
// CHECK: %[[PER:.+]] = arith.ceildivsi %[[N]], %c4
// CHECK: arith.ceildivsi %[[PER]], %c128
// CHECK: return %{{.+}} : i64
// CHECK-LABEL: gpu.func @swa(
// CHECK-SAME: f32, %{{[^:]+}}: index
// CHECK-SAME: param_names = ["W"]
// CHECK-SAME: query_map = #sattn.token_map<residue, period = 4>
// CHECK: arith.floordivsi
// CHECK: nvgpu.device_async_copy
sattn.kernel @swa attributes {
    tiling = #sattn.tiling<block_q = 128, block_k = 64, vector_width = 8, target = "cuda",
        cuda = #sattn.cuda_config<chip = "sm_90", mma = mma_sync, element_type = bf16,
          rows_per_warp = 16, stages = 2, q_in_registers = true>>,
    query_map = #sattn.token_map<residue, period = 4>,
    key_map = #sattn.token_map<residue, period = 4>,
    head_dim = 128 : i64, num_params = 1 : i64, param_names = ["W"]} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index, %w: index):
  sattn.visit %qt partial
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index, %w: index):
  %d = arith.subi %q, %k : index
  %ok = arith.cmpi sle, %d, %w : index
  sattn.yield %ok : i1
}
