// Linked into `prrt` only with tcmalloc (PRRT_TCMALLOC). tcmalloc takes memory from the system through a
// pluggable allocator; this one hands it regions marked for transparent huge pages while a computation wants
// them (prrt/common/huge_pages.h), and otherwise, or where the kernel refuses, leaves it to tcmalloc's own.
// tcmalloc asks for a megabyte or more at a time, so rounding to 2 MiB costs little, and each huge page saves
// 511 page faults.
#include <gperftools/malloc_extension.h>

#include "prrt/common/huge_pages.h"

namespace {

class HugePageSysAllocator final : public SysAllocator {
 public:
  explicit HugePageSysAllocator(SysAllocator* fallback) : fallback_(fallback) {}

  void* Alloc(size_t size, size_t* actual_size, size_t alignment) override {
    if (prrt::HugePagesWanted::Now()) {
      if (void* memory = prrt::MapHugePageRegion(size, alignment, actual_size)) return memory;
    }
    return fallback_ != nullptr ? fallback_->Alloc(size, actual_size, alignment) : nullptr;
  }

 private:
  SysAllocator* fallback_;
};

// Installed before main, as gperftools recommends. Never destroyed: tcmalloc may call it until the end.
const bool kInstalled = [] {
  MallocExtension* malloc = MallocExtension::instance();
  malloc->SetSystemAllocator(new HugePageSysAllocator(malloc->GetSystemAllocator()));
  return true;
}();

}  // namespace
