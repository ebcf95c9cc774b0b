//===- RuntimeLoaderTest.cpp - AOT kernels through libsparsa_runtime ------===//
//
// A pattern written to a shared library (the same emitter as `sparsac
// --emit=so`) is loaded by the MLIR-free loader and must compute what the
// definition says; every way loading can go wrong is a clear error.
//
//===----------------------------------------------------------------------===//

#include "test/unit/JIT/JITTestUtil.h"

#include "sparsa/Compiler.h"
#include "sparsa/Runtime.h"

#include "gtest/gtest.h"

#include <cstdio>
#include <fstream>

using namespace sparsa;
using namespace sparsa::jittest;

namespace {
std::string tempPath(const std::string &name) {
  return testing::TempDir() + "/sparsa-loader-" + name;
}
CompileOptions options(const std::string &name) {
  CompileOptions o;
  o.headDim = 16;
  o.blockQ = o.blockK = 16;
  o.name = name;
  return o;
}
} // namespace

TEST(RuntimeLoader, LoadsAndRunsAnEmittedLibrary) {
  std::string path = tempPath("swa.so");
  Compiler c;
  // Two parts after the layout plan (a window and gathered global columns)
  // and a runtime parameter.
  Status s = c.emitSharedLibrary(
      "param W : runtime\n(causal & window(W, 0)) | global_cols(0..3)\n",
      options("swa"), path);
  ASSERT_TRUE(s) << s.message();
  auto names = listKernels(path);
  ASSERT_TRUE(names) << names.message();
  EXPECT_EQ(*names, std::vector<std::string>{"swa"});
  for (std::string name : {"", "swa"}) {
    auto k = loadKernel(path, name);
    ASSERT_TRUE(k) << k.message();
    EXPECT_EQ(k->info().name, "swa");
    EXPECT_EQ(k->info().headDim, 16);
    EXPECT_EQ(k->info().blockQ, 16);
    EXPECT_TRUE(k->info().aheadOfTime);
    EXPECT_EQ(k->info().params, std::vector<std::string>{"W"});
    std::mt19937_64 rng(3);
    for (int64_t w : {0, 4}) {
      Problem p(2, 4, 2, 41, 41, 16, rng);
      Status r = k->run(p.tq, p.tk, p.tv, p.to, &p.tlse, Params().set("W", w));
      ASSERT_TRUE(r) << r.message();
      Check chk = compareWithReference(
          p,
          [w](int64_t, int64_t q, int64_t kk) {
            return (kk <= q && kk >= q - w) || kk < 3;
          },
          true);
      EXPECT_TRUE(chk.ok()) << chk.maxErr;
    }
    auto stats = k->stats(64, -1, Params().set("W", 1));
    ASSERT_FALSE(stats);
    EXPECT_EQ(stats.code(), ErrorCode::Unsupported);
  }
  // The kernel keeps the library mapped after the last load call returns.
  auto k = loadKernel(path);
  ASSERT_TRUE(k);
  Kernel copy = *k;
  std::remove(path.c_str());
  std::mt19937_64 rng(4);
  Problem p(1, 1, 1, 8, 8, 16, rng);
  EXPECT_TRUE(
      copy.run(p.tq, p.tk, p.tv, p.to, nullptr, Params::positional({2})));
}

TEST(RuntimeLoader, LoadErrors) {
  auto missing = loadKernel(tempPath("does-not-exist.so"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.code(), ErrorCode::NotFound);
  EXPECT_NE(missing.message().find("cannot load"), std::string::npos);

  std::string text = tempPath("not-a-library.so");
  std::ofstream(text) << "hello\n";
  auto garbage = loadKernel(text);
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.code(), ErrorCode::InvalidArgument);
  EXPECT_NE(garbage.message().find("is not a sparsa kernel library or "
                                   "damaged; rebuild it"),
            std::string::npos)
      << garbage.message();
  std::remove(text.c_str());

  std::string path = tempPath("causal.so");
  Compiler c;
  ASSERT_TRUE(c.emitSharedLibrary("causal", options("causal"), path));
  auto wrong = loadKernel(path, "window");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.code(), ErrorCode::NotFound);
  EXPECT_NE(wrong.message().find("no attention 'window'"), std::string::npos);
  EXPECT_NE(wrong.message().find("it has: causal"), std::string::npos);
  EXPECT_FALSE(loadKernel(""));
  std::remove(path.c_str());
}

TEST(RuntimeLoader, LibraryChecksRuntimeParameters) {
  // The library carries the pattern's parameter check: a stride of 0 is a
  // clear error instead of a division by zero in the kernel.
  std::string path = tempPath("stride.so");
  Compiler c;
  Status s = c.emitSharedLibrary("param S : runtime\ncausal & stride(S)\n",
                                 options("st"), path);
  ASSERT_TRUE(s) << s.message();
  auto k = loadKernel(path);
  ASSERT_TRUE(k) << k.message();
  std::mt19937_64 rng(5);
  Problem p(1, 2, 2, 30, 30, 16, rng);
  Status r = k->run(p.tq, p.tk, p.tv, p.to, &p.tlse, Params().set("S", 0));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.code(), ErrorCode::InvalidArgument);
  EXPECT_NE(r.message().find("stride: 'period' (from S) must be positive "
                             "(given S = 0, Nq = 30, Nk = 30)"),
            std::string::npos)
      << r.message();
  for (float x : p.o)
    ASSERT_TRUE(std::isnan(x)) << "output written on error";
  r = k->run(p.tq, p.tk, p.tv, p.to, &p.tlse, Params().set("S", 3));
  ASSERT_TRUE(r) << r.message();
  EXPECT_TRUE(compareWithReference(
                  p,
                  [](int64_t, int64_t q, int64_t kk) {
                    return kk <= q && (q - kk) % 3 == 0;
                  },
                  true)
                  .ok());
  std::remove(path.c_str());
}
