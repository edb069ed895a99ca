// The registry interchange format: the example folder passes; each kind of bad input is reported as
// file:line: column: message, all of them at once, with exit code 2.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <tuple>

#include "prrt/registry/interchange.h"
#include "support/json_match.h"
#include "support/scenario.h"

namespace prrt::testing {
namespace {

namespace fs = std::filesystem;

const registry::Day kToday = *registry::ParseDay("2026-11-27");

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

// Replaces the first `from` in the file by `to`.
void EditFile(const fs::path& file, const std::string& from, const std::string& to) {
  std::string text = Slurp(file);
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
  std::ofstream(file) << text;
}

// Read whole and patient by patient: the rows of each file, counted in tests/data/registry_example (which has
// no lesions.csv).
TEST(Validate, TheExampleRegistryHasNoProblems) {
  for (const bool by_patient : {false, true}) {
    std::vector<std::string> command = {"validate", "--from",     "tests/data/registry_example",
                                        "--today",  "2026-11-27", "--json"};
    if (by_patient) command.push_back("--by-patient");
    std::string out, err;
    ASSERT_EQ(RunPrrt(command, out, err), 0) << err;
    EXPECT_TRUE(err.empty()) << err;
    const nlohmann::json result = nlohmann::json::parse(out);
    EXPECT_EQ(result["valid"], true);
    EXPECT_EQ(result["rows"], nlohmann::json::parse(R"({"patients.csv": 3, "cycles.csv": 12, "labs.csv": 4,
        "responses.csv": 3, "events.csv": 4, "baselines.csv": 3, "lesions.csv": 0})"))
        << "by patient: " << by_patient;
  }
}

// validate --json splits each problem into its parts, by hand here: two fields of one row, a row with a
// field too many (no column), a file missing (no line).
TEST(Validate, JsonGivesEachProblemsFileLineColumnAndMessage) {
  fs::path dir = CopyExample("validate_json");
  std::ofstream(dir / "patients.csv", std::ios::app) << "P004,x,1960-02-30,midgut,,,,,,2010-01-01,,,\n";
  std::ofstream(dir / "labs.csv", std::ios::app) << "P001,2005-04-01,hb,7,mmol/l,,,\n";
  fs::remove(dir / "events.csv");
  std::string out, err;
  ASSERT_EQ(RunPrrt({"validate", "--json", "--from", dir.string(), "--today", "2026-11-27"}, out, err), 2);
  const nlohmann::json expected = nlohmann::json::parse(fmt::format(R"json({{"valid": false,
      "more_problems": false, "problems": [
      {{"file": "{0}/patients.csv", "line": 5, "column": "sex", "message": "found 'x'; expected one of: m, f"}},
      {{"file": "{0}/patients.csv", "line": 5, "column": "birth_date",
        "message": "found '1960-02-30'; expected a date YYYY-MM-DD (1960-02 has 29 days)"}},
      {{"file": "{0}/labs.csv", "line": 6, "column": null,
        "message": "expected 7 fields as in the header, found 8"}},
      {{"file": "{0}/events.csv", "line": null, "column": null,
        "message": "the file is missing; it is required"}}]}})json",
                                                                    dir.string()));
  EXPECT_EQ(nlohmann::json::parse(out), expected);
  fs::remove_all(dir);
}

