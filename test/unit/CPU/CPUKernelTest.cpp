//===- CPUKernelTest.cpp - execution tests of hand-written schedules ------===//
//
// JIT-compiles sattn kernels written by hand (causal, sliding window, full,
// strictly causal with an empty first row, no visits at all, a predicate
// that needs the per-lane fallback) and checks them against the float64
// reference on random, strided, GQA inputs with poisoned outputs, for
// several head dimensions, vector widths, ragged lengths and thread counts.
//
//===----------------------------------------------------------------------===//

#include "test/unit/CPU/CPUTestUtil.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <string>

using namespace sparsa;
using namespace sparsa::cputest;

namespace {

struct KernelText {
  std::string name, schedule, predicate, maps;
  int64_t blockQ = 64, blockK = 64, vectorWidth = 16, headDim = 64;
  std::vector<std::string> params;
};

std::string render(const KernelText &k) {
  std::string names, args;
  for (size_t i = 0; i < k.params.size(); ++i) {
    names += (i ? ", \"" : "\"") + k.params[i] + "\"";
    args += ", %" + k.params[i] + ": index";
  }
  return "sattn.kernel @" + k.name +
         " attributes {tiling = #sattn.tiling<block_q = " +
         std::to_string(k.blockQ) + ", block_k = " + std::to_string(k.blockK) +
         ", vector_width = " + std::to_string(k.vectorWidth) +
         ", target = \"cpu\">, " + k.maps +
         "head_dim = " + std::to_string(k.headDim) +
         " : i64, num_params = " + std::to_string(k.params.size()) +
         " : i64, param_names = [" + names +
         "]} {\n"
         "^bb0(%qt: index, %h: index, %nq: index, %nk: index" +
         args +
         "):\n  %c0 = arith.constant 0 : index\n"
         "  %c1 = arith.constant 1 : index\n" +
         k.schedule +
         "  sattn.yield\n} predicate {\n"
         "^bb0(%h: index, %q: index, %k: index, %nq: index, %nk: index" +
         args + "):\n" + k.predicate + "}\n";
}

/// Causal, block_q == block_k: FULL tiles below the diagonal, PARTIAL on it.
KernelText causal(int64_t block, int64_t vw, int64_t d) {
  KernelText k;
  k.name = "causal";
  k.blockQ = k.blockK = block;
  k.vectorWidth = vw;
  k.headDim = d;
  k.schedule = "  scf.for %kt = %c0 to %qt step %c1 {\n"
               "    sattn.visit %kt full\n  }\n"
               "  sattn.visit %qt partial\n";
  k.predicate = "  %ok = arith.cmpi ule, %k, %q : index\n"
                "  sattn.yield %ok : i1\n";
  return k;
}

/// Sliding window q - W <= k <= q, every visited tile PARTIAL.
KernelText window(int64_t d) {
  KernelText k;
  k.name = "window";
  k.headDim = d;
  k.params = {"W"};
  k.schedule = "  %bq = arith.constant 64 : index\n"
               "  %q0 = arith.muli %qt, %bq : index\n"
               "  %lo = arith.subi %q0, %W : index\n"
               "  %neg = arith.cmpi slt, %lo, %c0 : index\n"
               "  %lo0 = arith.select %neg, %c0, %lo : index\n"
               "  %first = arith.divui %lo0, %bq : index\n"
               "  %end = arith.addi %qt, %c1 : index\n"
               "  scf.for %kt = %first to %end step %c1 {\n"
               "    sattn.visit %kt partial\n  }\n";
  k.predicate = "  %le = arith.cmpi ule, %k, %q : index\n"
                "  %kw = arith.addi %k, %W : index\n"
                "  %ge = arith.cmpi uge, %kw, %q : index\n"
                "  %ok = arith.andi %le, %ge : i1\n"
                "  sattn.yield %ok : i1\n";
  return k;
}

/// Every key tile FULL (dense attention, any Nq, Nk).
KernelText full(int64_t d, int64_t blockQ, int64_t blockK) {
  KernelText k;
  k.name = "dense";
  k.headDim = d;
  k.blockQ = blockQ;
  k.blockK = blockK;
  k.schedule = "  %bk = arith.constant " + std::to_string(blockK) +
               " : index\n"
               "  %nkt = arith.ceildivui %nk, %bk : index\n"
               "  scf.for %kt = %c0 to %nkt step %c1 {\n"
               "    sattn.visit %kt full\n  }\n";
  k.predicate = "  %t = arith.constant true\n  sattn.yield %t : i1\n";
  return k;
}

Comparison check(const KernelText &text, const ProblemShape &shape,
                 const AllowedFn &allowed, unsigned threads, uint64_t seed) {
  auto ctx = makeCPUContext();
  auto jit = compileSAttn(*ctx, render(text));
  if (!jit)
    return Comparison{1e30, 1e30, 1, 1};
  auto kernel = jit->lookup(text.name);
  if (!kernel) {
    ADD_FAILURE() << llvm::toString(kernel.takeError());
    return Comparison{1e30, 1e30, 1, 1};
  }
  std::mt19937_64 rng(seed);
  auto problem = makeProblem(shape, rng);
  return runAndCompare(*kernel, *problem, allowed, threads);
}

void expectGood(const Comparison &c) {
  EXPECT_LE(c.maxRelErr, 1e-5);
  EXPECT_LE(c.maxLseErr, 1e-5);
  EXPECT_EQ(c.badEmptyRows, 0);
  EXPECT_EQ(c.nonFinite, 0);
}

bool causalAllowed(int64_t, int64_t q, int64_t k) { return k <= q; }

} // namespace

