#include "prrt/common/parallel.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

namespace prrt {

unsigned ThreadCount() {
  if (const char* text = std::getenv("PRRT_THREADS")) {
    unsigned requested = 0;
    const char* end = text + std::strlen(text);
    auto [last, error] = std::from_chars(text, end, requested);
    if (error == std::errc() && last == end && requested > 0) return requested;
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

void ParallelFor(size_t n_tasks, const std::function<void(size_t)>& task) {
  ParallelForWorkers(n_tasks, [&](size_t i, unsigned) { task(i); });
}

void ParallelForWorkers(size_t n_tasks, const std::function<void(size_t, unsigned)>& task) {
  const size_t threads = std::min<size_t>(ThreadCount(), n_tasks);
  if (threads <= 1) {
    for (size_t i = 0; i < n_tasks; ++i)
      task(i, 0);
    return;
  }
  std::atomic<size_t> next{0};
  auto work = [&](unsigned worker) {
    for (size_t i = next++; i < n_tasks; i = next++)
      task(i, worker);
  };
  std::vector<std::jthread> helpers;
  helpers.reserve(threads - 1);
  for (size_t t = 1; t < threads; ++t)
    helpers.emplace_back(work, static_cast<unsigned>(t));
  work(0);
}

}  // namespace prrt
