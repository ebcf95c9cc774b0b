// RUN: sparsa-opt %s --convert-sattn-to-vector --split-input-file | FileCheck %s

// Causal: scores are computed transposed (keys x queries, queries across
// the 16 lanes), from key elements broadcast straight from the key tensor:
// no key tile is transposed. FULL tiles below the diagonal carry no
// predicate code and their softmax has no horizontal reduction.

// CHECK-LABEL: func.func private @causal_full_tile(
// CHECK-SAME: %{{[^:]+}}: memref<64x64xf32>, %{{[^:]+}}: memref<64x64xf32>, %{{[^:]+}}: memref<64xf32>
// CHECK-NOT: arith.cmpi ule
// CHECK-NOT: vector.transpose
// CHECK: %{{.+}}:16 = scf.for
// CHECK: %[[K:.+]] = memref.load %{{.+}}[%{{.+}}] : memref<?xf32>
// CHECK-NEXT: %[[KB:.+]] = vector.broadcast %[[K]] : f32 to vector<16xf32>
// CHECK-NEXT: vector.fma %[[KB]], %{{.+}}, %{{.+}} : vector<16xf32>
// CHECK-NOT: arith.cmpi ule
// CHECK-NOT: vector.reduction
// CHECK: arith.maxnumf %{{.+}}, %{{.+}} : vector<16xf32>
// CHECK-NOT: vector.reduction
// CHECK: math.exp %{{.+}} : vector<16xf32>
// CHECK-NOT: arith.cmpi ule
// CHECK-NOT: arith.cmpf oeq, %{{.+}} : f32
// The PARTIAL tile evaluates the predicate once per (key, query vector)
// into byte masks and the span of keys each query allows; the score kernel
// runs over the span of each group of 2 query vectors (blocks of 8 keys,
// then single keys), the softmax over each query vector's span, P·V over
// each row group's.
// CHECK-LABEL: func.func private @causal_partial_tile(
// CHECK: %[[MASKS:.+]] = memref.alloca() {alignment = 64 : i64} : memref<64x64xi8>
// CHECK: %[[QUERIES:.+]] = arith.addi %{{.+}}, %{{.+}} : vector<16xindex>
// CHECK: %[[OK:.+]] = arith.cmpi ule, %{{.+}}, %[[QUERIES]] : vector<16xindex>
// CHECK: %[[BYTES:.+]] = arith.extui %[[OK]] : vector<16xi1> to vector<16xi8>
// CHECK: vector.store %[[BYTES]], %[[MASKS]]
// CHECK: vector.reduction <minsi>, %{{.+}} : vector<16xi32> into i32
// CHECK: vector.reduction <maxsi>, %{{.+}} : vector<16xi32> into i32
// CHECK: scf.for %{{.+}} = %c0 to %c4 step %c2 {
// CHECK: scf.for %{{.+}} = %{{[0-9]+}} to %[[MAIN:[0-9]+]] step %c8 {
// CHECK-COUNT-16: vector.fma
// CHECK: scf.for %{{.+}} = %[[MAIN]] to %{{[^ ]+}} step %c1 {
// CHECK-COUNT-2: vector.fma
// CHECK: vector.load %[[MASKS]]
// CHECK: arith.maxnumf
// CHECK: math.exp %{{.+}} : vector<16xf32>
// CHECK: scf.for %{{.+}} = %c0 to %c64 step %c4 {
// CHECK-COUNT-3: arith.minsi
// CHECK-NEXT: arith.maxsi
// CHECK: scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c1 iter_args(
// A key the row may not see (p = 0) leaves its accumulators as they were:
// 0 * V would be NaN where V is NaN or Inf.
// CHECK: %[[P:.+]] = memref.load
// CHECK-NEXT: %[[PB:.+]] = vector.broadcast %[[P]] : f32 to vector<16xf32>
// CHECK-NEXT: %[[MASKED:.+]] = arith.cmpf oeq, %[[P]], %{{.+}} : f32
// CHECK-NEXT: %[[SUM:.+]] = vector.fma %[[PB]], %{{.+}}, %[[ACC:[^ ]+]] : vector<16xf32>
// CHECK-NEXT: arith.select %[[MASKED]], %[[ACC]], %[[SUM]] : vector<16xf32>
// CHECK-LABEL: func.func @causal_work_items(%{{.+}}: memref<1xi64>) -> index
// CHECK: arith.ceildivui
// CHECK-LABEL: func.func @causal(
// CHECK-SAME: %{{.+}}: memref<1xf32>, %{{.+}}: memref<1xf32>, %{{.+}}: memref<1xf32>, %{{.+}}: memref<1xf32>, %{{.+}}: memref<1xf32>, %{{.+}}: memref<1xi64>, %{{.+}}: f32, %{{.+}}: index, %{{.+}}: index)
// CHECK-SAME: sparsa.kernel = {block_k = 64 : i64, block_q = 64 : i64, covers_all_queries = true, head_dim = 64 : i64, param_names = [], vector_width = 16 : i64}
// CHECK: scf.for
// CHECK: scf.for %[[KT:.+]] = %{{.+}} to %{{.+}} step
// CHECK: func.call @causal_full_tile(
// CHECK: func.call @causal_partial_tile(
// CHECK-NOT: sattn.
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

