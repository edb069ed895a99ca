// Endpoint derivation on small hand-built registries; every expected value is worked out by hand below
// (months = days / 30.4375).
#include "prrt/study/endpoints.h"

#include <gtest/gtest.h>

#include "prrt/report/figures.h"
#include "prrt/report/registry_json.h"
#include "prrt/study/headline.h"
#include "prrt/study/tables.h"
#include "support/scenario.h"

namespace prrt::study {
namespace {

// P1: I-PRRT from 2010-01-04, PR, progression on 2012-01-04; R-PRRT from 2012-03-05, SD, died 2013-03-05
//     without a further progression.
// P2: I-PRRT from 2010-02-01, SD, progression 2012-02-01, no salvage (investigator's choice), alive on
//     2016-12-01: a control.
// P3: I-PRRT from 2010-03-01, no response assessment at all, died 2011-01-01 without progression.
// P4: I-PRRT from 2010-04-05, clinical progression 2010-09-01 with no scan before it.
// P5: I-PRRT from 2010-05-03, SD, progression after 17.9 months (545 days: 2011-10-30): not a control.
// `lesions`: a lesions.csv for it, if any.
registry::Interchange Cohort(const std::string& lesions = "") {
  std::map<std::string, std::string> files = {
      {"patients.csv",
       "patient_id,sex,birth_date,primary_site,last_contact_date,death_date,no_salvage_reason\n"
       "P1,m,1950-01-04,midgut,2013-03-05,2013-03-05,\n"
       "P2,f,1955-06-01,pancreatic,2016-12-01,,investigator_choice\n"
       "P3,f,1948-01-01,bronchial,2011-01-01,2011-01-01,\n"
       "P4,m,1960-01-01,midgut,2012-01-01,,\n"
       "P5,m,1961-01-01,hindgut,2015-01-01,,\n"},
      {"cycles.csv",
       "patient_id,phase,date,activity_gbq\n"
       "P1,I,2010-01-04,7.4\nP1,I,2010-03-01,7.4\nP1,I,2010-04-26,7.4\nP1,I,2010-06-21,7.4\n"
       "P1,R,2012-03-05,7.4\nP1,R,2012-05-07,7.4\n"
       "P2,I,2010-02-01,7.4\nP2,I,2010-03-29,7.4\nP2,I,2010-05-24,7.4\nP2,I,2010-07-19,7.4\n"
       "P3,I,2010-03-01,7.4\nP3,I,2010-04-26,7.4\n"
       "P4,I,2010-04-05,7.4\nP4,I,2010-05-31,7.4\n"
       "P5,I,2010-05-03,7.4\nP5,I,2010-06-28,7.4\nP5,I,2010-08-23,7.4\nP5,I,2010-10-18,7.4\n"},
      {"responses.csv",
       "patient_id,date,response,method\n"
       "P1,2010-08-02,sd,recist\nP1,2010-09-20,pr,recist\nP1,2012-01-04,pd,recist\n"
       "P1,2012-08-06,sd,recist\n"
       "P2,2010-10-18,sd,recist\nP2,2012-02-01,pd,recist\n"
       "P5,2011-01-17,sd,recist\n"},
      {"labs.csv",
       "patient_id,date,test,value,unit,lln,uln\n"
       "P1,2010-02-01,platelets,45,10^9/l,150,400\nP1,2012-04-02,wbc,1.5,10^9/l,4,10\n"
       "P1,2012-04-02,creatinine,180,umol/l,60,110\n"},
      {"events.csv",
       "patient_id,date,event,method\n"
       "P1,2012-01-04,progression,recist\nP1,2012-09-01,mds,\n"
       "P2,2012-02-01,progression,recist\n"
       "P4,2010-09-01,progression,clinical\n"
       "P5,2011-10-30,progression,recist\n"}};
  if (!lesions.empty()) files["lesions.csv"] = lesions;
  return testing::ReadScenario(lesions.empty() ? "endpoints" : "endpoints_lesions", files);
}

TEST(Endpoints, RetreatedPatientWithDeathAfterSalvage) {
  const std::vector<SubjectEndpoints> all = DeriveEndpoints(Cohort());
  ASSERT_EQ(all.size(), 5u);
  const SubjectEndpoints& p1 = all[0];
  EXPECT_EQ(p1.group, Group::kRetreatment);
  const PhaseEndpoints& i = p1.phases[0];
  EXPECT_EQ(i.cycles, 4);
  EXPECT_DOUBLE_EQ(i.activity_gbq, 29.6);
  EXPECT_EQ(i.best_response, "pr");
  // 2010-01-04 -> 2012-01-04: 730 days.
  EXPECT_DOUBLE_EQ(i.pfs_months, 730 / 30.4375);
  EXPECT_EQ(i.pfs_event_kind, "progression");
  // Response at 3 months: 91 days after the last cycle (2010-06-21) is 2010-09-20, assessed PR that day.
  EXPECT_EQ(i.response_3_months, "pr");
  // Platelets 45 (grade 3) after I-PRRT; WBC 1.5 (grade 3) and creatinine 180 = 1.64 x ULN (grade 2) in R.
  EXPECT_EQ(i.worst_haematological_grade, 3);
  const PhaseEndpoints& r = p1.phases[1];
  EXPECT_EQ(r.best_response, "sd");
  EXPECT_EQ(r.worst_haematological_grade, 3);
  EXPECT_EQ(r.worst_renal_grade, 2);
  // 2012-03-05 -> 2013-03-05: 365 days, ended by death (no progression after R started).
  EXPECT_DOUBLE_EQ(r.pfs_months, 365 / 30.4375);
  EXPECT_EQ(r.pfs_event_kind, "death");
  // OS 2010-01-04 -> 2013-03-05: 730 + 61 (to 2012-03-05) + 365 = 1156 days, an event.
  ASSERT_TRUE(p1.os_months.has_value());
  EXPECT_DOUBLE_EQ(*p1.os_months, 1156 / 30.4375);
  EXPECT_TRUE(p1.os_event);
  // MDS on 2012-09-01: 971 days after the first I cycle, 180 after the first R cycle.
  EXPECT_EQ(p1.aml_mds, "mds");
  EXPECT_DOUBLE_EQ(*p1.aml_mds_months_from_i, 971 / 30.4375);
  EXPECT_DOUBLE_EQ(*p1.aml_mds_months_from_r, 180 / 30.4375);
  EXPECT_DOUBLE_EQ(*p1.age_at_start_years,
                   21915 / 365.25);  // 1950-01-04 -> 2010-01-04: 60 years, 15 leap days
}

TEST(Endpoints, ControlCensoringNoAssessmentClinicalPdAndShortPfs) {
  const std::vector<SubjectEndpoints> all = DeriveEndpoints(Cohort());
  const SubjectEndpoints& p2 = all[1];
  EXPECT_EQ(p2.group, Group::kControl);
  EXPECT_EQ(p2.no_salvage_reason, "investigator_choice");
  EXPECT_DOUBLE_EQ(p2.phases[0].pfs_months, 730 / 30.4375);  // 2010-02-01 -> 2012-02-01
  // Censored at the last contact: 2010-02-01 -> 2016-12-01 = 6 x 365 + 1 (29 Feb 2012) + 304 = 2495 days.
  EXPECT_DOUBLE_EQ(*p2.os_months, 2495 / 30.4375);
  EXPECT_FALSE(p2.os_event);

  const SubjectEndpoints& p3 = all[2];  // death without progression, no response assessment
  EXPECT_EQ(p3.group, Group::kNeither);
  EXPECT_FALSE(p3.phases[0].best_response.has_value());
  EXPECT_EQ(p3.phases[0].pfs_event_kind, "death");
  EXPECT_DOUBLE_EQ(p3.phases[0].pfs_months, 306 / 30.4375);  // 2010-03-01 -> 2011-01-01
  EXPECT_FALSE(p3.phases[0].response_3_months.has_value());

  const SubjectEndpoints& p4 = all[3];  // clinical progression with no scan: clinical PD
  EXPECT_EQ(p4.phases[0].best_response, "pd");
  EXPECT_DOUBLE_EQ(p4.phases[0].pfs_months, 149 / 30.4375);  // 2010-04-05 -> 2010-09-01
  EXPECT_EQ(p4.group, Group::kNeither);
  // The patient's JSON says where each best response comes from: P4's from the clinical progression (events),
  // P2's from a scan recorded (responses), none for P3.
  const registry::Interchange cohort = Cohort();
  auto source = [&cohort](const std::string& id) {
    return report::TimelineJson(*registry::BuildTimeline(cohort, id))["phases"][0]["best_response_source"];
  };
  EXPECT_EQ(source("P4"), "events.csv");
  EXPECT_EQ(source("P2"), "responses.csv");
  EXPECT_TRUE(source("P3").is_null());

  const SubjectEndpoints& p5 = all[4];  // disease control, progression at 17.9 months: not a control
  EXPECT_NEAR(p5.phases[0].pfs_months, 17.906, 0.001);
  EXPECT_EQ(p5.group, Group::kNeither);
  EXPECT_FALSE(p5.phases[1].given);
}

TEST(Headline, FiguresOfTheHandBuiltCohort) {
  const Headline h = ComputeHeadline(DeriveEndpoints(Cohort()));
  EXPECT_EQ(h.n_retreatment, 1);
  EXPECT_EQ(h.n_rr, 0);
  EXPECT_EQ(h.n_control, 1);
  // One R patient: PFS 365 days ending in death, the KM median is that time (S drops from 1 to 0 there).
  EXPECT_DOUBLE_EQ(*h.pfs_r_median_months, 365 / 30.4375);
  EXPECT_FALSE(h.pfs_rr_median_months.has_value());
  EXPECT_DOUBLE_EQ(*h.os_retreatment_median_months, 1156 / 30.4375);
  EXPECT_FALSE(h.os_control_median_months.has_value());  // censored: not reached
  EXPECT_DOUBLE_EQ(*h.orr_r_percent, 0.0);
  EXPECT_DOUBLE_EQ(*h.sd_r_percent, 100.0);
  EXPECT_DOUBLE_EQ(*h.dcr_r_percent, 100.0);
  EXPECT_DOUBLE_EQ(*h.haem_grade34_r_percent, 100.0);
  EXPECT_DOUBLE_EQ(*h.aml_mds_percent, 100.0);
  // Log-rank with one event at 37.98 months among 2 at risk (the control still at risk): O1 = 1, E1 = 1/2,
  // V = 1/4, chi-square = (1 - 1/2)^2 / (1/4) = 1, p = P(chi2_1 > 1) = 0.3173105078629141.
  EXPECT_NEAR(*h.os_logrank_p, 0.3173105078629141, 1e-12);
}

}  // namespace
}  // namespace prrt::study