TEST(CPUKernel, CausalHeadDims) {
  for (int64_t d : {32, 64, 128}) {
    SCOPED_TRACE("head_dim " + std::to_string(d));
    ProblemShape s;
    s.headDim = d;
    s.seqQ = s.seqK = 200; // ragged: 200 = 3 * 64 + 8
    expectGood(check(causal(64, 16, d), s, causalAllowed, 2, 1000 + d));
  }
}

TEST(CPUKernel, CausalGQAStridesThreads) {
  ProblemShape s;
  s.batch = 2;
  s.headsQ = 6;
  s.headsKV = 2;
  s.seqQ = s.seqK = 129;
  s.headDim = 64;
  for (unsigned threads : {1u, 3u, 8u}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    expectGood(check(causal(64, 16, 64), s, causalAllowed, threads, threads));
  }
}

TEST(CPUKernel, CausalVectorWidth8AndSmallTiles) {
  ProblemShape s;
  s.headsQ = s.headsKV = 2;
  s.seqQ = s.seqK = 77;
  s.headDim = 32;
  expectGood(check(causal(32, 8, 32), s, causalAllowed, 2, 7));
  expectGood(check(causal(16, 16, 32), s, causalAllowed, 2, 8));
}

TEST(CPUKernel, SlidingWindowParameter) {
  for (int64_t w : {0, 5, 64, 100, 1000}) {
    SCOPED_TRACE("W " + std::to_string(w));
    ProblemShape s;
    s.headsQ = 2;
    s.seqQ = s.seqK = 300;
    s.headDim = 64;
    s.params = {w};
    expectGood(check(
        window(64), s,
        [w](int64_t, int64_t q, int64_t k) { return k <= q && k + w >= q; }, 2,
        50 + w));
  }
}

TEST(CPUKernel, SlidingWindowWithFullInteriorTiles) {
  // The schedule of bench/cpu/window.mlir: tiles entirely inside the
  // window are FULL (chosen at run time from W), the others PARTIAL.
  KernelText k = window(64);
  k.schedule = "  %b = arith.constant 64 : index\n"
               "  %q0 = arith.muli %qt, %b : index\n"
               "  %lo = arith.subi %q0, %W : index\n"
               "  %neg = arith.cmpi slt, %lo, %c0 : index\n"
               "  %lo0 = arith.select %neg, %c0, %lo : index\n"
               "  %first = arith.divui %lo0, %b : index\n"
               "  %c63 = arith.constant 63 : index\n"
               "  scf.for %kt = %first to %qt step %c1 {\n"
               "    %k0 = arith.muli %kt, %b : index\n"
               "    %reach = arith.addi %k0, %W : index\n"
               "    %need = arith.addi %q0, %c63 : index\n"
               "    %inside = arith.cmpi uge, %reach, %need : index\n"
               "    scf.if %inside {\n      sattn.visit %kt full\n"
               "    } else {\n      sattn.visit %kt partial\n    }\n"
               "  }\n  sattn.visit %qt partial\n";
  for (int64_t w : {0, 63, 64, 200, 5000}) {
    SCOPED_TRACE("W " + std::to_string(w));
    ProblemShape s;
    s.headsQ = 2;
    s.seqQ = s.seqK = 450;
    s.params = {w};
    expectGood(check(
        k, s,
        [w](int64_t, int64_t q, int64_t kk) { return kk <= q && kk + w >= q; },
        2, 70 + w));
  }
}

