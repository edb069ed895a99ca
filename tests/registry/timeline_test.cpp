// `prrt patient` on the example registry, derived by hand from tests/data/registry_example:
// P001 I-PRRT 2005-02-14 (4 cycles, 7.4 + 7.4 + 7.4 + 7.3 = 29.5 GBq), progression 2008-03-01:
//   1095 + 16 = 1111 days = 36.501 months; best response PR (2005-11-20).
// R-PRRT 2008-06-23 (7.4 + 3.7 = 11.1 GBq; cumulative 40.6), progression 2010-02-15: 365 + 237 = 602 days =
//   19.778 months; best response SD (2008-11-30). OS censored at 2016-11-30: 4307 days = 141.503 months.
// Labs: Hb 7.4 mmol/L with LLN 7.5: grade 1; platelets 140 with LLN 150: grade 1; 48: grade 3 (50 > x >= 25).
// Work-ups: I on 2005-02-01 (Krenning 3, Karnofsky 90), R on 2008-06-10 (3, 80).
// P002 died 2014-05-20: OS from 2006-04-10, 2962 days = 97.314 months, an event; I-PRRT PFS to the
//   progression 2008-01-10: 640 days = 21.027 months.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/json_match.h"
#include "support/scenario.h"

namespace prrt::testing {
namespace {

namespace fs = std::filesystem;

class PatientTimeline : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = (dir_.path / "registry.db").string();
    std::string out, err;
    ASSERT_EQ(
        RunPrrt({"import", "--db", db_, "--from", "tests/data/registry_example", "--today", "2026-11-27"},
                out, err),
        0)
        << err;
  }
  TempDir dir_{"timeline"};
  nlohmann::json Timeline(const std::string& id) {
    std::string out, err;
    EXPECT_EQ(RunPrrt({"patient", "--db", db_, id, "--json"}, out, err), 0) << err;
    return nlohmann::json::parse(out);
  }
  std::string db_;
};

TEST_F(PatientTimeline, PhasesPfsOsAndGradesByHand) {
  const nlohmann::json expected = nlohmann::json::parse(R"({
    "patient_id": "P001", "cumulative_activity_gbq": 40.6, "os_months": 141.50308008213553, "os_event": false,
    "phases": [
      {"phase": "I", "start": "2005-02-14", "activity_gbq": 29.5, "best_response": "pr",
       "best_response_source": "responses.csv",
       "progression_date": "2008-03-01", "pfs_months": 36.50102669404517, "pfs_event": true},
      {"phase": "R", "start": "2008-06-23", "activity_gbq": 11.1, "best_response": "sd",
       "best_response_source": "responses.csv",
       "progression_date": "2010-02-15", "pfs_months": 19.77823408624230, "pfs_event": true}],
    "labs": [{"test": "hb", "ctcae_grade": 1, "ctcae_version": "3.0"},
             {"test": "platelets", "ctcae_grade": 1},
             {"test": "platelets", "ctcae_grade": 3}],
    "work_ups": [{"phase": "I", "date": "2005-02-01", "krenning_score": "3", "karnofsky": "90"},
                 {"phase": "R", "date": "2008-06-10", "krenning_score": "3", "karnofsky": "80"}]
  })");
  std::vector<std::string> diffs = JsonDifferences(expected, Timeline("P001"), 1e-12);
  std::string report;
  for (const std::string& d : diffs)
    report += d + "\n";
  EXPECT_TRUE(diffs.empty()) << report;
}

TEST_F(PatientTimeline, DeathEndsOsAndUnknownPatientIsAnError) {
  const nlohmann::json p2 = Timeline("P002");
  EXPECT_NEAR(p2["os_months"].get<double>(), 2962 / 30.4375, 1e-12);
  EXPECT_TRUE(p2["os_event"].get<bool>());
  EXPECT_NEAR(p2["phases"][0]["pfs_months"].get<double>(), 640 / 30.4375, 1e-12);
  // No such patient, and no id at all (not every patient).
  for (const std::string id : {"P404", ""})
    EXPECT_TRUE(Refused({"patient", "--db", db_, id}, fmt::format("no patient '{}' in the registry", id)));
  // An id with an escape sequence is shown escaped: it does not colour the terminal of whoever mistyped it.
  EXPECT_TRUE(Refused({"patient", "--db", db_, "P\x1B[31m"}, "no patient 'P\\x1B[31m' in the registry"));
}

