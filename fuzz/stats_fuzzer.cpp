// libFuzzer target: the statistics engine on small data sets built from the fuzzer's bytes — ties, near-ties,
// zeros, huge and tiny times, empty groups, case weights, intervals, strata, clusters. Whatever the data, an
// analysis either refuses them (a Status) or returns numbers that obey what holds for any data: probabilities
// in [0, 1], curves monotone and inside their bands, observed = expected events in total, martingale
// residuals summing to zero, a whole case weight k the same as k copies of the row, the same answer for the
// rows in another order, a cause-specific incidence summing to 1 − the all-cause Kaplan–Meier, Spearman's rho
// as Pearson's r of the ranks, Fisher's p as the sum over every table with the margins. A violation names
// itself on stderr and traps.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <numeric>
#include <optional>
#include <span>
#include <vector>

#include "prrt/stats/competing.h"
#include "prrt/stats/contingency.h"
#include "prrt/stats/correlation.h"
#include "prrt/stats/cox.h"
#include "prrt/stats/descriptives.h"
#include "prrt/stats/logrank.h"
#include "prrt/stats/p_adjust.h"
#include "prrt/stats/survival.h"

namespace {

using namespace prrt::stats;
using prrt::Result;

void Require(bool holds, const char* what) {
  if (holds) return;
  std::fprintf(stderr, "stats_fuzzer: violated: %s\n", what);
  __builtin_trap();
}

bool Near(double a, double b, double relative) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (a == b) return true;  // infinities
  return std::fabs(a - b) <= relative * std::max({1.0, std::fabs(a), std::fabs(b)});
}

bool NearOptional(const std::optional<double>& a, const std::optional<double>& b, double relative) {
  return a.has_value() == b.has_value() && (!a || Near(*a, *b, relative));
}

// In [0, 1] (not NaN).
bool IsProbability(double p) {
  return p >= 0 && p <= 1;
}

// ---------------------------------------------------------------------------------------------- data sets

double PickTime(FuzzedDataProvider& in) {
  // Ties, a near-tie that R's timefix merges, zero, and the extremes of a double.
  static constexpr double kTimes[] = {0, 0.5, 1, 1 + 1e-9, 2, 3, 7.25, 12, 1e-300, 1e300};
  const size_t pick = in.ConsumeIntegralInRange<size_t>(0, std::size(kTimes));
  return pick < std::size(kTimes) ? kTimes[pick] : in.ConsumeFloatingPointInRange<double>(0, 100);
}

struct DataSet {
  std::vector<double> time, start, weight, covariates;
  std::vector<int8_t> event;
  std::vector<int32_t> group, strata, cluster, cause;
  int32_t n_groups = 1, n_strata = 1, n_covariates = 0;
  size_t n() const { return time.size(); }

  SurvivalData Survival(bool with_start, bool with_weight) const {
    return {time, event, group, with_start ? std::span<const double>(start) : std::span<const double>(),
            with_weight ? std::span<const double>(weight) : std::span<const double>()};
  }
  // The rows taken in the order `order` (an index may repeat: a row copied).
  DataSet Rows(const std::vector<size_t>& order) const {
    DataSet out = *this;
    auto take = [&order](const auto& from, auto& to) {
      to.clear();
      for (size_t i : order)
        to.push_back(from[i]);
    };
    take(time, out.time), take(start, out.start), take(weight, out.weight), take(event, out.event);
    take(group, out.group), take(strata, out.strata), take(cluster, out.cluster), take(cause, out.cause);
    out.covariates.clear();
    for (int32_t j = 0; j < n_covariates; ++j)
      for (size_t i : order)
        out.covariates.push_back(covariates[j * n() + i]);
    return out;
  }
};