TEST(CPUKernel, DenseRaggedCrossAttention) {
  for (auto [nq, nk] :
       {std::pair<int64_t, int64_t>{1, 1}, {70, 33}, {64, 128}, {200, 77}}) {
    SCOPED_TRACE(std::to_string(nq) + " x " + std::to_string(nk));
    ProblemShape s;
    s.batch = 2;
    s.headsQ = 4;
    s.headsKV = 1;
    s.seqQ = nq;
    s.seqK = nk;
    s.headDim = 128;
    expectGood(check(
        full(128, 32, 64), s, [](int64_t, int64_t, int64_t) { return true; }, 4,
        nq * 1000 + nk));
  }
}

TEST(CPUKernel, EmptyRowsGiveZerosAndMinusInfinity) {
  // Strictly causal: query 0 sees nothing.
  KernelText k = causal(64, 16, 64);
  k.predicate = "  %ok = arith.cmpi ult, %k, %q : index\n"
                "  sattn.yield %ok : i1\n";
  ProblemShape s;
  s.seqQ = s.seqK = 100;
  expectGood(
      check(k, s, [](int64_t, int64_t q, int64_t kk) { return kk < q; }, 2, 3));
  // No visits at all: every row is empty.
  KernelText none = causal(64, 16, 64);
  none.name = "none";
  none.schedule = "";
  expectGood(
      check(none, s, [](int64_t, int64_t, int64_t) { return false; }, 2, 4));
}

TEST(CPUKernel, PredicateWithRegionUsesPerLaneFallback) {
  // k <= q, written with an scf.if on the key so it cannot be widened.
  KernelText k = causal(64, 16, 64);
  k.predicate = "  %lt = arith.cmpi ult, %k, %q : index\n"
                "  %ok = scf.if %lt -> (i1) {\n"
                "    %t = arith.constant true\n    scf.yield %t : i1\n"
                "  } else {\n"
                "    %eq = arith.cmpi eq, %k, %q : index\n"
                "    scf.yield %eq : i1\n  }\n"
                "  sattn.yield %ok : i1\n";
  ProblemShape s;
  s.headsQ = 2;
  s.seqQ = s.seqK = 150;
  expectGood(check(k, s, causalAllowed, 2, 11));
}

TEST(CPUKernel, HeadDependentPredicate) {
  // Head 0 causal, head 1 anti-causal (k >= q); all tiles PARTIAL.
  KernelText k = full(64, 64, 64);
  k.name = "byhead";
  k.schedule = "  %bk = arith.constant 64 : index\n"
               "  %nkt = arith.ceildivui %nk, %bk : index\n"
               "  scf.for %kt = %c0 to %nkt step %c1 {\n"
               "    sattn.visit %kt partial\n  }\n";
  k.predicate = "  %z = arith.constant 0 : index\n"
                "  %h0 = arith.cmpi eq, %h, %z : index\n"
                "  %le = arith.cmpi ule, %k, %q : index\n"
                "  %ge = arith.cmpi uge, %k, %q : index\n"
                "  %ok = arith.select %h0, %le, %ge : i1\n"
                "  sattn.yield %ok : i1\n";
  ProblemShape s;
  s.headsQ = 2;
  s.headsKV = 2;
  s.seqQ = s.seqK = 140;
  expectGood(check(
      k, s,
      [](int64_t h, int64_t q, int64_t kk) {
        return h == 0 ? kk <= q : kk >= q;
      },
      2, 12));
}

TEST(CPUKernel, RuntimeRejectsBadShapes) {
  auto ctx = makeCPUContext();
  auto jit = compileSAttn(*ctx, render(causal(64, 16, 64)));
  ASSERT_TRUE(jit);
  auto kernel = jit->lookup("causal");
  ASSERT_TRUE(static_cast<bool>(kernel));
  std::mt19937_64 rng(5);
  ProblemShape s;
  s.headDim = 64;
  auto t = makeProblem(s, rng);
  t->p.headDim = 32;
  runtime::ThreadPool pool(1);
  EXPECT_EQ(runtime::runAttention(*kernel, t->p, pool),
            "head dimension 32 differs from the kernel's 64");
  t->p.headDim = 64;
  t->p.headsQ = 3;
  t->p.headsKV = 2;
  EXPECT_EQ(runtime::runAttention(*kernel, t->p, pool),
            "query heads 3 must be a multiple of kv heads 2");
  auto missing = jit->lookup("nope");
  EXPECT_FALSE(static_cast<bool>(missing));
  llvm::consumeError(missing.takeError());
}

