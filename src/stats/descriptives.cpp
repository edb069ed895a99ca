#include "prrt/stats/descriptives.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

namespace prrt::stats {

double Quantile(std::span<const double> sorted, double p, int type) {
  assert(!sorted.empty() && p >= 0 && p <= 1 && type >= 1 && type <= 9);
  const double n = static_cast<double>(sorted.size());
  // The j-th order statistic (1-based), the first below 1 and the last above n (R pads x so).
  auto order_statistic = [&](double j) { return sorted[static_cast<size_t>(std::clamp(j, 1.0, n)) - 1]; };
  // Between order statistics j and j + 1, at h of the way.
  double j = 0, h = 0;
  if (type == 7) {  // R's own branch: at 1 + (n - 1) p, without the fuzz of types 4-9
    const double index = 1 + (n - 1) * p;
    j = std::floor(index);
    h = index - j;
  } else if (type <= 3) {
    const double nppm = type == 3 ? n * p - 0.5 : n * p;
    j = std::floor(nppm);
    const bool odd = std::fmod(std::fmod(j, 2) + 2, 2) == 1;  // R's j %% 2, also for j < 0
    h = type == 1 ? (nppm > j) : type == 2 ? ((nppm > j) + 1) / 2.0 : (nppm != j || odd);
  } else {
    struct Offsets {
      double a, b;
    };
    constexpr Offsets kOffsets[] = {{0, 1}, {0.5, 0.5},         {0, 0},
                                    {1, 1}, {1.0 / 3, 1.0 / 3}, {3.0 / 8, 3.0 / 8}};
    const auto [a, b] = kOffsets[type - 4];
    const double fuzz = 4 * std::numeric_limits<double>::epsilon();
    const double nppm = a + p * (n + 1 - a - b);
    j = std::floor(nppm + fuzz);
    h = nppm - j;
    if (std::fabs(h) < fuzz) h = 0;
  }
  const double low = order_statistic(j), high = order_statistic(j + 1);
  if (h == 1) return high;
  if (h > 0 && h < 1 && low != high) return (1 - h) * low + h * high;  // R's form, to its last bit
  return low;
}

Result<NumericSummary> SummariseNumeric(std::span<const double> values, int quantile_type) {
  if (values.empty()) return InvalidArgument("no values to summarise");
  std::vector<double> sorted(values.begin(), values.end());
  for (double v : sorted) {
    if (!std::isfinite(v)) return InvalidArgument("a value to summarise is missing or not finite");
  }
  std::sort(sorted.begin(), sorted.end());
  NumericSummary s;
  s.n = static_cast<int64_t>(sorted.size());
  const double n = static_cast<double>(sorted.size());
  // R's mean, to its last bit: a long double sum in the input's order (its range holds sums of doubles near
  // the largest, its precision what a double sum loses), then the mean deviation from it added.
  long double mean = std::accumulate(values.begin(), values.end(), 0.0L) / n;
  if (std::isfinite(static_cast<double>(mean))) {
    long double deviation = 0;
    for (double v : values)
      deviation += v - mean;
    mean += deviation / n;
  }
  s.mean = static_cast<double>(mean);
  double ss = 0;
  for (double v : sorted)
    ss += (v - s.mean) * (v - s.mean);
  s.sd = s.n > 1 ? std::sqrt(ss / (n - 1)) : NAN;
  s.min = sorted.front();
  s.max = sorted.back();
  s.q1 = Quantile(sorted, 0.25, quantile_type);
  s.median = Quantile(sorted, 0.5, quantile_type);
  s.q3 = Quantile(sorted, 0.75, quantile_type);
  return s;
}

std::vector<LevelCount> CountLevels(std::span<const int32_t> codes, const std::vector<std::string>& levels) {
  std::vector<LevelCount> counts(levels.size());
  int64_t total = 0;
  for (size_t i = 0; i < levels.size(); ++i)
    counts[i].level = levels[i];
  for (int32_t code : codes) {
    if (code < 0) continue;
    ++counts[code].count;
    ++total;
  }
  for (LevelCount& c : counts)
    c.percent = total > 0 ? 100.0 * static_cast<double>(c.count) / total : NAN;
  return counts;
}

}  // namespace prrt::stats
