// prrt/common/huge_pages.h — transparent huge pages for the computations that want them.
//
// Fisher's exact test on a large table holds gigabytes of small hash tables, and in 4 KiB pages it spends a
// sixth of its time in page faults. Backing the whole program with huge pages would not do: the registry and
// study work measured 10 to 20% slower with them. So a computation says when it wants huge pages
// (HugePagesWanted), and the `prrt` program's allocator (tcmalloc, src/cli/tcmalloc_huge_pages.cpp) takes the
// memory it needs from the system meanwhile with MapHugePageRegion. Under any other allocator the wish does
// nothing.
#pragma once

#include <cstddef>

namespace prrt {

//! The size of a transparent huge page on x86-64 Linux.
inline constexpr size_t kHugePageBytes = size_t{2} << 20;

//! Maps at least `size` bytes of zeroed, writable memory starting at a multiple of `alignment` and of
//! kHugePageBytes, and asks the kernel to back it with huge pages (madvise MADV_HUGEPAGE; honoured when
//! /sys/kernel/mm/transparent_hugepage/enabled is `always` or `madvise`). Stores the size mapped, a multiple
//! of kHugePageBytes, in `mapped_size`. Returns nullptr when the kernel refuses the mapping.
void* MapHugePageRegion(size_t size, size_t alignment, size_t* mapped_size);

//! While one of these lives (on any thread), the program's allocator takes new memory from the system in
//! huge pages where it can.
class HugePagesWanted {
 public:
  HugePagesWanted();
  ~HugePagesWanted();
  HugePagesWanted(const HugePagesWanted&) = delete;
  HugePagesWanted& operator=(const HugePagesWanted&) = delete;

  //! Whether any HugePagesWanted lives now.
  static bool Now();
};

}  // namespace prrt