TEST(CPUKernel, ResidueMapsStridedCausal) {
  // (q - k) mod L == 0 and k <= q, computed in the residue layout of both
  // sides: per class a causal band, FULL below the diagonal tile.
  for (int64_t n : {300, 64, 1000}) {
    SCOPED_TRACE("N " + std::to_string(n));
    KernelText k;
    k.name = "strided";
    k.blockQ = k.blockK = 32;
    k.maps = "query_map = #sattn.token_map<residue, period = 4>, "
             "key_map = #sattn.token_map<residue, period = 4>, ";
    k.schedule = "  %b = arith.constant 32 : index\n"
                 "  %l = arith.constant 4 : index\n"
                 "  %per = arith.ceildivui %nk, %l : index\n"
                 "  %t = arith.ceildivui %per, %b : index\n"
                 "  %s = arith.muli %t, %b : index\n"
                 "  %q0 = arith.muli %qt, %b : index\n"
                 "  %cls = arith.divui %q0, %s : index\n"
                 "  %first = arith.muli %cls, %t : index\n"
                 "  scf.for %kt = %first to %qt step %c1 {\n"
                 "    sattn.visit %kt full\n  }\n"
                 "  sattn.visit %qt partial\n";
    k.predicate = "  %l = arith.constant 4 : index\n"
                  "  %z = arith.constant 0 : index\n"
                  "  %d = arith.subi %q, %k : index\n"
                  "  %r = arith.remsi %d, %l : index\n"
                  "  %m = arith.cmpi eq, %r, %z : index\n"
                  "  %le = arith.cmpi ule, %k, %q : index\n"
                  "  %ok = arith.andi %m, %le : i1\n"
                  "  sattn.yield %ok : i1\n";
    ProblemShape s;
    s.headsQ = 2;
    s.headsKV = 1;
    s.seqQ = s.seqK = n;
    expectGood(check(
        k, s,
        [](int64_t, int64_t q, int64_t kk) {
          return kk <= q && (q - kk) % 4 == 0;
        },
        3, n));
  }
}

TEST(CPUKernel, SummaryGatherKeysAllFull) {
  // Every query sees the last 2 keys of each block of 8: gathered into a
  // dense key space whose tiles are all FULL (the last one padded).
  KernelText k;
  k.name = "summary";
  k.blockQ = 32;
  k.blockK = 16;
  k.maps = "key_map = #sattn.token_map<summary_gather, period = 8, "
           "count = 2>, ";
  k.schedule = "  %p = arith.constant 8 : index\n"
               "  %two = arith.constant 2 : index\n"
               "  %six = arith.constant 6 : index\n"
               "  %bk = arith.constant 16 : index\n"
               "  %blocks = arith.divui %nk, %p : index\n"
               "  %full = arith.muli %blocks, %two : index\n"
               "  %rem = arith.remui %nk, %p : index\n"
               "  %tail = arith.subi %rem, %six : index\n"
               "  %pos = arith.maxsi %tail, %c0 : index\n"
               "  %cl = arith.minsi %pos, %two : index\n"
               "  %g = arith.addi %full, %cl : index\n"
               "  %nkt = arith.ceildivui %g, %bk : index\n"
               "  scf.for %kt = %c0 to %nkt step %c1 {\n"
               "    sattn.visit %kt full\n  }\n";
  k.predicate = "  %t = arith.constant true\n  sattn.yield %t : i1\n";
  for (int64_t n : {111, 64, 7}) {
    SCOPED_TRACE("N " + std::to_string(n));
    ProblemShape s;
    s.seqQ = 50;
    s.seqK = n;
    expectGood(check(
        k, s, [](int64_t, int64_t, int64_t kk) { return kk % 8 >= 6; }, 2,
        n + 7));
  }
}

TEST(CPUKernel, MemberGatherQueriesLeaveOtherRowsEmpty) {
  // Only queries 0, 5 and N-1 attend (to every key); their rows are
  // gathered into one tile, all other rows must come out empty.
  KernelText k;
  k.name = "rows";
  k.blockQ = 16;
  k.blockK = 32;
  k.maps = "query_map = #sattn.token_map<member_gather, members = [0, 5, "
           "-1]>, ";
  k.schedule = "  %bk = arith.constant 32 : index\n"
               "  %nkt = arith.ceildivui %nk, %bk : index\n"
               "  scf.for %kt = %c0 to %nkt step %c1 {\n"
               "    sattn.visit %kt partial\n  }\n";
  k.predicate = "  %z = arith.constant 0 : index\n"
                "  %ok = arith.cmpi sge, %q, %z : index\n"
                "  sattn.yield %ok : i1\n";
  ProblemShape s;
  s.batch = 2;
  s.headsQ = 2;
  s.seqQ = 40;
  s.seqK = 70;
  expectGood(check(
      k, s,
      [](int64_t, int64_t q, int64_t) { return q == 0 || q == 5 || q == 39; },
      2, 99));
}