// The text view: every recorded row of the example's P001 and P002 (their CSV lines, in date order), with the
// figures by hand above (PFS 36.501, 19.778 and 21.027 months; OS 141.503 and 97.314, one decimal).
TEST_F(PatientTimeline, TheTextShowsEveryRowRecordedAndTheFiguresByHand) {
  std::string out, err;
  ASSERT_EQ(RunPrrt({"patient", "--db", db_, "P001"}, out, err), 0) << err;
  EXPECT_EQ(out,
            "P001 (f, born 1950-03-14, midgut NET)\n"
            "  I-PRRT from 2005-02-14: 4 cycles, 29.5 GBq; best response pr; PFS 36.5 months (progression "
            "2008-03-01, recist)\n"
            "    cycles: 2005-02-14 7.4 GBq, 2005-04-18 7.4 GBq, 2005-06-20 7.4 GBq, 2005-08-22 7.3 GBq\n"
            "  R-PRRT from 2008-06-23: 2 cycles, 11.1 GBq; best response sd; PFS 19.8 months (progression "
            "2010-02-15, recist)\n"
            "    cycles: 2008-06-23 7.4 GBq, 2008-08-25 3.7 GBq\n"
            "  cumulative activity 40.6 GBq; OS 141.5 months (censored at the last contact 2016-11-30)\n"
            "  work-ups:\n"
            "    I-PRRT 2005-02-01: Krenning score 3, Karnofsky 90, extent moderate, progression by recist\n"
            "    R-PRRT 2008-06-10: Krenning score 3, Karnofsky 80, extent moderate, progression by recist\n"
            "  responses:\n"
            "    2005-11-20 pr (recist)\n"
            "    2008-11-30 sd (recist)\n"
            "  events:\n"
            "    2008-03-01 progression (recist)\n"
            "    2010-02-15 progression (recist)\n"
            "  labs:\n"
            "    2005-03-15 hb 7.4 mmol/l: CTCAE grade 1\n"
            "    2005-03-15 platelets 140 10^9/l: CTCAE grade 1\n"
            "    2008-07-21 platelets 48 10^9/l: CTCAE grade 3\n");
  ASSERT_EQ(RunPrrt({"patient", "--db", db_, "P002"}, out, err), 0) << err;
  EXPECT_NE(out.find("  I-PRRT from 2006-04-10: 4 cycles, 29.6 GBq; best response sd; PFS 21.0 months "
                     "(progression 2008-01-10, octreoscan)\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("  cumulative activity 29.6 GBq; OS 97.3 months (died 2014-05-20)\n"), std::string::npos)
      << out;
}

// A note typed over two lines (a quoted field, as a spreadsheet writes a cell with a line break) and one with
// an escape sequence are kept as typed (the JSON, an export) but shown on their row's line, escaped: the
// newline as \n, the escape character as \x1B, which would otherwise have turned the terminal's text red.
TEST(PatientTimelineNotes, ANoteOverSeveralLinesIsShownOnItsRowsLine) {
  TempDir dir("timeline_note_lines");
  fs::copy("tests/data/registry_example", dir.path / "registry");
  std::ofstream(dir.path / "registry" / "events.csv")
      << "patient_id,date,event,method,x_note\n"
         "P001,2008-03-01,progression,recist,\"liver\nand bone\"\n"
         "P001,2010-02-15,progression,recist,\x1B[31mnew\n";
  const std::string db = (dir.path / "registry.db").string();
  std::string out, err;
  ASSERT_EQ(RunPrrt({"import", "--db", db, "--from", (dir.path / "registry").string()}, out, err), 0) << err;
  ASSERT_EQ(RunPrrt({"patient", "--db", db, "P001"}, out, err), 0) << err;
  EXPECT_NE(out.find("  events:\n"
                     "    2008-03-01 progression (recist) — liver\\nand bone\n"
                     "    2010-02-15 progression (recist) — \\x1B[31mnew\n"
                     "  labs:\n"),
            std::string::npos)
      << out;
  ASSERT_EQ(RunPrrt({"patient", "--db", db, "P001", "--json"}, out, err), 0) << err;
  const nlohmann::json events = nlohmann::json::parse(out)["events"];
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["x_note"], "liver\nand bone");
  EXPECT_EQ(events[1]["x_note"], "\x1B[31mnew");
}

TEST(PatientTimelineLabs, ATestWithoutACtcaeGradeIsSaidSoNotCalledAnError) {
  // The example with a chromogranin A result for P002 (a tumour marker: CTCAE grades none).
  TempDir dir("timeline_cga");
  fs::copy("tests/data/registry_example", dir.path / "registry");
  std::ofstream(dir.path / "registry" / "labs.csv", std::ios::app) << "P002,2006-05-08,cga,350,ug/l,,\n";
  const std::string db = (dir.path / "registry.db").string();
  std::string out, err;
  ASSERT_EQ(RunPrrt({"import", "--db", db, "--from", (dir.path / "registry").string()}, out, err), 0) << err;
  ASSERT_EQ(RunPrrt({"patient", "--db", db, "P002", "--json"}, out, err), 0) << err;
  const nlohmann::json labs = nlohmann::json::parse(out)["labs"];
  ASSERT_EQ(labs.size(), 2u);
  EXPECT_EQ(labs[1]["test"], "cga");
  EXPECT_TRUE(labs[1]["ctcae_grade"].is_null());
  EXPECT_EQ(labs[1]["ctcae_note"], "CTCAE v3.0 has no grade for cga here");
}

// lesions.csv: where a date has measurements, its response is computed from them (RECIST 1.1), in place of a
// recorded RECIST response of that date, each phase against its own baseline. P001 of the example (I-PRRT
// from 2005-02-14, progression 2008-03-01; R-PRRT from 2008-06-23, progression 2010-02-15; recorded: PR on
// 2005-11-20, SD on 2008-11-30), by hand, L1 a liver target, N1 a nodal target, B1 a bone non-target:
//   I baseline 2005-02-01: 40 + 20 = 60 mm (PR at <= 0.7 x 60 = 42 mm).
//   2005-11-20: 28 + 17 = 45 mm: SD (not <= 42; not >= 1.2 x nadir 60); B1 present: non-CR/non-PD -> SD,
//     replacing the recorded PR.
//   2006-05-01: 20 + 9 = 29 mm <= 42: PR (L1 not 0, so not CR) -> PR.
//   2008-02-20: 30 + 12 = 42 mm >= 1.2 x nadir 29 = 34.8 and 13 mm above it: PD; X1 new as well -> PD.
//   R baseline 2008-06-10 (the last on or before 2008-06-23; X1 now a target): 32 + 12 + 10 = 54 mm (PR at
//     <= 37.8). It is not a time point of I-PRRT: it is measured with R-PRRT's roles.
//   2008-11-30: 30 + 11 + 9 = 50 mm: SD (replacing the recorded SD).
//   2009-06-01: 20 + 8 + 6 = 34 mm <= 37.8: PR; B1 absent: non-target CR -> PR.
// Best responses: I-PRRT PR (2006-05-01, before its progression); R-PRRT PR (was SD from responses.csv).
// The example registry in `folder`, with P001's measurements above.
void WriteLesionRegistry(const fs::path& folder) {
  fs::copy("tests/data/registry_example", folder);
  std::ofstream(folder / "lesions.csv")
      << "patient_id,date,lesion_id,organ,role,lymph_node,diameter_mm,status\n"
         "P001,2005-02-01,L1,liver,target,no,40,\nP001,2005-02-01,N1,lymph node,target,yes,20,\n"
         "P001,2005-02-01,B1,bone,non_target,no,,present\n"
         "P001,2005-11-20,L1,liver,target,no,28,\nP001,2005-11-20,N1,lymph node,target,yes,17,\n"
         "P001,2005-11-20,B1,bone,non_target,no,,present\n"
         "P001,2006-05-01,L1,liver,target,no,20,\nP001,2006-05-01,N1,lymph node,target,yes,9,\n"
         "P001,2006-05-01,B1,bone,non_target,no,,present\n"
         "P001,2008-02-20,L1,liver,target,no,30,\nP001,2008-02-20,N1,lymph node,target,yes,12,\n"
         "P001,2008-02-20,B1,bone,non_target,no,,present\nP001,2008-02-20,X1,liver,new,no,8,\n"
         "P001,2008-06-10,L1,liver,target,no,32,\nP001,2008-06-10,N1,lymph node,target,yes,12,\n"
         "P001,2008-06-10,X1,liver,target,no,10,\nP001,2008-06-10,B1,bone,non_target,no,,present\n"
         "P001,2008-11-30,L1,liver,target,no,30,\nP001,2008-11-30,N1,lymph node,target,yes,11,\n"
         "P001,2008-11-30,X1,liver,target,no,9,\nP001,2008-11-30,B1,bone,non_target,no,,present\n"
         "P001,2009-06-01,L1,liver,target,no,20,\nP001,2009-06-01,N1,lymph node,target,yes,8,\n"
         "P001,2009-06-01,X1,liver,target,no,6,\nP001,2009-06-01,B1,bone,non_target,no,,absent\n";
}

TEST(PatientTimelineLesions, ResponsesAreComputedFromLesionsPhaseByPhase) {
  TempDir dir("timeline_lesions");
  WriteLesionRegistry(dir.path / "registry");
  const std::string db = (dir.path / "registry.db").string();
  std::string out, err;
  ASSERT_EQ(RunPrrt({"import", "--db", db, "--from", (dir.path / "registry").string()}, out, err), 0) << err;
  ASSERT_EQ(RunPrrt({"patient", "--db", db, "P001", "--json"}, out, err), 0) << err;
  const nlohmann::json p1 = nlohmann::json::parse(out);
  const std::string from = "RECIST 1.1 from lesions.csv against the ";
  const nlohmann::json expected = {
      {{"date", "2005-11-20"},
       {"response", "sd"},
       {"method", "recist"},
       {"x_note", from + "I-PRRT baseline of 2005-02-01: target sum 45 mm, 60 mm at baseline"}},
      {{"date", "2006-05-01"},
       {"response", "pr"},
       {"method", "recist"},
       {"x_note", from + "I-PRRT baseline of 2005-02-01: target sum 29 mm, 60 mm at baseline"}},
      {{"date", "2008-02-20"},
       {"response", "pd"},
       {"method", "recist"},
       {"x_note", from + "I-PRRT baseline of 2005-02-01: target sum 42 mm, 60 mm at baseline; a new lesion"}},
      {{"date", "2008-11-30"},
       {"response", "sd"},
       {"method", "recist"},
       {"x_note", from + "R-PRRT baseline of 2008-06-10: target sum 50 mm, 54 mm at baseline"}},
      {{"date", "2009-06-01"},
       {"response", "pr"},
       {"method", "recist"},
       {"x_note", from + "R-PRRT baseline of 2008-06-10: target sum 34 mm, 54 mm at baseline"}}};
  ASSERT_EQ(p1["responses"].size(), expected.size()) << p1["responses"].dump(1);
  for (size_t i = 0; i < expected.size(); ++i) {
    for (const auto& [key, value] : expected[i].items())
      EXPECT_EQ(p1["responses"][i][key], value) << i << " " << key;
  }
  EXPECT_EQ(p1["phases"][0]["best_response"], "pr");
  EXPECT_EQ(p1["phases"][1]["best_response"], "pr");
  EXPECT_EQ(p1["phases"][0]["best_response_source"], "lesions.csv");
  EXPECT_EQ(p1["phases"][1]["best_response_source"], "lesions.csv");
  // The text view says how each computed response was derived, and lists the measurements (their CSV lines).
  ASSERT_EQ(RunPrrt({"patient", "--db", db, "P001"}, out, err), 0) << err;
  for (const std::string& line :
       {"    2005-11-20 sd (recist) — " + from +
            "I-PRRT baseline of 2005-02-01: target sum 45 mm, 60 mm at baseline\n",
        std::string("  lesion measurements:\n    2005-02-01 L1 (liver) target 40 mm\n"
                    "    2005-02-01 N1 (lymph node, nodal) target 20 mm\n    2005-02-01 B1 (bone) non_target "
                    "present\n"),
        std::string("    2008-02-20 X1 (liver) new 8 mm\n"),
        std::string(
            "  R-PRRT from 2008-06-23: 2 cycles, 11.1 GBq; best response pr (from lesion measurements); "),
        std::string("    2009-06-01 B1 (bone) non_target absent\n")})
    EXPECT_NE(out.find(line), std::string::npos) << line << out;
  // The registry keeps what was recorded: the computed responses are derived, not stored.
  ASSERT_EQ(RunPrrt({"export", "--db", db, "--to", (dir.path / "out").string()}, out, err), 0) << err;
  EXPECT_EQ(Slurp(dir.path / "out" / "responses.csv"),
            Slurp(fs::path("tests/data/registry_example") / "responses.csv"));
}

// Seen as of 2008-06-15, after P001's R-PRRT work-up scan (2008-06-10, X1 re-designated a target) and before
// the first R cycle (2008-06-23): I-PRRT is the last phase begun, so the work-up ends its time points (it is
// the baseline of the phase to come) instead of making the patient's timeline fail. Best response PR.
TEST(PatientTimelineLesions, AWorkUpScanBeforeTheNextPhaseEndsTheTimePointsOfTheLast) {
  TempDir dir("timeline_lesions_as_of");
  WriteLesionRegistry(dir.path / "registry");
  const std::string db = (dir.path / "registry.db").string();
  std::string out, err;
  ASSERT_EQ(RunPrrt({"import", "--db", db, "--from", (dir.path / "registry").string()}, out, err), 0) << err;
  ASSERT_EQ(
      RunPrrt({"eligibility", "--db", db, "--as-of", "2008-06-15", "--patient", "P001", "--json"}, out, err),
      0)
      << err;
  const nlohmann::json all = nlohmann::json::parse(out);
  ASSERT_EQ(all.size(), 1u);
  const nlohmann::json& e = all[0];
  EXPECT_EQ(e["next_phase"], "R");
  EXPECT_EQ(e["details"]["best_response_I"], "pr");
  EXPECT_EQ(e["details"]["missing"].get<std::string>().find("patient"), std::string::npos) << e.dump();
  // Likewise in a registry: P003 (I-PRRT from 2010-01-11, nothing after it) with a work-up for a salvage
  // phase on 2011-03-01 that adds a target L2. 2010-06-01: 20 mm <= 0.7 x 30 = 21 mm, PR; the work-up is
  // no time point of I-PRRT.
  std::ofstream(dir.path / "registry" / "lesions.csv", std::ios::app)
      << "P003,2010-01-05,L1,lung,target,no,30,\nP003,2010-06-01,L1,lung,target,no,20,\n"
         "P003,2011-03-01,L1,lung,target,no,25,\nP003,2011-03-01,L2,liver,target,no,12,\n";
  const std::string db2 = (dir.path / "registry2.db").string();
  ASSERT_EQ(RunPrrt({"import", "--db", db2, "--from", (dir.path / "registry").string()}, out, err), 0) << err;
  ASSERT_EQ(RunPrrt({"patient", "--db", db2, "P003", "--json"}, out, err), 0) << err;
  const nlohmann::json p3 = nlohmann::json::parse(out);
  ASSERT_EQ(p3["responses"].size(), 1u) << p3["responses"].dump(1);
  EXPECT_EQ(p3["responses"][0]["date"], "2010-06-01");
  EXPECT_EQ(p3["responses"][0]["response"], "pr");
  EXPECT_EQ(p3["phases"][0]["best_response"], "pr");
}

// RECIST 1.1 wants the baseline scan within 4 weeks before the treatment starts. P003's I-PRRT starts on
// 2010-01-11; measured on 2009-11-01 (30 days to December 1, 31 to January 1, 10 more: 71 days before)
// and on 2010-06-01 (20 mm <= 0.7 x 30 = 21 mm: PR), the response is computed against that baseline and
// its note says how old it is; measured on 2009-12-14 (28 days before: 17 + 11) it says nothing of it.
TEST(PatientTimelineLesions, ABaselineOlderThanFourWeeksIsSaid) {
  for (const auto& [baseline, age] : std::vector<std::pair<std::string, std::string>>{
           {"2009-11-01", ", 71 days before the first cycle (RECIST 1.1: at most 28)"}, {"2009-12-14", ""}}) {
    SCOPED_TRACE(baseline);
    TempDir dir("timeline_lesions_old_baseline");
    WriteLesionRegistry(dir.path / "registry");
    std::ofstream(dir.path / "registry" / "lesions.csv", std::ios::app)
        << "P003," << baseline << ",L1,lung,target,no,30,\nP003,2010-06-01,L1,lung,target,no,20,\n";
    const std::string db = (dir.path / "registry.db").string();
    std::string out, err;
    ASSERT_EQ(RunPrrt({"import", "--db", db, "--from", (dir.path / "registry").string()}, out, err), 0)
        << err;
    ASSERT_EQ(RunPrrt({"patient", "--db", db, "P003", "--json"}, out, err), 0) << err;
    const nlohmann::json p3 = nlohmann::json::parse(out);
    ASSERT_EQ(p3["responses"].size(), 1u) << p3["responses"].dump(1);
    EXPECT_EQ(p3["responses"][0]["response"], "pr");
    EXPECT_EQ(p3["responses"][0]["x_note"], "RECIST 1.1 from lesions.csv against the I-PRRT baseline of " +
                                                baseline + age + ": target sum 20 mm, 30 mm at baseline");
  }
}

TEST_F(PatientTimeline, EligibilityOverTheWholeRegistry) {
  // On 2008-05-01 P001 has progressed after I-PRRT (PFS 36.5 months, best response PR), but their R work-up
  // is of 2008-06-10, the example has no WBC or renal result for them, and their Hb and platelets of
  // 2005-03-15 are over 42 days old: missing_data. P003's cycles start in 2010, after --as-of: next I, and
  // without a baseline work-up (no Krenning score).
  std::string out, err;
  ASSERT_EQ(RunPrrt({"eligibility", "--db", db_, "--as-of", "2008-05-01", "--json"}, out, err), 0) << err;
  const nlohmann::json all = nlohmann::json::parse(out);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0]["patient_id"], "P001");
  EXPECT_EQ(all[0]["next_phase"], "R");
  EXPECT_EQ(all[0]["details"]["pfs_months_I"], "36.5");
  EXPECT_EQ(all[0]["details"]["best_response_I"], "pr");
  EXPECT_EQ(all[0]["unmet"], nlohmann::json::array({"missing_data"}));
  EXPECT_EQ(all[0]["details"]["missing"],
            "krenning_score, karnofsky, hb, wbc, platelets, creatinine or creatinine_clearance");
  EXPECT_EQ(all[0]["details"]["work_up"], "none for R-PRRT in baselines.csv");
  EXPECT_EQ(all[0]["details"]["hb_too_old"], "2005-03-15");
  EXPECT_EQ(all[0]["details"]["platelets_too_old"], "2005-03-15");
  EXPECT_EQ(all[2]["next_phase"], "I");
  EXPECT_NE(all[2]["details"]["missing"].get<std::string>().find("krenning_score"), std::string::npos);
  // The text says what is missing too, not only "missing_data".
  ASSERT_EQ(RunPrrt({"eligibility", "--db", db_, "--as-of", "2008-05-01", "--patient", "P001"}, out, err), 0)
      << err;
  EXPECT_EQ(
      out,
      "P001: next R: not eligible: missing_data (missing: krenning_score, karnofsky, hb, wbc, platelets, "
      "creatinine or creatinine_clearance)\n");
}

