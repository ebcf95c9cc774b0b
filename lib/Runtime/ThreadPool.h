//===- ThreadPool.h - a small fork-join pool for kernels --------*- C++ -*-===//
//
// A fixed set of worker threads that split an index range [0, n) into
// chunks taken from a shared atomic counter (dynamic scheduling: causal and
// other sparse patterns give work items of very different cost). The calling
// thread works too. No OpenMP, no MLIR: part of libsparsa_runtime.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_RUNTIME_THREADPOOL_H
#define SPARSA_LIB_RUNTIME_THREADPOOL_H

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sparsa::runtime {

/// The most threads a pool has (sparsa::RunOptions::kMaxThreads): Kernel::run
/// refuses more, and the constructor clamps to it, since a thread that
/// cannot be created would abort the host program.
inline constexpr unsigned kMaxThreads = 1024;

class ThreadPool {
public:
  /// `threads` workers in total including the caller (at most
  /// kMaxThreads); 0 = all hardware threads.
  explicit ThreadPool(unsigned threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;

  /// Number of threads that run a parallelFor, the caller included.
  unsigned size() const { return static_cast<unsigned>(workers.size()) + 1; }

  /// Calls fn(begin, end) on disjoint chunks of at most `chunk` indices
  /// covering [0, n), in parallel; returns when all are done. Not
  /// reentrant: one parallelFor at a time per pool.
  void parallelFor(int64_t n, int64_t chunk,
                   const std::function<void(int64_t, int64_t)> &fn);

private:
  void workerLoop();
  void drain();

  std::vector<std::thread> workers;
  std::mutex mutex;
  std::condition_variable wake, done;
  uint64_t generation = 0;
  unsigned busy = 0;
  bool stopping = false;
  // The current job.
  const std::function<void(int64_t, int64_t)> *job = nullptr;
  int64_t jobSize = 0, jobChunk = 1;
  std::atomic<int64_t> next{0};
};

} // namespace sparsa::runtime

#endif // SPARSA_LIB_RUNTIME_THREADPOOL_H
