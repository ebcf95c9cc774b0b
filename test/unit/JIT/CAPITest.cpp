//===- CAPITest.cpp - the C API, including every bad argument -------------===//
//
// Compiles, runs and queries kernels through sparsa_* only, and checks that
// null pointers, bad tensors and parameters give a status and a message in
// sparsa_last_error(), never a crash.
//
//===----------------------------------------------------------------------===//

#include "test/unit/JIT/JITTestUtil.h"

#include "sparsa/c/sparsa.h"

#include "gtest/gtest.h"

#include <cstring>

using namespace sparsa::jittest;

namespace {

sparsa_tensor toC(const sparsa::TensorView &t) {
  sparsa_tensor c;
  std::memset(&c, 0, sizeof(c));
  c.data = t.data;
  c.dtype = SPARSA_F32;
  c.rank = t.rank;
  for (int i = 0; i < t.rank && i < 4; ++i) {
    c.shape[i] = t.shape[i];
    c.strides[i] = t.strides[i];
  }
  return c;
}

bool errorContains(const char *text) {
  return std::strstr(sparsa_last_error(), text) != nullptr;
}

class CAPI : public ::testing::Test {
protected:
  void SetUp() override {
    compiler = sparsa_compiler_create();
    opts = sparsa_options_create();
    ASSERT_EQ(sparsa_options_set_head_dim(opts, 16), SPARSA_OK);
    ASSERT_EQ(sparsa_options_set_tiles(opts, 16, 16), SPARSA_OK);
    ASSERT_EQ(sparsa_options_set_name(opts, "swa"), SPARSA_OK);
    ASSERT_EQ(sparsa_compile(compiler,
                             "param W : runtime\ncausal & window(W, 0)\n", opts,
                             &kernel),
              SPARSA_OK)
        << sparsa_last_error();
  }
  void TearDown() override {
    sparsa_kernel_free(kernel);
    sparsa_options_free(opts);
    sparsa_compiler_free(compiler);
  }

  sparsa_status run(Problem &p, const char *const *names, const int64_t *values,
                    size_t count, bool withLse = true) {
    sparsa_tensor q = toC(p.tq), k = toC(p.tk), v = toC(p.tv), o = toC(p.to),
                  l = toC(p.tlse);
    return sparsa_kernel_run(kernel, &q, &k, &v, &o, withLse ? &l : nullptr,
                             names, values, count, 0.0f, 2);
  }

  sparsa_compiler *compiler = nullptr;
  sparsa_options *opts = nullptr;
  sparsa_kernel *kernel = nullptr;
};

} // namespace

TEST_F(CAPI, CompileRunAndQuery) {
  EXPECT_STREQ(sparsa_kernel_name(kernel), "swa");
  EXPECT_EQ(sparsa_kernel_head_dim(kernel), 16);
  EXPECT_EQ(sparsa_kernel_block_q(kernel), 16);
  ASSERT_EQ(sparsa_kernel_num_params(kernel), 1);
  EXPECT_STREQ(sparsa_kernel_param_name(kernel, 0), "W");
  EXPECT_EQ(sparsa_kernel_param_name(kernel, 1), nullptr);
  EXPECT_EQ(sparsa_kernel_param_name(kernel, -1), nullptr);
  std::mt19937_64 rng(1);
  const char *names[] = {"W"};
  for (int64_t w : {0, 2, 7}) {
    Problem p(2, 2, 1, 30, 30, 16, rng);
    ASSERT_EQ(run(p, w % 2 ? names : nullptr, &w, 1), SPARSA_OK)
        << sparsa_last_error();
    EXPECT_STREQ(sparsa_last_error(), "");
    EXPECT_TRUE(
        compareWithReference(
            p,
            [w](int64_t, int64_t q, int64_t k) { return k <= q && k >= q - w; },
            true)
            .ok());
  }
  sparsa_stats stats;
  int64_t w = 1;
  ASSERT_EQ(sparsa_kernel_stats(kernel, 10, -1, names, &w, 1, &stats),
            SPARSA_OK)
      << sparsa_last_error();
  EXPECT_EQ(stats.nnz, 19); // 10 diagonal + 9 sub-diagonal pairs
  EXPECT_EQ(stats.num_keys, 10);
  // Same text again: a cache hit.
  sparsa_kernel *again = nullptr;
  ASSERT_EQ(sparsa_compile(compiler,
                           "param W : runtime\ncausal & window(W, 0)\n", opts,
                           &again),
            SPARSA_OK);
  sparsa_cache_stats cs;
  ASSERT_EQ(sparsa_compiler_cache_stats(compiler, &cs), SPARSA_OK);
  EXPECT_EQ(cs.compilations, 1u);
  EXPECT_EQ(cs.exact_hits, 1u);
  sparsa_kernel_free(again);
  EXPECT_STRNE(sparsa_version(), "");
}

