// R's quantile types and the numeric summaries of the paper's tables.
#include "prrt/stats/descriptives.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "support/json_match.h"

namespace prrt::stats {
namespace {

TEST(Quantile, Type7InterpolatesBetweenOrderStatistics) {
  // R: quantile(c(1, 2, 4, 8), c(.25, .5, .9)) = 1.75, 3, 6.8 (h = 3p: 0.75, 1.5, 2.7).
  std::vector<double> v{1, 2, 4, 8};
  EXPECT_DOUBLE_EQ(Quantile(v, 0.25), 1.75);
  EXPECT_DOUBLE_EQ(Quantile(v, 0.5), 3);
  EXPECT_DOUBLE_EQ(Quantile(v, 0.9), 6.8);
  EXPECT_DOUBLE_EQ(Quantile(v, 1), 8);
}

TEST(Quantile, Type6IsSpssWeightedAverageAtNPlus1TimesP) {
  // SPSS's HAVERAGE: the weighted average at X_((n + 1) p). n = 4: Q1 at 1.25 = 1 + 0.25 (2 - 1) = 1.25,
  // the median at 2.5 = 3, Q3 at 3.75 = 4 + 0.75 (8 - 4) = 7; p = 0.1 at 0.5, before X_1: X_1 = 1.
  std::vector<double> v{1, 2, 4, 8};
  EXPECT_DOUBLE_EQ(Quantile(v, 0.25, kQuantileTypeSpss), 1.25);
  EXPECT_DOUBLE_EQ(Quantile(v, 0.5, kQuantileTypeSpss), 3);
  EXPECT_DOUBLE_EQ(Quantile(v, 0.75, kQuantileTypeSpss), 7);
  EXPECT_DOUBLE_EQ(Quantile(v, 0.1, kQuantileTypeSpss), 1);
}

// R's quantile(x, probs, type) for types 1 to 9 on small samples with ties, n = 1 and 2, negative values and
// probabilities where n p is whole (tests/golden/quantile_types.json, written by tests/r/make_goldens.R).
// prrt does R's arithmetic, so the values agree to the last bit.
TEST(Quantile, EveryTypeAgreesWithRToTheLastBit) {
  const nlohmann::json cases =
      nlohmann::json::parse(testing::ReadSourceFile("tests/golden/quantile_types.json"));
  ASSERT_EQ(cases.size(), 8u);
  for (const auto& c : cases) {
    std::vector<double> x = c.at("x").get<std::vector<double>>();
    std::sort(x.begin(), x.end());
    const std::vector<double> probs = c.at("probs").get<std::vector<double>>();
    for (int type = 1; type <= 9; ++type) {
      const std::vector<double> expected = c.at("types").at(type - 1).get<std::vector<double>>();
      ASSERT_EQ(expected.size(), probs.size());
      for (size_t i = 0; i < probs.size(); ++i)
        EXPECT_EQ(Quantile(x, probs[i], type), expected[i])
            << "x = " << c.at("x").dump() << ", type " << type << ", p = " << probs[i];
    }
  }
}

// R's mean sums in long double, in the input's order, then adds the mean deviation from that (summary.c):
// R 4.2.2, sprintf("%.17g", mean(x)): 1.35e+308 for c(1e308, 1.7e308), whose double sum overflows (prrt's
// mean was Inf), and 0.33365885416666669 for c(1, 1e16, -1e16), where a double sum loses the 1 (prrt's was
// 0) and the deviations are rounded to the long double's 2^-10 near 1e16.
TEST(SummariseNumeric, TheMeanIsRsToTheLastBit) {
  Result<NumericSummary> large = SummariseNumeric(std::vector<double>{1e308, 1.7e308});
  ASSERT_TRUE(large.ok());
  EXPECT_EQ(large->mean, 1.35e308);
  Result<NumericSummary> cancelling = SummariseNumeric(std::vector<double>{1, 1e16, -1e16});
  ASSERT_TRUE(cancelling.ok());
  EXPECT_EQ(cancelling->mean, 0.33365885416666669);
}

}  // namespace
}  // namespace prrt::stats