DataSet MakeDataSet(FuzzedDataProvider& in) {
  DataSet data;
  const size_t n = in.ConsumeIntegralInRange<size_t>(1, 24);
  data.n_groups = in.ConsumeIntegralInRange<int32_t>(1, 3);
  data.n_strata = in.ConsumeIntegralInRange<int32_t>(1, 2);
  data.n_covariates = in.ConsumeIntegralInRange<int32_t>(1, 2);
  static constexpr double kWeights[] = {1, 2, 3, 0.5, 1e-3, 3.7};
  static constexpr double kLengths[] = {0.5, 1, 2, 1e-9, 1e-300};
  for (size_t i = 0; i < n; ++i) {
    data.time.push_back(PickTime(in));
    data.start.push_back(data.time.back() - kLengths[in.ConsumeIntegralInRange<size_t>(0, 4)]);
    data.weight.push_back(kWeights[in.ConsumeIntegralInRange<size_t>(0, 5)]);
    data.cause.push_back(in.ConsumeIntegralInRange<int32_t>(0, 2));
    data.event.push_back(data.cause.back() > 0 ? 1 : 0);
    data.group.push_back(in.ConsumeIntegralInRange<int32_t>(0, data.n_groups - 1));
    data.strata.push_back(in.ConsumeIntegralInRange<int32_t>(0, data.n_strata - 1));
    data.cluster.push_back(in.ConsumeIntegralInRange<int32_t>(0, 3));
  }
  // A binary, a small count, a number, or a constant, per covariate.
  for (int32_t j = 0; j < data.n_covariates; ++j) {
    const int kind = in.ConsumeIntegralInRange(0, 3);
    for (size_t i = 0; i < n; ++i) {
      data.covariates.push_back(kind == 0   ? in.ConsumeIntegralInRange(0, 1)
                                : kind == 1 ? in.ConsumeIntegralInRange(0, 3)
                                : kind == 2 ? in.ConsumeFloatingPointInRange<double>(-5, 5)
                                            : 1.0);
    }
  }
  return data;
}

std::vector<size_t> Reversed(size_t n) {
  std::vector<size_t> order(n);
  std::iota(order.rbegin(), order.rend(), size_t{0});
  return order;
}

// Each row repeated as often as its case weight, rounded up to a whole number (1 to 4).
std::vector<size_t> Copies(const DataSet& data, std::vector<double>& whole_weights) {
  std::vector<size_t> order;
  whole_weights.clear();
  for (size_t i = 0; i < data.n(); ++i) {
    whole_weights.push_back(std::ceil(data.weight[i]));
    for (int k = 0; k < whole_weights.back(); ++k)
      order.push_back(i);
  }
  return order;
}

// ------------------------------------------------------------------------------------------ Kaplan–Meier

void CheckCurve(const KmCurve& curve) {
  double last_time = -INFINITY, last_surv = 1;
  for (const KmRow& row : curve.rows) {
    Require(row.time > last_time, "KM: times strictly increase");
    Require(row.n_risk >= row.n_event && row.n_event >= 0 && row.n_censor >= 0, "KM: counts");
    Require(row.surv >= 0 && row.surv <= last_surv, "KM: S in [0, 1] and non-increasing");
    Require(row.std_err >= 0 || (std::isnan(row.std_err) && row.surv == 0), "KM: SE >= 0 (NaN only at 0)");
    if (!std::isnan(row.lower) || !std::isnan(row.upper)) {
      Require(row.lower >= 0 && row.upper <= 1, "KM: CI inside [0, 1]");
      Require(row.lower <= row.surv * (1 + 1e-12) && row.upper >= row.surv * (1 - 1e-12),
              "KM: S inside its CI");
    }
    last_time = row.time, last_surv = row.surv;
  }
}

bool SameRows(const KmCurve& a, const KmCurve& b, double relative) {
  if (a.rows.size() != b.rows.size()) return false;
  for (size_t i = 0; i < a.rows.size(); ++i) {
    const KmRow &x = a.rows[i], &y = b.rows[i];
    if (!Near(x.time, y.time, relative) || !Near(x.n_risk, y.n_risk, relative) ||
        !Near(x.n_event, y.n_event, relative) || !Near(x.n_censor, y.n_censor, relative) ||
        !Near(x.surv, y.surv, relative) || !Near(x.std_err, y.std_err, relative) ||
        !Near(x.lower, y.lower, relative) || !Near(x.upper, y.upper, relative))
      return false;
  }
  return true;
}

