// The study's survival statistics against R: survfit and survdiff run by tests/r/make_study_goldens.R on the
// ADaM ADTTE export of a simulated registry (1,500 patients, seed 42), committed as
// tests/data/study_adtte.csv.
#include <gtest/gtest.h>

#include "prrt/report/study_report.h"
#include "prrt/sim/simulator.h"
#include "prrt/study/adtte.h"
#include "prrt/study/beyond.h"
#include "prrt/study/headline.h"
#include "support/json_match.h"
#include "support/scenario.h"

namespace prrt::study {
namespace {

struct StudyData {
  std::vector<SubjectEndpoints> subjects;
  nlohmann::json golden;
};

const StudyData& Data() {
  static const StudyData data = [] {
    testing::TempDir dir("study_golden");
    EXPECT_TRUE(
        sim::SimulateRegistry(sim::CalibratedModel(), 1500, 42, (dir.path / "registry").string()).ok());
    registry::Problems problems;
    Result<registry::Interchange> registry = registry::ReadInterchange(
        (dir.path / "registry").string(), *registry::ParseDay("2026-11-27"), problems);
    EXPECT_TRUE(registry.ok());
    return StudyData{DeriveEndpoints(std::move(*registry)),
                     nlohmann::json::parse(testing::ReadSourceFile("tests/golden/study.json"))};
  }();
  return data;
}

// The cohort's endpoints as R read them: one (months, event) list per parameter and cohort.
void Arrays(const std::string& param, const std::string& cohort, std::vector<double>& months,
            std::vector<int8_t>& events) {
  for (const SubjectEndpoints& s : Data().subjects) {
    if (cohort != "all" && ToString(s.group) != cohort) continue;
    if (param == "OS") {
      if (!s.os_months) continue;
      months.push_back(*s.os_months);
      events.push_back(s.os_event);
      continue;
    }
    const PhaseEndpoints& p = s.phases[param == "PFSI" ? 0 : param == "PFSR" ? 1 : 2];
    if (!p.given) continue;
    months.push_back(p.pfs_months);
    events.push_back(p.pfs_event);
  }
}

TEST(StudyGolden, TheAdtteExportIsTheOneRRead) {
  testing::TempDir dir("study_adtte");
  ASSERT_TRUE(WriteAdtte(Data().subjects, (dir.path / "adtte.csv").string()).ok());
  EXPECT_TRUE(testing::Slurp(dir.path / "adtte.csv") == testing::ReadSourceFile("tests/data/study_adtte.csv"))
      << "the derivation changed: regenerate tests/data/study_adtte.csv and tests/golden/study.json (see "
         "tests/r/make_study_goldens.R)";
}

TEST(StudyGolden, TheRegistryReadInPartsGivesTheSameExport) {
  // The same registry in SQLite: read in parts on every core, its endpoints come back in the same places.
  testing::TempDir dir("study_adtte_db");
  const std::string db = (dir.path / "r.db").string();
  std::string out, err;
  ASSERT_EQ(testing::RunPrrt({"simulate", "--patients", "1500", "--seed", "42", "--db", db}, out, err), 0)
      << err;
  ASSERT_EQ(testing::RunPrrt({"export", "--adtte", "--db", db, "--to", (dir.path / "adtte.csv").string()},
                             out, err),
            0)
      << err;
  EXPECT_TRUE(testing::Slurp(dir.path / "adtte.csv") ==
              testing::ReadSourceFile("tests/data/study_adtte.csv"));
}

TEST(StudyGolden, MediansAndLogCiAsPrintSurvfit) {
  for (const nlohmann::json& g : Data().golden["medians"]) {
    std::vector<double> months;
    std::vector<int8_t> events;
    Arrays(g["param"], g["cohort"], months, events);
    SCOPED_TRACE(g["param"].get<std::string>() + " " + g["cohort"].get<std::string>());
    EXPECT_EQ(static_cast<int>(months.size()), g["n"].get<int>());
    const stats::QuantileEstimate m = MedianMonths(months, events);
    const nlohmann::json ours = {
        {"median", m.estimate ? nlohmann::json(*m.estimate) : nlohmann::json(nullptr)},
        {"lower", m.lower ? nlohmann::json(*m.lower) : nlohmann::json(nullptr)},
        {"upper", m.upper ? nlohmann::json(*m.upper) : nlohmann::json(nullptr)}};
    const nlohmann::json expected = {{"median", g["median"]}, {"lower", g["lower"]}, {"upper", g["upper"]}};
    EXPECT_TRUE(testing::JsonDifferences(expected, ours, 1e-9).empty())
        << ::testing::PrintToString(testing::JsonDifferences(expected, ours, 1e-9));
  }
}

TEST(StudyGolden, HeadlineMediansAndLogRankAgreeWithR) {
  const Headline h = ComputeHeadline(Data().subjects);
  const nlohmann::json& g = Data().golden;
  EXPECT_NEAR(*h.pfs_r_median_months, g["medians"][0]["median"].get<double>(), 1e-9);
  EXPECT_NEAR(*h.pfs_rr_median_months, g["medians"][1]["median"].get<double>(), 1e-9);
  EXPECT_NEAR(*h.os_retreatment_median_months, g["medians"][2]["median"].get<double>(), 1e-9);
  EXPECT_NEAR(*h.os_control_median_months, g["medians"][3]["median"].get<double>(), 1e-9);
  const double p = g["logrank"][0]["p"].get<double>();
  EXPECT_NEAR(*h.os_logrank_p, p, 1e-9 * p);
}

TEST(StudyGolden, TheBeyondAnalysisSetIsTheOneRRead) {
  testing::TempDir dir("study_beyond_set");
  ASSERT_TRUE(
      WriteBeyondAnalysisSet(BeyondAnalysisSet(Data().subjects), (dir.path / "beyond.csv").string()).ok());
  EXPECT_TRUE(testing::Slurp(dir.path / "beyond.csv") ==
              testing::ReadSourceFile("tests/data/study_beyond.csv"))
      << "the derivation changed: regenerate tests/data/study_beyond.csv (prrt study writes it as "
         "beyond.csv) and "
         "tests/golden/study_beyond.json (tests/r/make_study_goldens.R)";
}

// Every number of study.json's "beyond_the_paper" against R (survival's coxph, survfit, survdiff, cox.zph and
// cmprsk's cuminc on the analysis data set).
TEST(StudyGolden, BeyondThePaperAgreesWithR) {
  testing::TempDir dir("study_beyond");
  report::StudyReportOptions options;
  options.formats = {"json"};
  ASSERT_TRUE(report::WriteStudyReport(Data().subjects, options, dir.path.string()).ok());
  const nlohmann::json study = nlohmann::json::parse(testing::Slurp(dir.path / "study.json"));
  const nlohmann::json expected =
      nlohmann::json::parse(testing::ReadSourceFile("tests/golden/study_beyond.json"));
  const std::vector<std::string> differences =
      testing::JsonDifferences(expected, study.at("beyond_the_paper"), 1e-6);
  EXPECT_TRUE(differences.empty()) << ::testing::PrintToString(differences);
}

}  // namespace
}  // namespace prrt::study
