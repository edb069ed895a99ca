#include "prrt/study/headline.h"

#include "prrt/stats/logrank.h"
#include "prrt/stats/survival.h"

namespace prrt::study {

stats::KmCurve Curve(const Series& series) {
  if (series.months.empty()) return {};
  const std::vector<int32_t> groups(series.months.size(), 0);
  Result<std::vector<stats::KmCurve>> km =
      stats::KaplanMeier({series.months, series.events, groups}, 1, stats::KmOptions{});
  return km.ok() ? std::move((*km)[0]) : stats::KmCurve{};
}

std::optional<double> LogRankP(const Series& a, const Series& b) {
  if (a.months.empty() || b.months.empty()) return std::nullopt;
  std::vector<double> months = a.months;
  months.insert(months.end(), b.months.begin(), b.months.end());
  std::vector<int8_t> events = a.events;
  events.insert(events.end(), b.events.begin(), b.events.end());
  std::vector<int32_t> group(a.months.size(), 0);
  group.resize(months.size(), 1);
  Result<stats::LogrankResult> test =
      stats::LogRank({months, events, group}, 2, {}, 1, stats::LogrankOptions{});
  return test.ok() && test->df > 0 ? std::optional<double>(test->p) : std::nullopt;
}

stats::QuantileEstimate MedianMonths(const std::vector<double>& months, const std::vector<int8_t>& events,
                                     stats::QuantileRule rule) {
  if (months.empty()) return {};
  return stats::SurvivalQuantile(Curve({months, events}), 0.5, rule, 0.95);
}

Headline ComputeHeadline(const std::vector<SubjectEndpoints>& subjects) {
  Headline h;
  Series pfs_r, pfs_rr, os_r, os_c;
  int64_t responders = 0, stable = 0, haem34 = 0, aml_mds = 0;
  for (const SubjectEndpoints& s : subjects) {
    if (s.phases[2].given) {
      ++h.n_rr;
      pfs_rr.Add(s.phases[2].pfs_months, s.phases[2].pfs_event);
    }
    if (s.group == Group::kControl) ++h.n_control;
    if (s.group != Group::kNeither && s.os_months)
      (s.group == Group::kRetreatment ? os_r : os_c).Add(*s.os_months, s.os_event);
    if (s.group != Group::kRetreatment) continue;
    ++h.n_retreatment;
    const PhaseEndpoints& r = s.phases[1];
    pfs_r.Add(r.pfs_months, r.pfs_event);
    responders += r.best_response == "cr" || r.best_response == "pr";
    stable += r.best_response == "sd";
    haem34 += r.worst_haematological_grade.value_or(0) >= 3;
    aml_mds += s.aml_mds.has_value();
  }
  h.pfs_r_median_months = MedianMonths(pfs_r.months, pfs_r.events).estimate;
  h.pfs_rr_median_months = MedianMonths(pfs_rr.months, pfs_rr.events).estimate;
  h.os_retreatment_median_months = MedianMonths(os_r.months, os_r.events).estimate;
  h.os_control_median_months = MedianMonths(os_c.months, os_c.events).estimate;
  h.os_logrank_p = LogRankP(os_r, os_c);
  if (h.n_retreatment > 0) {
    const double n = static_cast<double>(h.n_retreatment);
    h.orr_r_percent = 100.0 * responders / n;
    h.sd_r_percent = 100.0 * stable / n;
    h.dcr_r_percent = 100.0 * (responders + stable) / n;
    h.haem_grade34_r_percent = 100.0 * haem34 / n;
    h.aml_mds_percent = 100.0 * aml_mds / n;
  }
  return h;
}

}  // namespace prrt::study