// A report stops at 100 problems and says so: on the command line in its last line, in JSON as more_problems.
TEST(Validate, AReportStopsAtAHundredProblemsAndSaysSo) {
  fs::path dir = CopyExample("validate_limit");
  {
    std::ofstream cycles(dir / "cycles.csv", std::ios::app);
    for (int i = 0; i < 150; ++i)
      cycles << "P001,I,2005-12-" << 10 + i % 10 << ",12.5\n";  // 12.5 GBq: above 10
  }
  std::string out, err;
  ASSERT_EQ(RunPrrt({"validate", "--from", dir.string(), "--today", "2026-11-27"}, out, err), 2);
  EXPECT_TRUE(err.ends_with("\n(more problems not shown; the first 100 are above)\n")) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 101);
  ASSERT_EQ(RunPrrt({"validate", "--json", "--from", dir.string(), "--today", "2026-11-27"}, out, err), 2);
  const nlohmann::json report = nlohmann::json::parse(out);
  EXPECT_EQ(report["more_problems"], true);
  ASSERT_EQ(report["problems"].size(), 100u);
  EXPECT_EQ(report["problems"][0]["line"], 14);
  EXPECT_EQ(report["problems"][0]["column"], "activity_gbq");
  fs::remove_all(dir);
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
  // The same report from validate, reading the folder whole or patient by patient, and from an import
  // reading it patient by patient (each reads it whole when its rows are out of order); nothing stored.
  const std::string db = (dir.string() + ".db");
  // The lines of a report, but a note that the folder is read whole, sorted (read by patient, a patient's
  // problems come together).
  auto problems_said = [](const std::string& err) {
    std::vector<std::string> lines;
    std::istringstream in(err);
    for (std::string line; std::getline(in, line);) {
      if (line.ends_with("read the folder whole")) continue;
      lines.push_back(line.starts_with("prrt: ") ? line.substr(6) : line);
    }
    std::sort(lines.begin(), lines.end());
    return lines;
  };
  std::optional<std::vector<std::string>> first_report;
  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"validate", "--from", dir.string(), "--today", "2026-11-27"},
        std::vector<std::string>{"validate", "--by-patient", "--from", dir.string(), "--today", "2026-11-27"},
        std::vector<std::string>{"import", "--by-patient", "--db", db, "--from", dir.string(), "--today",
                                 "2026-11-27"}}) {
    std::string out, err;
    const int code = RunPrrt(command, out, err);
    EXPECT_EQ(code, 2) << command[0];
    EXPECT_TRUE(out.empty()) << command[0];
    if (!first_report) first_report = problems_said(err);
    EXPECT_EQ(problems_said(err), *first_report) << command[0] << " " << command[1];
    for (std::string expected : m.messages) {
      for (size_t at; (at = expected.find("{dir}")) != std::string::npos;)
        expected.replace(at, 5, dir.string());
      EXPECT_NE(err.find(expected), std::string::npos) << command[0] << " report:\n"
                                                       << err << "\nexpected to contain: " << expected;
    }
  }
  // validate --json gives the same report as JSON, each problem in its parts: its file, line and column
  // (where the problem has them) and the message, which make its line of the report again.
  {
    std::string out, err;
    ASSERT_EQ(RunPrrt({"validate", "--json", "--from", dir.string(), "--today", "2026-11-27"}, out, err), 2);
    const nlohmann::json report = nlohmann::json::parse(out);
    EXPECT_EQ(report["valid"], false);
    EXPECT_EQ(report["more_problems"], false);
    std::vector<std::string> lines;
    for (const nlohmann::json& problem : report["problems"]) {
      ASSERT_TRUE(problem["file"].is_string()) << problem;
      EXPECT_TRUE(problem["file"].get<std::string>().starts_with(dir.string() + "/")) << problem;
      EXPECT_EQ(problem["line"].is_null(), m.name == "missing_required_file") << problem;
      std::string line = problem["file"].get<std::string>();
      if (!problem["line"].is_null()) line += fmt::format(":{}", problem["line"].get<int64_t>());
      line += ": ";
      if (!problem["column"].is_null()) line += problem["column"].get<std::string>() + ": ";
      lines.push_back(line + problem["message"].get<std::string>());
    }
    std::sort(lines.begin(), lines.end());
    EXPECT_EQ(lines, problems_said(err));
  }
  if (fs::exists(db)) {
    std::string out, err;
    ASSERT_EQ(RunPrrt({"export", "--db", db, "--to", dir.string() + ".out"}, out, err), 0) << err;
    EXPECT_EQ(Slurp(fs::path(dir.string() + ".out") / "patients.csv").find("P00"), std::string::npos);
    fs::remove_all(dir.string() + ".out");
  }
  fs::remove_all(dir);
  fs::remove(db);
  fs::remove(db + "-wal");
  fs::remove(db + "-shm");
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
        // Listed again with an earlier last contact (before P003's MDS): the rules between rows read the
        // first listing, as the read by patient does, which meets the second only after checking the first.
        Mutation{"duplicate_patient_other_dates",
                 "patients.csv",
                 "P003,f,1962-11-23,bronchial,,unknown,unknown,unknown,unknown,2010-06-01,,wait_and_see,",
                 "",
                 {"{dir}/patients.csv:5: patient_id: duplicate of line 4"}},
        // Listed again with a field in error: the rules still read the first listing (the patient's fields
        // that are read are right), whole as by patient.
        Mutation{"duplicate_patient_with_a_field_in_error",
                 "patients.csv",
                 "P004,m,1960-01-01,midgut,,,,,,1959-01-01,1959-01-01,,\n"
                 "P004,x,1960-01-01,midgut,,,,,,2010-01-01,,,",
                 "",
                 {"{dir}/patients.csv:5: death_date: 1959-01-01 is before birth_date 1960-01-01",
                  "{dir}/patients.csv:6: sex: found 'x'; expected one of: m, f",
                  "{dir}/patients.csv:6: patient_id: duplicate of line 5"}},
        Mutation{"last_contact_before_event",
                 "events.csv",
                 "P003,2016-01-01,progression,recist",
                 "",
                 {"{dir}/events.csv:6: date: 2016-01-01 is after the patient's last_contact_date"}},
        // In its patient's place (read by patient too): the phase in error is not read by the rules of
        // phases.
        Mutation{"unknown_phase",
                 "cycles.csv",
                 "",
                 "patient_id,phase,date,activity_gbq\nP001,X,2005-02-14,7.4\nP001,I,2005-04-18,7.4\n",
                 {"{dir}/cycles.csv:2: phase: found 'X'; expected one of: I, R, RR"}},
        Mutation{"bad_enum_and_bad_date_together",
                 "patients.csv",
                 "P004,x,1960-02-30,midgut,,,,,,2010-01-01,,,",
                 "",
                 {"{dir}/patients.csv:5: sex: found 'x'; expected one of: m, f",
                  "{dir}/patients.csv:5: birth_date: found '1960-02-30'; expected a date YYYY-MM-DD (1960-02 "
                  "has 29 days)"}},
        // Dates as a spreadsheet set to a Dutch (day first) or American (month first) date format saves them.
        Mutation{
            "dates_with_the_year_last",
            "cycles.csv",
            "",
            "patient_id,phase,date,activity_gbq\nP001,I,14-02-2005,7.4\nP001,I,4/18/2005,7.4\n",
            {"{dir}/cycles.csv:2: date: found '14-02-2005'; expected a date YYYY-MM-DD (the year comes last "
             "here, as a spreadsheet's local date format writes it: 2005-02-14)",
             "{dir}/cycles.csv:3: date: found '4/18/2005'; expected a date YYYY-MM-DD (the year comes last "
             "here, as a spreadsheet's local date format writes it: 2005-04-18)"}},
        // An enumeration's value in another case, or with a space after it (as a hand-typed cell may have).
        Mutation{
            "enum_in_another_case_or_with_spaces",
            "patients.csv",
            "P004,F,1960-01-01,Midgut ,,,,,,2010-01-01,,,",
            "",
            {"{dir}/patients.csv:5: sex: found 'F'; expected one of: m, f (write 'f': case and spaces count)",
             "{dir}/patients.csv:5: primary_site: found 'Midgut '; expected one of: bronchial, pancreatic, "
             "midgut, hindgut, foregut, unknown (write 'midgut': case and spaces count)"}},
        // A decimal comma in a quoted field (unquoted, it would split the field in two).
        Mutation{
            "decimal_comma",
            "cycles.csv",
            "",
            "patient_id,phase,date,activity_gbq\nP001,I,2005-02-14,\"7,4\"\n",
            {"{dir}/cycles.csv:2: activity_gbq: found '7,4'; expected a number (with a decimal point: 7.4)"}},
        // Text in another encoding than UTF-8: Latin-1 (Windows-1252) e-acute and micro sign, shown as bytes.
        Mutation{
            "latin1_free_text",
            "patients.csv",
            "P004,m,1960-01-01,midgut,,,,,,2010-01-01,,,caf\xE9",
            "",
            {"{dir}/patients.csv:5: x_note: found 'caf\\xE9'; expected UTF-8 text (this looks like another "
             "encoding, such as Windows-1252 or Latin-1: save the file as CSV UTF-8)"}},
        // A NUL byte is no character of a text (SQLite's text and C strings end at it: the note was stored
        // cut short and an export of it never ended).
        Mutation{"nul_in_free_text",
                 "patients.csv",
                 std::string("P004,m,1960-01-01,midgut,,,,,,2010-01-01,,,a\0b", 46),
                 "",
                 {"{dir}/patients.csv:5: x_note: found 'a\\x00b'; expected UTF-8 text"}},
        // A file saved as UTF-16 (little-endian, without a byte-order mark): a NUL after each ASCII letter.
        Mutation{"utf16",
                 "events.csv",
                 "",
                 std::string("p\0a\0t\0i\0e\0n\0t\0_\0i\0d\0,\0d\0a\0t\0e\0\n\0", 32),
                 {"{dir}/events.csv:1: column 1: found a name that is not UTF-8, "
                  "'p\\x00a\\x00t\\x00i\\x00e\\x00n\\x00t\\x00_\\x00i\\x00d\\x00'; expected UTF-8 text (this "
                  "looks like another encoding"}},
        // An id on two lines (a newline in a quoted field): shown escaped, on the message's line.
        Mutation{
            "control_character_in_an_id",
            "patients.csv",
            "\"P0\n04\",m,1960-01-01,midgut,,,,,,2010-01-01,,,",
            "",
            {"{dir}/patients.csv:5: patient_id: found 'P0\\n04'; expected text without control characters "
             "(tab, newline, ...)\n"}},
        Mutation{"latin1_unit",
                 "labs.csv",
                 "P001,2005-03-15,creatinine,80,\xB5mol/l,,",
                 "",
                 {"{dir}/labs.csv:6: unit: found '\\xB5mol/l'; expected UTF-8 text"}},
        Mutation{
            "latin1_column_name",
            "cycles.csv",
            "",
            "patient_id,phase,date,activity_gbq,x_opmerking_arts_\xE9\xE9n\nP001,I,2005-03-22,7.4,\n",
            {"{dir}/cycles.csv:1: column 5: found a name that is not UTF-8, 'x_opmerking_arts_\\xE9\\xE9n'; "
             "expected UTF-8 text"}},
        // A spreadsheet set to a decimal comma saves "CSV" separated by ';': one message, not one a column.
        Mutation{
            "semicolon_separated",
            "cycles.csv",
            "",
            "patient_id;phase;date;activity_gbq\nP001;I;2005-03-22;7,4\n",
            {"{dir}/cycles.csv:1: the fields seem separated by ';' (as a spreadsheet set to a decimal comma "
             "saves CSV); expected ',' between fields and '.' as the decimal point\n"}},
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
        // Two columns of one name: which value a row keeps is not for the reader to guess (it kept one).
        Mutation{
            "duplicate_column",
            "cycles.csv",
            "",
            "patient_id,phase,date,activity_gbq,activity_gbq\nP001,I,2005-02-14,7.4,3.7\n",
            {"{dir}/cycles.csv:1: activity_gbq: the column is there twice (columns 4 and 5); expected each "
             "column once"}},
        Mutation{
            "column_without_name",
            "cycles.csv",
            "",
            "patient_id,phase,date,activity_gbq,\nP001,I,2005-02-14,7.4,\n",
            {"{dir}/cycles.csv:1: column 5: a column without a name; expected one of: patient_id, phase, "
             "date, activity_gbq (a ',' after the last column makes one)"}},
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
        Mutation{"non_target_lesion_without_status",
                 "lesions.csv",
                 "",
                 "patient_id,date,lesion_id,organ,role,lymph_node,diameter_mm,status\nP001,2005-01-20,L1,"
                 "bone,non_target,no,,\n",
                 {"{dir}/lesions.csv:2: status: missing; it is required for a non-target lesion"}},
        // A date's measurements must be evaluable against its phase's baseline (RECIST 1.1): a target not
        // at the I-PRRT baseline of 2005-02-01; a lesion 'new' at the R-PRRT baseline of 2008-06-10 (P001's R
        // cycles start on 2008-06-23).
        Mutation{"lesion_target_not_at_baseline",
                 "lesions.csv",
                 "",
                 "patient_id,date,lesion_id,organ,role,lymph_node,diameter_mm,status\n"
                 "P001,2005-02-01,L1,liver,target,no,40,\nP001,2005-11-20,L1,liver,target,no,30,\n"
                 "P001,2005-11-20,L2,liver,target,no,12,\nP001,2008-06-10,L1,liver,target,no,50,\n",
                 {"{dir}/lesions.csv:3: role: lesion L2 is a target after baseline but not at baseline "
                  "(measured against the I-PRRT baseline of 2005-02-01)"}},
        // The same measurements in no date order: they are evaluated in date order all the same.
        Mutation{"lesion_target_not_at_baseline_rows_out_of_date_order",
                 "lesions.csv",
                 "",
                 "patient_id,date,lesion_id,organ,role,lymph_node,diameter_mm,status\n"
                 "P001,2005-11-20,L2,liver,target,no,12,\nP001,2008-06-10,L1,liver,target,no,50,\n"
                 "P001,2005-11-20,L1,liver,target,no,30,\nP001,2005-02-01,L1,liver,target,no,40,\n",
                 {"{dir}/lesions.csv:2: role: lesion L2 is a target after baseline but not at baseline "
                  "(measured against the I-PRRT baseline of 2005-02-01)"}},
        Mutation{"lesion_new_at_baseline",
                 "lesions.csv",
                 "",
                 "patient_id,date,lesion_id,organ,role,lymph_node,diameter_mm,status\n"
                 "P001,2005-02-01,L1,liver,target,no,40,\nP001,2008-06-10,L1,liver,target,no,50,\n"
                 "P001,2008-06-10,X1,liver,new,no,9,\nP001,2008-11-30,L1,liver,target,no,45,\n",
                 {"{dir}/lesions.csv:3: role: lesion X1 is 'new' at baseline (measured against the R-PRRT "
                  "baseline of 2008-06-10)"}},
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

