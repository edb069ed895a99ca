// Eligibility scenarios as small registries (written as interchange folders and read back).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "prrt/protocol/protocol.h"

namespace prrt::protocol {
namespace {

namespace fs = std::filesystem;
using registry::ParseDay;

// One patient, I-PRRT from 2005-02-14 (4 × 7.4 GBq), best response SD, with the work-ups for I, R
// (2006-12-20) and RR (2010-06-10) and labs of 2007-01-10; `events` and `extra_labs` are appended to the
// files.
registry::Interchange Registry(const std::string& name, const std::string& events,
                               const std::string& responses = "sd", const std::string& labs = "",
                               const std::string& cycles = "") {
  const fs::path dir = fs::temp_directory_path() / ("prrt_elig_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "patients.csv") << "patient_id,sex,birth_date,primary_site,last_contact_date,death_"
                                         "date\nP,f,1950-01-01,midgut,2020-01-01,\n";
  std::ofstream(dir / "baselines.csv")
      << "patient_id,phase,date,krenning_score,karnofsky\nP,I,2005-02-01,3,90\nP,R,2006-12-20,3,90\n"
         "P,RR,2010-06-10,3,90\n";
  std::ofstream(dir / "cycles.csv")
      << "patient_id,phase,date,activity_gbq\nP,I,2005-02-14,7.4\nP,I,2005-04-18,7.4\n"
         "P,I,2005-06-20,7.4\nP,I,2005-08-22,7.4\n"
      << cycles;
  std::ofstream(dir / "responses.csv")
      << "patient_id,date,response,method\nP,2005-11-20," << responses << ",recist\n";
  std::ofstream(dir / "labs.csv")
      << "patient_id,date,test,value,unit,lln,uln\n"
      << (labs.empty()
              ? "P,2007-01-10,hb,7.5,mmol/l,7.5,10\nP,2007-01-10,wbc,4.5,10^9/l,4,10\n"
                "P,2007-01-10,platelets,180,10^9/l,150,400\nP,2007-01-10,creatinine,90,umol/l,60,110\n"
              : labs);
  std::ofstream(dir / "events.csv") << "patient_id,date,event,method\n" << events;
  registry::Problems problems;
  Result<registry::Interchange> data =
      registry::ReadInterchange(dir.string(), *ParseDay("2026-11-27"), problems);
  EXPECT_TRUE(data.ok()) << data.status().message();
  fs::remove_all(dir);
  return *data;
}

Eligibility Assess(const registry::Interchange& data, const char* as_of, const Protocol* protocol = nullptr) {
  static const Protocol reference = *DefaultProtocol();
  return AssessEligibility(data, "P", *ParseDay(as_of), protocol ? *protocol : reference);
}

TEST(Eligibility, RetreatmentAtExactly18MonthsOfPfsAndAt17Point9) {
  // 548 days after 2005-02-14 is 2006-08-16: 548 / 30.4375 = 18.004 months. 545 days (2006-08-13): 17.906.
  Eligibility at18 = Assess(Registry("pfs18", "P,2006-08-16,progression,recist\n"), "2007-02-01");
  EXPECT_EQ(at18.next_phase, "R");
  EXPECT_TRUE(at18.eligible) << ::testing::PrintToString(at18.unmet);
  EXPECT_EQ(at18.details["pfs_months_I"], "18.0");
  Eligibility at179 = Assess(Registry("pfs179", "P,2006-08-13,progression,recist\n"), "2007-02-01");
  EXPECT_FALSE(at179.eligible);
  EXPECT_EQ(at179.unmet, std::vector<std::string>{"pfs_too_short"});
  EXPECT_EQ(at179.details["pfs_months_I"], "17.9");
}

TEST(Eligibility, NoPhaseAfterDeath) {
  // Eligible for R on 2007-02-01 (PFS 18.0 months) while alive; not once the death on 2007-01-20 is on file.
  registry::Interchange data = Registry("dead", "P,2006-08-16,progression,recist\n");
  registry::RowValues& patient = data.files["patients.csv"].at(0).values;
  patient["death_date"] = "2007-01-20";
  patient["last_contact_date"] = "2007-01-20";
  const Eligibility before = Assess(data, "2007-01-19");
  EXPECT_TRUE(before.eligible) << ::testing::PrintToString(before.unmet);
  Eligibility after = Assess(data, "2007-02-01");
  EXPECT_FALSE(after.eligible);
  EXPECT_EQ(after.unmet, std::vector<std::string>{"deceased"});
  EXPECT_EQ(after.details["death_date"], "2007-01-20");
  EXPECT_EQ(Assess(data, "2007-01-20").unmet, std::vector<std::string>{"deceased"});
}

TEST(Eligibility, BloodTestsCountUpTo42DaysOld) {
  // The labs are of 2007-01-10: 42 days old on 2007-02-21, 43 on 2007-02-22.
  const registry::Interchange data = Registry("lab_age", "P,2006-08-16,progression,recist\n");
  const Eligibility at42 = Assess(data, "2007-02-21");
  EXPECT_TRUE(at42.eligible) << ::testing::PrintToString(at42.unmet);
  Eligibility at43 = Assess(data, "2007-02-22");
  EXPECT_EQ(at43.unmet, std::vector<std::string>{"missing_data"});
  EXPECT_EQ(at43.details["missing"], "hb, wbc, platelets, creatinine or creatinine_clearance");
  EXPECT_EQ(at43.details["hb_too_old"], "2007-01-10");
  EXPECT_EQ(at43.details["creatinine_too_old"], "2007-01-10");
  // A protocol file may allow older results.
  Result<Protocol> lenient = ParseProtocol("[eligibility]\nmax_lab_age_days = 60\n", "lenient.toml");
  ASSERT_TRUE(lenient.ok()) << lenient.status().message();
  EXPECT_TRUE(Assess(data, "2007-02-22", &*lenient).eligible);
}

TEST(Eligibility, SalvageNeedsAWorkUpOfItsOwn) {
  // Without the R work-up, the I work-up's Krenning score and Karnofsky of 2005 do not count for R.
  registry::Interchange data = Registry("no_r_work_up", "P,2006-08-16,progression,recist\n");
  std::vector<registry::Row>& work_ups = data.files["baselines.csv"];
  work_ups.erase(std::remove_if(work_ups.begin(), work_ups.end(),
                                [](const registry::Row& r) { return *r.get("phase") == "R"; }),
                 work_ups.end());
  Eligibility e = Assess(data, "2007-02-01");
  EXPECT_EQ(e.unmet, std::vector<std::string>{"missing_data"});
  EXPECT_EQ(e.details["missing"], "krenning_score, karnofsky");
  EXPECT_EQ(e.details["work_up"], "none for R-PRRT in baselines.csv");
}

TEST(Eligibility, BestResponsePdAfterInitialPrrtMeansNoDiseaseControl) {
  Eligibility e = Assess(Registry("pd", "P,2007-01-01,progression,recist\n", "pd"), "2007-02-01");
  EXPECT_EQ(e.unmet, std::vector<std::string>{"no_disease_control"});
}

TEST(Eligibility, NoProgressionYetAndAsOfIgnoresLaterRows) {
  // The progression is dated after --as-of, so it does not count yet.
  Eligibility e = Assess(Registry("asof", "P,2008-01-01,progression,recist\n"), "2007-02-01");
  EXPECT_EQ(e.unmet, std::vector<std::string>{"no_progression"});
}

TEST(Eligibility, ActivityCeiling) {
  // 4 × 7.4 (I) + 2 × 7.4 (R) + 2 × 7.4 (RR) = 59.2 GBq: less than a reduced 3.7 GBq cycle is left
  // under 60.5.
  const std::string cycles =
      "P,R,2008-06-23,7.4\nP,R,2008-08-25,7.4\nP,RR,2011-01-10,7.4\nP,RR,2011-03-14,7.4\n";
  Eligibility e =
      Assess(Registry("ceiling", "P,2007-06-01,progression,recist\n", "sd", "", cycles), "2013-01-01");
  EXPECT_FALSE(e.next_phase.has_value());
  EXPECT_EQ(e.unmet, std::vector<std::string>{"no_further_phase"});
  // After R (44.4 GBq) the ceiling is not reached; with a 58 GBq history it is.
  Protocol tight = *DefaultProtocol();
  tight.cumulative_ceiling_gbq = 47.0;
  const std::string r_cycles = "P,R,2008-06-23,7.4\nP,R,2008-08-25,7.4\n";
  Eligibility after_r =
      Assess(Registry("ceiling_r", "P,2007-06-01,progression,recist\nP,2010-06-01,progression,recist\n", "sd",
                      "", r_cycles),
             "2010-07-01", &tight);
  EXPECT_EQ(after_r.next_phase, "RR");
  EXPECT_NE(std::find(after_r.unmet.begin(), after_r.unmet.end(), "cumulative_activity_limit"),
            after_r.unmet.end());
}

TEST(Eligibility, MissingBaselineLabsAreNamed) {
  Eligibility e =
      Assess(Registry("nolabs", "P,2007-01-01,progression,recist\n", "sd", "P,2007-01-10,hb,7.5,mmol/l,,\n"),
             "2007-02-01");
  EXPECT_EQ(e.unmet, std::vector<std::string>{"missing_data"});
  EXPECT_EQ(e.details["missing"], "wbc, platelets, creatinine or creatinine_clearance");
}

TEST(Eligibility, HaematologicalAndRenalLimitsOfBothProfiles) {
  const std::string labs =
      "P,2007-01-10,hb,5.8,mmol/l,7.5,10\nP,2007-01-10,wbc,4.5,10^9/l,4,10\nP,2007-01-10,platelets,90,10^9/"
      "l,150,400\n"
      "P,2007-01-10,creatinine,160,umol/l,60,110\nP,2007-01-10,creatinine_clearance,45,ml/min,,\n";
  const registry::Interchange data = Registry("limits", "P,2007-01-01,progression,recist\n", "sd", labs);
  // Reference: Hb 5.8 < 6.0 fails; platelets 90 >= 75 pass; creatinine 160 > 150 but clearance 45 >= 40
  // (either).
  Eligibility reference = Assess(data, "2007-02-01");
  EXPECT_EQ(reference.unmet, std::vector<std::string>{"haematology_limits"});
  // Current profile: Hb >= 5.5 passes, platelets < 100 fail, renal needs creatinine < 150 and clearance > 50.
  std::ifstream in("data/protocol/rotterdam-current.toml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Result<Protocol> current = ParseProtocol(text, "rotterdam-current.toml");
  ASSERT_TRUE(current.ok()) << current.status().message();
  Eligibility strict = Assess(data, "2007-02-01", &*current);
  EXPECT_EQ(strict.unmet, (std::vector<std::string>{"haematology_limits", "renal_limits"}));
}

TEST(Eligibility, AmlOrMdsAndUnrecoveredCytopeniaStopTreatment) {
  Eligibility mds =
      Assess(Registry("mds", "P,2007-01-01,progression,recist\nP,2007-01-20,mds,\n"), "2007-02-01");
  EXPECT_NE(std::find(mds.unmet.begin(), mds.unmet.end(), "persistent_myelosuppression"), mds.unmet.end());
  // Platelets grade 2 (< 75) from 2006-06-01 to 2007-01-10, more than 6 months.
  const std::string labs =
      "P,2006-06-01,platelets,60,10^9/l,150,400\nP,2006-09-01,platelets,70,10^9/l,150,400\n"
      "P,2007-01-10,platelets,72,10^9/l,150,400\nP,2007-01-10,hb,7.5,mmol/l,7.5,10\n"
      "P,2007-01-10,wbc,4.5,10^9/l,4,10\nP,2007-01-10,creatinine,90,umol/l,60,110\n";
  Eligibility cytopenia =
      Assess(Registry("cyto", "P,2007-01-01,progression,recist\n", "sd", labs), "2007-02-01");
  EXPECT_NE(std::find(cytopenia.unmet.begin(), cytopenia.unmet.end(), "persistent_myelosuppression"),
            cytopenia.unmet.end());
}

TEST(Eligibility, InitialPrrtNeedsKrenning2) {
  registry::Interchange data = Registry("initial", "");
  data.files["cycles.csv"].clear();
  data.files["responses.csv"].clear();
  data.files["baselines.csv"][0].values["krenning_score"] = "1";
  Eligibility e = Assess(data, "2007-02-01");  // after the labs, which --as-of would otherwise hide
  EXPECT_EQ(e.next_phase, "I");
  EXPECT_EQ(e.unmet, std::vector<std::string>{"krenning_below_2"});
}

TEST(Protocol, FileErrorsNameTheKey) {
  Result<Protocol> bad = ParseProtocol("[eligibility]\nmin_hb_mmol_l = \"six\"\n", "p.toml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "p.toml: [eligibility] min_hb_mmol_l: expected a number >= 0");
  Result<Protocol> syntax = ParseProtocol("[eligibility\n", "p.toml");
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.status().message().rfind("p.toml:1:", 0), 0u) << syntax.status().message();
  EXPECT_EQ(DefaultProtocol()->min_pfs_months_r, 18.0);
  EXPECT_EQ(DefaultProtocol()->min_pfs_months_rr, 14.0);
}

}  // namespace
}  // namespace prrt::protocol
