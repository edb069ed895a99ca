#include "survival_detail.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <numeric>

namespace prrt::stats::detail {

Status ValidateSurvivalData(const SurvivalData& data, int32_t n_groups) {
  if (data.time.empty()) return InvalidArgument("no observations: the data set has no complete rows");
  if (data.event.size() != data.time.size()) {
    return InvalidArgument(
        fmt::format("{} times but {} event indicators", data.time.size(), data.event.size()));
  }
  if (!data.group.empty() && data.group.size() != data.time.size()) {
    return InvalidArgument(fmt::format("{} times but {} group codes", data.time.size(), data.group.size()));
  }
  for (size_t i = 0; i < data.time.size(); ++i) {
    if (!std::isfinite(data.time[i]) || data.time[i] < 0) {
      return InvalidArgument(
          fmt::format("observation {}: time {} is not a finite number >= 0", i + 1, data.time[i]));
    }
    if (data.event[i] != 0 && data.event[i] != 1) {
      return InvalidArgument(fmt::format("observation {}: event must be 0 or 1", i + 1));
    }
    if (!data.group.empty() && (data.group[i] < 0 || data.group[i] >= n_groups)) {
      return InvalidArgument(
          fmt::format("observation {}: group code {} outside 0..{}", i + 1, data.group[i], n_groups - 1));
    }
  }
  return Status();
}

std::vector<double> AnalysisTimes(std::span<const double> times, bool timefix) {
  if (timefix) return MergeNearTies(times);
  return std::vector<double>(times.begin(), times.end());
}

std::vector<uint32_t> OrderByGroupAndTime(std::span<const double> time, std::span<const int8_t> event,
                                          std::span<const int32_t> group) {
  std::vector<uint32_t> order(time.size());
  std::iota(order.begin(), order.end(), 0u);
  auto group_of = [&](uint32_t i) { return group.empty() ? 0 : group[i]; };
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    if (group_of(a) != group_of(b)) return group_of(a) < group_of(b);
    if (time[a] != time[b]) return time[a] < time[b];
    if (event[a] != event[b]) return event[a] > event[b];
    return a < b;
  });
  return order;
}

double NormalQuantileForLevel(double conf_level) {
  return boost::math::quantile(boost::math::normal_distribution<double>(), 1 - (1 - conf_level) / 2);
}

}  // namespace prrt::stats::detail
