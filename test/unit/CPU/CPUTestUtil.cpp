//===- CPUTestUtil.cpp - compile and run kernels in tests -----------------===//

#include "test/unit/CPU/CPUTestUtil.h"

#include "dialects/SAttn/IR/SAttnDialect.h"
#include "lib/Pipelines/CPUPipeline.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include "gtest/gtest.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace sparsa;
using namespace sparsa::cputest;

std::unique_ptr<MLIRContext> cputest::makeCPUContext() {
  DialectRegistry registry;
  registry.insert<sattn::SAttnDialect>();
  registerCPUDialects(registry);
  cpu::registerCPUTranslations(registry);
  auto ctx = std::make_unique<MLIRContext>(registry);
  ctx->loadAllAvailableDialects();
  return ctx;
}

std::unique_ptr<cpu::JITModule>
cputest::compileSAttn(MLIRContext &ctx, const std::string &source) {
  std::string diagnostics;
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &d) {
    diagnostics += d.str() + "\n";
    return success();
  });
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source, &ctx);
  if (!module) {
    ADD_FAILURE() << "parse error: " << diagnostics;
    return nullptr;
  }
  PassManager pm(&ctx);
  buildCPUPipeline(pm, CPUPipelineOptions());
  if (failed(pm.run(*module))) {
    ADD_FAILURE() << "pipeline failed: " << diagnostics;
    return nullptr;
  }
  auto jit = cpu::JITModule::create(*module);
  if (!jit) {
    ADD_FAILURE() << "jit failed: " << llvm::toString(jit.takeError());
    return nullptr;
  }
  return std::move(*jit);
}

std::unique_ptr<TestProblem> cputest::makeProblem(const ProblemShape &s,
                                                  std::mt19937_64 &rng) {
  auto t = std::make_unique<TestProblem>();
  runtime::AttentionProblem &p = t->p;
  p.batch = s.batch;
  p.headsQ = s.headsQ;
  p.headsKV = s.headsKV;
  p.seqQ = s.seqQ;
  p.seqK = s.seqK;
  p.headDim = s.headDim;
  p.params = s.params;
  std::uniform_int_distribution<int64_t> pad(0, s.padded ? 3 : 0);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  // Strides with random padding in every dimension; the layout is
  // [B][H][N][D] or, at random, [B][N][H][D] (heads interleaved).
  auto layout = [&](runtime::TensorRef &ref, std::vector<float> &buf,
                    int64_t heads, int64_t n, int64_t d, float fill,
                    bool random) {
    int64_t rowLen = d + pad(rng) * 16;
    bool interleaved = s.padded && (rng() & 1);
    if (interleaved) {
      ref.strideH = rowLen;
      ref.strideN = heads * rowLen + pad(rng);
      ref.strideB = n * ref.strideN + pad(rng);
    } else {
      ref.strideN = rowLen;
      ref.strideH = n * rowLen + pad(rng);
      ref.strideB = heads * ref.strideH + pad(rng);
    }
    buf.assign(s.batch * ref.strideB + 16, fill);
    if (random)
      for (float &x : buf)
        x = normal(rng);
    ref.data = buf.data();
  };
  float nan = std::numeric_limits<float>::quiet_NaN();
  layout(p.q, t->q, s.headsQ, s.seqQ, s.headDim, 0, true);
  layout(p.k, t->k, s.headsKV, s.seqK, s.headDim, 0, true);
  layout(p.v, t->v, s.headsKV, s.seqK, s.headDim, 0, true);
  layout(p.o, t->o, s.headsQ, s.seqQ, s.headDim, nan, false);
  if (s.withLse) {
    layout(p.lse, t->lse, s.headsQ, s.seqQ, 1, nan, false);
  }
  return t;
}

Comparison cputest::runAndCompare(const runtime::CompiledKernel &kernel,
                                  TestProblem &t, const AllowedFn &allowed,
                                  unsigned threads) {
  runtime::ThreadPool pool(threads);
  std::string error = runtime::runAttention(kernel, t.p, pool);
  EXPECT_EQ(error, "");
  double scale = 1.0 / std::sqrt(double(t.p.headDim));
  if (t.p.scale != 0)
    scale = t.p.scale;
  ReferenceResult ref = referenceAttention(t.p, scale, allowed);
  Comparison c = compare(t.p, ref);
  // Nothing outside the output tensors (stride padding) may be written.
  auto outside = [&](const std::vector<float> &buf,
                     const runtime::TensorRef &ref, int64_t width) {
    std::vector<bool> inside(buf.size(), false);
    for (int64_t b = 0; b < t.p.batch; ++b)
      for (int64_t h = 0; h < t.p.headsQ; ++h)
        for (int64_t n = 0; n < t.p.seqQ; ++n)
          for (int64_t d = 0; d < width; ++d)
            inside[b * ref.strideB + h * ref.strideH + n * ref.strideN + d] =
                true;
    int64_t written = 0;
    for (size_t i = 0; i < buf.size(); ++i)
      if (!inside[i] && !std::isnan(buf[i]))
        ++written;
    return written;
  };
  EXPECT_EQ(outside(t.o, t.p.o, t.p.headDim), 0) << "writes outside O";
  if (t.p.lse.data)
    EXPECT_EQ(outside(t.lse, t.p.lse, 1), 0) << "writes outside LSE";
  return c;
}
