// prrt/common/parallel.h — the few loops that are worth spreading over the machine's cores (sorting and
// scanning 10^6–10^7 rows). Results never depend on the number of threads.
#pragma once

#include <cstddef>
#include <functional>

namespace prrt {

//! The threads a parallel loop may use: the machine's cores, or the environment's PRRT_THREADS when it is a
//! positive number (PRRT_THREADS=1 runs everything on the calling thread).
unsigned ThreadCount();

//! Runs task(i) for every i in [0, n_tasks) on up to ThreadCount() threads, the calling thread among them,
//! and returns when all are done. Tasks are handed out in index order, so the longest should come first. A
//! task must not throw.
void ParallelFor(size_t n_tasks, const std::function<void(size_t)>& task);

//! As ParallelFor, and tells each task which worker runs it: task(i, worker) with worker in
//! [0, ThreadCount()), the calling thread being 0. A worker runs one task at a time, so state kept per worker
//! needs no lock.
void ParallelForWorkers(size_t n_tasks, const std::function<void(size_t, unsigned)>& task);

//! A value with a cache line of its own, for state kept per worker side by side in an array: workers writing
//! their own values in a shared line make each other wait (the cores then run no faster than one).
template <class T>
struct alignas(64) OwnCacheLine {
  T value;
};

}  // namespace prrt
