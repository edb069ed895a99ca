// Private pieces of the contingency tests.
#pragma once

#include <cmath>
#include <vector>

#include "prrt/common/result.h"
#include "prrt/stats/contingency.h"

namespace prrt::stats::detail {

inline double LogFactorial(int n) {
  return std::lgamma(n + 1.0);
}

//! The two-sided Fisher exact p-value of an r x c table of counts (row-major): the total probability,
//! given the margins, of the tables whose probability does not exceed the observed one's (log-scale
//! tolerance 3.45254e-7, as FEXACT). Exact, by a network algorithm that merges equivalent partial tables and
//! settles whole sub-networks with bounds on the remaining path.
//! Beyond `limits` it stops with FailedPrecondition rather than exhaust the machine.
Result<double> FisherNetworkP(const std::vector<int>& cells, int rows, int cols, const FisherLimits& limits);

}  // namespace prrt::stats::detail
