// Hand-calculated checks of the survival estimators, written out so that each expected value can be
// verified on paper; R's answers for the same methods are in tests/golden.
#include <gtest/gtest.h>

#include <cmath>

#include "prrt/stats/logrank.h"
#include "prrt/stats/survival.h"

namespace prrt::stats {
namespace {

TEST(KaplanMeier, SmallExampleByHand) {
  // Times 1, 2, 2+, 3, 4+ (+ censored). At t=2 the censored subject is still at risk for the death.
  const std::vector<double> time{1, 2, 2, 3, 4};
  const std::vector<int8_t> event{1, 1, 0, 1, 0};
  Result<std::vector<KmCurve>> curves = KaplanMeier({time, event, {}}, 1, KmOptions{});
  ASSERT_TRUE(curves.ok());
  const auto& rows = (*curves)[0].rows;
  ASSERT_EQ(rows.size(), 4u);
  // t=1: n=5, d=1: S = 4/5. Greenwood var(log S) = 1/(5*4) = 0.05.
  EXPECT_DOUBLE_EQ(rows[0].surv, 0.8);
  EXPECT_NEAR(rows[0].std_err_log, std::sqrt(0.05), 1e-15);
  // t=2: n=4, d=1, c=1: S = 0.8 * 3/4 = 0.6; var = 0.05 + 1/(4*3).
  EXPECT_EQ(rows[1].n_risk, 4);
  EXPECT_EQ(rows[1].n_censor, 1);
  EXPECT_DOUBLE_EQ(rows[1].surv, 0.6);
  EXPECT_NEAR(rows[1].std_err_log, std::sqrt(0.05 + 1.0 / 12), 1e-15);
  // t=3: n=2, d=1: S = 0.3; var += 1/(2*1). log CI: exp(log 0.3 ± 1.959964 * se).
  const double se = std::sqrt(0.05 + 1.0 / 12 + 0.5);
  EXPECT_DOUBLE_EQ(rows[2].surv, 0.3);
  EXPECT_NEAR(rows[2].lower, 0.3 * std::exp(-1.959963984540054 * se), 1e-12);
  EXPECT_NEAR(rows[2].upper, std::min(1.0, 0.3 * std::exp(1.959963984540054 * se)), 1e-12);
  EXPECT_NEAR(rows[2].std_err, 0.3 * se, 1e-15);
  // Median: first S < 0.5 is at t=3.
  QuantileEstimate median = SurvivalQuantile((*curves)[0], 0.5, QuantileRule::kPrint, 0.95);
  EXPECT_EQ(median.estimate, 3.0);
}

TEST(KaplanMeier, LastSubjectDyingGivesInfiniteVarianceAndNoLogInterval) {
  const std::vector<double> time{1, 2};
  const std::vector<int8_t> event{1, 1};
  Result<std::vector<KmCurve>> curves = KaplanMeier({time, event, {}}, 1, KmOptions{});
  ASSERT_TRUE(curves.ok());
  const KmRow& last = (*curves)[0].rows.back();
  EXPECT_EQ(last.surv, 0);
  EXPECT_TRUE(std::isinf(last.std_err_log));
  EXPECT_TRUE(std::isnan(last.std_err));
  EXPECT_TRUE(std::isnan(last.lower));
  EXPECT_TRUE(std::isnan(last.upper));
}

TEST(SurvivalQuantile, FlatHalfToTheEndTakesPrintRuleNotQuantileRule) {
  // survival's tests/quantile.R: deaths at 54, 75, 77, 84, 87, censored 92..118: S = 0.5 from 87 on.
  // print.survfit gives 87 with CI (77, NA); quantile.survfit would give 102.5 (the reference, §1.3).
  const std::vector<double> time{54, 75, 77, 84, 87, 92, 103, 105, 112, 118};
  const std::vector<int8_t> event{1, 1, 1, 1, 1, 0, 0, 0, 0, 0};
  Result<std::vector<KmCurve>> curves = KaplanMeier({time, event, {}}, 1, KmOptions{});
  ASSERT_TRUE(curves.ok());
  QuantileEstimate median = SurvivalQuantile((*curves)[0], 0.5, QuantileRule::kPrint, 0.95);
  EXPECT_EQ(median.estimate, 87.0);
  EXPECT_EQ(median.lower, 77.0);
  EXPECT_FALSE(median.upper.has_value());
}

TEST(SurvivalQuantile, MidpointWhenTheCurveSitsOnHalfAndDropsLater) {
  // 4 subjects: deaths at 1 and 2 give S = 0.5 at 2 exactly; the next death at 5 gives the midpoint 3.5.
  const std::vector<double> time{1, 2, 5, 6};
  const std::vector<int8_t> event{1, 1, 1, 0};
  Result<std::vector<KmCurve>> curves = KaplanMeier({time, event, {}}, 1, KmOptions{});
  ASSERT_TRUE(curves.ok());
  EXPECT_EQ(SurvivalQuantile((*curves)[0], 0.5, QuantileRule::kPrint, 0.95).estimate, 3.5);
  // The 25th percentile: S = 0.75 exactly at t = 1, and it drops at 2, so again a midpoint: 1.5.
  EXPECT_EQ(SurvivalQuantile((*curves)[0], 0.25, QuantileRule::kPrint, 0.95).estimate, 1.5);
}

TEST(SurvivalQuantile, SpssRuleReproducesTheReferenceValues) {
  // ../shared/reference/statistics.md §2: lung sex = 1: 270, SE 27.639, CI 215.8–324.2. The lung data
  // set is in tests/data; here the rule is checked on a constructed curve instead, by hand:
  // deaths at 10, 20, 30, 40 among 8 subjects (censored at 50+): S = 7/8, 6/8, 5/8, 4/8 at the deaths.
  const std::vector<double> time{10, 20, 30, 40, 50, 50, 50, 50};
  const std::vector<int8_t> event{1, 1, 1, 1, 0, 0, 0, 0};
  Result<std::vector<KmCurve>> curves = KaplanMeier({time, event, {}}, 1, KmOptions{});
  ASSERT_TRUE(curves.ok());
  QuantileEstimate median = SurvivalQuantile((*curves)[0], 0.5, QuantileRule::kSpss, 0.95);
  // Median: first event time with S <= 0.5 is 40. u: last event time with S >= 0.55 is 30 (S = 0.625);
  // v: first event time with S <= 0.45: none, so SE and CI are absent.
  EXPECT_EQ(median.estimate, 40.0);
  EXPECT_FALSE(median.std_err.has_value());
  // With one more death at 45 (S = 3/8 <= 0.45): f = (0.625 - 0.375) / (45 - 30).
  const std::vector<double> time2{10, 20, 30, 40, 45, 50, 50, 50};
  const std::vector<int8_t> event2{1, 1, 1, 1, 1, 0, 0, 0};
  curves = KaplanMeier({time2, event2, {}}, 1, KmOptions{});
  ASSERT_TRUE(curves.ok());
  median = SurvivalQuantile((*curves)[0], 0.5, QuantileRule::kSpss, 0.95);
  const double se_s = 0.5 * std::sqrt(1.0 / (8 * 7) + 1.0 / (7 * 6) + 1.0 / (6 * 5) + 1.0 / (5 * 4));
  const double f = (0.625 - 0.375) / 15;
  ASSERT_TRUE(median.std_err.has_value());
  EXPECT_NEAR(*median.std_err, se_s / f, 1e-12);
  EXPECT_NEAR(*median.lower, 40 - 1.959963984540054 * se_s / f, 1e-9);
}

TEST(MergeNearTies, MergesAbsoluteAndRelativeNearTiesToTheFirstOfTheRun) {
  EXPECT_EQ(MergeNearTies(std::vector<double>{1, 1 + 1e-10, 2, 1 + 2e-10}),
            (std::vector<double>{1, 1, 2, 1}));
  // Relative: gap 5 against a mean of about 6.7e8 is 7.5e-9 <= 1.49e-8.
  EXPECT_EQ(MergeNearTies(std::vector<double>{1e9, 1e9 + 5, 1}), (std::vector<double>{1e9, 1e9, 1}));
  EXPECT_EQ(MergeNearTies(std::vector<double>{1, 1 + 1e-6}), (std::vector<double>{1, 1 + 1e-6}));
}

TEST(LogRank, SpssWeightsMatchTheReferenceValuesForAml) {
  // ../shared/reference/statistics.md §2: AML Breslow 2.72331155 (p 0.09889), Tarone–Ware 2.98160362.
  const std::vector<double> time{9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161, 5,
                                 5, 8,  8,  12, 16, 23, 27, 30, 33, 43, 45};
  const std::vector<int8_t> event{1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1};
  std::vector<int32_t> group(23, 1);
  std::fill(group.begin(), group.begin() + 11, 0);
  LogrankOptions options;
  options.weight = LogrankWeight::kBreslow;
  Result<LogrankResult> breslow = LogRank({time, event, group}, 2, {}, 0, options);
  ASSERT_TRUE(breslow.ok());
  EXPECT_NEAR(breslow->chisq, 2.72331155, 1e-8);
  EXPECT_NEAR(breslow->p, 0.09889, 1e-5);
  options.weight = LogrankWeight::kTaroneWare;
  Result<LogrankResult> tarone = LogRank({time, event, group}, 2, {}, 0, options);
  ASSERT_TRUE(tarone.ok());
  EXPECT_NEAR(tarone->chisq, 2.98160362, 1e-8);
  // And survdiff's log-rank: 3.3963886990, O/E 7/10.689336 and 11/7.310664.
  Result<LogrankResult> logrank = LogRank({time, event, group}, 2, {}, 0, LogrankOptions{});
  ASSERT_TRUE(logrank.ok());
  EXPECT_NEAR(logrank->chisq, 3.3963886990, 1e-9);
  EXPECT_NEAR(logrank->groups[0].expected, 10.689336, 1e-6);
}

// Counting-process Kaplan–Meier by hand: A (0,2] death, B (0,3] death, C (2.5,4] death, D (1,5] censored.
// At risk: t=2 {A,B,D} = 3 (C enters at 2.5), t=3 {B,C,D} = 3, t=4 {C,D} = 2, t=5 {D} = 1.
// S = 2/3, 4/9, 2/9, 2/9; Greenwood var(log S) = 1/(3·2) + 1/(3·2) + 1/(2·1).
TEST(KaplanMeier, DelayedEntryByHand) {
  const std::vector<double> start{0, 0, 2.5, 1};
  const std::vector<double> stop{2, 3, 4, 5};
  const std::vector<int8_t> event{1, 1, 1, 0};
  Result<std::vector<KmCurve>> curves = KaplanMeier({stop, event, {}, start}, 1, KmOptions{});
  ASSERT_TRUE(curves.ok()) << curves.status().message();
  const auto& rows = (*curves)[0].rows;
  ASSERT_EQ(rows.size(), 4u);
  const double expected_risk[] = {3, 3, 2, 1};
  const double expected_surv[] = {2.0 / 3, 4.0 / 9, 2.0 / 9, 2.0 / 9};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(rows[i].n_risk, expected_risk[i]) << i;
    EXPECT_NEAR(rows[i].surv, expected_surv[i], 1e-15) << i;
  }
  EXPECT_NEAR(rows[2].std_err_log, std::sqrt(1.0 / 6 + 1.0 / 6 + 0.5), 1e-15);
  EXPECT_EQ(rows[3].n_censor, 1);
}

TEST(KaplanMeier, StartTimesMustComeBeforeTheirStop) {
  const std::vector<double> start{0, 4};
  const std::vector<double> stop{2, 3};
  const std::vector<int8_t> event{1, 1};
  Result<std::vector<KmCurve>> curves = KaplanMeier({stop, event, {}, start}, 1, KmOptions{});
  ASSERT_FALSE(curves.ok());
  EXPECT_EQ(curves.status().message(), "observation 2: the interval (4, 3] does not end after it starts");
}

TEST(LogRankAndFollowUp, RejectCountingProcessData) {
  const std::vector<double> start{0, 1};
  const std::vector<double> stop{2, 3};
  const std::vector<int8_t> event{1, 0};
  const std::vector<int32_t> group{0, 1};
  Result<LogrankResult> test = LogRank({stop, event, group, start}, 2, {}, 0, LogrankOptions{});
  ASSERT_FALSE(test.ok());
  EXPECT_EQ(test.status().message(),
            "the log-rank test is defined for right-censored data; it does not take start times");
  Result<std::vector<KmCurve>> follow_up =
      ReverseKaplanMeier({stop, event, group, start}, 2, FollowUpTies::kSurvival, KmOptions{});
  ASSERT_FALSE(follow_up.ok());
  EXPECT_NE(follow_up.status().message().find("right-censored"), std::string::npos);
}

}  // namespace
}  // namespace prrt::stats
