// The registry interchange format: the example folder passes; each kind of bad input is reported as
// file:line: column: message, all of them at once, with exit code 2.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/json_match.h"

namespace prrt::testing {
namespace {

namespace fs = std::filesystem;

struct Mutation {
  std::string name;
  std::string file;                   // the file to change
  std::string append;                 // a line appended to it ("" and replace empty: the file is removed)
  std::string replace;                // or its whole new content
  std::vector<std::string> messages;  // parts of the expected report, {dir} standing for the folder
};

void PrintTo(const Mutation& m, std::ostream* os) {
  *os << m.name;
}

fs::path CopyExample(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("prrt_registry_" + name);
  fs::remove_all(dir);
  fs::copy("tests/data/registry_example", dir);
  return dir;
}

TEST(Validate, TheExampleRegistryHasNoProblems) {
  std::string out, err;
  ASSERT_EQ(RunPrrt({"validate", "--from", "tests/data/registry_example", "--today", "2026-11-27", "--json"},
                    out, err),
            0)
      << err;
  nlohmann::json result = nlohmann::json::parse(out);
  EXPECT_EQ(result["rows"]["cycles.csv"], 12);
  EXPECT_EQ(result["rows"]["patients.csv"], 3);
}

class BadRegistry : public ::testing::TestWithParam<Mutation> {};

TEST_P(BadRegistry, IsReportedWithFileLineAndColumn) {
  const Mutation& m = GetParam();
  fs::path dir = CopyExample(m.name);
  if (!m.replace.empty()) {
    std::ofstream(dir / m.file) << m.replace;
  } else if (!m.append.empty()) {
    std::ofstream(dir / m.file, std::ios::app) << m.append << '\n';
  } else {
    fs::remove(dir / m.file);
  }
  std::string out, err;
  const int code = RunPrrt({"validate", "--from", dir.string(), "--today", "2026-11-27"}, out, err);
  fs::remove_all(dir);
  EXPECT_EQ(code, 2);
  EXPECT_TRUE(out.empty());
  for (std::string expected : m.messages) {
    for (size_t at; (at = expected.find("{dir}")) != std::string::npos;)
      expected.replace(at, 5, dir.string());
    EXPECT_NE(err.find(expected), std::string::npos) << "report:\n"
                                                     << err << "\nexpected to contain: " << expected;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, BadRegistry,
    ::testing::Values(
        Mutation{"unknown_patient",
                 "cycles.csv",
                 "P999,I,2010-01-01,7.4",
                 "",
                 {"{dir}/cycles.csv:14: patient_id: 'P999' is not in patients.csv"}},
        Mutation{"phase_out_of_order",
                 "cycles.csv",
                 "P002,R,2006-09-01,7.4",
                 "",
                 {"{dir}/cycles.csv:14: phase: this R cycle on 2006-09-01 is not after the last I cycle"}},
        Mutation{"rr_without_r",
                 "cycles.csv",
                 "P003,RR,2011-01-01,7.4",
                 "",
                 {"{dir}/cycles.csv:14: phase: a RR cycle without any R cycle before it"}},
        Mutation{"cycle_after_death",
                 "cycles.csv",
                 "P002,I,2014-06-01,7.4",
                 "",
                 {"{dir}/cycles.csv:14: date: a cycle on 2014-06-01 is after the patient's death_date",
                  "{dir}/cycles.csv:14: date: 2014-06-01 is after the patient's last_contact_date"}},
        Mutation{"death_before_birth",
                 "patients.csv",
                 "P004,m,1960-01-01,midgut,,,,,,1959-01-01,1959-01-01,,",
                 "",
                 {"{dir}/patients.csv:5: death_date: 1959-01-01 is before birth_date 1960-01-01"}},
        Mutation{"future_date",
                 "events.csv",
                 "P001,2030-01-01,progression,recist",
                 "",
                 {"{dir}/events.csv:6: date: found '2030-01-01'; expected a date not in the future"}},
        Mutation{"activity_out_of_range",
                 "cycles.csv",
                 "P003,I,2010-05-17,12.5",
                 "",
                 {"{dir}/cycles.csv:14: activity_gbq: found '12.5'; expected a number > 0 and <= 10"}},
        Mutation{"activity_zero",
                 "cycles.csv",
                 "P003,I,2010-05-17,0",
                 "",
                 {"{dir}/cycles.csv:14: activity_gbq: found '0'; expected a number > 0 and <= 10"}},
        Mutation{"unit_the_test_cannot_have",
                 "labs.csv",
                 "P001,2005-04-01,hb,12,mg/dl,,",
                 "",
                 {"{dir}/labs.csv:6: unit: found 'mg/dl'; hb is reported in g/dl, g/l, mmol/l"}},
        Mutation{"duplicate_cycle",
                 "cycles.csv",
                 "P001,I,2005-02-14,7.4",
                 "",
                 {"{dir}/cycles.csv:14: date: duplicate of line 2 (the same patient_id, date)"}},
        Mutation{"duplicate_patient",
                 "patients.csv",
                 "P001,f,1950-03-14,midgut,,,,,,2016-11-30,,,",
                 "",
                 {"{dir}/patients.csv:5: patient_id: duplicate of line 2"}},
        Mutation{"last_contact_before_event",
                 "events.csv",
                 "P003,2016-01-01,progression,recist",
                 "",
                 {"{dir}/events.csv:6: date: 2016-01-01 is after the patient's last_contact_date"}},
        Mutation{"bad_enum_and_bad_date_together",
                 "patients.csv",
                 "P004,x,1960-02-30,midgut,,,,,,2010-01-01,,,",
                 "",
                 {"{dir}/patients.csv:5: sex: found 'x'; expected one of: m, f",
                  "{dir}/patients.csv:5: birth_date: found '1960-02-30'; expected a date YYYY-MM-DD"}},
        Mutation{"missing_required_value",
                 "cycles.csv",
                 "P003,I,2010-05-17,",
                 "",
                 {"{dir}/cycles.csv:14: activity_gbq: missing; it is required"}},
        Mutation{"unknown_column",
                 "cycles.csv",
                 "",
                 "patient_id,phase,date,activity_gbq,dose\nP001,I,2005-02-14,7.4,1\n",
                 {"{dir}/cycles.csv:1: dose: unknown column; expected one of: patient_id, phase, date, "
                  "activity_gbq"}},
        Mutation{"missing_column",
                 "events.csv",
                 "",
                 "patient_id,date\nP001,2008-03-01\n",
                 {"{dir}/events.csv:1: event: the column is missing; it is required"}},
        Mutation{"missing_required_file",
                 "events.csv",
                 "",
                 "",
                 {"{dir}/events.csv: the file is missing; it is required"}},
        Mutation{"progression_without_method",
                 "events.csv",
                 "P002,2009-01-01,progression,",
                 "",
                 {"{dir}/events.csv:6: method: missing; it is required for a progression"}},
        Mutation{"target_lesion_without_diameter",
                 "lesions.csv",
                 "",
                 "patient_id,date,lesion_id,organ,role,lymph_node,diameter_mm,status\nP001,2005-01-20,L1,"
                 "liver,target,no,,\n",
                 {"{dir}/lesions.csv:2: diameter_mm: missing; it is required for a target lesion"}},
        Mutation{"krenning_out_of_range",
                 "baselines.csv",
                 "P003,I,2010-01-05,5,,,,,",
                 "",
                 {"{dir}/baselines.csv:5: krenning_score: found '5'; expected a whole number >= 0 and <= 4"}},
        Mutation{"ragged_row",
                 "labs.csv",
                 "P001,2005-04-01,hb",
                 "",
                 {"{dir}/labs.csv:6: expected 7 fields as in the header, found 3"}}),
    [](const ::testing::TestParamInfo<Mutation>& info) { return info.param.name; });

TEST(Validate, NotAFolder) {
  std::string out, err;
  EXPECT_EQ(RunPrrt({"validate", "--from", "tests/data/no_such_folder"}, out, err), 2);
  EXPECT_NE(err.find("tests/data/no_such_folder: not a folder"), std::string::npos) << err;
}

}  // namespace
}  // namespace prrt::testing
