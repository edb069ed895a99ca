// The query parameters of a GET route: any the route does not know is refused, for a mistyped filter would
// be ignored and its answer taken for the filtered one.
#pragma once

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "prrt/common/result.h"
#include "prrt/common/utf8.h"

namespace prrt::server {

inline Status KnownParameters(const std::map<std::string, std::string>& parameters,
                              const std::vector<std::string>& known) {
  for (const auto& [name, value] : parameters) {
    if (std::find(known.begin(), known.end(), name) == known.end())
      return InvalidArgument(
          fmt::format("{}: unknown parameter; expected one of {}", ShowUtf8(name), fmt::join(known, ", ")));
  }
  return Status();
}

}  // namespace prrt::server
