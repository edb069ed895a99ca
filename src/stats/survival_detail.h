// Private helpers shared by the survival estimators (KM, log-rank, Cox).
#pragma once

#include <cmath>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "prrt/common/result.h"
#include "prrt/stats/survival.h"

namespace prrt::stats::detail {

//! R's tolerance for "equal" survival values and times: sqrt(.Machine$double.eps).
inline const double kRTolerance = std::sqrt(2.220446049250313e-16);

//! Checks times (finite, >= 0), events (0/1), groups (0..n_groups-1, or none), start times (finite, >= 0,
//! before their stop; or none), case weights (finite, > 0; or none) and equal lengths.
Status ValidateSurvivalData(const SurvivalData& data, int32_t n_groups);

//! Whether some case weight is not a whole number: R then uses the robust (infinitesimal jackknife) variance.
bool HasFractionalWeights(std::span<const double> weight);

//! Rejects case weights in an analysis that does not take them.
Status RequireUnweighted(const SurvivalData& data, std::string_view analysis);

//! Rejects counting-process data in an analysis defined for right-censored data only.
Status RequireRightCensored(const SurvivalData& data, std::string_view analysis);

//! Two-sided standard normal quantile for a confidence level, qnorm(1 - (1 - level)/2).
double NormalQuantileForLevel(double conf_level);

//! R's pmax/pmin: NaN when either argument is NaN.
inline double PMax(double a, double b) {
  return std::isnan(a) || std::isnan(b) ? NAN : (a > b ? a : b);
}
inline double PMin(double a, double b) {
  return std::isnan(a) || std::isnan(b) ? NAN : (a < b ? a : b);
}

}  // namespace prrt::stats::detail
