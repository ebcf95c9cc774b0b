//===- SpecBuiltins.cpp - the built-in leaves of the language -------------===//
//
// The leaf table. Parameter names are taken from the mask ops so that the
// front end's messages and the verifier's agree.
//
//===----------------------------------------------------------------------===//

#include "lib/Spec/SpecBuiltins.h"

#include "dialects/Mask/IR/MaskOps.h"

using namespace sparsa::spec;
namespace mask = sparsa::mask;

static const LeafInfo leaves[] = {
    {"all", LeafKind::All, false, 0, 0, {}},
    {"none", LeafKind::None, false, 0, 0, {}},
    {"causal", LeafKind::Causal, false, 0, 1, {0}},
    {"window", LeafKind::Window, false, 2, 2, {}},
    {"stride", LeafKind::Stride, false, 1, 2, {0, 0}},
    {"dilated", LeafKind::Dilated, false, 3, 3, {}},
    {"blocks", LeafKind::Blocks, false, 1, 1, {}},
    {"summary", LeafKind::Summary, false, 2, 2, {}},
    {"prefix", LeafKind::Prefix, false, 1, 1, {}},
    {"random_blocks", LeafKind::RandomBlocks, false, 3, 3, {}},
    {"global", LeafKind::Global, true, 0, 0, {}},
    {"global_rows", LeafKind::GlobalRows, true, 0, 0, {}},
    {"global_cols", LeafKind::GlobalCols, true, 0, 0, {}},
};

llvm::ArrayRef<LeafInfo> sparsa::spec::allLeaves() { return leaves; }

const LeafInfo *sparsa::spec::lookupLeaf(llvm::StringRef name) {
  for (const LeafInfo &l : leaves)
    if (l.name == name)
      return &l;
  return nullptr;
}

llvm::ArrayRef<llvm::StringLiteral> LeafInfo::paramNames() const {
  switch (kind) {
  case LeafKind::Causal:
    return mask::CausalOp::getParamNames();
  case LeafKind::Window:
    return mask::WindowOp::getParamNames();
  case LeafKind::Stride:
    return mask::StrideOp::getParamNames();
  case LeafKind::Dilated:
    return mask::DilatedOp::getParamNames();
  case LeafKind::Blocks:
    return mask::BlocksOp::getParamNames();
  case LeafKind::Summary:
    return mask::SummaryOp::getParamNames();
  case LeafKind::Prefix:
    return mask::PrefixOp::getParamNames();
  case LeafKind::RandomBlocks:
    return mask::RandomBlocksOp::getParamNames();
  default:
    return {};
  }
}

std::string LeafInfo::signature() const {
  std::string s = name.str();
  if (takesSet)
    return s + "(set)";
  llvm::ArrayRef<llvm::StringLiteral> names = paramNames();
  if (names.empty())
    return s;
  s += "(";
  for (auto [i, n] : llvm::enumerate(names)) {
    if (i)
      s += ", ";
    if (i >= minArgs)
      s += "[";
    s += n.str();
    if (i >= minArgs)
      s += "]";
  }
  return s + ")";
}
