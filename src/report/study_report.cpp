#include "prrt/report/study_report.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <future>

#include "beyond_report.h"
#include "prrt/common/output_file.h"
#include "prrt/report/figures.h"
#include "prrt/report/json.h"
#include "prrt/report/report.h"
#include "prrt/report/whatif_report.h"
#include "prrt/study/beyond.h"
#include "prrt/study/headline.h"

namespace prrt::report {
namespace {

using nlohmann::json;

json HeadlineJson(const study::Headline& h) {
  return {{"n_retreatment", h.n_retreatment},
          {"n_rr", h.n_rr},
          {"n_control", h.n_control},
          {"pfs_r_median_months", JsonNumber(h.pfs_r_median_months)},
          {"pfs_rr_median_months", JsonNumber(h.pfs_rr_median_months)},
          {"os_retreatment_median_months", JsonNumber(h.os_retreatment_median_months)},
          {"os_control_median_months", JsonNumber(h.os_control_median_months)},
          {"os_logrank_p", JsonNumber(h.os_logrank_p)},
          {"orr_r_percent", JsonNumber(h.orr_r_percent)},
          {"sd_r_percent", JsonNumber(h.sd_r_percent)},
          {"dcr_r_percent", JsonNumber(h.dcr_r_percent)},
          {"haem_grade34_r_percent", JsonNumber(h.haem_grade34_r_percent)},
          {"aml_mds_percent", JsonNumber(h.aml_mds_percent)}};
}

// The headline in words, each figure with the published one: "no patients" where its group has none, "not
// reached" for a median its group's curve does not reach.
std::vector<std::pair<std::string, std::string>> HeadlineText(const study::Headline& h) {
  auto row = [&](const char* label, const std::optional<double>& v, const char* unit, int64_t n,
                 const char* paper) {
    const std::string value = n == 0 ? "no patients" : v ? fmt::format("{:.1f}{}", *v, unit) : "not reached";
    return std::pair<std::string, std::string>(label, fmt::format("{} (published: {})", value, paper));
  };
  return {
      {"Patients: retreatment / RR-PRRT / control",
       fmt::format("{} / {} / {} (published: 168 / 13 / 99)", h.n_retreatment, h.n_rr, h.n_control)},
      row("PFS after R-PRRT, median", h.pfs_r_median_months, " months", h.n_retreatment, "14.6 months"),
      row("PFS after RR-PRRT, median", h.pfs_rr_median_months, " months", h.n_rr, "14.2 months"),
      row("OS from I-PRRT, retreatment, median", h.os_retreatment_median_months, " months", h.n_retreatment,
          "80.8 months"),
      row("OS from I-PRRT, control, median", h.os_control_median_months, " months", h.n_control,
          "51.4 months"),
      {"OS log-rank p, retreatment vs control",
       h.os_logrank_p ? fmt::format("{:.3g} (published: < 0.01)", *h.os_logrank_p) : "–"},
      row("ORR after R-PRRT", h.orr_r_percent, "%", h.n_retreatment, "15.5%"),
      row("SD after R-PRRT", h.sd_r_percent, "%", h.n_retreatment, "59.5%"),
      row("DCR after R-PRRT", h.dcr_r_percent, "%", h.n_retreatment, "75.0%"),
      row("Grade III/IV haematological toxicity after R-PRRT", h.haem_grade34_r_percent, "%", h.n_retreatment,
          "6.6%"),
      row("AML/MDS, retreatment group", h.aml_mds_percent, "%", h.n_retreatment, "2.2%"),
  };
}

json TableJson(const study::StudyTable& t) {
  json rows = json::array();
  for (const study::StudyTable::Row& r : t.rows)
    rows.push_back({{"cells", r.cells}, {"published", r.published}});
  return {{"id", t.id}, {"title", t.title}, {"columns", t.columns}, {"rows", rows}, {"notes", t.notes}};
}

}  // namespace

Result<std::vector<std::string>> WriteStudyReport(const std::vector<study::SubjectEndpoints>& subjects,
                                                  const StudyReportOptions& options,
                                                  const std::string& folder) {
  namespace fs = std::filesystem;
  std::error_code error;
  fs::create_directories(folder, error);
  if (error) return IoError(fmt::format("{}: cannot create the folder: {}", folder, error.message()));
  // The analyses beyond the paper run while the tables are built (each reads the subjects only).
  const std::vector<study::BeyondSubject> analysis_set = study::BeyondAnalysisSet(subjects);
  std::future<study::BeyondResults> beyond_later =
      std::async(std::launch::async, study::AnalyseBeyond, std::cref(analysis_set));
  const study::Headline headline = study::ComputeHeadline(subjects);
  const std::vector<study::StudyTable> tables = study::BuildTables(subjects, options.tables);
  const study::BeyondResults beyond = beyond_later.get();
  Document document;
  document.title = "Salvage PRRT with [177Lu-DOTA,Tyr3]octreotate: the study's analyses of this registry";
  document.preamble = {
      fmt::format(
          "Registry: {} ({} patients). Each table shows our figures, and under them, in grey italics, the "
          "published ones (van der Zwan et al., Eur J Nucl Med Mol Imaging 2019).",
          options.source, subjects.size()),
      options.tables.median_ci == stats::QuantileRule::kSpss
          ? "Medians' 95% CIs as SPSS computes them (symmetric, median ± 1.96 SE), as the paper; the "
            "headline "
            "medians by R's print.survfit rule."
          : "Medians' 95% CIs by R's print.survfit rule with the log interval."};
  document.headline = HeadlineText(headline);
  document.tables = tables;
  const std::vector<Panel> panels = Figure3Panels(subjects, options.ci_bands);
  std::string figure3;
  for (const Panel& p : panels)
    figure3 += p.svg;
  document.figures = {
      {"figure1", "Fig. 1. Selection of the retreatment and control groups", Figure1Svg(subjects)},
      {"figure3",
       "Fig. 3. PFS after I-PRRT and OS from I-PRRT, retreatment vs control: all tumours, midgut and "
       "pancreatic NET",
       figure3}};
  document.sections_title = "Beyond the paper";
  document.sections_intro = {
      "Analyses the paper did not report, on the same registry, from one analysis data set (beyond.csv, one "
      "row "
      "per patient of the retreatment and control groups, so that every number can be checked in R)."};
  document.sections = BeyondSections(beyond, options.ci_bands);
  if (options.whatif != nullptr) document.sections.push_back(WhatIfSection(*options.whatif));
  std::vector<std::string> written;
  const fs::path out(folder);
  if (options.formats.count("json")) {
    json study = {{"headline", HeadlineJson(headline)},
                  {"patients", subjects.size()},
                  {"source", options.source},
                  {"median_ci", options.tables.median_ci == stats::QuantileRule::kSpss ? "spss" : "log"},
                  {"tables", json::array()}};
    for (const study::StudyTable& t : tables)
      study["tables"].push_back(TableJson(t));
    study["beyond_the_paper"] = BeyondJson(beyond);
    if (options.whatif != nullptr) study["beyond_the_paper"]["policy_whatif"] = WhatIfJson(*options.whatif);
    Result<std::ofstream> opened = OpenOutputFile((out / "study.json").string());
    if (!opened.ok()) return opened.status();
    std::ofstream& file = *opened;
    file << JsonText(study, 2) << '\n';
    if (!file) return IoError(fmt::format("{}: writing failed", (out / "study.json").string()));
    written.push_back((out / "study.json").string());
  }
  if (options.formats.count("html")) {
    if (Status s = WriteHtml(document, (out / "report.html").string()); !s.ok()) return s;
    written.push_back((out / "report.html").string());
  }
  if (options.formats.count("xlsx")) {
    if (Status s = WriteXlsx(document, (out / "study.xlsx").string()); !s.ok()) return s;
    written.push_back((out / "study.xlsx").string());
  }
  if (options.formats.count("html")) {  // the figures also as files, for publications
    std::vector<Panel> files = panels;
    files.push_back({"figure1", document.figures[0].svg});
    for (const Section& section : document.sections) {
      for (const Figure& f : section.figures)
        files.push_back({f.id, f.svg});
    }
    for (const Panel& p : files) {
      const fs::path path = out / (p.name + ".svg");
      Result<std::ofstream> opened = OpenOutputFile(path.string());
      if (!opened.ok()) return opened.status();
      std::ofstream& file = *opened;
      file << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" << p.svg << '\n';
      if (!file) return IoError(fmt::format("{}: writing failed", path.string()));
      written.push_back(path.string());
    }
  }
  if (options.formats.count("csv")) {
    std::vector<const study::StudyTable*> all;
    for (const study::StudyTable& t : tables)
      all.push_back(&t);
    for (const Section& section : document.sections) {
      for (const study::StudyTable& t : section.tables)
        all.push_back(&t);
    }
    for (const study::StudyTable* t : all) {
      const std::string path = (out / (t->id + ".csv")).string();
      if (Status s = WriteCsv(*t, path); !s.ok()) return s;
      written.push_back(path);
    }
    const std::string path = (out / "beyond.csv").string();
    if (Status s = study::WriteBeyondAnalysisSet(analysis_set, path); !s.ok()) return s;
    written.push_back(path);
  }
  return written;
}

}  // namespace prrt::report
