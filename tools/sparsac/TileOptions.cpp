//===- TileOptions.cpp - the --block and --head-dim options ---------------===//
//
// Tile sizes and head dimension shared by the commands that tile a mask
// (--stats, --emit=tiles, --draw). The default 64 x 64 is the CPU policy's
// choice (sparsa-select-tiling).
//
//===----------------------------------------------------------------------===//

#include "tools/sparsac/Sparsac.h"

using namespace sparsa::sparsac;
namespace cl = llvm::cl;

static cl::opt<std::string>
    blockSizes("block",
               cl::desc("Tile sizes BQ,BK (default 64,64; --target=cuda: "
                        "128,64, or smaller tiles that fit the shared memory "
                        "of --cuda-arch)"),
               cl::value_desc("BQ,BK"), cl::init("64,64"), cl::cat(category()));
static cl::opt<int64_t> headDim("head-dim",
                                cl::desc("Head dimension D (default 128)"),
                                cl::value_desc("D"), cl::init(128),
                                cl::cat(category()));

static constexpr int64_t kMaxTile = 1 << 20;

llvm::Expected<TileOptions> sparsa::sparsac::getTileOptions() {
  TileOptions t;
  auto [q, k] = llvm::StringRef(blockSizes).split(',');
  if (q.getAsInteger(10, t.blockQ) || k.getAsInteger(10, t.blockK) ||
      t.blockQ < 1 || t.blockK < 1 || t.blockQ > kMaxTile ||
      t.blockK > kMaxTile)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "--block expects two tile sizes BQ,BK between 1 and " +
            llvm::Twine(kMaxTile) + ", got '" + blockSizes + "'");
  if (headDim < 1 || headDim > 65536)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "--head-dim must be between 1 and 65536, got " +
            llvm::Twine(int64_t(headDim)));
  t.headDim = headDim;
  t.blockGiven = blockSizes.getNumOccurrences() != 0;
  return t;
}
