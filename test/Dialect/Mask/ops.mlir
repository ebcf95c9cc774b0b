// RUN: sparsa-opt %s | FileCheck %s
// RUN: sparsa-opt %s | sparsa-opt | FileCheck %s
// RUN: sparsa-opt %s --mlir-print-op-generic | sparsa-opt | FileCheck %s

// CHECK-LABEL: func.func @leaves
func.func @leaves(%w: index, %p: index) -> !mask.mask {
  // CHECK: mask.all
  %0 = mask.all
  // CHECK: mask.none
  %1 = mask.none
  // CHECK: mask.causal [0]
  %2 = mask.causal [0]
  // CHECK: mask.causal [-3]
  %3 = mask.causal [-3]
  // CHECK: mask.window [%{{.*}}, 0]
  %4 = mask.window [%w, 0]
  // CHECK: mask.stride [128, 3]
  %5 = mask.stride [128, 3]
  // CHECK: mask.dilated [1024, 0, 2]
  %6 = mask.dilated [1024, 0, 2]
  // CHECK: mask.blocks [2048]
  %7 = mask.blocks [2048]
  // CHECK: mask.summary [128, 16]
  %8 = mask.summary [128, 16]
  // CHECK: mask.prefix [%{{.*}}]
  %9 = mask.prefix [%p]
  // CHECK: mask.random_blocks [64, 3, 42]
  %10 = mask.random_blocks [64, 3, 42]
  // CHECK: mask.global #mask.set<0 to 64>
  %11 = mask.global #mask.set<0 to 64>
  // CHECK: mask.global_rows #mask.set<[0, 7, -1]>
  %12 = mask.global_rows #mask.set<[0, 7, -1]>
  // CHECK: mask.global_cols #mask.set<-16 to end>
  %13 = mask.global_cols #mask.set<-16 to end>
  // CHECK: mask.global_cols #mask.set<[]>
  %14 = mask.global_cols #mask.set<[]>
  // CHECK: mask.union
  %u = mask.union %0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14
  return %u : !mask.mask
}

// CHECK-LABEL: func.func @combinators
func.func @combinators(%a: !mask.mask, %b: !mask.mask) -> !mask.mask {
  // CHECK: %[[U:.+]] = mask.union %{{.*}}, %{{.*}}
  %0 = mask.union %a, %b
  // CHECK: %[[I:.+]] = mask.intersect %[[U]], %{{.*}}
  %1 = mask.intersect %0, %a
  // CHECK: %[[D:.+]] = mask.difference %[[I]], %{{.*}}
  %2 = mask.difference %1, %b
  // CHECK: %[[C:.+]] = mask.complement %[[D]]
  %3 = mask.complement %2
  // CHECK: mask.heads [4, 8] %[[C]], %{{.*}}
  %4 = mask.heads [4, 8] %3, %a
  return %4 : !mask.mask
}

// CHECK-LABEL: func.func @lengths
func.func @lengths() -> !mask.mask {
  // CHECK: %[[N:.+]] = mask.key_len
  %n = mask.key_len
  // CHECK: mask.query_len
  %nq = mask.query_len
  %c16 = arith.constant 16 : index
  %s = arith.subi %n, %c16 : index
  // CHECK: mask.prefix [%{{.*}}]
  %m = mask.prefix [%s]
  return %m : !mask.mask
}
