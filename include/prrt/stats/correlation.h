// prrt/stats/correlation.h — Spearman's rho and Pearson's r with R's cor.test p-values.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "prrt/common/result.h"
#include "prrt/stats/alternative.h"

namespace prrt::stats {

struct SpearmanResult {
  double rho = 0;
  double statistic = 0;  //!< S = (n^3 - n)(1 - rho) / 6
  double p = 1;          //!< two-sided, or one-sided as asked
  int64_t n = 0;
  bool ties = false;
  //! How p was computed, as R's cor.test: "exact" (no ties, n <= 9: all permutations), "edgeworth" (no ties,
  //! n <= 1290: AS 89's Edgeworth series), "t" (ties, n > 1290 or `exact` false: t on n - 2 df).
  std::string method;
};

//! R's cor.test arguments for Spearman's test.
struct SpearmanOptions {
  //! greater: a positive correlation (p = P(S <= s)); less: a negative one.
  Alternative alternative = Alternative::kTwoSided;
  //! R's exact = NULL or TRUE: count or use AS 89 where there are no ties and n <= 1290. false: always the t
  //! approximation, as R's exact = FALSE (and SPSS's NONPAR CORR, by its published algorithm).
  bool exact = true;
  //! R's continuity = TRUE: the t approximation takes r = 1 - S / ((n^3 - n)/6 + 1).
  bool continuity = false;
};

//! Spearman's rank correlation (average ranks for ties) with its p, as R's cor.test.
Result<SpearmanResult> Spearman(std::span<const double> x, std::span<const double> y,
                                const SpearmanOptions& options = {});

struct PearsonResult {
  double r = 0;
  double t = 0;
  int64_t df = 0;
  double p = 1;      //!< two-sided, or one-sided as asked
  double lower = 0;  //!< CI by Fisher's z (needs n >= 4; NaN otherwise); one-sided: -1 or 1 on the open side
  double upper = 0;
};

//! Pearson's r with R's cor.test t test and CI; `alternative` greater: a positive correlation.
Result<PearsonResult> Pearson(std::span<const double> x, std::span<const double> y, double conf_level = 0.95,
                              Alternative alternative = Alternative::kTwoSided);

//! Ranks 1..n with ties given their average rank, as R's rank().
std::vector<double> AverageRanks(std::span<const double> values);

}  // namespace prrt::stats
