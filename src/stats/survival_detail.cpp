#include "survival_detail.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/math/distributions/normal.hpp>

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
  if (!data.weight.empty()) {
    if (data.weight.size() != data.time.size())
      return InvalidArgument("one case weight is needed per observation");
    for (size_t i = 0; i < data.weight.size(); ++i) {
      if (!(std::isfinite(data.weight[i]) && data.weight[i] > 0)) {
        return InvalidArgument(fmt::format("observation {}: the case weight {} is not a finite number > 0",
                                           i + 1, data.weight[i]));
      }
    }
  }
  if (data.start.empty()) return Status();
  if (data.start.size() != data.time.size()) {
    return InvalidArgument(
        fmt::format("{} stop times but {} start times", data.time.size(), data.start.size()));
  }
  for (size_t i = 0; i < data.start.size(); ++i) {
    if (!std::isfinite(data.start[i]) || data.start[i] < 0) {
      return InvalidArgument(
          fmt::format("observation {}: start time {} is not a finite number >= 0", i + 1, data.start[i]));
    }
    if (!(data.start[i] < data.time[i])) {
      return InvalidArgument(fmt::format("observation {}: the interval ({}, {}] does not end after it starts",
                                         i + 1, data.start[i], data.time[i]));
    }
  }
  return Status();
}

bool HasFractionalWeights(std::span<const double> weight) {
  return std::any_of(weight.begin(), weight.end(), [](double w) { return w != std::floor(w); });
}

Status RequireUnweighted(const SurvivalData& data, std::string_view analysis) {
  if (data.weight.empty()) return Status();
  return InvalidArgument(fmt::format("{} does not take case weights", analysis));
}

Status RequireRightCensored(const SurvivalData& data, std::string_view analysis) {
  if (data.start.empty()) return Status();
  return InvalidArgument(
      fmt::format("{} is defined for right-censored data; it does not take start times", analysis));
}

double NormalQuantileForLevel(double conf_level) {
  return boost::math::quantile(boost::math::normal_distribution<double>(), 1 - (1 - conf_level) / 2);
}

}  // namespace prrt::stats::detail