void FuzzKaplanMeier(const DataSet& data, FuzzedDataProvider& in) {
  const bool with_start = in.ConsumeBool(), with_weight = in.ConsumeBool();
  KmOptions options;
  options.conf_type = static_cast<ConfType>(in.ConsumeIntegralInRange(0, 5));
  options.conf_level = in.ConsumeBool() ? 0.95 : in.ConsumeFloatingPointInRange(0.5, 0.9999);
  options.timefix = in.ConsumeBool();
  const SurvivalData survival = data.Survival(with_start, with_weight);
  Result<std::vector<KmCurve>> curves = KaplanMeier(survival, data.n_groups, options);
  if (!curves.ok()) return;
  // The curves made again from the sorted data, a group at a time, and their medians read in one pass.
  Result<KmRowSource> source = KmRowSource::Create(survival, data.n_groups, options);
  Result<std::vector<KmSummary>> summary = KaplanMeierSummary(survival, data.n_groups, options);
  Require(source.ok() && summary.ok(), "KM: the row source and the summary take what KaplanMeier takes");
  int64_t n = 0;
  for (int32_t g = 0; g < data.n_groups; ++g) {
    const KmCurve& curve = (*curves)[g];
    CheckCurve(curve);
    n += curve.n;
    if (!with_start && !with_weight && !curve.rows.empty()) {
      double events = 0, leaving = 0;
      for (const KmRow& row : curve.rows)
        events += row.n_event, leaving += row.n_event + row.n_censor;
      Require(curve.rows[0].n_risk == curve.n && leaving == curve.n && events == curve.events,
              "KM: everyone at risk at first, each row leaving once");
    }
    KmCurve again;
    source->ForEachRow(g, [&again](const KmRow& row) { again.rows.push_back(row); });
    Require(SameRows(curve, again, 1e-12), "KM: the row source makes KaplanMeier's rows");
    const QuantileEstimate median = SurvivalQuantile(curve, 0.5, QuantileRule::kPrint, options.conf_level);
    const QuantileEstimate& streamed = (*summary)[g].quantile;
    Require(NearOptional(median.estimate, streamed.estimate, 1e-12) &&
                NearOptional(median.lower, streamed.lower, 1e-12) &&
                NearOptional(median.upper, streamed.upper, 1e-12),
            "KM: the streamed median is the curve's");
    SurvivalQuantile(curve, 0.5, QuantileRule::kSpss, options.conf_level);
  }
  Require(n == static_cast<int64_t>(data.n()), "KM: every row in one group");

  // Rows in another order: the same curves; with case weights summed in another order (and the jackknife
  // variance's cancellations: S = 1 - 1/1.001 with a weight of 0.001 dying among 1.001), to 1e-9.
  DataSet reversed = data.Rows(Reversed(data.n()));
  Result<std::vector<KmCurve>> reordered =
      KaplanMeier(reversed.Survival(with_start, with_weight), data.n_groups, options);
  Require(reordered.ok(), "KM: rows in another order are as valid");
  for (int32_t g = 0; g < data.n_groups; ++g)
    Require(SameRows((*curves)[g], (*reordered)[g], with_weight ? 1e-9 : 0), "KM: the order of rows");

  // Whole case weights: the curves of the rows copied. Greenwood's SE counts a row of weight k as k rows.
  if (with_weight) {
    DataSet whole = data;
    DataSet copied = data.Rows(Copies(data, whole.weight));
    Result<std::vector<KmCurve>> weighted =
        KaplanMeier(whole.Survival(with_start, true), data.n_groups, options);
    Result<std::vector<KmCurve>> copies =
        KaplanMeier(copied.Survival(with_start, false), data.n_groups, options);
    Require(weighted.ok() && copies.ok(), "KM: whole weights are as valid");
    for (int32_t g = 0; g < data.n_groups; ++g)
      Require(SameRows((*weighted)[g], (*copies)[g], 1e-12), "KM: a weight of k is k copies of the row");
  }

  // Median follow-up: a time within the data, if any.
  for (FollowUpTies ties : {FollowUpTies::kSurvival, FollowUpTies::kProdlim}) {
    Result<KmRowSource> reverse =
        ReverseKaplanMeier(data.Survival(false, with_weight), data.n_groups, ties, options);
    if (!reverse.ok()) continue;
    for (const QuantileEstimate& q : reverse->QuantileByGroup(0.5, QuantileRule::kPrint))
      Require(!q.estimate ||
                  (*q.estimate >= 0 && *q.estimate <= *std::max_element(data.time.begin(), data.time.end())),
              "follow-up: the median within the times");
  }
}

// ------------------------------------------------------------------------------------------------ log-rank

void CheckLogrank(const LogrankResult& result, int32_t n_groups) {
  Require(result.chisq >= 0 && IsProbability(result.p), "log-rank: chi-square >= 0, p in [0, 1]");
  Require(result.df >= 0 && result.df < n_groups, "log-rank: df < groups");
  double observed = 0, expected = 0;
  for (const LogrankGroup& g : result.groups) {
    Require(g.observed >= 0 && g.expected >= 0, "log-rank: O, E >= 0");
    observed += g.observed, expected += g.expected;
  }
  Require(Near(observed, expected, 1e-9), "log-rank: observed = expected in total");
}

