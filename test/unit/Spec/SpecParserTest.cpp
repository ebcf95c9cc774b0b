//===- SpecParserTest.cpp - the front end's API contract ------------------===//
//
// What lit cannot see conveniently: the locations on every op, the pattern
// function's signature and attributes, and how -D changes it.
//
//===----------------------------------------------------------------------===//

#include "lib/Spec/SpecParser.h"
#include "dialects/Mask/IR/MaskOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include "gtest/gtest.h"

using namespace mlir;
using namespace sparsa;

namespace {
class SpecParserTest : public ::testing::Test {
protected:
  SpecParserTest()
      : handler(&ctx, [this](Diagnostic &d) {
          if (d.getSeverity() == DiagnosticSeverity::Error)
            errors += d.str() + "\n";
          return success();
        }) {}

  OwningOpRef<ModuleOp> parse(StringRef text,
                              const spec::SpecOptions &opts = {}) {
    sm = std::make_unique<llvm::SourceMgr>();
    sm->AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(text, "t.sp"),
                           llvm::SMLoc());
    errors.clear();
    return spec::parseSpec(*sm, &ctx, opts);
  }
  func::FuncOp fn(ModuleOp m) { return *m.getOps<func::FuncOp>().begin(); }

  MLIRContext ctx;
  ScopedDiagnosticHandler handler;
  std::unique_ptr<llvm::SourceMgr> sm;
  std::string errors;
};

TEST_F(SpecParserTest, EveryOpHasTheLocationOfItsConstruct) {
  auto m = parse("param W : runtime\n"
                 "causal &\n"
                 "  window(W / 2, 0)\n");
  ASSERT_TRUE(m) << errors;
  int checked = 0;
  fn(*m).walk([&](Operation *op) {
    auto loc = dyn_cast<FileLineColLoc>(op->getLoc());
    ASSERT_TRUE(loc) << op->getName().getStringRef().str();
    EXPECT_EQ(loc.getFilename().getValue(), "t.sp");
    std::pair<unsigned, unsigned> at = {loc.getLine(), loc.getColumn()};
    if (isa<mask::WindowOp>(op))
      EXPECT_EQ(at, std::make_pair(3u, 3u));
    else if (isa<mask::CausalOp>(op))
      EXPECT_EQ(at, std::make_pair(2u, 1u));
    else if (isa<mask::IntersectOp>(op))
      EXPECT_EQ(at, std::make_pair(2u, 8u));
    else if (op->getName().getStringRef() == "arith.floordivsi")
      EXPECT_EQ(at, std::make_pair(3u, 12u));
    else
      return;
    ++checked;
  });
  EXPECT_EQ(checked, 4);
}

TEST_F(SpecParserTest, RuntimeParametersAreArgumentsInDeclarationOrder) {
  spec::SpecOptions opts;
  opts.name = "swa";
  auto m = parse("param B : runtime\nparam C = 3\nparam A : runtime\n"
                 "window(A, B) | prefix(C)",
                 opts);
  ASSERT_TRUE(m) << errors;
  func::FuncOp f = fn(*m);
  EXPECT_EQ(f.getSymName(), "swa");
  EXPECT_TRUE(f->hasAttr(spec::kPatternAttrName));
  ASSERT_EQ(f.getNumArguments(), 2u);
  EXPECT_TRUE(f.getArgument(0).getType().isIndex());
  EXPECT_EQ(f.getArgAttrOfType<StringAttr>(0, spec::kParamAttrName).getValue(),
            "B");
  EXPECT_EQ(f.getArgAttrOfType<StringAttr>(1, spec::kParamAttrName).getValue(),
            "A");
  EXPECT_TRUE(isa<mask::MaskType>(f.getResultTypes()[0]));
}

TEST_F(SpecParserTest, DefineOverridesAndBindsParameters) {
  spec::SpecOptions opts;
  opts.defines["W"] = 7;
  opts.defines["R"] = 2;
  auto m = parse("param W = 3\nparam R : runtime\nwindow(W, R)", opts);
  ASSERT_TRUE(m) << errors;
  EXPECT_EQ(fn(*m).getNumArguments(), 0u);
  mask::WindowOp w = *fn(*m).getOps<mask::WindowOp>().begin();
  EXPECT_EQ(w.getConstantParam(0), 7);
  EXPECT_EQ(w.getConstantParam(1), 2);

  spec::SpecOptions bad;
  bad.defines["V"] = 1;
  EXPECT_FALSE(parse("param W = 3\nwindow(W, W)", bad));
  EXPECT_NE(errors.find("unknown parameter 'V'; did you mean 'W'?"),
            std::string::npos)
      << errors;
}

TEST_F(SpecParserTest, CompileTimeArithmeticIsFoldedWithFloorSemantics) {
  auto m = parse("param A = -7\nwindow(A % 3, -(A / 2))");
  ASSERT_TRUE(m) << errors;
  mask::WindowOp w = *fn(*m).getOps<mask::WindowOp>().begin();
  EXPECT_EQ(w.getConstantParam(0), 2); // -7 mod 3 = 2
  EXPECT_EQ(w.getConstantParam(1), 4); // floor(-7 / 2) = -4
}

TEST_F(SpecParserTest, UnusedLetsLeaveNoOps) {
  auto m = parse("let unused = window(2, 2) | stride(3)\ncausal");
  ASSERT_TRUE(m) << errors;
  EXPECT_EQ(fn(*m).getBody().front().getOperations().size(), 2u);
}
} // namespace
