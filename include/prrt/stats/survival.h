// prrt/stats/survival.h — Kaplan–Meier curves, their quantiles and median follow-up, computed as
// R's survival package does (survfit, print.survfit), with an SPSS-style median CI on request.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "prrt/common/big_vector.h"
#include "prrt/common/result.h"

namespace prrt::stats {

//! Survival data: one entry per subject (or per interval); event is 1 for an event, 0 for censored.
//! `group` holds codes 0..k-1 (empty: one group). With `start` the data are counting-process intervals
//! (start, time], as R's Surv(start, stop, event): a row is at risk at t when start < t <= time. Empty
//! `start`: right-censored data, everyone at risk from 0. `weight`: case weights (R's weights), each a finite
//! number > 0, a row of weight k counting as k rows; empty, 1 each. Kaplan–Meier and median follow-up
//! (FollowUpTies::kSurvival) take them with right-censored data; the log-rank test does not (an error).
struct SurvivalData {
  std::span<const double> time;
  std::span<const int8_t> event;
  std::span<const int32_t> group;
  std::span<const double> start = {};
  std::span<const double> weight = {};
};

//! Transformation on which the pointwise confidence interval of S(t) is symmetric (R's conf.type).
enum class ConfType { kLog, kLogLog, kPlain, kLogit, kArcsin, kNone };
std::optional<ConfType> ParseConfType(std::string_view text);
std::string_view ToString(ConfType type);

struct KmOptions {
  ConfType conf_type = ConfType::kLog;
  double conf_level = 0.95;
  //! Merge times closer than sqrt(machine epsilon) (absolute or relative), as R's aeqSurv.
  bool timefix = true;
  //! At a tied time, the censorings leave the risk set before the events are counted (n = n - c).
  //! prodlim's reverse Kaplan–Meier uses this for follow-up; ordinary curves keep it false.
  bool censorings_leave_first = false;
};

//! One row of a Kaplan–Meier table, at a distinct time of the group (event or censoring; for counting-process
//! data, a distinct end of an interval).
struct KmRow {
  double time = 0;
  double n_risk = 0;
  double n_event = 0;
  double n_censor = 0;
  double surv = 1;
  //! The SE of S: Greenwood's (S x the SE of log S; NaN once S reaches 0), or, with case weights that are
  //! not all whole numbers, the infinitesimal jackknife's (0 once S reaches 0), as R's survfit by default.
  double std_err = 0;
  double lower = 0;  //!< pointwise CI; NaN where R gives NA
  double upper = 0;
};

struct KmCurve {
  int64_t n = 0;       //!< rows
  int64_t events = 0;  //!< rows with an event
  double weighted_n = 0;
  double weighted_events = 0;  //!< with case weights, the sums of the rows' weights; otherwise n and events
  BigVector<KmRow> rows;       //!< a std::vector; huge-page backed when large
};

//! The Kaplan–Meier estimate for each group (index = group code), with Greenwood (or jackknife,
//! KmRow::std_err) variance and the pointwise CI of `options`. Errors on empty input, negative or non-finite
//! times, bad levels.
Result<std::vector<KmCurve>> KaplanMeier(const SurvivalData& data, int32_t n_groups,
                                         const KmOptions& options);

//! Maps times that differ by no more than sqrt(DBL_EPSILON) — absolutely, or relative to the mean of the
//! distinct absolute times — onto the first of them, as R's aeqSurv (survival's timefix = TRUE).
std::vector<double> MergeNearTies(std::span<const double> times);

//! A time read off a curve, with its confidence limits; nullopt where R prints NA.
struct QuantileEstimate {
  std::optional<double> estimate;
  std::optional<double> lower;
  std::optional<double> upper;
  std::optional<double> std_err;  //!< only for the SPSS rule
};

enum class QuantileRule {
  kPrint,  //!< R print.survfit / summary()$table: first t with S < 1-p (+tol), midpoint on a flat 1-p;
           //!< limits read the same way off the pointwise band
  kSpss,   //!< SPSS KM: first t with S <= 1-p; symmetric CI, estimate ± z·SE with
           //!< SE = SE(S(t_p)) / f, f = (S(u) - S(v)) / (v - u) from the points 0.05 above and below
};

struct KmSummary {
  int64_t n = 0;
  int64_t events = 0;
  double weighted_n = 0;  //!< as KmCurve's
  double weighted_events = 0;
  QuantileEstimate quantile;  //!< by the print rule
};

//! The same curves without their tables: counts and the p-quantile with its CI (print rule), computed in one
//! pass without storing the rows — for data sets too large to tabulate.
Result<std::vector<KmSummary>> KaplanMeierSummary(const SurvivalData& data, int32_t n_groups,
                                                  const KmOptions& options, double p = 0.5);

//! The p-quantile (p = 0.5 is the median) of a curve, with its CI, by `rule`.
QuantileEstimate SurvivalQuantile(const KmCurve& curve, double p, QuantileRule rule, double conf_level);

//! Reads a curve at chosen times, fed its rows in time order (from KmCurve::rows or KmRowSource::ForEachRow),
//! as R's summary(fit, times = ...) with extend = FALSE. The times are sorted (repeats kept) and those after
//! the curve's last row left out. Each row read: n_risk of the first row at or after the time (R's rule; for
//! counting-process data the number at risk between rows is not tracked, as in R); n_event and n_censor since
//! the time before it (from the start, for the first); S, its SE and CI at the last row at or before the time
//! (1, 0, 1 and 1 before the first row).
class KmAtTimes {
 public:
  explicit KmAtTimes(std::vector<double> times);
  void Add(const KmRow& row);
  const std::vector<KmRow>& rows() const { return rows_; }

