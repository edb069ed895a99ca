#include "prrt/stats/contingency.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <span>

#include "contingency_detail.h"
#include "distributions.h"
#include "hypergeometric.h"
#include "root_finding.h"

namespace prrt::stats {

Status ValidateTable(const ContingencyTable& table, bool whole_counts) {
  if (table.rows < 2 || table.cols < 2) {
    return InvalidArgument(
        fmt::format("a {} x {} table; expected at least 2 rows and 2 columns", table.rows, table.cols));
  }
  if (table.counts.size() != static_cast<size_t>(table.rows) * table.cols) {
    return InvalidArgument("the table's counts do not fill its rows and columns");
  }
  for (int r = 0; r < table.rows; ++r) {
    for (int c = 0; c < table.cols; ++c) {
      double x = table.at(r, c);
      if (!std::isfinite(x) || x < 0 || (whole_counts && x != std::floor(x))) {
        return InvalidArgument(fmt::format("row {}, column {}: {} is not a {}count", r + 1, c + 1, x,
                                           whole_counts ? "whole " : "non-negative "));
      }
    }
  }
  // Exact and simulated tests hold tables of 0 to n (log-factorials, in each worker: 0.8 GB and 0.75 s for a
  // 3 x 2 table of n = 10^7, whose network is trivial; at R's limit, 2^31 - 1, over 70 GB) and count in ints:
  // a bound, rather than running out of memory. A table that large is for the chi-squared test.
  if (whole_counts) {
    const double total = std::accumulate(table.counts.begin(), table.counts.end(), 0.0);
    if (total > kLargestExactTotal) {
      return InvalidArgument(
          fmt::format("the counts sum to {}; an exact or simulated test takes at most {} (for "
                      "larger tables, the chi-squared test)",
                      total, kLargestExactTotal));
    }
  }
  return Status();
}

namespace {

std::vector<double> RowSums(const ContingencyTable& t) {
  std::vector<double> sums(t.rows, 0);
  for (int r = 0; r < t.rows; ++r) {
    for (int c = 0; c < t.cols; ++c)
      sums[r] += t.at(r, c);
  }
  return sums;
}

std::vector<double> ColSums(const ContingencyTable& t) {
  std::vector<double> sums(t.cols, 0);
  for (int r = 0; r < t.rows; ++r) {
    for (int c = 0; c < t.cols; ++c)
      sums[c] += t.at(r, c);
  }
  return sums;
}

// The 2 x 2 table's conditional distribution of the [1,1] cell given the margins: the (noncentral)
// hypergeometric on lo..hi, computed as R's fisher.test computes it (densities by dhyper, sums in extended
// precision as R's sum, tails at odds ratio 1 by phyper), so that uniroot's roots land where R's do.
class Hypergeometric {
 public:
  Hypergeometric(int x, int m, int n, int k)
      : x_(x), m_(m), n_(n), k_(k), lo_(std::max(0, k - n)), hi_(std::min(k, m)) {
    for (int s = lo_; s <= hi_; ++s)
      log_density_.push_back(detail::LogHypergeometricDensity(s, m, n, k));
  }

  // The density at odds ratio `ncp` (finite, > 0) over the support.
  std::vector<double> Density(double ncp) const {
    std::vector<double> d(log_density_.size());
    double max = -std::numeric_limits<double>::infinity();
    for (size_t i = 0; i < d.size(); ++i) {
      d[i] = log_density_[i] + std::log(ncp) * (lo_ + static_cast<int>(i));
      max = std::max(max, d[i]);
    }
    long double sum = 0;
    for (double& v : d)
      sum += (v = std::exp(v - max));
    for (double& v : d)
      v /= static_cast<double>(sum);
    return d;
  }
  double Mean(double ncp) const {
    if (ncp == 0) return lo_;
    if (std::isinf(ncp)) return hi_;
    std::vector<double> d = Density(ncp);
    long double mean = 0;
    for (size_t i = 0; i < d.size(); ++i)
      mean += (lo_ + static_cast<double>(i)) * d[i];
    return static_cast<double>(mean);
  }
  // P(X <= x) or, with upper_tail, P(X >= x) at odds ratio ncp.
  double Tail(double ncp, bool upper_tail) const {
    if (ncp == 1)
      return upper_tail ? detail::HypergeometricCdf(x_ - 1, m_, n_, k_, false)
                        : detail::HypergeometricCdf(x_, m_, n_, k_, true);
    if (ncp == 0) return upper_tail ? (x_ <= lo_) : (x_ >= lo_);
    if (std::isinf(ncp)) return upper_tail ? (x_ <= hi_) : (x_ >= hi_);
    std::vector<double> d = Density(ncp);
    long double p = 0;
    for (size_t i = 0; i < d.size(); ++i) {
      int s = lo_ + static_cast<int>(i);
      if (upper_tail ? s >= x_ : s <= x_) p += d[i];
    }
    return static_cast<double>(p);
  }