TEST(Validate, ASemicolonSeparatedFileIsOneProblemNotOneAColumn) {
  const fs::path dir = CopyExample("semicolons");
  std::ofstream(dir / "labs.csv")
      << "patient_id;date;test;value;unit;lln;uln\nP001;2005-03-15;hb;7,4;mmol/l;7,5;10\n";
  std::string out, err;
  EXPECT_EQ(RunPrrt({"validate", "--from", dir.string(), "--today", "2026-11-27"}, out, err), 2);
  EXPECT_EQ(err,
            "prrt: " + (dir / "labs.csv").string() +
                ":1: the fields seem separated by ';' (as a spreadsheet set to a decimal comma saves CSV); "
                "expected ',' between fields and '.' as the decimal point\n");
  fs::remove_all(dir);
}

TEST(Validate, NotAFolder) {
  std::string out, err;
  EXPECT_EQ(RunPrrt({"validate", "--from", "tests/data/no_such_folder"}, out, err), 2);
  EXPECT_NE(err.find("tests/data/no_such_folder: not a folder"), std::string::npos) << err;
}

// Reading patient by patient (for folders too large to hold) against the whole read as the reference.
registry::Interchange ReadWhole(const fs::path& folder, registry::Problems& problems) {
  Result<registry::Interchange> data = registry::ReadInterchange(folder.string(), kToday, problems);
  EXPECT_TRUE(data.ok()) << data.status().message();
  return data.ok() ? std::move(*data) : registry::Interchange{};
}

