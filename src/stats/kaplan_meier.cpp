#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <type_traits>

#include "prrt/stats/survival.h"
#include "sorted_survival.h"
#include "survival_detail.h"

namespace prrt::stats {

namespace {

struct ConfTypeName {
  ConfType type;
  std::string_view name;
};
constexpr ConfTypeName kConfTypeNames[] = {
    {ConfType::kLog, "log"},     {ConfType::kLogLog, "log-log"}, {ConfType::kPlain, "plain"},
    {ConfType::kLogit, "logit"}, {ConfType::kArcsin, "arcsin"},  {ConfType::kNone, "none"},
};

// The pointwise CI of S with SE `se` of log S, as R's survfit_confint (ulimit = TRUE); NaN where R
// gives NA, including its NaN arithmetic at S = 0 and S = 1.
void ConfidenceLimits(ConfType type, double z, double surv, double se, double& lower, double& upper) {
  using detail::PMax;
  using detail::PMin;
  const double kNa = NAN;
  switch (type) {
    case ConfType::kNone:
      lower = upper = kNa;
      return;
    case ConfType::kPlain: {
      double half = se * surv * z;
      lower = PMax(surv - half, 0);
      upper = PMin(surv + half, 1);
      return;
    }
    case ConfType::kLog: {
      double x = surv == 0 ? kNa : surv;
      double half = z * se;
      lower = std::exp(std::log(x) - half);
      upper = PMin(std::exp(std::log(x) + half), 1);
      return;
    }
    case ConfType::kLogLog: {
      double x = (surv == 0 || surv == 1) ? kNa : surv;
      double half = z * se / std::log(x);
      lower = std::exp(-std::exp(std::log(-std::log(x)) - half));
      upper = std::exp(-std::exp(std::log(-std::log(x)) + half));
      return;
    }
    case ConfType::kLogit: {
      double x = surv == 0 ? kNa : surv;
      double half = z * se * (1 + x / (1 - x));
      lower = 1 - 1 / (1 + std::exp(std::log(surv / (1 - surv)) - half));
      upper = 1 - 1 / (1 + std::exp(std::log(surv / (1 - surv)) + half));
      return;
    }
    case ConfType::kArcsin: {
      double x = surv == 0 ? kNa : surv;
      double half = 0.5 * z * se * std::sqrt(x / (1 - x));
      double angle = std::asin(std::sqrt(x));
      lower = std::pow(std::sin(PMax(0, angle - half)), 2);
      upper = std::pow(std::sin(PMin(std::numbers::pi / 2, angle + half)), 2);
      return;
    }
  }
}

}  // namespace

std::optional<ConfType> ParseConfType(std::string_view text) {
  for (const ConfTypeName& entry : kConfTypeNames) {
    if (entry.name == text) return entry.type;
  }
  return std::nullopt;
}

std::string_view ToString(ConfType type) {
  for (const ConfTypeName& entry : kConfTypeNames) {
    if (entry.type == type) return entry.name;
  }
  return "?";
}

std::vector<double> MergeNearTies(std::span<const double> times) {
  std::vector<double> sorted(times.begin(), times.end());
  std::vector<uint32_t> index(times.size());
  for (size_t i = 0; i < index.size(); ++i)
    index[i] = static_cast<uint32_t>(i);
  detail::SortTimes(sorted, index);
  detail::MergeSortedNearTies(sorted);
  std::vector<double> result(times.size());
  for (size_t i = 0; i < sorted.size(); ++i)
    result[index[i]] = sorted[i];
  return result;
}

namespace {

// Streams the Kaplan–Meier rows of one curve, from its rows sorted by time, to `sink(const KmRow&)`. For
// counting-process data `entries` holds the group's start times in ascending order: the risk set at t is
// the rows with start < t, less those that ended before t.
template <typename Sink>
void ScanCurve(std::span<const double> time, std::span<const uint32_t> payload,
               std::span<const double> entries, const KmOptions& options, double z, Sink&& sink) {
  using detail::SortedSurvival;
  double surv = 1;
  double greenwood = 0;
  size_t entered = entries.empty() ? time.size() : 0;
  for (size_t i = 0; i < time.size();) {
    KmRow row;
    row.time = time[i];
    const double ended_before = static_cast<double>(i);
    for (; i < time.size() && time[i] == row.time; ++i) {
      (SortedSurvival::Event(payload[i]) == 1 ? row.n_event : row.n_censor) += 1;
    }
    if (!entries.empty()) {
      while (entered < entries.size() && entries[entered] < row.time)
        ++entered;
    }
    const double at_risk = static_cast<double>(entered) - ended_before;
    row.n_risk = options.censorings_leave_first ? at_risk - row.n_censor : at_risk;
    if (row.n_event > 0) {
      surv *= 1 - row.n_event / row.n_risk;
      greenwood +=
          row.n_risk == row.n_event ? INFINITY : row.n_event / (row.n_risk * (row.n_risk - row.n_event));
    }
    row.surv = surv;
    row.std_err_log = std::sqrt(greenwood);
    row.std_err = surv * row.std_err_log;
    ConfidenceLimits(options.conf_type, z, surv, row.std_err_log, row.lower, row.upper);
    sink(row);
  }
}

// R's minmin (print.survfit), fed one row at a time: the first time whose y is below `level` (+tol), or the
// midpoint with the next drop when y sits on `level` there; NaN values are passed over.
class FirstBelow {
 public:
  explicit FirstBelow(double level) : level_(level) {}
  void Add(double time, double y) {
    if (done_ || std::isnan(y)) return;
    if (!found_) {
      if (y < level_ + detail::kRTolerance) {
        found_ = true;
        first_time_ = time;
        first_y_ = y;
        done_ = std::fabs(y - level_) >= detail::kRTolerance;
      }
      return;
    }
    if (y < first_y_) {
      first_time_ = (first_time_ + time) / 2;
      done_ = true;
    }
  }
  std::optional<double> Value() const { return found_ ? std::optional<double>(first_time_) : std::nullopt; }

