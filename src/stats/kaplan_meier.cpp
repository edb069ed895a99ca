#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>
#include <tuple>
#include <utility>

#include "prrt/common/named_values.h"
#include "prrt/common/parallel.h"
#include "prrt/stats/survival.h"
#include "sorted_survival.h"
#include "survival_detail.h"

namespace prrt::stats {

namespace {

constexpr NamedValue<ConfType> kConfTypeNames[] = {
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
  return ValueNamed(kConfTypeNames, text);
}

std::string_view ToString(ConfType type) {
  return NameOf(kConfTypeNames, type);
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

// The variance of a curve: Greenwood's, or with case weights that are not all whole numbers the
// infinitesimal jackknife's (R's survfit uses it by default then).
enum class KmVariance { kGreenwood, kJackknife };

// Counting-process data, for CurveScan: the curve's start times in ascending order; with case weights, for
// each the position (`position_base` + its place in the curve's time order) of the row that starts then, and
// the weights of the curve's rows in time order (both empty without case weights).
struct KmEntries {
  std::span<const double> start;
  std::span<const uint32_t> position;
  size_t position_base = 0;
  std::span<const double> weight;
};

// Σ w², Σ w² b and Σ w² b² over a set of rows, b a row's B (the jackknife's running sum) when it entered the
// risk set: Σ w² (x − b)² for any x from three numbers.
struct SquaredWeightSums {
  double w2 = 0, w2b = 0, w2bb = 0;
  void Add(double w, double b) {
    w2 += w * w;
    w2b += w * w * b;
    w2bb += w * w * b * b;
  }
  void Remove(const SquaredWeightSums& other) {
    w2 -= other.w2;
    w2b -= other.w2b;
    w2bb -= other.w2bb;
  }
  double SquaredDistance(double x) const { return x * x * w2 - 2 * x * w2b + w2bb; }
};

// Builds one curve's rows from its observations fed in time order (ties in any order), passing each finished
// row to `sink(const KmRow&)`. `rows` is the curve's number of rows and `weight` their total case weight
// (`rows` without weights); for counting-process data `entries` holds the curve's start times: the risk set
// at t is the rows with start < t, less those that ended before t. Aligned to a cache line, as are the sinks:
// curves built on different threads sit side by side in vectors.
template <typename Sink>
class alignas(64) CurveScan {
 public:
  CurveScan(size_t rows, double weight, double squared_weight, const KmEntries& entries, KmVariance variance,
            const KmOptions& options, double z, Sink& sink)
      : entries_(entries),
        rows_(rows),
        total_weight_(weight),
        jackknife_(variance == KmVariance::kJackknife),
        options_(options),
        z_(z),
        sink_(sink) {
    // Without start times every row is at risk from the beginning, with B = 0.
    if (entries_.start.empty()) {
      at_risk_.w2 = squared_weight;
    } else if (jackknife_) {
      entry_b_.assign(rows, std::numeric_limits<double>::quiet_NaN());
    }
  }

  void Add(double time, int8_t event, double weight = 1) {
    if (seen_ == 0 || time != row_.time) {
      Flush();
      row_ = KmRow{.time = time};
      ended_before_ = weight_seen_;
      leaving_events_ = leaving_censored_ = SquaredWeightSums();
    }
    (event == 1 ? row_.n_event : row_.n_censor) += weight;
    if (jackknife_) (event == 1 ? leaving_events_ : leaving_censored_).Add(weight, EntryB(seen_));
    weight_seen_ += weight;
    ++seen_;
  }
  void Finish() { Flush(); }

 private:
  void Flush() {
    if (seen_ == 0) return;
    if (!entries_.start.empty()) Enter();
    // Where every row in has ended by this time (the last time; with start times, also any time after which
    // the risk set is empty until someone enters), those at risk are this time's own rows: their weight
    // exactly. The weight in less the weight gone can differ from their sum in the last bits, and S must
    // reach 0 exactly when they all die.
    const bool counting = !entries_.start.empty();
    const double at_risk = (counting ? entered_ : rows_) == seen_
                               ? row_.n_event + row_.n_censor
                               : (counting ? entered_weight_ : total_weight_) - ended_before_;
    row_.n_risk = options_.censorings_leave_first ? at_risk - row_.n_censor : at_risk;
    if (row_.n_event > 0) {
      surv_ *= 1 - row_.n_event / row_.n_risk;
      greenwood_ += row_.n_risk == row_.n_event ? INFINITY
                                                : row_.n_event / (row_.n_risk * (row_.n_risk - row_.n_event));
    }
    if (jackknife_) AddJackknifeTerms();
    if (row_.n_event > 0 || !estimated_) {
      // Greenwood's SE is of log S (+inf once S reaches 0); the jackknife's, as R gives it, of S itself (0
      // once S reaches 0), turned into log S's as R's survfit_confint does.
      double std_err_log = 0;
      estimate_.surv = surv_;
      if (jackknife_) {
        estimate_.std_err = std::sqrt(jackknife_variance_log_) * surv_;
        std_err_log = estimate_.std_err == 0 ? 0 : estimate_.std_err / surv_;
      } else {
        std_err_log = std::sqrt(greenwood_);
        estimate_.std_err = surv_ * std_err_log;
      }
      ConfidenceLimits(options_.conf_type, z_, surv_, std_err_log, estimate_.lower, estimate_.upper);
      estimated_ = true;
    }
    // A time with censorings only leaves the estimate and its limits as they were.
    row_.surv = estimate_.surv;
    row_.std_err = estimate_.std_err;
    row_.lower = estimate_.lower;
    row_.upper = estimate_.upper;
    sink_(row_);
  }

  // The rows whose start time is before this time join the risk set, with B as it is.
  void Enter() {
    for (; entered_ < entries_.start.size() && entries_.start[entered_] < row_.time; ++entered_) {
      if (entries_.position.empty()) {  // no case weights
        entered_weight_ += 1;
        continue;
      }
      const size_t row = entries_.position[entered_] - entries_.position_base;
      const double w = entries_.weight[row];
      entered_weight_ += w;
      if (jackknife_) {
        entry_b_[row] = jackknife_sum_;
        at_risk_.Add(w, jackknife_sum_);
      }
    }
  }
  // B when the row at `row` (time order) entered. A row leaving at this time that has not entered yet enters
  // in this time's Flush, before which B does not change: B now.
  double EntryB(size_t row) const {
    if (entry_b_.empty()) return 0;
    return std::isnan(entry_b_[row]) ? jackknife_sum_ : entry_b_[row];
  }

  // The infinitesimal jackknife variance of log S: each row's influence on log S(t) is the sum, over the
  // times s <= t it was at risk, of h(s) c(s) (h = d/n the hazard, c = 1 / (n (1 - h))), less c(s) at the
  // time it died. Rows at risk share B = Σ h c since the start, less B when they entered (b); a row that
  // leaves keeps its influence as it was. So var log S(t) = Σ over the rows at risk after t of w² (B − b)²
  // + Σ over the rows gone of w² A², A = B − b or B − b − c. Once S is 0 it is 0, as R gives.
  void AddJackknifeTerms() {
    double c = 0;
    if (row_.n_event > 0 && surv_ > 0) {
      const double survive = 1 - row_.n_event / row_.n_risk;
      c = 1 / (row_.n_risk * survive);
      jackknife_sum_ += row_.n_event / row_.n_risk * c;
    }
    const double b = jackknife_sum_;
    jackknife_gone_ += leaving_events_.SquaredDistance(b - c) + leaving_censored_.SquaredDistance(b);
    at_risk_.Remove(leaving_events_);
    at_risk_.Remove(leaving_censored_);
    jackknife_variance_log_ = surv_ > 0 ? std::max(0.0, at_risk_.SquaredDistance(b)) + jackknife_gone_ : 0;
  }

  KmEntries entries_;
  size_t entered_ = 0;
  double entered_weight_ = 0;
  size_t rows_;
  double total_weight_;
  bool jackknife_;
  const KmOptions& options_;
  double z_;
  Sink& sink_;
  KmRow row_;
  size_t seen_ = 0;
  double weight_seen_ = 0;
  double ended_before_ = 0;  // the weight of the rows before this time
  double surv_ = 1;
  double greenwood_ = 0;
  // The jackknife's sums (KmVariance::kJackknife only).
  SquaredWeightSums at_risk_;                            // of the rows at risk
  SquaredWeightSums leaving_events_, leaving_censored_;  // of this time's rows
  std::vector<double> entry_b_;                          // counting-process data: each row's b (NaN: not yet)
  double jackknife_sum_ = 0;                             // B
  double jackknife_gone_ = 0;                            // Σ w² A² of the rows gone
  double jackknife_variance_log_ = 0;
  KmRow estimate_;  // surv, std_err and limits at the last time with an event (or the first time)
  bool estimated_ = false;
};

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

KmVariance VarianceOf(const SurvivalData& data) {
  return detail::HasFractionalWeights(data.weight) ? KmVariance::kJackknife : KmVariance::kGreenwood;
}

// Each group's rows and rows with an event, and the sums of their case weights (1 each without weights).
struct GroupTotals {
  explicit GroupTotals(const SurvivalData& data, int32_t n_groups)
      : n(n_groups), events(n_groups), weight(n_groups), squared_weight(n_groups), event_weight(n_groups) {
    for (size_t i = 0; i < data.time.size(); ++i) {
      const size_t g = data.group.empty() ? 0 : static_cast<size_t>(data.group[i]);
      const double w = data.weight.empty() ? 1 : data.weight[i];
      ++n[g];
      events[g] += data.event[i];
      weight[g] += w;
      squared_weight[g] += w * w;
      event_weight[g] += data.event[i] * w;
    }
  }
  std::vector<int64_t> n, events;
  std::vector<double> weight, squared_weight, event_weight;
};

// Sorts the data once and streams the rows of group g's curve to sinks[g]. Right-censored data are sorted by
// time alone and all curves are built in one pass; counting-process data are sorted by group, with each
// group's start times (KmRowSource).
template <typename Sink>
Status ScanCurves(const SurvivalData& data, const GroupTotals& totals, const KmOptions& options,
                  std::vector<Sink>& sinks) {
  const double z = detail::NormalQuantileForLevel(options.conf_level);
  const int32_t n_groups = static_cast<int32_t>(totals.n.size());
  if (!data.start.empty()) {
    Result<KmRowSource> source = KmRowSource::Create(data, n_groups, options);
    if (!source.ok()) return source.status();
    for (int32_t g = 0; g < n_groups; ++g)
      source->ForEachRow(g, [&sink = sinks[g]](const KmRow& row) { sink(row); });
    return Status();
  }
  std::vector<CurveScan<Sink>> scans;
  scans.reserve(n_groups);
  for (int32_t g = 0; g < n_groups; ++g) {
    scans.emplace_back(static_cast<size_t>(totals.n[g]), totals.weight[g], totals.squared_weight[g],
                       KmEntries(), VarianceOf(data), options, z, sinks[g]);
  }
  // row_at(i) gives the i-th row in time order: its group, event and case weight.
  auto scan_sorted = [&](const auto& sorted, const auto& row_at) {
    // Each lane (thread) reads all rows and builds the curves of its own groups. That pays only when the
    // sinks write the tables (64 bytes a row): the lanes' reads of the other groups' rows cost more than
    // they save.
    const bool in_lanes = Sink::kWritesRows && sorted.time.size() >= (size_t{1} << 18);
    const size_t lanes = in_lanes ? std::min<size_t>(ThreadCount(), n_groups) : 1;
    ParallelFor(lanes, [&](size_t lane) {
      for (size_t i = 0; i < sorted.time.size(); ++i) {
        const auto [g, event, weight] = row_at(sorted, i);
        if (g % lanes == lane) scans[g].Add(sorted.time[i], event, weight);
      }
      for (size_t g = lane; g < scans.size(); g += lanes)
        scans[g].Finish();
    });
  };
  if (data.weight.empty()) {
    detail::WithSortedSurvival(data.time, data.event, data.group, n_groups, {}, 1, options.timefix,
                               [&](const auto& sorted) {
                                 scan_sorted(sorted, [](const auto& s, size_t i) {
                                   const auto payload = s.payload[i];
                                   return std::tuple(static_cast<size_t>(detail::PayloadGroup(payload)),
                                                     detail::PayloadEvent(payload), 1.0);
                                 });
                               });
  } else {
    // The rows' indices ride along, and the weights are looked up through them.
    scan_sorted(detail::SortSurvival<uint32_t>(data.time, data.event, data.group, {}, 1, options.timefix,
                                               /*payload_is_index=*/true),
                [&data](const auto& s, size_t i) {
                  const uint32_t row = s.payload[i];
                  return std::tuple(data.group.empty() ? size_t{0} : static_cast<size_t>(data.group[row]),
                                    data.event[row], data.weight[row]);
                });
  }
  return Status();
}

// Sinks of ScanCurves: the whole table, or only the counts and a quantile.
struct alignas(64) AppendRows {
  static constexpr bool kWritesRows = true;
  BigVector<KmRow> rows;
  void operator()(const KmRow& row) { rows.push_back(row); }
};

struct alignas(64) TrackQuantile {
  static constexpr bool kWritesRows = false;
  PrintQuantile quantile;
  void operator()(const KmRow& row) { quantile.Add(row); }
};

}  // namespace

Result<std::vector<KmCurve>> KaplanMeier(const SurvivalData& data, int32_t n_groups,
                                         const KmOptions& options) {
  Status valid = ValidateKmInput(data, n_groups, options);
  if (!valid.ok()) return valid;
  const GroupTotals totals(data, n_groups);
  std::vector<AppendRows> sinks(n_groups);
  for (int32_t g = 0; g < n_groups; ++g)
    sinks[g].rows.reserve(static_cast<size_t>(totals.n[g]));  // a row per distinct time at most
  Status scanned = ScanCurves(data, totals, options, sinks);
  if (!scanned.ok()) return scanned;
  std::vector<KmCurve> curves(n_groups);
  for (int32_t g = 0; g < n_groups; ++g) {
    curves[g] = {totals.n[g], totals.events[g], totals.weight[g], totals.event_weight[g],
                 std::move(sinks[g].rows)};
  }
  return curves;
}

Result<std::vector<KmSummary>> KaplanMeierSummary(const SurvivalData& data, int32_t n_groups,
                                                  const KmOptions& options, double p) {
  Status valid = ValidateKmInput(data, n_groups, options);
  if (!valid.ok()) return valid;
  const GroupTotals totals(data, n_groups);
  std::vector<TrackQuantile> sinks(n_groups, TrackQuantile{PrintQuantile(p)});
  Status scanned = ScanCurves(data, totals, options, sinks);
  if (!scanned.ok()) return scanned;
  std::vector<KmSummary> summaries(n_groups);
  for (int32_t g = 0; g < n_groups; ++g) {
    summaries[g] = {totals.n[g], totals.events[g], totals.weight[g], totals.event_weight[g],
                    sinks[g].quantile.Value()};
  }
  return summaries;
}

namespace {

// SPSS's quantile (QuantileRule::kSpss), fed one row at a time. Times not (yet) found are NaN.
class SpssQuantile {
 public:
  SpssQuantile(double p, double conf_level) : target_(1 - p), conf_level_(conf_level) {}
  void Add(const KmRow& row) {
    if (row.n_event == 0) return;
    if (std::isnan(estimate_time_) && row.surv <= target_ + kTol) {
      estimate_time_ = row.time;
      estimate_std_err_ = row.std_err;
    }
    if (row.surv >= target_ + 0.05 - kTol) {  // the last event time with S >= target + 0.05
      above_time_ = row.time;
      above_surv_ = row.surv;
    }
    if (std::isnan(below_time_) && row.surv <= target_ - 0.05 + kTol) {  // the first with S <= target - 0.05
      below_time_ = row.time;
      below_surv_ = row.surv;
    }
  }
  QuantileEstimate Value() const {
    QuantileEstimate result;
    if (std::isnan(estimate_time_)) return result;
    result.estimate = estimate_time_;
    if (std::isnan(below_time_) || !std::isfinite(estimate_std_err_)) return result;
    const double density = (above_surv_ - below_surv_) / (below_time_ - above_time_);
    if (!(density > 0)) return result;
    const double se = estimate_std_err_ / density;
    const double z = detail::NormalQuantileForLevel(conf_level_);
    result.std_err = se;
    result.lower = estimate_time_ - z * se;
    result.upper = estimate_time_ + z * se;
    return result;
  }