  // The conditional MLE of the odds ratio: the ncp whose mean is x.
  double Mle() const {
    if (x_ == lo_) return 0;
    if (x_ == hi_) return std::numeric_limits<double>::infinity();
    double mu = Mean(1);
    if (mu > x_) return detail::Zeroin([&](double t) { return Mean(t) - x_; }, 0, 1);
    if (mu < x_) return 1 / detail::Zeroin([&](double t) { return Mean(1 / t) - x_; }, kEpsilon, 1);
    return 1;
  }
  // The upper and lower confidence limits: the ncp at which the tail probability is alpha.
  double Upper(double alpha) const {
    if (x_ == hi_) return std::numeric_limits<double>::infinity();
    double p = Tail(1, false);
    if (p < alpha) return detail::Zeroin([&](double t) { return Tail(t, false) - alpha; }, 0, 1);
    if (p > alpha)
      return 1 / detail::Zeroin([&](double t) { return Tail(1 / t, false) - alpha; }, kEpsilon, 1);
    return 1;
  }
  double Lower(double alpha) const {
    if (x_ == lo_) return 0;
    double p = Tail(1, true);
    if (p > alpha) return detail::Zeroin([&](double t) { return Tail(t, true) - alpha; }, 0, 1);
    if (p < alpha)
      return 1 / detail::Zeroin([&](double t) { return Tail(1 / t, true) - alpha; }, kEpsilon, 1);
    return 0;
  }
  // Two-sided p: the tables no more likely than the observed one (relative tolerance 1e-7, as R).
  double TwoSidedP() const {
    std::vector<double> d = Density(1);
    const double observed = d[x_ - lo_] * (1 + 1e-7);
    long double p = 0;
    for (double v : d) {
      if (v <= observed) p += v;
    }
    return static_cast<double>(p);
  }

