#include "prrt/study/adtte.h"

#include <fmt/format.h>

#include <fstream>

#include "prrt/common/output_file.h"
#include "prrt/registry/timeline.h"

namespace prrt::study {

Status WriteAdtte(const std::vector<SubjectEndpoints>& subjects, const std::string& path) {
  Result<std::ofstream> opened = OpenOutputFile(path);
  if (!opened.ok()) return opened.status();
  std::ofstream& out = *opened;
  out << "USUBJID,PARAMCD,PARAM,AVAL,CNSR,STARTDT,ADT,EVNTDESC,CNSDTDSC,COHORT,TUMTYPE\n";
  auto row = [&](const SubjectEndpoints& s, const char* code, const char* param, const std::string& start,
                 const std::string& end, const std::optional<std::string>& event) {
    const double months = registry::MonthsBetween(*registry::ParseDay(start), *registry::ParseDay(end));
    // 17 significant digits: R reads back the same double.
    out << fmt::format("{},{},{},{:.17g},{},{},{},{},{},{},{}\n", s.patient_id, code, param, months,
                       event ? 0 : 1, start, end, event ? *event : "", event ? "" : "LAST CONTACT",
                       ToString(s.group), s.primary_site);
  };
  static const char* kCodes[] = {"PFSI", "PFSR", "PFSRR"};
  static const char* kParams[] = {"PFS after I-PRRT (months)", "PFS after R-PRRT (months)",
                                  "PFS after RR-PRRT (months)"};
  for (const SubjectEndpoints& s : subjects) {
    if (!s.os_months) continue;  // no cycle: no time origin
    row(s, "OS", "Overall survival from the first I-PRRT cycle (months)", s.first_cycle_date,
        s.death_date.value_or(s.last_contact_date),
        s.os_event ? std::optional<std::string>("DEATH") : std::nullopt);
    for (size_t k = 0; k < s.phases.size(); ++k) {
      const PhaseEndpoints& p = s.phases[k];
      if (!p.given) continue;
      std::optional<std::string> event;
      if (p.pfs_event_kind) event = *p.pfs_event_kind == "death" ? "DEATH" : "PROGRESSION";
      row(s, kCodes[k], kParams[k], p.start, p.pfs_end_date, event);
    }
  }
  if (!out) return IoError(fmt::format("{}: writing failed", path));
  return Status();
}

}  // namespace prrt::study