TEST_F(CAPI, NullPointers) {
  std::mt19937_64 rng(2);
  Problem p(1, 1, 1, 8, 8, 16, rng);
  sparsa_tensor t = toC(p.tq);
  int64_t w = 1;
  EXPECT_EQ(
      sparsa_kernel_run(nullptr, &t, &t, &t, &t, nullptr, nullptr, &w, 1, 0, 1),
      SPARSA_INVALID_ARGUMENT);
  EXPECT_TRUE(errorContains("kernel must not be null"));
  EXPECT_EQ(sparsa_kernel_run(kernel, &t, nullptr, &t, &t, nullptr, nullptr, &w,
                              1, 0, 1),
            SPARSA_INVALID_ARGUMENT);
  EXPECT_TRUE(errorContains("k tensor must not be null"));
  EXPECT_EQ(run(p, nullptr, nullptr, 1), SPARSA_INVALID_ARGUMENT);
  EXPECT_TRUE(errorContains("values is null"));
  const char *names[] = {nullptr};
  EXPECT_EQ(run(p, names, &w, 1), SPARSA_INVALID_ARGUMENT);
  EXPECT_TRUE(errorContains("name of runtime parameter 0 is null"));
  sparsa_kernel *out = nullptr;
  EXPECT_EQ(sparsa_compile(compiler, nullptr, opts, &out),
            SPARSA_INVALID_ARGUMENT);
  EXPECT_EQ(sparsa_compile(nullptr, "causal", opts, &out),
            SPARSA_INVALID_ARGUMENT);
  EXPECT_EQ(sparsa_compile(compiler, "causal", opts, nullptr),
            SPARSA_INVALID_ARGUMENT);
  EXPECT_EQ(sparsa_kernel_load(nullptr, nullptr, &out),
            SPARSA_INVALID_ARGUMENT);
  EXPECT_EQ(sparsa_kernel_load("x.so", nullptr, nullptr),
            SPARSA_INVALID_ARGUMENT);
  EXPECT_EQ(sparsa_options_set_name(nullptr, "x"), SPARSA_INVALID_ARGUMENT);
  EXPECT_EQ(sparsa_options_define(opts, nullptr, 1), SPARSA_INVALID_ARGUMENT);
  EXPECT_EQ(sparsa_kernel_stats(kernel, 10, 10, nullptr, &w, 1, nullptr),
            SPARSA_INVALID_ARGUMENT);
  EXPECT_EQ(sparsa_compiler_cache_stats(nullptr, nullptr),
            SPARSA_INVALID_ARGUMENT);
  EXPECT_EQ(sparsa_kernel_name(nullptr), nullptr);
  EXPECT_EQ(sparsa_kernel_head_dim(nullptr), 0);
  sparsa_kernel_free(nullptr);
  sparsa_options_free(nullptr);
  sparsa_compiler_free(nullptr);
  sparsa_compiler_free(sparsa_compiler_global()); // ignored: not owned
}

