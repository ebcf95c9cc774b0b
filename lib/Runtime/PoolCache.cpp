//===- PoolCache.cpp - thread pools for concurrent kernel runs ------------===//
//
// Idle pools wait in one list, most recently returned last, guarded by one
// mutex. The list is bounded (kMaxIdlePools pools, kMaxIdleThreads worker
// threads in all; the pool just returned always stays): a host that runs
// with many different thread counts would otherwise keep a pool of every
// count alive forever. Evicted pools are joined outside the lock. The list
// lives in a function-local static that is never destroyed, so a run
// finishing while the process exits cannot touch a dead container.
//
//===----------------------------------------------------------------------===//

#include "lib/Runtime/PoolCache.h"

#include <algorithm>
#include <mutex>
#include <vector>

using namespace sparsa::runtime;

namespace {

constexpr size_t kMaxIdlePools = 8;

/// Idle worker threads kept in all: enough for a few pools of every
/// hardware thread, never fewer than 64.
size_t maxIdleThreads() {
  static const size_t limit =
      std::max<size_t>(64, 4 * size_t(std::thread::hardware_concurrency()));
  return limit;
}

struct FreePools {
  std::mutex mutex;
  std::vector<std::unique_ptr<ThreadPool>> idle;
  size_t idleThreads = 0; // workers of the pools in `idle`
};
FreePools &freePools() {
  static FreePools *pools = new FreePools();
  return *pools;
}

} // namespace

PoolLease::PoolLease(unsigned threads) : threads_(threads) {
  if (threads_ == 0)
    threads_ = std::max(1u, std::thread::hardware_concurrency());
  threads_ = std::min(threads_, kMaxThreads);
  FreePools &f = freePools();
  {
    std::lock_guard<std::mutex> lock(f.mutex);
    for (size_t i = f.idle.size(); i-- > 0;)
      if (f.idle[i]->size() == threads_) {
        pool_ = std::move(f.idle[i]);
        f.idle.erase(f.idle.begin() + i);
        f.idleThreads -= threads_ - 1;
        break;
      }
  }
  if (!pool_)
    pool_ = std::make_unique<ThreadPool>(threads_);
}

PoolLease::~PoolLease() {
  FreePools &f = freePools();
  std::vector<std::unique_ptr<ThreadPool>> evicted;
  {
    std::lock_guard<std::mutex> lock(f.mutex);
    f.idleThreads += pool_->size() - 1;
    f.idle.push_back(std::move(pool_));
    size_t drop = 0;
    while (f.idle.size() - drop > 1 && (f.idle.size() - drop > kMaxIdlePools ||
                                        f.idleThreads > maxIdleThreads())) {
      f.idleThreads -= f.idle[drop]->size() - 1;
      evicted.push_back(std::move(f.idle[drop]));
      ++drop;
    }
    f.idle.erase(f.idle.begin(), f.idle.begin() + drop);
  }
  // `evicted` joins its threads here, after the lock is released.
}