 private:
  // Reads the next time with `n_risk` at risk and `last_`'s S (and events and censorings since the last
  // read).
  void Read(double n_risk);

  std::vector<double> times_;
  size_t next_ = 0;
  // The last row added, with the events and censorings since the last read.
  KmRow last_{.lower = 1, .upper = 1};
  std::vector<KmRow> rows_;
};

//! The restricted mean survival time up to `upper` (R's print.survfit(rmean = ...), survRM2's RMST): the
//! area under a curve from 0 to `upper`, its last value carried on after its last row, and R's SE
//! sqrt(Σ_k A_k² d_k / (n_k (n_k − d_k))), A_k the area from the k-th row's time to `upper` (rows with
//! n_k = d_k add nothing). Fed the rows in time order (as KmAtTimes); rows after `upper` change nothing.
//! Without `upper`, up to the curve's last row (R's rmean = "individual").
class RestrictedMean {
 public:
  explicit RestrictedMean(std::optional<double> upper = std::nullopt) : upper_(upper) {}
  void Add(const KmRow& row);
  double to() const { return upper_.value_or(last_time_); }  //!< the limit used
  double estimate() const;
  double std_err() const;
  //! estimate ± z·SE (survRM2's CI; R prints none).
  std::pair<double, double> Ci(double conf_level) const;

 private:
  // The rectangle from the last row's time to the limit, under the last row's S.
  double LastRectangle() const { return (to() - last_time_) * last_surv_; }
  // The variance with one more rectangle r: its terms r r G and 2 r Σ r_i G_i.
  double VarianceWith(double rectangle) const {
    return variance_ + rectangle * (rectangle * hazard_sum_ + 2 * weighted_area_);
  }

