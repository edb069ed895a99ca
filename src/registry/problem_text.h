// How the registry's checks word a field's problem, after where the row is: the import's, the read of a
// registry changed outside prrt, a write's.
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>

#include "prrt/common/utf8.h"

namespace prrt::registry::detail {

// A value its column cannot hold, and how it was found when that matters (" stored as a blob (…)").
inline std::string FoundProblem(std::string_view where, std::string_view column, std::string_view value,
                                std::string_view expected, std::string_view how = "") {
  return fmt::format("{}: {}: found '{}'{}; expected {}", where, column, ShowUtf8(value), how, expected);
}

// A required column left empty.
inline std::string MissingProblem(std::string_view where, std::string_view column) {
  return fmt::format("{}: {}: missing; it is required", where, column);
}

}  // namespace prrt::registry::detail
