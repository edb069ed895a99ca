// Cumulative incidence by hand, and against the reference values of ../shared/reference/statistics.md §4;
// cmprsk's own answers for the same functions are in tests/golden/cuminc.json.
#include "prrt/stats/competing.h"

#include <gtest/gtest.h>

#include <cmath>

#include "prrt/io/csv.h"

namespace prrt::stats {
namespace {

// Value of a step curve at t: the last corner point at or before t.
double ValueAt(const CumincCurve& curve, double t) {
  double value = 0;
  for (size_t i = 0; i < curve.time.size() && curve.time[i] <= t; ++i)
    value = curve.estimate[i];
  return value;
}

// Times 1..5 with causes 1, 2, censored, 1, 1. All-cause S: 0.8 after t=1, 0.6 after t=2, 0.3 after t=4, 0
// at 5. F_1 = 1·1/5 = 0.2 at t=1; + 0.6·1/2 = 0.5 at t=4; + 0.3·1/1 = 0.8 at t=5. The variance at t is the
// sum over event times t_j <= t of a_j ((S_j + F_j - F(t))/S_j)^2 (cause 1) + b_j ((F_j - F(t))/S_j)^2 (cause
// 2), with a_j = S(t_j-)^2 d/n^2 for one event:
//   t=1: a = 1/25, S_1 = 0.8, F_1 = 0.2:  var(1) = 0.04 · ((0.8 + 0.2 - 0.2)/0.8)^2 = 0.04.
//   t=4: contributions 0.04·((1 - 0.5)/0.8)^2 = 0.015625; t=2 (cause 2, b = 0.64/16 = 0.04):
//        0.04·((0.2 - 0.5)/0.6)^2 = 0.01; t=4 itself: a = 0.36/4 = 0.09, ((0.3 + 0.5 - 0.5)/0.3)^2 = 1 ->
//        0.09. var(4) = 0.115625.
TEST(CumulativeIncidence, SmallExampleByHand) {
  const std::vector<double> time{1, 2, 3, 4, 5};
  const std::vector<int32_t> cause{1, 2, 0, 1, 1};
  Result<CumincResult> result = CumulativeIncidence({time, cause}, 2, 1, 1, CumincOptions{});
  ASSERT_TRUE(result.ok()) << result.status().message();
  ASSERT_EQ(result->curves.size(), 2u);
  EXPECT_TRUE(result->gray.empty());
  const CumincCurve& pcm = result->curves[0];
  EXPECT_EQ(pcm.cause, 1);
  // Corner points: (0,0), (1,0), (1,.2), (4,.2), (4,.5), (5,.5), (5,.8), then the last time (5,.8).
  const std::vector<double> expected_time{0, 1, 1, 4, 4, 5, 5, 5};
  const std::vector<double> expected_estimate{0, 0, 0.2, 0.2, 0.5, 0.5, 0.8, 0.8};
  ASSERT_EQ(pcm.time, expected_time);
  for (size_t i = 0; i < expected_estimate.size(); ++i)
    EXPECT_NEAR(pcm.estimate[i], expected_estimate[i], 1e-15) << i;
  EXPECT_NEAR(pcm.variance[2], 0.04, 1e-15);
  EXPECT_NEAR(pcm.variance[4], 0.115625, 1e-15);
  // log(-log) limits at F = 0.2: 0.2^exp(±z·0.2/|0.2 log 0.2|).
  const double half = 1.959963984540054 * 0.2 / std::fabs(0.2 * std::log(0.2));
  EXPECT_NEAR(pcm.lower[2], std::pow(0.2, std::exp(half)), 1e-12);
  EXPECT_NEAR(pcm.upper[2], std::pow(0.2, std::exp(-half)), 1e-12);
  // Cause 2: one step at t=2 to 0.8·1/4 = 0.2.
  EXPECT_EQ(result->curves[1].time, (std::vector<double>{0, 2, 2, 5}));
  EXPECT_NEAR(result->curves[1].estimate.back(), 0.2, 1e-15);
}

// The reference's mgus2 values (PCM, death as the competing event), from survfit's Aalen–Johansen estimate,
// which has the same point estimates as cuminc.
TEST(CumulativeIncidence, Mgus2MatchesTheReferenceValues) {
  Result<io::CsvReader> reader = io::CsvReader::Open("tests/data/mgus2_competing.csv");
  ASSERT_TRUE(reader.ok());
  Result<io::ColumnSet> set =
      io::ReadColumns(*reader, {{"etime", io::ColumnType::kNumber}, {"event", io::ColumnType::kNumber}});
  ASSERT_TRUE(set.ok());
  std::vector<int32_t> cause;
  for (double e : set->columns[1].numbers)
    cause.push_back(static_cast<int32_t>(e));
  Result<CumincResult> result =
      CumulativeIncidence({set->columns[0].numbers, cause}, 2, 1, 1, CumincOptions{});
  ASSERT_TRUE(result.ok());
  const CumincCurve& pcm = result->curves[0];
  const CumincCurve& death = result->curves[1];
  EXPECT_NEAR(ValueAt(pcm, 60), 0.034103713, 1e-9);
  EXPECT_NEAR(ValueAt(pcm, 120), 0.063722168, 1e-9);
  EXPECT_NEAR(ValueAt(pcm, 240), 0.099813716, 1e-9);
  EXPECT_NEAR(ValueAt(death, 60), 0.32036701, 1e-8);
  EXPECT_NEAR(ValueAt(death, 120), 0.53181770, 1e-8);
  EXPECT_NEAR(ValueAt(death, 240), 0.72402798, 1e-8);
}

TEST(CumulativeIncidence, RejectsBadInput) {
  const std::vector<double> time{1, 2};
  const std::vector<int32_t> bad_cause{1, 3};
  Result<CumincResult> result = CumulativeIncidence({time, bad_cause}, 2, 1, 1, CumincOptions{});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(), "observation 2: cause 3 outside 0..2");
  const std::vector<double> negative{1, -2};
  const std::vector<int32_t> cause{1, 0};
  result = CumulativeIncidence({negative, cause}, 1, 1, 1, CumincOptions{});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(), "observation 2: time -2 is not a finite number >= 0");
  CumincOptions nan_rho;
  nan_rho.rho = std::nan("");
  result = CumulativeIncidence({time, cause}, 1, 1, 1, nan_rho);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(), "rho nan is not a finite number");
}

}  // namespace
}  // namespace prrt::stats
