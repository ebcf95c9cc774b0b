//===- KernelSkeleton.h - the target-neutral frame of a kernel --*- C++ -*-===//
//
// The parts of lowering a `sattn.kernel` that do not depend on the target,
// written once for the CPU (convert-sattn-to-vector) and the GPU
// (convert-sattn-to-gpu) lowerings:
//   * the argument block of lib/Runtime/KernelABI.h, read through a
//     target's accessor (the CPU loads it from memory, a GPU kernel takes
//     it as parameters): lengths, query/key spaces and tile counts, GQA
//     group, row strides, runtime parameters and the LSE / merge flags;
//   * the element offsets of one (batch, query head) in Q, K, V, O and LSE,
//     with K and V those of the head's key/value head;
//   * flat views of the tensor arguments;
//   * the schedule inlined at the insertion point, each `sattn.visit`
//     handed to the target to expand.
// The targets keep what differs: where the loop over work items lives, the
// tile body, the memory spaces and the epilogue's reductions.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_CONVERSION_KERNELSKELETON_KERNELSKELETON_H
#define SPARSA_LIB_CONVERSION_KERNELSKELETON_KERNELSKELETON_H

#include "dialects/SAttn/IR/SAttnDialect.h"
#include "dialects/SAttn/IR/SAttnUtils.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"

namespace sparsa::sattn {

/// Position `i` of the argument block (runtime::KernelArg, then the
/// runtime parameters) as an `index` value.
using ArgReader = llvm::function_ref<mlir::Value(int64_t)>;

/// The loop-invariant values of a kernel call.
struct KernelArgs {
  mlir::Value numQueries, numKeys;
  mlir::Value headsQ;
  /// Query heads per key/value head (Hq / Hkv).
  mlir::Value group;
  /// Positions of the query and key spaces (token maps) and the number of
  /// query tiles.
  mlir::Value querySpace, keySpace, numQueryTiles;
  /// Row strides (the N dimension) of Q, K, V, O and LSE, in elements.
  mlir::Value qStride, kStride, vStride, oStride, lseStride;
  llvm::SmallVector<mlir::Value> params;
  /// `i1`: an LSE output is given; merge into O / LSE (implies hasLse: a
  /// merge without an LSE is read as no merge).
  mlir::Value hasLse, merge;
};

/// Reads the argument block of `kernel` (tiles `blockQ` x `blockK`, token
/// maps `queryMap` / `keyMap`, null for identity) through `arg`.
KernelArgs readKernelArgs(IndexArith &m, KernelOp kernel, TokenMapAttr queryMap,
                          TokenMapAttr keyMap, int64_t blockQ, int64_t blockK,
                          ArgReader arg);

/// Element offsets of the rows of one batch and query head.
struct HeadOffsets {
  mlir::Value kvHead;
  mlir::Value q, k, v, o, lse;
};

/// The offsets of batch `batch`, query head `head` (both non-negative).
HeadOffsets headOffsets(IndexArith &m, const KernelArgs &args, ArgReader arg,
                        mlir::Value batch, mlir::Value head);

/// A `memref<?xT>` view of all the memory behind a `memref<1xT>` kernel
/// argument (its extent is never checked; every offset of the caller's
/// tensor is inside it).
mlir::Value flatView(mlir::OpBuilder &b, mlir::Location loc, mlir::Value base);

/// An ArgReader over the argument block as `memref<?xi64>` `flat` (host
/// code and CPU kernels receive a pointer to it).
mlir::Value loadArg(mlir::OpBuilder &b, mlir::Location loc, mlir::Value flat,
                    int64_t i);

/// `int64_t NAME(const int64_t *args)` (a `func.func` taking the argument
/// block as `memref<1xi64>`) at the insertion point: the number of query
/// tiles of `kernel` for the lengths of `args`, the x extent of a CUDA
/// kernel's grid. Host code, compiled with the parameter check, so that the
/// runtime never re-derives the token maps' formulas.
mlir::func::FuncOp buildQueryTilesFunction(mlir::OpBuilder &b, KernelOp kernel,
                                           TokenMapAttr queryMap,
                                           TokenMapAttr keyMap, int64_t blockQ,
                                           int64_t blockK,
                                           llvm::StringRef name);

/// Clones the schedule of `kernel` at `b`'s insertion point with its block
/// arguments bound to `scheduleArgs` (query tile, head, Nq, Nk, then the
/// runtime parameters), then calls `expand` on every cloned `sattn.visit`
/// with the insertion point before it; `expand` must replace or erase it.
void inlineSchedule(mlir::OpBuilder &b, KernelOp kernel,
                    mlir::ValueRange scheduleArgs,
                    llvm::function_ref<void(VisitOp)> expand);

} // namespace sparsa::sattn

#endif // SPARSA_LIB_CONVERSION_KERNELSKELETON_KERNELSKELETON_H
