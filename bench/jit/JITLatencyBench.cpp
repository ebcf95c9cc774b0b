//===- JITLatencyBench.cpp - JIT latency of libsparsa ---------------------===//
//
// For every pattern in examples/patterns/:
//   Cold/<name>      a fresh Compiler (empty cache) compiles the spec text
//                    to a callable kernel; counters split the time into
//                    front end, pipeline and LLVM
//   Hit/<name>       the same request again (exact cache hit)
//   Structure/<name> different text, same structure (parse +
//                    canonicalize, no code generation)
//   Disk/<name>      a fresh Compiler whose disk cache holds the structure
//                    (parse + canonicalize + dlopen)
// and Run/<opt level> times one kernel at LLVM -O0 to -O3 so a lower JIT
// opt level can be judged by the speed of the code it makes.
//
//===----------------------------------------------------------------------===//

#include "sparsa/Compiler.h"

#include "benchmark/benchmark.h"

#include <dirent.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <vector>

using namespace sparsa;

namespace {

std::string readFile(const std::string &path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::vector<std::string> patternFiles() {
  std::vector<std::string> out;
  if (DIR *d = opendir(SPARSA_PATTERN_DIR)) {
    while (dirent *e = readdir(d)) {
      std::string n = e->d_name;
      if (n.size() > 7 && n.substr(n.size() - 7) == ".sparsa")
        out.push_back(n.substr(0, n.size() - 7));
    }
    closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

CompileOptions benchOptions(unsigned opt = 3) {
  CompileOptions o;
  o.headDim = 64;
  o.optLevel = opt;
  return o;
}

void cold(benchmark::State &state, std::string spec, unsigned opt) {
  CacheStats total;
  for (auto _ : state) {
    Compiler compiler;
    auto k = compiler.compile(spec, benchOptions(opt));
    if (!k) {
      state.SkipWithError(k.message().c_str());
      return;
    }
    CacheStats s = compiler.cacheStats();
    total.frontEndSeconds += s.frontEndSeconds;
    total.pipelineSeconds += s.pipelineSeconds;
    total.llvmSeconds += s.llvmSeconds;
  }
  double n = double(state.iterations());
  state.counters["front_ms"] = 1e3 * total.frontEndSeconds / n;
  state.counters["pipeline_ms"] = 1e3 * total.pipelineSeconds / n;
  state.counters["llvm_ms"] = 1e3 * total.llvmSeconds / n;
}

void hit(benchmark::State &state, std::string spec) {
  Compiler compiler;
  if (!compiler.compile(spec, benchOptions())) {
    state.SkipWithError("compile failed");
    return;
  }
  for (auto _ : state) {
    auto k = compiler.compile(spec, benchOptions());
    benchmark::DoNotOptimize(k);
  }
  if (compiler.cacheStats().compilations != 1)
    state.SkipWithError("a cache hit compiled");
}

void structure(benchmark::State &state, std::string spec) {
  Compiler compiler;
  if (!compiler.compile(spec, benchOptions())) {
    state.SkipWithError("compile failed");
    return;
  }
  uint64_t i = 0;
  for (auto _ : state) {
    // A new comment each time: a new exact key, the same structure.
    auto k = compiler.compile(spec + "# " + std::to_string(i++) + "\n",
                              benchOptions());
    benchmark::DoNotOptimize(k);
  }
  if (compiler.cacheStats().compilations != 1)
    state.SkipWithError("a structure hit compiled");
}

/// A new Compiler (as in a new process) whose disk cache already holds the
/// structure: spec text -> kernel loaded from the cached shared library.
void disk(benchmark::State &state, std::string spec) {
  std::string dir = "/tmp/sparsa-jit-bench-cache";
  {
    Compiler warm;
    if (!warm.setDiskCache(dir) || !warm.compile(spec, benchOptions())) {
      state.SkipWithError("cannot fill the disk cache");
      return;
    }
  }
  for (auto _ : state) {
    Compiler compiler;
    (void)compiler.setDiskCache(dir);
    auto k = compiler.compile(spec, benchOptions());
    if (!k || compiler.cacheStats().diskHits != 1) {
      state.SkipWithError("not a disk hit");
      return;
    }
  }
}

void runKernel(benchmark::State &state, std::string pattern) {
  unsigned opt = static_cast<unsigned>(state.range(0));
  Compiler compiler;
  auto k = compiler.compile(
      readFile(std::string(SPARSA_PATTERN_DIR) + "/" + pattern + ".sparsa"),
      benchOptions(opt));
  if (!k) {
    state.SkipWithError(k.message().c_str());
    return;
  }
  const int64_t B = 1, H = 8, N = 4096, D = 64;
  std::vector<float> q(B * H * N * D), kk(q.size()), v(q.size()), o(q.size());
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1, 1);
  for (auto *buf : {&q, &kk, &v})
    for (float &x : *buf)
      x = u(rng);
  auto view = [&](std::vector<float> &buf) {
    return TensorView::f32(buf.data(), {B, H, N, D});
  };
  RunOptions options;
  options.threads = 1;
  Params params;
  if (!k->info().params.empty())
    params.set(k->info().params[0], 512); // sliding_window's W
  for (auto _ : state) {
    Status s =
        k->run(view(q), view(kk), view(v), view(o), nullptr, params, options);
    if (!s) {
      state.SkipWithError(s.message().c_str());
      return;
    }
  }
  auto stats = k->stats(N, -1, params);
  if (stats)
    state.counters["GFLOP/s"] =
        benchmark::Counter(stats->total.flops * H * B,
                           benchmark::Counter::kIsIterationInvariantRate,
                           benchmark::Counter::kIs1000);
}

} // namespace

int main(int argc, char **argv) {
  for (const std::string &name : patternFiles()) {
    std::string spec =
        readFile(std::string(SPARSA_PATTERN_DIR) + "/" + name + ".sparsa");
    benchmark::RegisterBenchmark(("Cold/" + name).c_str(), cold, spec, 3)
        ->Unit(benchmark::kMillisecond)
        ->MinTime(0.5);
    for (unsigned opt : {0u, 1u, 2u})
      benchmark::RegisterBenchmark(
          ("ColdO" + std::to_string(opt) + "/" + name).c_str(), cold, spec, opt)
          ->Unit(benchmark::kMillisecond)
          ->MinTime(0.5);
    benchmark::RegisterBenchmark(("Hit/" + name).c_str(), hit, spec)
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("Structure/" + name).c_str(), structure, spec)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("Disk/" + name).c_str(), disk, spec)
        ->Unit(benchmark::kMillisecond);
  }
  for (const char *p : {"longformer", "strided", "sliding_window", "bigbird"})
    benchmark::RegisterBenchmark(
        (std::string("Run/") + p + "_n4096_h8_d64_1thread/O").c_str(),
        runKernel, std::string(p))
        ->DenseRange(0, 3)
        ->Unit(benchmark::kMillisecond)
        ->MeasureProcessCPUTime();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