TEST(Eligibility, TheWholeRegistryInPartsIsEachPatientInTurn) {
  // The whole registry is worked on in parts, one a core; what it writes must be each patient's own answer,
  // in patient_id order, as JSON (one array) and as text.
  TempDir dir("eligibility_parts");
  const std::string db = (dir.path / "r.db").string();
  std::string out, err;
  ASSERT_EQ(RunPrrt({"simulate", "--patients", "40", "--seed", "5", "--db", db}, out, err), 0) << err;
  ASSERT_EQ(RunPrrt({"eligibility", "--db", db, "--as-of", "2012-01-01", "--json"}, out, err), 0) << err;
  const nlohmann::json all = nlohmann::json::parse(out);
  std::string text;
  ASSERT_EQ(RunPrrt({"eligibility", "--db", db, "--as-of", "2012-01-01"}, text, err), 0) << err;
  ASSERT_EQ(all.size(), 40u);
  std::string expected_text;
  for (size_t i = 0; i < all.size(); ++i) {
    const std::string id = all[i]["patient_id"];
    if (i > 0) {
      EXPECT_LT(all[i - 1]["patient_id"].get<std::string>(), id);
    }
    std::string one;
    ASSERT_EQ(
        RunPrrt({"eligibility", "--db", db, "--as-of", "2012-01-01", "--patient", id, "--json"}, one, err),
        0);
    EXPECT_EQ(all[i], nlohmann::json::parse(one).at(0)) << id;
    ASSERT_EQ(RunPrrt({"eligibility", "--db", db, "--as-of", "2012-01-01", "--patient", id}, one, err), 0);
    expected_text += one;
  }
  EXPECT_EQ(text, expected_text);
  // An id given, even an empty one, is that patient alone: there is no patient '', so no list of everyone.
  for (const std::string json_or_text : {"--json", "--as-of=2012-01-01"})
    EXPECT_TRUE(
        Refused({"eligibility", "--db", db, "--patient", "", json_or_text}, "no patient '' in the registry"));
  // An empty registry: an empty array, and no text.
  const std::string empty = (dir.path / "empty.db").string();
  fs::create_directories(dir.path / "none");
  std::ofstream(dir.path / "none" / "patients.csv")
      << "patient_id,sex,birth_date,primary_site,last_contact_date\n";
  std::ofstream(dir.path / "none" / "cycles.csv") << "patient_id,phase,date,activity_gbq\n";
  std::ofstream(dir.path / "none" / "events.csv") << "patient_id,date,event,method\n";
  ASSERT_EQ(RunPrrt({"import", "--db", empty, "--from", (dir.path / "none").string()}, out, err), 0) << err;
  ASSERT_EQ(RunPrrt({"eligibility", "--db", empty, "--json"}, out, err), 0) << err;
  EXPECT_EQ(out, "[]\n");
  ASSERT_EQ(RunPrrt({"eligibility", "--db", empty}, out, err), 0) << err;
  EXPECT_EQ(out, "");
}

