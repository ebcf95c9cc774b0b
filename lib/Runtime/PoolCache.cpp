//===- PoolCache.cpp - thread pools for concurrent kernel runs ------------===//
//
// Idle pools are kept per size in a free list guarded by one mutex. The
// list lives in a function-local static that is never destroyed, so a run
// finishing while the process exits cannot touch a dead container.
//
//===----------------------------------------------------------------------===//

#include "lib/Runtime/PoolCache.h"

#include <map>
#include <mutex>
#include <vector>

using namespace sparsa::runtime;

namespace {
struct FreePools {
  std::mutex mutex;
  std::map<unsigned, std::vector<std::unique_ptr<ThreadPool>>> idle;
};
FreePools &freePools() {
  static FreePools *pools = new FreePools();
  return *pools;
}
} // namespace

PoolLease::PoolLease(unsigned threads) : threads_(threads) {
  if (threads_ == 0)
    threads_ = std::max(1u, std::thread::hardware_concurrency());
  FreePools &f = freePools();
  {
    std::lock_guard<std::mutex> lock(f.mutex);
    auto &list = f.idle[threads_];
    if (!list.empty()) {
      pool_ = std::move(list.back());
      list.pop_back();
    }
  }
  if (!pool_)
    pool_ = std::make_unique<ThreadPool>(threads_);
}

PoolLease::~PoolLease() {
  FreePools &f = freePools();
  std::lock_guard<std::mutex> lock(f.mutex);
  f.idle[threads_].push_back(std::move(pool_));
}
