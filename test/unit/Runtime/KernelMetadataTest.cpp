//===- KernelMetadataTest.cpp - the kernel metadata text and its parser ---===//
//
// Round trips of both targets and one test per parser error: the reader
// must refuse what it does not understand instead of defaulting to 0.
//
//===----------------------------------------------------------------------===//

#include "lib/Runtime/KernelMetadata.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace sparsa::runtime;

namespace {

AttentionMetadata cpuAttention() {
  AttentionMetadata a;
  a.name = "swa";
  a.target = "cpu";
  PartMetadata p;
  p.symbol = "swa_part0";
  p.headDim = 64;
  p.blockQ = 32;
  p.blockK = 16;
  p.vectorWidth = 8;
  p.coversAllQueries = false;
  p.params = {"W", "G"};
  a.parts = {p};
  a.paramCheck = "swa_check_params";
  a.paramRules = {"window: W must be non-negative", "G > 0"};
  return a;
}

AttentionMetadata cudaAttention() {
  AttentionMetadata a;
  a.name = "strided";
  a.target = "cuda";
  a.chip = "sm_90a";
  a.imageFormat = "bin";
  PartMetadata p;
  p.symbol = "strided_part0";
  p.headDim = 128;
  p.blockQ = 64;
  p.blockK = 64;
  p.threads = 128;
  p.sharedBytes = 49152;
  p.elementType = "f16";
  p.queryMap = {TokenMapKind::memberGather, 1, 0, {0, 5, 17}};
  a.parts.push_back(p);
  p.symbol = "strided_part1";
  p.queryMap = {TokenMapKind::summaryGather, 8, 3, {}};
  p.elementType = "f16";
  a.parts.push_back(p);
  return a;
}

const char *kCPU = "sparsa-attention 6\nname a\ntarget cpu\n";
const char *kPart = "part a_part0 head_dim=64 block_q=32 block_k=32 "
                    "covers_all_queries=1 params= vector_width=8\n";

std::string parseError(const std::string &text,
                       const char *expectedTarget = nullptr) {
  AttentionMetadata out;
  std::string error;
  EXPECT_FALSE(parseAttentionMetadata(text, out, error, expectedTarget))
      << text;
  return error;
}

TEST(KernelMetadata, RoundTripsBothTargets) {
  for (const AttentionMetadata &a : {cpuAttention(), cudaAttention()}) {
    std::string text = formatAttentionMetadata(a);
    AttentionMetadata back;
    std::string error;
    ASSERT_TRUE(parseAttentionMetadata(text, back, error)) << error << text;
    EXPECT_EQ(back, a) << text;
    EXPECT_EQ(formatAttentionMetadata(back), text);
  }
}

TEST(KernelMetadata, CPUText) {
  EXPECT_EQ(formatAttentionMetadata(cpuAttention()),
            "sparsa-attention 6\nname swa\ntarget cpu\n"
            "part swa_part0 head_dim=64 block_q=32 block_k=16 "
            "covers_all_queries=0 params=W,G vector_width=8\n"
            "check swa_check_params\nrule window: W must be non-negative\n"
            "rule G > 0\n");
}

TEST(KernelMetadata, KeysInAnyOrder) {
  AttentionMetadata out;
  std::string error;
  ASSERT_TRUE(parseAttentionMetadata(
      std::string(kCPU) + "part a_part0 vector_width=4 params=X block_k=8 "
                          "covers_all_queries=0 block_q=16 head_dim=32\n",
      out, error))
      << error;
  EXPECT_EQ(out.parts[0].vectorWidth, 4);
  EXPECT_EQ(out.parts[0].params, std::vector<std::string>{"X"});
}

TEST(KernelMetadata, Versions) {
  EXPECT_EQ(parseError("sparsa-attention 3\nname a\npart a_part0 head_dim=64 "
                       "block_q=32 block_k=32 vector_width=8 "
                       "covers_all_queries=1 params=\n"),
            "the library was built by another sparsa (sparsa-attention 3, "
            "this runtime reads version 6): rebuild it");
  EXPECT_EQ(parseError("sparsa-attention 5\nname a\ntarget cpu\n"),
            "the library was built by another sparsa (sparsa-attention 5, "
            "this runtime reads version 6): rebuild it");
  EXPECT_EQ(parseError("sparsa-attention 7\nname a\n"),
            "the library was built by another sparsa (sparsa-attention 7, "
            "this runtime reads version 6): rebuild it");
  EXPECT_EQ(parseError("hello\n"),
            "not sparsa attention metadata (expected 'sparsa-attention 6')");
  EXPECT_EQ(parseError(""),
            "not sparsa attention metadata (expected 'sparsa-attention 6')");
}

TEST(KernelMetadata, BackwardLine) {
  AttentionMetadata a = cpuAttention();
  a.hasBackward = true;
  a.backwardDq = {"swa_part0"};
  a.backwardDkdv = {"swa_key_part0", "swa_key_part1"};
  std::string text = formatAttentionMetadata(a);
  EXPECT_NE(text.find("\nbackward dq=swa_part0 dkdv=swa_key_part0,"
                      "swa_key_part1\ncheck "),
            std::string::npos)
      << text;
  AttentionMetadata back;
  std::string error;
  ASSERT_TRUE(parseAttentionMetadata(text, back, error)) << error;
  EXPECT_EQ(back, a);
  std::string base = std::string(kCPU) + kPart;
  EXPECT_EQ(parseError(base + "backward dq=a_part0\n"),
            "backward of 'a': missing key 'dkdv'");
  EXPECT_EQ(parseError(base + "backward dq=a_part0 dkdv=a_key_part0 x=1\n"),
            "backward of 'a': unknown key 'x'");
  EXPECT_EQ(parseError(base + "backward dq= dkdv=a_key_part0\n"),
            "backward of 'a': needs dq and dkdv parts");
  EXPECT_EQ(parseError(base + "backward dq=a_part0,, dkdv=k\n"),
            "backward of 'a': empty name in dq=a_part0,,");
  // Once, after the parts.
  EXPECT_EQ(parseError(base + "backward dq=p dkdv=k\nbackward dq=p dkdv=k\n"),
            "malformed attention metadata line 'backward dq=p dkdv=k'");
  EXPECT_EQ(parseError(base + "backward dq=p dkdv=k\n" + kPart),
            "malformed attention metadata line '" +
                std::string(kPart).substr(0, std::string(kPart).size() - 1) +
                "'");
}

TEST(KernelMetadata, HeaderLines) {
  EXPECT_EQ(parseError("sparsa-attention 6\ntarget cpu\n"),
            "attention metadata lacks the 'name NAME' line");
  EXPECT_EQ(parseError("sparsa-attention 6\nname a\n" + std::string(kPart)),
            "attention metadata of 'a' lacks the 'target cpu|cuda' line");
  EXPECT_EQ(parseError("sparsa-attention 6\nname a\ntarget tpu\n"),
            "attention 'a' has unknown target 'tpu' (expected cpu or cuda)");
  EXPECT_EQ(parseError(kCPU), "attention 'a' has no parts");
  EXPECT_EQ(parseError(std::string(kCPU) + kPart, "cuda"),
            "attention 'a' is compiled for cpu, not cuda");
}

TEST(KernelMetadata, MalformedLines) {
  EXPECT_EQ(parseError(std::string(kCPU) + "kernel a_part0\n"),
            "malformed attention metadata line 'kernel a_part0'");
  EXPECT_EQ(parseError(std::string(kCPU) + kPart + "rule x\n"),
            "malformed attention metadata line 'rule x'");
  EXPECT_EQ(parseError(std::string(kCPU) + kPart + "check c\n" + kPart),
            "malformed attention metadata line '" +
                std::string(kPart, std::strlen(kPart) - 1) + "'");
  EXPECT_EQ(parseError(std::string(kCPU) + kPart + "check c\ncheck d\n"),
            "malformed attention metadata line 'check d'");
  EXPECT_EQ(parseError(std::string(kCPU) + "part a_part0 head_dim 64\n"),
            "part 'a_part0': malformed word 'head_dim' (expected key=value)");
}

TEST(KernelMetadata, Keys) {
  std::string base = std::string(kCPU) + "part a_part0 head_dim=64 "
                                         "block_q=32 block_k=32 params= ";
  EXPECT_EQ(parseError(base + "covers_all_queries=1\n"),
            "part 'a_part0': missing key 'vector_width'");
  EXPECT_EQ(parseError(base + "vector_width=8\n"),
            "part 'a_part0': missing key 'covers_all_queries'");
  EXPECT_EQ(parseError(base + "covers_all_queries=1 vector_width=8 tile=4\n"),
            "part 'a_part0': unknown key 'tile'");
  // A CUDA key is unknown in a CPU part.
  EXPECT_EQ(
      parseError(base + "covers_all_queries=1 vector_width=8 threads=128\n"),
      "part 'a_part0': unknown key 'threads'");
  EXPECT_EQ(
      parseError(base + "covers_all_queries=1 vector_width=8 block_q=64\n"),
      "part 'a_part0': repeated key 'block_q'");
}

TEST(KernelMetadata, Numbers) {
  auto part = [](const std::string &headDim, const std::string &covers,
                 const std::string &params = "") {
    return std::string(kCPU) + "part a_part0 head_dim=" + headDim +
           " block_q=32 block_k=32 covers_all_queries=" + covers +
           " params=" + params + " vector_width=8\n";
  };
  EXPECT_EQ(parseError(part("", "1")),
            "part 'a_part0': malformed number head_dim=");
  EXPECT_EQ(parseError(part("6x4", "1")),
            "part 'a_part0': malformed number head_dim=6x4");
  EXPECT_EQ(parseError(part("+64", "1")),
            "part 'a_part0': malformed number head_dim=+64");
  EXPECT_EQ(parseError(part("99999999999999999999", "1")),
            "part 'a_part0': malformed number head_dim=99999999999999999999");
  EXPECT_EQ(parseError(part("0", "1")),
            "part 'a_part0': head_dim=0 is below 1");
  EXPECT_EQ(parseError(part("64", "2")),
            "part 'a_part0': malformed flag covers_all_queries=2 (expected 0 "
            "or 1)");
  EXPECT_EQ(parseError(part("64", "1", "W,,G")),
            "part 'a_part0': empty name in params=W,,G");
}

TEST(KernelMetadata, CUDAKeys) {
  std::string text = formatAttentionMetadata(cudaAttention());
  auto replaced = [&](const std::string &from, const std::string &to) {
    std::string t = text;
    t.replace(t.find(from), from.size(), to);
    return t;
  };
  EXPECT_EQ(parseError(replaced("query_map=member_gather", "query_map=ring")),
            "part 'strided_part0': unknown query_map kind 'ring'");
  EXPECT_EQ(parseError(replaced("element_type=f16", "element_type=f32")),
            "part 'strided_part0': unknown element_type 'f32' (expected bf16 "
            "or f16)");
  EXPECT_EQ(parseError(replaced("members=0,5,17", "members=0,x")),
            "part 'strided_part0': malformed number list members=0,x");
  EXPECT_EQ(parseError(replaced(" threads=128", "")),
            "part 'strided_part0': missing key 'threads'");
  EXPECT_EQ(parseError(replaced(" threads=128", " vector_width=8")),
            "part 'strided_part0': unknown key 'vector_width'");
  EXPECT_EQ(parseError(replaced("period=8 count=3", "period=8 count=9")),
            "part 'strided_part1': a summary_gather map's count exceeds its "
            "period");
  EXPECT_EQ(parseError(replaced("period=8", "period=0")),
            "part 'strided_part1': period=0 is below 1");
}

TEST(KernelMetadata, CUDAImageLine) {
  std::string text = formatAttentionMetadata(cudaAttention());
  EXPECT_NE(text.find("\ntarget cuda\nimage chip=sm_90a format=bin\npart "),
            std::string::npos)
      << text;
  auto replaced = [&](const std::string &from, const std::string &to) {
    std::string t = text;
    t.replace(t.find(from), from.size(), to);
    return t;
  };
  EXPECT_EQ(parseError(replaced("image chip=sm_90a format=bin\n", "")),
            "attention metadata of 'strided' lacks the 'image chip=sm_XX "
            "format=bin|isa' line");
  EXPECT_EQ(parseError(replaced("chip=sm_90a", "chip=gfx90a")),
            "the image line of 'strided': malformed chip 'gfx90a' (expected "
            "sm_XX)");
  EXPECT_EQ(parseError(replaced("format=bin", "format=fatbin")),
            "the image line of 'strided': unknown image format 'fatbin' "
            "(expected bin or isa)");
  EXPECT_EQ(parseError(replaced(" format=bin", "")),
            "the image line of 'strided': missing key 'format'");
  // A CPU attention has no image line.
  EXPECT_EQ(
      parseError(std::string(kCPU) + "image chip=sm_90 format=bin\n" + kPart),
      "malformed attention metadata line 'image chip=sm_90 "
      "format=bin'");
}

TEST(KernelMetadata, TokenMapKinds) {
  for (TokenMapKind k :
       {TokenMapKind::identity, TokenMapKind::residue,
        TokenMapKind::summaryGather, TokenMapKind::memberGather})
    EXPECT_EQ(parseTokenMapKind(tokenMapKindName(k)), k);
  EXPECT_EQ(parseTokenMapKind("summaryGather"), std::nullopt);
}

TEST(KernelMetadata, Module) {
  std::vector<std::string> names;
  std::string error;
  ASSERT_TRUE(
      parseModuleMetadata(formatModuleMetadata({"a", "b"}), names, error));
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(parseModuleMetadata("sparsa-module 2\n", names, error));
  EXPECT_EQ(error, "unsupported module metadata version");
}

} // namespace
