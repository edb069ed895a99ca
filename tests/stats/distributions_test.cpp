// The chi-squared tail every test of the engine reports its p with (log-rank, Cox, Gray, Pearson), at R's
// conventions on the edges. Expected values: R 4.2.2, pchisq(q, df, lower.tail = FALSE).
#include <gtest/gtest.h>

#include <cmath>

#include "stats/distributions.h"

namespace prrt::stats::detail {
namespace {

TEST(ChiSquareUpperTail, AgreesWithRsPchisq) {
  EXPECT_NEAR(ChiSquareUpperTail(3.841458820694124, 1), 0.049999999999999975, 1e-15);
  EXPECT_NEAR(ChiSquareUpperTail(10, 4), 0.040427681994512805, 1e-15);
}

// Found by fuzz/stats_fuzzer: a cox.zph term whose quadratic form rounding took below 0 (a fit that did not
// converge) got p = NaN, where R gives 1; the log-rank and Gray's tests already clamped to 0, and Pearson's
// chi-squared threw on a NaN statistic.
TEST(ChiSquareUpperTail, AStatisticAtOrBelowZeroIsPOneAndNaNOrNoDfIsNaN) {
  EXPECT_EQ(ChiSquareUpperTail(-0.03, 1), 1);  // pchisq(-0.03, 1, lower.tail = FALSE) = 1
  EXPECT_EQ(ChiSquareUpperTail(0, 3), 1);
  EXPECT_TRUE(std::isnan(ChiSquareUpperTail(NAN, 1)));
  EXPECT_TRUE(std::isnan(ChiSquareUpperTail(2, 0)));  // no test on 0 df
}

}  // namespace
}  // namespace prrt::stats::detail
