// Sets an environment variable for the life of the object (and restores what it was): PRRT_THREADS, say, to
// run the same computation on one thread and on several, or TMPDIR to see what a server writes there.
#pragma once

#include <cstdlib>
#include <optional>
#include <string>
#include <utility>

namespace prrt::testing {

class ScopedEnv {
 public:
  ScopedEnv(std::string name, const std::string& value) : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str())) previous_ = old;
    setenv(name_.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (previous_) {
      setenv(name_.c_str(), previous_->c_str(), 1);
    } else {
      unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> previous_;
};

}  // namespace prrt::testing
