// prrt/common/big_vector.h — std::vector for per-row buffers of 10^6–10^7 rows. Blocks of 4 MiB and more are
// 2 MiB-aligned and marked for transparent huge pages, so that touching 10^7 rows costs a few hundred page
// faults instead of hundreds of thousands (the dominant cost of a fresh 10^7-row sort on a virtual machine).
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <new>
#include <vector>

namespace prrt {

template <typename T>
struct BigBufferAllocator {
  using value_type = T;
  BigBufferAllocator() = default;
  template <typename U>
  BigBufferAllocator(const BigBufferAllocator<U>&) {}  // NOLINT(google-explicit-constructor)

  T* allocate(size_t n) {
    constexpr size_t kHugePage = size_t{2} << 20;
    const size_t bytes = n * sizeof(T);
    if (bytes < 2 * kHugePage) return static_cast<T*>(::operator new(bytes));
    const size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    void* p = std::aligned_alloc(kHugePage, rounded);
    if (p == nullptr) throw std::bad_alloc();
    madvise(p, rounded, MADV_HUGEPAGE);  // advice only: without THP the memory works as usual
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t n) {
    if (n * sizeof(T) < 2 * (size_t{2} << 20)) {
      ::operator delete(p);
    } else {
      std::free(p);
    }
  }
  template <typename U>
  bool operator==(const BigBufferAllocator<U>&) const {
    return true;
  }
};

template <typename T>
using BigVector = std::vector<T, BigBufferAllocator<T>>;

}  // namespace prrt
