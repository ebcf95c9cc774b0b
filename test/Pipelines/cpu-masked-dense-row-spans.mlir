// RUN: sparsa-opt %s --sparsa-cpu-pipeline="from-mask=true head-dim=64 vector-width=16 stop-after=vector" | FileCheck %s --check-prefix=SPARSE
// RUN: sparsa-opt %s --sparsa-cpu-pipeline="from-mask=true head-dim=64 vector-width=16 stop-after=vector dense=true" | FileCheck %s --check-prefix=DENSE

// The sparse kernel restricts its PARTIAL tiles to row spans; the
// masked-dense baseline visits every tile as PARTIAL and computes all of it.

// SPARSE-LABEL: func.func private @swa_part0_partial_tile(
// SPARSE: vector.reduction <minsi>
// SPARSE-LABEL: func.func @swa_part0_work_items(

// DENSE-LABEL: func.func private @swa_part0_partial_tile(
// DENSE-NOT: vector.reduction <minsi>
// DENSE: func.func @swa_part0_work_items(
func.func @swa() -> !mask.mask attributes {mask.pattern} {
  %0 = mask.window [256, 0]
  return %0 : !mask.mask
}