// -----

// AVX2 width: 8 lanes everywhere; the runtime parameter is an index
// argument of the tile functions, the query-dependent part of the
// predicate is widened over the query lanes, the key stays a scalar
// broadcast once. The entry point transposes the query tile (D x BQ).

// With 16 vector registers the micro-kernels hold 8 accumulators (4 keys
// x 2 query vectors, 4 rows x 2 head-dim vectors), not AVX-512's 16.
// CHECK-LABEL: func.func private @window_full_tile(
// CHECK-SAME: %{{[^:]+}}: memref<128x32xf32>, %{{[^:]+}}: memref<32x128xf32>
// CHECK: %{{.+}}:8 = scf.for
// CHECK: vector.fma %{{.+}} : vector<8xf32>
// CHECK: %{{.+}}:8 = scf.for
// CHECK-LABEL: func.func private @window_partial_tile(
// CHECK-SAME: %[[W:[^:]+]]: index)
// CHECK: %[[WB:.+]] = vector.broadcast %[[W]] : index to vector<8xindex>
// CHECK: %[[QW:.+]] = arith.subi %{{.+}}, %[[WB]] : vector<8xindex>
// CHECK: %[[K:.+]] = vector.broadcast %{{.+}} : index to vector<8xindex>
// CHECK: arith.cmpi sge, %[[K]], %[[QW]] : vector<8xindex>
// CHECK: math.exp %{{.+}} : vector<8xf32>
// CHECK: vector.fma %{{.+}} : vector<8xf32>
// CHECK-LABEL: func.func @window(
// CHECK: vector.transpose %{{.+}}, [1, 0] : vector<8x8xf32> to vector<8x8xf32>
sattn.kernel @window attributes {
    tiling = #sattn.tiling<block_q = 32, block_k = 32, vector_width = 8, target = "cpu">,
    head_dim = 128 : i64, num_params = 1 : i64, param_names = ["W"]} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index, %w: index):
  sattn.visit %qt partial
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index, %w: index):
  %lo = arith.subi %q, %w : index
  %ge = arith.cmpi sge, %k, %lo : index
  sattn.yield %ge : i1
}

// -----

// A predicate that branches on the query is evaluated lane by lane.

