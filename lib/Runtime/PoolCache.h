//===- PoolCache.h - thread pools for concurrent kernel runs ----*- C++ -*-===//
//
// ThreadPool::parallelFor is not reentrant, yet Kernel::run may be called
// from many threads at once. Each run leases an idle pool of the requested
// size (creating one when all are busy) and returns it afterwards. Busy
// pools are bounded by the number of concurrent runs, idle ones by a small
// cache (PoolCache.cpp) whose oldest pools are joined when it is full.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_RUNTIME_POOLCACHE_H
#define SPARSA_LIB_RUNTIME_POOLCACHE_H

#include "lib/Runtime/ThreadPool.h"

#include <memory>

namespace sparsa::runtime {

class PoolLease {
public:
  /// A pool of `threads` threads (0: all hardware threads; at most
  /// kMaxThreads).
  explicit PoolLease(unsigned threads);
  ~PoolLease();
  PoolLease(const PoolLease &) = delete;
  PoolLease &operator=(const PoolLease &) = delete;
  ThreadPool &pool() { return *pool_; }

private:
  unsigned threads_;
  std::unique_ptr<ThreadPool> pool_;
};

} // namespace sparsa::runtime

#endif // SPARSA_LIB_RUNTIME_POOLCACHE_H
