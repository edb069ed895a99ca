#include "prrt/stats/correlation.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <numeric>
#include <vector>

namespace prrt::stats {

namespace {

Status ValidatePairs(std::span<const double> x, std::span<const double> y, size_t min_n) {
  if (x.size() != y.size())
    return InvalidArgument(fmt::format("{} x values but {} y values", x.size(), y.size()));
  if (x.size() < min_n) {
    return InvalidArgument(fmt::format("{} complete pairs; at least {} are needed", x.size(), min_n));
  }
  for (size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i])) {
      return InvalidArgument(fmt::format("pair {} is missing or not finite", i + 1));
    }
  }
  return Status();
}

double PearsonR(std::span<const double> x, std::span<const double> y) {
  const double n = static_cast<double>(x.size());
  const double mx = std::accumulate(x.begin(), x.end(), 0.0) / n;
  const double my = std::accumulate(y.begin(), y.end(), 0.0) / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  // As R's cor: the covariance over the product of the SDs, clamped to [-1, 1] — rounding can take |r| of an
  // exact line past 1 (x = 0, 3, 7 against 0, 0.3, 0.7).
  const double n1 = n - 1;
  return std::clamp((sxy / n1) / (std::sqrt(sxx / n1) * std::sqrt(syy / n1)), -1.0, 1.0);
}

double StudentUpper(double t, double df) {
  return boost::math::cdf(boost::math::complement(boost::math::students_t_distribution<double>(df), t));
}

// P(S >= s) for Spearman's S under independence with n <= 9, counting all n! permutations.
double ExactUpperTail(int n, double s) {
  std::vector<int> perm(n);
  std::iota(perm.begin(), perm.end(), 1);
  int64_t total = 0, at_least = 0;
  do {
    int64_t sum = 0;
    for (int i = 0; i < n; ++i)
      sum += static_cast<int64_t>(perm[i] - (i + 1)) * (perm[i] - (i + 1));
    ++total;
    at_least += sum >= s;
  } while (std::next_permutation(perm.begin(), perm.end()));
  return static_cast<double>(at_least) / static_cast<double>(total);
}

// AS 89 (Best & Roberts 1975), as R's prho: P(S >= s), or P(S < s) with lower_tail; exact for n <= 9,
// otherwise the Edgeworth series of the algorithm.
double SpearmanTail(int n, double s, bool lower_tail) {
  const double max_s = static_cast<double>(n) * (static_cast<double>(n) * n - 1) / 3;
  if (s <= 0) return lower_tail ? 0 : 1;
  if (s > max_s) return lower_tail ? 1 : 0;
  if (n <= 9) {
    double upper = ExactUpperTail(n, s);
    return lower_tail ? 1 - upper : upper;
  }
  constexpr double c1 = 0.2274, c2 = 0.2531, c3 = 0.1745, c4 = 0.0758, c5 = 0.1033, c6 = 0.3932, c7 = 0.0879,
                   c8 = 0.0151, c9 = 0.0072, c10 = 0.0831, c11 = 0.0131, c12 = 4.6e-4;
  const double b = 1.0 / n;
  const double x = (6 * (s - 1) * b / (1 / (b * b) - 1) - 1) * std::sqrt(1 / b - 1);
  double y = x * x;
  const double u =
      x * b *
      (c1 + b * (c2 + c3 * b) +
       y * (-c4 + b * (c5 + c6 * b) - y * b * (c7 + c8 * b - y * (c9 - c10 * b + y * b * (c11 - c12 * y)))));
  y = u / std::exp(y / 2);
  boost::math::normal_distribution<double> normal;
  double p = lower_tail ? -y + boost::math::cdf(normal, x)
                        : y + boost::math::cdf(boost::math::complement(normal, x));
  return std::clamp(p, 0.0, 1.0);
}

}  // namespace

