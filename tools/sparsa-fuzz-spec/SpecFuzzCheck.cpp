//===- SpecFuzzCheck.cpp - invariants of the front end on any input -------===//
//
// Parse, verify, canonicalize, evaluate: everything a spec goes through
// before code generation, with the reference evaluator as the oracle that
// canonicalization keeps the meaning.
//
//===----------------------------------------------------------------------===//

#include "tools/sparsa-fuzz-spec/SpecFuzzCheck.h"

#include "dialects/Mask/IR/MaskOps.h"
#include "dialects/Mask/IR/MaskReference.h"
#include "dialects/Mask/Transforms/Passes.h"
#include "lib/Spec/SpecParser.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;

static Value returnedMask(ModuleOp module) {
  auto fn = *module.getOps<func::FuncOp>().begin();
  return fn.getBody().front().getTerminator()->getOperand(0);
}

sparsa::spec::SpecChecker::SpecChecker() {
  DialectRegistry registry;
  registerSpecDialects(registry);
  context =
      std::make_unique<MLIRContext>(registry, MLIRContext::Threading::DISABLED);
  context->loadAllAvailableDialects();
  canonicalize = std::make_unique<PassManager>(context.get());
  canonicalize->addPass(sparsa::mask::createMaskCanonicalize());
}

sparsa::spec::SpecChecker::~SpecChecker() = default;

std::string sparsa::spec::checkSpecInput(llvm::StringRef text,
                                         MLIRContext &context,
                                         PassManager &canonicalize) {
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(text, "fuzz.sparsa"), llvm::SMLoc());
  unsigned errors = 0;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &d) {
    if (d.getSeverity() == DiagnosticSeverity::Error)
      ++errors;
    return success();
  });

  OwningOpRef<ModuleOp> module = parseSpec(sourceMgr, &context);
  if (!module)
    return errors ? "" : "parsing failed without an error message";
  if (errors)
    return "parsing succeeded but reported an error";
  if (failed(verify(*module)))
    return "the parsed module does not verify";

  OwningOpRef<ModuleOp> canonical = module->clone();
  if (failed(canonicalize.run(*canonical)))
    return "mask-canonicalize failed";

  unsigned numArgs =
      (*module->getOps<func::FuncOp>().begin()).getNumArguments();
  static const int64_t sizes[][2] = {{7, 7}, {5, 9}, {1, 3}};
  for (auto [nq, nk] : sizes) {
    llvm::SmallVector<int64_t> args;
    for (unsigned i = 0; i < numArgs; ++i)
      args.push_back((nq + 3 * i) % 5);
    auto a =
        sparsa::mask::ReferenceMask::build(returnedMask(*module), nq, nk, args);
    auto b = sparsa::mask::ReferenceMask::build(returnedMask(*canonical), nq,
                                                nk, args);
    if (!a) {
      // Bad runtime values: the canonical form may have dropped the term.
      llvm::consumeError(a.takeError());
      if (!b)
        llvm::consumeError(b.takeError());
      continue;
    }
    if (!b)
      return "the canonical mask fails to evaluate where the parsed one "
             "does: " +
             llvm::toString(b.takeError());
    // The first heads and those around the last range's end: enough to
    // see every range of small inputs without looping over a million heads.
    int64_t heads = 0;
    module->walk([&](sparsa::mask::HeadsOp op) {
      heads = std::max(heads, op.getEnds().back());
    });
    llvm::SmallVector<int64_t> headsToCheck;
    for (int64_t h = 0; h <= std::min<int64_t>(heads, 16); ++h)
      headsToCheck.push_back(h);
    for (int64_t back = 2; back >= 0; --back)
      if (heads - back > 16)
        headsToCheck.push_back(heads - back);
    for (int64_t h : headsToCheck)
      for (int64_t q = 0; q < nq; ++q)
        for (int64_t k = 0; k < nk; ++k)
          if (a->allowed(h, q, k) != b->allowed(h, q, k))
            return "canonicalization changed allowed(" + std::to_string(h) +
                   ", " + std::to_string(q) + ", " + std::to_string(k) +
                   ") at Nq=" + std::to_string(nq) +
                   ", Nk=" + std::to_string(nk);
  }
  return "";
}
