// prrt/stats/alternative.h — the alternative hypothesis of a test, as R's `alternative` argument.
#pragma once

#include <optional>
#include <string_view>

namespace prrt::stats {

//! Two-sided, or one-sided: the odds ratio (Fisher, 2 x 2) or the correlation below its null value (less)
//! or above it (greater).
enum class Alternative { kTwoSided, kLess, kGreater };
std::optional<Alternative> ParseAlternative(std::string_view text);  // two-sided|less|greater
std::string_view AlternativeName(Alternative alternative);

}  // namespace prrt::stats