std::vector<double> AverageRanks(std::span<const double> values) {
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j < order.size() && values[order[j]] == values[order[i]])
      ++j;
    const double average = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
    for (size_t k = i; k < j; ++k)
      ranks[order[k]] = average;
    i = j;
  }
  return ranks;
}

Result<SpearmanResult> Spearman(std::span<const double> x, std::span<const double> y,
                                const SpearmanOptions& options) {
  Status valid = ValidatePairs(x, y, 3);
  if (!valid.ok()) return valid;
  const std::vector<double> rx = AverageRanks(x);
  const std::vector<double> ry = AverageRanks(y);
  SpearmanResult result;
  result.n = static_cast<int64_t>(x.size());
  result.rho = PearsonR(rx, ry);
  if (!std::isfinite(result.rho)) {
    return InvalidArgument("one of the variables is constant, so the rank correlation is undefined");
  }
  auto has_ties = [](std::span<const double> values) {
    std::vector<double> sorted(values.begin(), values.end());
    std::sort(sorted.begin(), sorted.end());
    return std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end();
  };
  result.ties = has_ties(x) || has_ties(y);
  const double n = static_cast<double>(result.n);
  const double den = (n * n * n - n) / 6;
  result.statistic = den * (1 - result.rho);
  const bool counted = options.exact && !result.ties && result.n <= 1290;
  result.method = !counted ? "t" : result.n <= 9 ? "exact" : "edgeworth";
  // P(S <= s) with lower_tail (a positive correlation), else P(S >= s), as R's pspearman.
  auto tail = [&](bool lower_tail) {
    if (counted) {
      // R passes round(q) + 2 for the lower tail: S is even, so P(S <= q) = 1 - P(S >= q + 2).
      return SpearmanTail(static_cast<int>(result.n), std::round(result.statistic) + (lower_tail ? 2 : 0),
                          lower_tail);
    }
    const double r = 1 - result.statistic / (options.continuity ? den + 1 : den);
    const double t = r / std::sqrt((1 - r * r) / (n - 2));
    return StudentUpper(lower_tail ? t : -t, n - 2);
  };
  // Two-sided, R takes the upper tail when q > (n^3 - n)/6 and doubles it.
  result.p = options.alternative == Alternative::kTwoSided
                 ? std::min(1.0, 2 * tail(result.statistic <= den))
                 : tail(options.alternative == Alternative::kGreater);
  return result;
}

Result<PearsonResult> Pearson(std::span<const double> x, std::span<const double> y, double conf_level,
                              Alternative alternative) {
  Status valid = ValidatePairs(x, y, 3);
  if (!valid.ok()) return valid;
  PearsonResult result;
  result.r = PearsonR(x, y);
  if (!std::isfinite(result.r)) return InvalidArgument("one of the variables is constant, so r is undefined");
  const double n = static_cast<double>(x.size());
  result.df = static_cast<int64_t>(n) - 2;
  result.t = std::sqrt(n - 2) * result.r / std::sqrt(1 - result.r * result.r);
  const bool two_sided = alternative == Alternative::kTwoSided;
  result.p = two_sided ? std::min(1.0, 2 * StudentUpper(std::fabs(result.t), n - 2))
                       : StudentUpper(alternative == Alternative::kGreater ? result.t : -result.t, n - 2);
  result.lower = result.upper = NAN;
  if (n > 3) {
    const double z = std::atanh(result.r);
    const double sigma = 1 / std::sqrt(n - 3);
    // A one-sided CI puts all of 1 - conf_level on one side and is open (to -1 or 1) on the other.
    const double q = boost::math::quantile(boost::math::normal_distribution<double>(),
                                           two_sided ? (1 + conf_level) / 2 : conf_level);
    result.lower = alternative == Alternative::kLess ? -1 : std::tanh(z - sigma * q);
    result.upper = alternative == Alternative::kGreater ? 1 : std::tanh(z + sigma * q);
  }
  return result;
}

}  // namespace prrt::stats
