//===- ScheduleExecutionTest.cpp - schedules computed by compiled code ----===//
//
// The end-to-end proof of the schedule: random masks go through
// sparsa-select-tiling, convert-mask-to-sattn (query-major, and key-major
// for the backward pass) and sattn-expand-ranges; each
// kernel's schedule and predicate regions are then compiled to native code
// (sattn.visit becomes a call into this test) and run for every query tile
// and head. Mapping the visited positions to tokens with the layout plan's
// independent C++ token maps, every pair must be counted by exactly one
// part exactly when the reference evaluator allows it: visited in a FULL
// tile, or in a PARTIAL tile whose predicate says yes.
//
//===----------------------------------------------------------------------===//

#include "../MaskRandomGen.h"
#include "dialects/SAttn/IR/SAttnDialect.h"
#include "dialects/SAttn/Transforms/Passes.h"
#include "lib/Analysis/LayoutPlan.h"
#include "lib/Conversion/MaskToSAttn/Passes.h"
#include "lib/Runtime/KernelABI.h"

#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/TargetSelect.h"

#include "gtest/gtest.h"

#include <map>

using namespace mlir;
using namespace sparsa;

namespace {
/// Visits recorded by the compiled schedule of the current call.
struct Visit {
  int64_t tile;
  bool full;
};
thread_local std::vector<Visit> *gVisits = nullptr;

extern "C" void sparsa_test_record_visit(int64_t tile, int8_t full) {
  gVisits->push_back({tile, full != 0});
}

/// Moves a kernel's regions into plain functions:
///   @<kernel>_schedule(qt, h, nq, nk, params...) calling the recorder,
///   @<kernel>_predicate(h, q, k, nq, nk, params...) -> i1.
void outline(ModuleOp module, sattn::KernelOp kernel) {
  OpBuilder b(module.getBodyRegion());
  b.setInsertionPointToEnd(module.getBody());
  Location loc = kernel.getLoc();
  Type index = b.getIndexType();
  unsigned np = kernel.getNumParams();

  SmallVector<Type> sargs(sattn::KernelOp::kNumScheduleArgs + np, index);
  auto sched =
      func::FuncOp::create(b, loc, (kernel.getSymName() + "_schedule").str(),
                           b.getFunctionType(sargs, {}));
  sched.getBody().takeBody(kernel.getSchedule());
  sched->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  sched.walk([&](sattn::VisitOp v) {
    OpBuilder vb(v);
    Value full = arith::ConstantIntOp::create(
        vb, v.getLoc(), v.getKind() == sattn::TileClass::full, 8);
    Value tile = arith::IndexCastOp::create(vb, v.getLoc(), vb.getI64Type(),
                                            v.getKeyTile());
    func::CallOp::create(vb, v.getLoc(), "sparsa_test_record_visit",
                         TypeRange{}, ValueRange{tile, full});
    v.erase();
  });
  sched.walk([&](sattn::YieldOp y) {
    OpBuilder yb(y);
    func::ReturnOp::create(yb, y.getLoc(), y.getValues());
    y.erase();
  });

  SmallVector<Type> pargs(sattn::KernelOp::kNumPredicateArgs + np, index);
  auto pred =
      func::FuncOp::create(b, loc, (kernel.getSymName() + "_predicate").str(),
                           b.getFunctionType(pargs, {b.getI64Type()}));
  pred.getBody().takeBody(kernel.getPredicate());
  // Widened to i64: an i1 return leaves the upper bits of the register
  // undefined for a C caller.
  pred.walk([&](sattn::YieldOp y) {
    OpBuilder yb(y);
    Value wide = arith::ExtUIOp::create(yb, y.getLoc(), yb.getI64Type(),
                                        y.getValues()[0]);
    func::ReturnOp::create(yb, y.getLoc(), wide);
    y.erase();
  });
}

struct CompiledPart {
  std::string name;
  unsigned numParams;
  analysis::TileSizes sizes;
  void *schedule = nullptr, *predicate = nullptr;
};

/// Calls a compiled function of `n` index arguments (without UBSan's
/// function-type check, which faulted on JIT code: see KernelABI.h).
SPARSA_CALLS_GENERATED_CODE int64_t callIndexFn(void *fn, ArrayRef<int64_t> a,
                                                bool returnsBool) {
  using I = int64_t;
  switch (a.size()) {
#define SPARSA_CALL(N, ...)                                                    \
  case N:                                                                      \
    if (returnsBool)                                                           \
      return reinterpret_cast<int64_t (*)(__VA_ARGS__)>(fn)(SPARSA_ARGS_##N);  \
    reinterpret_cast<void (*)(__VA_ARGS__)>(fn)(SPARSA_ARGS_##N);              \
    return 0;
#define SPARSA_ARGS_4 a[0], a[1], a[2], a[3]
#define SPARSA_ARGS_5 SPARSA_ARGS_4, a[4]
#define SPARSA_ARGS_6 SPARSA_ARGS_5, a[5]
#define SPARSA_ARGS_7 SPARSA_ARGS_6, a[6]
#define SPARSA_ARGS_8 SPARSA_ARGS_7, a[7]
    SPARSA_CALL(4, I, I, I, I)
    SPARSA_CALL(5, I, I, I, I, I)
    SPARSA_CALL(6, I, I, I, I, I, I)
    SPARSA_CALL(7, I, I, I, I, I, I, I)
    SPARSA_CALL(8, I, I, I, I, I, I, I, I)
#undef SPARSA_CALL
  default:
    ADD_FAILURE() << "unsupported arity " << a.size();
    return 0;
  }
}

class ScheduleExecution : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  }
  ScheduleExecution() {
    test::loadMaskDialects(ctx);
    ctx.loadDialect<sattn::SAttnDialect, scf::SCFDialect, LLVM::LLVMDialect>();
    registerBuiltinDialectTranslation(ctx);
    registerLLVMDialectTranslation(ctx);
  }

  /// Converts, compiles and checks one mask module. Returns false (and
  /// records why) when the conversion legitimately refuses the mask.
  /// With `keyMajor`, checks the key-major schedule of the backward pass
  /// instead: for every key tile, the query tiles visited must cover each
  /// allowed pair once.
  bool
  check(ModuleOp module, int64_t bq, int64_t bk,
        const std::vector<std::tuple<int64_t, int64_t, std::vector<int64_t>>>
            &envs,
        bool keyMajor = false);

  MLIRContext ctx;
};

bool ScheduleExecution::check(
    ModuleOp module, int64_t bq, int64_t bk,
    const std::vector<std::tuple<int64_t, int64_t, std::vector<int64_t>>> &envs,
    bool keyMajor) {
  Value mask = test::returnedMask(module);
  auto nf = analysis::MaskNormalForm::build(mask);
  if (!nf) {
    llvm::consumeError(nf.takeError());
    return false;
  }
  // The kernels' own coordinates: a key-major kernel's queries are keys.
  const int64_t kbq = keyMajor ? bk : bq, kbk = keyMajor ? bq : bk;
  if (keyMajor)
    *nf = nf->transposed();
  analysis::TileSizes sizes{kbq, kbk};
  auto plan = analysis::LayoutPlan::build(*nf, sizes);
  EXPECT_TRUE(bool(plan));
  if (!plan)
    return false;

  // Keep the mask for the reference: the conversion replaces it.
  OwningOpRef<ModuleOp> original = module.clone();
  Value refMask = test::returnedMask(*original);

  std::string diagnostics;
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &d) {
    diagnostics += d.str() + "\n";
    return success();
  });
  PassManager pm(&ctx);
  SelectTilingOptions tilingOptions;
  tilingOptions.blockQ = bq;
  tilingOptions.blockK = bk;
  tilingOptions.vectorWidth = 8;
  pm.addPass(createSelectTiling(tilingOptions));
  ConvertMaskToSAttnOptions convertOptions;
  convertOptions.keyMajor = keyMajor;
  pm.addPass(createConvertMaskToSAttn(convertOptions));
  pm.addPass(createCSEPass());
  pm.addPass(sattn::createSAttnExpandRanges());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  if (failed(pm.run(module))) {
    // Runtime random_blocks counts cannot be compiled; nothing else may fail.
    EXPECT_NE(diagnostics.find("compile-time constants"), std::string::npos)
        << diagnostics;
    return false;
  }

  std::vector<CompiledPart> parts;
  for (auto k : llvm::to_vector(module.getOps<sattn::KernelOp>())) {
    EXPECT_EQ(k.getKeyMajor(), keyMajor);
    parts.push_back(
        {k.getSymName().str(), static_cast<unsigned>(k.getNumParams()), sizes});
    outline(module, k);
    k.erase();
  }
  for (auto a : llvm::to_vector(module.getOps<sattn::AttentionOp>()))
    a.erase();
  OpBuilder b(module.getBodyRegion());
  b.setInsertionPointToEnd(module.getBody());
  auto rec = func::FuncOp::create(
      b, module.getLoc(), "sparsa_test_record_visit",
      b.getFunctionType({b.getI64Type(), b.getI8Type()}, {}));
  rec.setPrivate();

  PassManager lower(&ctx);
  lower.addPass(createSCFToControlFlowPass());
  lower.addPass(createArithToLLVMConversionPass());
  lower.addPass(createConvertControlFlowToLLVMPass());
  lower.addPass(createConvertFuncToLLVMPass());
  lower.addPass(createReconcileUnrealizedCastsPass());
  if (failed(lower.run(module))) {
    ADD_FAILURE() << "lowering failed: " << diagnostics;
    return false;
  }
  ExecutionEngineOptions options;
  // The options hold a function_ref: the transformer must outlive them.
  std::function<llvm::Error(llvm::Module *)> transformer =
      makeOptimizingTransformer(0, 0, nullptr);
  options.transformer = transformer;
  options.jitCodeGenOptLevel = llvm::CodeGenOptLevel::None;
  auto engine = ExecutionEngine::create(module, options);
  if (!engine) {
    ADD_FAILURE() << llvm::toString(engine.takeError());
    return false;
  }
  (*engine)->registerSymbols([](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap map;
    map[interner("sparsa_test_record_visit")] = {
        llvm::orc::ExecutorAddr::fromPtr(&sparsa_test_record_visit),
        llvm::JITSymbolFlags::Exported};
    return map;
  });
  for (CompiledPart &p : parts) {
    auto s = (*engine)->lookup(p.name + "_schedule");
    auto pr = (*engine)->lookup(p.name + "_predicate");
    if (!s || !pr) {
      ADD_FAILURE() << "missing compiled function";
      return false;
    }
    p.schedule = *s;
    p.predicate = *pr;
  }

  for (const auto &[nq, nk, args] : envs) {
    auto ref = mask::ReferenceMask::build(refMask, nq, nk, args);
    if (!ref) {
      llvm::consumeError(ref.takeError());
      continue;
    }
    // nq / nk in the kernels' coordinates; allowed(h, q, k) in the
    // attention's.
    const int64_t knq = keyMajor ? nk : nq, knk = keyMajor ? nq : nk;
    auto layout = analysis::instantiateLayout(*plan, knq, knk, args);
    EXPECT_TRUE(bool(layout))
        << (layout ? "" : llvm::toString(layout.takeError()));
    if (!layout)
      return false;
    EXPECT_EQ(layout->size(), parts.size());
    int64_t heads = std::max<int64_t>(ref->numHeads(), 1) + 1;
    for (int64_t h = 0; h < heads; ++h) {
      // count[q][k]: parts counting the pair.
      std::vector<int> count(nq * nk, 0);
      for (size_t pi = 0; pi < parts.size(); ++pi) {
        const CompiledPart &p = parts[pi];
        const analysis::ConcreteLayoutPart &lp = (*layout)[pi];
        int64_t qTiles = (lp.queries.spaceSize() + kbq - 1) / kbq;
        for (int64_t qt = 0; qt < qTiles; ++qt) {
          std::vector<Visit> visits;
          gVisits = &visits;
          std::vector<int64_t> sargs = {qt, h, knq, knk};
          sargs.insert(sargs.end(), args.begin(), args.begin() + p.numParams);
          callIndexFn(p.schedule, sargs, false);
          gVisits = nullptr;
          std::set<int64_t> seen;
          for (const Visit &v : visits) {
            EXPECT_TRUE(seen.insert(v.tile).second)
                << "tile " << v.tile << " visited twice";
            for (int64_t qp = qt * kbq; qp < (qt + 1) * kbq; ++qp) {
              auto q = lp.queries.fromSpace(qp);
              if (!q || qp >= lp.queries.spaceSize())
                continue;
              for (int64_t kp = v.tile * kbk; kp < (v.tile + 1) * kbk; ++kp) {
                auto k = lp.keys.fromSpace(kp);
                if (!k || kp >= lp.keys.spaceSize())
                  continue;
                bool counted = v.full;
                if (!v.full) {
                  std::vector<int64_t> pargs = {h, *q, *k, knq, knk};
                  pargs.insert(pargs.end(), args.begin(),
                               args.begin() + p.numParams);
                  counted = callIndexFn(p.predicate, pargs, true) != 0;
                }
                // The pair in the attention's coordinates.
                int64_t aq = keyMajor ? *k : *q, ak = keyMajor ? *q : *k;
                if (v.full)
                  EXPECT_TRUE(ref->allowed(h, aq, ak))
                      << "FULL tile holds a forbidden pair h=" << h
                      << " q=" << aq << " k=" << ak << " part " << pi
                      << (keyMajor ? " (key-major)" : "");
                count[aq * nk + ak] += counted;
              }
            }
          }
        }
      }
      for (int64_t q = 0; q < nq; ++q)
        for (int64_t k = 0; k < nk; ++k) {
          int expect = ref->allowed(h, q, k) ? 1 : 0;
          if (count[q * nk + k] != expect) {
            std::string s;
            llvm::raw_string_ostream os(s);
            original->print(os);
            ADD_FAILURE() << "pair h=" << h << " q=" << q << " k=" << k
                          << " counted " << count[q * nk + k]
                          << " times, reference says " << expect
                          << " (Nq=" << nq << " Nk=" << nk << " tiles " << bq
                          << "x" << bk << (keyMajor ? ", key-major" : "")
                          << ")\n"
                          << s;
            return true;
          }
        }
    }
  }
  return true;
}
} // namespace