// Each patient's rows as (file, line, values), in the order read.
using PatientRows = std::vector<std::tuple<std::string, int64_t, registry::RowValues>>;
PatientRows Flatten(const registry::Interchange& one) {
  PatientRows rows;
  for (const auto& [file, list] : one.files)
    for (const registry::Row& row : list)
      rows.emplace_back(file, row.line, row.values);
  return rows;
}

TEST(ReadByPatient, VisitsEachPatientWithTheRowsOfTheWholeRead) {
  TempDir dir("by_patient_rows");
  std::string out, err;
  // The simulated folder with its scans as lesion measurements: every file of the format has rows.
  ASSERT_EQ(RunPrrt({"simulate", "--patients", "60", "--seed", "5", "--lesions", "--out",
                     (dir.path / "sim").string()},
                    out, err),
            0)
      << err;
  for (const fs::path& folder : {fs::path("tests/data/registry_example"), dir.path / "sim"}) {
    registry::Problems whole_problems;
    const registry::Interchange whole = ReadWhole(folder, whole_problems);
    if (folder == dir.path / "sim") {
      EXPECT_GT(whole.files.at("lesions.csv").size(), 100u);
    }
    std::vector<std::string> order;  // patients.csv's order
    for (const registry::Row& row : whole.files.at("patients.csv"))
      order.push_back(*row.get("patient_id"));
    std::map<std::string, PatientRows> expected;
    for (const auto& [id, one] : registry::SplitByPatient(whole))
      expected[id] = Flatten(one);

    std::vector<std::string> visited;
    std::map<std::string, PatientRows> got;
    registry::Problems problems;
    const Status read = registry::ReadInterchangeByPatient(
        folder.string(), kToday, problems, [&](const std::string& id, registry::Interchange& rows) {
          visited.push_back(id);
          got[id] = Flatten(rows);
          return Status();
        });
    ASSERT_TRUE(read.ok()) << read.message();
    EXPECT_EQ(visited, order) << folder;
    EXPECT_EQ(got, expected) << folder;
    EXPECT_GT(order.size(), 2u);
  }
}

TEST(ReadByPatient, RowsOutOfOrderAskForTheWholeRead) {
  const fs::path dir = CopyExample("by_patient_order");
  // P003's cycles first: every row is valid, but the file is not in patients.csv's order.
  std::string cycles = Slurp(dir / "cycles.csv"), moved, rest;
  std::istringstream lines(cycles);
  std::string header, line;
  std::getline(lines, header);
  while (std::getline(lines, line))
    (line.rfind("P003,", 0) == 0 ? moved : rest) += line + "\n";
  std::ofstream(dir / "cycles.csv") << header << "\n" << moved << rest;
  registry::Problems problems;
  int visits = 0;
  const Status read = registry::ReadInterchangeByPatient(dir.string(), kToday, problems,
                                                         [&](const std::string&, registry::Interchange&) {
                                                           ++visits;
                                                           return Status();
                                                         });
  EXPECT_EQ(read.code(), StatusCode::kOutOfOrder);
  // P003 has two cycles (lines 2 and 3): the first row of P001, on line 4, comes after P003's turn.
  EXPECT_NE(read.message().find((dir / "cycles.csv").string() +
                                ":4: patient_id: the rows of patient 'P001' are not together"),
            std::string::npos)
      << read.message();
  EXPECT_TRUE(problems.empty());
  // The import reads such a folder whole instead, and stores what a plain import stores.
  std::string out, err;
  const std::string a = dir.string() + "_a.db", b = dir.string() + "_b.db";
  ASSERT_EQ(RunPrrt({"import", "--db", a, "--from", dir.string(), "--today", "2026-11-27"}, out, err), 0)
      << err;
  ASSERT_EQ(RunPrrt({"import", "--by-patient", "--db", b, "--from", dir.string(), "--today", "2026-11-27"},
                    out, err),
            0)
      << err;
  EXPECT_NE(err.find("not together"), std::string::npos);
  // So does validate: it finds no problem and counts the rows of the whole read.
  std::string whole, by_patient;
  ASSERT_EQ(RunPrrt({"validate", "--from", dir.string(), "--today", "2026-11-27", "--json"}, whole, err), 0)
      << err;
  ASSERT_EQ(RunPrrt({"validate", "--by-patient", "--from", dir.string(), "--today", "2026-11-27", "--json"},
                    by_patient, err),
            0)
      << err;
  EXPECT_NE(err.find(":4: patient_id: the rows of patient 'P001' are not together"), std::string::npos)
      << err;
  EXPECT_EQ(nlohmann::json::parse(by_patient), nlohmann::json::parse(whole));
  EXPECT_EQ(nlohmann::json::parse(whole)["rows"]["cycles.csv"], 12);
  ASSERT_EQ(RunPrrt({"export", "--db", a, "--to", dir.string() + "_a"}, out, err), 0);
  ASSERT_EQ(RunPrrt({"export", "--db", b, "--to", dir.string() + "_b"}, out, err), 0);
  for (const std::string& file : registry::InterchangeFiles()) {
    if (fs::exists(fs::path(dir.string() + "_a") / file)) {
      EXPECT_EQ(Slurp(fs::path(dir.string() + "_b") / file), Slurp(fs::path(dir.string() + "_a") / file))
          << file;
    }
  }
  for (const std::string& path : {dir.string(), dir.string() + "_a", dir.string() + "_b"})
    fs::remove_all(path);
  for (const std::string& db : {a, b})
    for (const char* suffix : {"", "-wal", "-shm"})
      fs::remove(db + suffix);
}

