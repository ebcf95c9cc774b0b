//===- CPUMaskTest.cpp - random masks end to end on the CPU ---------------===//
//
// Random mask functions (every construct of the mask dialect) go through the
// whole CPU pipeline (select tiling, mask -> sattn, range expansion, sattn
// -> vector -> LLVM), are JIT-compiled, and every part of each attention is
// run through runAttentionParts on fresh random inputs with poisoned outputs.
// The result must match the float64 reference under the mask's own
// reference evaluator: rows within 1e-5, empty rows exact zeros and -inf.
//
//===----------------------------------------------------------------------===//

#include "../MaskRandomGen.h"
#include "test/unit/CPU/CPUTestUtil.h"

#include "dialects/Mask/IR/MaskDialect.h"
#include "dialects/Mask/IR/MaskReference.h"
#include "lib/Pipelines/CPUPipeline.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include "gtest/gtest.h"

#include <cstdint>
#include <cstdlib>

using namespace mlir;
using namespace sparsa;
using namespace sparsa::cputest;

namespace {

struct Env {
  int64_t nq, nk;
  std::vector<int64_t> args;
};

/// Compiles one random mask; returns false when the front end refuses it
/// (runtime random_blocks counts), which it must say in a diagnostic.
bool checkMask(MLIRContext &ctx, ModuleOp module, int64_t block, int64_t d,
               const std::vector<Env> &envs, std::mt19937_64 &rng, int &runs,
               int &multiPart) {
  OwningOpRef<ModuleOp> original = module.clone();
  Value refMask = test::returnedMask(*original);
  std::string diagnostics;
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &diag) {
    diagnostics += diag.str() + "\n";
    return success();
  });
  PassManager pm(&ctx);
  CPUPipelineOptions options;
  options.fromMask = true;
  options.headDim = d;
  options.blockQ = block;
  options.blockK = block;
  options.vectorWidth = 16;
  buildCPUPipeline(pm, options);
  if (failed(pm.run(module))) {
    EXPECT_NE(diagnostics.find("compile-time constants"), std::string::npos)
        << diagnostics;
    return false;
  }
  auto jit = cpu::JITModule::create(module);
  if (!jit) {
    ADD_FAILURE() << llvm::toString(jit.takeError());
    return false;
  }
  auto parts = (*jit)->lookupAttention("m");
  if (!parts) {
    ADD_FAILURE() << llvm::toString(parts.takeError());
    return false;
  }
  if (parts->size() > 1)
    ++multiPart;
  runtime::ParamCheckFn check = (*jit)->lookupParamCheck("m");
  std::vector<std::string> rules, names{"a", "b", "c"};
  for (const runtime::AttentionMetadata &a : (*jit)->attentions())
    if (a.name == "m")
      rules = a.paramRules;
  for (const Env &env : envs) {
    // The kernels' own check refuses exactly the values the reference
    // rejects (e.g. stride 0, a window computed by an overflowing sum).
    runtime::AttentionProblem probe;
    probe.seqQ = env.nq;
    probe.seqK = env.nk;
    probe.params = env.args;
    std::string refused = runtime::checkParameters(check, rules, names, probe);
    auto ref = mask::ReferenceMask::build(refMask, env.nq, env.nk, env.args);
    if (!ref) {
      std::string why = llvm::toString(ref.takeError());
      EXPECT_NE(refused, "") << "the kernels' check accepts what the "
                                "reference rejects: "
                             << why << "\n"
                             << diagnostics;
      continue;
    }
    EXPECT_EQ(refused, "") << diagnostics;
    if (!refused.empty())
      continue;
    // Random batch, GQA grouping and LSE output around the mask's heads.
    ProblemShape s;
    s.batch = 1 + int64_t(rng() % 2);
    s.headsQ = ref->numHeads() ? ref->numHeads() : 1 + int64_t(rng() % 4);
    s.headsKV = s.headsQ % 2 == 0 && (rng() & 1) ? s.headsQ / 2 : s.headsQ;
    s.withLse = rng() % 4 != 0;
    s.seqQ = env.nq;
    s.seqK = env.nk;
    s.headDim = d;
    s.params = env.args;
    auto t = makeProblem(s, rng);
    runtime::ThreadPool pool(3);
    std::string error = runtime::runAttentionParts(*parts, t->p, pool);
    EXPECT_EQ(error, "");
    ReferenceResult r = referenceAttention(
        t->p, 1.0 / std::sqrt(double(d)),
        [&](int64_t h, int64_t q, int64_t k) { return ref->allowed(h, q, k); });
    Comparison c = compare(t->p, r);
    EXPECT_LE(c.maxRelErr, 1e-5) << diagnostics;
    EXPECT_LE(c.maxLseErr, 1e-5);
    EXPECT_EQ(c.badEmptyRows, 0);
    EXPECT_EQ(c.nonFinite, 0);
    ++runs;
  }
  return true;
}

} // namespace