TEST_F(CAPI, BadTensorsAndParameters) {
  std::mt19937_64 rng(3);
  int64_t w = 1;
  const char *names[] = {"W"}, *unknown[] = {"X"};
  auto expectBad = [&](const std::function<void(Problem &)> &mutate,
                       const char *const *pnames, size_t count,
                       const char *text) {
    Problem p(2, 4, 2, 12, 12, 16, rng);
    mutate(p);
    sparsa_status s = run(p, pnames, &w, count);
    EXPECT_EQ(s, SPARSA_INVALID_ARGUMENT) << text;
    EXPECT_TRUE(errorContains(text)) << sparsa_last_error();
  };
  expectBad([](Problem &p) { p.tq.rank = 5; }, names, 1, "q must have rank 4");
  expectBad([](Problem &p) { p.tk.shape[2] = 11; }, names, 1,
            "must equal k shape");
  expectBad([](Problem &p) { p.tq.strides[3] = 3; }, names, 1,
            "q head dimension must be contiguous");
  expectBad([](Problem &p) { p.tq.shape[1] = p.to.shape[1] = 3; }, names, 1,
            "query heads 3 must be a multiple of key/value heads 2");
  expectBad(
      [](Problem &p) {
        for (sparsa::TensorView *t : {&p.tq, &p.tk, &p.tv, &p.to})
          t->shape[3] = 8;
      },
      names, 1, "head dimension 8 differs from the kernel's 16");
  expectBad([](Problem &) {}, names, 0, "takes 1 runtime parameter (W), got 0");
  expectBad([](Problem &) {}, unknown, 1, "unknown runtime parameter 'X'");
  // An unknown dtype value from a foreign caller.
  Problem p(1, 1, 1, 4, 4, 16, rng);
  sparsa_tensor q = toC(p.tq);
  int32_t bad = 42; // as a foreign caller could pass it
  std::memcpy(&q.dtype, &bad, sizeof(bad));
  EXPECT_EQ(
      sparsa_kernel_run(kernel, &q, &q, &q, &q, nullptr, names, &w, 1, 0, 1),
      SPARSA_INVALID_ARGUMENT);
  EXPECT_TRUE(errorContains("unknown dtype 42"));
  sparsa_tensor bf = toC(p.tq);
  bf.dtype = SPARSA_BF16;
  sparsa_tensor ok = toC(p.tk), o = toC(p.to);
  EXPECT_EQ(
      sparsa_kernel_run(kernel, &bf, &ok, &ok, &o, nullptr, names, &w, 1, 0, 1),
      SPARSA_INVALID_ARGUMENT);
  EXPECT_TRUE(errorContains("q must be f32"));
  EXPECT_EQ(sparsa_kernel_run(kernel, &ok, &ok, &ok, &o, nullptr, names, &w, 1,
                              -1.0f, 1),
            SPARSA_INVALID_ARGUMENT);
  EXPECT_TRUE(errorContains("softmax scale"));
  int64_t shape[2] = {2, 3};
  EXPECT_EQ(sparsa_tensor_f32(nullptr, 7, shape).rank, -1);
  EXPECT_EQ(sparsa_tensor_f32(nullptr, 2, nullptr).rank, -1);
  sparsa_tensor dense = sparsa_tensor_f32(nullptr, 2, shape);
  EXPECT_EQ(dense.strides[0], 3);
  EXPECT_EQ(dense.strides[1], 1);
}

TEST_F(CAPI, CompileErrorsAndLoad) {
  sparsa_kernel *out = nullptr;
  sparsa_options *o = sparsa_options_create();
  ASSERT_EQ(sparsa_options_set_file_name(o, "bad.sparsa"), SPARSA_OK);
  EXPECT_EQ(sparsa_compile(compiler, "causal &\n", o, &out), SPARSA_SPEC_ERROR);
  EXPECT_EQ(out, nullptr);
  EXPECT_TRUE(errorContains("bad.sparsa:"));
  EXPECT_TRUE(errorContains("^"));
  EXPECT_EQ(sparsa_options_set_target(o, "gpu9000"), SPARSA_OK);
  EXPECT_EQ(sparsa_compile(compiler, "causal", o, &out), SPARSA_UNSUPPORTED);
  EXPECT_EQ(sparsa_compile_file(compiler, "/nonexistent.sparsa", nullptr, &out),
            SPARSA_NOT_FOUND);
  sparsa_options_free(o);

  std::string path = testing::TempDir() + "/sparsa-capi-swa.so";
  ASSERT_EQ(sparsa_emit_shared_library(
                compiler, "param W : runtime\ncausal & window(W, 0)\n", opts,
                path.c_str()),
            SPARSA_OK)
      << sparsa_last_error();
  sparsa_kernel *loaded = nullptr;
  ASSERT_EQ(sparsa_kernel_load(path.c_str(), "swa", &loaded), SPARSA_OK)
      << sparsa_last_error();
  std::mt19937_64 rng(5);
  Problem p(1, 2, 2, 19, 19, 16, rng);
  sparsa_tensor q = toC(p.tq), k = toC(p.tk), v = toC(p.tv), ot = toC(p.to);
  int64_t w = 3;
  ASSERT_EQ(
      sparsa_kernel_run(loaded, &q, &k, &v, &ot, nullptr, nullptr, &w, 1, 0, 1),
      SPARSA_OK)
      << sparsa_last_error();
  EXPECT_TRUE(compareWithReference(
                  p,
                  [](int64_t, int64_t qq, int64_t kk) {
                    return kk <= qq && kk >= qq - 3;
                  },
                  false)
                  .ok());
  sparsa_stats st;
  EXPECT_EQ(sparsa_kernel_stats(loaded, 8, 8, nullptr, &w, 1, &st),
            SPARSA_UNSUPPORTED);
  sparsa_kernel_free(loaded);
  EXPECT_EQ(sparsa_kernel_load(path.c_str(), "nope", &loaded),
            SPARSA_NOT_FOUND);
  EXPECT_EQ(loaded, nullptr);
  std::remove(path.c_str());
}