TEST_F(ScheduleExecution, RandomMasksCoverExactlyTheAllowedPairs) {
  std::mt19937_64 rng(4242);
  int checked = 0, refused = 0, checkedKeyMajor = 0;
  const int kCases = 400;
  for (int i = 0; i < kCases && !HasFailure(); ++i) {
    test::Expression e = test::makeRandom(ctx, rng(), /*scale=*/2, /*depth=*/3);
    int64_t bq = 1 + rng() % 8, bk = 1 + rng() % 8;
    std::vector<std::tuple<int64_t, int64_t, std::vector<int64_t>>> envs;
    for (int j = 0; j < 3; ++j) {
      int64_t nq = 1 + rng() % 30, nk = j == 0 ? nq : 1 + rng() % 30;
      envs.push_back(
          {nq,
           nk,
           {int64_t(rng() % 6), int64_t(rng() % 6), int64_t(rng() % 6)}});
    }
    OwningOpRef<ModuleOp> copy = e.module->clone();
    if (check(*e.module, bq, bk, envs))
      ++checked;
    else
      ++refused;
    // The backward pass's key-major schedule of the same mask.
    if (check(*copy, bq, bk, envs, /*keyMajor=*/true))
      ++checkedKeyMajor;
  }
  std::printf("schedules checked: %d, refused (runtime random counts): %d; "
              "key-major schedules checked: %d\n",
              checked, refused, checkedKeyMajor);
  EXPECT_GT(checked, kCases * 3 / 4);
  EXPECT_EQ(checkedKeyMajor, checked);
}
