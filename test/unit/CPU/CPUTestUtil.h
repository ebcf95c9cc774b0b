//===- CPUTestUtil.h - compile and run kernels in tests ---------*- C++ -*-===//
//
// Helpers of the CPU execution tests: JIT-compile sattn source text through
// buildCPUPipeline, build randomly strided (GQA) problems with poisoned
// outputs, run them on a thread pool and compare with the float64
// reference.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_TEST_UNIT_CPU_CPUTESTUTIL_H
#define SPARSA_TEST_UNIT_CPU_CPUTESTUTIL_H

#include "lib/Runtime/ReferenceAttention.h"

#include "lib/Runtime/RunAttention.h"
#include "lib/Target/CPU/CPUTarget.h"

#include "mlir/IR/MLIRContext.h"

#include <memory>
#include <random>
#include <string>

namespace sparsa::cputest {

using runtime::AllowedFn;
using runtime::compare;
using runtime::Comparison;
using runtime::referenceAttention;
using runtime::ReferenceResult;

/// A context with every dialect the CPU pipeline reads and writes.
std::unique_ptr<mlir::MLIRContext> makeCPUContext();

/// Parses `source`, runs the CPU pipeline and JIT-compiles it. Fails the
/// current test (and returns null) on any error.
std::unique_ptr<cpu::JITModule> compileSAttn(mlir::MLIRContext &ctx,
                                             const std::string &source);

/// Shape of a test problem.
struct ProblemShape {
  int64_t batch = 1, headsQ = 1, headsKV = 1, seqQ = 64, seqK = 64,
          headDim = 64;
  bool withLse = true;
  bool padded = true; // random extra stride padding
  std::vector<int64_t> params;
};

/// Owns the storage of a problem with fresh random inputs and NaN outputs.
struct TestProblem {
  runtime::AttentionProblem p;
  std::vector<float> q, k, v, o, lse;
};
std::unique_ptr<TestProblem> makeProblem(const ProblemShape &s,
                                         std::mt19937_64 &rng);

/// Runs `kernel` on `t` with `threads` threads and compares with the
/// reference under `allowed`.
Comparison runAndCompare(const runtime::CompiledKernel &kernel, TestProblem &t,
                         const AllowedFn &allowed, unsigned threads);

} // namespace sparsa::cputest

#endif // SPARSA_TEST_UNIT_CPU_CPUTESTUTIL_H