void FuzzLogrank(const DataSet& data, FuzzedDataProvider& in) {
  LogrankOptions options;
  options.weight = static_cast<LogrankWeight>(in.ConsumeIntegralInRange(0, 2));
  options.rho = in.ConsumeBool() ? 0 : in.ConsumeFloatingPointInRange(0.0, 2.0);
  options.timefix = in.ConsumeBool();
  const bool stratified = in.ConsumeBool();
  const std::span<const int32_t> strata =
      stratified ? std::span<const int32_t>(data.strata) : std::span<const int32_t>();
  const int32_t n_strata = stratified ? data.n_strata : 1;
  Result<LogrankResult> result =
      LogRank(data.Survival(false, false), data.n_groups, strata, n_strata, options);
  if (!result.ok()) return;
  CheckLogrank(*result, data.n_groups);
  DataSet reversed = data.Rows(Reversed(data.n()));
  Result<LogrankResult> reordered = LogRank(
      reversed.Survival(false, false), data.n_groups,
      stratified ? std::span<const int32_t>(reversed.strata) : std::span<const int32_t>(), n_strata, options);
  Require(reordered.ok() && Near(reordered->chisq, result->chisq, 1e-9) && reordered->df == result->df,
          "log-rank: the order of rows");
  const PAdjust adjust = static_cast<PAdjust>(in.ConsumeIntegralInRange(0, 3));
  Result<std::vector<PairwiseLogrank>> pairs =
      PairwiseLogRank(data.Survival(false, false), data.n_groups, strata, n_strata, options, adjust);
  Require(pairs.ok() == (data.n_groups >= 3), "log-rank: pairwise takes what the test takes, given 3 groups");
  if (!pairs.ok()) return;
  for (const PairwiseLogrank& pair : *pairs) {
    Require(pair.p.has_value() == pair.p_adjusted.has_value(), "pairwise: an adjusted p for each p");
    if (pair.p)
      Require(IsProbability(*pair.p) && *pair.p_adjusted >= *pair.p && *pair.p_adjusted <= 1,
              "pairwise: p <= adjusted p <= 1");
  }
}

// ----------------------------------------------------------------------------------------------------- Cox

CoxData CoxView(const DataSet& data, bool with_start, bool with_weight, bool stratified, bool clustered) {
  CoxData cox;
  cox.time = data.time, cox.event = data.event, cox.covariates = data.covariates;
  cox.n_covariates = data.n_covariates;
  if (stratified) cox.strata = data.strata;
  if (with_start) cox.start = data.start;
  if (clustered) cox.cluster = data.cluster;
  if (with_weight) cox.weights = data.weight;
  return cox;
}

// Converged, and no coefficient possibly infinite.
bool Clean(const CoxFit& fit) {
  return fit.converged &&
         std::none_of(fit.may_be_infinite.begin(), fit.may_be_infinite.end(), [](bool b) { return b; });
}

// Every coefficient estimated (none aliased).
bool Estimated(const CoxFit& fit) {
  return std::none_of(fit.aliased.begin(), fit.aliased.end(), [](bool b) { return b; });
}

