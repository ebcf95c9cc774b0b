//===- Sparsac.h - internal interface of the sparsac tool -------*- C++ -*-===//
//
// What the commands of `sparsac` share: the option category, the exit codes,
// the pattern function of a parsed module and the concrete sizes and runtime
// parameter values of commands that evaluate a mask. Each `--emit=` stage is
// one function in its own file, dispatched from sparsac.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_TOOLS_SPARSAC_SPARSAC_H
#define SPARSA_TOOLS_SPARSAC_SPARSAC_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <string>
#include <vector>

namespace sparsa::sparsac {

/// Process exit codes.
enum ExitCode : int {
  kExitOk = 0,
  /// Bad spec, bad flags, bad parameter values, unwritable output.
  kExitUserError = 1,
  /// A bug: generated IR that does not verify, a failing pass.
  kExitInternalError = 2,
};

/// The category of every sparsac option; LLVM's own options are hidden.
llvm::cl::OptionCategory &category();

/// Prints "sparsac: error: MSG" and returns kExitUserError.
int userError(const llvm::Twine &msg);
/// Prints "sparsac: internal error: MSG" and returns kExitInternalError.
int internalError(const llvm::Twine &msg);

/// The pattern function of a module produced by the front end.
mlir::func::FuncOp getPatternFunc(mlir::ModuleOp module);
/// The mask value the pattern function returns.
mlir::Value getPatternMask(mlir::func::FuncOp fn);

/// Sizes and runtime parameter values for commands that evaluate a mask on
/// concrete sequences (--seq-len, --kv-len, --heads, --param).
struct ConcreteShape {
  int64_t numQueries = 0, numKeys = 0, numHeads = 1;
  /// Runtime parameter values in the order of the function's arguments.
  llvm::SmallVector<int64_t> args;
};
/// Largest sequence length of commands whose output is O(N^2) (bitmaps).
inline constexpr int64_t kMaxDenseSeqLen = 16384;
/// Largest sequence length of --run (whose memory is checked on its own).
inline constexpr int64_t kMaxSeqLen = int64_t(1) << 40;
/// Largest sequence length of --stats, which counts every query row (a
/// causal mask at 2^27 takes about 3 s).
inline constexpr int64_t kMaxStatsSeqLen = int64_t(1) << 27;
llvm::Expected<ConcreteShape>
getConcreteShape(mlir::func::FuncOp fn, llvm::StringRef command,
                 int64_t maxSeqLen = kMaxDenseSeqLen);

/// Tile sizes and head dimension (--block BQ,BK and --head-dim D).
struct TileOptions {
  int64_t blockQ = 64, blockK = 64, headDim = 128;
  /// --block was given (else the GPU kernels take the tiling policy's).
  bool blockGiven = false;
};
llvm::Expected<TileOptions> getTileOptions();

/// What --run needs, for every target: the pattern's name and runtime
/// parameter names, its concrete shape, the tiles, and the --run flags
/// (--batch, --kv-heads defaulting to the heads, --check, --run-threads).
struct RunSetup {
  std::string name;
  std::vector<std::string> paramNames;
  ConcreteShape shape;
  TileOptions tiles;
  int64_t batch = 1, heads = 1, kvHeads = 1;
  bool check = false;
  unsigned threads = 0;
};

/// Reads and checks what every --run checks (a positive batch, heads a
/// multiple of the key/value heads, --check within the dense reference's
/// length) for the pattern of `module`. Returns an ExitCode.
int prepareRun(mlir::ModuleOp module, RunSetup &out);

// The stages. Each returns an ExitCode.
int emitMLIR(mlir::ModuleOp module, llvm::raw_ostream &os);
int emitCanonicalMLIR(mlir::ModuleOp module, llvm::raw_ostream &os);
int emitBitmap(mlir::ModuleOp module, llvm::raw_ostream &os);
int emitTiles(mlir::ModuleOp module, llvm::raw_ostream &os);
/// --backward: the backward pass too (--run; --emit=tiles, llvm, asm, obj).
bool withBackward();
int emitStats(mlir::ModuleOp module, llvm::raw_ostream &os);
/// Writes a picture (PNG, SVG or text by extension) of head 0 of the mask.
int drawPicture(mlir::ModuleOp module, llvm::StringRef path);

} // namespace sparsa::sparsac

#endif // SPARSA_TOOLS_SPARSAC_SPARSAC_H
