//===- ConcreteShape.cpp - sizes and parameter values of evaluations ------===//
//
// The options shared by every command that evaluates a mask on concrete
// sequences: the sequence lengths, the number of heads and the values of the
// runtime parameters, checked and mapped to the pattern function's
// arguments by the names in their `mask.param` attributes.
//
//===----------------------------------------------------------------------===//

#include "tools/sparsac/Sparsac.h"

#include "dialects/Mask/IR/MaskOps.h"
#include "lib/Spec/SpecParser.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"

using namespace mlir;
using namespace sparsa::sparsac;
namespace cl = llvm::cl;

/// The largest sequence length a concrete evaluation accepts.
static constexpr int64_t kMaxHeads = 4096;
static constexpr uint64_t kMaxPoints = uint64_t(1) << 32;

static cl::opt<int64_t> seqLen("seq-len",
                               cl::desc("Number of queries (and of keys "
                                        "unless --kv-len is given)"),
                               cl::value_desc("N"), cl::init(-1),
                               cl::cat(category()));
static cl::opt<int64_t> kvLen("kv-len", cl::desc("Number of keys"),
                              cl::value_desc("M"), cl::init(-1),
                              cl::cat(category()));
static cl::opt<int64_t>
    numHeads("heads",
             cl::desc("Number of heads (default: where the pattern's last "
                      "'heads' range ends, else 1)"),
             cl::value_desc("H"), cl::init(-1), cl::cat(category()));
static cl::list<std::string>
    paramValues("param", cl::desc("Value of a runtime parameter (repeatable)"),
                cl::value_desc("NAME=VALUE"), cl::cat(category()));

static llvm::Error fail(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

llvm::Expected<ConcreteShape>
sparsa::sparsac::getConcreteShape(func::FuncOp fn, llvm::StringRef command,
                                  int64_t kMaxSeqLen) {
  ConcreteShape shape;
  // Given or not is told by the occurrences, so that an explicit -1 is an
  // out-of-range value rather than "not given".
  if (seqLen.getNumOccurrences() == 0)
    return fail(command + " needs --seq-len");
  auto checkLen = [&](StringRef flag, int64_t v) -> llvm::Error {
    if (v < 1 || v > kMaxSeqLen)
      return fail("--" + flag + " must be between 1 and " +
                  llvm::Twine(kMaxSeqLen) + ", got " + llvm::Twine(v));
    return llvm::Error::success();
  };
  if (auto err = checkLen("seq-len", seqLen))
    return std::move(err);
  shape.numQueries = seqLen;
  shape.numKeys = seqLen;
  if (kvLen.getNumOccurrences() != 0) {
    if (auto err = checkLen("kv-len", kvLen))
      return std::move(err);
    shape.numKeys = kvLen;
  }

  // By default as many heads as the last `heads` range of the pattern says.
  shape.numHeads = 1;
  fn.walk([&](sparsa::mask::HeadsOp op) {
    shape.numHeads = std::max(shape.numHeads, op.getEnds().back());
  });
  if (numHeads.getNumOccurrences() != 0) {
    if (numHeads < 1 || numHeads > kMaxHeads)
      return fail("--heads must be between 1 and " + llvm::Twine(kMaxHeads) +
                  ", got " + llvm::Twine(numHeads));
    shape.numHeads = numHeads;
  }
  if (shape.numHeads > kMaxHeads)
    return fail("the pattern has " + llvm::Twine(shape.numHeads) +
                " heads; at most " + llvm::Twine(kMaxHeads) +
                " can be evaluated");
  // The largest output of an evaluation: H x Nq x Nk points.
  uint64_t points = static_cast<uint64_t>(shape.numHeads) *
                    static_cast<uint64_t>(shape.numQueries) *
                    static_cast<uint64_t>(shape.numKeys);
  // Closed-form commands (a larger maxSeqLen) never evaluate every point.
  if (kMaxSeqLen <= kMaxDenseSeqLen && points > kMaxPoints)
    return fail("evaluating " + llvm::Twine(shape.numHeads) + " heads of " +
                llvm::Twine(shape.numQueries) + " x " +
                llvm::Twine(shape.numKeys) + " pairs is " +
                llvm::Twine(points) + " points; the limit is " +
                llvm::Twine(kMaxPoints));

  // Runtime parameters by name.
  llvm::StringMap<unsigned> argOf;
  SmallVector<StringRef> names;
  for (unsigned i = 0; i < fn.getNumArguments(); ++i) {
    auto name =
        fn.getArgAttrOfType<StringAttr>(i, sparsa::spec::kParamAttrName);
    names.push_back(name ? name.getValue() : StringRef());
    argOf[names.back()] = i;
  }
  SmallVector<std::optional<int64_t>> values(fn.getNumArguments());
  for (StringRef entry : paramValues) {
    auto [name, text] = entry.split('=');
    int64_t v;
    if (name.empty() || text.empty() || entry.count('=') != 1 ||
        text.getAsInteger(10, v))
      return fail("--param expects NAME=INTEGER, got '" + entry + "'");
    auto it = argOf.find(name);
    if (it == argOf.end()) {
      std::string msg = "--param " + name.str() +
                        ": the pattern has no runtime parameter '" +
                        name.str() + "'";
      if (names.empty())
        msg += " (it has none)";
      else
        msg += " (runtime parameters: " + llvm::join(names, ", ") + ")";
      return fail(msg);
    }
    if (values[it->second])
      return fail("--param " + name + " is given twice");
    values[it->second] = v;
  }
  for (auto [i, v] : llvm::enumerate(values)) {
    if (!v)
      return fail("runtime parameter '" + names[i] +
                  "' has no value; give one with --param " + names[i] +
                  "=VALUE");
    shape.args.push_back(*v);
  }
  return shape;
}
