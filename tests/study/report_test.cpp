// The report's writers: HTML escapes what it shows, CSV quotes, the workbook is a real XLSX file, and
// `prrt study` writes every format it is asked for.
#include "prrt/report/report.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "report/beyond_report.h"

#include "support/json_match.h"
#include "support/scenario.h"

namespace prrt::report {
namespace {

Document Sample() {
  study::StudyTable t;
  t.id = "table9";
  t.title = "A <b>title</b> & more";
  t.columns = {"Row", "Value, with comma"};
  t.rows = {{{"ours <script>alert(1)</script>", "say \"hi\""}, false}, {{"paper", "1"}, true}};
  t.notes = {"a note"};
  Document d;
  d.title = "T";
  d.headline = {{"N", "3 & 4"}};
  d.tables = {t};
  return d;
}

TEST(Report, HtmlEscapesEverythingItShows) {
  testing::TempDir dir("report_html");
  ASSERT_TRUE(WriteHtml(Sample(), (dir.path / "r.html").string()).ok());
  const std::string html = testing::Slurp(dir.path / "r.html");
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("ours &lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("A &lt;b&gt;title&lt;/b&gt; &amp; more"), std::string::npos);
  EXPECT_NE(html.find("<tr class=\"published\">"), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);  // nothing fetched
  EXPECT_EQ(html.find("https://"), std::string::npos);
}

TEST(Report, CsvQuotesAndMarksThePublishedRows) {
  testing::TempDir dir("report_csv");
  ASSERT_TRUE(WriteCsv(Sample().tables[0], (dir.path / "t.csv").string()).ok());
  EXPECT_EQ(testing::Slurp(dir.path / "t.csv"),
            "source,Row,\"Value, with comma\"\nours,ours <script>alert(1)</script>,\"say \"\"hi\"\"\"\n"
            "published,paper,1\n");
}

TEST(Report, TheWorkbookIsAnXlsxFile) {
  testing::TempDir dir("report_xlsx");
  ASSERT_TRUE(WriteXlsx(Sample(), (dir.path / "s.xlsx").string()).ok());
  const std::string bytes = testing::Slurp(dir.path / "s.xlsx");
  ASSERT_GT(bytes.size(), 1000u);
  EXPECT_EQ(bytes.substr(0, 2), "PK");                                   // a zip container
  EXPECT_NE(bytes.find("xl/worksheets/sheet2.xml"), std::string::npos);  // Headline, then table9
}

TEST(Report, StudyCommandWritesEachFormatAndTheHeadlineContract) {
  testing::TempDir dir("report_study");
  std::string out, err;
  ASSERT_EQ(
      testing::RunPrrt({"simulate", "--patients", "300", "--seed", "3", "--out", (dir.path / "reg").string()},
                       out, err),
      0)
      << err;
  ASSERT_EQ(testing::RunPrrt({"study", "--from", (dir.path / "reg").string(), "--out",
                              (dir.path / "rep").string(), "--format", "json,csv", "--median-ci", "log"},
                             out, err),
            0)
      << err;
  EXPECT_TRUE(std::filesystem::exists(dir.path / "rep" / "table5.csv"));
  EXPECT_FALSE(std::filesystem::exists(dir.path / "rep" / "report.html"));
  const nlohmann::json study = nlohmann::json::parse(testing::Slurp(dir.path / "rep" / "study.json"));
  for (const char* field :
       {"n_retreatment", "n_rr", "n_control", "pfs_r_median_months", "pfs_rr_median_months",
        "os_retreatment_median_months", "os_control_median_months", "os_logrank_p", "orr_r_percent",
        "sd_r_percent", "dcr_r_percent", "haem_grade34_r_percent", "aml_mds_percent"}) {
    EXPECT_TRUE(study["headline"].contains(field)) << field;
  }
  EXPECT_EQ(study["median_ci"], "log");
  EXPECT_EQ(study["tables"].size(), 8u);
  // The same study from the folder read patient by patient, and from the registry it is imported into.
  const std::string db = (dir.path / "reg.db").string();
  ASSERT_EQ(testing::RunPrrt({"import", "--db", db, "--from", (dir.path / "reg").string()}, out, err), 0)
      << err;
  for (const std::vector<std::string>& source :
       {std::vector<std::string>{"--from", (dir.path / "reg").string(), "--by-patient"},
        std::vector<std::string>{"--db", db}}) {
    std::vector<std::string> command = {
        "study", "--out", (dir.path / "again").string(), "--format", "json", "--median-ci", "log"};
    command.insert(command.end(), source.begin(), source.end());
    ASSERT_EQ(testing::RunPrrt(command, out, err), 0) << err;
    nlohmann::json again = nlohmann::json::parse(testing::Slurp(dir.path / "again" / "study.json"));
    EXPECT_EQ(again["source"], source[1]);
    again["source"] = study["source"];
    EXPECT_EQ(again, study) << source[0];
  }
  EXPECT_EQ(testing::RunPrrt({"study", "--from", (dir.path / "reg").string(), "--out",
                              (dir.path / "x").string(), "--format", "pdf"},
                             out, err),
            2);
}

// The example registry's headline: P001 the retreatment group (R-PRRT's PFS 602 days, 19.8 months; alive,
// so OS's median is not reached), P002 the control group, nobody with RR-PRRT, whose median is not "not
// reached" but has no patients; the percentages of the retreatment group are of P001 alone (stable disease
// after R-PRRT, a platelet count of grade 3). A registry without patients has none in any group.
TEST(Report, TheHeadlineSaysWhereAGroupHasNoPatients) {
  testing::TempDir dir("report_headline_words");
  std::string out, err;
  ASSERT_EQ(testing::RunPrrt({"study", "--from", "tests/data/registry_example", "--out",
                              (dir.path / "example").string(), "--format", "html"},
                             out, err),
            0)
      << err;
  const std::string example = testing::Slurp(dir.path / "example" / "report.html");
  for (const char* line :
       {"<dt>PFS after R-PRRT, median</dt><dd>19.8 months (published: 14.6 months)</dd>",
        "<dt>PFS after RR-PRRT, median</dt><dd>no patients (published: 14.2 months)</dd>",
        "<dt>OS from I-PRRT, retreatment, median</dt><dd>not reached (published: 80.8 months)</dd>",
        "<dt>SD after R-PRRT</dt><dd>100.0% (published: 59.5%)</dd>",
        "<dt>Grade III/IV haematological toxicity after R-PRRT</dt><dd>100.0% (published: 6.6%)</dd>"})
    EXPECT_NE(example.find(line), std::string::npos) << line;
  std::filesystem::create_directories(dir.path / "none");
  for (const char* file :
       {"patients.csv", "cycles.csv", "events.csv", "labs.csv", "baselines.csv", "responses.csv"}) {
    const std::string text = testing::Slurp(std::filesystem::path("tests/data/registry_example") / file);
    std::ofstream(dir.path / "none" / file) << text.substr(0, text.find('\n') + 1);
  }
  ASSERT_EQ(testing::RunPrrt({"study", "--from", (dir.path / "none").string(), "--out",
                              (dir.path / "empty").string(), "--format", "html"},
                             out, err),
            0)
      << err;
  const std::string empty = testing::Slurp(dir.path / "empty" / "report.html");
  EXPECT_EQ(empty.find("not reached ("), std::string::npos);
  for (const char* line : {"<dt>PFS after R-PRRT, median</dt><dd>no patients (published: 14.6 months)</dd>",
                           "<dt>ORR after R-PRRT</dt><dd>no patients (published: 15.5%)</dd>",
                           "<dt>AML/MDS, retreatment group</dt><dd>no patients (published: 2.2%)</dd>"})
    EXPECT_NE(empty.find(line), std::string::npos) << line;
}

}  // namespace
}  // namespace prrt::report

#include "prrt/report/figures.h"

namespace prrt::report {
namespace {

// A Cox term that may be infinite (stats::CoxFit::may_be_infinite) is flagged in the JSON and its table says
// why its numbers are not to be read; a finite one has no such note.
TEST(BeyondReport, SaysWhenAHazardRatioMayBeInfinite) {
  study::BeyondResults results;
  results.naive.subjects = results.naive.rows = 12;
  results.naive.events = 5;
  results.naive.terms = {
      {"retreatment", 21.1, 2.3e4, std::exp(21.1), 0, std::numeric_limits<double>::infinity(), 0.999, true}};
  results.landmark_cox.terms = {{"retreatment", 0.2, 0.3, std::exp(0.2), 0.7, 2.2, 0.5, false}};
  const nlohmann::json out = BeyondJson(results);
  EXPECT_TRUE(out.at("naive_cox").at("terms").at(0).at("may_be_infinite").get<bool>());
  EXPECT_FALSE(out.at("landmark_relapse").at("cox").at("terms").at(0).at("may_be_infinite").get<bool>());
  const std::vector<Section> sections = BeyondSections(results, false);
  auto notes_of = [&](const std::string& id) {
    for (const Section& section : sections)
      for (const study::StudyTable& table : section.tables)
        if (table.id == id) return table.notes;
    ADD_FAILURE() << "no table " << id;
    return std::vector<std::string>();
  };
  const std::vector<std::string> naive = notes_of("beyond_naive");
  ASSERT_FALSE(naive.empty());
  EXPECT_EQ(
      naive.front(),
      "retreatment: the hazard ratio may be infinite (the log-likelihood converged before it did, as when "
      "the term separates the deaths); its estimate and CI are not to be read as numbers.");
  for (const std::string& note : notes_of("beyond_landmark_cox"))
    EXPECT_EQ(note.find("may be infinite"), std::string::npos) << note;
}

// A group without patients at the landmark (a small registry: nobody retreated) has no median, where one with
// patients may have a median not reached; the table says which.
TEST(BeyondReport, ShowsTheMedianOfAGroupWithoutPatientsAsADash) {
  study::BeyondResults results;
  results.landmark = {{"control", 2, 0, {}}, {"retreatment", 0, 0, {}}};
  bool found = false;
  for (const Section& section : BeyondSections(results, false)) {
    for (const study::StudyTable& table : section.tables) {
      if (table.id != "beyond_landmark") continue;
      found = true;
      ASSERT_EQ(table.rows.size(), 2u);
      EXPECT_EQ(table.rows[0].cells,
                (std::vector<std::string>{"control", "2", "0", "not reached", "not reached–not reached"}));
      EXPECT_EQ(table.rows[1].cells, (std::vector<std::string>{"retreatment", "0", "0", "–", "–"}));
    }
  }
  EXPECT_TRUE(found);
}

TEST(BeyondReport, ShowsAnAliasedTermAsNotEstimated) {
  study::BeyondResults results;
  results.adjusted.subjects = results.adjusted.rows = 40;
  results.adjusted.events = 20;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  results.adjusted.terms = {{"retreatment", 0.2, 0.3, std::exp(0.2), 0.7, 2.2, 0.5, false, false},
                            {"age", nan, nan, nan, nan, nan, nan, false, true}};
  const nlohmann::json out = BeyondJson(results);
  const nlohmann::json& age = out.at("adjusted_cox").at("terms").at(1);
  EXPECT_TRUE(age.at("aliased").get<bool>());
  EXPECT_TRUE(age.at("hr").is_null());
  EXPECT_FALSE(out.at("adjusted_cox").at("terms").at(0).at("aliased").get<bool>());
  for (const Section& section : BeyondSections(results, false)) {
    for (const study::StudyTable& table : section.tables) {
      if (table.id != "beyond_adjusted") continue;
      ASSERT_EQ(table.rows.size(), 2u);
      EXPECT_EQ(table.rows[1].cells, (std::vector<std::string>{"age", "–", "–", "–"}));
      ASSERT_FALSE(table.notes.empty());
      EXPECT_EQ(table.notes.front(),
                "age: not estimated — a linear combination of the terms before it, or without variation "
                "among the patients at risk at the deaths (R's coxph gives NA).");
      return;
    }
  }
  ADD_FAILURE() << "no table beyond_adjusted";
}

// A proportional-hazards test that is not computed (stats::TestProportionalHazards on a singular
// information) shows as a dash with a note saying why, and as null in the JSON; not "nan".
TEST(BeyondReport, ShowsAProportionalHazardsTestNotComputedAsADash) {
  study::BeyondResults results;
  results.adjusted.subjects = results.adjusted.rows = 5;
  results.adjusted.events = 3;
  results.adjusted.terms = {{"retreatment", 0.2, 0.3, std::exp(0.2), 0.7, 2.2, 0.5, false, false}};
  const double nan = std::numeric_limits<double>::quiet_NaN();
  results.adjusted.zph = stats::ZphResult{{{nan, 1, nan}}, {nan, 1, nan}, {}, {}, {}};
  results.adjusted.zph_terms = {"retreatment"};
  EXPECT_TRUE(BeyondJson(results).at("adjusted_cox").at("zph").at("global").at("chisq").is_null());
  for (const Section& section : BeyondSections(results, false)) {
    for (const study::StudyTable& table : section.tables) {
      if (table.id != "beyond_zph") continue;
      ASSERT_EQ(table.rows.size(), 2u);
      EXPECT_EQ(table.rows[0].cells, (std::vector<std::string>{"retreatment", "–", "1", "–"}));
      EXPECT_EQ(table.rows[1].cells, (std::vector<std::string>{"GLOBAL", "–", "1", "–"}));
      ASSERT_EQ(table.notes.size(), 1u);
      EXPECT_NE(table.notes[0].find("not computed, its information being singular"), std::string::npos);
      return;
    }
  }
  ADD_FAILURE() << "no table beyond_zph";
}

TEST(Figures, KaplanMeierPanelDrawsStepsCensorMarksAndNumbersAtRisk) {
  // Times 6 (event), 12 (censored), 18 (event), 30 (event): S = 3/4 at 6, 3/4 × 1/2 = 3/8 at 18, 0 at 30.
  const std::vector<double> time{6, 12, 18, 30};
  const std::vector<int8_t> event{1, 0, 1, 1};
  const std::vector<int32_t> group(4, 0);
  Result<std::vector<stats::KmCurve>> km = stats::KaplanMeier({time, event, group}, 1, stats::KmOptions{});
  ASSERT_TRUE(km.ok());
  KmPlot plot;
  plot.title = "PFS <all>";
  plot.x_step = 12;
  plot.logrank_p = 0.0001;
  plot.series = {{"Retreatment", "#123456", (*km)[0]}};
  const std::string svg = KaplanMeierSvg(plot);
  // x from 0 to 36 months over 480 - 92 - 16 = 372 units: x(t) = 92 + 372 t / 36; y(S) = 34 + 230 (1 - S).
  // The step to 3/4 at 6 months: H 154 V 91.50.
  EXPECT_NE(svg.find("M92.00 34.00H154.00V91.50"), std::string::npos) << svg;
  EXPECT_NE(svg.find("H278.00V177.75"), std::string::npos);  // 3/8 at 18 months: x = 92 + 372 / 2
  EXPECT_NE(svg.find("H402.00V264.00"), std::string::npos);  // 0 at 30 months: 92 + 372 * 5 / 6
  // One censor mark, at 12 months on S = 3/4: x = 92 + 124 = 216, from y = 91.50 - 3.5.
  EXPECT_NE(svg.find("class=\"censor\" d=\"M216.00 88.00v7\""), std::string::npos);
  // The label of the numbers at risk, "Retreatment" from x = 4, ends left of a three-digit number centred
  // under time 0 (the panels of Fig. 3 have 170 at risk there). DejaVu Sans's advance widths in em: R 0.695,
  // e 0.615 (3), t 0.392 (3), r 0.411, a 0.613, m 0.974, n 0.634: 6.348 em, 63.5 at the label's size 10;
  // a digit 0.636 em, three 21.0 at the numbers' size 11.
  EXPECT_NE(svg.find("<text x=\"4\" y=\"330.00\" fill=\"#123456\" font-size=\"10\">Retreatment</text>"),
            std::string::npos);
  const size_t first_number = svg.find("x=\"", svg.find("class=\"at-risk\"")) + 3;
  EXPECT_LT(4 + 63.5, std::stod(svg.substr(first_number)) - 21.0 / 2);
  // At risk at 0, 12, 24, 36 months: 4, 3 (the censored one at 12 is still at risk), 1, 0.
  size_t pos = 0;
  std::vector<std::string> risk;
  while ((pos = svg.find("class=\"at-risk\"", pos)) != std::string::npos) {
    const size_t open = svg.find('>', pos) + 1;
    risk.push_back(svg.substr(open, svg.find('<', open) - open));
    pos = open;
  }
  EXPECT_EQ(risk, (std::vector<std::string>{"4", "3", "1", "0"}));
  EXPECT_NE(svg.find("PFS &lt;all&gt;"), std::string::npos);
  EXPECT_NE(svg.find("log-rank p &lt; 0.001"), std::string::npos);
}

}  // namespace
}  // namespace prrt::report
