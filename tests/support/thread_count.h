// Sets PRRT_THREADS for the life of the object (and restores what it was), so that a test can run the same
// computation on one thread and on several.
#pragma once

#include <string>

#include "scoped_env.h"

namespace prrt::testing {

class ScopedThreadCount : public ScopedEnv {
 public:
  explicit ScopedThreadCount(unsigned threads) : ScopedEnv("PRRT_THREADS", std::to_string(threads)) {}
};

}  // namespace prrt::testing