 private:
  static constexpr double kTol = 1e-12;
  double target_;
  double conf_level_;
  double estimate_time_ = NAN, estimate_std_err_ = NAN;
  // With no event time above the upper point, the curve's start (t = 0, S = 1).
  double above_time_ = 0, above_surv_ = 1;
  double below_time_ = NAN, below_surv_ = NAN;
};

// The p-quantile by `rule` of the curve whose rows for_each_row(add) passes to add, in time order.
template <typename ForEachRow>
QuantileEstimate QuantileOfRows(double p, QuantileRule rule, double conf_level,
                                const ForEachRow& for_each_row) {
  auto read = [&for_each_row](auto quantile) {
    for_each_row([&quantile](const KmRow& row) { quantile.Add(row); });
    return quantile.Value();
  };
  return rule == QuantileRule::kSpss ? read(SpssQuantile(p, conf_level)) : read(PrintQuantile(p));
}

}  // namespace

QuantileEstimate SurvivalQuantile(const KmCurve& curve, double p, QuantileRule rule, double conf_level) {
  return QuantileOfRows(p, rule, conf_level, [&curve](const auto& add) {
    for (const KmRow& row : curve.rows)
      add(row);
  });
}

KmAtTimes::KmAtTimes(std::vector<double> times) : times_(std::move(times)) {
  std::sort(times_.begin(), times_.end());
}

void KmAtTimes::Add(const KmRow& row) {
  // Times before this row see the previous row's S and this row's number at risk.
  while (next_ < times_.size() && times_[next_] < row.time)
    Read(row.n_risk);
  last_.n_event += row.n_event;
  last_.n_censor += row.n_censor;
  last_.surv = row.surv;
  last_.std_err = row.std_err;
  last_.lower = row.lower;
  last_.upper = row.upper;
  while (next_ < times_.size() && times_[next_] == row.time)
    Read(row.n_risk);
}

void KmAtTimes::Read(double n_risk) {
  KmRow at = last_;
  at.time = times_[next_++];
  at.n_risk = n_risk;
  rows_.push_back(at);
  last_.n_event = last_.n_censor = 0;
}

void RestrictedMean::Add(const KmRow& row) {
  if (upper_ && row.time > *upper_) return;
  const double rectangle = (row.time - last_time_) * last_surv_;
  variance_ = VarianceWith(rectangle);
  weighted_area_ += rectangle * hazard_sum_;
  area_ += rectangle;
  if (row.n_risk > row.n_event) hazard_sum_ += row.n_event / (row.n_risk * (row.n_risk - row.n_event));
  last_time_ = row.time;
  last_surv_ = row.surv;
}

double RestrictedMean::estimate() const {
  return area_ + LastRectangle();
}

double RestrictedMean::std_err() const {
  return std::sqrt(VarianceWith(LastRectangle()));
}

std::pair<double, double> RestrictedMean::Ci(double conf_level) const {
  const double margin = detail::NormalQuantileForLevel(conf_level) * std_err();
  return {estimate() - margin, estimate() + margin};
}

RestrictedMeanContrast CompareRestrictedMeans(const RestrictedMean& group, const RestrictedMean& reference,
                                              double conf_level) {
  const double z = detail::NormalQuantileForLevel(conf_level);
  // Two-sided normal p of an estimate over its SE (NaN for 0/0).
  auto two_sided = [](double estimate, double se) {
    return std::erfc(std::fabs(estimate / se) / std::sqrt(2.0));
  };
  RestrictedMeanContrast c;
  c.difference = group.estimate() - reference.estimate();
  const double difference_se = std::hypot(group.std_err(), reference.std_err());
  c.difference_lower = c.difference - z * difference_se;
  c.difference_upper = c.difference + z * difference_se;
  c.difference_p = two_sided(c.difference, difference_se);
  const double log_ratio = std::log(group.estimate()) - std::log(reference.estimate());
  const double log_ratio_se =
      std::hypot(group.std_err() / group.estimate(), reference.std_err() / reference.estimate());
  c.ratio = std::exp(log_ratio);
  c.ratio_lower = std::exp(log_ratio - z * log_ratio_se);
  c.ratio_upper = std::exp(log_ratio + z * log_ratio_se);
  c.ratio_p = two_sided(log_ratio, log_ratio_se);
  return c;
}

Result<KmRowSource> KmRowSource::Create(const SurvivalData& data, int32_t n_groups,
                                        const KmOptions& options) {
  Status valid = ValidateKmInput(data, n_groups, options);
  if (!valid.ok()) return valid;
  KmRowSource source;
  source.options_ = options;
  source.jackknife_ = VarianceOf(data) == KmVariance::kJackknife;
  const int32_t n_strata = data.group.empty() ? 1 : n_groups;
  if (data.start.empty() && data.weight.empty()) {
    // The groups as strata: one sort of all times, near-ties merged over the whole data set (as R), then by
    // group.
    detail::WithSortedSurvival(data.time, data.event, {}, 1, data.group, n_strata, options.timefix,
                               [&source](auto&& sorted) {
                                 source.time_ = std::move(sorted.time);
                                 // Each row's event in place of its payload: where that is a byte, it
                                 // becomes the events without a second array at the peak of memory.
                                 for (auto& payload : sorted.payload)
                                   payload = static_cast<uint8_t>(detail::PayloadEvent(payload));
                                 if constexpr (sizeof(sorted.payload[0]) == 1) {
                                   source.event_ = std::move(sorted.payload);
                                 } else {
                                   source.event_.assign(sorted.payload.begin(), sorted.payload.end());
                                 }
                                 source.begin_ = std::move(sorted.stratum_begin);
                               });
  } else if (data.start.empty()) {
    // With case weights the rows' indices ride along, and the events and weights are looked up through them.
    detail::SortedSurvival<uint32_t> sorted = detail::SortSurvival<uint32_t>(
        data.time, data.event, {}, data.group, n_strata, options.timefix, /*payload_is_index=*/true);
    source.time_ = std::move(sorted.time);
    source.event_.resize(sorted.payload.size());
    source.weight_.resize(sorted.payload.size());
    for (size_t i = 0; i < sorted.payload.size(); ++i) {
      source.event_[i] = static_cast<uint8_t>(data.event[sorted.payload[i]]);
      source.weight_[i] = data.weight[sorted.payload[i]];
    }
    source.begin_ = std::move(sorted.stratum_begin);
  } else {
    Result<detail::SortedCounting> counting =
        detail::SortCounting(data.start, data.time, data.group, n_strata, options.timefix);
    if (!counting.ok()) return counting.status();
    source.time_ = std::move(counting->stop);
    source.event_.resize(counting->row.size());
    for (size_t i = 0; i < counting->row.size(); ++i)
      source.event_[i] = static_cast<uint8_t>(data.event[counting->row[i]]);
    if (!data.weight.empty()) {
      source.weight_.resize(counting->row.size());
      for (size_t i = 0; i < counting->row.size(); ++i)
        source.weight_[i] = data.weight[counting->row[i]];
    }
    source.entry_ = std::move(counting->entry);
    if (!data.weight.empty()) source.entry_position_ = std::move(counting->entry_position);
    source.begin_ = std::move(counting->stratum_begin);
  }
  source.begin_.resize(static_cast<size_t>(n_groups) + 1, source.begin_.back());  // no data: no rows
  const GroupTotals totals(data, n_groups);
  source.events_ = totals.events;
  source.weighted_n_ = totals.weight;
  source.squared_weight_ = totals.squared_weight;
  source.weighted_events_ = totals.event_weight;
  return source;
}

void KmRowSource::ForEachRow(int32_t group, const std::function<void(const KmRow&)>& visit) const {
  const size_t begin = begin_[group], size = begin_[group + 1] - begin;
  KmEntries entries;
  if (!entry_.empty()) {
    entries.start = std::span<const double>(entry_).subspan(begin, size);
    if (!weight_.empty()) {
      entries.position = std::span<const uint32_t>(entry_position_).subspan(begin, size);
      entries.position_base = begin;
      entries.weight = std::span<const double>(weight_).subspan(begin, size);
    }
  }
  CurveScan<const std::function<void(const KmRow&)>> scan(
      size, weighted_n_[group], squared_weight_[group], entries,
      jackknife_ ? KmVariance::kJackknife : KmVariance::kGreenwood, options_,
      detail::NormalQuantileForLevel(options_.conf_level), visit);
  for (size_t i = begin; i < begin + size; ++i)
    scan.Add(time_[i], event_[i], weight_.empty() ? 1.0 : weight_[i]);
  scan.Finish();
}

double KmRowSource::last_time(int32_t group) const {
  return n(group) == 0 ? NAN : time_[begin_[group + 1] - 1];
}

QuantileEstimate KmRowSource::Quantile(int32_t group, double p, QuantileRule rule) const {
  return QuantileOfRows(p, rule, options_.conf_level,
                        [this, group](const auto& add) { ForEachRow(group, add); });
}

std::vector<QuantileEstimate> KmRowSource::QuantileByGroup(double p, QuantileRule rule) const {
  const size_t n_groups = begin_.size() - 1;
  // Largest groups first, so that the cores finish together.
  std::vector<int32_t> by_size(n_groups);
  std::iota(by_size.begin(), by_size.end(), 0);
  std::stable_sort(by_size.begin(), by_size.end(), [this](int32_t a, int32_t b) { return n(a) > n(b); });
  std::vector<QuantileEstimate> quantiles(n_groups);
  ParallelFor(n_groups, [&](size_t k) { quantiles[by_size[k]] = Quantile(by_size[k], p, rule); });
  return quantiles;
}

}  // namespace prrt::stats
