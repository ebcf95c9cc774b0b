//===- JITErrorTest.cpp - every bad argument is a clear error -------------===//
//
// Each check of Kernel::run and of the compile options, one case each:
// the call must fail with InvalidArgument (or the stated code) and a
// message naming the problem, and must not have written the outputs.
//
//===----------------------------------------------------------------------===//

#include "test/unit/JIT/JITTestUtil.h"

#include "sparsa/Compiler.h"

#include "gtest/gtest.h"

using namespace sparsa;
using namespace sparsa::jittest;

namespace {

class JITErrors : public ::testing::Test {
protected:
  void SetUp() override {
    CompileOptions o;
    o.headDim = 16;
    o.blockQ = o.blockK = 16;
    auto k = Compiler::global().compile(
        "param W : runtime\ncausal & window(W, 0)\n", o);
    ASSERT_TRUE(k) << k.message();
    kernel = *k;
  }

  /// Runs with `mutate` applied to a fresh valid problem; expects an error
  /// containing `text` and untouched (NaN) outputs.
  void expectError(const std::function<void(Problem &, Params &)> &mutate,
                   const std::string &text) {
    std::mt19937_64 rng(7);
    Problem p(2, 4, 2, 20, 24, 16, rng);
    Params params = Params().set("W", 3);
    mutate(p, params);
    Status s = kernel.run(p.tq, p.tk, p.tv, p.to, &p.tlse, params);
    ASSERT_FALSE(s.isOk()) << "expected: " << text;
    EXPECT_EQ(s.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(s.message().find(text), std::string::npos) << s.message();
    for (float x : p.o)
      ASSERT_TRUE(std::isnan(x)) << "output written on error";
  }

  Kernel kernel;
};

} // namespace

TEST_F(JITErrors, ValidProblemRuns) {
  std::mt19937_64 rng(7);
  Problem p(2, 4, 2, 20, 24, 16, rng);
  Status s = kernel.run(p.tq, p.tk, p.tv, p.to, &p.tlse, Params().set("W", 3));
  ASSERT_TRUE(s.isOk()) << s.message();
  EXPECT_TRUE(
      compareWithReference(
          p, [](int64_t, int64_t q, int64_t k) { return k <= q && k >= q - 3; },
          true)
          .ok());
}

TEST_F(JITErrors, Rank) {
  expectError([](Problem &p, Params &) { p.tq.rank = 3; },
              "q must have rank 4, got 3");
  expectError([](Problem &p, Params &) { p.tlse.rank = 4; },
              "lse must have rank 3, got 4");
}

TEST_F(JITErrors, DType) {
  expectError([](Problem &p, Params &) { p.tk.dtype = DType::BF16; },
              "k must be f32");
}

TEST_F(JITErrors, NullData) {
  expectError([](Problem &p, Params &) { p.tv.data = nullptr; },
              "v data must not be null");
}

TEST_F(JITErrors, Shapes) {
  expectError([](Problem &p, Params &) { p.tv.shape[2] = 23; },
              "v shape [2, 2, 23, 16] must equal k shape [2, 2, 24, 16]");
  expectError([](Problem &p, Params &) { p.to.shape[2] = 19; },
              "out shape [2, 4, 19, 16] must equal q shape");
  expectError([](Problem &p, Params &) { p.tk.shape[0] = p.tv.shape[0] = 1; },
              "batch sizes differ");
  expectError([](Problem &p, Params &) { p.tq.shape[1] = p.to.shape[1] = 3; },
              "query heads 3 must be a multiple of key/value heads 2");
  expectError([](Problem &p, Params &) { p.tlse.shape[2] = 5; },
              "lse shape [2, 4, 5] must be [2, 4, 20]");
  expectError([](Problem &p, Params &) { p.tq.shape[2] = p.to.shape[2] = 0; },
              "must have positive extents");
}

TEST_F(JITErrors, HeadDimMismatch) {
  expectError(
      [](Problem &p, Params &) {
        for (TensorView *t : {&p.tq, &p.tk, &p.tv, &p.to})
          t->shape[3] = 8;
      },
      "head dimension 8 differs from the kernel's 16");
  expectError([](Problem &p, Params &) { p.tk.shape[3] = p.tv.shape[3] = 8; },
              "k head dimension 8 differs from q's 16");
}

TEST_F(JITErrors, Strides) {
  expectError([](Problem &p, Params &) { p.tq.strides[3] = 2; },
              "q head dimension must be contiguous (stride 1), got stride 2");
  expectError([](Problem &p, Params &) { p.tk.strides[1] = -5; },
              "k stride -5 of dimension 1 must be non-negative");
  expectError([](Problem &p, Params &) { p.to.strides[2] = 8; },
              "out strides make elements overlap");
  expectError([](Problem &p, Params &) { p.tlse.strides[1] = 0; },
              "lse strides make elements overlap");
  expectError([](Problem &p, Params &) { p.tq.strides[0] = INT64_MAX; },
              "q strides overflow 64-bit offsets");
}

TEST_F(JITErrors, RuntimeParameters) {
  expectError([](Problem &, Params &params) { params = Params(); },
              "kernel 'pattern' takes 1 runtime parameter (W), got 0");
  expectError([](Problem &, Params &params) { params = Params().set("V", 1); },
              "unknown runtime parameter 'V' (kernel 'pattern' takes: W)");
  expectError([](Problem &, Params &params) { params.set("W", 4); },
              "runtime parameter 'W' is given twice");
  expectError(
      [](Problem &, Params &params) { params = Params::positional({1, 2}); },
      "takes 1 runtime parameter (W), got 2");
}

TEST_F(JITErrors, EmptyHandle) {
  Kernel empty;
  EXPECT_FALSE(empty.valid());
  std::mt19937_64 rng(1);
  Problem p(1, 1, 1, 4, 4, 16, rng);
  Status s = empty.run(p.tq, p.tk, p.tv, p.to);
  EXPECT_EQ(s.code(), ErrorCode::InvalidArgument);
  EXPECT_EQ(s.message(), "empty kernel handle");
  EXPECT_EQ(empty.info().headDim, 0);
}

TEST(JITOptions, BadOptionsAreErrors) {
  Compiler c;
  auto expect = [&](CompileOptions o, ErrorCode code, const std::string &text) {
    auto k = c.compile("causal", o);
    ASSERT_FALSE(k);
    EXPECT_EQ(k.code(), code);
    EXPECT_NE(k.message().find(text), std::string::npos) << k.message();
  };
  CompileOptions o;
  o.target = "tpu";
  expect(o, ErrorCode::Unsupported, "target 'tpu' is not supported");
  o = {};
  o.headDim = 0;
  expect(o, ErrorCode::InvalidArgument, "head dimension 0 must be in");
  o = {};
  o.blockQ = -16;
  expect(o, ErrorCode::InvalidArgument, "tile size -16 must be in");
  o = {};
  o.vectorWidth = 5;
  expect(o, ErrorCode::InvalidArgument, "vector width 5 must be 4, 8 or 16");
  o = {};
  o.optLevel = 9;
  expect(o, ErrorCode::InvalidArgument, "optimization level 9");
  o = {};
  o.name = "1bad-name";
  expect(o, ErrorCode::InvalidArgument, "must be a C identifier");
  o = {};
  o.defines = {{"W", 1}, {"W", 2}};
  expect(o, ErrorCode::InvalidArgument, "define W is given twice");
}

TEST(JITSpecErrors, DiagnosticsCarryLocationAndCaret) {
  Compiler c;
  CompileOptions o;
  o.fileName = "swa.sparsa";
  auto k = c.compile("param W = 4\ncausal & window(-4, 0)\n", o);
  ASSERT_FALSE(k);
  EXPECT_EQ(k.code(), ErrorCode::SpecError);
  EXPECT_NE(k.message().find("swa.sparsa:2:17: error:"), std::string::npos)
      << k.message();
  EXPECT_NE(k.message().find("causal & window(-4, 0)\n                ^"),
            std::string::npos)
      << k.message();
  // Garbage and empty input are errors too, never crashes.
  EXPECT_EQ(c.compile("", o).code(), ErrorCode::SpecError);
  EXPECT_EQ(c.compile(std::string("\x01\xff(((", 5), o).code(),
            ErrorCode::SpecError);
  EXPECT_EQ(c.compile(std::string(100000, '('), o).code(),
            ErrorCode::SpecError);
}

TEST(JITSpecErrors, InputLargerThanTheLimitIsRefused) {
  // 16 MiB + 1 of text, and files that never end: refused with a Status
  // after reading at most the limit + 1 bytes, never an exhausted memory.
  Compiler c;
  std::string big(size_t(16) << 20, ' ');
  big += 'x';
  auto k = c.compile(big, CompileOptions());
  ASSERT_FALSE(k);
  EXPECT_EQ(k.code(), ErrorCode::InvalidArgument);
  EXPECT_NE(k.message().find("input is larger than 16777216 bytes"),
            std::string::npos)
      << k.message();
  auto z = c.compileFile("/dev/zero", CompileOptions());
  ASSERT_FALSE(z);
  EXPECT_EQ(z.code(), ErrorCode::InvalidArgument);
  EXPECT_NE(z.message().find("input is larger than"), std::string::npos)
      << z.message();
  // At the limit the text is parsed (and here compiles).
  std::string atLimit(size_t(16) << 20, ' ');
  atLimit.replace(0, 6, "causal");
  CompileOptions o;
  o.headDim = 16;
  o.blockQ = o.blockK = 16;
  auto ok = c.compile(atLimit, o);
  EXPECT_TRUE(ok) << ok.message();
}

TEST_F(JITErrors, RuntimeParameterValuesTheMaskRejects) {
  // The existing window kernel: a negative window is refused before any
  // kernel runs.
  expectError([](Problem &, Params &params) { params = Params().set("W", -1); },
              "window: 'before' (from W) must be non-negative");
  expectError([](Problem &, Params &params) { params = Params().set("W", -1); },
              "(given W = -1, Nq = ");

  // A stride of 0 would divide by zero inside the kernel; arithmetic
  // between a parameter and its leaf (W / 2) is evaluated like the pattern.
  CompileOptions o;
  o.headDim = 16;
  o.blockQ = o.blockK = 16;
  auto k =
      Compiler::global().compile("param S : runtime\nparam W : runtime\n"
                                 "causal & (window(W / 2, 0) | stride(S, 1))\n",
                                 o);
  ASSERT_TRUE(k) << k.message();
  struct Case {
    int64_t s, w;
    const char *text;
  } cases[] = {
      {0, 4,
       "stride: 'period' (from S) must be positive (given S = 0, W = 4, "
       "Nq = 20, Nk = 20)"},
      {1, 4, "stride: 'residue' must be less than 'period' (from S)"},
      {3, -2, "window: 'before' (from W) must be non-negative"},
  };
  for (const Case &c : cases) {
    std::mt19937_64 rng(9);
    Problem p(1, 2, 2, 20, 20, 16, rng);
    Status s = k->run(p.tq, p.tk, p.tv, p.to, &p.tlse,
                      Params().set("S", c.s).set("W", c.w));
    ASSERT_FALSE(s.isOk()) << c.text;
    EXPECT_EQ(s.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(s.message().find(c.text), std::string::npos) << s.message();
    for (float x : p.o)
      ASSERT_TRUE(std::isnan(x)) << "output written on error";
  }
  // Values on the boundary run and match the definition.
  std::mt19937_64 rng(10);
  Problem p(1, 2, 2, 20, 20, 16, rng);
  Status s =
      k->run(p.tq, p.tk, p.tv, p.to, &p.tlse, Params().set("S", 2).set("W", 1));
  ASSERT_TRUE(s.isOk()) << s.message();
  EXPECT_TRUE(compareWithReference(
                  p,
                  [](int64_t, int64_t q, int64_t kk) {
                    return kk <= q && (q - kk == 0 || (q - kk) % 2 == 1);
                  },
                  true)
                  .ok());
}
