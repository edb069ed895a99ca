#include "prrt/report/whatif_report.h"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "prrt/common/output_file.h"
#include "prrt/report/figures.h"
#include "prrt/report/json.h"

namespace prrt::report {
namespace {

using nlohmann::json;

constexpr const char* kLabel =
    "Model results: each scenario changes the simulator's policy and re-runs the calibrated model; they show "
    "what "
    "the model's assumptions imply, not what PRRT would do.";

// The outcomes of a scenario, in table order: JSON key, column title, digits.
struct Outcome {
  const char* key;
  const char* title;
  int digits;
  study::Spread study::ScenarioResult::*field;
};
constexpr Outcome kOutcomes[] = {
    {"eligible", "Eligible for R-PRRT", 0, &study::ScenarioResult::eligible},
    {"retreated", "Retreated", 0, &study::ScenarioResult::retreated},
    {"pfs_r_median_months", "PFS after R-PRRT, median (months)", 1,
     &study::ScenarioResult::pfs_r_median_months},
    {"os_all_median_months", "OS of all patients from I-PRRT, median (months)", 1,
     &study::ScenarioResult::os_all_median_months},
    {"os_retreated_median_months", "OS of the retreated, median (months)", 1,
     &study::ScenarioResult::os_retreated_median_months},
    {"haem_grade34_r_percent", "Grade 3/4 haematological toxicity after R-PRRT (%)", 1,
     &study::ScenarioResult::haem_grade34_r_percent},
    {"aml_mds_percent", "AML/MDS in the retreated (%)", 1, &study::ScenarioResult::aml_mds_percent},
};

std::string Cell(const study::Spread& s, int digits) {
  if (s.replicates == 0) return "–";
  return fmt::format("{:.{}f} ({:.{}f}–{:.{}f})", s.mean, digits, s.lower, digits, s.upper, digits);
}

study::StudyTable Table(const WhatIfReport& report) {
  study::StudyTable table;
  table.id = "whatif";
  table.title = "Policy what-ifs (model results): mean and 95% range over the replicates";
  table.columns = {"PFS threshold (months)", "Salvage cycles"};
  for (const Outcome& o : kOutcomes)
    table.columns.push_back(o.title);
  for (const study::ScenarioResult& r : report.results) {
    study::StudyTable::Row row;
    row.cells = {fmt::format("{:g}", r.scenario.min_pfs_months), std::to_string(r.scenario.cycles)};
    for (const Outcome& o : kOutcomes)
      row.cells.push_back(Cell(r.*(o.field), o.digits));
    table.rows.push_back(std::move(row));
  }
  table.notes = {
      kLabel,
      fmt::format("{} replicates of {} patients each; replicate k uses seed {} + k in every scenario, so "
                  "the scenarios differ by the policy, not by chance.",
                  report.options.replicates, report.options.patients, report.options.seed),
      fmt::format("Assumptions for other than 2 salvage cycles (unverified): PFS median × (cycles/2)^{:g}; "
                  "grade 3/4 risk 1 − (1 − p)^(cycles/2); AML/MDS risk × cycles/2. The model assumes the "
                  "response to R-PRRT does not depend on how long I-PRRT controlled the disease.",
                  report.model->pfs_cycle_exponent)};
  return table;
}

std::string Plot(const WhatIfReport& report, const char* title, study::Spread study::ScenarioResult::*field,
                 const char* y_label) {
  ScenarioPlot plot;
  plot.title = title;
  plot.x_label = "PFS threshold for R-PRRT (months)";
  plot.y_label = y_label;
  static const char* kColours[] = {"#1f5fa8", "#c0392b", "#2e8b57", "#8e44ad"};
  for (size_t c = 0; c < report.options.cycles.size(); ++c) {
    ScenarioSeries series{fmt::format("{} cycles", report.options.cycles[c]), kColours[c % 4], {}};
    for (const study::ScenarioResult& r : report.results) {
      if (r.scenario.cycles != report.options.cycles[c]) continue;
      const study::Spread& s = r.*field;
      series.points.push_back({r.scenario.min_pfs_months, s.mean, s.lower, s.upper});
    }
    plot.series.push_back(std::move(series));
  }
  return ScenarioPlotSvg(plot);
}

}  // namespace

json WhatIfJson(const WhatIfReport& report) {
  json scenarios = json::array();
  for (const study::ScenarioResult& r : report.results) {
    json scenario = {{"min_pfs_months", r.scenario.min_pfs_months}, {"cycles", r.scenario.cycles}};
    for (const Outcome& o : kOutcomes) {
      const study::Spread& s = r.*(o.field);
      scenario[o.key] = {{"mean", JsonNumber(s.mean)},
                         {"lower", JsonNumber(s.lower)},
                         {"upper", JsonNumber(s.upper)},
                         {"replicates", s.replicates}};
    }
    scenarios.push_back(std::move(scenario));
  }
  return {{"label", kLabel},
          {"model", fmt::format("{} {}", report.model->name, report.model->version)},
          {"patients", report.options.patients},
          {"replicates", report.options.replicates},
          {"seed", report.options.seed},
          {"assumptions", {{"pfs_cycle_exponent", report.model->pfs_cycle_exponent}}},
          {"scenarios", std::move(scenarios)}};
}

Section WhatIfSection(const WhatIfReport& report) {
  Section section{"whatif", "Policy what-ifs on the simulator (model results)", {}, {Table(report)}, {}};
  section.paragraphs = {
      "The protocol retreats patients whose disease stayed controlled for at least 18 months after I-PRRT, "
      "with "
      "two cycles. What if the threshold were 12 or 24 months, or salvage gave four cycles? No trial answers "
      "this; the simulator can show what its calibrated model implies: how many patients would become "
      "eligible, "
      "and what would happen to PFS, survival and toxicity. The spread comes from repeating each scenario.",
      kLabel};
  section.figures = {
      {"figure-whatif-eligible", "Patients eligible for R-PRRT by policy (model results)",
       Plot(report, "Eligible for R-PRRT", &study::ScenarioResult::eligible, "Patients")},
      {"figure-whatif-os", "Median OS of every patient from I-PRRT by policy (model results)",
       Plot(report, "OS of all patients, median", &study::ScenarioResult::os_all_median_months, "Months")},
      {"figure-whatif-toxicity", "Grade 3/4 haematological toxicity after R-PRRT by policy (model results)",
       Plot(report, "Grade 3/4 toxicity after R-PRRT", &study::ScenarioResult::haem_grade34_r_percent, "%")}};
  return section;
}

Result<std::vector<std::string>> WriteWhatIfReport(const WhatIfReport& report, const std::string& folder) {
  namespace fs = std::filesystem;
  std::error_code error;
  fs::create_directories(folder, error);
  if (error) return IoError(fmt::format("{}: cannot create the folder: {}", folder, error.message()));
  const fs::path out(folder);
  std::vector<std::string> written;
  {
    const fs::path path = out / "whatif.json";
    Result<std::ofstream> opened = OpenOutputFile(path.string());
    if (!opened.ok()) return opened.status();
    std::ofstream& file = *opened;
    file << JsonText(WhatIfJson(report), 2) << '\n';
    if (!file) return IoError(fmt::format("{}: writing failed", path.string()));
    written.push_back(path.string());
  }
  const Section section = WhatIfSection(report);
  if (Status s = WriteCsv(section.tables[0], (out / "whatif.csv").string()); !s.ok()) return s;
  written.push_back((out / "whatif.csv").string());
  Document document;
  document.title = "Salvage PRRT: policy what-ifs on the calibrated simulator";
  document.preamble = {fmt::format("Model {} {}: {} scenarios.", report.model->name, report.model->version,
                                   report.results.size())};
  document.sections = {section};
  if (Status s = WriteHtml(document, (out / "whatif.html").string()); !s.ok()) return s;
  written.push_back((out / "whatif.html").string());
  return written;
}

}  // namespace prrt::report