// Only rows out of order make an import read the folder whole: a failure of the registry (one written by a
// newer prrt) is said once, and the folder is not read again.
TEST(ReadByPatient, AFailureOfTheRegistryIsNotTakenForRowsOutOfOrder) {
  TempDir dir("by_patient_registry_fails");
  const std::string db = (dir.path / "r.db").string();
  std::string out, err;
  ASSERT_EQ(RunPrrt({"import", "--db", db, "--from", "tests/data/registry_example"}, out, err), 0) << err;
  ASSERT_TRUE(ExecSql(db, "PRAGMA user_version = 99"));
  out.clear();
  err.clear();
  EXPECT_EQ(
      RunPrrt({"import", "--by-patient", "--db", db, "--from", "tests/data/registry_example"}, out, err), 1);
  EXPECT_EQ(err,
            fmt::format("prrt: {}: schema version 99 is newer than this prrt (5); use a newer prrt\n", db));
  EXPECT_TRUE(out.empty()) << out;
}

TEST(ReadByPatient, ReportsTheProblemsOfTheWholeReadAndVisitsNoneAfterTheFirst) {
  const fs::path dir = CopyExample("by_patient_problems");
  // Kept in patients.csv's order: a unit hb cannot have (P001), P002 born after dying (so its rows in the
  // other files are dated before its birth), and P003 listed twice, the same row again (last, so that its
  // rows elsewhere stay in order).
  EditFile(dir / "labs.csv", "P001,2005-03-15,hb,7.4,mmol/l", "P001,2005-03-15,hb,7.4,mg/dl");
  EditFile(dir / "patients.csv", "P002,m,1948-07-02", "P002,m,2015-07-02");
  std::ofstream(dir / "patients.csv", std::ios::app)
      << "P003,f,1962-11-23,bronchial,,unknown,unknown,unknown,unknown,2015-09-01,,wait_and_see,\n";
  registry::Problems whole;
  ASSERT_FALSE(registry::ReadInterchange(dir.string(), kToday, whole).ok());
  registry::Problems streamed;
  std::vector<std::string> visited;
  const Status read = registry::ReadInterchangeByPatient(dir.string(), kToday, streamed,
                                                         [&](const std::string& id, registry::Interchange&) {
                                                           visited.push_back(id);
                                                           return Status();
                                                         });
  EXPECT_EQ(read.code(), StatusCode::kInvalidArgument);
  std::vector<std::string> a = whole.messages, b = streamed.messages;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  EXPECT_EQ(b, a);
  EXPECT_GE(a.size(), 5u);
  EXPECT_TRUE(visited.empty());  // P001, the first patient, already has a problem
  for (const std::string& m : a)
    EXPECT_NE(read.message().find(m), std::string::npos) << m;
  fs::remove_all(dir);
}

// One round of corrections: the problems of every field, and the rules between rows for each patient whose
// fields are right. A patient with a field in error (P001's phase 'X', P003's sex 'x') is left out of those
// rules: a rule read from the value in error would only echo it ("a X cycle without any R cycle before it"),
// and their others (P001's lab after the last contact, P003's cycle before birth) come once the field is
// mended. P002's cycle after death is said beside them. Read whole and patient by patient alike.
// Read whole and patient by patient, the folder has these problems (in any order), and no patient is visited.
void ExpectProblemsReadWholeAndByPatient(const std::string& folder, std::vector<std::string> expected) {
  std::sort(expected.begin(), expected.end());
  registry::Problems whole;
  EXPECT_EQ(registry::ReadInterchange(folder, kToday, whole).status().code(), StatusCode::kInvalidArgument);
  registry::Problems by_patient;
  int visits = 0;
  EXPECT_EQ(registry::ReadInterchangeByPatient(folder, kToday, by_patient,
                                               [&](const std::string&, registry::Interchange&) {
                                                 ++visits;
                                                 return Status();
                                               })
                .code(),
            StatusCode::kInvalidArgument);
  for (std::vector<std::string> found : {whole.messages, by_patient.messages}) {
    std::sort(found.begin(), found.end());
    EXPECT_EQ(found, expected);
  }
  EXPECT_EQ(visits, 0);
}

TEST(Validate, FieldProblemsAndTheRulesOfOtherPatientsInOneReport) {
  const fs::path dir = CopyExample("fields_and_rules");
  EditFile(dir / "cycles.csv", "P001,I,2005-02-14", "P001,X,2005-02-14");
  EditFile(dir / "labs.csv", "P001,2008-07-21", "P001,2017-07-21");
  EditFile(dir / "cycles.csv", "P002,I,2006-10-16", "P002,I,2014-06-01");
  EditFile(dir / "patients.csv", "P003,f,", "P003,x,");
  EditFile(dir / "cycles.csv", "P003,I,2010-03-15", "P003,I,1960-03-15");
  const std::string d = dir.string();
  std::vector<std::string> expected = {
      d + "/cycles.csv:2: phase: found 'X'; expected one of: I, R, RR",
      d + "/cycles.csv:11: date: 2014-06-01 is after the patient's last_contact_date; the last contact "
          "cannot "
          "be before a recorded cycle",
      d + "/cycles.csv:11: date: a cycle on 2014-06-01 is after the patient's death_date",
      d + "/patients.csv:4: sex: found 'x'; expected one of: m, f",
  };
  ExpectProblemsReadWholeAndByPatient(d, expected);
  fs::remove_all(dir);
}