// CHECK-LABEL: func.func private @branchy_partial_tile(
// CHECK: scf.for %[[LANE:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%[[M:.+]] = %{{.+}}) -> (vector<16xi1>)
// CHECK: %[[Q:.+]] = vector.extract %{{.+}}[%[[LANE]]] : index from vector<16xindex>
// CHECK: scf.if
// CHECK: vector.insert %{{.+}}, %[[M]] [%[[LANE]]] : i1 into vector<16xi1>
sattn.kernel @branchy attributes {
    tiling = #sattn.tiling<block_q = 16, block_k = 16, vector_width = 16, target = "cpu">,
    head_dim = 32 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  sattn.visit %qt partial
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %lt = arith.cmpi ult, %k, %q : index
  %ok = scf.if %lt -> (i1) {
    %t = arith.constant true
    scf.yield %t : i1
  } else {
    %eq = arith.cmpi eq, %k, %q : index
    scf.yield %eq : i1
  }
  sattn.yield %ok : i1
}

// -----

// Residue token maps: a tile resolves its key tokens once into an index
// buffer; the predicate sees query tokens loaded as vectors and a key
// token, padding keys (token -1) are masked, and FULL tiles mask only when
// a tile holds padding.

// CHECK-LABEL: func.func private @strided_full_tile(
// CHECK-SAME: %{{[^:]+}}: memref<32xindex>
// CHECK: %[[TOK:.+]] = memref.alloca() {alignment = 64 : i64} : memref<32xindex>
// CHECK: scf.for {{.*}} -> (i1)
// CHECK: memref.store %{{.+}}, %[[TOK]][%{{.+}}] : memref<32xindex>
// CHECK: scf.if
// CHECK: } else {
// CHECK: %[[KT:.+]] = memref.load %[[TOK]][%{{.+}}] : memref<32xindex>
// CHECK: %[[HOLDS:.+]] = arith.cmpi sge, %[[KT]], %{{.+}} : index
// CHECK: vector.broadcast %[[HOLDS]] : i1 to vector<16xi1>
// CHECK-LABEL: func.func private @strided_partial_tile(
// CHECK: %[[PTOK:.+]] = memref.alloca() {alignment = 64 : i64} : memref<32xindex>
// CHECK: %[[QL:.+]] = vector.load %{{.+}}[%{{.+}}] : memref<32xindex>, vector<16xindex>
// CHECK: %[[PK:.+]] = memref.load %[[PTOK]][%{{.+}}] : memref<32xindex>
// CHECK: %[[PKB:.+]] = vector.broadcast %[[PK]] : index to vector<16xindex>
// CHECK: arith.cmpi ule, %[[PKB]], %[[QL]] : vector<16xindex>
// CHECK: arith.cmpi sge, %{{.+}}, %{{.+}} : index
// CHECK-LABEL: func.func @strided(
// CHECK-SAME: covers_all_queries = true
// CHECK: memref.store %{{.+}}, %{{.+}}[%{{.+}}] : memref<32xindex>
// CHECK: func.call @strided_partial_tile(
// CHECK: %[[Q:.+]] = memref.load %{{.+}}[%{{.+}}] : memref<32xindex>
// CHECK: %[[HOLDS:.+]] = arith.cmpi sge, %[[Q]], %{{.+}} : index
// CHECK: scf.if %[[HOLDS]]
sattn.kernel @strided attributes {
    tiling = #sattn.tiling<block_q = 32, block_k = 32, vector_width = 16, target = "cpu">,
    query_map = #sattn.token_map<residue, period = 4>,
    key_map = #sattn.token_map<residue, period = 4>,
    head_dim = 32 : i64, num_params = 0 : i64, param_names = []} {
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

// -----

// A gathered query space leaves the other rows to the runtime.

// CHECK-LABEL: func.func @rows(
// CHECK-SAME: covers_all_queries = false
sattn.kernel @rows attributes {
    tiling = #sattn.tiling<block_q = 16, block_k = 16, vector_width = 16, target = "cpu">,
    query_map = #sattn.token_map<member_gather, members = [0, -1]>,
    head_dim = 16 : i64, num_params = 0 : i64, param_names = []} {
^bb0(%qt: index, %h: index, %nq: index, %nk: index):
  sattn.yield
} predicate {
^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index):
  %t = arith.constant true
  sattn.yield %t : i1
}
