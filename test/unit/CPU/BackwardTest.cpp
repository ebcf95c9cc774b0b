//===- BackwardTest.cpp - CPU backward kernels against float64 gradients --===//
//
// Random masks (every construct, heads, runtime parameters, layout parts)
// are compiled twice: query-major kernels (dQ) and the key-major kernels of
// the transposed mask (dK, dV), both through convert-sattn-to-cpu-backward
// and the CPU LLVM stage. They run on fresh random inputs (randomly
// strided, GQA, odd lengths) with the forward O and LSE of the float64
// reference and must match dense float64 gradients. The float64 gradient
// formula itself is checked against central differences of the reference
// attention.
//
//===----------------------------------------------------------------------===//

#include "../MaskRandomGen.h"
#include "CPUTestUtil.h"

#include "dialects/Mask/IR/MaskReference.h"
#include "dialects/SAttn/IR/SAttnDialect.h"
#include "dialects/SAttn/Transforms/Passes.h"
#include "lib/Conversion/MaskToSAttn/Passes.h"
#include "lib/Conversion/SAttnToVector/Passes.h"
#include "lib/Pipelines/CPUPipeline.h"
#include "lib/Runtime/KernelABI.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

#include "gtest/gtest.h"

#include <cmath>

using namespace mlir;
using namespace sparsa;

namespace {
using Gradients = runtime::ReferenceGradients;
using runtime::referenceGradients;

double at(const runtime::TensorRef &t, int64_t b, int64_t h, int64_t n,
          int64_t d) {
  return t.data[b * t.strideB + h * t.strideH + n * t.strideN + d];
}

class Backward : public ::testing::Test {
protected:
  Backward() : ctx(cputest::makeCPUContext()) { test::loadMaskDialects(*ctx); }

  /// Compiles the backward kernels of the mask in `module` (query-major or
  /// key-major); null when the conversion refuses the mask (runtime
  /// random-blocks counts).
  std::unique_ptr<cpu::JITModule> compile(ModuleOp module, bool keyMajor,
                                          int64_t bq, int64_t bk,
                                          int64_t headDim,
                                          std::vector<std::string> &parts) {
    std::string diagnostics;
    ScopedDiagnosticHandler handler(ctx.get(), [&](Diagnostic &d) {
      diagnostics += d.str() + "\n";
      return success();
    });
    PassManager pm(ctx.get());
    SelectTilingOptions tiling;
    tiling.blockQ = bq;
    tiling.blockK = bk;
    tiling.vectorWidth = 8;
    pm.addPass(createSelectTiling(tiling));
    ConvertMaskToSAttnOptions convert;
    convert.headDim = headDim;
    convert.keyMajor = keyMajor;
    pm.addPass(createConvertMaskToSAttn(convert));
    pm.addPass(createCSEPass());
    pm.addPass(sattn::createSAttnExpandRanges());
    pm.addPass(createCanonicalizerPass());
    pm.addPass(sattn::createConvertSAttnToCPUBackward());
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createCSEPass());
    buildCPULLVMStage(pm, CPUPipelineOptions());
    if (failed(pm.run(module))) {
      EXPECT_NE(diagnostics.find("compile-time constants"), std::string::npos)
          << diagnostics;
      return nullptr;
    }
    auto record = module->getAttrOfType<DictionaryAttr>("sparsa.attentions");
    EXPECT_TRUE(record);
    if (!record)
      return nullptr;
    for (NamedAttribute attention : record)
      for (Attribute part : cast<ArrayAttr>(attention.getValue()))
        parts.push_back(cast<StringAttr>(part).str());
    // The module holds no forward kernels for the JIT's metadata reader.
    module->removeAttr("sparsa.attentions");
    auto jit = cpu::JITModule::create(module);
    if (!jit) {
      ADD_FAILURE() << llvm::toString(jit.takeError());
      return nullptr;
    }
    return std::move(*jit);
  }

  std::unique_ptr<MLIRContext> ctx;
};

/// The backward parts of `jit`.
void lookupParts(cpu::JITModule &jit, const std::vector<std::string> &parts,
                 std::vector<runtime::CompiledBackward> &out) {
  for (const std::string &name : parts) {
    runtime::CompiledBackward k;
    k.entry = reinterpret_cast<runtime::BackwardFn>(
        jit.lookupFunction(name + runtime::kBackwardSuffix));
    k.workItems = reinterpret_cast<runtime::WorkItemsFn>(jit.lookupFunction(
        name + runtime::kBackwardSuffix + runtime::kWorkItemsSuffix));
    ASSERT_TRUE(k.entry && k.workItems) << name;
    out.push_back(k);
  }
}
} // namespace

