//===- ThreadPoolTest.cpp - the runtime's thread pool ---------------------===//
//
// parallelFor must call its function on disjoint chunks that cover [0, n)
// exactly once, for any pool size, chunk size and n, repeatedly on one pool.
//
//===----------------------------------------------------------------------===//

#include "lib/Runtime/ThreadPool.h"

#include "gtest/gtest.h"

#include <atomic>
#include <vector>

using namespace sparsa::runtime;

TEST(ThreadPool, ChunksCoverTheRangeExactlyOnce) {
  for (unsigned threads : {1u, 2u, 5u}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.size(), threads);
    for (int64_t n : {0, 1, 7, 1000}) {
      for (int64_t chunk : {1, 3, 64, 5000}) {
        std::vector<std::atomic<int>> hits(n);
        std::atomic<int64_t> calls{0};
        pool.parallelFor(n, chunk, [&](int64_t b, int64_t e) {
          EXPECT_LT(b, e);
          EXPECT_LE(e - b, chunk);
          ++calls;
          for (int64_t i = b; i < e; ++i)
            ++hits[i];
        });
        for (int64_t i = 0; i < n; ++i)
          ASSERT_EQ(hits[i].load(), 1) << "index " << i << " of " << n;
        EXPECT_EQ(calls.load(), (n + chunk - 1) / chunk);
      }
    }
  }
}

TEST(ThreadPool, SizeIsClampedToTheMaximum) {
  // More threads than the limit would abort the host when creation fails.
  ThreadPool pool(100000);
  EXPECT_EQ(pool.size(), kMaxThreads);
  std::atomic<int64_t> sum{0};
  pool.parallelFor(5000, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      sum += i;
  });
  EXPECT_EQ(sum.load(), 5000 * 4999 / 2);
}