TEST(CPUMask, RandomMasksMatchTheReference) {
  auto ctx = makeCPUContext();
  test::loadMaskDialects(*ctx);
  std::mt19937_64 rng(777);
  int compiled = 0, refused = 0, runs = 0, multiPart = 0;
  // SPARSA_CPU_MASK_CASES raises the count for longer soak runs.
  const char *env = std::getenv("SPARSA_CPU_MASK_CASES");
  const int kCases = env ? std::max(1, std::atoi(env)) : 40;
  const int kShapes = 26;
  for (int i = 0; i < kCases && !::testing::Test::HasFailure(); ++i) {
    uint64_t seed = rng();
    SCOPED_TRACE("mask seed " + std::to_string(seed));
    test::Expression e = test::makeRandom(*ctx, seed, /*scale=*/8,
                                          /*depth=*/3);
    int64_t block = (rng() & 1) ? 16 : 32;
    int64_t d = (rng() & 1) ? 32 : 64;
    // Compiling dominates; each kernel then runs at many shapes and
    // parameter values (40 masks x 26 shapes: over 1,000 problems by default).
    std::vector<Env> envs;
    // Every fourth shape takes parameters from the ends of int64, which
    // the kernels must either refuse like the reference or compute
    // without wrapping.
    const int64_t extremes[] = {INT64_MAX,           INT64_MAX - 1,
                                int64_t(1) << 62,    (int64_t(1) << 42) + 3,
                                -(int64_t(1) << 62), -INT64_MAX,
                                INT64_MIN,           0};
    for (int j = 0; j < kShapes; ++j) {
      int64_t nq = 1 + rng() % 150, nk = j % 2 == 0 ? nq : 1 + rng() % 150;
      std::vector<int64_t> args;
      for (int a = 0; a < 3; ++a)
        args.push_back(j % 4 == 3 ? extremes[rng() % 8] : int64_t(rng() % 40));
      envs.push_back({nq, nk, args});
    }
    if (checkMask(*ctx, *e.module, block, d, envs, rng, runs, multiPart))
      ++compiled;
    else
      ++refused;
  }
  std::printf("masks compiled: %d (%d with several parts), refused: %d, "
              "runs checked: %d\n",
              compiled, multiPart, refused, runs);
  EXPECT_GT(compiled, kCases * 3 / 4);
  // Masks refused for runtime random_blocks counts and parameter values a
  // mask rejects (stride 0) are skipped.
  EXPECT_GT(runs, kCases * kShapes / 2);
}

TEST(CPUMask, SeveralPartsMergeThroughTheLogSumExp) {
  // A window plus a causal stride: the layout plan splits it into a banded
  // part and a residue-permuted part whose softmax states are merged.
  auto ctx = makeCPUContext();
  test::loadMaskDialects(*ctx);
  const char *text = R"mlir(
func.func @m(%a: index, %b: index, %c: index) -> !mask.mask {
  %w = mask.window [8, 0]
  %s = mask.stride [16, 0]
  %c0 = mask.causal [0]
  %sc = mask.intersect %s, %c0
  %m = mask.union %w, %sc
  return %m : !mask.mask
}
)mlir";
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, ctx.get());
  ASSERT_TRUE(module);
  std::mt19937_64 rng(3);
  int runs = 0, multiPart = 0;
  // The second part merges into the first one's O and LSE in place, with
  // and without a caller's LSE, at ragged and tiny sizes.
  std::vector<Env> envs{
      {200, 200, {0, 0, 0}}, {77, 77, {0, 0, 0}}, {1, 1, {0, 0, 0}}};
  for (int i = 0; i < 30; ++i) {
    int64_t n = 1 + int64_t(rng() % 260);
    envs.push_back({n, n, {0, 0, 0}});
  }
  ASSERT_TRUE(checkMask(*ctx, *module, 16, 64, envs, rng, runs, multiPart));
  EXPECT_EQ(multiPart, 1);
  EXPECT_EQ(runs, 33);
}