 private:
  static constexpr double kEpsilon = 2.220446049250313e-16;
  int x_, m_, n_, k_, lo_, hi_;
  std::vector<double> log_density_;
};

}  // namespace

namespace {

// The 2 x 2 table's distribution of its [1,1] cell.
Hypergeometric TwoByTwo(const ContingencyTable& table) {
  const int a = static_cast<int>(table.at(0, 0));
  const int b = static_cast<int>(table.at(0, 1));
  const int c = static_cast<int>(table.at(1, 0));
  const int d = static_cast<int>(table.at(1, 1));
  return Hypergeometric(a, a + c, b + d, a + b);
}

// Draws `replicates` tables at random from the hypergeometric distribution given the margins — the
// observations' columns shuffled (Fisher–Yates, a 64-bit Mersenne Twister seeded with `seed`) and dealt to
// the rows in turn — and counts those (cells row-major) for which `as_extreme` holds.
template <class AsExtreme>  // bool(std::span<const int> cells); a template, so that it is inlined
int64_t CountRandomTables(std::span<const int> row_totals, std::span<const int> col_totals, int replicates,
                          uint64_t seed, const AsExtreme& as_extreme) {
  std::vector<int> columns;
  for (size_t c = 0; c < col_totals.size(); ++c)
    columns.insert(columns.end(), static_cast<size_t>(col_totals[c]), static_cast<int>(c));
  std::mt19937_64 rng(seed);
  std::vector<int> cells(row_totals.size() * col_totals.size());
  int64_t count = 0;
  for (int b = 0; b < replicates; ++b) {
    for (size_t i = columns.size(); i > 1; --i)
      std::swap(columns[i - 1], columns[rng() % i]);  // the modulo's bias is below i / 2^64
    std::fill(cells.begin(), cells.end(), 0);
    size_t next = 0;
    for (size_t r = 0; r < row_totals.size(); ++r)
      for (int k = 0; k < row_totals[r]; ++k)
        ++cells[r * col_totals.size() + static_cast<size_t>(columns[next++])];
    count += as_extreme(std::span<const int>(cells));
  }
  return count;
}

// The exact p of a valid table larger than 2 x 2, by the network algorithm.
Result<double> NetworkP(const ContingencyTable& table, const FisherLimits& limits) {
  std::vector<int> cells(table.counts.begin(), table.counts.end());
  Result<double> p = detail::FisherNetworkP(cells, table.rows, table.cols, limits);
  if (!p.ok()) return p.status();
  return std::min(1.0, *p);
}

// A one-sided test needs a 2 x 2 table (an odds ratio to be below or above 1).
Status CheckAlternative(const ContingencyTable& table, Alternative alternative) {
  if (alternative == Alternative::kTwoSided || (table.rows == 2 && table.cols == 2)) return Status();
  return InvalidArgument(
      fmt::format("a one-sided test ({}) needs a 2 x 2 table; a {} x {} table's test is two-sided",
                  AlternativeName(alternative), table.rows, table.cols));
}

}  // namespace

Result<double> FisherExactP(const ContingencyTable& table, const FisherLimits& limits) {
  Status valid = ValidateTable(table, true);
  if (!valid.ok()) return valid;
  if (table.rows == 2 && table.cols == 2) return std::min(1.0, TwoByTwo(table).TwoSidedP());
  return NetworkP(table, limits);
}

Result<FisherResult> FisherExact(const ContingencyTable& table, double conf_level, const FisherLimits& limits,
                                 Alternative alternative) {
  if (!(conf_level > 0 && conf_level < 1)) return InvalidArgument("the confidence level must be in (0, 1)");
  Status valid = ValidateTable(table, true);
  if (!valid.ok()) return valid;
  Status alternative_valid = CheckAlternative(table, alternative);
  if (!alternative_valid.ok()) return alternative_valid;
  FisherResult result;
  result.alternative = alternative;
  if (!(table.rows == 2 && table.cols == 2)) {
    Result<double> p = NetworkP(table, limits);
    if (!p.ok()) return p.status();
    result.p = *p;
    return result;
  }
  const Hypergeometric h = TwoByTwo(table);
  result.odds_ratio = h.Mle();
  // As R: a one-sided test's CI is one-sided at the whole 1 - conf_level.
  switch (alternative) {
    case Alternative::kTwoSided:
      result.p = std::min(1.0, h.TwoSidedP());
      result.or_lower = h.Lower((1 - conf_level) / 2);
      result.or_upper = h.Upper((1 - conf_level) / 2);
      break;
    case Alternative::kLess:
      result.p = h.Tail(1, false);
      result.or_lower = 0;
      result.or_upper = h.Upper(1 - conf_level);
      break;
    case Alternative::kGreater:
      result.p = h.Tail(1, true);
      result.or_lower = h.Lower(1 - conf_level);
      result.or_upper = std::numeric_limits<double>::infinity();
      break;
  }
  return result;
}

Result<FisherResult> FisherMonteCarlo(const ContingencyTable& table, int replicates, uint64_t seed,
                                      double conf_level, Alternative alternative) {
  Status valid = ValidateTable(table, true);
  if (!valid.ok()) return valid;
  if (table.rows == 2 && table.cols == 2) return FisherExact(table, conf_level, {}, alternative);
  Status alternative_valid = CheckAlternative(table, alternative);
  if (!alternative_valid.ok()) return alternative_valid;
  if (replicates < 1) return InvalidArgument("the number of Monte Carlo replicates must be at least 1");
  std::vector<int> row_totals, col_totals;
  for (double s : RowSums(table))
    if (s > 0) row_totals.push_back(static_cast<int>(s));
  for (double s : ColSums(table))
    if (s > 0) col_totals.push_back(static_cast<int>(s));
  if (row_totals.size() < 2 || col_totals.size() < 2)
    return InvalidArgument("the Monte Carlo test needs 2 or more rows and 2 or more columns with counts");
  double observed = 0;
  for (double x : table.counts)
    observed -= detail::LogFactorial(static_cast<int>(x));
  std::vector<double> log_factorial(
      static_cast<size_t>(std::accumulate(row_totals.begin(), row_totals.end(), 0)) + 1);
  for (size_t k = 0; k < log_factorial.size(); ++k)
    log_factorial[k] = detail::LogFactorial(static_cast<int>(k));
  const double almost_one = 1 + 64 * std::numeric_limits<double>::epsilon();  // as R; the statistic is < 0
  const int64_t as_extreme =
      CountRandomTables(row_totals, col_totals, replicates, seed, [&](std::span<const int> cells) {
        double statistic = 0;
        for (int x : cells)
          statistic -= log_factorial[static_cast<size_t>(x)];
        return statistic <= observed / almost_one;
      });
  FisherResult result;
  result.method = "monte_carlo";
  result.replicates = replicates;
  result.p = static_cast<double>(1 + as_extreme) / (replicates + 1.0);
  return result;
}

Result<ChiSquareResult> PearsonChiSquare(const ContingencyTable& table, bool yates) {
  Status valid = ValidateTable(table, false);
  if (!valid.ok()) return valid;
  const std::vector<double> rows = RowSums(table);
  const std::vector<double> cols = ColSums(table);
  double total = 0;
  for (double s : rows)
    total += s;
  if (total == 0) return InvalidArgument("every count is 0: at least one must be positive");  // as R
  ChiSquareResult result;
  result.df = (table.rows - 1) * (table.cols - 1);
  result.expected.resize(table.counts.size());
  double min_abs_diff = std::numeric_limits<double>::infinity();
  for (int r = 0; r < table.rows; ++r) {
    for (int c = 0; c < table.cols; ++c) {
      double e = rows[r] * cols[c] / total;
      if (e == 0) {
        return InvalidArgument(
            fmt::format("row {} or column {} has no counts, so an expected count is 0 and the "
                        "statistic is undefined; remove the empty row or column",
                        r + 1, c + 1));
      }
      result.expected[static_cast<size_t>(r) * table.cols + c] = e;
      min_abs_diff = std::min(min_abs_diff, std::fabs(table.at(r, c) - e));
    }
  }
  // R applies Yates's correction to 2 x 2 tables only, never more than |O - E|.
  const double correction = yates && table.rows == 2 && table.cols == 2 ? std::min(0.5, min_abs_diff) : 0;
  for (size_t i = 0; i < table.counts.size(); ++i) {
    double diff = std::fabs(table.counts[i] - result.expected[i]) - correction;
    result.statistic += diff * diff / result.expected[i];
  }
  result.p = detail::ChiSquareUpperTail(result.statistic, result.df);
  int small = 0;
  for (double e : result.expected)
    small += e < 5;
  if (small > 0) {
    result.warnings.push_back(
        fmt::format("{} of {} expected counts are below 5; the chi-squared approximation may be incorrect "
                    "(consider Fisher's "
                    "exact test)",
                    small, result.expected.size()));
  }
  return result;
}

Result<ChiSquareResult> PearsonChiSquareMonteCarlo(const ContingencyTable& table, int replicates,
                                                   uint64_t seed) {
  Status whole = ValidateTable(table, true);
  if (!whole.ok()) return whole;
  if (replicates < 1) return InvalidArgument("the number of Monte Carlo replicates must be at least 1");
  Result<ChiSquareResult> result = PearsonChiSquare(table, false);  // refuses empty rows and columns
  if (!result.ok()) return result;
  std::vector<int> row_totals, col_totals;
  for (double s : RowSums(table))
    row_totals.push_back(static_cast<int>(s));
  for (double s : ColSums(table))
    col_totals.push_back(static_cast<int>(s));
  const std::vector<double>& expected = result->expected;
  const double almost_one = 1 - 64 * std::numeric_limits<double>::epsilon();  // as R
  const double observed = result->statistic;
  const int64_t as_extreme =
      CountRandomTables(row_totals, col_totals, replicates, seed, [&](std::span<const int> cells) {
        double statistic = 0;
        for (size_t i = 0; i < cells.size(); ++i)
          statistic += (cells[i] - expected[i]) * (cells[i] - expected[i]) / expected[i];
        return statistic >= almost_one * observed;
      });
  result->method = "monte_carlo";
  result->replicates = replicates;
  result->p = static_cast<double>(1 + as_extreme) / (replicates + 1.0);
  result->warnings.clear();  // the p-value does not rest on the chi-squared approximation
  return result;
}

}  // namespace prrt::stats