namespace prrt::study {
namespace {

const StudyTable& Find(const std::vector<StudyTable>& tables, const std::string& id) {
  for (const StudyTable& t : tables) {
    if (t.id == id) return t;
  }
  throw std::runtime_error("no table " + id);
}

std::vector<std::string> RowOf(const StudyTable& t, const std::string& label) {
  for (const StudyTable::Row& r : t.rows) {
    if (!r.published && r.cells.front() == label) return r.cells;
  }
  return {};
}

TEST(Tables, CountsOfTheHandBuiltCohort) {
  const std::vector<StudyTable> tables = BuildTables(DeriveEndpoints(Cohort()), TableOptions{});
  // Table 3, R-PRRT: one patient (P1), best response SD; ORR 0, DCR 1 of 1. At 3 months (2012-05-07 + 91 =
  // 2012-08-06) the assessment that day: SD.
  EXPECT_EQ(RowOf(Find(tables, "table3"), "R-PRRT"),
            (std::vector<std::string>{"R-PRRT", "1", "0 (0.0)", "0 (0.0)", "1 (100.0)", "0 (0.0)", "0 (0.0)",
                                      "0 (0.0)", "0 (0.0)", "1 (100.0)", "0 (0.0)", "1 (100.0)", "0 (0.0)",
                                      "0 (0.0)", "0 (0.0)", "0 (0.0)"}));
  // The control (P2) after I-PRRT: SD.
  EXPECT_EQ(RowOf(Find(tables, "table3"), "After I-PRRT: control group")[4], "1 (100.0)");
  // Table 6: P1's worst WBC in R-PRRT is grade 3 (1.5); platelets 45 (grade 3) in I-PRRT; the control has
  // none. Columns: control III, IV; I-PRRT III, IV; R-PRRT III, IV; RR III, IV.
  const std::vector<std::string> any = RowOf(Find(tables, "table6"), "Any (haematological)");
  EXPECT_EQ(any[1], "0 (0.0)");
  EXPECT_EQ(any[3], "1 (100.0)");
  EXPECT_EQ(any[5], "1 (100.0)");
  EXPECT_EQ(RowOf(Find(tables, "table6"), "Leucocytes")[5], "1 (100.0)");
  EXPECT_EQ(RowOf(Find(tables, "table6"), "Platelets")[3], "1 (100.0)");
  // Fisher, control (0 of 1) vs I-PRRT (1 of 1): p = 1 (both tables with these margins are equally likely).
  EXPECT_EQ(any[9], "1.00");
  // Table 7: MDS in the retreated patient.
  EXPECT_EQ(RowOf(Find(tables, "table7"), "Any"),
            (std::vector<std::string>{"Any", "0 (0.0)", "1 (100.0)", "1.00"}));
  // Table 2: P1 had both R cycles: nobody stopped short.
  EXPECT_EQ(RowOf(Find(tables, "table2"), "Total")[1], "0");
  // Table 1: the prior treatments are known only before I-PRRT.
  EXPECT_EQ(RowOf(Find(tables, "table1"), "Prior surgery")[2], "–");
  // Every published row follows a row of ours with its label.
  for (const StudyTable& t : tables) {
    for (size_t i = 0; i < t.rows.size(); ++i) {
      if (!t.rows[i].published) continue;
      ASSERT_GT(i, 0u);
      EXPECT_EQ(t.rows[i].cells.front(), t.rows[i - 1].cells.front() + " — published");
      EXPECT_EQ(t.rows[i].cells.size(), t.columns.size());
    }
  }
}

// Where the best response was computed from lesion measurements, Table 3 says how many were. P1's I-PRRT
// scans of 2010-08-02 and 2010-09-20 measured against a baseline of 2009-12-28 (one 40 mm liver target):
// 36 mm is 90% of it, SD; 20 mm is 50%, PR (<= 70%) — the responses recorded for those dates, now computed.
// R-PRRT's work-up scan of 2012-02-20 is its baseline (without it, the last scan before R-PRRT would be:
// docs/clinical-rules.md). The table's best responses: P2 after I-PRRT (SD, recorded), P1 after I-PRRT (PR,
// computed), P1 after R-PRRT (SD, recorded): 1 of 3.
TEST(Tables, Table3SaysHowManyBestResponsesWereComputedFromLesions) {
  const std::vector<StudyTable> recorded = BuildTables(DeriveEndpoints(Cohort()), TableOptions{});
  EXPECT_EQ(Find(recorded, "table3").notes.size(), 1u);
  const std::vector<SubjectEndpoints> all =
      DeriveEndpoints(Cohort("patient_id,date,lesion_id,organ,role,lymph_node,diameter_mm,status\n"
                             "P1,2009-12-28,L1,liver,target,no,40,\nP1,2010-08-02,L1,liver,target,no,36,\n"
                             "P1,2010-09-20,L1,liver,target,no,20,\nP1,2012-02-20,L1,liver,target,no,31,\n"));
  EXPECT_EQ(all[0].phases[0].best_response, "pr");
  EXPECT_TRUE(all[0].phases[0].best_response_computed);
  EXPECT_FALSE(all[0].phases[1].best_response_computed);
  const std::vector<StudyTable> computed = BuildTables(all, TableOptions{});
  const StudyTable& table3 = Find(computed, "table3");
  // The same counts as with the responses recorded.
  ASSERT_EQ(table3.rows.size(), Find(recorded, "table3").rows.size());
  for (size_t i = 0; i < table3.rows.size(); ++i)
    EXPECT_EQ(table3.rows[i].cells, Find(recorded, "table3").rows[i].cells);
  ASSERT_EQ(table3.notes.size(), 2u);
  EXPECT_EQ(table3.notes[1],
            "Best responses computed by RECIST 1.1 from lesion measurements (lesions.csv): 1 of the 3 above; "
            "the others as recorded (responses.csv, or a clinical progression).");
}

TEST(Tables, Table5MediansAndTheirIntervals) {
  TableOptions log;
  log.median_ci = stats::QuantileRule::kPrint;
  log.show_published = false;
  const std::vector<StudyTable> tables = BuildTables(DeriveEndpoints(Cohort()), log);
  // PFS after R-PRRT of P1: 365 days, one event: median 12.0; the log CI of S = 0 is undefined: N/A.
  const std::vector<std::string> pfs = RowOf(Find(tables, "table5"), "PFS: all tumours");
  EXPECT_EQ(pfs[1], "1");
  EXPECT_EQ(pfs[3], "12.0 (N/A)");
  EXPECT_EQ(pfs[6], "1");
  // The control's OS is censored: not reached.
  EXPECT_EQ(RowOf(Find(tables, "table5"), "OS: all tumours")[7], "NR");
  for (const StudyTable& t : tables) {
    for (const StudyTable::Row& r : t.rows)
      EXPECT_FALSE(r.published);
  }
}

TEST(Figures, FlowChartCountsOfTheHandBuiltCohort) {
  // Five treated: P1 retreated, P2 a control (investigator's choice), P3-P5 neither.
  const std::string svg = report::Figure1Svg(DeriveEndpoints(Cohort()));
  for (const char* box :
       {"Treated with I-PRRT: 5", "Not qualifying for salvage: 3", "Qualified for salvage PRRT: 2",
        "Retreatment (R-PRRT): 1", "Re-retreatment (RR-PRRT): 0", "Control group (no salvage): 1",
        "SD not considered favourable: 1"}) {  // the paper's words for investigator_choice
    EXPECT_NE(svg.find(box), std::string::npos) << box;
  }
}

}  // namespace
}  // namespace prrt::study
