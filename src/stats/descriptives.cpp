#include "prrt/stats/descriptives.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numeric>
#include <vector>

namespace prrt::stats {

double QuantileType7(std::span<const double> sorted, double p) {
  assert(!sorted.empty() && p >= 0 && p <= 1);
  const double h = (static_cast<double>(sorted.size()) - 1) * p;
  const size_t lo = static_cast<size_t>(std::floor(h));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

Result<NumericSummary> SummariseNumeric(std::span<const double> values) {
  if (values.empty()) return InvalidArgument("no values to summarise");
  std::vector<double> sorted(values.begin(), values.end());
  for (double v : sorted) {
    if (!std::isfinite(v)) return InvalidArgument("a value to summarise is missing or not finite");
  }
  std::sort(sorted.begin(), sorted.end());
  NumericSummary s;
  s.n = static_cast<int64_t>(sorted.size());
  const double n = static_cast<double>(sorted.size());
  s.mean = std::accumulate(sorted.begin(), sorted.end(), 0.0) / n;
  double ss = 0;
  for (double v : sorted)
    ss += (v - s.mean) * (v - s.mean);
  s.sd = s.n > 1 ? std::sqrt(ss / (n - 1)) : NAN;
  s.min = sorted.front();
  s.max = sorted.back();
  s.q1 = QuantileType7(sorted, 0.25);
  s.median = QuantileType7(sorted, 0.5);
  s.q3 = QuantileType7(sorted, 0.75);
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
