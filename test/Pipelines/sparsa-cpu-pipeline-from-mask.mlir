// The whole CPU pipeline from the mask dialect; every stage can be stopped at.
// RUN: sparsa-opt %s --sparsa-cpu-pipeline="from-mask=true head-dim=64 vector-width=16 stop-after=sattn" | FileCheck %s --check-prefix=SATTN
// RUN: sparsa-opt %s --sparsa-cpu-pipeline="from-mask=true head-dim=64 vector-width=16" | FileCheck %s --check-prefix=LLVM

// SATTN: sattn.kernel @swa_part0
// SATTN-SAME: head_dim = 64
// SATTN-SAME: param_names = ["W"]
// SATTN: scf.while
// SATTN: sattn.visit %{{.+}} full
// SATTN: sattn.visit %{{.+}} partial
// SATTN: sattn.attention @swa parts [@swa_part0]

// LLVM-NOT: sattn.
// LLVM-NOT: mask.
// LLVM: llvm.func @swa_part0_work_items
// LLVM: llvm.func @swa_part0(
func.func @swa(%w: index {mask.param = "W"}) -> !mask.mask {
  %c = mask.causal [0]
  %win = mask.window [%w, 0]
  %m = mask.intersect %c, %win
  return %m : !mask.mask
}
