// prrt/study/headline.h — the study's headline figures (the `headline` object of study.json), from the
// endpoints: group sizes, PFS and OS medians by R's print.survfit rule, the OS log-rank p of retreatment vs
// control, the response rates and the toxicity after R-PRRT, and AML/MDS.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "prrt/stats/survival.h"
#include "prrt/study/endpoints.h"

namespace prrt::study {

struct Headline {
  int64_t n_retreatment = 0, n_rr = 0, n_control = 0;
  std::optional<double> pfs_r_median_months, pfs_rr_median_months;
  std::optional<double> os_retreatment_median_months, os_control_median_months;
  std::optional<double> os_logrank_p;
  std::optional<double> orr_r_percent, sd_r_percent, dcr_r_percent;
  std::optional<double> haem_grade34_r_percent;
  std::optional<double> aml_mds_percent;  //!< in the retreatment group
};

Headline ComputeHeadline(const std::vector<SubjectEndpoints>& subjects);

//! A (months, event) series: one group's times to event.
struct Series {
  std::vector<double> months;
  std::vector<int8_t> events;
  void Add(double m, bool event) {
    months.push_back(m);
    events.push_back(event ? 1 : 0);
  }
};

//! The Kaplan–Meier curve of a series (empty when it is).
stats::KmCurve Curve(const Series& series);

//! The log-rank p of two series; none when either is empty or no group has an expected event.
std::optional<double> LogRankP(const Series& a, const Series& b);

//! The Kaplan–Meier median of the (months, event) pairs with its 95% CI: by R's print.survfit rule with the
//! log CI (kPrint), or SPSS's symmetric median ± 1.96 SE (kSpss); absent parts when not reached.
stats::QuantileEstimate MedianMonths(const std::vector<double>& months, const std::vector<int8_t>& events,
                                     stats::QuantileRule rule = stats::QuantileRule::kPrint);

}  // namespace prrt::study
