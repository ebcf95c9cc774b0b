//===- RunLimitsTest.cpp - aliasing, scale and thread limits of run() -----===//
//
// Outputs that share memory with an input or with each other, softmax
// scales outside (0, kMaxScale], thread counts above kMaxThreads: each is a
// clear InvalidArgument before any output is written. What stays allowed
// (inputs sharing memory, outputs that only touch) still computes the
// definition, and runs with many different thread counts leave a bounded
// number of threads alive.
//
//===----------------------------------------------------------------------===//

#include "test/unit/JIT/JITTestUtil.h"

#include "sparsa/Compiler.h"

#include "gtest/gtest.h"

#include <dirent.h>

#include <climits>
#include <cstring>
#include <thread>

using namespace sparsa;
using namespace sparsa::jittest;

namespace {

Kernel compileKernel(const std::string &spec) {
  CompileOptions o;
  o.headDim = 16;
  o.blockQ = o.blockK = 16;
  auto k = Compiler::global().compile(spec, o);
  EXPECT_TRUE(k) << k.message();
  return k ? *k : Kernel();
}

bool causalWindow3(int64_t, int64_t q, int64_t k) {
  return k <= q && k >= q - 3;
}

/// Runs `kernel` on a fresh problem changed by `mutate` and expects an
/// error containing `text` with the outputs (and the inputs) untouched.
void expectRefused(const Kernel &kernel,
                   const std::function<void(Problem &, RunOptions &)> &mutate,
                   const std::string &text, uint64_t seed,
                   const Params &params = Params().set("W", 3)) {
  std::mt19937_64 rng(seed);
  Problem p(2, 4, 2, 20, 24, 16, rng);
  std::vector<float> q = p.q, k = p.k, v = p.v;
  RunOptions options;
  mutate(p, options);
  Status s = kernel.run(p.tq, p.tk, p.tv, p.to, &p.tlse, params, options);
  ASSERT_FALSE(s.isOk()) << "expected: " << text;
  EXPECT_EQ(s.code(), ErrorCode::InvalidArgument);
  EXPECT_NE(s.message().find(text), std::string::npos) << s.message();
  for (float x : p.o)
    ASSERT_TRUE(std::isnan(x)) << "output written on error";
  for (float x : p.lse)
    ASSERT_TRUE(std::isnan(x)) << "lse written on error";
  EXPECT_EQ(0, std::memcmp(q.data(), p.q.data(), q.size() * sizeof(float)));
  EXPECT_EQ(0, std::memcmp(k.data(), p.k.data(), k.size() * sizeof(float)));
  EXPECT_EQ(0, std::memcmp(v.data(), p.v.data(), v.size() * sizeof(float)));
}

int64_t threadsAlive() {
  int64_t n = 0;
  DIR *dir = opendir("/proc/self/task");
  if (!dir)
    return -1;
  while (dirent *e = readdir(dir))
    n += e->d_name[0] != '.';
  closedir(dir);
  return n;
}

} // namespace

TEST(RunLimits, OutputsMustNotAliasInputs) {
  Kernel window = compileKernel("param W : runtime\ncausal & window(W, 0)\n");
  const char *rule = "(outputs may share no byte with an input or with "
                     "another output)";
  expectRefused(
      window, [](Problem &p, RunOptions &) { p.to.data = p.k.data(); },
      "out overlaps k in memory", 1);
  expectRefused(
      window, [](Problem &p, RunOptions &) { p.to.data = p.v.data() + 5; },
      "out overlaps v in memory", 2);
  expectRefused(
      window, [](Problem &p, RunOptions &) { p.to = p.tq; },
      std::string("out overlaps q in memory ") + rule, 3);
  expectRefused(
      window, [](Problem &p, RunOptions &) { p.tlse.data = p.q.data() + 7; },
      "lse overlaps q in memory", 4);
  // LSE on the last element of O.
  expectRefused(
      window,
      [](Problem &p, RunOptions &) {
        int64_t last = 0;
        for (int i = 0; i < 4; ++i)
          last += (p.to.shape[i] - 1) * p.to.strides[i];
        p.tlse.data = static_cast<float *>(p.to.data) + last;
      },
      "lse overlaps out in memory", 5);
  // An input that starts inside the output's range.
  expectRefused(
      window,
      [](Problem &p, RunOptions &) {
        p.tk.data = static_cast<float *>(p.to.data) + 10;
      },
      "out overlaps k in memory", 6);

  // A pattern of several parts: out == q was wrong before it was refused.
  Kernel parts = compileKernel("causal & (window(8, 0) | stride(8))\n");
  ASSERT_GT(parts.info().numParts, 1);
  expectRefused(
      parts, [](Problem &p, RunOptions &) { p.to = p.tq; },
      "out overlaps q in memory", 7, Params());
}

