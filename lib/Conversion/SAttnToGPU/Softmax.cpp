//===- Softmax.cpp - masking and online softmax of a visited tile ---------===//
//
// The arch-neutral middle of a visit, on the raw scores of one S tile in
// FragmentLayout{mTiles, block_k} (GPUCodegen.h), whatever tensor-core code
// produced them:
//   1. mask: PARTIAL tiles evaluate the kernel's predicate on every score;
//      FULL tiles only mask key positions past the sequence end or holding
//      no token (for the identity map, only on the tile holding the end,
//      behind a uniform branch);
//   2. online softmax in registers: row maxima over the lane's registers
//      and then the 4 lanes of its quad, the scale folded into one fma
//      before exp2, the running max and sum updated, and the rescale factor
//      of the accumulator returned.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/SAttnToGPU/GPUCodegen.h"

#include "dialects/SAttn/IR/SAttnUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"

#include <limits>

using namespace mlir;
using namespace sparsa::sattn;
using namespace sparsa::sattn::cuda;

KeyTokens::KeyTokens(Emitter &e, const Geometry &g, const KernelValues &v,
                     Value k0)
    : e(e), g(g), v(v), k0(k0) {
  if (g.keyMap.getKind() != TokenMapKind::residue)
    return;
  Value period = e.c(g.keyMap.getPeriod());
  Value classes = e.ceilDivUnsigned(v.numKeys, period);
  Value stride =
      e.mul(e.ceilDivUnsigned(classes, e.c(g.blockK)), e.c(g.blockK));
  cls = e.divUnsigned(k0, stride);
  first = e.sub(k0, e.mul(cls, stride));
}

std::pair<Value, Value> KeyTokens::at(Value offset) {
  Value pos = e.add(k0, offset);
  switch (g.keyMap.getKind()) {
  case TokenMapKind::identity:
    return {pos, e.lt(pos, v.numKeys)};
  case TokenMapKind::residue: {
    Value token =
        e.add(e.mul(e.add(first, offset), e.c(g.keyMap.getPeriod())), cls);
    Value valid =
        e.andi(e.lt(cls, e.c(g.keyMap.getPeriod())), e.lt(token, v.numKeys));
    return {token, valid};
  }
  default:
    return emitTokenAt(e.b, e.loc, g.keyMap, pos, v.numKeys, g.blockK);
  }
}

/// Evaluates the predicate region for one (query, key) pair.
static Value evalPredicate(Emitter &e, KernelOp kernel, const KernelValues &v,
                           Value query, Value key) {
  Block &block = kernel.getPredicateBlock();
  IRMapping map;
  map.map(block.getArgument(0), v.head);
  map.map(block.getArgument(1), query);
  map.map(block.getArgument(2), key);
  map.map(block.getArgument(3), v.numQueries);
  map.map(block.getArgument(4), v.numKeys);
  for (auto [arg, p] : llvm::zip(block.getArguments().drop_front(5), v.params))
    map.map(arg, p);
  for (Operation &op : block.without_terminator())
    e.b.clone(op, map);
  return map.lookup(block.getTerminator()->getOperand(0));
}

/// `scores` with every score whose key has no token (and, with
/// `predicate`, every pair the predicate refuses) set to -inf.
static SmallVector<Value> maskedScores(Emitter &e, KernelOp kernel,
                                       const Geometry &g, const KernelValues &v,
                                       Value k0, bool predicate,
                                       ArrayRef<Value> scores) {
  const FragmentLayout layout{g.mTiles, g.blockK};
  Value minusInf = e.f32(-std::numeric_limits<float>::infinity());
  SmallVector<Value> out(scores);
  KeyTokens tokens(e, g, v, k0);
  Value colBase = e.mul(v.quadCol, e.c(2));
  for (int64_t j = 0; j < layout.blocks(); ++j)
    for (int64_t c = 0; c < 2; ++c) {
      auto [token, valid] = tokens.at(e.add(colBase, e.c(8 * j + c)));
      for (int64_t slot = 0; slot < layout.rowSlots(); ++slot) {
        Value ok = valid;
        if (predicate)
          ok = e.andi(ok,
                      evalPredicate(e, kernel, v, v.queryToken[slot], token));
        int64_t x = layout.at(slot, j, c);
        out[x] = e.sel(ok, scores[x], minusInf);
      }
    }
  return out;
}

