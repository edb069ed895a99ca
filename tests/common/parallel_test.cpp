#include "prrt/common/parallel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "support/thread_count.h"

namespace prrt {
namespace {

TEST(ParallelFor, RunsEveryTaskExactlyOnceOnAnyNumberOfThreads) {
  for (unsigned threads : {1u, 2u, 3u, 8u}) {
    testing::ScopedThreadCount scoped(threads);
    for (size_t n_tasks : {size_t{0}, size_t{1}, size_t{5}, size_t{1000}}) {
      std::vector<std::atomic<int>> runs(n_tasks);
      ParallelFor(n_tasks, [&](size_t i) { runs[i]++; });
      for (size_t i = 0; i < n_tasks; ++i)
        EXPECT_EQ(runs[i].load(), 1) << "task " << i << " of " << n_tasks << " on " << threads << " threads";
    }
  }
}

TEST(ParallelForWorkers, NoWorkerRunsTwoTasksAtOnceAndTheIndicesAreInRange) {
  for (unsigned threads : {1u, 2u, 3u}) {
    testing::ScopedThreadCount scoped(threads);
    std::vector<std::atomic<int>> busy(threads), runs(200);
    std::atomic<bool> overlapped{false}, out_of_range{false};
    ParallelForWorkers(runs.size(), [&](size_t i, unsigned worker) {
      if (worker >= threads) {
        out_of_range = true;
        return;
      }
      if (busy[worker]++ != 0) overlapped = true;
      runs[i]++;
      busy[worker]--;
    });
    EXPECT_FALSE(out_of_range) << threads << " threads";
    EXPECT_FALSE(overlapped) << threads << " threads";
    for (size_t i = 0; i < runs.size(); ++i)
      EXPECT_EQ(runs[i].load(), 1) << "task " << i << " on " << threads << " threads";
  }
}

TEST(ThreadCount, FollowsPrrtThreadsAndIgnoresWhatIsNotAPositiveNumber) {
  {
    testing::ScopedThreadCount scoped(3);
    EXPECT_EQ(ThreadCount(), 3u);
  }
  for (const char* bad : {"0", "-2", "two", "2x", ""}) {
    testing::ScopedThreadCount scoped(1);
    setenv("PRRT_THREADS", bad, 1);
    EXPECT_GE(ThreadCount(), 1u) << bad;
    unsetenv("PRRT_THREADS");
    const unsigned machine = ThreadCount();
    setenv("PRRT_THREADS", bad, 1);
    EXPECT_EQ(ThreadCount(), machine) << bad;
  }
}

}  // namespace
}  // namespace prrt
