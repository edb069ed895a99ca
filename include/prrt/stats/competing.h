// prrt/stats/competing.h — competing risks: the Aalen–Johansen cumulative incidence of each cause with the
// Aalen-type variance, and Gray's k-sample test, as R's cmprsk::cuminc.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "prrt/common/result.h"
#include "prrt/stats/cox.h"

namespace prrt::stats {

//! One row per subject: the time of the first event or of censoring, and its cause (0 = censored,
//! 1..n_causes = the cause). `group` codes 0..k-1 (empty: one group); `strata` codes 0..m-1 stratify Gray's
//! test only (empty: one stratum). Times are used as they are: cmprsk does not merge near-ties.
struct CompetingData {
  std::span<const double> time;
  std::span<const int32_t> cause;
  std::span<const int32_t> group = {};
  std::span<const int32_t> strata = {};
};

struct CumincOptions {
  double rho = 0;            //!< Gray's test weight (1 - F(t-))^rho; 0 as cmprsk's default
  double conf_level = 0.95;  //!< for the pointwise CI, on the log(-log) scale
};

//! The step function of one cause's cumulative incidence in one group, by its corner points as cmprsk
//! returns them: (0, 0), then at each time with an event of the cause the value before and after it, and
//! a last point at the group's largest time.
struct CumincCurve {
  int32_t cause = 0;
  int32_t group = 0;
  std::vector<double> time;
  std::vector<double> estimate;
  std::vector<double> variance;  //!< cmprsk's Aalen-type variance
  std::vector<double> lower;     //!< F^exp(z·se / |F log F|); NaN where F is 0 or 1
  std::vector<double> upper;     //!< F^exp(-z·se / |F log F|)
};

struct CumincResult {
  std::vector<CumincCurve> curves;  //!< by cause, then group
  std::vector<ChiSquareTest> gray;  //!< one per cause (index = cause - 1); empty with a single group
};

//! The cumulative incidence curves of every cause in every group, and Gray's test of equal incidence
//! across groups for each cause (on k - 1 df; chi-square NaN when its variance matrix is singular).
Result<CumincResult> CumulativeIncidence(const CompetingData& data, int32_t n_causes, int32_t n_groups,
                                         int32_t n_strata, const CumincOptions& options);

}  // namespace prrt::stats
