//===- ThreadPool.cpp - a small fork-join pool for kernels ----------------===//
//
// Workers sleep on a condition variable between jobs; a job is published
// under the mutex with a new generation number, and chunks are then taken
// lock-free from an atomic counter.
//
//===----------------------------------------------------------------------===//

#include "lib/Runtime/ThreadPool.h"

#include <algorithm>

using namespace sparsa::runtime;

ThreadPool::ThreadPool(unsigned threads) {
  if (threads == 0)
    threads = std::max(1u, std::thread::hardware_concurrency());
  threads = std::min(threads, kMaxThreads);
  for (unsigned i = 1; i < threads; ++i)
    workers.emplace_back([this] { workerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    stopping = true;
  }
  wake.notify_all();
  for (std::thread &t : workers)
    t.join();
}

void ThreadPool::drain() {
  for (;;) {
    int64_t begin = next.fetch_add(jobChunk, std::memory_order_relaxed);
    if (begin >= jobSize)
      return;
    (*job)(begin, std::min(jobSize, begin + jobChunk));
  }
}

void ThreadPool::workerLoop() {
  uint64_t seen = 0;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex);
      wake.wait(lock, [&] { return stopping || generation != seen; });
      if (stopping)
        return;
      seen = generation;
    }
    drain();
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (--busy == 0)
        done.notify_one();
    }
  }
}

void ThreadPool::parallelFor(int64_t n, int64_t chunk,
                             const std::function<void(int64_t, int64_t)> &fn) {
  if (n <= 0)
    return;
  chunk = std::max<int64_t>(1, chunk);
  if (workers.empty() || n <= chunk) {
    for (int64_t b = 0; b < n; b += chunk)
      fn(b, std::min(n, b + chunk));
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex);
    job = &fn;
    jobSize = n;
    jobChunk = chunk;
    next.store(0, std::memory_order_relaxed);
    busy = static_cast<unsigned>(workers.size());
    ++generation;
  }
  wake.notify_all();
  drain();
  std::unique_lock<std::mutex> lock(mutex);
  done.wait(lock, [&] { return busy == 0; });
  job = nullptr;
}