void FuzzCox(const DataSet& data, FuzzedDataProvider& in) {
  const bool with_start = in.ConsumeBool(), with_weight = in.ConsumeBool(), stratified = in.ConsumeBool(),
             clustered = in.ConsumeBool();
  CoxOptions options;
  options.ties = in.ConsumeBool() ? CoxTies::kEfron : CoxTies::kBreslow;
  options.timefix = in.ConsumeBool();
  options.robust = in.ConsumeBool();
  const CoxData cox = CoxView(data, with_start, with_weight, stratified, clustered);
  Result<CoxFit> fit = FitCox(cox, options);
  if (!fit.ok()) return;
  const size_t p = static_cast<size_t>(data.n_covariates);
  Require(fit->loglik >= fit->loglik_null - 1e-9 * std::fabs(fit->loglik_null), "Cox: the fit does not lose");
  // A test without a variance (a robust variance of 0, as where the fit runs off to infinity) is NA, as R's.
  for (const ChiSquareTest* test : {&fit->lr_test, &fit->wald_test, &fit->score_test})
    Require((IsProbability(test->p) && test->chisq >= -1e-9 * (1 + std::fabs(fit->loglik_null))) ||
                (std::isnan(test->chisq) && std::isnan(test->p)),
            "Cox: tests with chi-square >= 0 and p in [0, 1], or NA");
  for (size_t j = 0; j < p; ++j) {
    Require(std::isfinite(fit->coef[j]) && fit->variance[j * p + j] >= 0,
            "Cox: finite coefficients, var >= 0");
    Require(!fit->aliased[j] || fit->coef[j] == 0, "Cox: an aliased coefficient stays 0");
  }
  Result<CoxResiduals> residuals = ComputeCoxResiduals(cox, *fit, options);
  Require(residuals.ok(), "Cox: residuals of a fit");
  // Only at a maximum where every coefficient is estimated, and where the risks exp(x beta) of the rows fit
  // in a double together (a spread of linear predictors under 700) or the residuals are finite: where a
  // fit heads for infinity a risk can fall below the doubles' normal range and a hazard overflow, and R's
  // residuals are -Inf too (R 4.2.2: x = -3.19602, -3.19608, -4.98047 and six -5, dying at 7.25, 7.25,
  // 1 + 1e-9 and 1, Breslow, timefix = FALSE: beta -514.6, residuals -Inf for the first two); or R stops
  // with "infinite argument in coxph.wtest", or computes with the value its iterations reached for a
  // coefficient it reports as NA (docs/statistics.md, Limitations).
  double lowest = INFINITY, highest = -INFINITY;
  for (size_t i = 0; i < data.n(); ++i) {
    double eta = 0;
    for (size_t j = 0; j < p; ++j)
      eta += data.covariates[j * data.n() + i] * fit->coef[j];
    lowest = std::min(lowest, eta), highest = std::max(highest, eta);
  }
  const bool finite = std::all_of(residuals->martingale.begin(), residuals->martingale.end(),
                                  [](double m) { return std::isfinite(m); });
  if (Clean(*fit) && Estimated(*fit) && (highest - lowest < 700 || finite)) {
    double sum = 0, deaths = 0;
    for (size_t i = 0; i < data.n(); ++i) {
      const double w = with_weight ? data.weight[i] : 1;
      Require(residuals->martingale[i] <= 1 + 1e-12, "Cox: a martingale residual is at most 1");
      sum += w * residuals->martingale[i], deaths += w * data.event[i];
    }
    Require(std::fabs(sum) <= 1e-8 * (1 + deaths), "Cox: the martingale residuals sum to 0");
  }
  const ZphTransform transform = static_cast<ZphTransform>(in.ConsumeIntegralInRange(0, 3));
  Result<ZphResult> zph = TestProportionalHazards(cox, *fit, options, transform, {});
  if (zph.ok()) {
    for (const ChiSquareTest& test : zph->terms)
      Require(IsProbability(test.p) || std::isnan(test.chisq), "zph: p in [0, 1], or no test");
    Require(IsProbability(zph->global.p) || std::isnan(zph->global.chisq), "zph: global p in [0, 1]");
  }

  // Whole case weights: the fit to the rows copied (where both converge cleanly: elsewhere the two may stop
  // at different points of a flat likelihood). Breslow's ties only: Efron's approximation spreads a tied time
  // over its death rows, and R's (which prrt follows) counts a row of weight 3 as one row: R 4.2.2, deaths at
  // 1 with weights 3 and 1 (x = 1, 0) and one at 1 + 1e-9, timefix = FALSE: log-likelihood
  // -5.0701294506542709, and with the row copied three times -4.2866287995276231.
  if (with_weight && !clustered && !options.robust && options.ties == CoxTies::kBreslow) {
    DataSet whole = data;
    DataSet copied = data.Rows(Copies(data, whole.weight));
    Result<CoxFit> weighted = FitCox(CoxView(whole, with_start, true, stratified, false), options);
    Result<CoxFit> copies = FitCox(CoxView(copied, with_start, false, stratified, false), options);
    // A fit heading for infinity can end where the information of one of the two is rounding of 0, and prrt
    // refuses that one ("no covariate can be estimated", where R reports the coefficient NA): R 4.2.2, x =
    // -1.36673, -4.99999, 4.47601, 4.49020 dying at 1e-300 and 0 with weights 4 and 3 (and 1 and 3 censored
    // at 0), Breslow, timefix = FALSE, gives NA for the weighted rows and for their copies, where prrt runs
    // out of iterations on the weighted rows at beta = 134.7 (log-likelihood -9.2067 as R's) and refuses the
    // copies. So only a clean weighted fit requires the copies to fit, and only where its information is
    // not the rounding of a covariate that hardly varies at risk (an SE over 1e4, as below): R 4.2.2, two
    // rows of weight 3 with x = 4.9999999992180122 and 4.9999999982660857 both dying at 3 (a stratum; the
    // other's one death has no one else at risk), Breslow, timefix = FALSE: beta 0 with SE 1.4e7 for the
    // weighted rows, NA for their copies, as prrt (fuzz seed cox-weights-copies-rounding-of-zero).
    auto rounding_information = [p](const CoxFit& fit) {
      for (size_t j = 0; j < p; ++j)
        if (fit.std_err(j) > 1e4) return true;
      return false;
    };
    Require(!weighted.ok() || !Clean(*weighted) || rounding_information(*weighted) || copies.ok(),
            "Cox: a weight of k is k copies of the row (either fits)");
    // Each fit stops once its log-likelihood changes by less than 1e-9 (relative), so the two agree to about
    // that, and their coefficients to a small part of their SE; the SEs too, unless the information is
    // rounding of a covariate that hardly varies at risk (5 and 4.9999996: SEs of 1.84e6 that differ by
    // 0.2%). Not where a coefficient is aliased at the estimate: the likelihood is then flat along some
    // direction, and R's own two fits stop apart too (R 4.2.2, x1 = 1, 2, 2 and x2 = -0.547, -4.99997,
    // -4.99985 dying at 0, 0, 1e-300, weights 1, 3, 1: x1's coefficient -258,589 weighted, -258,578 with the
    // rows copied, both with SE 1.15). Nor a coefficient whose SE is over 1e4 where the fit runs along such a
    // ridge towards infinity without an aliased coefficient: where it stops on the ridge is rounding, and R's
    // two fits differ more still (R 4.2.2, x1 = 1, 2, 2 and x2 = -0.5470019652, -4.9999743773,
    // -4.9999999999981 dying at 1, 0, 1e-300, weights 4, 3, 1, Breslow, timefix = FALSE: weighted, x1
    // 3,128,469 and x2 NA, "coefficient may be infinite"; copied, x1 2,788,584 (SE 4.6e7) and x2 626,221, no
    // warning; log-likelihoods -8.8410143 and -8.8410144; prrt 7.39e6 and 3.49e6 for x1, SEs 9.5e7 and 6.7e7,
    // seed cox-weights-ridge-to-infinity).
    if (weighted.ok() && copies.ok() && Clean(*weighted) && Estimated(*weighted) && Clean(*copies) &&
        Estimated(*copies)) {
      Require(Near(weighted->loglik, copies->loglik, 1e-7),
              "Cox: a weight of k is k copies of the row (log-likelihood)");
      for (size_t j = 0; j < p; ++j)
        Require(weighted->std_err(j) > 1e4 ||
                    (std::fabs(weighted->coef[j] - copies->coef[j]) <= 1e-3 * weighted->std_err(j) &&
                     Near(weighted->std_err(j), copies->std_err(j), 1e-3)),
                "Cox: a weight of k is k copies of the row (coefficients)");
    }
  }
}

