// Sets PRRT_THREADS for the life of the object (and restores what it was), so that a test can run the same
// computation on one thread and on several.
#pragma once

#include <cstdlib>
#include <optional>
#include <string>

namespace prrt::testing {

class ScopedThreadCount {
 public:
  explicit ScopedThreadCount(unsigned threads) {
    if (const char* old = std::getenv("PRRT_THREADS")) previous_ = old;
    setenv("PRRT_THREADS", std::to_string(threads).c_str(), 1);
  }
  ~ScopedThreadCount() {
    if (previous_) {
      setenv("PRRT_THREADS", previous_->c_str(), 1);
    } else {
      unsetenv("PRRT_THREADS");
    }
  }
  ScopedThreadCount(const ScopedThreadCount&) = delete;
  ScopedThreadCount& operator=(const ScopedThreadCount&) = delete;

 private:
  std::optional<std::string> previous_;
};

}  // namespace prrt::testing
