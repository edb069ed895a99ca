#include "prrt/study/headline.h"

#include "prrt/stats/logrank.h"
#include "prrt/stats/survival.h"

namespace prrt::study {

stats::QuantileEstimate MedianMonths(const std::vector<double>& months, const std::vector<int8_t>& events,
                                     stats::QuantileRule rule) {
  if (months.empty()) return {};
  const std::vector<int32_t> groups(months.size(), 0);
  Result<std::vector<stats::KmCurve>> km =
      stats::KaplanMeier({months, events, groups}, 1, stats::KmOptions{});
  if (!km.ok()) return {};
  return stats::SurvivalQuantile((*km)[0], 0.5, rule, 0.95);
}

Headline ComputeHeadline(const std::vector<SubjectEndpoints>& subjects) {
  Headline h;
  std::vector<double> pfs_r, pfs_rr, os_time;
  std::vector<int8_t> pfs_r_event, pfs_rr_event, os_event;
  std::vector<int32_t> os_group;  // 0 retreatment, 1 control
  std::vector<double> os_r, os_c;
  std::vector<int8_t> os_r_event, os_c_event;
  int64_t responders = 0, stable = 0, haem34 = 0, aml_mds = 0;
  for (const SubjectEndpoints& s : subjects) {
    if (s.phases[2].given) {
      ++h.n_rr;
      pfs_rr.push_back(s.phases[2].pfs_months);
      pfs_rr_event.push_back(s.phases[2].pfs_event);
    }
    if (s.group == Group::kControl) ++h.n_control;
    if (s.group != Group::kNeither && s.os_months) {
      (s.group == Group::kRetreatment ? os_r : os_c).push_back(*s.os_months);
      (s.group == Group::kRetreatment ? os_r_event : os_c_event).push_back(s.os_event);
      os_time.push_back(*s.os_months);
      os_event.push_back(s.os_event);
      os_group.push_back(s.group == Group::kRetreatment ? 0 : 1);
    }
    if (s.group != Group::kRetreatment) continue;
    ++h.n_retreatment;
    const PhaseEndpoints& r = s.phases[1];
    pfs_r.push_back(r.pfs_months);
    pfs_r_event.push_back(r.pfs_event);
    responders += r.best_response == "cr" || r.best_response == "pr";
    stable += r.best_response == "sd";
    haem34 += r.worst_haematological_grade.value_or(0) >= 3;
    aml_mds += s.aml_mds.has_value();
  }
  h.pfs_r_median_months = MedianMonths(pfs_r, pfs_r_event).estimate;
  h.pfs_rr_median_months = MedianMonths(pfs_rr, pfs_rr_event).estimate;
  h.os_retreatment_median_months = MedianMonths(os_r, os_r_event).estimate;
  h.os_control_median_months = MedianMonths(os_c, os_c_event).estimate;
  if (!os_r.empty() && !os_c.empty()) {
    Result<stats::LogrankResult> test =
        stats::LogRank({os_time, os_event, os_group}, 2, {}, 1, stats::LogrankOptions{});
    if (test.ok() && test->df > 0) h.os_logrank_p = test->p;
  }
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
