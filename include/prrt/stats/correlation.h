// prrt/stats/correlation.h — Spearman's rho and Pearson's r with R's cor.test p-values.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "prrt/common/result.h"

namespace prrt::stats {

struct SpearmanResult {
  double rho = 0;
  double statistic = 0;  //!< S = (n^3 - n)(1 - rho) / 6
  double p = 1;          //!< two-sided
  int64_t n = 0;
  bool ties = false;
  //! How p was computed, as R's cor.test: "exact" (no ties, n <= 9: all permutations), "edgeworth" (no ties,
  //! n <= 1290: AS 89's Edgeworth series), "t" (ties or n > 1290: t on n - 2 df).
  std::string method;
};

//! Spearman's rank correlation (average ranks for ties) with its two-sided p, as R's cor.test.
Result<SpearmanResult> Spearman(std::span<const double> x, std::span<const double> y);

struct PearsonResult {
  double r = 0;
  double t = 0;
  int64_t df = 0;
  double p = 1;      //!< two-sided
  double lower = 0;  //!< CI by Fisher's z (needs n >= 4; NaN otherwise)
  double upper = 0;
};

Result<PearsonResult> Pearson(std::span<const double> x, std::span<const double> y, double conf_level = 0.95);

//! Ranks 1..n with ties given their average rank, as R's rank().
std::vector<double> AverageRanks(std::span<const double> values);

}  // namespace prrt::stats