// A file that cannot be read to its end (missing, a column in error, a record that cannot be parsed) is
// missing rows: neither read applies the rules between rows then, not even to the patients read before the
// break, but each field read is checked.
TEST(Validate, AFileNotReadToItsEndLeavesOutTheRulesOfBothReads) {
  {
    const fs::path dir = CopyExample("events_missing");
    fs::remove(dir / "events.csv");
    EditFile(dir / "patients.csv", "P003,f,", "P003,x,");
    EditFile(dir / "cycles.csv", "P002,I,2006-10-16", "P002,I,2014-06-01");  // after P002's death
    const std::string d = dir.string();
    ExpectProblemsReadWholeAndByPatient(d, {d + "/events.csv: the file is missing; it is required",
                                            d + "/patients.csv:4: sex: found 'x'; expected one of: m, f"});
    fs::remove_all(dir);
  }
  {
    // P001's lab after its last contact is read before the break in P002's lab (labs.csv:5, column 4).
    const fs::path dir = CopyExample("labs_broken");
    EditFile(dir / "labs.csv", "P001,2008-07-21", "P001,2017-07-21");
    EditFile(dir / "labs.csv", "P002,2006-05-08,creatinine,95", "P002,2006-05-08,creatinine,9\"5");
    EditFile(dir / "patients.csv", "P003,f,", "P003,x,");
    const std::string d = dir.string();
    ExpectProblemsReadWholeAndByPatient(
        d, {d + "/labs.csv:5: column 4: a '\"' inside an unquoted field; expected the whole field to be "
                "quoted, with '\"' doubled inside it",
            d + "/patients.csv:4: sex: found 'x'; expected one of: m, f"});
    fs::remove_all(dir);
  }
}

// A row added (AddRow) to the example registry: refused, the registry left as it was, when its key is another
// row's (said beside the key's first column after patient_id) or when it makes a row read from a file break a
// rule (said of that row, at its line).
TEST(ChangeRow, AddsARowOrSaysWhyNot) {
  registry::Problems problems;
  registry::Interchange data = ReadWhole("tests/data/registry_example", problems);
  const PatientRows before = Flatten(data);
  struct Refused {
    std::string file;
    registry::RowValues values;
    std::string problem;
  };
  const std::vector<Refused> refused = {
      {"cycles.csv",
       {{"patient_id", "P001"}, {"phase", "I"}, {"date", "2005-02-14"}, {"activity_gbq", "7.4"}},
       "cycles.csv (row given): date: found '2005-02-14'; cycles.csv has a row of patient_id P001, date "
       "2005-02-14 already (correct that one, or remove it first)"},
      {"labs.csv",
       {{"patient_id", "P001"}, {"date", "2005-03-15"}, {"test", "hb"}, {"value", "7.0"}, {"unit", "mmol/l"}},
       "labs.csv (row given): date: found '2005-03-15'; labs.csv has a row of patient_id P001, date "
       "2005-03-15, test hb already (correct that one, or remove it first)"},
      {"cycles.csv",
       {{"patient_id", "P001"}, {"phase", "I"}, {"date", "2008-07-01"}, {"activity_gbq", "7.4"}},
       "tests/data/registry_example/cycles.csv:6: phase: this R cycle on 2008-06-23 is not after the last I "
       "cycle; phases follow each other in time"},
  };
  for (const Refused& r : refused) {
    registry::Problems found;
    EXPECT_EQ(registry::AddRow(data, r.file, r.values, kToday, found).code(), StatusCode::kInvalidArgument);
    ASSERT_FALSE(found.empty()) << r.problem;
    EXPECT_EQ(found.messages[0], r.problem);
    EXPECT_EQ(Flatten(data), before);
  }
  registry::Problems fine;
  ASSERT_TRUE(registry::AddRow(data, "labs.csv",
                               {{"patient_id", "P001"},
                                {"date", "2005-03-15"},
                                {"test", "creatinine"},
                                {"value", "70"},
                                {"unit", "umol/l"}},
                               kToday, fine)
                  .ok())
      << (fine.empty() ? "" : fine.messages[0]);
  EXPECT_EQ(Flatten(data).size(), before.size() + 1);
}

// A correction (ReplaceRow) and a removal (RemoveRow) of a row of the example registry: the row of the key
// changes or goes, and where the result would break a rule, or no row has the key, the registry is exactly as
// it was (every row, in its order, with its file and line).
TEST(ChangeRow, ReplacesOrRemovesTheRowOfTheKeyOrChangesNothing) {
  registry::Problems problems;
  registry::Interchange data = ReadWhole("tests/data/registry_example", problems);
  const PatientRows before = Flatten(data);
  auto cycle = [](const std::string& phase, const std::string& date, const std::string& gbq) {
    return registry::RowValues{
        {"patient_id", "P001"}, {"phase", phase}, {"date", date}, {"activity_gbq", gbq}};
  };
  // No row of the key; a value out of range; a phase order broken (an I cycle dated after the R cycles).
  for (const registry::RowValues& wrong :
       {cycle("I", "2005-02-15", "7.4"), cycle("I", "2005-02-14", "11"), cycle("R", "2005-02-14", "7.4")}) {
    registry::Problems found;
    EXPECT_FALSE(registry::ReplaceRow(data, "cycles.csv", wrong, kToday, found).ok());
    EXPECT_EQ(Flatten(data), before);
  }
  registry::Problems none;
  EXPECT_EQ(
      registry::ReplaceRow(data, "cycles.csv", cycle("I", "2005-02-15", "7.4"), kToday, none).status().code(),
      StatusCode::kNotFound);
  registry::Problems out_of_order;
  EXPECT_FALSE(
      registry::ReplaceRow(data, "cycles.csv", cycle("R", "2005-02-14", "7.4"), kToday, out_of_order).ok());
  ASSERT_FALSE(out_of_order.messages.empty());
  EXPECT_NE(out_of_order.messages[0].find("phase"), std::string::npos) << out_of_order.messages[0];

  registry::Problems fine;
  const Result<std::vector<registry::KeyChange>> activity_corrected =
      registry::ReplaceRow(data, "cycles.csv", cycle("I", "2005-08-22", "3.7"), kToday, fine);
  ASSERT_TRUE(activity_corrected.ok()) << (fine.messages.empty() ? "" : fine.messages[0]);
  EXPECT_TRUE(activity_corrected->empty());  // the row's key (patient, date) is kept
  auto activity_of = [&](const std::string& date) -> std::string {
    for (const registry::Row& row : data.files["cycles.csv"])
      if (*row.get("patient_id") == "P001" && *row.get("date") == date) return *row.get("activity_gbq");
    return "none";
  };
  EXPECT_EQ(activity_of("2005-08-22"), "3.7");
  EXPECT_EQ(Flatten(data).size(), before.size());

  // Removal: a key column not given; the I cycles of P001 one by one, the last refused (R cycles follow it).
  const PatientRows corrected = Flatten(data);
  registry::Problems unnamed;
  EXPECT_FALSE(registry::RemoveRow(data, "cycles.csv", {{"patient_id", "P001"}}, unnamed).ok());
  EXPECT_EQ(unnamed.messages,
            std::vector<std::string>{"cycles.csv (row given): date: missing; it names the row"});
  EXPECT_EQ(Flatten(data), corrected);
  for (const char* date : {"2005-02-14", "2005-04-18", "2005-06-20"}) {
    registry::Problems removed;
    EXPECT_TRUE(
        registry::RemoveRow(data, "cycles.csv", {{"patient_id", "P001"}, {"date", date}}, removed).ok())
        << date;
    EXPECT_EQ(activity_of(date), "none");
  }
  const PatientRows three_removed = Flatten(data);
  registry::Problems last;
  EXPECT_FALSE(
      registry::RemoveRow(data, "cycles.csv", {{"patient_id", "P001"}, {"date", "2005-08-22"}}, last).ok());
  EXPECT_EQ(Flatten(data), three_removed);
  registry::Problems patient;
  EXPECT_FALSE(registry::RemoveRow(data, "patients.csv", {{"patient_id", "P001"}}, patient).ok());
  EXPECT_EQ(Flatten(data), three_removed);
}