// --------------------------------------------------------------------------------------- competing risks

void FuzzCompeting(const DataSet& data, FuzzedDataProvider& in) {
  CumincOptions options;
  options.rho = in.ConsumeBool() ? 0 : in.ConsumeFloatingPointInRange(-1.0, 2.0);
  CompetingData competing{data.time, data.cause, data.group, data.strata};
  Result<CumincResult> result = CumulativeIncidence(competing, 2, data.n_groups, data.n_strata, options);
  if (!result.ok()) return;
  for (const ChiSquareTest& test : result->gray)
    Require(IsProbability(test.p) || std::isnan(test.chisq), "Gray: p in [0, 1], or no test");
  // 1 − the all-cause Kaplan–Meier (near-ties not merged, as cmprsk) at each group's last time.
  KmOptions km;
  km.timefix = false;
  Result<std::vector<KmCurve>> all = KaplanMeier(data.Survival(false, false), data.n_groups, km);
  Require(all.ok(), "cuminc: the Kaplan–Meier of the same data");
  std::vector<double> total(data.n_groups, 0);
  for (const CumincCurve& curve : result->curves) {
    for (size_t k = 0; k < curve.time.size(); ++k) {
      Require(curve.estimate[k] >= 0 && curve.estimate[k] <= 1 + 1e-12 &&
                  (k == 0 || curve.estimate[k] >= curve.estimate[k - 1]),
              "cuminc: F in [0, 1] and non-decreasing");
      Require(curve.variance[k] >= -1e-12, "cuminc: variance >= 0");
    }
    if (!curve.estimate.empty()) total[curve.group] += curve.estimate.back();
  }
  for (int32_t g = 0; g < data.n_groups; ++g) {
    const auto& rows = (*all)[g].rows;
    if (!rows.empty()) Require(Near(total[g], 1 - rows.back().surv, 1e-12), "cuminc: sum of F = 1 - KM");
  }
}

// ----------------------------------------------------------------------------------------------- correlation

