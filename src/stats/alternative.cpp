#include "prrt/stats/alternative.h"

#include "prrt/common/named_values.h"

namespace prrt::stats {

namespace {

constexpr NamedValue<Alternative> kAlternativeNames[] = {
    {Alternative::kTwoSided, "two-sided"}, {Alternative::kLess, "less"}, {Alternative::kGreater, "greater"}};

}  // namespace

std::optional<Alternative> ParseAlternative(std::string_view text) {
  return ValueNamed(kAlternativeNames, text);
}

std::string_view AlternativeName(Alternative alternative) {
  return NameOf(kAlternativeNames, alternative);
}

}  // namespace prrt::stats
