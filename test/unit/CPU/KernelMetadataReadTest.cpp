//===- KernelMetadataReadTest.cpp - reading back `sparsa.kernel` ----------===//
//
// readKernelMetadata turns a CPU kernel's `sparsa.kernel` dictionary into
// the one kernel metadata struct, and refuses a dictionary it does not
// fully understand instead of reading a missing key as 0.
//
//===----------------------------------------------------------------------===//

#include "lib/Target/CPU/CPUTarget.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

using namespace mlir;

namespace {

const char *kValid =
    "{block_q = 64 : i64, block_k = 32 : i64, head_dim = 128 : i64, "
    "vector_width = 16 : i64, param_names = [\"W\", \"G\"], "
    "covers_all_queries = false}";

class KernelMetadataRead : public ::testing::Test {
protected:
  /// kValid with `from` replaced by `to`.
  DictionaryAttr changed(const std::string &from, const std::string &to) {
    std::string text = kValid;
    size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos)
      text.replace(at, from.size(), to);
    auto a = dyn_cast_or_null<DictionaryAttr>(parseAttribute(text, &ctx));
    EXPECT_TRUE(a) << text;
    return a;
  }

  std::string error(DictionaryAttr meta) {
    auto k = sparsa::cpu::readKernelMetadata("p_part0", meta);
    EXPECT_FALSE(k);
    return k ? "" : llvm::toString(k.takeError());
  }

  MLIRContext ctx;
};

TEST_F(KernelMetadataRead, Reads) {
  auto k = sparsa::cpu::readKernelMetadata("p_part0", changed("", ""));
  ASSERT_TRUE(bool(k)) << llvm::toString(k.takeError());
  EXPECT_EQ(k->symbol, "p_part0");
  EXPECT_EQ(k->blockQ, 64);
  EXPECT_EQ(k->blockK, 32);
  EXPECT_EQ(k->headDim, 128);
  EXPECT_EQ(k->vectorWidth, 16);
  EXPECT_EQ(k->params, (std::vector<std::string>{"W", "G"}));
  EXPECT_FALSE(k->coversAllQueries);
}

TEST_F(KernelMetadataRead, Errors) {
  EXPECT_EQ(error(changed("vector_width = 16 : i64, ", "")),
            "kernel 'p_part0': its sparsa.kernel attribute lacks "
            "'vector_width'");
  EXPECT_EQ(error(changed("head_dim = 128 : i64", "head_dim = \"128\"")),
            "kernel 'p_part0': its sparsa.kernel attribute holds a value of "
            "another type at 'head_dim'");
  EXPECT_EQ(error(changed("covers_all_queries = false",
                          "covers_all_queries = 0 : i64")),
            "kernel 'p_part0': its sparsa.kernel attribute holds a value of "
            "another type at 'covers_all_queries'");
  EXPECT_EQ(error(changed("[\"W\", \"G\"]", "[\"W\", 2]")),
            "kernel 'p_part0': its sparsa.kernel attribute holds a parameter "
            "name that is not a string");
  EXPECT_EQ(error(changed("[\"W\", \"G\"]", "\"W\"")),
            "kernel 'p_part0': its sparsa.kernel attribute holds a value of "
            "another type at 'param_names'");
  EXPECT_EQ(error(changed("block_q = 64 : i64",
                          "block_q = 64 : i64, threads = 128 : i64")),
            "kernel 'p_part0': its sparsa.kernel attribute has the unknown "
            "key 'threads'");
}

TEST_F(KernelMetadataRead, AttentionsNameKernels) {
  OwningOpRef<ModuleOp> m = parseSourceString<ModuleOp>(
      "module attributes {sparsa.attentions = {a = [\"a_part0\"]}} {}", &ctx);
  ASSERT_TRUE(m);
  auto atts = sparsa::cpu::collectAttentions(*m);
  ASSERT_FALSE(atts);
  EXPECT_EQ(llvm::toString(atts.takeError()),
            "attention 'a' names a part that is no kernel of the module");
}

} // namespace
