// prrt/report/study_report.h — `prrt study`'s output: the headline, Tables 1–7 and the figures of the
// salvage-PRRT study computed from the endpoints, written as study.json, report.html, study.xlsx and a CSV
// file per table.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "prrt/common/result.h"
#include "prrt/study/endpoints.h"
#include "prrt/study/tables.h"

namespace prrt::report {

struct WhatIfReport;

struct StudyReportOptions {
  std::set<std::string> formats{"html", "json", "xlsx", "csv"};
  study::TableOptions tables;
  std::string source;     //!< where the registry came from, for the report's preamble
  bool ci_bands = false;  //!< 95% CI bands around the Kaplan–Meier curves of Fig. 3
  //! Policy what-ifs on the simulator to add to "Beyond the paper" (the demo does; a real registry has none).
  const WhatIfReport* whatif = nullptr;
};

//! Writes the report into `folder` (created); returns the paths written.
Result<std::vector<std::string>> WriteStudyReport(const std::vector<study::SubjectEndpoints>& subjects,
                                                  const StudyReportOptions& options,
                                                  const std::string& folder);

}  // namespace prrt::report