TEST_F(Backward, RandomMasksMatchFloat64Gradients) {
  std::mt19937_64 rng(1357);
  const int kCases = 60;
  int checked = 0;
  double worst = 0;
  for (int c = 0; c < kCases && !HasFailure(); ++c) {
    test::Expression e = test::makeRandom(*ctx, rng(), /*scale=*/2, 3);
    OwningOpRef<ModuleOp> keyModule = e.module->clone();
    OwningOpRef<ModuleOp> original = e.module->clone();
    int64_t bq = 1 + rng() % 8, bk = 1 + rng() % 8;
    const int64_t headDim = 16;
    std::vector<std::string> qParts, kParts;
    auto dqJit = compile(*e.module, false, bq, bk, headDim, qParts);
    if (!dqJit)
      continue;
    auto dkJit = compile(*keyModule, true, bq, bk, headDim, kParts);
    ASSERT_TRUE(dkJit) << "the key-major form failed where the forward did not";

    cputest::ProblemShape shape;
    shape.headsKV = 1 + rng() % 2;
    shape.headsQ = shape.headsKV * (1 + rng() % 2);
    shape.batch = 1 + rng() % 2;
    shape.seqQ = 1 + rng() % 24;
    shape.seqK = rng() % 3 == 0 ? shape.seqQ : 1 + rng() % 24;
    shape.headDim = headDim;
    shape.params = {int64_t(rng() % 6), int64_t(rng() % 6), int64_t(rng() % 6)};
    auto ref = mask::ReferenceMask::build(test::returnedMask(*original),
                                          shape.seqQ, shape.seqK, shape.params);
    if (!ref) {
      llvm::consumeError(ref.takeError());
      continue;
    }
    auto allowed = [&](int64_t h, int64_t q, int64_t k) {
      return ref->allowed(h, q, k);
    };
    auto t = cputest::makeProblem(shape, rng);
    runtime::AttentionProblem &p = t->p;
    double scale = 1.0 / std::sqrt(double(headDim));
    // The forward outputs, from the float64 reference.
    cputest::ReferenceResult fwd =
        cputest::referenceAttention(p, scale, allowed);
    int64_t nq = p.seqQ, d = headDim;
    for (int64_t b = 0; b < p.batch; ++b)
      for (int64_t h = 0; h < p.headsQ; ++h)
        for (int64_t i = 0; i < nq; ++i) {
          int64_t row = (b * p.headsQ + h) * nq + i;
          p.lse
              .data[b * p.lse.strideB + h * p.lse.strideH + i * p.lse.strideN] =
              float(fwd.lse[row]);
          for (int64_t x = 0; x < d; ++x)
            p.o.data[b * p.o.strideB + h * p.o.strideH + i * p.o.strideN + x] =
                float(fwd.out[row * d + x]);
        }
    // dO with O's strides, the gradients with random strides of their
    // own, poisoned outside their rows: runBackward zeroes the rows.
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> dO(t->o.size());
    for (float &x : dO)
      x = normal(rng);
    runtime::TensorRef dORef = p.o;
    dORef.data = dO.data();
    auto grads = cputest::makeProblem(shape, rng);
    std::vector<float> &dq = grads->q, &dk = grads->k, &dv = grads->v;
    for (std::vector<float> *g : {&dq, &dk, &dv})
      std::fill(g->begin(), g->end(), NAN);
    runtime::TensorRef dqRef = grads->p.q, dkRef = grads->p.k,
                       dvRef = grads->p.v;
    runtime::BackwardKernels kernels;
    lookupParts(*dqJit, qParts, kernels.dq);
    lookupParts(*dkJit, kParts, kernels.dkdv);
    if (HasFailure())
      return;
    runtime::BackwardProblem bp{p, dORef, dqRef, dkRef, dvRef};
    bp.forward.scale = float(scale);
    runtime::ThreadPool pool(1 + c % 3);
    ASSERT_EQ(runtime::runBackward(kernels, bp, pool), "");

    Gradients want = referenceGradients(p, dORef, scale, allowed);
    double eq =
        runtime::gradientError(want.dq, dqRef, p.batch, p.headsQ, nq, d);
    double ek =
        runtime::gradientError(want.dk, dkRef, p.batch, p.headsKV, p.seqK, d);
    double ev =
        runtime::gradientError(want.dv, dvRef, p.batch, p.headsKV, p.seqK, d);
    std::string what;
    llvm::raw_string_ostream os(what);
    os << "Nq=" << nq << " Nk=" << p.seqK << " B=" << p.batch
       << " Hq=" << p.headsQ << " Hkv=" << p.headsKV << " tiles " << bq << "x"
       << bk << " params " << shape.params[0] << "," << shape.params[1] << ","
       << shape.params[2] << "\n";
    original->print(os);
    EXPECT_LE(eq, 1e-4) << "dQ\n" << what;
    EXPECT_LE(ek, 1e-4) << "dK\n" << what;
    EXPECT_LE(ev, 1e-4) << "dV\n" << what;
    worst = std::max({worst, eq, ek, ev});
    // Nothing outside the gradient rows is written (NaN poison kept).
    for (auto [buf, n, heads] :
         {std::tuple{&dq, nq, p.headsQ}, std::tuple{&dk, p.seqK, p.headsKV},
          std::tuple{&dv, p.seqK, p.headsKV}}) {
      int64_t inside = p.batch * heads * n * d, finite = 0;
      for (float x : *buf)
        finite += !std::isnan(x);
      EXPECT_EQ(finite, inside) << "writes outside the gradients\n" << what;
    }
    ++checked;
  }
  std::printf("backward cases checked: %d, worst relative error %.3g\n",
              checked, worst);
  EXPECT_GT(checked, kCases / 2);
}

