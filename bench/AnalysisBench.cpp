//===- AnalysisBench.cpp - quality and speed of the mask analyses ---------===//
//
// `sparsa-bench-analysis --quality[=N]` prints, for the example patterns at
// N = 16384 (or N) and tiles of 128 and 64, the tile efficiency and the number
// of PARTIAL tiles before and after the layout plan (a Markdown table). Without
// it, Google Benchmark times building the schedule at N = 1,048,576: the
// symbolic part (normal form, closed-form tiling, layout plan; O(1) in N) and
// the enumeration of every query tile's key ranges (O(N / B)), and reports the
// bytes allocated by each as counters.
//
//===----------------------------------------------------------------------===//

#include "lib/Analysis/LayoutPlan.h"
#include "lib/Analysis/MaskNormalForm.h"
#include "lib/Analysis/PatternStats.h"
#include "lib/Analysis/TileClassification.h"

#include "dialects/Mask/IR/MaskDialect.h"
#include "dialects/Mask/IR/MaskOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"

#include "benchmark/benchmark.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <new>

using namespace mlir;
using namespace sparsa::analysis;
using namespace sparsa::mask;

//===----------------------------------------------------------------------===//
// Allocation accounting
//===----------------------------------------------------------------------===//

static std::atomic<int64_t> liveBytes{0}, peakBytes{0}, totalBytes{0};

void *operator new(size_t n) {
  void *p = std::malloc(n + 16);
  if (!p)
    std::abort();
  *static_cast<size_t *>(p) = n;
  int64_t live = liveBytes += static_cast<int64_t>(n);
  totalBytes += static_cast<int64_t>(n);
  int64_t peak = peakBytes.load();
  while (live > peak && !peakBytes.compare_exchange_weak(peak, live)) {
  }
  return static_cast<char *>(p) + 16;
}
void operator delete(void *p) noexcept {
  if (!p)
    return;
  char *base = static_cast<char *>(p) - 16;
  liveBytes -= static_cast<int64_t>(*reinterpret_cast<size_t *>(base));
  std::free(base);
}
void operator delete(void *p, size_t) noexcept { operator delete(p); }