void cuda::maskScores(Emitter &e, KernelOp kernel, const Geometry &g,
                      const KernelValues &v, Value k0, TileClass kind,
                      SmallVectorImpl<Value> &scores) {
  // The scale (> 0) is applied inside exp2, so the raw scores are masked.
  if (kind == TileClass::partial || !g.identityKeys()) {
    SmallVector<Value> out =
        maskedScores(e, kernel, g, v, k0, kind == TileClass::partial, scores);
    scores.assign(out.begin(), out.end());
    return;
  }
  // FULL, identity keys: only the tile holding the sequence end masks.
  Value inside = e.le(e.add(k0, e.c(g.blockK)), v.numKeys);
  SmallVector<Type> types(scores.size(), e.b.getF32Type());
  auto ifOp = scf::IfOp::create(e.b, e.loc, types, inside, true);
  {
    OpBuilder::InsertionGuard guard(e.b);
    e.b.setInsertionPointToStart(ifOp.thenBlock());
    scf::YieldOp::create(e.b, e.loc, ValueRange(scores));
    e.b.setInsertionPointToStart(ifOp.elseBlock());
    scf::YieldOp::create(e.b, e.loc,
                         maskedScores(e, kernel, g, v, k0, false, scores));
  }
  scores.assign(ifOp.getResults().begin(), ifOp.getResults().end());
}

SmallVector<Value> cuda::updateSoftmax(Emitter &e, const Geometry &g,
                                       const KernelValues &v,
                                       SmallVectorImpl<Value> &scores) {
  const FragmentLayout layout{g.mTiles, g.blockK};
  Value zero = e.f32(0.0);
  Value minusInf = e.f32(-std::numeric_limits<float>::infinity());
  SmallVector<Value> alpha(layout.rowSlots());
  for (int64_t row = 0; row < layout.rowSlots(); ++row) {
    Value mx = minusInf;
    for (int64_t j = 0; j < layout.blocks(); ++j)
      for (int64_t c = 0; c < 2; ++c)
        mx = e.fmax(mx, scores[layout.at(row, j, c)]);
    mx = e.fmax(mx, e.shuffleXor(mx, 1));
    mx = e.fmax(mx, e.shuffleXor(mx, 2));
    Value idx = e.c(row);
    Value mOld = memref::LoadOp::create(e.b, e.loc, v.rowMax, ValueRange{idx});
    Value mNew = e.fmax(mOld, e.fmul(mx, v.scaleLog2));
    // A row with nothing allowed so far keeps m = -inf; exponentiate
    // against 0 then, so that exp2(-inf - -inf) never makes a NaN.
    Value none = arith::CmpFOp::create(e.b, e.loc, arith::CmpFPredicate::OEQ,
                                       mNew, minusInf);
    Value mUse = e.sel(none, zero, mNew);
    alpha[row] = e.exp2(e.fsub(mOld, mUse));
    Value negM = arith::NegFOp::create(e.b, e.loc, mUse);
    Value sum = zero;
    for (int64_t j = 0; j < layout.blocks(); ++j)
      for (int64_t c = 0; c < 2; ++c) {
        Value &x = scores[layout.at(row, j, c)];
        x = e.exp2(math::FmaOp::create(e.b, e.loc, x, v.scaleLog2, negM));
        sum = e.fadd(sum, x);
      }
    Value l = memref::LoadOp::create(e.b, e.loc, v.rowSum, ValueRange{idx});
    memref::StoreOp::create(e.b, e.loc, e.fadd(e.fmul(l, alpha[row]), sum),
                            v.rowSum, ValueRange{idx});
    memref::StoreOp::create(e.b, e.loc, mNew, v.rowMax, ValueRange{idx});
  }
  return alpha;
}