// The same view object as an input and as the output: the aliasing check
// once compared the views' addresses and let this through.
TEST(RunLimits, OneViewAsInputAndOutput) {
  Kernel causal = compileKernel("causal\n");
  std::mt19937_64 rng(std::random_device{}());
  Problem p(1, 2, 2, 16, 16, 16, rng);
  std::vector<float> q = p.q;
  for (const TensorView *lse : {static_cast<const TensorView *>(nullptr),
                                static_cast<const TensorView *>(&p.tlse)}) {
    Status s = causal.run(p.tq, p.tk, p.tv, p.tq, lse);
    ASSERT_FALSE(s);
    EXPECT_NE(s.message().find("out overlaps q in memory"), std::string::npos)
        << s.message();
  }
  EXPECT_EQ(q, p.q);
}

TEST(RunLimits, InputsMayShareMemoryAndOutputsMayTouch) {
  Kernel window = compileKernel("param W : runtime\ncausal & window(W, 0)\n");
  std::mt19937_64 rng(std::random_device{}());
  Problem p(2, 4, 2, 20, 24, 16, rng, /*padded=*/false);
  // k and v are one tensor.
  p.v = p.k;
  p.tv = p.tk;
  // O and LSE in one buffer, LSE starting right after O's last element.
  std::vector<float> joint(p.o.size() + p.lse.size(),
                           std::numeric_limits<float>::quiet_NaN());
  p.to.data = joint.data();
  p.tlse.data = joint.data() + p.o.size();
  Status s = window.run(p.tq, p.tk, p.tk, p.to, &p.tlse, Params().set("W", 3));
  ASSERT_TRUE(s.isOk()) << s.message();
  std::copy(joint.begin(), joint.begin() + p.o.size(), p.o.begin());
  std::copy(joint.begin() + p.o.size(), joint.end(), p.lse.begin());
  Check c = compareWithReference(p, causalWindow3, true);
  EXPECT_TRUE(c.ok()) << c.maxErr << " " << c.maxLseErr;
}

TEST(RunLimits, ScaleMustBeFiniteAndAtMostTheMaximum) {
  Kernel window = compileKernel("param W : runtime\ncausal & window(W, 0)\n");
  struct Case {
    float scale;
    const char *text;
  } cases[] = {
      {std::numeric_limits<float>::infinity(),
       "softmax scale inf must be positive and at most 1e+06"},
      {-std::numeric_limits<float>::infinity(), "softmax scale -inf"},
      {std::numeric_limits<float>::quiet_NaN(), "softmax scale nan"},
      {1e38f, "softmax scale 1e+38 must be positive and at most 1e+06"},
      {-0.5f, "softmax scale -0.5 must be positive"},
  };
  for (const Case &c : cases)
    expectRefused(
        window, [&](Problem &, RunOptions &o) { o.scale = c.scale; }, c.text,
        8);
  // The largest accepted scale runs.
  std::mt19937_64 rng(std::random_device{}());
  Problem p(1, 2, 2, 20, 20, 16, rng);
  RunOptions o;
  o.scale = RunOptions::kMaxScale;
  EXPECT_TRUE(
      window.run(p.tq, p.tk, p.tv, p.to, &p.tlse, Params().set("W", 3), o));
}

TEST(RunLimits, ThreadCountAboveTheMaximumIsRefused) {
  Kernel window = compileKernel("param W : runtime\ncausal & window(W, 0)\n");
  for (unsigned threads : {RunOptions::kMaxThreads + 1, 100000u, UINT_MAX})
    expectRefused(
        window, [&](Problem &, RunOptions &o) { o.threads = threads; },
        "threads " + std::to_string(threads) +
            " exceeds the maximum of 1024 (0 means all hardware threads)",
        9);
}

TEST(RunLimits, ManyThreadCountsLeaveFewThreadsAlive) {
  Kernel window = compileKernel("param W : runtime\ncausal & window(W, 0)\n");
  int64_t before = threadsAlive();
  ASSERT_GT(before, 0);
  std::mt19937_64 rng(std::random_device{}());
  Problem p(1, 2, 2, 64, 64, 16, rng);
  constexpr unsigned kCounts = 150;
  for (unsigned threads = 1; threads <= kCounts; ++threads) {
    std::fill(p.o.begin(), p.o.end(), std::numeric_limits<float>::quiet_NaN());
    RunOptions o;
    o.threads = threads;
    Status s =
        window.run(p.tq, p.tk, p.tv, p.to, &p.tlse, Params().set("W", 3), o);
    ASSERT_TRUE(s.isOk()) << s.message();
  }
  EXPECT_TRUE(compareWithReference(p, causalWindow3, true).ok());
  // Idle pools keep at most max(64, 4 x hardware threads) workers besides
  // the pool returned last (149 workers); one pool per count would keep
  // 1 + 2 + ... + 149 = 11175.
  int64_t bound =
      std::max<int64_t>(64, 4 * std::thread::hardware_concurrency()) + kCounts;
  EXPECT_LE(threadsAlive() - before, bound);
}