namespace {
/// Peak extra live bytes and total bytes allocated while `fn` runs.
struct Allocation {
  int64_t peak = 0, total = 0;
};
Allocation measure(const std::function<void()> &fn) {
  int64_t base = liveBytes.load(), total = totalBytes.load();
  peakBytes = base;
  fn();
  return {peakBytes.load() - base, totalBytes.load() - total};
}

//===----------------------------------------------------------------------===//
// The example patterns, built with the mask dialect's builders
//===----------------------------------------------------------------------===//

struct Example {
  const char *name;
  std::function<Value(OpBuilder &, Location)> build;
};

Value causal(OpBuilder &b, Location l) {
  return CausalOp::create(b, l, ArrayRef<int64_t>{0});
}
Value unite(OpBuilder &b, Location l, ValueRange v) {
  return UnionOp::create(b, l, MaskType::get(b.getContext()), v);
}
Value meet(OpBuilder &b, Location l, ValueRange v) {
  return IntersectOp::create(b, l, MaskType::get(b.getContext()), v);
}

const std::vector<Example> &examples() {
  static const std::vector<Example> all = {
      {"causal", [](OpBuilder &b, Location l) { return causal(b, l); }},
      {"sliding window 1024",
       [](OpBuilder &b, Location l) {
         Value w = WindowOp::create(b, l, ArrayRef<int64_t>{1024, 0});
         return meet(b, l, {causal(b, l), w});
       }},
      {"longformer 512 + 64 global",
       [](OpBuilder &b, Location l) {
         Value w = WindowOp::create(b, l, ArrayRef<int64_t>{512, 512});
         Value g = GlobalOp::create(
             b, l, IndexSetAttr::getRange(b.getContext(), 0, 64));
         return unite(b, l, {w, g});
       }},
      {"bigbird 64",
       [](OpBuilder &b, Location l) {
         Value w = WindowOp::create(b, l, ArrayRef<int64_t>{64, 64});
         Value g = GlobalOp::create(
             b, l, IndexSetAttr::getRange(b.getContext(), 0, 64));
         Value r = RandomBlocksOp::create(b, l, ArrayRef<int64_t>{64, 3, 42});
         return unite(b, l, {w, g, r});
       }},
      {"strided 128",
       [](OpBuilder &b, Location l) {
         Value w = WindowOp::create(b, l, ArrayRef<int64_t>{128, 0});
         Value s = StrideOp::create(b, l, ArrayRef<int64_t>{128, 0});
         return meet(b, l, {unite(b, l, {w, s}), causal(b, l)});
       }},
      {"fixed 128, 16",
       [](OpBuilder &b, Location l) {
         Value bl = BlocksOp::create(b, l, ArrayRef<int64_t>{128});
         Value s = SummaryOp::create(b, l, ArrayRef<int64_t>{128, 16});
         return meet(b, l, {unite(b, l, {bl, s}), causal(b, l)});
       }},
      {"dilated 1024, 2",
       [](OpBuilder &b, Location l) {
         return DilatedOp::create(b, l, ArrayRef<int64_t>{1024, 0, 2});
       }},
      {"block-diagonal causal 2048",
       [](OpBuilder &b, Location l) {
         Value bl = BlocksOp::create(b, l, ArrayRef<int64_t>{2048});
         return meet(b, l, {bl, causal(b, l)});
       }},
      {"prefix-LM 2048",
       [](OpBuilder &b, Location l) {
         Value p = PrefixOp::create(b, l, ArrayRef<int64_t>{2048});
         return unite(b, l, {causal(b, l), p});
       }},
      {"attention sinks 4 + window 1024",
       [](OpBuilder &b, Location l) {
         Value w = WindowOp::create(b, l, ArrayRef<int64_t>{1024, 0});
         Value s = GlobalColsOp::create(
             b, l, IndexSetAttr::getRange(b.getContext(), 0, 4));
         return meet(b, l, {unite(b, l, {w, s}), causal(b, l)});
       }},
  };
  return all;
}

/// Owns a module with one mask function per example.
struct Patterns {
  MLIRContext ctx;
  OwningOpRef<ModuleOp> module;
  std::vector<Value> masks;
  Patterns() {
    ctx.loadDialect<MaskDialect, arith::ArithDialect, func::FuncDialect>();
    OpBuilder b(&ctx);
    Location l = b.getUnknownLoc();
    module = ModuleOp::create(l);
    for (const Example &e : examples()) {
      b.setInsertionPointToEnd(module->getBody());
      auto fn = func::FuncOp::create(
          b, l, "m", b.getFunctionType({}, {MaskType::get(&ctx)}));
      b.setInsertionPointToEnd(fn.addEntryBlock());
      Value m = e.build(b, l);
      func::ReturnOp::create(b, l, m);
      masks.push_back(m);
    }
  }
};

Patterns &patterns() {
  static Patterns *p = new Patterns();
  return *p;
}

[[noreturn]] void die(llvm::Error e) {
  std::fprintf(stderr, "error: %s\n", llvm::toString(std::move(e)).c_str());
  std::exit(1);
}

//===----------------------------------------------------------------------===//
// Quality table
//===----------------------------------------------------------------------===//

int printQuality(int64_t n) {
  std::printf("| pattern | tile | nnz | efficiency | partial | efficiency "
              "after layout | partial after layout | parts |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  for (auto [index, e] : llvm::enumerate(examples())) {
    for (int64_t tile : {128, 64}) {
      StatsOptions o;
      o.numQueries = n;
      o.tiles = {tile, tile};
      auto nf = MaskNormalForm::build(patterns().masks[index]);
      if (!nf)
        die(nf.takeError());
      auto s = computePatternStats(*nf, o);
      if (!s)
        die(s.takeError());
      auto plan = LayoutPlan::build(*nf, o.tiles);
      if (!plan)
        die(plan.takeError());
      const HeadStats &h = s->total;
      std::printf("| %s | %lld | %lld | %.3f | %lld | %.3f | %lld | %zu |\n",
                  e.name, (long long)tile, (long long)h.nnz, h.tiles.efficiency,
                  (long long)h.tiles.partial, h.tilesAfterLayout.efficiency,
                  (long long)h.tilesAfterLayout.partial,
                  plan->getParts().size());
    }
  }
  return 0;
}

//===----------------------------------------------------------------------===//
// Speed at N = 2^20
//===----------------------------------------------------------------------===//

constexpr int64_t kN = int64_t(1) << 20;

/// Normal form + closed-form tiling + layout plan: the compile-time part of
/// the schedule.
void BM_SymbolicSchedule(benchmark::State &state) {
  Value mask = patterns().masks[state.range(0)];
  TileSizes sizes{state.range(1), state.range(1)};
  Allocation a;
  for (auto _ : state) {
    a = measure([&] {
      auto nf = MaskNormalForm::build(mask);
      if (!nf)
        die(nf.takeError());
      auto tiling = SymbolicTiling::build(*nf, sizes);
      if (!tiling)
        die(tiling.takeError());
      auto plan = LayoutPlan::build(*nf, sizes);
      if (!plan)
        die(plan.takeError());
      benchmark::DoNotOptimize(tiling->clauses.size());
      benchmark::DoNotOptimize(plan->getParts().size());
    });
  }
  state.SetLabel(examples()[state.range(0)].name);
  state.counters["peak_bytes"] = a.peak;
}

/// Binding to N = 2^20 and walking the key ranges of every query tile
/// (what a host-side runtime or the statistics do).
void BM_AllQueryTiles(benchmark::State &state) {
  Value mask = patterns().masks[state.range(0)];
  TileSizes sizes{state.range(1), state.range(1)};
  auto nf = MaskNormalForm::build(mask);
  if (!nf)
    die(nf.takeError());
  auto tiling = SymbolicTiling::build(*nf, sizes);
  if (!tiling)
    die(tiling.takeError());
  int64_t ranges = 0;
  Allocation a;
  for (auto _ : state) {
    a = measure([&] {
      auto c = TileClassifier::build(*tiling, kN, kN, {});
      if (!c)
        die(c.takeError());
      ranges = 0;
      for (int64_t i = 0; i < c->numQueryTiles(); ++i)
        c->forEachKeyRange(0, i, [&](const KeyTileRange &) { ++ranges; });
    });
  }
  state.SetLabel(examples()[state.range(0)].name);
  state.counters["ranges"] = ranges;
  state.counters["peak_bytes"] = a.peak;
}

/// Exact statistics at N = 2^20 (per-row counts and tile counts).
void BM_Stats(benchmark::State &state) {
  Value mask = patterns().masks[state.range(0)];
  auto nf = MaskNormalForm::build(mask);
  if (!nf)
    die(nf.takeError());
  StatsOptions o;
  o.numQueries = kN;
  o.tiles = {state.range(1), state.range(1)};
  for (auto _ : state) {
    auto s = computePatternStats(*nf, o);
    if (!s)
      die(s.takeError());
    benchmark::DoNotOptimize(s->total.nnz);
  }
  state.SetLabel(examples()[state.range(0)].name);
}

void allExamples(benchmark::internal::Benchmark *b) {
  for (int64_t i = 0; i < static_cast<int64_t>(examples().size()); ++i)
    b->Args({i, 128});
}
} // namespace

BENCHMARK(BM_SymbolicSchedule)
    ->Apply(allExamples)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_AllQueryTiles)->Apply(allExamples)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Stats)
    ->Apply(allExamples)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

int main(int argc, char **argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quality") == 0)
      return printQuality(16384);
    if (std::strncmp(argv[i], "--quality=", 10) == 0)
      return printQuality(std::atoll(argv[i] + 10));
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
