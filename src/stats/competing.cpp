#include "prrt/stats/competing.h"

#include <fmt/format.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <numeric>

#include "distributions.h"
#include "sorted_survival.h"
#include "survival_detail.h"

namespace prrt::stats {

namespace {

// The events and censorings at one distinct time, by group and cause (cause 0 = censored).
class TimeCounts {
 public:
  TimeCounts(int32_t n_groups, int32_t n_causes)
      : n_causes_(n_causes), counts_(static_cast<size_t>(n_groups) * (n_causes + 1)) {}
  void Clear() { std::fill(counts_.begin(), counts_.end(), 0); }
  void Add(int32_t group, int32_t cause) { ++counts_[Index(group, cause)]; }
  double Of(int32_t group, int32_t cause) const { return counts_[Index(group, cause)]; }
  // All events (any cause, no censorings) of the group.
  double Events(int32_t group) const {
    double sum = 0;
    for (int32_t c = 1; c <= n_causes_; ++c)
      sum += Of(group, c);
    return sum;
  }
  double All(int32_t group) const { return Events(group) + Of(group, 0); }

 private:
  size_t Index(int32_t group, int32_t cause) const {
    return static_cast<size_t>(group) * (n_causes_ + 1) + static_cast<size_t>(cause);
  }
  int32_t n_causes_;
  std::vector<double> counts_;
};

// Rows in time order (ties in no particular order: only the counts at each time matter).
struct TimeOrdered {
  std::vector<double> time;
  std::vector<uint32_t> row;
};

TimeOrdered OrderByTime(std::span<const double> time, std::vector<uint32_t> rows) {
  TimeOrdered ordered{std::vector<double>(rows.size()), std::move(rows)};
  for (size_t i = 0; i < ordered.row.size(); ++i)
    ordered.time[i] = time[ordered.row[i]];
  detail::SortTimes(ordered.time, ordered.row);
  return ordered;
}

// Calls visit(t, counts) for each distinct time of `ordered` with the counts at t.
template <typename Visit>
void ForEachTime(const CompetingData& data, const TimeOrdered& ordered, TimeCounts& counts, Visit&& visit) {
  const size_t n = ordered.row.size();
  for (size_t i = 0; i < n;) {
    const double t = ordered.time[i];
    counts.Clear();
    for (; i < n && ordered.time[i] == t; ++i) {
      const uint32_t row = ordered.row[i];
      counts.Add(data.group.empty() ? 0 : data.group[row], data.cause[row]);
    }
    visit(t, counts);
  }
}

// The tie correction of the variance terms: 1 - (d - 1)/(n - 1) for d tied events among n at risk.
double TieCorrection(double d, double n) {
  return d > 1 && n > 1 ? 1 - (d - 1) / (n - 1) : 1;
}

// One group's curves, one per cause. F_k(t) = sum over event times of S(t-) d_k / n; the variance is the
// Aalen-type (delta-method) estimator: sum over event times t_j <= t of
//   a_j ((S_j + F_j - F(t)) / S_j)^2 + b_j ((F_j - F(t)) / S_j)^2,
// a_j = S(t_j-)^2 c(d_k) d_k / n^2 for the cause's events, b_j the same for all other causes' events
// together, S_j = S(t_j), F_j = F(t_j) and c() the tie correction; kept as three running sums so that each
// time costs O(1). Where S_j = 0 nothing can follow, so the brackets are 1 and 0.
void GroupCurves(const CompetingData& data, const TimeOrdered& order, int32_t group, int32_t n_causes,
                 double z, std::vector<CumincCurve>& curves) {
  struct Running {
    double f = 0, v1 = 0, v2 = 0, v3 = 0, var = 0;
  };
  std::vector<Running> running(n_causes);
  for (int32_t c = 0; c < n_causes; ++c) {
    CumincCurve& curve = curves[static_cast<size_t>(c)];
    curve.time = {0};
    curve.estimate = {0};
    curve.variance = {0};
  }
  TimeCounts counts(data.group.empty() ? 1 : group + 1, n_causes);
  const int32_t g = data.group.empty() ? 0 : group;
  double at_risk = static_cast<double>(order.row.size());
  double surv = 1;  // all-cause Kaplan–Meier, S(t-) at the time being visited
  ForEachTime(data, order, counts, [&](double t, const TimeCounts& at) {
    const double events = at.Events(g);
    if (events > 0) {
      const double surv_after = surv * (at_risk - events) / at_risk;
      for (int32_t c = 0; c < n_causes; ++c) {
        Running& r = running[c];
        const double d_cause = at.Of(g, c + 1);
        const double d_other = events - d_cause;
        const double before = r.f;
        const double before_var = r.var;
        r.f += surv * d_cause / at_risk;
        const double scale = surv * surv / (at_risk * at_risk);
        const double a = scale * TieCorrection(d_cause, at_risk) * d_cause;
        const double b = scale * TieCorrection(d_other, at_risk) * d_other;
        if (surv_after > 0) {
          const double u = 1 / surv_after;
          const double cause_term = 1 + r.f * u;
          const double other_term = r.f * u;
          r.v1 += a * cause_term * cause_term + b * other_term * other_term;
          r.v2 += (a * cause_term + b * other_term) * u;
          r.v3 += (a + b) * u * u;
        } else {
          r.v1 += a;
        }
        if (d_cause > 0) {
          r.var = r.v1 + r.f * r.f * r.v3 - 2 * r.f * r.v2;
          CumincCurve& curve = curves[static_cast<size_t>(c)];
          curve.time.insert(curve.time.end(), {t, t});
          curve.estimate.insert(curve.estimate.end(), {before, r.f});
          curve.variance.insert(curve.variance.end(), {before_var, r.var});
        }
      }
      surv = surv_after;
    }
    at_risk -= at.All(g);
  });
  const double last_time = order.time.empty() ? 0 : order.time.back();
  for (CumincCurve& curve : curves) {
    curve.time.push_back(last_time);
    curve.estimate.push_back(curve.estimate.back());
    curve.variance.push_back(curve.variance.back());
    for (size_t i = 0; i < curve.estimate.size(); ++i) {
      // log(-log F) is symmetric: F^exp(±z se / |F log F|).
      const double f = curve.estimate[i];
      const double half =
          f > 0 && f < 1 ? z * std::sqrt(curve.variance[i]) / std::fabs(f * std::log(f)) : NAN;
      curve.lower.push_back(std::pow(f, std::exp(half)));
      curve.upper.push_back(std::pow(f, std::exp(-half)));
    }
  }
}

// The score vector (groups 0..k-2) and its covariance matrix of Gray's test for one cause in one stratum,
// added to `score` and `variance`. Each group's subdistribution risk set is R_g = n_g (1 - F_g(t-)) /
// S_g(t-); the score is the weighted sum of observed minus expected cause events, d_g - d R_g / sum R; the
// variance follows Gray (1988), with the influence of the cause's events and of the competing events on every
// group.
void GrayStratum(const CompetingData& data, const TimeOrdered& order, int32_t cause, int32_t n_groups,
                 int32_t n_causes, double rho, Eigen::VectorXd& score, Eigen::MatrixXd& variance) {
  const int32_t k = n_groups;
  const int32_t m = k - 1;
  std::vector<double> at_risk(k, 0), surv_before(k, 1), incidence_before(k, 0), surv(k, 1), incidence(k, 0);
  for (uint32_t row : order.row)
    at_risk[data.group[row]] += 1;
  Eigen::MatrixXd a = Eigen::MatrixXd::Zero(k, k), c = Eigen::MatrixXd::Zero(k, k);
  Eigen::MatrixXd v2 = Eigen::MatrixXd::Zero(m, k);
  Eigen::MatrixXd v = Eigen::MatrixXd::Zero(m, m);
  Eigen::VectorXd v3 = Eigen::VectorXd::Zero(k);
  double pooled_before = 0;  // the pooled incidence under the null, at t-
  TimeCounts counts(k, n_causes);
  ForEachTime(data, order, counts, [&](double, const TimeCounts& at) {
    double d_cause = 0, d_other = 0;
    for (int32_t g = 0; g < k; ++g) {
      d_cause += at.Of(g, cause);
      d_other += at.Events(g) - at.Of(g, cause);
    }
    if (d_cause > 0 || d_other > 0) {
      double scaled_risk = 0;  // sum of n_g / S_g(t-)
      double sub_risk = 0;     // sum of the subdistribution risk sets R_g
      for (int32_t g = 0; g < k; ++g) {
        if (at_risk[g] <= 0) continue;
        surv[g] = surv_before[g] * (at_risk[g] - at.Events(g)) / at_risk[g];
        incidence[g] = incidence_before[g] + surv_before[g] * at.Of(g, cause) / at_risk[g];
        scaled_risk += at_risk[g] / surv_before[g];
        sub_risk += at_risk[g] * (1 - incidence_before[g]) / surv_before[g];
      }
      const double pooled = pooled_before + d_cause / scaled_risk;
      const double weight = std::pow(1 - pooled_before, rho);
      a.setZero();
      for (int32_t i = 0; i < k; ++i) {
        if (at_risk[i] <= 0) continue;
        const double ti = at_risk[i] / surv_before[i];
        a(i, i) = weight * ti * (1 - ti / scaled_risk);
        for (int32_t j = i + 1; j < k; ++j) {
          if (at_risk[j] > 0) a(i, j) = a(j, i) = -weight * ti * (at_risk[j] / surv_before[j]) / scaled_risk;
        }
      }
      c += a * (d_cause / (scaled_risk * (1 - pooled_before)));
      for (int32_t i = 0; i < m; ++i) {
        if (at_risk[i] > 0) {
          score[i] += weight * (at.Of(i, cause) - d_cause * at_risk[i] * (1 - incidence_before[i]) /
                                                      (surv_before[i] * sub_risk));
        }
      }
      // Accumulates term * (x_i x_j) into v, x_i into v2 (with factor t4) and t4^2 into v3 for group g.
      auto accumulate = [&](int32_t g, double t4, double t3, auto&& x) {
        v3[g] += t4 * t4 * t3;
        for (int32_t i = 0; i < m; ++i) {
          const double xi = x(i);
          v2(i, g) += xi * t4 * t3;
          for (int32_t j = 0; j <= i; ++j)
            v(i, j) += xi * x(j) * t3;
        }
      };
      if (d_cause > 0) {
        for (int32_t g = 0; g < k; ++g) {
          if (at_risk[g] <= 0) continue;
          const double t4 = surv[g] > 0 ? 1 - (1 - pooled) / surv[g] : 1;
          const double tie = d_cause > 1 ? 1 - (d_cause - 1) / (scaled_risk * surv_before[g] - 1) : 1;
          const double t3 = tie * surv_before[g] * d_cause / (scaled_risk * at_risk[g]);
          accumulate(g, t4, t3, [&](int32_t i) { return a(i, g) - t4 * c(i, g); });
        }
      }
      for (int32_t g = 0; d_other > 0 && g < k; ++g) {
        const double d_g = at.Events(g) - at.Of(g, cause);
        if (!(surv[g] > 0 && d_g > 0)) continue;
        const double t4 = (1 - pooled) / surv[g];
        const double t3 = TieCorrection(d_g, at_risk[g]) * surv_before[g] * surv_before[g] * d_g /
                          (at_risk[g] * at_risk[g]);
        accumulate(g, t4, t3, [&](int32_t i) { return -t4 * c(i, g); });
      }
      pooled_before = pooled;
    }
    for (int32_t g = 0; g < k; ++g) {
      at_risk[g] -= at.All(g);
      incidence_before[g] = incidence[g];
      surv_before[g] = surv[g];
    }
  });
  for (int32_t i = 0; i < m; ++i) {
    for (int32_t j = 0; j <= i; ++j) {
      double sum = v(i, j);
      for (int32_t g = 0; g < k; ++g)
        sum += c(i, g) * c(j, g) * v3[g] + c(i, g) * v2(j, g) + c(j, g) * v2(i, g);
      variance(i, j) += sum;
      if (i != j) variance(j, i) += sum;
    }
  }
}

}  // namespace

Result<CumincResult> CumulativeIncidence(const CompetingData& data, int32_t n_causes, int32_t n_groups,
                                         int32_t n_strata, const CumincOptions& options) {
  const size_t n = data.time.size();
  if (n == 0) return InvalidArgument("no observations: the data set has no complete rows");
  if (data.cause.size() != n)
    return InvalidArgument(fmt::format("{} times but {} causes", n, data.cause.size()));
  if (n_causes < 1) return InvalidArgument("at least one cause of failure is needed");
  if (!data.group.empty() && data.group.size() != n)
    return InvalidArgument("one group code is needed per row");
  if (!data.strata.empty() && data.strata.size() != n)
    return InvalidArgument("one stratum code is needed per row");
  if (!(options.conf_level > 0 && options.conf_level < 1)) {
    return InvalidArgument(fmt::format("conf level {} is not between 0 and 1", options.conf_level));
  }
  if (!std::isfinite(options.rho))
    return InvalidArgument(fmt::format("rho {} is not a finite number", options.rho));
  const int32_t groups = data.group.empty() ? 1 : n_groups;
  const int32_t strata = data.strata.empty() ? 1 : n_strata;
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(data.time[i]) || data.time[i] < 0) {
      return InvalidArgument(
          fmt::format("observation {}: time {} is not a finite number >= 0", i + 1, data.time[i]));
    }
    if (data.cause[i] < 0 || data.cause[i] > n_causes) {
      return InvalidArgument(
          fmt::format("observation {}: cause {} outside 0..{}", i + 1, data.cause[i], n_causes));
    }
    if (!data.group.empty() && (data.group[i] < 0 || data.group[i] >= groups)) {
      return InvalidArgument(
          fmt::format("observation {}: group code {} outside 0..{}", i + 1, data.group[i], groups - 1));
    }
    if (!data.strata.empty() && (data.strata[i] < 0 || data.strata[i] >= strata)) {
      return InvalidArgument(
          fmt::format("observation {}: stratum code {} outside 0..{}", i + 1, data.strata[i], strata - 1));
    }
  }
  const double z = detail::NormalQuantileForLevel(options.conf_level);

  // Rows by group (for the curves) and by stratum (for the test), each in time order.
  auto rows_where = [&](std::span<const int32_t> codes, int32_t code) {
    std::vector<uint32_t> rows;
    for (size_t i = 0; i < n; ++i) {
      if (codes.empty() || codes[i] == code) rows.push_back(static_cast<uint32_t>(i));
    }
    return OrderByTime(data.time, std::move(rows));
  };
  CumincResult result;
  std::vector<std::vector<CumincCurve>> by_group(groups, std::vector<CumincCurve>(n_causes));
  for (int32_t g = 0; g < groups; ++g) {
    const TimeOrdered order = rows_where(data.group, g);
    GroupCurves(data, order, g, n_causes, z, by_group[g]);
  }
  for (int32_t c = 0; c < n_causes; ++c) {
    for (int32_t g = 0; g < groups; ++g) {
      CumincCurve curve = std::move(by_group[g][c]);
      curve.cause = c + 1;
      curve.group = g;
      result.curves.push_back(std::move(curve));
    }
  }
  if (groups < 2) return result;

  std::vector<TimeOrdered> stratum_rows(strata);
  for (int32_t s = 0; s < strata; ++s)
    stratum_rows[s] = rows_where(data.strata, s);
  for (int32_t cause = 1; cause <= n_causes; ++cause) {
    Eigen::VectorXd score = Eigen::VectorXd::Zero(groups - 1);
    Eigen::MatrixXd variance = Eigen::MatrixXd::Zero(groups - 1, groups - 1);
    for (int32_t s = 0; s < strata; ++s)
      GrayStratum(data, stratum_rows[s], cause, groups, n_causes, options.rho, score, variance);
    ChiSquareTest test;
    test.df = groups - 1;
    Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(variance);
    if (qr.rank() < variance.rows()) {
      test.chisq = NAN;
      test.p = NAN;
    } else {
      test.chisq = score.dot(qr.solve(score));
      test.p = detail::ChiSquareUpperTail(test.chisq, test.df);
    }
    result.gray.push_back(test);
  }
  return result;
}

}  // namespace prrt::stats