// A correction that names the row it replaces by its key may change that key (a cycle recorded on a mistyped
// date) in one step, where removing the row first may break a rule (the last I cycle before the R cycles).
TEST(ChangeRow, CorrectsTheKeyOfTheRowNamedOrChangesNothing) {
  registry::Problems problems;
  registry::Interchange data = ReadWhole("tests/data/registry_example", problems);
  const PatientRows before = Flatten(data);
  auto cycle = [](const std::string& date, const std::string& phase = "I") {
    return registry::RowValues{
        {"patient_id", "P001"}, {"phase", phase}, {"date", date}, {"activity_gbq", "7.4"}};
  };
  auto key = [](const std::string& date, const std::string& patient = "P001") {
    return registry::RowValues{{"patient_id", patient}, {"date", date}};
  };
  auto dates = [&] {
    std::vector<std::string> found;
    for (const registry::Row& row : data.files["cycles.csv"])
      if (*row.get("patient_id") == "P001")
        found.push_back(*row.get("date") + " " + *row.get("activity_gbq"));
    return found;
  };
  struct Refused {
    registry::RowValues values, key;
    StatusCode code;
    std::string problem;  // the first, or "" for none
  };
  const std::vector<Refused> refused = {
      // Another row's key: the 2005-02-14 cycle re-dated to the day of the second.
      {cycle("2005-04-18"), key("2005-02-14"), StatusCode::kInvalidArgument,
       "cycles.csv (row given): date: found '2005-04-18'; cycles.csv has a row of patient_id P001, date "
       "2005-04-18 already (correct that one, or remove it first)"},
      {cycle("2005-02-16"), key("2005-02-15"), StatusCode::kNotFound, ""},
      {cycle("2005-02-16"),
       {{"patient_id", "P001"}},
       StatusCode::kInvalidArgument,
       "cycles.csv (row given): date: missing; it names the row"},
      {cycle("2005-02-16"), key("2005-02-14", "P002"), StatusCode::kInvalidArgument,
       "cycles.csv (row given): patient_id: found 'P001'; a correction keeps the row's patient 'P002'"},
      // The last I cycle re-dated after the first R cycle (2008-06-23, line 6): that row breaks the rule.
      {cycle("2008-07-01"), key("2005-08-22"), StatusCode::kInvalidArgument,
       "tests/data/registry_example/cycles.csv:6: phase: this R cycle on 2008-06-23 is not after the last I "
       "cycle; phases "
       "follow each other in time"},
  };
  for (const Refused& r : refused) {
    registry::Problems found;
    EXPECT_EQ(registry::ReplaceRow(data, "cycles.csv", r.values, kToday, found, r.key).status().code(),
              r.code)
        << r.problem;
    EXPECT_EQ(found.messages.empty() ? "" : found.messages[0], r.problem);
    EXPECT_EQ(Flatten(data), before);
  }
  // The last I cycle, which cannot be removed while the R cycles follow it, re-dated (and its activity
  // corrected, 7.3 to 7.4), and the first re-dated by two days.
  registry::Problems fine;
  const Result<std::vector<registry::KeyChange>> last_redated =
      registry::ReplaceRow(data, "cycles.csv", cycle("2005-08-24"), kToday, fine, key("2005-08-22"));
  ASSERT_TRUE(last_redated.ok()) << (fine.messages.empty() ? "" : fine.messages[0]);
  EXPECT_EQ(*last_redated,
            (std::vector<registry::KeyChange>{{"cycles.csv", key("2005-08-22"), key("2005-08-24")}}));
  const Result<std::vector<registry::KeyChange>> first_redated =
      registry::ReplaceRow(data, "cycles.csv", cycle("2005-02-16"), kToday, fine, key("2005-02-14"));
  ASSERT_TRUE(first_redated.ok());
  EXPECT_EQ(*first_redated,
            (std::vector<registry::KeyChange>{{"cycles.csv", key("2005-02-14"), key("2005-02-16")}}));
  EXPECT_EQ(dates(), (std::vector<std::string>{"2005-02-16 7.4", "2005-04-18 7.4", "2005-06-20 7.4",
                                               "2005-08-24 7.4", "2008-06-23 7.4", "2008-08-25 3.7"}));
  EXPECT_EQ(Flatten(data).size(), before.size());
}

