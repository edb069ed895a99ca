#include "prrt/stats/cox.h"

#include <fmt/format.h>

#include <Eigen/Dense>
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <numbers>
#include <numeric>
#include <tuple>
#include <type_traits>

#include "distributions.h"
#include "sorted_survival.h"
#include "survival_detail.h"

namespace prrt::stats {

std::optional<CoxTies> ParseCoxTies(std::string_view text) {
  if (text == "efron") return CoxTies::kEfron;
  if (text == "breslow") return CoxTies::kBreslow;
  return std::nullopt;
}

std::optional<ZphTransform> ParseZphTransform(std::string_view text) {
  if (text == "km") return ZphTransform::kKm;
  if (text == "identity") return ZphTransform::kIdentity;
  if (text == "rank") return ZphTransform::kRank;
  if (text == "log") return ZphTransform::kLog;
  return std::nullopt;
}

double CoxFit::std_err(size_t j) const {
  return std::sqrt(variance[j * coef.size() + j]);
}

double CoxFit::robust_std_err(size_t j) const {
  return std::sqrt(robust_variance[j * coef.size() + j]);
}

CoxCoefficient CoxFit::Coefficient(size_t j) const {
  if (aliased[j]) return {NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
  CoxCoefficient c;
  c.coef = coef[j];
  c.se = std_err(j);
  c.robust_se = robust_variance.empty() ? NAN : robust_std_err(j);
  const double used_se = robust_variance.empty() ? c.se : c.robust_se;
  const double z_level = detail::NormalQuantileForLevel(0.95);
  c.hr = std::exp(c.coef);
  c.hr_lower = std::exp(c.coef - z_level * used_se);
  c.hr_upper = std::exp(c.coef + z_level * used_se);
  // Over an SE of 0 the coefficient is the rounding of 0: R's 0 / 0, or +-Inf with p = 0, says nothing.
  c.z = used_se > 0 ? c.coef / used_se : NAN;
  c.p = std::erfc(std::fabs(c.z) / std::sqrt(2.0));
  return c;
}

namespace {

using Eigen::MatrixXd;
using Eigen::VectorXd;

// The data sorted by stratum and time, covariates centred (for the fit also rescaled: ScaleCovariates) and
// stored row by row. For counting-process data each stratum's start times are also kept in ascending order,
// with the sorted row each belongs to.
struct SortedCox {
  BigVector<double> time;
  BigVector<int8_t> event;
  std::vector<size_t> stratum_begin;
  BigVector<double> x;  // n x p, row-major
  int p = 0;
  BigVector<double> entry_time;    // empty for right-censored data
  BigVector<double> entry_x;       // the covariates of the row that starts at entry_time[k], row-major
  BigVector<uint32_t> entry_row;   // the sorted row that starts at entry_time[k]
  BigVector<uint32_t> input_row;   // the input row of each sorted row
  BigVector<double> weight;        // case weight of each sorted row; empty: all 1
  BigVector<double> entry_weight;  // the case weight of the row that starts at entry_time[k]; empty: all 1
  BigVector<uint8_t> spans_death;  // counting-process data: whether the row's interval holds a death time
                                   // of its stratum (MarkRowsSpanningADeath); the others take no part
  BigVector<uint8_t> entry_spans;  // spans_death of the row that starts at entry_time[k]
  VectorXd scale;                  // R's rescaling of each covariate (RescaleAsR)
};

// What Evaluate passes to its observer at each time with deaths: the sorted rows [begin, end) at that time,
// the number of deaths, the time's contributions to the score and (lower triangle of) the information, and
// the risk-weighted covariate mean the deaths are compared with (Efron's means averaged over the tied
// deaths). Also the baseline hazard's increment per unit of risk, Σ 1/denominator over Efron's steps, and
// that times the mean, Σ mean/denominator: what a row at risk through the time is exposed to. A row that
// dies then is at risk in Efron's step m only for the fraction 1 - m/deaths, hence `death_hazard` and
// `death_hazard_mean` (with Breslow's ties the same as the others).
struct DeathTime {
  double time = 0;
  size_t begin = 0;
  size_t end = 0;
  double deaths = 0;
  std::span<const double> score;        // p
  std::span<const double> information;  // p x p, row-major, lower triangle filled
  std::span<const double> mean;         // p
  double hazard = 0;
  std::span<const double> hazard_mean;  // p
  double death_hazard = 0;
  std::span<const double> death_hazard_mean;  // p
  double centre = 0;  // the hazards are per unit of exp(x beta - centre) (Evaluate's centre)
};

struct Evaluation {
  double loglik = 0;
  VectorXd score;
  MatrixXd information;
};

// A sum of logarithms of positive numbers, taken as the log of their running product: the product's binary
// exponent is moved into an integer after each factor (a few integer operations where a log took a tenth of a
// fit's time), and one log is taken at the end. Each factor adds a rounding of at most 2^-53 relative to the
// product, so 10^6 factors move the sum by at most about 10^-10 (absolute). A factor or product outside the
// normal range (risks that underflow) is taken by its own log instead.
class LogSum {
 public:
  void Add(double x) {
    const double product = mantissa_ * x;
    if (!std::isnormal(product)) {
      logs_ += std::log(x);
      return;
    }
    const uint64_t bits = std::bit_cast<uint64_t>(product);
    exponent_ += static_cast<int64_t>((bits >> 52) & 0x7FF) - 1023;
    mantissa_ = std::bit_cast<double>((bits & ~(uint64_t{0x7FF} << 52)) | (uint64_t{1023} << 52));  // [1, 2)
  }
  double Value() const {
    return logs_ + std::log(mantissa_) + static_cast<double>(exponent_) * std::numbers::ln2;
  }

 private:
  double mantissa_ = 1;
  int64_t exponent_ = 0;
  double logs_ = 0;
};

// What the fit passes as its observer: then the exposures of DeathTime are not made.
constexpr auto kIgnoreDeathTimes = [](const DeathTime&) {};

// The log partial likelihood, its gradient and the observed information at beta. Each stratum is scanned
// from its longest time down: a row joins the risk-set sums at its stop time and, for counting-process data,
// leaves them once the scan reaches its start time (the risk set at t is start < t <= stop). Efron's
// correction spreads each tied death over the tied deaths' own risk.
// observe(const DeathTime&) sees each death time (the fit passes a no-op; the proportional-hazards test
// accumulates its time-weighted sums there).
// kP > 0: the number of covariates, known at compile time, so that the risk-set sums live in registers
// (the per-row update is most of a fit's time); kP = 0: any number. Each x beta is taken less `eta_shift`,
// which divides every risk by e^shift and changes nothing else in exact arithmetic (Residuals' shift).
template <int kP, typename Observer>
Evaluation EvaluateWith(const SortedCox& d, const VectorXd& beta, CoxTies ties, Observer&& observe,
                        double eta_shift) {
  const int p = kP > 0 ? kP : d.p;
  const size_t pp = static_cast<size_t>(p) * p;
  constexpr bool kObserved =
      !std::is_same_v<std::decay_t<Observer>, std::decay_t<decltype(kIgnoreDeathTimes)>>;
  const bool counting = !d.entry_time.empty();
  Evaluation e;
  e.score = VectorXd::Zero(p);
  e.information = MatrixXd::Zero(p, p);
  auto zeros = [](size_t size) {
    if constexpr (kP > 0) {
      return std::array<double, kP * kP>{};
    } else {
      return std::vector<double>(size);
    }
  };
  auto s1 = zeros(p), s2 = zeros(pp), d1 = zeros(p), d2 = zeros(pp), a = zeros(p);
  auto time_score = zeros(p), time_mean = zeros(p), time_information = zeros(pp), hazard_mean = zeros(p),
       death_hazard_mean = zeros(p);
  auto first = [](auto& sums, size_t size) { return std::span<const double>(sums.data(), size); };
  double s0 = 0, d0 = 0;    // the risk sums of all at risk, and of the deaths at the time
  size_t at_risk = 0;       // rows in the risk-set sums
  LogSum log_denominators;  // of the deaths' denominators, without case weights
  // Counting-process data, as R's agfit4: the risks are held as exp(x beta - centre), the centre following
  // the mean x beta of the rows at risk: where that mean has moved more than 200 from it, the centre moves
  // there and the sums are rescaled. A covariate that drifts with time (each row's later intervals carry
  // larger values) can move the whole risk set's x beta beyond what exp holds while the rows compared at one
  // death time differ little; the centre cancels from every ratio, and `centred_deaths` (Σ over Efron's steps
  // of the deaths' mean weight times the centre) takes it back out of the log-likelihood.
  double centre = 0, eta_sum = 0, centred_deaths = 0;
  auto clear_sums = [&] {
    s0 = 0;
    eta_sum = 0;
    std::fill(s1.begin(), s1.end(), 0.0);
    std::fill(s2.begin(), s2.end(), 0.0);
  };
  auto recentre = [&](double new_centre) {
    const double factor = std::exp(centre - new_centre);
    centre = new_centre;
    if (at_risk == 0) return;  // the sums are zeros (and a factor beyond a double would make them NaN)
    s0 *= factor;
    d0 *= factor;
    for (auto* sums : {&s1, &d1})
      for (double& v : *sums)
        v *= factor;
    for (auto* sums : {&s2, &d2})
      for (double& v : *sums)
        v *= factor;
  };
  // Adds a row's risk exp(x beta) times its case weight w, and the first and second moments, to the risk-set
  // sums (sign 1), or takes them out (sign -1; the sums restart from exact zeros once no row is left);
  // returns x beta and the weighted risk. A row leaving recomputes the same risk it joined with.
  auto update_sums = [&](const double* xi, double w, double sign) {
    double eta = -eta_shift;
    for (int j = 0; j < p; ++j)
      eta += xi[j] * beta[j];
    if (counting) {
      eta_sum += sign * eta;
      const double rows = static_cast<double>(at_risk + 1);  // with this one (on joining)
      if (sign > 0 && std::fabs(eta_sum - centre * rows) > 200 * rows) recentre(eta_sum / rows);
    }
    const double risk = w * std::exp(eta - centre);
    if (sign > 0) {
      ++at_risk;
    } else if (--at_risk == 0) {
      clear_sums();
      return std::pair{eta, risk};
    }
    const double weight = sign * risk;
    s0 += weight;
    for (int j = 0; j < p; ++j) {
      s1[j] += weight * xi[j];
      for (int k = 0; k <= j; ++k)
        s2[j * p + k] += weight * xi[j] * xi[k];
    }
    return std::pair{eta, risk};
  };
  for (size_t s = 0; s + 1 < d.stratum_begin.size(); ++s) {
    const size_t begin = d.stratum_begin[s];
    size_t i = d.stratum_begin[s + 1];
    size_t entry = i;   // entries [begin, entry) have not left the risk set yet
    size_t joined = i;  // counting-process data: rows [joined, end of stratum) have joined
    at_risk = 0;
    clear_sums();
    while (i > begin) {
      const double t = d.time[i - 1];
      const size_t time_end = i;
      if (counting) {
        // As R's agfit4: at each death time the rows that start at or after it leave, and only then do the
        // rows that end at or after it join (those ending between death times wait for the next): where no
        // one else is left, the sums restart from exact zeros, and small risks joining (rows whose covariate
        // drives their risk toward 0) are not lost in the rounding of larger ones that leave. Rows whose
        // interval holds no death time never join.
        size_t time_begin = i;
        bool death_here = false;
        for (; time_begin > begin && d.time[time_begin - 1] == t; --time_begin)
          death_here = death_here || d.event[time_begin - 1] == 1;
        if (!death_here) {
          i = time_begin;
          continue;
        }
        for (; entry > begin && d.entry_time[entry - 1] >= t; --entry) {
          if (!d.entry_spans[entry - 1]) continue;
          update_sums(&d.entry_x[(entry - 1) * p], d.entry_weight.empty() ? 1.0 : d.entry_weight[entry - 1],
                      -1);
        }
        for (; joined > time_end; --joined) {
          if (!d.spans_death[joined - 1]) continue;
          update_sums(&d.x[(joined - 1) * p], d.weight.empty() ? 1.0 : d.weight[joined - 1], 1);
        }
        joined = time_begin;
      }
      d0 = 0;
      double deaths = 0;
      double death_weight = 0;  // the deaths' case weights
      for (; i > begin && d.time[i - 1] == t; --i) {
        const double* xi = &d.x[(i - 1) * p];
        const double w = d.weight.empty() ? 1.0 : d.weight[i - 1];
        const auto [eta, risk] = update_sums(xi, w, 1);
        if (d.event[i - 1] == 1) {
          if (deaths == 0) {
            std::fill(d1.begin(), d1.end(), 0.0);
            std::fill(d2.begin(), d2.end(), 0.0);
            std::fill(time_score.begin(), time_score.end(), 0.0);
          }
          deaths += 1;
          death_weight += w;
          d0 += risk;
          e.loglik += w * eta;
          for (int j = 0; j < p; ++j) {
            time_score[j] += w * xi[j];
            d1[j] += risk * xi[j];
            for (int k = 0; k <= j; ++k)
              d2[j * p + k] += risk * xi[j] * xi[k];
          }
        }
      }
      if (deaths == 0) continue;
      std::fill(time_mean.begin(), time_mean.end(), 0.0);
      std::fill(time_information.begin(), time_information.end(), 0.0);
      double hazard = 0, death_hazard = 0;
      if constexpr (kObserved) {
        std::fill(hazard_mean.begin(), hazard_mean.end(), 0.0);
        std::fill(death_hazard_mean.begin(), death_hazard_mean.end(), 0.0);
      }
      // Each of Efron's steps (Breslow's: the same step `deaths` times) counts the deaths' mean case weight
      // (1 without weights).
      const double mean_weight = death_weight / deaths;
      // A row dying alone in the risk set is compared with its own covariates and adds no information,
      // exactly: from the sums, a row's variance is 0 only where (r x) / r rounds back to x. (In a small
      // stratum that is what leaves a covariate not estimable, as R finds it.)
      const double* alone = at_risk == 1 ? &d.x[i * p] : nullptr;
      for (int m = 0; m < static_cast<int>(deaths); ++m) {
        const double frac = ties == CoxTies::kEfron ? m / deaths : 0.0;
        const double denom = s0 - frac * d0;
        if (d.weight.empty()) {
          log_denominators.Add(denom);  // mean_weight is 1
        } else {
          e.loglik -= mean_weight * std::log(denom);
        }
        if (alone != nullptr) {
          std::copy_n(alone, p, a.begin());
        } else {
          for (int j = 0; j < p; ++j)
            a[j] = (s1[j] - frac * d1[j]) / denom;
        }
        for (int j = 0; j < p; ++j)
          time_mean[j] += a[j];
        if constexpr (kObserved) {
          const double step_hazard = mean_weight / denom;
          hazard += step_hazard;
          death_hazard += (1 - frac) * step_hazard;
          for (int j = 0; j < p; ++j) {
            hazard_mean[j] += a[j] * step_hazard;
            death_hazard_mean[j] += (1 - frac) * a[j] * step_hazard;
          }
        }
        if (alone != nullptr) continue;
        for (int j = 0; j < p; ++j) {
          for (int k = 0; k <= j; ++k)
            time_information[j * p + k] += (s2[j * p + k] - frac * d2[j * p + k]) / denom - a[j] * a[k];
        }
      }
      centred_deaths += death_weight * centre;
      for (int j = 0; j < p; ++j) {
        time_score[j] -= mean_weight * time_mean[j];
        time_mean[j] /= deaths;
        e.score[j] += time_score[j];
        for (int k = 0; k <= j; ++k) {
          time_information[j * p + k] *= mean_weight;
          e.information(j, k) += time_information[j * p + k];
        }
      }
      observe(DeathTime{t, i, time_end, deaths, first(time_score, p), first(time_information, pp),
                        first(time_mean, p), hazard, first(hazard_mean, p), death_hazard,
                        first(death_hazard_mean, p), centre});
    }
  }
  e.loglik -= log_denominators.Value() + centred_deaths;
  e.information.triangularView<Eigen::StrictlyUpper>() = e.information.transpose();
  return e;
}

template <typename Observer>
Evaluation Evaluate(const SortedCox& d, const VectorXd& beta, CoxTies ties, Observer&& observe,
                    double eta_shift = 0) {
  switch (d.p) {
    case 1:
      return EvaluateWith<1>(d, beta, ties, observe, eta_shift);
    case 2:
      return EvaluateWith<2>(d, beta, ties, observe, eta_shift);
    case 3:
      return EvaluateWith<3>(d, beta, ties, observe, eta_shift);
    case 4:
      return EvaluateWith<4>(d, beta, ties, observe, eta_shift);
    default:
      return EvaluateWith<0>(d, beta, ties, observe, eta_shift);
  }
}

// R's coxph rescales each covariate before fitting (coxfit6, agfit4): less its weighted mean (for
// counting-process data its mean within each stratum), times s = 1 / its weighted mean absolute value then.
// Covariates whose values are all -1, 0 or 1 (coxph's nocenter) are left as they are, and constant ones
// keep s = 1. The fit is the same whatever the centring and scale; but the rounding is R's where the
// information of a covariate is 0 in exact arithmetic (a 0/1 covariate that is 0 for all at risk at the
// event times is exactly 0 there, not the difference of two equal numbers), R's aliasing rule applies to
// the information of the rescaled covariates, and sums overflow where R's do (the fit multiplies by s:
// ScaleCovariates). Centres `data`'s covariates into sorted.x (row-major, in the order of `input_row`) and
// returns s. `weights` by input row (empty: all 1).
VectorXd RescaleAsR(const CoxData& data, std::span<const uint32_t> input_row, std::span<const double> weights,
                    BigVector<double>& x) {
  const size_t n = data.time.size();
  const int32_t p = data.n_covariates;
  const bool by_stratum = !data.start.empty() && !data.strata.empty();
  const size_t n_strata =
      by_stratum ? static_cast<size_t>(*std::max_element(data.strata.begin(), data.strata.end())) + 1 : 1;
  auto weight = [weights](size_t i) { return weights.empty() ? 1.0 : weights[i]; };
  auto stratum = [&data, by_stratum](size_t i) {
    return by_stratum ? static_cast<size_t>(data.strata[i]) : 0;
  };
  // Σ w f(i) over each stratum's rows; in a register where there is one stratum (on large data these sums
  // are most of the time spent here).
  auto sum_by_stratum = [&](auto f) {
    std::vector<double> sums(n_strata, 0.0);
    if (n_strata == 1) {
      double sum = 0;
      for (size_t i = 0; i < n; ++i)
        sum += weight(i) * f(i);
      sums[0] = sum;
    } else {
      for (size_t i = 0; i < n; ++i)
        sums[stratum(i)] += weight(i) * f(i);
    }
    return sums;
  };
  const std::vector<double> stratum_weight = sum_by_stratum([](size_t) { return 1.0; });
  const double total_weight = std::accumulate(stratum_weight.begin(), stratum_weight.end(), 0.0);
  VectorXd scale = VectorXd::Ones(p);
  x.resize(n * static_cast<size_t>(p));
  for (int32_t j = 0; j < p; ++j) {
    const std::span<const double> column = data.covariates.subspan(static_cast<size_t>(j) * n, n);
    std::vector<double> centre(n_strata, 0.0);
    if (!std::all_of(column.begin(), column.end(), [](double v) { return v == -1 || v == 0 || v == 1; })) {
      centre = sum_by_stratum([&column](size_t i) { return column[i]; });
      for (size_t k = 0; k < n_strata; ++k)  // (a stratum whose rows hold no death time takes no part)
        centre[k] = stratum_weight[k] > 0 ? centre[k] / stratum_weight[k] : 0;
      double absolute = 0;  // over all rows: R's scale is not by stratum
      for (size_t i = 0; i < n; ++i)
        absolute += weight(i) * std::fabs(column[i] - centre[stratum(i)]);
      if (absolute > 0) scale[j] = total_weight / absolute;
    }
    for (size_t r = 0; r < n; ++r)
      x[r * p + j] = column[input_row[r]] - centre[stratum(input_row[r])];
  }
  return scale;
}

// Multiplies each covariate by its scale (RescaleAsR), as R's coxfit6 and agfit4 do before they fit.
void ScaleCovariates(SortedCox& sorted) {
  const size_t p = static_cast<size_t>(sorted.p);
  for (BigVector<double>* x : {&sorted.x, &sorted.entry_x}) {
    for (size_t row = 0; row < x->size() / p; ++row) {
      for (size_t j = 0; j < p; ++j)
        (*x)[row * p + j] *= sorted.scale[static_cast<Eigen::Index>(j)];
    }
  }
}

// R's agreg.fit leaves out of a (start, stop] fit the rows whose interval holds no death time of their
// stratum: they add nothing to the likelihood, and their risk, added to the risk-set sums and taken away
// again, would leave only its rounding there — which swamps the sums where a coefficient heads for infinity
// (a row's risk of e^30 beside risk sets summing to 1e-3). Marks each sorted row, and each entry, that holds
// one: the first death time of its stratum after its start (the starts ascending) is at or before its stop.
void MarkRowsSpanningADeath(const detail::SortedCounting& order, std::span<const int8_t> event,
                            SortedCox& sorted) {
  const size_t n = order.stop.size();
  sorted.spans_death.assign(n, 0);
  sorted.entry_spans.resize(n);
  std::vector<double> death_times;
  for (size_t s = 0; s + 1 < order.stratum_begin.size(); ++s) {
    const size_t begin = order.stratum_begin[s], end = order.stratum_begin[s + 1];
    death_times.clear();
    for (size_t i = begin; i < end; ++i) {
      if (event[order.row[i]] == 1 && (death_times.empty() || death_times.back() != order.stop[i]))
        death_times.push_back(order.stop[i]);
    }
    auto next_death = death_times.begin();
    for (size_t k = begin; k < end; ++k) {
      while (next_death != death_times.end() && *next_death <= order.entry[k])
        ++next_death;
      const uint32_t row = order.entry_position[k];
      sorted.entry_spans[k] = next_death != death_times.end() && *next_death <= order.stop[row];
      sorted.spans_death[row] = sorted.entry_spans[k];
    }
  }
}

// Validates the data and sorts it for Evaluate.
Result<SortedCox> PrepareCox(const CoxData& data, const CoxOptions& options) {
  const size_t n = data.time.size();
  const int32_t p = data.n_covariates;
  if (n == 0) return InvalidArgument("no observations: the data set has no complete rows");
  if (p < 1) return InvalidArgument("the model needs at least one covariate");
  if (data.covariates.size() != n * static_cast<size_t>(p)) {
    return InvalidArgument(
        fmt::format("expected {} covariate values, found {}", n * p, data.covariates.size()));
  }
  if (!data.strata.empty() && data.strata.size() != n) {
    return InvalidArgument("one stratum code is needed per observation");
  }
  Status valid =
      detail::ValidateSurvivalData(SurvivalData{data.time, data.event, {}, data.start, data.weights}, 1);
  if (!valid.ok()) return valid;
  for (double v : data.covariates) {
    if (!std::isfinite(v)) return InvalidArgument("a covariate value is missing or not finite");
  }
  if (std::count(data.event.begin(), data.event.end(), 1) == 0) {
    return InvalidArgument("no events: a Cox model cannot be fitted without events");
  }

  int32_t n_strata = 1;
  for (int32_t st : data.strata) {
    if (st < 0) return InvalidArgument("stratum codes must be >= 0");
    n_strata = std::max(n_strata, st + 1);
  }
  SortedCox sorted;
  sorted.p = p;
  BigVector<uint32_t>& input_row = sorted.input_row;
  // The weights of the centring and scale, by input row: for counting-process data the rows holding no
  // death time weigh 0, as R's agfit4 leaves them out.
  std::span<const double> centring_weights = data.weights;
  BigVector<double> counting_weights;
  if (data.start.empty()) {
    detail::SortedSurvival order =
        detail::SortSurvival(data.time, data.event, {}, data.strata, n_strata, options.timefix, true);
    sorted.time = std::move(order.time);
    sorted.stratum_begin = std::move(order.stratum_begin);
    input_row = std::move(order.payload);
  } else {
    Result<detail::SortedCounting> order =
        detail::SortCounting(data.start, data.time, data.strata, n_strata, options.timefix);
    if (!order.ok()) return order.status();
    MarkRowsSpanningADeath(*order, data.event, sorted);
    counting_weights.resize(n);
    for (size_t i = 0; i < n; ++i) {
      const uint32_t row = order->row[i];
      counting_weights[row] = sorted.spans_death[i] ? (data.weights.empty() ? 1.0 : data.weights[row]) : 0.0;
    }
    centring_weights = std::span<const double>(counting_weights.data(), n);
    sorted.time = std::move(order->stop);
    sorted.stratum_begin = std::move(order->stratum_begin);
    input_row = std::move(order->row);
    sorted.entry_time = std::move(order->entry);
    sorted.entry_row = std::move(order->entry_position);
  }
  sorted.event.resize(n);
  sorted.scale = RescaleAsR(data, input_row, centring_weights, sorted.x);
  for (size_t r = 0; r < n; ++r)
    sorted.event[r] = data.event[input_row[r]];
  if (!data.weights.empty()) {
    sorted.weight.resize(n);
    for (size_t r = 0; r < n; ++r)
      sorted.weight[r] = data.weights[input_row[r]];
  }
  // The leaving rows' covariates (and weights) in the order they leave, so that the scan reads them
  // sequentially.
  sorted.entry_x.resize(sorted.entry_row.size() * static_cast<size_t>(p));
  for (size_t k = 0; k < sorted.entry_row.size(); ++k)
    std::copy_n(&sorted.x[sorted.entry_row[k] * static_cast<size_t>(p)], p, &sorted.entry_x[k * p]);
  if (!sorted.weight.empty()) {
    sorted.entry_weight.resize(sorted.entry_row.size());
    for (size_t k = 0; k < sorted.entry_row.size(); ++k)
      sorted.entry_weight[k] = sorted.weight[sorted.entry_row[k]];
  }
  return sorted;
}

// The residuals at beta of each sorted row. Martingale (R's residuals(fit)): the row's deaths less its
// expected number, its risk times the baseline hazard of the times it is at risk (a row dying at a tied time
// only Efron's fraction of it). Score (R's type = "score"), p per row, row-major: a row that dies contributes
// its covariates less the mean it is compared with, and every row loses its risk times its covariates' excess
// over the risk-set mean, summed over the same hazard. Over all rows the score residuals sum to the score.
struct SortedResiduals {
  BigVector<double> martingale;
  BigVector<double> score;
};

// Where each risk set's mean is that of its deaths (everyone at risk dies, say, with Breslow's ties), a
// covariate's score residuals are 0 in exact arithmetic but the rounding of differences of its values in a
// double; R's sums give exactly 0 there, and with it a robust variance of 0 and no z or Wald test, where the
// rounding would give a robust SE of 1e-16 and z, p and tests of noise over noise (differential check, seed
// 126). A covariate's residuals all within 1e-10 of its largest (centred) value are taken as the 0 they are.
void ZeroRoundingScores(const SortedCox& d, BigVector<double>& score) {
  const size_t p = static_cast<size_t>(d.p);
  const size_t n = d.time.size();
  for (size_t j = 0; j < p; ++j) {
    double largest_x = 0, largest_residual = 0;
    for (size_t i = 0; i < n; ++i) {
      largest_x = std::max(largest_x, std::fabs(d.x[i * p + j]));
      largest_residual = std::max(largest_residual, std::fabs(score[i * p + j]));
    }
    if (largest_residual > 1e-10 * largest_x) continue;
    for (size_t i = 0; i < n; ++i)
      score[i * p + j] = 0;
  }
}

SortedResiduals Residuals(const SortedCox& d, const VectorXd& beta, CoxTies ties) {
  const size_t p = static_cast<size_t>(d.p);
  const size_t n = d.time.size();
  auto eta_of = [&](size_t i) {
    double eta = 0;
    for (size_t j = 0; j < p; ++j)
      eta += d.x[i * p + j] * beta[static_cast<Eigen::Index>(j)];
    return eta;
  };
  // As R's coxph.fit and agreg.fit: where a risk exp(x beta) would overflow (a fit heading for infinity, or a
  // row far from the others that is at risk at no death time), every x beta is taken less the same shift, so
  // that the largest is log(DBL_MAX) - 1. The residuals do not change in exact arithmetic.
  double largest_eta = -std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < n; ++i)
    largest_eta = std::max(largest_eta, eta_of(i));
  const double log_largest = std::log(std::numeric_limits<double>::max());
  const double eta_shift = largest_eta > log_largest ? 1 + largest_eta - log_largest : 0;
  // The death times as Evaluate visits them: strata in order, each from its last time down. Per time, p
  // numbers each of the mean, the hazard-weighted mean and the dying rows' hazard-weighted mean.
  struct Exposure {
    size_t end = 0;  // one past the time's sorted rows
    double hazard = 0;
    double death_hazard = 0;
    double centre = 0;
  };
  std::vector<Exposure> exposures;
  const size_t deaths = static_cast<size_t>(std::count(d.event.begin(), d.event.end(), int8_t{1}));
  exposures.reserve(deaths);  // at most one per death
  BigVector<double> means(deaths * 3 * p);
  Evaluate(
      d, beta, ties,
      [&](const DeathTime& death) {
        double* out = &means[exposures.size() * 3 * p];
        exposures.push_back({death.end, death.hazard, death.death_hazard, death.centre});
        // Element by element: p is small, and std::copy called memmove for each part.
        for (std::span<const double> part : {death.mean, death.hazard_mean, death.death_hazard_mean}) {
          for (double value : part)
            *out++ = value;
        }
      },
      eta_shift);
  // Counting-process data: each sorted row's start (right-censored rows are at risk from the beginning).
  std::vector<double> start(d.entry_row.empty() ? 0 : n);
  for (size_t k = 0; k < d.entry_row.size(); ++k)
    start[d.entry_row[k]] = d.entry_time[k];

  SortedResiduals residuals{BigVector<double>(n), BigVector<double>(n * p)};
  // Per stratum, its death times ascending and the hazards summed over them, a row's exposure being the
  // difference of two sums. Evaluate's centre (counting-process data) can change from one death time to the
  // next, and with it the unit of the hazards; and where x beta drifts with time the hazards in one unit can
  // fall by orders of magnitude from one time to the next, so that a later one would be lost in the rounding
  // of the sum. The sums restart at each change of centre and, for counting-process data, at a hazard below
  // 2^-20 of the sum so far (a difference then loses at most 2^20 ulps); `run_end` holds the end of each
  // time's run.
  const bool counting = !d.entry_time.empty();
  std::vector<double> death_times, centres, cum_hazard, cum_mean;  // the sums: from the run's first time
  std::vector<size_t> exposure_of, run_end;                        // each time's Exposure; its run's end
  std::vector<uint8_t> starts_run;
  size_t remaining = exposures.size();  // the strata before are at the front
  for (size_t s = d.stratum_begin.size() - 1; s-- > 0;) {
    const size_t begin = d.stratum_begin[s];
    // At most `remaining` death times: reserved, as the stratum's rows may number millions.
    death_times.clear();
    death_times.reserve(remaining);
    centres.clear();
    centres.reserve(remaining);
    starts_run.clear();
    starts_run.reserve(remaining);
    exposure_of.clear();
    exposure_of.reserve(remaining);
    cum_hazard.reserve(remaining + 1);
    cum_hazard.assign(1, 0.0);
    cum_mean.reserve((remaining + 1) * p);
    cum_mean.assign(p, 0.0);
    for (; remaining > 0 && exposures[remaining - 1].end > begin; --remaining) {
      const Exposure& exposure = exposures[remaining - 1];
      const size_t last = cum_hazard.size() - 1;
      const bool run_starts = centres.empty() || centres.back() != exposure.centre ||
                              (counting && exposure.hazard < 0x1p-20 * cum_hazard[last]);
      starts_run.push_back(run_starts);
      death_times.push_back(d.time[exposure.end - 1]);
      centres.push_back(exposure.centre);
      exposure_of.push_back(remaining - 1);
      cum_hazard.push_back((run_starts ? 0.0 : cum_hazard[last]) + exposure.hazard);
      const double* hazard_mean = &means[((remaining - 1) * 3 + 1) * p];
      for (size_t j = 0; j < p; ++j)
        cum_mean.push_back((run_starts ? 0.0 : cum_mean[last * p + j]) + hazard_mean[j]);
    }
    run_end.resize(death_times.size());
    for (size_t k = death_times.size(); k-- > 0;)
      run_end[k] = k + 1 < death_times.size() && !starts_run[k + 1] ? run_end[k + 1] : k + 1;
    size_t through_stop = 0;  // the death times <= the row's stop time (rows ascend in time)
    for (size_t i = begin; i < d.stratum_begin[s + 1]; ++i) {
      while (through_stop < death_times.size() && death_times[through_stop] <= d.time[i])
        ++through_stop;
      const size_t through_start =
          start.empty()
              ? 0
              : static_cast<size_t>(std::upper_bound(death_times.begin(), death_times.end(), start[i]) -
                                    death_times.begin());
      const double* xi = &d.x[i * p];
      const double eta = eta_of(i) - eta_shift;
      double* li = &residuals.score[i * p];
      // Exposed to the whole hazard of the death times in (start, stop], or, dying at stop, to those before
      // it and its own time's dying fraction; a run of one centre at a time (the row's risk in its unit).
      size_t through = through_stop;
      double own_hazard = 0, own_risk = 0;
      double own_centre = std::numeric_limits<double>::quiet_NaN();  // equal to no centre unless it dies
      bool own_pending = false;
      std::fill(li, li + p, 0.0);
      if (d.event[i] == 1) {
        through = through_stop - 1;
        const size_t k = exposure_of[through];
        own_hazard = exposures[k].death_hazard;
        own_pending = true;
        own_centre = centres[through];
        own_risk = std::exp(eta - own_centre);
        const double* own_mean = &means[(k * 3 + 2) * p];
        const double* mean = &means[k * 3 * p];
        for (size_t j = 0; j < p; ++j)
          li[j] = xi[j] - mean[j] + own_risk * own_mean[j];
      }
      double expected = 0;
      for (size_t m = through_start; m < through || own_pending;) {
        const size_t end = m < through ? std::min(through, run_end[m]) : m;
        const bool run_starts = starts_run[m];
        const double centre = centres[m];
        double hazard = end > m ? cum_hazard[end] - (run_starts ? 0.0 : cum_hazard[m]) : 0.0;
        if (own_pending && end == through && (end == m || !starts_run[through])) {
          hazard += own_hazard;
          own_pending = false;
        }
        const double risk = centre == own_centre ? own_risk : std::exp(eta - centre);
        expected += risk * hazard;
        for (size_t j = 0; j < p; ++j) {
          const double mean_sum =
              end > m ? cum_mean[end * p + j] - (run_starts ? 0.0 : cum_mean[m * p + j]) : 0.0;
          li[j] += risk * (mean_sum - xi[j] * hazard);
        }
        m = end;
      }
      residuals.martingale[i] = d.event[i] - expected;
    }
  }
  ZeroRoundingScores(d, residuals.score);
  return residuals;
}

// Σ over clusters of (Σ of the cluster's residuals)(Σ ...)': the middle of the sandwich, each row's residuals
// times its case weight (R's weighted = TRUE). `cluster`: the code (0..clusters-1) of each sorted row's
// cluster; empty: each row is its own.
MatrixXd ClusterCrossProduct(const BigVector<double>& residuals, const BigVector<double>& weight, int p,
                             std::span<const int32_t> cluster, size_t clusters) {
  const size_t n = residuals.size() / static_cast<size_t>(p);
  auto weighted_residuals = [&](size_t i) {
    return (weight.empty() ? 1.0 : weight[i]) *
           Eigen::Map<const VectorXd>(&residuals[i * static_cast<size_t>(p)], p);
  };
  if (cluster.empty()) {
    MatrixXd cross = MatrixXd::Zero(p, p);
    for (size_t i = 0; i < n; ++i) {
      const VectorXd l = weighted_residuals(i);
      cross.noalias() += l * l.transpose();
    }
    return cross;
  }
  MatrixXd sums = MatrixXd::Zero(p, static_cast<Eigen::Index>(clusters));
  for (size_t i = 0; i < n; ++i)
    sums.col(cluster[i]) += weighted_residuals(i);
  return sums * sums.transpose();
}

// A symmetric non-negative definite matrix (an information matrix) factored as R's survival does (its
// cholesky2, with coxph's toler.chol = eps^0.75): L D L' in the columns' order, where a pivot below toler
// times the largest diagonal element, or not finite, marks its column aliased — a linear combination of the
// columns before it, or a covariate without variation — and the column then takes no part: solutions and
// the inverse are 0 there, the rest as for the matrix without it. Which of two collinear covariates is
// aliased is thus the later one, as R reports (Eigen's LDLT pivots on the largest diagonal, and would
// leave out another). Which pivots fall below the tolerance depends on the columns' scale: the fit factors
// the information of R's rescaled covariates (RescaleAsR), as R does.
class AliasingCholesky {
 public:
  explicit AliasingCholesky(const MatrixXd& a) : l_(MatrixXd::Identity(a.rows(), a.cols())), d_(a.rows()) {
    const Eigen::Index p = a.rows();
    MatrixXd work = a;   // its lower triangle: the Schur complements
    double largest = 0;  // the largest positive diagonal element (not NaN)
    for (Eigen::Index i = 0; i < p; ++i)
      largest = work(i, i) > largest ? work(i, i) : largest;
    const double tolerance = largest > 0 ? kTolerChol * largest : kTolerChol;
    aliased_.assign(static_cast<size_t>(p), false);
    for (Eigen::Index i = 0; i < p; ++i) {
      const double pivot = work(i, i);
      if (!std::isfinite(pivot) || pivot < tolerance) {
        aliased_[static_cast<size_t>(i)] = true;
        d_[i] = 0;
        continue;
      }
      d_[i] = pivot;
      for (Eigen::Index j = i + 1; j < p; ++j) {
        l_(j, i) = work(j, i) / pivot;
        for (Eigen::Index k = i + 1; k <= j; ++k)
          work(j, k) -= l_(j, i) * work(k, i);
      }
    }
  }
  const std::vector<bool>& aliased() const { return aliased_; }
  int32_t rank() const { return static_cast<int32_t>(std::count(aliased_.begin(), aliased_.end(), false)); }
  VectorXd Solve(const VectorXd& b) const {
    VectorXd x = l_.triangularView<Eigen::UnitLower>().solve(b);
    for (Eigen::Index i = 0; i < x.size(); ++i)
      x[i] = d_[i] == 0 ? 0 : x[i] / d_[i];
    return l_.transpose().triangularView<Eigen::UnitUpper>().solve(x);
  }
  MatrixXd Inverse() const {
    MatrixXd inverse(l_.rows(), l_.cols());
    for (Eigen::Index j = 0; j < l_.cols(); ++j)
      inverse.col(j) = Solve(VectorXd::Unit(l_.rows(), j));
    return inverse;
  }

 private:
  static constexpr double kTolerChol = 1.8189894035458565e-12;  // .Machine$double.eps^0.75
  MatrixXd l_;  // unit lower triangular; an aliased column's entries stay 0
  VectorXd d_;  // 0 where aliased
  std::vector<bool> aliased_;
};

// u' A^-1 u over A's columns that are not aliased (R's coxph.wtest); NaN, no test, where all are (a robust
// variance of 0, which R's gives as NaN too).
double QuadraticForm(const MatrixXd& a, const VectorXd& u) {
  const AliasingCholesky factor(a);
  return factor.rank() == 0 ? std::numeric_limits<double>::quiet_NaN() : u.dot(factor.Solve(u));
}

// Lin & Wei's robust variance, as R's coxph(cluster = , robust = TRUE): V (Σ_g L_g L_g') V with V the inverse
// information and L_g a cluster's summed score residuals; the Wald test on it, and the robust score test
// at beta = 0. Replaces the fit's Wald test, as R. `sorted` holds the fit's rescaled covariates
// (ScaleCovariates) and `scaled_beta` its coefficients on that scale; the score residuals, found on it, are
// taken back to the covariates' own scale, where R computes the variance and its tests.
Status AddRobustVariance(const SortedCox& sorted, const CoxData& data, const CoxOptions& options,
                         const VectorXd& scaled_beta, CoxFit& fit) {
  const int32_t p = sorted.p;
  const size_t n = sorted.time.size();
  std::vector<int32_t> cluster;  // by sorted row, codes 0..clusters-1
  size_t clusters = n;
  if (!data.cluster.empty()) {
    if (data.cluster.size() != n) return InvalidArgument("one cluster code is needed per observation");
    std::vector<int32_t> codes(data.cluster.begin(), data.cluster.end());
    std::sort(codes.begin(), codes.end());
    codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
    clusters = codes.size();
    cluster.resize(n);
    for (size_t i = 0; i < n; ++i) {
      cluster[i] = static_cast<int32_t>(
          std::lower_bound(codes.begin(), codes.end(), data.cluster[sorted.input_row[i]]) - codes.begin());
    }
  }
  if (clusters <= static_cast<size_t>(p)) {
    return InvalidArgument(fmt::format(
        "the robust variance needs more clusters than coefficients; found {} cluster{} for {} coefficient{}",
        clusters, clusters == 1 ? "" : "s", p, p == 1 ? "" : "s"));
  }
  auto score_residuals = [&](const VectorXd& at) {
    BigVector<double> score = Residuals(sorted, at, options.ties).score;
    for (size_t i = 0; i < n; ++i) {
      for (int32_t j = 0; j < p; ++j)
        score[i * static_cast<size_t>(p) + j] /= sorted.scale[j];
    }
    return score;
  };
  const Eigen::Map<const MatrixXd> variance(fit.variance.data(), p, p);
  const MatrixXd robust =
      variance * ClusterCrossProduct(score_residuals(scaled_beta), sorted.weight, p, cluster, clusters) *
      variance;
  fit.robust_variance.assign(robust.data(), robust.data() + robust.size());
  fit.clusters = static_cast<int64_t>(clusters);
  fit.wald_test.chisq = QuadraticForm(robust, Eigen::Map<const VectorXd>(fit.coef.data(), p));
  const BigVector<double> at_zero = score_residuals(VectorXd::Zero(p));
  VectorXd score = VectorXd::Zero(p);
  for (size_t i = 0; i < n; ++i) {
    score += (sorted.weight.empty() ? 1.0 : sorted.weight[i]) *
             Eigen::Map<const VectorXd>(&at_zero[i * static_cast<size_t>(p)], p);
  }
  fit.robust_score_test = ChiSquareTest{};
  fit.robust_score_test->chisq =
      QuadraticForm(ClusterCrossProduct(at_zero, sorted.weight, p, cluster, clusters), score);
  return {};
}

}  // namespace

Result<CoxFit> FitCox(const CoxData& data, const CoxOptions& options) {
  Result<SortedCox> prepared = PrepareCox(data, options);
  if (!prepared.ok()) return prepared.status();
  SortedCox& sorted = *prepared;
  // As R's coxfit6 and agfit4, the fit runs on the rescaled covariates x s (RescaleAsR): its coefficients
  // are beta / s, its score s U and its information diag(s) I diag(s), each taken back at the end. The fit is
  // the same in exact arithmetic; in a double, where a coefficient heads for infinity, the risk-weighted sums
  // of squares of covariates in the thousands overflow a step before R's do, and the steps part from R's.
  const VectorXd& scale = sorted.scale;
  ScaleCovariates(sorted);
  const size_t n = data.time.size();
  const int32_t p = data.n_covariates;
  const int64_t events = std::count(data.event.begin(), data.event.end(), 1);
  CoxFit fit;
  fit.n = static_cast<int64_t>(n);
  fit.events = events;
  VectorXd beta = VectorXd::Zero(p);
  Evaluation current = Evaluate(sorted, beta, options.ties, kIgnoreDeathTimes);
  fit.loglik_null = current.loglik;
  constexpr const char* kNoneEstimable =
      "no covariate can be estimated: none varies among the rows at risk at the event times";
  const AliasingCholesky at_zero(current.information);
  if (at_zero.rank() == 0) return InvalidArgument(kNoneEstimable);
  const VectorXd step0 = at_zero.Solve(current.score);
  fit.score_test.chisq = current.score.dot(step0);

  // Newton–Raphson with step halving, as R's coxfit6 (right-censored data) and agfit4 ((start, stop]
  // data): a step that fails — lowers the likelihood, or makes it or the information not finite, or (agfit4)
  // changes the number of covariates aliased — is pulled back toward the last good beta; convergence is
  // judged on the relative change of the log-likelihood (agfit4: not while halving). Out of iterations,
  // coxfit6 reports the last good beta; agfit4 the last step's, unless it lowered the likelihood by more than
  // eps. With no iterations allowed (R's iter.max = 0) the fit stays at beta = 0, whose information gives
  // the variance: what R's coxph(iter = 0) reports.
  const bool counting = !data.start.empty();
  VectorXd new_beta = beta + step0;
  int halving = 0;
  for (fit.iterations = 1; fit.iterations <= options.max_iterations; ++fit.iterations) {
    const Evaluation trial = Evaluate(sorted, new_beta, options.ties, kIgnoreDeathTimes);
    const AliasingCholesky factor(trial.information);
    const bool failed = !std::isfinite(trial.loglik) || !trial.information.allFinite() ||
                        (counting && factor.rank() != at_zero.rank());
    fit.converged =
        !failed && (!counting || halving == 0) && std::fabs(1 - current.loglik / trial.loglik) <= options.eps;
    auto accept = [&] {
      current = trial;
      beta = new_beta;
    };
    if (fit.converged) {
      accept();
      break;
    }
    if (counting && fit.iterations == options.max_iterations) {
      const bool worse = options.max_iterations > 1 &&
                         (trial.loglik - current.loglik) / std::fabs(current.loglik) < -options.eps;
      if (!failed && !worse) accept();
      break;
    }
    if (failed || trial.loglik < current.loglik) {
      ++halving;
      new_beta = (new_beta + halving * beta) / (halving + 1.0);
    } else {
      halving = 0;
      accept();
      new_beta = beta + factor.Solve(current.score);
    }
  }
  fit.iterations = std::min(fit.iterations, options.max_iterations);
  fit.loglik = current.loglik;
  // As R's coxph.fit, the covariates aliased at the estimate are those of its information matrix; their
  // coefficients, never moved by a step, stay 0 (R reports NA) and their variance is 0.
  const AliasingCholesky at_estimate(current.information);
  if (at_estimate.rank() == 0) return InvalidArgument(kNoneEstimable);
  const MatrixXd variance = scale.asDiagonal() * at_estimate.Inverse() * scale.asDiagonal();
  fit.aliased = at_estimate.aliased();
  for (int32_t j = 0; j < p; ++j) {
    if (fit.aliased[static_cast<size_t>(j)]) beta[j] = 0;
  }
  const VectorXd coef = beta.cwiseProduct(scale);
  fit.coef.assign(coef.data(), coef.data() + p);
  fit.variance.assign(variance.data(), variance.data() + variance.size());

  // R's coxph.fit: once converged (after more than one allowed iteration), a coefficient whose Newton step
  // |U' I^-1| is still above eps and above sqrt(eps) times the coefficient is one the log-likelihood left
  // growing: it may be infinite.
  fit.may_be_infinite.assign(static_cast<size_t>(p), false);
  if (fit.converged && options.max_iterations > 1) {
    // The information is symmetric: U' I^-1 = (I^-1 U)'.
    const VectorXd step = variance * current.score.cwiseQuotient(scale);
    for (int32_t j = 0; j < p; ++j) {
      const double remaining = std::fabs(step[j]);
      fit.may_be_infinite[static_cast<size_t>(j)] =
          remaining > options.eps && remaining > std::sqrt(options.eps) * std::fabs(coef[j]);
    }
  }

  fit.lr_test.chisq = 2 * (fit.loglik - fit.loglik_null);
  fit.wald_test.chisq = beta.dot(current.information * beta);  // the same on either scale
  // As R's coxph: clusters, or case weights that are not whole numbers (inverse probability weights, say),
  // call for the robust variance.
  if (options.robust || !data.cluster.empty() || detail::HasFractionalWeights(data.weights)) {
    Status robust = AddRobustVariance(sorted, data, options, beta, fit);
    if (!robust.ok()) return robust;
  }
  // Each test on as many degrees of freedom as coefficients estimated, as R's summary.coxph.
  const int32_t df = at_estimate.rank();
  for (ChiSquareTest* test : {&fit.lr_test, &fit.wald_test, &fit.score_test}) {
    test->df = df;
    test->p = detail::ChiSquareUpperTail(test->chisq, df);
  }
  if (fit.robust_score_test) {
    fit.robust_score_test->df = df;
    fit.robust_score_test->p = detail::ChiSquareUpperTail(fit.robust_score_test->chisq, df);
  }
  return fit;
}

namespace {

// A death's Schoenfeld residual: its covariates less the risk-weighted mean they are compared with at its
// time (with Efron's ties, the mean over the tied deaths' steps).
struct SchoenfeldResidual {
  size_t stratum;
  double time;
  uint32_t input_row;
  size_t sorted_row;
  std::vector<double> r;
};

// Adds the residuals of the deaths at `death` (an observer of Evaluate).
void AddSchoenfeldResiduals(const SortedCox& sorted, const DeathTime& death,
                            std::vector<SchoenfeldResidual>& residuals) {
  const size_t stratum = static_cast<size_t>(
      std::upper_bound(sorted.stratum_begin.begin(), sorted.stratum_begin.end(), death.begin) -
      sorted.stratum_begin.begin() - 1);
  for (size_t row = death.begin; row < death.end; ++row) {
    if (sorted.event[row] != 1) continue;
    SchoenfeldResidual residual{stratum, death.time, sorted.input_row[row], row,
                                std::vector<double>(static_cast<size_t>(sorted.p))};
    for (int j = 0; j < sorted.p; ++j)
      residual.r[j] = sorted.x[row * sorted.p + j] - death.mean[j];
    residuals.push_back(std::move(residual));
  }
}

// R's order of the deaths: by stratum, time and input row.
void SortSchoenfeldResiduals(std::vector<SchoenfeldResidual>& residuals) {
  std::sort(residuals.begin(), residuals.end(), [](const SchoenfeldResidual& a, const SchoenfeldResidual& b) {
    return std::tie(a.stratum, a.time, a.input_row) < std::tie(b.stratum, b.time, b.input_row);
  });
}

}  // namespace

Result<CoxResiduals> ComputeCoxResiduals(const CoxData& data, const CoxFit& fit, const CoxOptions& options) {
  const int32_t p = data.n_covariates;
  if (fit.coef.size() != static_cast<size_t>(p)) {
    return InvalidArgument("the fit has a different number of coefficients from the data's covariates");
  }
  Result<SortedCox> prepared = PrepareCox(data, options);
  if (!prepared.ok()) return prepared.status();
  const SortedResiduals sorted =
      Residuals(*prepared, Eigen::Map<const VectorXd>(fit.coef.data(), p), options.ties);
  const size_t n = data.time.size();
  CoxResiduals residuals;
  residuals.martingale.resize(n);
  residuals.score.resize(n * static_cast<size_t>(p));
  for (size_t i = 0; i < n; ++i) {
    const size_t row = prepared->input_row[i];
    residuals.martingale[row] = sorted.martingale[i];
    std::copy_n(&sorted.score[i * p], p, &residuals.score[row * p]);
  }
  // Deviance: the martingale residual made more symmetric, sign(m) sqrt(-2 (m + d log(d - m))).
  residuals.deviance.resize(n);
  for (size_t row = 0; row < n; ++row) {
    const double m = residuals.martingale[row];
    const double d = data.event[row];
    residuals.deviance[row] = std::copysign(std::sqrt(-2 * (m + (d == 0 ? 0 : d * std::log(d - m)))), m);
  }
  // dfbeta: the change in the coefficients if the row were left out, approximately: its score residuals
  // (times its case weight) times the model-based variance; dfbetas: that over the coefficients' SEs.
  const Eigen::Map<const MatrixXd> variance(fit.variance.data(), p, p);
  residuals.dfbeta.resize(n * static_cast<size_t>(p));
  residuals.dfbetas.resize(n * static_cast<size_t>(p));
  for (size_t row = 0; row < n; ++row) {
    const double w = data.weights.empty() ? 1.0 : data.weights[row];
    const VectorXd change = variance * (w * Eigen::Map<const VectorXd>(&residuals.score[row * p], p));
    for (int32_t j = 0; j < p; ++j) {
      residuals.dfbeta[row * p + j] = change[j];
      residuals.dfbetas[row * p + j] = change[j] / fit.std_err(static_cast<size_t>(j));
    }
  }
  std::vector<SchoenfeldResidual> schoenfeld;
  Evaluate(*prepared, Eigen::Map<const VectorXd>(fit.coef.data(), p), options.ties,
           [&](const DeathTime& death) { AddSchoenfeldResiduals(*prepared, death, schoenfeld); });
  SortSchoenfeldResiduals(schoenfeld);
  for (const SchoenfeldResidual& residual : schoenfeld) {
    residuals.schoenfeld_time.push_back(residual.time);
    residuals.schoenfeld.insert(residuals.schoenfeld.end(), residual.r.begin(), residual.r.end());
  }
  return residuals;
}

namespace {

// g(t) for each sorted row's time under `transform` (the times are those the fit used, near-ties merged).
Result<std::vector<double>> TransformedTimes(const CoxData& data, const SortedCox& sorted,
                                             ZphTransform transform, const CoxOptions& options) {
  const size_t n = sorted.time.size();
  std::vector<double> g(n);
  switch (transform) {
    case ZphTransform::kIdentity:
      std::copy(sorted.time.begin(), sorted.time.end(), g.begin());
      break;
    case ZphTransform::kLog:
      for (size_t i = 0; i < n; ++i)
        g[i] = std::log(sorted.time[i]);
      break;
    case ZphTransform::kRank: {
      std::vector<double> all(sorted.time.begin(), sorted.time.end());
      std::sort(all.begin(), all.end());
      for (size_t i = 0; i < n; ++i) {
        const auto [lo, hi] = std::equal_range(all.begin(), all.end(), sorted.time[i]);
        g[i] = (static_cast<double>(lo - all.begin()) + 1 + static_cast<double>(hi - all.begin())) / 2;
      }
      break;
    }
    case ZphTransform::kKm: {
      // 1 - S(t-), S the Kaplan–Meier of all rows together (strata ignored, as R).
      KmOptions km;
      km.timefix = options.timefix;
      km.conf_type = ConfType::kNone;
      Result<std::vector<KmCurve>> curves = KaplanMeier({data.time, data.event, {}, data.start}, 1, km);
      if (!curves.ok()) return curves.status();
      const BigVector<KmRow>& rows = (*curves)[0].rows;
      for (size_t i = 0; i < n; ++i) {
        const auto after = std::lower_bound(rows.begin(), rows.end(), sorted.time[i],
                                            [](const KmRow& row, double t) { return row.time < t; });
        g[i] = after == rows.begin() ? 0 : 1 - std::prev(after)->surv;
      }
      break;
    }
  }
  return g;
}

// cox.zph of a fit with aliased covariates, as R: the test of the model without them. A term all of whose
// columns are aliased gets no test (NaN on 0 df; R leaves its row out) and their scaled residuals are NaN.
Result<ZphResult> TestWithoutAliased(const CoxData& data, const CoxFit& fit, const CoxOptions& options,
                                     ZphTransform transform, const std::vector<std::vector<int32_t>>& terms) {
  const size_t n = data.time.size();
  const int32_t p = data.n_covariates;
  std::vector<int32_t> kept, kept_place(static_cast<size_t>(p), -1);
  for (int32_t j = 0; j < p; ++j) {
    if (fit.aliased[static_cast<size_t>(j)]) continue;
    kept_place[static_cast<size_t>(j)] = static_cast<int32_t>(kept.size());
    kept.push_back(j);
  }
  const int32_t q = static_cast<int32_t>(kept.size());
  std::vector<double> covariates;
  covariates.reserve(n * static_cast<size_t>(q));
  CoxFit reduced_fit;  // the test reads the coefficients only
  for (int32_t j : kept) {
    const auto column = data.covariates.begin() + static_cast<ptrdiff_t>(j * n);
    covariates.insert(covariates.end(), column, column + static_cast<ptrdiff_t>(n));
    reduced_fit.coef.push_back(fit.coef[static_cast<size_t>(j)]);
  }
  CoxData reduced_data = data;
  reduced_data.covariates = covariates;
  reduced_data.n_covariates = q;
  std::vector<std::vector<int32_t>> reduced_terms;
  for (const std::vector<int32_t>& term : terms) {
    std::vector<int32_t> columns;
    for (int32_t j : term) {
      if (kept_place[static_cast<size_t>(j)] >= 0) columns.push_back(kept_place[static_cast<size_t>(j)]);
    }
    if (!columns.empty()) reduced_terms.push_back(std::move(columns));
  }
  Result<ZphResult> reduced =
      TestProportionalHazards(reduced_data, reduced_fit, options, transform, reduced_terms);
  if (!reduced.ok()) return reduced.status();
  ZphResult result;
  auto tested = reduced->terms.begin();
  for (const std::vector<int32_t>& term : terms) {
    const bool any_kept = std::any_of(term.begin(), term.end(),
                                      [&](int32_t j) { return kept_place[static_cast<size_t>(j)] >= 0; });
    result.terms.push_back(any_kept ? *tested++ : ChiSquareTest{NAN, 0, NAN});
  }
  result.global = reduced->global;
  result.time = std::move(reduced->time);
  result.transformed = std::move(reduced->transformed);
  for (size_t death = 0; death < result.time.size(); ++death) {
    for (int32_t j = 0; j < p; ++j) {
      const int32_t place = kept_place[static_cast<size_t>(j)];
      result.scaled.push_back(place < 0 ? NAN : reduced->scaled[death * static_cast<size_t>(q) + place]);
    }
  }
  return result;
}

// The information per death by which survival 3.x's cox.zph scales the Schoenfeld residuals: I_jk over the
// deaths of the strata in which covariates j and k both vary (among all the stratum's rows: a covariate
// constant in a stratum has residuals 0 there, which carry no information); and the covariates that vary in
// each stratum, whose block of it scales that stratum's residuals.
std::pair<MatrixXd, std::vector<std::vector<int32_t>>> PerDeathInformation(const CoxData& data,
                                                                           const SortedCox& sorted,
                                                                           const MatrixXd& information) {
  const size_t n = data.time.size();
  const int32_t p = data.n_covariates;
  const size_t n_strata = sorted.stratum_begin.size() - 1;
  std::vector<std::vector<int32_t>> varying(n_strata);
  MatrixXd deaths = MatrixXd::Zero(p, p);
  for (size_t s = 0; s < n_strata; ++s) {
    const size_t begin = sorted.stratum_begin[s], end = sorted.stratum_begin[s + 1];
    const double stratum_deaths =
        static_cast<double>(std::count(sorted.event.begin() + static_cast<ptrdiff_t>(begin),
                                       sorted.event.begin() + static_cast<ptrdiff_t>(end), int8_t{1}));
    for (int32_t j = 0; j < p; ++j) {
      const double* column = data.covariates.data() + static_cast<size_t>(j) * n;
      const double first = column[sorted.input_row[begin]];
      for (size_t row = begin + 1; row < end; ++row) {
        if (column[sorted.input_row[row]] != first) {
          varying[s].push_back(j);
          break;
        }
      }
    }
    for (int32_t j : varying[s]) {
      for (int32_t k : varying[s])
        deaths(j, k) += stratum_deaths;
    }
  }
  MatrixXd per_death =
      information.array() / (deaths.array() == 0).select(MatrixXd::Ones(p, p), deaths).array();
  return {std::move(per_death), std::move(varying)};
}

}  // namespace

Result<ZphResult> TestProportionalHazards(const CoxData& data, const CoxFit& fit, const CoxOptions& options,
                                          ZphTransform transform,
                                          std::span<const std::vector<int32_t>> terms) {
  const int32_t p = data.n_covariates;
  if (fit.coef.size() != static_cast<size_t>(p)) {
    return InvalidArgument("the fit has a different number of coefficients from the data's covariates");
  }
  std::vector<std::vector<int32_t>> term_columns(terms.begin(), terms.end());
  if (term_columns.empty()) {
    for (int32_t j = 0; j < p; ++j)
      term_columns.push_back({j});
  }
  for (const std::vector<int32_t>& term : term_columns) {
    for (int32_t j : term) {
      if (j < 0 || j >= p) return InvalidArgument(fmt::format("term column {} outside 0..{}", j, p - 1));
    }
  }
  if (!fit.aliased.empty() && fit.aliased.size() != static_cast<size_t>(p)) {
    return InvalidArgument("the fit's aliased flags do not match its coefficients");
  }
  if (std::find(fit.aliased.begin(), fit.aliased.end(), true) != fit.aliased.end()) {
    return TestWithoutAliased(data, fit, options, transform, term_columns);
  }
  Result<SortedCox> prepared = PrepareCox(data, options);
  if (!prepared.ok()) return prepared.status();
  const SortedCox& sorted = *prepared;
  Result<std::vector<double>> g = TransformedTimes(data, sorted, transform, options);
  if (!g.ok()) return g.status();
  if (transform == ZphTransform::kLog && sorted.time.size() > 0 &&
      !std::all_of(sorted.time.begin(), sorted.time.end(), [](double t) { return t > 0; })) {
    return InvalidArgument("the log transform needs times > 0");
  }
  double g_sum = 0, deaths_total = 0;
  for (size_t i = 0; i < sorted.time.size(); ++i) {
    if (sorted.event[i] == 1) {
      g_sum += (*g)[i];
      deaths_total += 1;
    }
  }
  const double g_mean = g_sum / deaths_total;

  // At the fitted coefficients, the score and information of the model with the extra covariates x (g -
  // mean): the extra score is sum over death times of (g - mean) times the time's score, and the information
  // blocks are the time's information times (g - mean) and (g - mean)^2.
  const Eigen::Map<const VectorXd> beta(fit.coef.data(), p);
  VectorXd extra_score = VectorXd::Zero(p);
  MatrixXd cross = MatrixXd::Zero(p, p), extra = MatrixXd::Zero(p, p);
  std::vector<SchoenfeldResidual> residuals;
  residuals.reserve(static_cast<size_t>(deaths_total));
  const Evaluation at_fit = Evaluate(sorted, beta, options.ties, [&](const DeathTime& death) {
    const double gt = (*g)[death.begin] - g_mean;
    for (int32_t j = 0; j < p; ++j) {
      extra_score[j] += gt * death.score[j];
      for (int32_t k = 0; k <= j; ++k) {
        const double info = death.information[j * p + k];
        cross(j, k) += gt * info;
        extra(j, k) += gt * gt * info;
      }
    }
    AddSchoenfeldResiduals(sorted, death, residuals);
  });
  MatrixXd information(2 * p, 2 * p);
  const MatrixXd i11 = at_fit.information;
  cross.triangularView<Eigen::StrictlyUpper>() = cross.transpose();
  extra.triangularView<Eigen::StrictlyUpper>() = extra.transpose();
  information << i11, cross, cross, extra;

  // The score test of the extra covariates of some columns (the score of the model's own is 0 at the fit).
  auto score_test = [&](const std::vector<int32_t>& columns) {
    std::vector<int32_t> keep(p);
    std::iota(keep.begin(), keep.end(), 0);
    for (int32_t j : columns)
      keep.push_back(p + j);
    const Eigen::Index m = static_cast<Eigen::Index>(keep.size());
    MatrixXd sub(m, m);
    VectorXd u = VectorXd::Zero(m);
    for (Eigen::Index a = 0; a < m; ++a) {
      for (Eigen::Index b = 0; b < m; ++b)
        sub(a, b) = information(keep[a], keep[b]);
      if (keep[a] >= p) u[a] = extra_score[keep[a] - p];
    }
    // No test where the information is singular, as R's solve() there (LU with partial pivoting: a pivot of
    // exactly 0, or a reciprocal condition number below machine epsilon): a time-varying effect is not
    // identified where only one death time carries information. (Eigen's estimate of the condition is 1, not
    // 0, where a pivot is 0, as at a single death time, whose g - mean is 0.)
    ChiSquareTest test{NAN, static_cast<int32_t>(columns.size()), NAN};
    const Eigen::PartialPivLU<MatrixXd> factored(sub);
    if ((factored.matrixLU().diagonal().array() != 0).all() &&
        factored.rcond() >= std::numeric_limits<double>::epsilon()) {
      test.chisq = u.dot(factored.solve(u));
      test.p = detail::ChiSquareUpperTail(test.chisq, test.df);
    }
    return test;
  };
  ZphResult result;
  std::vector<int32_t> all_columns;
  for (const std::vector<int32_t>& term : term_columns) {
    result.terms.push_back(score_test(term));
  }
  for (int32_t j = 0; j < p; ++j)
    all_columns.push_back(j);
  result.global = score_test(all_columns);

  // Scaled Schoenfeld residuals, beta + V^-1 r, V the information per death (PerDeathInformation); the
  // covariates constant in a death's stratum have none (NaN, R's NA).
  SortSchoenfeldResiduals(residuals);
  const auto [per_death, varying] = PerDeathInformation(data, sorted, i11);
  std::optional<Eigen::LDLT<MatrixXd>> stratum_information;
  size_t factored_stratum = varying.size();  // none yet
  for (const SchoenfeldResidual& residual : residuals) {
    result.time.push_back(residual.time);
    result.transformed.push_back((*g)[residual.sorted_row]);
    const std::vector<int32_t>& columns = varying[residual.stratum];
    if (factored_stratum != residual.stratum) {
      stratum_information.emplace(per_death(columns, columns));
      factored_stratum = residual.stratum;
    }
    VectorXd r(columns.size());
    for (size_t c = 0; c < columns.size(); ++c)
      r[static_cast<Eigen::Index>(c)] = residual.r[static_cast<size_t>(columns[c])];
    const VectorXd solved = columns.empty() ? r : stratum_information->solve(r);
    const size_t first = result.scaled.size();
    result.scaled.resize(first + static_cast<size_t>(p), NAN);
    for (size_t c = 0; c < columns.size(); ++c) {
      result.scaled[first + static_cast<size_t>(columns[c])] =
          solved[static_cast<Eigen::Index>(c)] + beta[columns[c]];
    }
  }
  return result;
}

}  // namespace prrt::stats
