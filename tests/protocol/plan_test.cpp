// Plan scenarios as small registries; every date below is worked by hand from the protocol's schedule
// (cycles 42-70 days after the previous one, blood tests 28-42 days after a cycle, scans 42, 91 and 183 days
// after a phase's last cycle and every 183 days after that, each +/- 14 days).
#include <gtest/gtest.h>

#include "prrt/protocol/plan.h"
#include "support/scenario.h"

namespace prrt::protocol {
namespace {

using registry::ParseDay;

const char* kPatient =
    "patient_id,sex,birth_date,primary_site,last_contact_date,death_date\nP,f,1950-01-01,midgut,2021-12-31,"
    "\n";
const char* kBaseline = "patient_id,phase,date,krenning_score,karnofsky\nP,I,2019-12-16,3,90\n";
const char* kLabHeader = "patient_id,date,test,value,unit,lln,uln\n";
const char* kNoEvents = "patient_id,date,event,method\n";

std::string Cycles(std::initializer_list<const char*> rows) {
  std::string text = "patient_id,phase,date,activity_gbq\n";
  for (const char* row : rows)
    text += std::string("P,") + row + "\n";
  return text;
}

// A normal platelet count (grade 0) on `date`.
std::string Platelets(const char* date, int value) {
  return std::string("P,") + date + ",platelets," + std::to_string(value) + ",10^9/l,150,400\n";
}

registry::Interchange Scenario(const std::string& name, const std::string& cycles, const std::string& labs,
                               const std::string& events = kNoEvents, const std::string& responses = "",
                               const std::string& patients = kPatient) {
  std::map<std::string, std::string> files{{"patients.csv", patients},
                                           {"baselines.csv", kBaseline},
                                           {"cycles.csv", cycles},
                                           {"labs.csv", kLabHeader + labs},
                                           {"events.csv", events}};
  if (!responses.empty()) files["responses.csv"] = "patient_id,date,response,method\n" + responses;
  return testing::ReadScenario("plan_" + name, files);
}

Plan PlanOn(const registry::Interchange& data, const char* as_of, const Protocol* protocol = nullptr) {
  static const Protocol reference = *DefaultProtocol();
  Result<Plan> plan = PlanNextActions(data, "P", *ParseDay(as_of), protocol ? *protocol : reference);
  EXPECT_TRUE(plan.ok()) << plan.status().message();
  return plan.ok() ? *plan : Plan{};
}

// `data` with a work-up for R-PRRT on `date` (a copy of the I work-up's row).
registry::Interchange WithRWorkUp(registry::Interchange data, const std::string& date) {
  std::vector<registry::Row>& work_ups = data.files["baselines.csv"];
  registry::Row r = work_ups.at(0);
  r.values["phase"] = "R";
  r.values["date"] = date;
  work_ups.push_back(std::move(r));
  return data;
}

const PlannedAction* Find(const Plan& plan, const std::string& action) {
  for (const PlannedAction& a : plan.actions) {
    if (a.action == action) return &a;
  }
  return nullptr;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Two cycles of I-PRRT (2020-01-06, 2020-03-02), platelets 160 after the first, then 40 x 10^9/L on
// 2020-03-30 (CTCAE v3.0 grade 3: < 50-25) after the second.
const std::string kTwoCycles = Cycles({"I,2020-01-06,7.4", "I,2020-03-02,7.4"});
const std::string kGrade3 = Platelets("2020-02-03", 160) + Platelets("2020-03-30", 40);

TEST(Plan, Grade3ThrombocytopeniaBeforeCycle3ReducesItTo3Point7) {
  // Recovered to 110 (grade 1: < LLN-75) on 2020-04-20: the label resumes at grade <= 1.
  Plan plan = PlanOn(Scenario("g3", kTwoCycles, kGrade3 + Platelets("2020-04-20", 110)), "2020-04-21");
  EXPECT_EQ(plan.phase, "I");
  EXPECT_EQ(plan.phase_status, "in_progress");
  EXPECT_EQ(plan.cycles_given, 2);
  EXPECT_EQ(plan.cycles_intended, 4);
  ASSERT_EQ(plan.actions.size(), 1u);  // the blood tests of 2020-03-30 lie in their window (03-30..04-13)
  const PlannedAction& cycle = plan.actions[0];
  EXPECT_EQ(cycle.action, "cycle");
  EXPECT_EQ(cycle.number, 3);
  EXPECT_EQ(cycle.window_start, "2020-04-13");  // 2020-03-02 + 42 days
  EXPECT_EQ(cycle.window_end, "2020-05-11");    // + 70 days
  EXPECT_EQ(cycle.activity_gbq, 3.7);
  EXPECT_EQ(cycle.status, "due");
  EXPECT_TRUE(Contains(cycle.reason, "reduced after thrombocytopenia grade 3 (platelets 40")) << cycle.reason;
}

TEST(Plan, UnresolvedToxicityWithholdsTheCycleAndEndsThePhaseAfter16Weeks) {
  const registry::Interchange data = Scenario("withheld", kTwoCycles, kGrade3);
  Plan waiting = PlanOn(data, "2020-04-01");
  ASSERT_NE(Find(waiting, "cycle"), nullptr);
  EXPECT_EQ(Find(waiting, "cycle")->status, "withheld");
  EXPECT_TRUE(Contains(Find(waiting, "cycle")->reason, "withheld until platelets is grade 1 or better"));
  // 2020-03-02 + 112 days (16 weeks) = 2020-06-22.
  EXPECT_EQ(PlanOn(data, "2020-06-21").phase_status, "in_progress");
  Plan stopped = PlanOn(data, "2020-06-22");
  EXPECT_EQ(stopped.phase_status, "stopped");
  ASSERT_TRUE(stopped.stop_reason.has_value());
  EXPECT_TRUE(Contains(*stopped.stop_reason, "unresolved 16 weeks after the last cycle"))
      << *stopped.stop_reason;
  EXPECT_EQ(Find(stopped, "cycle"), nullptr);
}

TEST(Plan, RecurrenceAfterTheReducedCycleEndsThePhase) {
  // Cycle 3 at 3.7 GBq on 2020-04-27, then platelets 60 (grade 2: < 75-50) on 2020-05-25.
  const std::string cycles = Cycles({"I,2020-01-06,7.4", "I,2020-03-02,7.4", "I,2020-04-27,3.7"});
  Plan plan =
      PlanOn(Scenario("recur", cycles, kGrade3 + Platelets("2020-04-20", 110) + Platelets("2020-05-25", 60)),
             "2020-06-01");
  EXPECT_EQ(plan.phase_status, "stopped");
  ASSERT_TRUE(plan.stop_reason.has_value());
  EXPECT_TRUE(
      Contains(*plan.stop_reason, "recurrent dose-modifying toxicity after the reduced cycle of 2020-04-27"))
      << *plan.stop_reason;
  EXPECT_EQ(Find(plan, "cycle"), nullptr);
  // Follow-up imaging starts: 2020-04-27 + 42 days = 2020-06-08, window 05-25..06-22.
  const PlannedAction* scan = Find(plan, "scan");
  ASSERT_NE(scan, nullptr);
  EXPECT_EQ(scan->window_start, "2020-05-25");
  EXPECT_EQ(scan->window_end, "2020-06-22");
  EXPECT_EQ(scan->status, "due");

  // Without a recurrence (platelets 160) the standard activity returns for cycle 4 (06-08..07-06).
  Plan back =
      PlanOn(Scenario("back", cycles, kGrade3 + Platelets("2020-04-20", 110) + Platelets("2020-05-25", 160)),
             "2020-06-01");
  const PlannedAction* cycle = Find(back, "cycle");
  ASSERT_NE(cycle, nullptr);
  EXPECT_EQ(cycle->number, 4);
  EXPECT_EQ(cycle->activity_gbq, 7.4);
  EXPECT_EQ(cycle->window_start, "2020-06-08");
  EXPECT_EQ(cycle->window_end, "2020-07-06");
  EXPECT_TRUE(Contains(cycle->reason, "no recurrence after the reduced cycle"));
}

TEST(Plan, TheCeilingLimitsTheActivityThenEndsThePhase) {
  const registry::Interchange data =
      Scenario("ceiling", kTwoCycles, Platelets("2020-02-03", 160) + Platelets("2020-03-30", 170));
  // 14.8 GBq given. Under a ceiling of 20 GBq, 5.2 GBq are left: cycle 3 gets 5.2 instead of 7.4.
  Result<Protocol> twenty = ParseProtocol("[dosing]\ncumulative_ceiling_gbq = 20.0\n", "twenty.toml");
  ASSERT_TRUE(twenty.ok()) << twenty.status().message();
  Plan limited = PlanOn(data, "2020-04-01", &*twenty);
  ASSERT_NE(Find(limited, "cycle"), nullptr);
  EXPECT_DOUBLE_EQ(*Find(limited, "cycle")->activity_gbq, 5.2);
  EXPECT_TRUE(
      Contains(Find(limited, "cycle")->reason, "limited to the 5.20 GBq left under the 20 GBq ceiling"));
  // Under 18 GBq, 3.2 GBq are left: less than a reduced cycle (3.7), so the phase ends.
  Result<Protocol> eighteen = ParseProtocol("[dosing]\ncumulative_ceiling_gbq = 18\n", "eighteen.toml");
  ASSERT_TRUE(eighteen.ok());
  Plan stopped = PlanOn(data, "2020-04-01", &*eighteen);
  EXPECT_EQ(stopped.phase_status, "stopped");
  EXPECT_EQ(*stopped.stop_reason, "cumulative activity ceiling: 14.8 of 18 GBq given");
}

TEST(Plan, MissedBloodTestsAndCyclesAreOverdue) {
  const registry::Interchange data = Scenario("overdue", Cycles({"I,2020-01-06,7.4"}), "");
  Plan plan = PlanOn(data, "2020-03-01");
  const PlannedAction* labs = Find(plan, "blood_tests");
  ASSERT_NE(labs, nullptr);
  EXPECT_EQ(labs->window_start, "2020-02-03");  // 2020-01-06 + 28 days
  EXPECT_EQ(labs->window_end, "2020-02-17");    // + 42 days
  EXPECT_EQ(labs->status, "overdue");
  const PlannedAction* cycle = Find(plan, "cycle");
  ASSERT_NE(cycle, nullptr);
  EXPECT_EQ(cycle->window_start, "2020-02-17");
  EXPECT_EQ(cycle->window_end, "2020-03-16");
  EXPECT_EQ(cycle->status, "due");
  EXPECT_EQ(Find(PlanOn(data, "2020-03-17"), "cycle")->status, "overdue");
  EXPECT_EQ(Find(PlanOn(data, "2020-02-10"), "blood_tests")->status, "due");
}

// I-PRRT complete: four cycles, the last on 2020-06-22, blood tests after it on 2020-07-20.
const std::string kFourCycles =
    Cycles({"I,2020-01-06,7.4", "I,2020-03-02,7.4", "I,2020-04-27,7.4", "I,2020-06-22,7.4"});
const std::string kLabsAfter = Platelets("2020-07-20", 160);

TEST(Plan, ScansFollowTheLastCycle) {
  // 2020-06-22 + 42 = 2020-08-03 (window 07-20..08-17); + 91 = 2020-09-21; + 183 = 2020-12-22.
  Plan first = PlanOn(Scenario("scan1", kFourCycles, kLabsAfter), "2020-08-10");
  EXPECT_EQ(first.phase_status, "completed");
  ASSERT_EQ(first.actions.size(), 1u);
  EXPECT_EQ(first.actions[0].action, "scan");
  EXPECT_EQ(first.actions[0].number, 1);
  EXPECT_EQ(first.actions[0].window_start, "2020-07-20");
  EXPECT_EQ(first.actions[0].window_end, "2020-08-17");
  EXPECT_EQ(first.actions[0].status, "due");
  EXPECT_EQ(PlanOn(Scenario("scan1late", kFourCycles, kLabsAfter), "2020-09-01").actions[0].status,
            "overdue");

  Plan second =
      PlanOn(Scenario("scan2", kFourCycles, kLabsAfter, kNoEvents, "P,2020-08-05,sd,recist\n"), "2020-09-01");
  ASSERT_NE(Find(second, "scan"), nullptr);
  EXPECT_EQ(Find(second, "scan")->number, 2);
  EXPECT_EQ(Find(second, "scan")->window_start, "2020-09-07");
  EXPECT_EQ(Find(second, "scan")->window_end, "2020-10-05");

  // After scans on 08-05 and 09-20 the 6-month scan (2020-12-22, window to 2021-01-05) is overdue in June
  // 2021; then every 183 days: 2021-06-23 would be next.
  Plan third = PlanOn(Scenario("scan3", kFourCycles, kLabsAfter, kNoEvents,
                               "P,2020-08-05,sd,recist\nP,2020-09-20,sd,recist\n"),
                      "2021-02-01");
  EXPECT_EQ(Find(third, "scan")->number, 3);
  EXPECT_EQ(Find(third, "scan")->window_end, "2021-01-05");
  EXPECT_EQ(Find(third, "scan")->status, "overdue");
  Plan fourth = PlanOn(Scenario("scan4", kFourCycles, kLabsAfter, kNoEvents,
                                "P,2020-08-05,sd,recist\nP,2020-09-20,sd,recist\nP,2020-12-20,sd,recist\n"),
                       "2021-02-01");
  EXPECT_EQ(Find(fourth, "scan")->number, 4);
  EXPECT_EQ(Find(fourth, "scan")->window_start, "2021-06-09");  // 2020-06-22 + 366 - 14
}

TEST(Plan, ProgressionAfterLongEnoughPfsPlansRetreatment) {
  // Eligibility labs after the progression, within 42 days of the plan; PFS from 2020-01-06: to 2021-07-20 is
  // 561 days = 18.4 months, to 2021-06-01 is 512 days = 16.8 months.
  const std::string labs =
      kLabsAfter +
      "P,2021-07-22,hb,7.5,mmol/l,7.5,10\nP,2021-07-22,wbc,4.5,10^9/l,4,10\n"
      "P,2021-07-22,platelets,180,10^9/l,150,400\nP,2021-07-22,creatinine,90,umol/l,60,110\n";
  const std::string responses = "P,2020-08-05,sd,recist\n";
  const registry::Interchange relapsed =
      WithRWorkUp(Scenario("retreat", kFourCycles, labs,
                           std::string(kNoEvents) + "P,2021-07-20,progression,recist\n", responses),
                  "2021-07-22");
  Plan retreat = PlanOn(relapsed, "2021-08-01");
  const PlannedAction* cycle = Find(retreat, "cycle");
  ASSERT_NE(cycle, nullptr);
  EXPECT_EQ(cycle->phase, "R");
  EXPECT_EQ(cycle->number, 1);
  EXPECT_EQ(cycle->status, "due");
  EXPECT_EQ(cycle->activity_gbq, 7.4);
  ASSERT_TRUE(retreat.eligibility.has_value());
  EXPECT_TRUE(retreat.eligibility->eligible);
  EXPECT_EQ(Find(retreat, "scan"), nullptr);  // progression ends the follow-up schedule of I-PRRT
  // Seven weeks on, those labs are 49 days old: new ones are needed first.
  const Plan later = PlanOn(relapsed, "2021-09-09");
  ASSERT_NE(Find(later, "cycle"), nullptr);
  EXPECT_EQ(Find(later, "cycle")->status, "blocked");
  EXPECT_EQ(Find(later, "cycle")->reason,
            "not eligible for R-PRRT: missing_data (missing: hb, wbc, platelets, creatinine or "
            "creatinine_clearance)");

  Plan too_short =
      PlanOn(WithRWorkUp(Scenario("short", kFourCycles, labs,
                                  std::string(kNoEvents) + "P,2021-06-01,progression,recist\n", responses),
                         "2021-07-22"),
             "2021-08-01");
  ASSERT_NE(Find(too_short, "cycle"), nullptr);
  EXPECT_EQ(Find(too_short, "cycle")->status, "blocked");
  EXPECT_EQ(Find(too_short, "cycle")->reason, "not eligible for R-PRRT: pfs_too_short");
}

TEST(Plan, MdsStopsTreatmentAndDeathEndsThePlan) {
  Plan mds = PlanOn(Scenario("mds", kTwoCycles, Platelets("2020-02-03", 160) + Platelets("2020-03-30", 170),
                             std::string(kNoEvents) + "P,2020-04-02,mds,\n"),
                    "2020-04-10");
  EXPECT_EQ(mds.phase_status, "stopped");
  EXPECT_EQ(*mds.stop_reason, "persistent myelosuppression: mds on 2020-04-02");
  EXPECT_EQ(Find(mds, "cycle"), nullptr);

  const std::string died =
      "patient_id,sex,birth_date,primary_site,last_contact_date,death_date\nP,f,1950-01-01,midgut,2020-04-05,"
      "2020-04-05\n";
  const registry::Interchange data =
      Scenario("died", kTwoCycles, Platelets("2020-03-30", 170), kNoEvents, "", died);
  EXPECT_EQ(PlanOn(data, "2020-04-10").phase_status, "deceased");
  EXPECT_TRUE(PlanOn(data, "2020-04-10").actions.empty());
  // The phase the patient died in, with the cycles given (the page said "0 of 0 cycles").
  EXPECT_EQ(PlanOn(data, "2020-04-10").cycles_given, 2);
  EXPECT_EQ(PlanOn(data, "2020-04-10").cycles_intended, 4);
  EXPECT_EQ(PlanOn(data, "2020-04-04").phase_status, "in_progress");  // death is not known before it happens
}

TEST(Plan, ANewPatientStartsInitialPrrtWhenEligible) {
  const std::string labs =
      "P,2019-12-20,hb,7.5,mmol/l,7.5,10\nP,2019-12-20,wbc,4.5,10^9/l,4,10\n"
      "P,2019-12-20,platelets,180,10^9/l,150,400\nP,2019-12-20,creatinine,90,umol/l,60,110\n";
  Plan plan = PlanOn(Scenario("new", Cycles({}), labs), "2020-01-02");
  EXPECT_EQ(plan.phase_status, "none");
  EXPECT_FALSE(plan.phase.has_value());
  ASSERT_EQ(plan.actions.size(), 1u);
  EXPECT_EQ(plan.actions[0].phase, "I");
  EXPECT_EQ(plan.actions[0].status, "due");
  EXPECT_EQ(plan.actions[0].window_start, "2020-01-02");
  EXPECT_EQ(plan.actions[0].activity_gbq, 7.4);
  EXPECT_FALSE(
      PlanNextActions(Scenario("new2", Cycles({}), labs), "Q", *ParseDay("2020-01-02"), *DefaultProtocol())
          .ok());
}

TEST(ProtocolFile, AFileOverridesOnlyTheKeysItHas) {
  const Protocol reference = *DefaultProtocol();
  Result<Protocol> p = ParseProtocol("[schedule]\ncycle_interval_weeks = [8, 12]\n", "p.toml");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->cycle_interval_min_days, 56);
  EXPECT_EQ(p->cycle_interval_max_days, 84);
  EXPECT_EQ(p->labs_after_cycle_min_days, 28);  // the reference value
  EXPECT_EQ(p->standard_activity_gbq, 7.4);
  EXPECT_EQ(p->dose_modification.size(), reference.dose_modification.size());
  EXPECT_EQ(reference.intended_cycles.at("I"), 4);
  EXPECT_EQ(reference.intended_cycles.at("R"), 2);
  EXPECT_EQ(reference.dose_modification.at(0).toxicity, "thrombocytopenia");
  EXPECT_EQ(reference.dose_modification.at(0).min_grade, 2);
  // A count written as a float with nothing after the point is that count; the largest allowed is taken.
  Result<Protocol> counts =
      ParseProtocol("[eligibility]\nmin_karnofsky = 70.0\nmax_lab_age_days = 100000\n", "p.toml");
  ASSERT_TRUE(counts.ok()) << counts.status().message();
  EXPECT_EQ(counts->min_karnofsky, 70);
  EXPECT_EQ(counts->max_lab_age_days, 100000);
}

TEST(ProtocolFile, BadKeysAreNamed) {
  struct Case {
    const char* toml;
    const char* message;
  };
  for (const Case& c : {
           Case{"[schedule]\ncycle_interval_weeks = [10, 6]\n",
                "p.toml: [schedule] cycle_interval_weeks: expected min <= max"},
           Case{"[schedule]\ncycle_interval_weeks = 6\n",
                "p.toml: [schedule] cycle_interval_weeks: expected [min, max] in weeks"},
           Case{"[[dose_modification]]\ntoxicity = \"x\"\ntests = [\"hb\"]\nmin_grade = 3\n",
                "p.toml: [[dose_modification]] row 1 resume_at_grade: expected a CTCAE grade 0-4"},
           Case{"[dosing]\nintended_cycles = { I = -1 }\n",
                "p.toml: [dosing] intended_cycles.I: expected a whole number from 0 to 100000"},
           Case{"[dosing]\nintended_cycles = { I = true }\n",
                "p.toml: [dosing] intended_cycles.I: expected a whole number from 0 to 100000"},
           Case{"[eligibility]\nmin_karnofsky = 80.5\n",
                "p.toml: [eligibility] min_karnofsky: expected a whole number from 0 to 100000"},
           // Counts too large for the dates they are added to (an int of days overflowed, or a double too
           // large for an int: undefined behaviour, found by fuzz/protocol_fuzzer).
           Case{"[eligibility]\nmin_karnofsky = 1e20\n",
                "p.toml: [eligibility] min_karnofsky: expected a whole number from 0 to 100000"},
           Case{"[safety]\npersistent_cytopenia_months = 2000000000\n",
                "p.toml: [safety] persistent_cytopenia_months: expected a whole number from 0 to 100000"},
           Case{"[schedule]\nscan_interval_days = 100001\n",
                "p.toml: [schedule] scan_interval_days: expected a whole number from 0 to 100000"},
           Case{"[schedule]\nscans_after_last_cycle_days = [90, 2147483647]\n",
                "p.toml: [schedule] scans_after_last_cycle_days: expected a whole number from 0 to 100000"},
           Case{"[eligibility]\nrenal = \"either\"\n",
                "p.toml: [eligibility] renal: expected creatinine_or_clearance or creatinine_and_clearance, "
                "found 'either'"},
       }) {
    Result<Protocol> p = ParseProtocol(c.toml, "p.toml");
    ASSERT_FALSE(p.ok()) << c.toml;
    EXPECT_EQ(p.status().message(), c.message);
  }
}

}  // namespace
}  // namespace prrt::protocol