void FuzzCorrelation(FuzzedDataProvider& in) {
  const size_t n = in.ConsumeIntegralInRange<size_t>(0, 30);
  std::vector<double> x, y;
  for (size_t i = 0; i < n; ++i) {
    x.push_back(in.ConsumeBool() ? in.ConsumeIntegralInRange(0, 4)
                                 : in.ConsumeFloatingPointInRange(-1e3, 1e3));
    y.push_back(in.ConsumeBool() ? in.ConsumeIntegralInRange(0, 4)
                                 : in.ConsumeFloatingPointInRange(-1e3, 1e3));
  }
  SpearmanOptions options;
  options.alternative = static_cast<Alternative>(in.ConsumeIntegralInRange(0, 2));
  options.exact = in.ConsumeBool();
  options.continuity = in.ConsumeBool();
  Result<SpearmanResult> spearman = Spearman(x, y, options);
  if (spearman.ok()) {
    Require(spearman->rho >= -1 && spearman->rho <= 1 && IsProbability(spearman->p), "Spearman: rho, p");
    Result<SpearmanResult> swapped = Spearman(y, x, options);
    Require(swapped.ok() && Near(swapped->rho, spearman->rho, 1e-12) && Near(swapped->p, spearman->p, 1e-9),
            "Spearman: symmetric in x and y");
    Result<PearsonResult> of_ranks = Pearson(AverageRanks(x), AverageRanks(y));
    Require(of_ranks.ok() && Near(of_ranks->r, spearman->rho, 1e-12), "Spearman: rho is r of the ranks");
  }
  const double conf_level = in.ConsumeFloatingPointInRange(0.5, 0.999);
  Result<PearsonResult> pearson = Pearson(x, y, conf_level, options.alternative);
  if (pearson.ok()) {
    Require(pearson->r >= -1 && pearson->r <= 1 && IsProbability(pearson->p), "Pearson: r, p");
    if (!std::isnan(pearson->lower))
      Require(pearson->lower <= pearson->r + 1e-12 && pearson->r <= pearson->upper + 1e-12,
              "Pearson: r in CI");
  }
}

// ---------------------------------------------------------------------------------------------- tables

// The two-sided p of Fisher's test by listing every table with the margins (R's rule: the tables no more
// likely than the observed, within a relative 1e-7); nullopt past `budget` tables.
class FisherByListing {
 public:
  explicit FisherByListing(const ContingencyTable& table) : table_(table) {
    row_left_.assign(table.rows, 0), col_left_.assign(table.cols, 0);
    for (int r = 0; r < table.rows; ++r)
      for (int c = 0; c < table.cols; ++c)
        row_left_[r] += table.at(r, c), col_left_[c] += table.at(r, c), n_ += table.at(r, c);
    constant_ = -std::lgamma(n_ + 1);
    for (double m : row_left_)
      constant_ += std::lgamma(m + 1);
    for (double m : col_left_)
      constant_ += std::lgamma(m + 1);
    double observed = constant_;
    for (double x : table.counts)
      observed -= std::lgamma(x + 1);
    observed_ = std::exp(observed);
  }
  std::optional<double> P(int64_t budget) {
    budget_ = budget;
    Fill(0, constant_);
    if (budget_ < 0) return std::nullopt;
    return std::min(1.0, p_);
  }

 private:
  // Fills cell `cell` (row-major) onwards; the last row and column follow from the margins.
  void Fill(int cell, double log_p) {
    if (--budget_ < 0) return;
    const int r = cell / table_.cols, c = cell % table_.cols;
    if (r == table_.rows - 1) {  // the last row is what the columns still need
      for (int k = 0; k < table_.cols; ++k)
        log_p -= std::lgamma(col_left_[k] + 1);
      const double prob = std::exp(log_p);
      if (prob <= observed_ * (1 + 1e-7)) p_ += prob;
      return;
    }
    if (c == table_.cols - 1) {  // the row's last cell is what the row still needs
      const double x = row_left_[r];
      if (x > col_left_[c]) return;
      col_left_[c] -= x;
      Fill(cell + 1, log_p - std::lgamma(x + 1));
      col_left_[c] += x;
      return;
    }
    for (double x = 0; x <= std::min(row_left_[r], col_left_[c]); ++x) {
      row_left_[r] -= x, col_left_[c] -= x;
      Fill(cell + 1, log_p - std::lgamma(x + 1));
      row_left_[r] += x, col_left_[c] += x;
    }
  }
  const ContingencyTable& table_;
  std::vector<double> row_left_, col_left_;
  double n_ = 0, constant_ = 0, observed_ = 0, p_ = 0;
  int64_t budget_ = 0;
};

