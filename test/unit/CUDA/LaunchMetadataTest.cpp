//===- LaunchMetadataTest.cpp - reading back `sparsa.cuda` attributes -----===//
//
// readLaunchMetadata turns a kernel's `sparsa.cuda` dictionary into the one
// kernel metadata struct, and refuses a dictionary it does not fully
// understand instead of reading a missing key as 0.
//
//===----------------------------------------------------------------------===//

#include "lib/Target/CUDA/CUDATarget.h"

#include "dialects/SAttn/IR/SAttnDialect.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

using namespace mlir;
using sparsa::runtime::TokenMapKind;

namespace {

const char *kValid =
    "{block_q = 64 : i64, block_k = 32 : i64, head_dim = 128 : i64, "
    "threads = 128 : i64, shared_bytes = 4096 : i64, num_params = 1 : i64, "
    "param_names = [\"W\"], query_map = #sattn.token_map<residue, period = "
    "4>, covers_all_queries = false, element_type = f16}";

class LaunchMetadata : public ::testing::Test {
protected:
  LaunchMetadata() { ctx.loadDialect<sparsa::sattn::SAttnDialect>(); }

  DictionaryAttr dict(const std::string &text) {
    auto a = dyn_cast_or_null<DictionaryAttr>(parseAttribute(text, &ctx));
    EXPECT_TRUE(a) << text;
    return a;
  }

  /// kValid with `from` replaced by `to`.
  DictionaryAttr changed(const std::string &from, const std::string &to) {
    std::string text = kValid;
    size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return dict(text.replace(at, from.size(), to));
  }

  std::string error(DictionaryAttr meta) {
    auto k = sparsa::cuda::readLaunchMetadata("p_part0", meta);
    EXPECT_FALSE(k);
    return k ? "" : llvm::toString(k.takeError());
  }

  MLIRContext ctx;
};

TEST_F(LaunchMetadata, Reads) {
  auto k = sparsa::cuda::readLaunchMetadata("p_part0", dict(kValid));
  ASSERT_TRUE(bool(k)) << llvm::toString(k.takeError());
  EXPECT_EQ(k->symbol, "p_part0");
  EXPECT_EQ(k->blockQ, 64);
  EXPECT_EQ(k->blockK, 32);
  EXPECT_EQ(k->headDim, 128);
  EXPECT_EQ(k->threads, 128);
  EXPECT_EQ(k->sharedBytes, 4096);
  EXPECT_EQ(k->params, std::vector<std::string>{"W"});
  EXPECT_EQ(k->queryMap.kind, TokenMapKind::residue);
  EXPECT_EQ(k->queryMap.period, 4);
  EXPECT_FALSE(k->coversAllQueries);
  EXPECT_EQ(k->elementType, "f16");
}

TEST_F(LaunchMetadata, Errors) {
  EXPECT_EQ(error(changed("threads = 128 : i64, ", "")),
            "kernel 'p_part0': its sparsa.cuda attribute lacks 'threads'");
  EXPECT_EQ(error(changed("threads = 128 : i64", "threads = \"128\"")),
            "kernel 'p_part0': its sparsa.cuda attribute holds a value of "
            "another type at 'threads'");
  EXPECT_EQ(error(changed("block_q = 64 : i64", "block_q = 64 : i64, "
                                                "vector_width = 8 : i64")),
            "kernel 'p_part0': its sparsa.cuda attribute has the unknown key "
            "'vector_width'");
  EXPECT_EQ(error(changed("element_type = f16", "element_type = f32")),
            "kernel 'p_part0': its sparsa.cuda attribute holds an element "
            "type other than bf16 or f16");
  EXPECT_EQ(error(changed("num_params = 1", "num_params = 2")),
            "kernel 'p_part0': its sparsa.cuda attribute has num_params 2 but "
            "1 parameter names");
  EXPECT_EQ(error(changed("[\"W\"]", "[3]")),
            "kernel 'p_part0': its sparsa.cuda attribute holds a parameter "
            "name that is not a string");
}

TEST_F(LaunchMetadata, Attentions) {
  OwningOpRef<ModuleOp> m = parseSourceString<ModuleOp>(
      "module attributes {sparsa.attentions = {a = [\"a_part0\"]}} {}", &ctx);
  ASSERT_TRUE(m);
  auto part = sparsa::cuda::readLaunchMetadata("a_part0", dict(kValid));
  ASSERT_TRUE(bool(part)) << llvm::toString(part.takeError());
  auto lone = sparsa::cuda::readLaunchMetadata("b", dict(kValid));
  ASSERT_TRUE(bool(lone)) << llvm::toString(lone.takeError());
  std::vector<sparsa::runtime::AttentionMetadata> out;
  ASSERT_FALSE(bool(sparsa::cuda::groupAttentions(*m, {*part, *lone}, out)));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].name, "a");
  EXPECT_EQ(out[0].target, "cuda");
  EXPECT_EQ(out[0].parts.size(), 1u);
  EXPECT_EQ(out[1].name, "b");
  out.clear();
  llvm::Error e = sparsa::cuda::groupAttentions(*m, {*lone}, out);
  EXPECT_EQ(llvm::toString(std::move(e)),
            "attention 'a' names a part that is no kernel of the module");
}

} // namespace
