#include "prrt/stats/alternative.h"

namespace prrt::stats {

namespace {

struct AlternativeText {
  Alternative alternative;
  std::string_view name;
};
constexpr AlternativeText kAlternativeNames[] = {
    {Alternative::kTwoSided, "two-sided"}, {Alternative::kLess, "less"}, {Alternative::kGreater, "greater"}};

}  // namespace

std::optional<Alternative> ParseAlternative(std::string_view text) {
  for (const AlternativeText& entry : kAlternativeNames) {
    if (entry.name == text) return entry.alternative;
  }
  return std::nullopt;
}

std::string_view AlternativeName(Alternative alternative) {
  for (const AlternativeText& entry : kAlternativeNames) {
    if (entry.alternative == alternative) return entry.name;
  }
  return "?";
}

}  // namespace prrt::stats
