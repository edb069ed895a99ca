#include "prrt/stats/correlation.h"

#include <gtest/gtest.h>

#include "prrt/stats/descriptives.h"

namespace prrt::stats {
namespace {

TEST(Spearman, ReferenceValuesFromTheStatisticsReference) {
  // ../shared/reference/statistics.md §3: n = 8 exact p = 0.01537698413; n = 20 AS 89 p = 6.093430419e-06.
  std::vector<double> x8{1, 2, 3, 4, 5, 6, 7, 8}, y8{2, 1, 4, 3, 6, 8, 5, 7};
  Result<SpearmanResult> r8 = Spearman(x8, y8);
  ASSERT_TRUE(r8.ok());
  EXPECT_EQ(r8->method, "exact");
  EXPECT_NEAR(r8->p, 0.01537698413, 1e-11);
  std::vector<double> x20, y20{3, 1, 4, 2, 6, 5, 9, 7, 8, 12, 10, 11, 15, 13, 20, 14, 16, 19, 17, 18};
  for (int i = 1; i <= 20; ++i)
    x20.push_back(i);
  Result<SpearmanResult> r20 = Spearman(x20, y20);
  ASSERT_TRUE(r20.ok());
  EXPECT_EQ(r20->method, "edgeworth");
  EXPECT_NEAR(r20->p, 6.093430419e-06, 1e-15);
}

TEST(Spearman, PerfectAgreementByHand) {
  // n = 4, rho = 1, S = 0: only the identity permutation has S <= 0, so one-sided p = 1/24, two-sided 1/12.
  std::vector<double> x{1, 2, 3, 4};
  Result<SpearmanResult> r = Spearman(x, x);
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->rho, 1);
  EXPECT_NEAR(r->p, 1.0 / 12, 1e-15);
}

TEST(AverageRanks, TiesShareTheirMeanRank) {
  EXPECT_EQ(AverageRanks(std::vector<double>{10, 20, 10, 30, 10}), (std::vector<double>{2, 4, 2, 5, 2}));
}

TEST(QuantileType7, InterpolatesBetweenOrderStatistics) {
  // R: quantile(c(1, 2, 4, 8), c(.25, .5, .9)) = 1.75, 3, 6.8 (h = 3p: 0.75, 1.5, 2.7).
  std::vector<double> v{1, 2, 4, 8};
  EXPECT_DOUBLE_EQ(QuantileType7(v, 0.25), 1.75);
  EXPECT_DOUBLE_EQ(QuantileType7(v, 0.5), 3);
  EXPECT_DOUBLE_EQ(QuantileType7(v, 0.9), 6.8);
  EXPECT_DOUBLE_EQ(QuantileType7(v, 1), 8);
}

}  // namespace
}  // namespace prrt::stats