// A scan recorded on a mistyped date is re-dated at once (ChangeRows): its lesions re-dated one by one would
// leave, between the two, a baseline without the lesions measured later (refused by RECIST's rules).
TEST(ChangeRow, ReDatesTheRowsNamedAtOnceOrChangesNothing) {
  registry::Problems problems;
  registry::Interchange data = ReadWhole("tests/data/registry_example", problems);
  // P001's I-PRRT begins 2005-02-14: a baseline scan of two targets, one after two cycles, and R-PRRT's
  // baseline (its first cycle 2008-06-23).
  for (const auto& [date, id, mm] : {std::tuple{"2005-02-01", "L1", "40"},
                                     {"2005-02-01", "L2", "20"},
                                     {"2005-05-01", "L1", "30"},
                                     {"2005-05-01", "L2", "15"},
                                     {"2008-06-10", "L1", "35"},
                                     {"2008-06-10", "L2", "18"}}) {
    ASSERT_TRUE(registry::AddRow(data, "lesions.csv",
                                 {{"patient_id", "P001"},
                                  {"date", date},
                                  {"lesion_id", id},
                                  {"organ", "liver"},
                                  {"role", "target"},
                                  {"lymph_node", "no"},
                                  {"diameter_mm", mm}},
                                 kToday, problems)
                    .ok())
        << (problems.empty() ? "" : problems.messages[0]);
  }
  const PatientRows before = Flatten(data);
  const registry::RowValues baseline_scan = {{"patient_id", "P001"}, {"date", "2005-02-01"}};
  registry::Problems one_by_one;
  EXPECT_FALSE(registry::ReplaceRow(
                   data, "lesions.csv",
                   {{"patient_id", "P001"},
                    {"date", "2005-02-03"},
                    {"lesion_id", "L1"},
                    {"organ", "liver"},
                    {"role", "target"},
                    {"lymph_node", "no"},
                    {"diameter_mm", "40"}},
                   kToday, one_by_one,
                   registry::RowValues{{"patient_id", "P001"}, {"date", "2005-02-01"}, {"lesion_id", "L1"}})
                   .ok());
  ASSERT_FALSE(one_by_one.empty());
  EXPECT_NE(one_by_one.messages[0].find("role: lesion L2 is a target after baseline but not at baseline"),
            std::string::npos)
      << one_by_one.messages[0];
  EXPECT_EQ(Flatten(data), before);

  struct Refused {
    std::string file;
    registry::RowValues match, patch;
    StatusCode code;
    std::string problem;  // the first, or "" for none
  };
  const std::vector<Refused> refused = {
      {"lesions.csv",
       {{"patient_id", "P001"}, {"date", "2005-02-02"}},
       {{"date", "2005-02-03"}},
       StatusCode::kNotFound,
       ""},
      {"lesions.csv",
       baseline_scan,
       {},
       StatusCode::kInvalidArgument,
       "lesions.csv (row given): no column given to change"},
      {"lesions.csv",
       baseline_scan,
       {{"patient_id", "P002"}},
       StatusCode::kInvalidArgument,
       "lesions.csv (row given): patient_id: found 'P002'; a change keeps the rows' patient 'P001'"},
      {"lesions.csv",
       baseline_scan,
       {{"date", "2005-02-31"}},
       StatusCode::kInvalidArgument,
       "lesions.csv (row given): date: found '2005-02-31'; expected a date YYYY-MM-DD (2005-02 has 28 days)"},
      // Onto the later scan's date: L1 and L2 are measured there already.
      {"lesions.csv",
       baseline_scan,
       {{"date", "2005-05-01"}},
       StatusCode::kInvalidArgument,
       "lesions.csv (row given): date: found '2005-05-01'; lesions.csv has a row of patient_id P001, date "
       "2005-05-01, lesion_id L1 already (correct that one, or remove it first)"},
      // The blood draw of 2005-03-15 (hb, platelets) onto 2008-07-21, whose platelets are recorded.
      {"labs.csv",
       {{"patient_id", "P001"}, {"date", "2005-03-15"}},
       {{"date", "2008-07-21"}},
       StatusCode::kInvalidArgument,
       "labs.csv (row given): date: found '2008-07-21'; labs.csv has a row of patient_id P001, date "
       "2008-07-21, test platelets already (correct that one, or remove it first)"},
      {"patients.csv", {{"patient_id", "P001"}}, {{"sex", "m"}}, StatusCode::kInvalidArgument, ""},
  };
  for (const Refused& r : refused) {
    registry::Problems found;
    EXPECT_EQ(registry::ChangeRows(data, r.file, r.match, r.patch, kToday, found).status().code(), r.code)
        << r.problem;
    EXPECT_EQ(found.messages.empty() ? "" : found.messages[0], r.problem);
    EXPECT_EQ(Flatten(data), before);
  }
  // The rows changed are checked with the rest: a date after the patient's last contact (2016-11-30).
  registry::Problems late;
  EXPECT_FALSE(
      registry::ChangeRows(data, "lesions.csv", baseline_scan, {{"date", "2017-01-02"}}, kToday, late).ok());
  ASSERT_FALSE(late.empty());
  EXPECT_NE(late.messages[0].find("after the patient's last_contact_date"), std::string::npos)
      << late.messages[0];
  EXPECT_EQ(Flatten(data), before);

  // A column that is not the key changed (the organ of the scan's lesions): no key change.
  registry::Problems fine;
  const Result<std::vector<registry::KeyChange>> organ_changed =
      registry::ChangeRows(data, "lesions.csv", baseline_scan, {{"organ", "lung"}}, kToday, fine);
  ASSERT_TRUE(organ_changed.ok()) << (fine.empty() ? "" : fine.messages[0]);
  EXPECT_TRUE(organ_changed->empty());
  const Result<std::vector<registry::KeyChange>> redated =
      registry::ChangeRows(data, "lesions.csv", baseline_scan, {{"date", "2005-02-03"}}, kToday, fine);
  ASSERT_TRUE(redated.ok()) << (fine.empty() ? "" : fine.messages[0]);
  auto lesion = [](const std::string& date, const std::string& id) {
    return registry::RowValues{{"patient_id", "P001"}, {"date", date}, {"lesion_id", id}};
  };
  EXPECT_EQ(*redated, (std::vector<registry::KeyChange>{
                          {"lesions.csv", lesion("2005-02-01", "L1"), lesion("2005-02-03", "L1")},
                          {"lesions.csv", lesion("2005-02-01", "L2"), lesion("2005-02-03", "L2")}}));
  std::vector<std::string> scans;
  for (const registry::Row& row : data.files["lesions.csv"])
    scans.push_back(*row.get("date") + " " + *row.get("lesion_id"));
  EXPECT_EQ(scans, (std::vector<std::string>{"2005-02-03 L1", "2005-02-03 L2", "2005-05-01 L1",
                                             "2005-05-01 L2", "2008-06-10 L1", "2008-06-10 L2"}));
  EXPECT_EQ(Flatten(data).size(), before.size());
}

}  // namespace
}  // namespace prrt::testing
