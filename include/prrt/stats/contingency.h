// prrt/stats/contingency.h — tests on r x c tables of counts, as R's fisher.test and chisq.test.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "prrt/common/result.h"

namespace prrt::stats {

//! Counts in row-major order.
struct ContingencyTable {
  int rows = 0;
  int cols = 0;
  std::vector<double> counts;
  double at(int r, int c) const { return counts[static_cast<size_t>(r) * cols + c]; }
};

//! Checks the shape (at least 2 x 2) and that counts are finite and >= 0 (and whole, if `whole_counts`).
Status ValidateTable(const ContingencyTable& table, bool whole_counts);

struct FisherResult {
  double p = 1;
  //! 2 x 2 only: the conditional maximum-likelihood odds ratio and its exact CI.
  std::optional<double> odds_ratio;
  std::optional<double> or_lower;
  std::optional<double> or_upper;
};

//! Fisher's exact test, two-sided: the probability of the tables (with the observed margins) no more likely
//! than the observed one, within R's relative tolerance 1e-7. r x c tables by an exact network algorithm.
Result<FisherResult> FisherExact(const ContingencyTable& table, double conf_level = 0.95);

struct ChiSquareResult {
  double statistic = 0;
  int df = 0;
  double p = 1;
  std::vector<double> expected;  //!< row-major, as the table
  std::vector<std::string> warnings;
};

//! Pearson's chi-squared test of independence; `yates` applies the continuity correction (2 x 2 only, as R).
Result<ChiSquareResult> PearsonChiSquare(const ContingencyTable& table, bool yates);

}  // namespace prrt::stats
