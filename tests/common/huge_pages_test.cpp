#include "prrt/common/huge_pages.h"

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace prrt {
namespace {

// The kernel's transparent huge page mode: the bracketed word of
// /sys/kernel/mm/transparent_hugepage/enabled ("always [madvise] never"), or "" where there is none.
std::string TransparentHugePageMode() {
  std::ifstream file("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string line;
  std::getline(file, line);
  const size_t open = line.find('['), close = line.find(']');
  return open == std::string::npos || close == std::string::npos ? ""
                                                                 : line.substr(open + 1, close - open - 1);
}

// The "THPeligible:" value of the mapping that holds `address`, from /proc/self/smaps: 1 when the kernel may
// back it with huge pages.
int HugePageEligible(const void* address) {
  std::ifstream smaps("/proc/self/smaps");
  const auto at = reinterpret_cast<uintptr_t>(address);
  bool inside = false;
  for (std::string line; std::getline(smaps, line);) {
    uintptr_t from = 0, to = 0;
    char dash = 0;
    std::istringstream header(line);
    if (header >> std::hex >> from >> dash >> to && dash == '-') {
      inside = from <= at && at < to;
    } else if (inside && line.rfind("THPeligible:", 0) == 0) {
      return std::stoi(line.substr(std::strlen("THPeligible:")));
    }
  }
  return -1;
}

TEST(MapHugePageRegion, GivesZeroedWritableMemoryAlignedToHugePagesAndRoundedUpToThem) {
  struct Case {
    size_t size, alignment, mapped;  // mapped: 2 MiB multiples, by hand
  };
  const size_t mib = size_t{1} << 20;
  for (const Case c : {Case{mib, 8192, 2 * mib}, Case{2 * mib, 4096, 2 * mib}, Case{5 * mib, 8192, 6 * mib},
                       Case{3 * mib, 8 * mib, 4 * mib}}) {
    size_t mapped = 0;
    auto* memory = static_cast<unsigned char*>(MapHugePageRegion(c.size, c.alignment, &mapped));
    ASSERT_NE(memory, nullptr);
    EXPECT_EQ(mapped, c.mapped) << c.size << " bytes";
    EXPECT_EQ(reinterpret_cast<uintptr_t>(memory) % kHugePageBytes, 0u);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(memory) % c.alignment, 0u);
    EXPECT_EQ(memory[0], 0);
    EXPECT_EQ(memory[mapped - 1], 0);
    memory[0] = 1;
    memory[mapped - 1] = 2;
    EXPECT_EQ(memory[0] + memory[mapped - 1], 3);
    EXPECT_EQ(munmap(memory, mapped), 0);
  }
}

TEST(MapHugePageRegion, MarksTheRegionForHugePages) {
  const std::string mode = TransparentHugePageMode();
  if (mode != "always" && mode != "madvise")
    GTEST_SKIP() << "transparent huge pages are '" << mode << "' here";
  size_t mapped = 0;
  void* memory = MapHugePageRegion(4 * kHugePageBytes, 4096, &mapped);
  ASSERT_NE(memory, nullptr);
  EXPECT_EQ(HugePageEligible(memory), 1);
  munmap(memory, mapped);
  // The check itself: a plain mapping is not eligible under `madvise`.
  if (mode == "madvise") {
    void* plain =
        mmap(nullptr, 4 * kHugePageBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(plain, MAP_FAILED);
    EXPECT_EQ(HugePageEligible(plain), 0);
    munmap(plain, 4 * kHugePageBytes);
  }
}

TEST(HugePagesWanted, HoldsWhileAnyWishLivesOnAnyThread) {
  EXPECT_FALSE(HugePagesWanted::Now());
  {
    const HugePagesWanted outer;
    EXPECT_TRUE(HugePagesWanted::Now());
    {
      const HugePagesWanted inner;
      EXPECT_TRUE(HugePagesWanted::Now());
    }
    EXPECT_TRUE(HugePagesWanted::Now());
  }
  EXPECT_FALSE(HugePagesWanted::Now());
  bool seen_inside = false;
  std::thread([&] {
    const HugePagesWanted wish;
    seen_inside = HugePagesWanted::Now();
  }).join();
  EXPECT_TRUE(seen_inside);
  EXPECT_FALSE(HugePagesWanted::Now());
}

}  // namespace
}  // namespace prrt