TEST_F(CAPI, RuntimeParameterValueTheMaskRejects) {
  std::mt19937_64 rng(3);
  Problem p(1, 2, 2, 12, 12, 16, rng);
  int64_t w = -3;
  EXPECT_EQ(run(p, nullptr, &w, 1), SPARSA_INVALID_ARGUMENT);
  EXPECT_TRUE(errorContains("window: 'before' (from W) must be non-negative "
                            "(given W = -3, Nq = 12, Nk = 12)"))
      << sparsa_last_error();
  for (float x : p.o)
    ASSERT_TRUE(std::isnan(x)) << "output written on error";
  w = 0;
  EXPECT_EQ(run(p, nullptr, &w, 1), SPARSA_OK) << sparsa_last_error();
}

TEST_F(CAPI, LimitsAreCheckedBeforeAnythingIsRead) {
  std::mt19937_64 rng(std::random_device{}());
  Problem p(1, 2, 2, 12, 12, 16, rng);
  sparsa_tensor q = toC(p.tq), k = toC(p.tk), v = toC(p.tv), o = toC(p.to),
                l = toC(p.tlse);
  int64_t w = 2;
  const char *names[] = {"W"};
  // A count larger than the arrays: refused before they are read (a huge
  // count read them out of bounds or allocated that many values).
  for (size_t count : {size_t(2), size_t(1) << 20, size_t(1) << 62, SIZE_MAX}) {
    for (const char *const *n :
         {(const char *const *)names, (const char *const *)nullptr}) {
      EXPECT_EQ(
          sparsa_kernel_run(kernel, &q, &k, &v, &o, &l, n, &w, count, 0.0f, 1),
          SPARSA_INVALID_ARGUMENT);
      EXPECT_TRUE(errorContains(("kernel 'swa' takes 1 runtime parameter "
                                 "(W), got " +
                                 std::to_string(count))
                                    .c_str()))
          << sparsa_last_error();
      sparsa_stats stats;
      EXPECT_EQ(sparsa_kernel_stats(kernel, 16, 16, n, &w, count, &stats),
                SPARSA_INVALID_ARGUMENT);
      EXPECT_TRUE(errorContains("takes 1 runtime parameter")) << count;
    }
  }
  EXPECT_EQ(sparsa_kernel_run(kernel, &q, &k, &v, &o, &l, names, &w, 1, 0.0f,
                              UINT32_MAX),
            SPARSA_INVALID_ARGUMENT);
  EXPECT_TRUE(errorContains("threads 4294967295 exceeds the maximum of 1024"))
      << sparsa_last_error();
  EXPECT_EQ(
      sparsa_kernel_run(kernel, &q, &k, &v, &o, &l, names, &w, 1, INFINITY, 1),
      SPARSA_INVALID_ARGUMENT);
  EXPECT_TRUE(errorContains("softmax scale inf must be positive"));
  // out is k.
  EXPECT_EQ(
      sparsa_kernel_run(kernel, &q, &k, &v, &k, &l, names, &w, 1, 0.0f, 1),
      SPARSA_INVALID_ARGUMENT);
  EXPECT_TRUE(errorContains("out overlaps k in memory"));
  for (float x : p.o)
    ASSERT_TRUE(std::isnan(x)) << "output written on error";
  // The limits themselves are accepted.
  EXPECT_EQ(sparsa_kernel_run(kernel, &q, &k, &v, &o, &l, names, &w, 1, 0.25f,
                              SPARSA_MAX_THREADS),
            SPARSA_OK)
      << sparsa_last_error();
}