void FuzzTables(FuzzedDataProvider& in) {
  ContingencyTable table;
  table.rows = in.ConsumeIntegralInRange(1, 4);
  table.cols = in.ConsumeIntegralInRange(1, 4);
  // Large counts for 2 x 2 tables only: under the sanitizers the exact test on a 4 x 4 table of n = 160 takes
  // minutes, and of n = 50 a tenth of a second.
  const int cells = table.rows * table.cols;
  const int largest = cells <= 4 && in.ConsumeBool() ? 40 : cells <= 9 ? 6 : 3;
  for (int i = 0; i < table.rows * table.cols; ++i)
    table.counts.push_back(in.ConsumeIntegralInRange(0, largest));
  const double conf_level = in.ConsumeFloatingPointInRange(0.5, 0.999);
  Result<FisherResult> fisher = FisherExact(table, conf_level);
  if (fisher.ok()) {
    Require(IsProbability(fisher->p), "Fisher: p in [0, 1]");
    if (std::optional<double> listed = FisherByListing(table).P(200'000))
      Require(Near(fisher->p, *listed, 1e-9), "Fisher: p is the sum over the tables with the margins");
    if (table.rows == 2 && table.cols == 2) {
      Require(fisher->odds_ratio && *fisher->or_lower <= *fisher->odds_ratio &&
                  *fisher->odds_ratio <= *fisher->or_upper,
              "Fisher: the odds ratio inside its CI");
      Result<FisherResult> less = FisherExact(table, conf_level, {}, Alternative::kLess);
      Result<FisherResult> greater = FisherExact(table, conf_level, {}, Alternative::kGreater);
      // The hypergeometric is unimodal, so the two-sided p holds the whole tail on the observed side.
      Require(less.ok() && greater.ok() && IsProbability(less->p) && IsProbability(greater->p) &&
                  less->p + greater->p >= 1 - 1e-12 &&
                  fisher->p >= std::min(less->p, greater->p) * (1 - 1e-9),
              "Fisher: P(X <= x) + P(X >= x) >= 1, two-sided p at least the smaller one-sided");
    }
  }
  for (bool yates : {false, true}) {
    Result<ChiSquareResult> chisq = PearsonChiSquare(table, yates);
    if (!chisq.ok()) continue;
    Require(chisq->statistic >= 0 && IsProbability(chisq->p), "chi-square: statistic >= 0, p in [0, 1]");
    const double n = std::accumulate(table.counts.begin(), table.counts.end(), 0.0);
    const double expected = std::accumulate(chisq->expected.begin(), chisq->expected.end(), 0.0);
    Require(Near(expected, n, 1e-12), "chi-square: the expected counts sum to n");
  }
}

// ------------------------------------------------------------------------------ quantiles, adjusted p-values

void FuzzQuantilesAndAdjustment(FuzzedDataProvider& in) {
  std::vector<double> sample(in.ConsumeIntegralInRange<size_t>(1, 12));
  for (double& x : sample)
    x = in.ConsumeBool() ? in.ConsumeIntegralInRange(0, 3) : in.ConsumeFloatingPointInRange(-1e6, 1e6);
  std::sort(sample.begin(), sample.end());
  // R interpolates as (1 - h) x_j + h x_j+1, which rounding can leave an ulp or two out of order (R 4.2.2:
  // type 8 on seven -1e6 and -999999.99999999977 gives -999999.99999999988 at p = 0.8125 and -1e6 at
  // 0.828125); prrt computes as R.
  const double ulps = 4 * std::numeric_limits<double>::epsilon() *
                      std::max(std::fabs(sample.front()), std::fabs(sample.back()));
  for (int type = 1; type <= 9; ++type) {
    double last = -INFINITY;
    for (double p = 0; p <= 1; p += 1.0 / 64) {
      const double q = Quantile(sample, p, type);
      Require(q >= sample.front() - ulps && q <= sample.back() + ulps && q >= last - ulps,
              "quantile: within the sample, monotone");
      last = q;
    }
  }
  std::vector<std::optional<double>> p(in.ConsumeIntegralInRange<size_t>(0, 8));
  for (auto& value : p)
    if (in.ConsumeBool()) value = in.ConsumeProbability<double>();
  for (int method = 0; method <= 3; ++method) {
    const std::vector<std::optional<double>> adjusted = AdjustPValues(p, static_cast<PAdjust>(method));
    for (size_t i = 0; i < p.size(); ++i)
      Require(adjusted[i].has_value() == p[i].has_value() &&
                  (!p[i] || (*adjusted[i] >= *p[i] && *adjusted[i] <= 1)),
              "p.adjust: p <= adjusted <= 1");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  using OnDataSet = void (*)(const DataSet&, FuzzedDataProvider&);
  using OnBytes = void (*)(FuzzedDataProvider&);
  static constexpr OnDataSet kOnDataSets[] = {FuzzKaplanMeier, FuzzLogrank, FuzzCox, FuzzCompeting};
  static constexpr OnBytes kOnBytes[] = {FuzzCorrelation, FuzzTables, FuzzQuantilesAndAdjustment};
  FuzzedDataProvider in(bytes, size);
  const size_t pick = in.ConsumeIntegralInRange<size_t>(0, std::size(kOnDataSets) + std::size(kOnBytes) - 1);
  if (pick < std::size(kOnDataSets)) {
    kOnDataSets[pick](MakeDataSet(in), in);
  } else {
    kOnBytes[pick - std::size(kOnDataSets)](in);
  }
  return 0;
}
