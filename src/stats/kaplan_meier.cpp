#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "prrt/stats/survival.h"
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
  std::vector<double> result(times.begin(), times.end());
  std::vector<double> unique(times.begin(), times.end());
  std::sort(unique.begin(), unique.end());
  unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
  if (unique.size() < 2) return result;
  double mean_abs = 0;
  for (double t : unique)
    mean_abs += std::fabs(t);
  mean_abs /= static_cast<double>(unique.size());
  // cuts: the first time of each run of near-equal times; a chain of near-ties merges into one run.
  std::vector<double> cuts{unique[0]};
  bool any_tied = false;
  for (size_t i = 1; i < unique.size(); ++i) {
    double gap = unique[i] - unique[i - 1];
    bool tied = gap <= detail::kRTolerance || gap / mean_abs <= detail::kRTolerance;
    any_tied = any_tied || tied;
    if (!tied) cuts.push_back(unique[i]);
  }
  if (!any_tied) return result;
  for (double& t : result)
    t = *(std::upper_bound(cuts.begin(), cuts.end(), t) - 1);
  return result;
}

Result<std::vector<KmCurve>> KaplanMeier(const SurvivalData& data, int32_t n_groups,
                                         const KmOptions& options) {
  if (n_groups < 1) return InvalidArgument("at least one group is needed");
  if (!(options.conf_level > 0 && options.conf_level < 1)) {
    return InvalidArgument(fmt::format("conf level {} is not between 0 and 1", options.conf_level));
  }
  Status valid = detail::ValidateSurvivalData(data, n_groups);
  if (!valid.ok()) return valid;

  const std::vector<double> time = detail::AnalysisTimes(data.time, options.timefix);
  const std::vector<uint32_t> order = detail::OrderByGroupAndTime(time, data.event, data.group);
  const double z = detail::NormalQuantileForLevel(options.conf_level);
  auto group_of = [&](uint32_t i) { return data.group.empty() ? 0 : data.group[i]; };

  std::vector<KmCurve> curves(n_groups);
  size_t begin = 0;
  while (begin < order.size()) {
    const int32_t g = group_of(order[begin]);
    size_t end = begin;
    while (end < order.size() && group_of(order[end]) == g)
      ++end;
    KmCurve& curve = curves[g];
    curve.n = static_cast<int64_t>(end - begin);
    double at_risk = static_cast<double>(end - begin);
    double surv = 1;
    double greenwood = 0;
    for (size_t i = begin; i < end;) {
      KmRow row;
      row.time = time[order[i]];
      while (i < end && time[order[i]] == row.time) {
        (data.event[order[i]] == 1 ? row.n_event : row.n_censor) += 1;
        ++i;
      }
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
      curve.events += static_cast<int64_t>(row.n_event);
      at_risk -= row.n_event + row.n_censor;
      curve.rows.push_back(row);
    }
    begin = end;
  }
  return curves;
}

namespace {

// R's minmin (print.survfit): the first x whose y is below `level` (+tol), or the midpoint with the next
// drop when y sits on `level` there; NaN y values are passed over.
std::optional<double> FirstBelow(const std::vector<KmRow>& rows, double KmRow::*y, double level) {
  const double tol = detail::kRTolerance;
  size_t first = rows.size();
  for (size_t i = 0; i < rows.size(); ++i) {
    double v = rows[i].*y;
    if (!std::isnan(v) && v < level + tol) {
      first = i;
      break;
    }
  }
  if (first == rows.size()) return std::nullopt;
  double y_first = rows[first].*y;
  if (std::fabs(y_first - level) < tol) {
    for (size_t j = first + 1; j < rows.size(); ++j) {
      double v = rows[j].*y;
      if (!std::isnan(v) && v < y_first) return (rows[first].time + rows[j].time) / 2;
    }
  }
  return rows[first].time;
}

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
  QuantileEstimate result;
  result.estimate = FirstBelow(curve.rows, &KmRow::surv, 1 - p);
  result.lower = FirstBelow(curve.rows, &KmRow::lower, 1 - p);
  result.upper = FirstBelow(curve.rows, &KmRow::upper, 1 - p);
  return result;
}

}  // namespace prrt::stats