 private:
  double level_;
  bool found_ = false;
  bool done_ = false;
  double first_time_ = 0;
  double first_y_ = 0;
};

// The print-rule quantile of a curve and its limits, fed row by row.
class PrintQuantile {
 public:
  explicit PrintQuantile(double p) : surv_(1 - p), lower_(1 - p), upper_(1 - p) {}
  void Add(const KmRow& row) {
    surv_.Add(row.time, row.surv);
    lower_.Add(row.time, row.lower);
    upper_.Add(row.time, row.upper);
  }
  QuantileEstimate Value() const { return {surv_.Value(), lower_.Value(), upper_.Value(), std::nullopt}; }

 private:
  FirstBelow surv_, lower_, upper_;
};

Status ValidateKmInput(const SurvivalData& data, int32_t n_groups, const KmOptions& options) {
  if (n_groups < 1) return InvalidArgument("at least one group is needed");
  if (!(options.conf_level > 0 && options.conf_level < 1)) {
    return InvalidArgument(fmt::format("conf level {} is not between 0 and 1", options.conf_level));
  }
  return detail::ValidateSurvivalData(data, n_groups);
}

// Sorts the data once and calls scan(group, time slice, payload slice, entries slice) for each group; the
// entries (sorted start times) are empty for right-censored data.
template <typename Scan>
Status ForEachGroup(const SurvivalData& data, int32_t n_groups, const KmOptions& options, Scan&& scan) {
  const int32_t n_sorted_groups = data.group.empty() ? 1 : n_groups;
  detail::SortedSurvival sorted;
  BigVector<double> entries;
  if (data.start.empty()) {
    sorted = detail::SortSurvival(data.time, data.event, {}, data.group, n_sorted_groups, options.timefix);
  } else {
    Result<detail::SortedCounting> counting =
        detail::SortCounting(data.start, data.time, data.group, n_sorted_groups, options.timefix);
    if (!counting.ok()) return counting.status();
    sorted.time = std::move(counting->stop);
    sorted.stratum_begin = std::move(counting->stratum_begin);
    sorted.payload = std::move(counting->row);
    for (uint32_t& p : sorted.payload)
      p = static_cast<uint32_t>(data.event[p]);  // the scan reads only the event bit
    entries = std::move(counting->entry);
  }
  // The entries hold the same rows per group as the stops, so the group boundaries are the same.
  auto slice = [&](const auto& values, int32_t g) {
    using T = typename std::decay_t<decltype(values)>::value_type;
    if (values.empty()) return std::span<const T>();
    const size_t begin = data.group.empty() ? (g == 0 ? 0 : values.size()) : sorted.stratum_begin[g];
    const size_t end = data.group.empty() ? values.size() : sorted.stratum_begin[g + 1];
    return std::span<const T>(values).subspan(begin, end - begin);
  };
  for (int32_t g = 0; g < n_groups; ++g)
    scan(g, slice(sorted.time, g), slice(sorted.payload, g), slice(entries, g));
  return Status();
}

}  // namespace

Result<std::vector<KmCurve>> KaplanMeier(const SurvivalData& data, int32_t n_groups,
                                         const KmOptions& options) {
  Status valid = ValidateKmInput(data, n_groups, options);
  if (!valid.ok()) return valid;
  const double z = detail::NormalQuantileForLevel(options.conf_level);
  std::vector<KmCurve> curves(n_groups);
  Status scanned = ForEachGroup(data, n_groups, options,
                                [&](int32_t g, std::span<const double> time,
                                    std::span<const uint32_t> payload, std::span<const double> entries) {
                                  KmCurve& curve = curves[g];
                                  curve.n = static_cast<int64_t>(time.size());
                                  curve.rows.reserve(time.size());
                                  ScanCurve(time, payload, entries, options, z, [&](const KmRow& row) {
                                    curve.events += static_cast<int64_t>(row.n_event);
                                    curve.rows.push_back(row);
                                  });
                                });
  if (!scanned.ok()) return scanned;
  return curves;
}

Result<std::vector<KmSummary>> KaplanMeierSummary(const SurvivalData& data, int32_t n_groups,
                                                  const KmOptions& options, double p) {
  Status valid = ValidateKmInput(data, n_groups, options);
  if (!valid.ok()) return valid;
  const double z = detail::NormalQuantileForLevel(options.conf_level);
  std::vector<KmSummary> summaries(n_groups);
  Status scanned = ForEachGroup(data, n_groups, options,
                                [&](int32_t g, std::span<const double> time,
                                    std::span<const uint32_t> payload, std::span<const double> entries) {
                                  KmSummary& summary = summaries[g];
                                  summary.n = static_cast<int64_t>(time.size());
                                  PrintQuantile quantile(p);
                                  ScanCurve(time, payload, entries, options, z, [&](const KmRow& row) {
                                    summary.events += static_cast<int64_t>(row.n_event);
                                    quantile.Add(row);
                                  });
                                  summary.quantile = quantile.Value();
                                });
  if (!scanned.ok()) return scanned;
  return summaries;
}

namespace {

QuantileEstimate SpssQuantile(const KmCurve& curve, double p, double conf_level) {
  QuantileEstimate result;
  const double target = 1 - p;
  const double tol = 1e-12;
  const KmRow* estimate = nullptr;
  const KmRow* above = nullptr;  // last event time with S >= target + 0.05
  const KmRow* below = nullptr;  // first event time with S <= target - 0.05
  for (const KmRow& row : curve.rows) {
    if (row.n_event == 0) continue;
    if (estimate == nullptr && row.surv <= target + tol) estimate = &row;
    if (row.surv >= target + 0.05 - tol) above = &row;
    if (below == nullptr && row.surv <= target - 0.05 + tol) below = &row;
  }
  if (estimate == nullptr) return result;
  result.estimate = estimate->time;
  if (below == nullptr || !std::isfinite(estimate->std_err)) return result;
  // With no event time above the upper point the curve's start (t = 0, S = 1) is used.
  double t_above = above ? above->time : 0;
  double s_above = above ? above->surv : 1;
  double density = (s_above - below->surv) / (below->time - t_above);
  if (!(density > 0)) return result;
  double se = estimate->std_err / density;
  double z = detail::NormalQuantileForLevel(conf_level);
  result.std_err = se;
  result.lower = *result.estimate - z * se;
  result.upper = *result.estimate + z * se;
  return result;
}

}  // namespace

QuantileEstimate SurvivalQuantile(const KmCurve& curve, double p, QuantileRule rule, double conf_level) {
  if (rule == QuantileRule::kSpss) return SpssQuantile(curve, p, conf_level);
  PrintQuantile quantile(p);
  for (const KmRow& row : curve.rows)
    quantile.Add(row);
  return quantile.Value();
}

}  // namespace prrt::stats
