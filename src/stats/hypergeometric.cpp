#include "hypergeometric.h"

#include <cassert>
#include <cfloat>
#include <cmath>
#include <limits>
#include <optional>
#include <utility>

namespace prrt::stats::detail {
namespace {

constexpr double kMinusInfinity = -std::numeric_limits<double>::infinity();
constexpr double kLog2Pi = 1.837877066409345483560659472811;

// Stirling's error, log n! - log(sqrt(2 pi n) (n / e)^n), at n = 1..15, where its series converges too
// slowly: computed with Python's decimal at 60 digits (ln n! - (n + 1/2) ln n + n - ln sqrt(2 pi)).
constexpr double kStirlingErrorUpTo15[] = {
    0.0810614667953272582196702635, 0.0413406959554092940938220814, 0.0276779256849983391487892927,
    0.0207906721037650931115227717, 0.0166446911898211921631948653, 0.0138761288230707479987457270,
    0.0118967099458917700950557241, 0.0104112652619720964974785671, 0.0092554621827127329177286366,
    0.0083305634333628712564693186, 0.0075736754879518407949720242, 0.0069428401072095298656641526,
    0.0064089941880042070684396310, 0.0059513701127588477356244160, 0.0055547335519628013710386899};

// Stirling's error at a whole n >= 1: the table, then as many terms of its asymptotic series
// 1/(12n) - 1/(360n^3) + 1/(1260n^5) - 1/(1680n^7) + 1/(1188n^9) as double precision needs (Loader's
// cut-offs).
double StirlingError(double n) {
  assert(n >= 1 && n == std::floor(n));
  if (n <= 15) return kStirlingErrorUpTo15[static_cast<int>(n) - 1];
  constexpr double s0 = 1.0 / 12, s1 = 1.0 / 360, s2 = 1.0 / 1260, s3 = 1.0 / 1680, s4 = 1.0 / 1188;
  const double nn = n * n;
  if (n > 500) return (s0 - s1 / nn) / n;
  if (n > 80) return (s0 - (s1 - s2 / nn) / nn) / n;
  if (n > 35) return (s0 - (s1 - (s2 - s3 / nn) / nn) / nn) / n;
  return (s0 - (s1 - (s2 - (s3 - s4 / nn) / nn) / nn) / nn) / n;
}

// The deviance term x log(x / np) + np - x; near x = np by its series in v = (x - np) / (x + np),
// 2x (v^3/3 + v^5/5 + ...) + (x - np) v, which does not cancel.
double DevianceTerm(double x, double np) {
  if (std::fabs(x - np) < 0.1 * (x + np)) {
    double v = (x - np) / (x + np);
    double sum = (x - np) * v;
    if (std::fabs(sum) < DBL_MIN) return sum;
    double odd_power = 2 * x * v;  // 2x v^(2j+1) as j goes up
    v *= v;
    for (int j = 1; j < 1000; ++j) {
      odd_power *= v;
      const double next = sum + odd_power / (2 * j + 1);
      if (next == sum) return next;
      sum = next;
    }
  }
  return x * std::log(x / np) + np - x;
}

// log of the binomial probability of x in n at success probability p (q = 1 - p, given separately as it
// may be the more accurate of the two).
double LogBinomialDensity(double x, double n, double p, double q) {
  if (p == 0) return x == 0 ? 0 : kMinusInfinity;
  if (q == 0) return x == n ? 0 : kMinusInfinity;
  if (x == 0) {
    if (n == 0) return 0;
    return p < 0.1 ? -DevianceTerm(n, n * q) - n * p : n * std::log(q);
  }
  if (x == n) return q < 0.1 ? -DevianceTerm(n, n * p) - n * q : n * std::log(p);
  if (x < 0 || x > n) return kMinusInfinity;
  const double log_ratio = StirlingError(n) - StirlingError(x) - StirlingError(n - x) -
                           DevianceTerm(x, n * p) - DevianceTerm(n - x, n * q);
  const double log_2pi_x_share = kLog2Pi + std::log(x) + std::log1p(-x / n);
  return log_ratio - 0.5 * log_2pi_x_share;
}

// The logs of the three binomial terms whose product is P(X = x), each at p = drawn / total: x of the white,
// drawn - x of the black, and (dividing) drawn of all; none when x is outside the support.
struct BinomialTerms {
  double white, black, all;
};
std::optional<BinomialTerms> Terms(int x, int white, int black, int drawn) {
  if (x < 0 || drawn < x || white < x || drawn - x > black) return std::nullopt;
  const double total = static_cast<double>(white) + black;
  const double p = drawn / total;
  const double q = (total - drawn) / total;
  return BinomialTerms{LogBinomialDensity(x, white, p, q), LogBinomialDensity(drawn - x, black, p, q),
                       LogBinomialDensity(drawn, total, p, q)};
}

// P(X = x) for drawn > 0, as R's dhyper(x, white, black, drawn): a product of the three terms, not exp of
// the log.
double HypergeometricDensity(int x, int white, int black, int drawn) {
  const std::optional<BinomialTerms> terms = Terms(x, white, black, drawn);
  if (!terms) return 0;
  return std::exp(terms->white) * std::exp(terms->black) / std::exp(terms->all);
}

}  // namespace

double LogHypergeometricDensity(int x, int white, int black, int drawn) {
  if (drawn == 0) return x == 0 ? 0 : kMinusInfinity;
  const std::optional<BinomialTerms> terms = Terms(x, white, black, drawn);
  if (!terms) return kMinusInfinity;
  return terms->white + terms->black - terms->all;
}

double HypergeometricCdf(int x, int white, int black, int drawn, bool lower_tail) {
  // Sum over the shorter tail: P(X <= x) = P(X' >= drawn - x) for X' the black balls drawn.
  if (static_cast<double>(x) * (static_cast<double>(white) + black) > static_cast<double>(drawn) * white) {
    std::swap(white, black);
    x = drawn - x - 1;
    lower_tail = !lower_tail;
  }
  if (x < 0) return lower_tail ? 0 : 1;
  if (x >= white || x >= drawn) return lower_tail ? 1 : 0;
  const double density = HypergeometricDensity(x, white, black, drawn);
  if (density == 0) return lower_tail ? 0 : 1;
  // P(X <= x) / P(X = x) = 1 + sum over k < x of P(X = k) / P(X = x), each ratio from the one before, in
  // extended precision (as R), until the terms no longer count.
  long double sum = 0;
  long double term = 1;
  for (double k = x; k > 0 && term >= DBL_EPSILON * sum; --k) {
    term *= k * (black - drawn + k) / (drawn + 1 - k) / (white + 1 - k);
    sum += term;
  }
  const double cdf = density * (1 + static_cast<double>(sum));
  return lower_tail ? cdf : 0.5 - cdf + 0.5;
}

}  // namespace prrt::stats::detail
