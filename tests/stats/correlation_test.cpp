#include "prrt/stats/correlation.h"

#include <gtest/gtest.h>

#include <cmath>

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

// x = 1..4, y = 1, 3, 2, 4: d^2 = 0, 1, 1, 0, so S = 2 and rho = 1 - 2 / ((4^3 - 4) / 6) = 0.8, which is also
// Pearson's r of the values (they are their ranks). The 24 permutations of 4 give S = 0, 2, 4, ..., 20 with
// counts 1, 3, 1, 4, 2, 2, 2, 4, 1, 3, 1, so P(S <= 2) = 4/24 and P(S >= 2) = 23/24. On 2 df, Student's
// P(T > t) = (1 - t / sqrt(2 + t^2)) / 2, and with t = r sqrt(2 / (1 - r^2)) that is (1 - r) / 2.
struct FourPairsCase {
  Alternative alternative;
  bool exact;
  bool continuity;
  double p;
  const char* method;
};

TEST(Spearman, FourPairsByHandForEachAlternativeAndPValueMethod) {
  const std::vector<double> x{1, 2, 3, 4}, y{1, 3, 2, 4};
  const FourPairsCase cases[] = {
      {Alternative::kTwoSided, true, false, 2 * 4.0 / 24, "exact"},
      {Alternative::kGreater, true, false, 4.0 / 24, "exact"},
      {Alternative::kLess, true, false, 23.0 / 24, "exact"},
      {Alternative::kGreater, true, true, 4.0 / 24,
       "exact"},  // the correction is for the t approximation only
      {Alternative::kTwoSided, false, false, 2 * (1 - 0.8) / 2, "t"},
      {Alternative::kGreater, false, false, (1 - 0.8) / 2, "t"},
      {Alternative::kLess, false, false, (1 + 0.8) / 2, "t"},
      // continuity: r = 1 - S / ((4^3 - 4) / 6 + 1) = 1 - 2/11 = 9/11
      {Alternative::kGreater, false, true, (1 - 9.0 / 11) / 2, "t"},
      {Alternative::kTwoSided, false, true, 1 - 9.0 / 11, "t"},
  };
  for (const FourPairsCase& c : cases) {
    SCOPED_TRACE(::testing::Message()
                 << AlternativeName(c.alternative) << " exact=" << c.exact << " continuity=" << c.continuity);
    Result<SpearmanResult> r = Spearman(x, y, {c.alternative, c.exact, c.continuity});
    ASSERT_TRUE(r.ok());
    EXPECT_DOUBLE_EQ(r->rho, 0.8);
    EXPECT_DOUBLE_EQ(r->statistic, 2);
    EXPECT_EQ(r->method, c.method);
    EXPECT_NEAR(r->p, c.p, 1e-14);
  }
}

TEST(Pearson, FourPairsByHandOneSidedWithOpenCi) {
  // r = 0.8 as above; t = 0.8 sqrt(2 / 0.36). Fisher's z = atanh(0.8) = ln 3 with sigma = 1 / sqrt(4 - 3) =
  // 1, so a limit is tanh(ln 3 -+ q) = (9 e^(-+2q) - 1) / (9 e^(-+2q) + 1).
  const std::vector<double> x{1, 2, 3, 4}, y{1, 3, 2, 4};
  auto limit = [](double shift) { return (9 * std::exp(2 * shift) - 1) / (9 * std::exp(2 * shift) + 1); };
  const double q95 = 1.6448536269514722, q975 = 1.959963984540054;  // qnorm(0.95), qnorm(0.975)

  Result<PearsonResult> greater = Pearson(x, y, 0.95, Alternative::kGreater);
  ASSERT_TRUE(greater.ok());
  EXPECT_NEAR(greater->t, 0.8 * std::sqrt(2 / 0.36), 1e-14);
  EXPECT_NEAR(greater->p, 0.1, 1e-14);
  EXPECT_NEAR(greater->lower, limit(-q95), 1e-14);
  EXPECT_EQ(greater->upper, 1);

  Result<PearsonResult> less = Pearson(x, y, 0.95, Alternative::kLess);
  ASSERT_TRUE(less.ok());
  EXPECT_NEAR(less->p, 0.9, 1e-14);
  EXPECT_EQ(less->lower, -1);
  EXPECT_NEAR(less->upper, limit(q95), 1e-14);

  Result<PearsonResult> both = Pearson(x, y, 0.95);
  ASSERT_TRUE(both.ok());
  EXPECT_NEAR(both->p, 0.2, 1e-14);
  EXPECT_NEAR(both->lower, limit(-q975), 1e-14);
  EXPECT_NEAR(both->upper, limit(q975), 1e-14);
}

// Found by fuzz/stats_fuzzer: on 0, 3, 7 against 0, 0.3, 0.7 (an exact line) the sums of products round to an
// r of 1 + 2^-52, and t = sqrt(1 - r^2) was NaN, which the t distribution refused (a crash). R 4.2.2:
// cor(x, y) == 1 is TRUE; cor.test gives t = Inf and p = 0, and with exact = FALSE Spearman's p = 0 too.
TEST(Pearson, AnExactLineIsRofOneWhereRoundingWouldOvershoot) {
  const std::vector<double> x{0, 3, 7}, y{0, 0.3, 0.7}, down{0, -0.3, -0.7};
  Result<PearsonResult> line = Pearson(x, y);
  ASSERT_TRUE(line.ok());
  EXPECT_EQ(line->r, 1);
  EXPECT_EQ(line->t, INFINITY);
  EXPECT_EQ(line->p, 0);
  Result<PearsonResult> falling = Pearson(x, down, 0.95, Alternative::kLess);
  ASSERT_TRUE(falling.ok());
  EXPECT_EQ(falling->r, -1);
  EXPECT_EQ(falling->p, 0);
  Result<SpearmanResult> ranks = Spearman(x, y, {.exact = false});
  ASSERT_TRUE(ranks.ok());
  EXPECT_EQ(ranks->rho, 1);
  EXPECT_EQ(ranks->p, 0);
}

TEST(AverageRanks, TiesShareTheirMeanRank) {
  EXPECT_EQ(AverageRanks(std::vector<double>{10, 20, 10, 30, 10}), (std::vector<double>{2, 4, 2, 5, 2}));
}

}  // namespace
}  // namespace prrt::stats
