#include "prrt/stats/p_adjust.h"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

namespace prrt::stats {
namespace {

// p = 0.01, 0.04, 0.03, 0.005 (m = 4), by hand. Sorted: 0.005, 0.01, 0.03, 0.04.
// Bonferroni: 4 p. Holm: 4 x 0.005 = 0.02, 3 x 0.01 = 0.03, 2 x 0.03 = 0.06, 1 x 0.04 = 0.04 -> 0.06 (kept
// non-decreasing). BH: 0.005 x 4/1 = 0.02, 0.01 x 4/2 = 0.02, 0.03 x 4/3 = 0.04, 0.04 x 4/4 = 0.04 (kept
// non-increasing from the largest: unchanged).
struct AdjustCase {
  PAdjust method;
  std::vector<double> expected;  // in the order given
};

TEST(AdjustPValues, ByHandForEachMethod) {
  const std::vector<std::optional<double>> p{0.01, 0.04, 0.03, 0.005};
  const AdjustCase cases[] = {
      {PAdjust::kNone, {0.01, 0.04, 0.03, 0.005}},
      {PAdjust::kBonferroni, {0.04, 0.16, 0.12, 0.02}},
      {PAdjust::kHolm, {0.03, 0.06, 0.06, 0.02}},
      {PAdjust::kBH, {0.02, 0.04, 0.04, 0.02}},
  };
  for (const AdjustCase& c : cases) {
    SCOPED_TRACE(PAdjustName(c.method));
    const std::vector<std::optional<double>> adjusted = AdjustPValues(p, c.method);
    ASSERT_EQ(adjusted.size(), c.expected.size());
    for (size_t i = 0; i < adjusted.size(); ++i) {
      ASSERT_TRUE(adjusted[i].has_value());
      EXPECT_NEAR(*adjusted[i], c.expected[i], 1e-15);
    }
  }
}

TEST(AdjustPValues, AbsentValuesAreNotCountedAndCapsAtOne) {
  // m = 2 (the absent one is not a test): Bonferroni 2 x 0.3 = 0.6, 2 x 0.7 = 1.4 -> 1.
  const std::vector<std::optional<double>> p{0.3, std::nullopt, 0.7};
  const std::vector<std::optional<double>> adjusted = AdjustPValues(p, PAdjust::kBonferroni);
  EXPECT_NEAR(*adjusted[0], 0.6, 1e-15);
  EXPECT_FALSE(adjusted[1].has_value());
  EXPECT_EQ(*adjusted[2], 1.0);
  EXPECT_TRUE(AdjustPValues({}, PAdjust::kHolm).empty());
}

TEST(AdjustPValues, NamesAreRs) {
  for (const char* name : {"none", "bonferroni", "holm", "BH"})
    EXPECT_EQ(PAdjustName(*ParsePAdjust(name)), name);
  EXPECT_FALSE(ParsePAdjust("fdr").has_value());
}

}  // namespace
}  // namespace prrt::stats
