//===- Predicate.cpp - the kernel predicate on a vector of queries --------===//
//
// Evaluates a kernel's `predicate` region for one key and the VW queries of
// a vector at once (scores are transposed: queries across the lanes). Ops
// that do not depend on the query are cloned as scalars; elementwise ops
// that do are cloned on vector<VW x T> with their scalar operands
// broadcast. A predicate that uses the query inside a region (scf.if,
// scf.for) cannot be widened this way and is evaluated lane by lane in a
// loop instead: slower, still exact.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/SAttnToVector/KernelCodegen.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/DenseSet.h"

using namespace mlir;
using namespace sparsa::sattn;
using namespace sparsa::sattn::cpu;

/// Index of the query argument in the predicate block.
static constexpr unsigned kQueryArg = 1;

/// Whether `op`, or anything nested in it, reads a value of `varying`.
static bool usesVarying(Operation *op, const llvm::DenseSet<Value> &varying) {
  WalkResult r = op->walk([&](Operation *nested) {
    for (Value v : nested->getOperands())
      if (varying.contains(v))
        return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return r.wasInterrupted();
}

static bool canWiden(Operation *op) {
  return op->getNumRegions() == 0 && op->hasTrait<OpTrait::Elementwise>() &&
         op->hasTrait<OpTrait::Vectorizable>();
}

/// Maps the predicate block arguments; `query` is a scalar or a vector.
static void mapArguments(Block &block, IRMapping &map, Value head, Value query,
                         Value key, Value numQueries, Value numKeys,
                         ValueRange params) {
  map.map(block.getArgument(0), head);
  map.map(block.getArgument(kQueryArg), query);
  map.map(block.getArgument(2), key);
  map.map(block.getArgument(3), numQueries);
  map.map(block.getArgument(4), numKeys);
  for (auto [arg, p] : llvm::zip(block.getArguments().drop_front(5), params))
    map.map(arg, p);
}

/// Clones the predicate with vector queries; null if some op cannot be
/// widened.
static Value emitWidened(OpBuilder &b, Location loc, Block &block,
                         const TileShape &shape, Value head, Value queries,
                         Value key, Value numQueries, Value numKeys,
                         ValueRange params) {
  llvm::DenseSet<Value> varying{block.getArgument(kQueryArg)};
  for (Operation &op : block.without_terminator())
    if (usesVarying(&op, varying)) {
      if (!canWiden(&op))
        return {};
      varying.insert(op.result_begin(), op.result_end());
    }
  IRMapping map;
  mapArguments(block, map, head, queries, key, numQueries, numKeys, params);
  auto widen = [&](Type t) { return VectorType::get({shape.vectorWidth}, t); };
  auto asVector = [&](Value v) -> Value {
    if (isa<VectorType>(v.getType()))
      return v;
    return vector::BroadcastOp::create(b, loc, widen(v.getType()), v);
  };
  for (Operation &op : block.without_terminator()) {
    if (op.getNumResults() == 0 || !varying.contains(op.getResult(0))) {
      b.clone(op, map);
      continue;
    }
    OperationState st(op.getLoc(), op.getName());
    for (Value v : op.getOperands())
      st.addOperands(asVector(map.lookup(v)));
    st.addAttributes(op.getAttrs());
    for (Type t : op.getResultTypes())
      st.addTypes(widen(t));
    Operation *wide = b.create(st);
    map.map(op.getResults(), wide->getResults());
  }
  return asVector(map.lookup(block.getTerminator()->getOperand(0)));
}

/// Evaluates the predicate for each lane in a loop.
static Value emitPerLane(OpBuilder &b, Location loc, Block &block,
                         const TileShape &shape, Value head, Value queries,
                         Value key, Value numQueries, Value numKeys,
                         ValueRange params) {
  auto maskType = VectorType::get({shape.vectorWidth}, b.getI1Type());
  Value init = arith::ConstantOp::create(
      b, loc, maskType, DenseElementsAttr::get(maskType, false));
  auto loop = scf::ForOp::create(
      b, loc, IndexArith{b, loc}.c(0), IndexArith{b, loc}.c(shape.vectorWidth),
      IndexArith{b, loc}.c(1), ValueRange{init},
      [&](OpBuilder &nb, Location l, Value lane, ValueRange iter) {
        Value query = vector::ExtractOp::create(nb, l, queries,
                                                ArrayRef<OpFoldResult>{lane});
        IRMapping map;
        mapArguments(block, map, head, query, key, numQueries, numKeys, params);
        for (Operation &op : block.without_terminator())
          nb.clone(op, map);
        Value ok = map.lookup(block.getTerminator()->getOperand(0));
        Value next = vector::InsertOp::create(nb, l, ok, iter[0],
                                              ArrayRef<OpFoldResult>{lane});
        scf::YieldOp::create(nb, l, next);
      });
  return loop.getResult(0);
}

Value cpu::emitPredicate(OpBuilder &b, Location loc, KernelOp kernel,
                         const TileShape &shape, Value head, Value queries,
                         Value key, Value numQueries, Value numKeys,
                         ValueRange params) {
  Block &block = kernel.getPredicateBlock();
  if (Value v = emitWidened(b, loc, block, shape, head, queries, key,
                            numQueries, numKeys, params))
    return v;
  return emitPerLane(b, loc, block, shape, head, queries, key, numQueries,
                     numKeys, params);
}