  std::optional<double> upper_;
  double last_time_ = 0;
  double last_surv_ = 1;
  double area_ = 0;  // up to last_time_
  // The variance as Σ_i Σ_j r_i r_j G_min(i,j) over the rectangles r (G_j = Σ of d/(n(n - d)) before
  // rectangle j), summed as rectangles arrive: every term is >= 0, where Σ_k h_k (total − area so far)²
  // would cancel digits on large data sets.
  double hazard_sum_ = 0;     // G for the next rectangle
  double weighted_area_ = 0;  // Σ r_i G_i so far
  double variance_ = 0;       // over the rectangles so far
};

//! One group's restricted mean against a reference group's, to the same limit (survRM2's rmst2): the
//! difference with its CI and z test, SE √(SE² + SE_ref²) (independent groups), and the ratio, its CI and
//! test on the log scale by the delta method (SE of log μ = SE/μ). NaN where an SE is 0 on both sides.
struct RestrictedMeanContrast {
  double difference = 0, difference_lower = 0, difference_upper = 0, difference_p = 1;
  double ratio = 1, ratio_lower = 1, ratio_upper = 1, ratio_p = 1;
};
RestrictedMeanContrast CompareRestrictedMeans(const RestrictedMean& group, const RestrictedMean& reference,
                                              double conf_level);

//! The curves of KaplanMeier without storing their rows: the data are sorted once (by group, then time) and
//! each read of a group's curve makes its rows again, one at a time, in a pass over the group's data. A table
//! of 10^7 rows takes 640 MB as KmCurve rows; this keeps the sorted data only (9 to 29 bytes a row).
class KmRowSource {
 public:
  //! The same checks as KaplanMeier.
  static Result<KmRowSource> Create(const SurvivalData& data, int32_t n_groups, const KmOptions& options);

  int64_t n(int32_t group) const { return static_cast<int64_t>(begin_[group + 1] - begin_[group]); }
  int64_t events(int32_t group) const { return events_[group]; }
  double weighted_n(int32_t group) const { return weighted_n_[group]; }  //!< as KmCurve's
  double weighted_events(int32_t group) const { return weighted_events_[group]; }
  //! The time of the group's last row (NaN for a group without data).
  double last_time(int32_t group) const;
  //! Calls visit(row) for each row of the group's curve in time order: the rows of KaplanMeier's curve.
  void ForEachRow(int32_t group, const std::function<void(const KmRow&)>& visit) const;
  //! SurvivalQuantile of the group's curve (at the source's conf level).
  QuantileEstimate Quantile(int32_t group, double p, QuantileRule rule) const;
  //! Quantile for every group (element g for group g), the groups' curves read on all cores.
  std::vector<QuantileEstimate> QuantileByGroup(double p, QuantileRule rule) const;

 private:
  KmRowSource() = default;

  KmOptions options_;
  BigVector<double> time_;    // by group, ascending within each (near-ties merged)
  BigVector<uint8_t> event_;  // of time_[i], 0 or 1
  BigVector<double> weight_;  // of time_[i], with case weights (else empty)
  bool jackknife_ = false;    // the infinitesimal jackknife variance (fractional case weights)
  BigVector<double> entry_;   // counting-process data: each group's start times, ascending (else empty)
  BigVector<uint32_t>
      entry_position_;         // with case weights: the position in time_ of the row starting at entry_[k]
  std::vector<size_t> begin_;  // group g's rows are [begin_[g], begin_[g + 1]) of time_ (and of entry_)
  std::vector<int64_t> events_;
  std::vector<double> weighted_n_, squared_weight_, weighted_events_;
};

}  // namespace prrt::stats

namespace prrt::stats {

//! How a reverse Kaplan–Meier treats a death and a censoring at the same time.
enum class FollowUpTies {
  kSurvival,  //!< R: survfit(Surv(time, status == 0)); tied deaths stay in the risk set
  kProdlim,   //!< prodlim(reverse = TRUE): tied deaths leave first, hazard c / (n - d)
};

//! The reverse Kaplan–Meier curves (censoring is the "event") from which median follow-up is read: their rows
//! made as they are read (KmRowSource).
Result<KmRowSource> ReverseKaplanMeier(const SurvivalData& data, int32_t n_groups, FollowUpTies ties,
                                       const KmOptions& options);

}  // namespace prrt::stats