// The float64 gradient formula of the test against central differences of
// the reference attention, so the comparison above cannot pass with a
// wrong reference.
TEST(BackwardReference, MatchesFiniteDifferences) {
  std::mt19937_64 rng(99);
  cputest::ProblemShape shape;
  shape.batch = 1;
  shape.headsQ = 2;
  shape.headsKV = 1;
  shape.seqQ = 5;
  shape.seqK = 7;
  shape.headDim = 4;
  shape.padded = false;
  auto t = cputest::makeProblem(shape, rng);
  runtime::AttentionProblem &p = t->p;
  // A mask with an empty row and a partial pattern.
  auto allowed = [](int64_t h, int64_t q, int64_t k) {
    return q != 2 && (k <= q + 1 || (h == 1 && k % 3 == 0));
  };
  double scale = 0.7;
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<float> dO(t->o.size());
  for (float &x : dO)
    x = float(normal(rng));
  runtime::TensorRef dORef = p.o;
  dORef.data = dO.data();
  auto loss = [&]() {
    cputest::ReferenceResult r = cputest::referenceAttention(p, scale, allowed);
    double l = 0;
    for (int64_t h = 0; h < p.headsQ; ++h)
      for (int64_t i = 0; i < p.seqQ; ++i)
        for (int64_t x = 0; x < p.headDim; ++x)
          l += r.out[(h * p.seqQ + i) * p.headDim + x] * at(dORef, 0, h, i, x);
    return l;
  };
  Gradients g = referenceGradients(p, dORef, scale, allowed);
  // The inputs are float: perturb by a step that float represents exactly.
  const float step = 1.0f / 256;
  auto check = [&](runtime::TensorRef &tensor, int64_t heads, int64_t n,
                   const std::vector<double> &grad, const char *what) {
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t i = 0; i < n; ++i)
        for (int64_t x = 0; x < p.headDim; ++x) {
          float &v = tensor.data[h * tensor.strideH + i * tensor.strideN + x];
          float saved = v;
          v = saved + step;
          double up = loss();
          v = saved - step;
          double down = loss();
          v = saved;
          double numeric = (up - down) / (2.0 * step);
          EXPECT_NEAR(grad[(h * n + i) * p.headDim + x], numeric, 2e-4)
              << what << " h=" << h << " i=" << i << " x=" << x;
        }
  };
  check(p.q, p.headsQ, p.seqQ, g.dq, "dQ");
  check(p.k, p.headsKV, p.seqK, g.dk, "dK");
  check(p.v, p.headsKV, p.seqK, g.dv, "dV");
}
