// prrt/report/whatif_report.h — `prrt whatif`'s output: the scenarios as JSON, a CSV table, and a
// self-contained HTML page with the table and plots, all labelled as model results.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "prrt/common/result.h"
#include "prrt/report/report.h"
#include "prrt/sim/simulator.h"
#include "prrt/study/whatif.h"

namespace prrt::report {

struct WhatIfReport {
  const sim::Model* model = nullptr;
  study::WhatIfOptions options;
  std::vector<study::ScenarioResult> results;
};

nlohmann::json WhatIfJson(const WhatIfReport& report);

//! The scenarios as a report section: why, the table, the plots.
Section WhatIfSection(const WhatIfReport& report);

//! Writes whatif.json, whatif.csv and whatif.html into `folder` (created); returns the paths.
Result<std::vector<std::string>> WriteWhatIfReport(const WhatIfReport& report, const std::string& folder);

}  // namespace prrt::report
