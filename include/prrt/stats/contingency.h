// prrt/stats/contingency.h — tests on r x c tables of counts, as R's fisher.test and chisq.test.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "prrt/common/result.h"
#include "prrt/stats/alternative.h"

namespace prrt::stats {

//! Counts in row-major order.
struct ContingencyTable {
  int rows = 0;
  int cols = 0;
  std::vector<double> counts;
  double at(int r, int c) const { return counts[static_cast<size_t>(r) * cols + c]; }
};

//! The largest total an exact or simulated test takes.
constexpr int kLargestExactTotal = 10'000'000;

//! Checks the shape (at least 2 x 2) and that counts are finite and >= 0 (and, if `whole_counts`, whole and
//! summing to at most kLargestExactTotal).
Status ValidateTable(const ContingencyTable& table, bool whole_counts);

struct FisherResult {
  double p = 1;
  std::string method = "exact";  //!< exact, or monte_carlo
  Alternative alternative = Alternative::kTwoSided;
  int replicates = 0;  //!< Monte Carlo only: the random tables drawn
  //! 2 x 2 only: the conditional maximum-likelihood odds ratio and its exact CI.
  std::optional<double> odds_ratio;
  std::optional<double> or_lower;
  std::optional<double> or_upper;
};

//! How far the exact r x c test may go before it gives up (FailedPrecondition) rather than exhaust the
//! machine: a 5 x 5 table of n = 200 with even margins makes billions of partial tables.
struct FisherLimits {
  int64_t max_stored_paths = 40'000'000;   //!< partial tables (or runs of them) kept at once (~1.8 GB)
  int64_t max_expansions = 2'000'000'000;  //!< partial tables made (column fills visited, paths carried)
  //! Nodes whose bounds each worker keeps for reuse (tens of bytes each); past it they are all forgotten and
  //! worked out again as needed, which changes no p-value. A 5 x 5 table of n = 200 keeps tens of thousands;
  //! a 3 x 3 table of n = 90,000 met so many that keeping them took 9.7 GB.
  int64_t max_cached_bounds = 4'000'000;
};

//! Fisher's exact test, two-sided: the probability of the tables (with the observed margins) no more likely
//! than the observed one, within R's relative tolerance 1e-7. r x c tables by an exact network algorithm.
//! A 2 x 2 table may be tested one-sided, as R: `kLess` gives P(X <= x) and the CI (0, upper at 1 -
//! conf_level), `kGreater` P(X >= x) and (lower at 1 - conf_level, infinity), X the [1,1] cell given the
//! margins; asked of a larger table, that is an error.
Result<FisherResult> FisherExact(const ContingencyTable& table, double conf_level = 0.95,
                                 const FisherLimits& limits = {},
                                 Alternative alternative = Alternative::kTwoSided);
//! Its p-value alone (a 2 x 2 table's odds ratio and CI need root finding over the whole support: seconds
//! for tables of a million patients).
Result<double> FisherExactP(const ContingencyTable& table, const FisherLimits& limits = {});

//! The same p-value estimated as R's fisher.test(simulate.p.value = TRUE, B = replicates) does, for tables
//! too large for the exact algorithm: (1 + the random tables, with the observed margins, whose statistic -sum
//! log x! is at most the observed one's, within R's relative 64 eps) / (replicates + 1). Each random table
//! shuffles the observations' columns (Fisher-Yates with a 64-bit Mersenne Twister seeded with `seed`), so
//! the p-value is reproducible for a seed, but not R's own random tables. Empty rows and columns are dropped
//! first, as R; 2 x 2 tables get the exact test (R ignores simulate.p.value for them), with `alternative`.
Result<FisherResult> FisherMonteCarlo(const ContingencyTable& table, int replicates, uint64_t seed,
                                      double conf_level = 0.95,
                                      Alternative alternative = Alternative::kTwoSided);

struct ChiSquareResult {
  double statistic = 0;
  int df = 0;
  double p = 1;
  std::vector<double> expected;  //!< row-major, as the table
  std::vector<std::string> warnings;
  std::string method = "asymptotic";  //!< asymptotic (chi-squared on df), or monte_carlo
  int replicates = 0;                 //!< Monte Carlo only: the random tables drawn
};

//! Pearson's chi-squared test of independence; `yates` applies the continuity correction (2 x 2 only, as R).
Result<ChiSquareResult> PearsonChiSquare(const ContingencyTable& table, bool yates);

//! The same statistic with the p-value of R's chisq.test(simulate.p.value = TRUE, B = replicates): (1 + the
//! random tables, with the observed margins, whose statistic is at least the observed one's, within R's
//! relative 64 eps) / (replicates + 1), the random tables drawn as FisherMonteCarlo's (reproducible for a
//! seed, not R's own). As R: no continuity correction, and no warning about small expected counts (the
//! p-value does not rest on the chi-squared approximation). Counts must be whole.
Result<ChiSquareResult> PearsonChiSquareMonteCarlo(const ContingencyTable& table, int replicates,
                                                   uint64_t seed);

}  // namespace prrt::stats