TEST_F(PatientTimeline, PlanOfOnePatient) {
  // On 2005-05-01 P001 has had I-PRRT cycles on 2005-02-14 and 2005-04-18 (7.4 GBq each): blood tests due
  // 28-42 days after the second (2005-05-16 to 2005-05-30), cycle 3 42-70 days after it (2005-05-30 to
  // 2005-06-27) at the standard 7.4 GBq (platelets 140 on 2005-03-15 is grade 1, not dose-modifying).
  std::string out, err;
  ASSERT_EQ(RunPrrt({"plan", "--db", db_, "--patient", "P001", "--as-of", "2005-05-01", "--json"}, out, err),
            0)
      << err;
  const nlohmann::json plan = nlohmann::json::parse(out);
  EXPECT_EQ(plan["phase"], "I");
  EXPECT_EQ(plan["phase_status"], "in_progress");
  EXPECT_EQ(plan["cycles_given"], 2);
  EXPECT_EQ(plan["cumulative_activity_gbq"], 14.8);
  ASSERT_EQ(plan["actions"].size(), 2u);
  EXPECT_EQ(plan["actions"][0]["action"], "blood_tests");
  EXPECT_EQ(plan["actions"][0]["window_start"], "2005-05-16");
  EXPECT_EQ(plan["actions"][0]["window_end"], "2005-05-30");
  EXPECT_EQ(plan["actions"][1]["action"], "cycle");
  EXPECT_EQ(plan["actions"][1]["number"], 3);
  EXPECT_EQ(plan["actions"][1]["window_start"], "2005-05-30");
  EXPECT_EQ(plan["actions"][1]["window_end"], "2005-06-27");
  EXPECT_EQ(plan["actions"][1]["activity_gbq"], 7.4);
  EXPECT_EQ(plan["actions"][1]["status"], "due");
  // No such patient, and no id at all (a plan is one patient's: not the last patient's).
  for (const std::string id : {"P404", ""})
    EXPECT_TRUE(
        Refused({"plan", "--db", db_, "--patient", id}, fmt::format("no patient '{}' in the registry", id)));
}

}  // namespace
}  // namespace prrt::testing
