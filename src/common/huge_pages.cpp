#include "prrt/common/huge_pages.h"

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cstdint>

namespace prrt {

void* MapHugePageRegion(size_t size, size_t alignment, size_t* mapped_size) {
  const size_t align = std::max(alignment, kHugePageBytes);
  const size_t bytes = (size + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
  // mmap aligns to 4 KiB only: map `align` more and give back what lies outside the aligned region.
  const size_t reserved = bytes + align;
  void* raw = mmap(nullptr, reserved, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const auto first = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t start = (first + align - 1) / align * align;
  if (start > first) munmap(raw, start - first);
  const uintptr_t end = start + bytes;
  if (first + reserved > end) munmap(reinterpret_cast<void*>(end), first + reserved - end);
  // Only advice: without it (or with huge pages disabled) the memory is still good, in 4 KiB pages.
  madvise(reinterpret_cast<void*>(start), bytes, MADV_HUGEPAGE);
  if (mapped_size != nullptr) *mapped_size = bytes;
  return reinterpret_cast<void*>(start);
}

namespace {
std::atomic<int> wishes{0};
}  // namespace

HugePagesWanted::HugePagesWanted() {
  wishes.fetch_add(1, std::memory_order_relaxed);
}
HugePagesWanted::~HugePagesWanted() {
  wishes.fetch_sub(1, std::memory_order_relaxed);
}
bool HugePagesWanted::Now() {
  return wishes.load(std::memory_order_relaxed) > 0;
}

}  // namespace prrt
