// Every kind of bad input gives one clear message, exit code 2, and no output on standard output.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/json_match.h"

namespace prrt::testing {
namespace {

struct BadInput {
  std::string name;
  std::string csv;  // written to a file whose path replaces "{file}" in args; empty: no file
  std::vector<std::string> args;
  std::string message;  // a part of the expected message
};

void PrintTo(const BadInput& c, std::ostream* os) {
  *os << c.name;
}

class BadInputTest : public ::testing::TestWithParam<BadInput> {};

TEST_P(BadInputTest, FailsWithAClearMessage) {
  const BadInput& c = GetParam();
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / ("prrt_bad_input_" + c.name + ".csv");
  if (!c.csv.empty()) std::ofstream(file) << c.csv;
  std::vector<std::string> args;
  for (const std::string& a : c.args)
    args.push_back(a == "{file}" ? file.string() : a);
  std::string out, err;
  const int code = RunPrrt(args, out, err);
  std::filesystem::remove(file);
  EXPECT_EQ(code, 2) << err;
  EXPECT_TRUE(out.empty()) << out;
  std::string expected = c.message;
  if (size_t at = expected.find("{file}"); at != std::string::npos) expected.replace(at, 6, file.string());
  EXPECT_NE(err.find(expected), std::string::npos)
      << "message: " << err << "\nexpected to contain: " << expected;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << "one message: " << err;
}

const std::vector<std::string> kKm{"stats", "km", "--input", "{file}", "--time", "t", "--event", "e"};

INSTANTIATE_TEST_SUITE_P(
    Table, BadInputTest,
    ::testing::Values(
        BadInput{"empty_file", " ", kKm, "no column 't'"},
        BadInput{"header_only", "t,e\n", kKm,
                 "{file}: no complete data rows (0 read, 0 with a missing value)"},
        BadInput{"missing_column", "time,e\n1,1\n", kKm, "{file}:1: no column 't'; the header has: time, e"},
        BadInput{"non_numeric_time", "t,e\n1,1\nsoon,0\n", kKm,
                 "{file}:3: column 't': found 'soon'; expected a number"},
        BadInput{"negative_time", "t,e\n1,1\n-3,0\n", kKm,
                 "{file}:3: column 't': found '-3'; expected a number >= 0"},
        BadInput{"event_not_binary", "t,e\n1,1\n2,2\n", kKm,
                 "{file}:3: column 'e': found '2'; expected 0 or 1"},
        BadInput{"semicolon_separated", "t;e\n1,5;1\n", kKm,
                 "{file}:1: no column 't'; the header has: t;e; the fields seem separated by ';'"},
        BadInput{"ragged_row", "t,e\n1,1\n2\n", kKm, "{file}:3: expected 2 fields as in the header, found 1"},
        BadInput{"km_times_not_a_number", "t,e\n1,1\n2,0\n", With(kKm, {"--times", "12,soon"}),
                 "--times: soon is not a finite number"},
        BadInput{"km_times_infinite", "t,e\n1,1\n2,0\n", With(kKm, {"--times", "12,inf"}),
                 "--times: inf is not a finite number"},
        BadInput{"km_rmean_not_a_time", "t,e\n1,1\n2,0\n", With(kKm, {"--rmean", "soon"}),
                 "--rmean: soon is not common, individual or a time > 0"},
        BadInput{"km_rmean_zero", "t,e\n1,1\n2,0\n", With(kKm, {"--rmean", "0"}),
                 "--rmean: 0 is not common, individual or a time > 0"},
        BadInput{"missing_file",
                 "",
                 {"stats", "km", "--input", "/no/such/file.csv", "--time", "t", "--event", "e"},
                 "/no/such/file.csv: cannot open the file for reading"},
        BadInput{"logrank_one_group",
                 "t,e,g\n1,1,a\n2,0,a\n",
                 {"stats", "logrank", "--input", "{file}", "--time", "t", "--event", "e", "--group", "g"},
                 "at least two groups"},
        BadInput{"logrank_all_censored",
                 "t,e,g\n1,0,a\n2,0,b\n3,0,a\n",
                 {"stats", "logrank", "--input", "{file}", "--time", "t", "--event", "e", "--group", "g"},
                 "fewer than two groups have an expected number of events above 0"},
        BadInput{"cox_no_events",
                 "t,e,x\n1,0,1\n2,0,2\n",
                 {"stats", "cox", "--input", "{file}", "--time", "t", "--event", "e", "--covariates", "x"},
                 "no events: a Cox model cannot be fitted without events"},
        BadInput{"cox_constant_covariate",
                 "t,e,x\n1,1,1\n2,0,1\n3,1,1\n",
                 {"stats", "cox", "--input", "{file}", "--time", "t", "--event", "e", "--covariates", "x"},
                 "no covariate can be estimated: none varies among the rows at risk at the event times"},
        BadInput{
            "cox_start_after_stop",
            "s,t,e,x\n0,1,1,1\n5,2,0,0\n",
            {"stats", "cox", "--input", "{file}", "--start", "s", "--time", "t", "--event", "e",
             "--covariates", "x"},
            "{file}:3: columns 's' and 't': the interval (5, 2] does not end after it starts; expected 't' > "
            "'s'"},
        BadInput{"km_start_equal_to_stop",
                 "s,t,e\n0,1,1\n\n2,4,0\n3,3,1\n",
                 {"stats", "km", "--input", "{file}", "--start", "s", "--time", "t", "--event", "e"},
                 "{file}:5: columns 's' and 't': the interval (3, 3] does not end after it starts"},
        BadInput{
            "cox_covariate_infinite",
            "t,e,x\n1,1,0.5\n2,0,inf\n",
            {"stats", "cox", "--input", "{file}", "--time", "t", "--event", "e", "--covariates", "x"},
            "{file}:3: column 'x': found 'inf'; expected a finite number (NA or an empty field for a missing "
            "value)"},
        BadInput{"cox_covariate_hexadecimal",
                 "t,e,x\n1,1,0.5\n2,0,2\n3,1,0x1A\n",
                 {"stats", "cox", "--input", "{file}", "--time", "t", "--event", "e", "--covariates", "x"},
                 "{file}:4: column 'x': found '0x1A'; expected a number in decimal notation"},
        BadInput{
            "cox_covariate_complex",
            "t,e,x\n1,1,0.5\n2,0,2i\n3,1,1\n",
            {"stats", "cox", "--input", "{file}", "--time", "t", "--event", "e", "--covariates", "x"},
            "{file}:3: column 'x': found '2i'; expected a real number or a label (R's read.csv reads this "
            "as a complex number"},
        // A group in Windows-1252 (e-acute): JSON carries UTF-8 only (the JSON library threw, uncaught).
        BadInput{
            "km_group_latin1", "t,e,g\n1,1,caf\xC3\xA9\n2,0,caf\xE9\n", With(kKm, {"--group", "g", "--json"}),
            "{file}:3: column 'g': found 'caf\\xE9'; expected UTF-8 text (this looks like another encoding"},
        BadInput{"user_name_latin1",
                 "",
                 {"user", "add", "--db", "{file}", "--name", "Jos\xE9", "--role", "admin", "--password",
                  "correct horse battery staple"},
                 "--name: found 'Jos\\xE9'; expected UTF-8 text"},
        BadInput{"km_negative_start",
                 "s,t,e\n0,1,1\n-1,2,0\n",
                 {"stats", "km", "--input", "{file}", "--start", "s", "--time", "t", "--event", "e"},
                 "{file}:3"},
        BadInput{"km_start_column_missing",
                 "t,e\n1,1\n",
                 {"stats", "km", "--input", "{file}", "--start", "entry", "--time", "t", "--event", "e"},
                 "entry"},
        BadInput{"cuminc_only_censored",
                 "t,s\n1,0\n2,0\n",
                 {"stats", "cuminc", "--input", "{file}", "--time", "t", "--status", "s"},
                 "column 's' has no value other than the censoring code '0'"},
        BadInput{"cuminc_bad_time",
                 "t,s\n1,1\nsoon,2\n",
                 {"stats", "cuminc", "--input", "{file}", "--time", "t", "--status", "s"},
                 "{file}:3: column 't': found 'soon'"},
        BadInput{"cox_zph_log_of_time_zero",
                 "t,e,x\n0,1,1\n2,1,0\n3,0,1\n4,1,0\n",
                 {"stats", "cox", "--input", "{file}", "--time", "t", "--event", "e", "--covariates", "x",
                  "--zph", "log"},
                 "the log transform needs times > 0"},
        BadInput{"cox_single_level_factor",
                 "t,e,x\n1,1,a\n2,0,a\n",
                 {"stats", "cox", "--input", "{file}", "--time", "t", "--event", "e", "--covariates", "x"},
                 "covariate 'x' has a single value ('a')"},
        BadInput{
            "cox_one_cluster",
            "t,e,x,id\n1,1,1,p1\n2,1,0,p1\n3,0,1,p1\n",
            {"stats", "cox", "--input", "{file}", "--time", "t", "--event", "e", "--covariates", "x",
             "--cluster", "id"},
            "the robust variance needs more clusters than coefficients; found 1 cluster for 1 coefficient"},
        BadInput{"cox_cluster_column_missing",
                 "t,e,x\n1,1,1\n2,1,0\n3,0,1\n",
                 {"stats", "cox", "--input", "{file}", "--time", "t", "--event", "e", "--covariates", "x",
                  "--cluster", "patient"},
                 "{file}:1: no column 'patient'; the header has: t, e, x"},
        BadInput{"cox_weight_zero",
                 "t,e,x,w\n1,1,1,1\n2,1,0,0\n3,0,1,2\n",
                 {"stats", "cox", "--input", "{file}", "--time", "t", "--event", "e", "--covariates", "x",
                  "--weights", "w"},
                 "{file}:3: column 'w': found '0'; expected a number > 0"},
        BadInput{"cox_weight_negative",
                 "t,e,x,w\n1,1,1,1\n2,1,0,-2\n3,0,1,2\n",
                 {"stats", "cox", "--input", "{file}", "--time", "t", "--event", "e", "--covariates", "x",
                  "--weights", "w"},
                 "{file}:3: column 'w': found '-2'; expected a number > 0"},
        BadInput{"km_weight_zero",
                 "t,e,w\n1,1,1\n2,1,0\n3,0,2\n",
                 {"stats", "km", "--input", "{file}", "--time", "t", "--event", "e", "--weights", "w"},
                 "{file}:3: column 'w': found '0'; expected a number > 0"},
        BadInput{"km_weight_not_a_number",
                 "t,e,w\n1,1,1\n2,1,heavy\n",
                 {"stats", "km", "--input", "{file}", "--time", "t", "--event", "e", "--weights", "w"},
                 "{file}:3: column 'w': found 'heavy'"},
        BadInput{"followup_weights_with_prodlim_ties",
                 "t,e,w\n1,1,1\n2,0,2\n",
                 {"stats", "followup", "--input", "{file}", "--time", "t", "--event", "e", "--weights", "w",
                  "--ties", "prodlim"},
                 "median follow-up with prodlim's ties does not take case weights"},
        BadInput{"fisher_one_row",
                 "",
                 {"stats", "fisher", "--table", "1,2,3"},
                 "a 1 x 3 table; expected at least 2 rows and 2 columns"},
        BadInput{"fisher_negative",
                 "",
                 {"stats", "fisher", "--table", "1,-2;3,4"},
                 "row 1, column 2: -2 is not a whole count"},
        BadInput{"fisher_one_sided_r_by_c",
                 "",
                 {"stats", "fisher", "--table", "1,2,3;4,5,6", "--alternative", "greater"},
                 "a one-sided test (greater) needs a 2 x 2 table; a 2 x 3 table's test is two-sided"},
        BadInput{"fisher_monte_carlo_one_sided_r_by_c",
                 "",
                 {"stats", "fisher", "--table", "1,2,3;4,5,6", "--alternative", "less", "--simulate-p-value"},
                 "a one-sided test (less) needs a 2 x 2 table; a 2 x 3 table's test is two-sided"},
        BadInput{"fisher_monte_carlo_one_row_with_counts",
                 "",
                 {"stats", "fisher", "--table", "1,2,3;0,0,0", "--simulate-p-value"},
                 "the Monte Carlo test needs 2 or more rows and 2 or more columns with counts"},
        BadInput{"fisher_monte_carlo_no_replicates",
                 "",
                 {"stats", "fisher", "--table", "1,2,3;4,5,6", "--simulate-p-value", "--replicates", "0"},
                 "--replicates"},
        BadInput{"fisher_beyond_an_int",
                 "",
                 {"stats", "fisher", "--table", "1e10,1;1,1e10"},
                 "the counts sum to 20000000002; an exact or simulated test takes at most 10000000"},
        BadInput{"fisher_fraction",
                 "",
                 {"stats", "fisher", "--table", "1,2.5;3,4"},
                 "row 1, column 2: 2.5 is not a whole count"},
        BadInput{"table_ragged",
                 "",
                 {"stats", "chisq", "--table", "1,2;3"},
                 "--table: row 2 has 1 counts; expected 2"},
        BadInput{"table_text",
                 "",
                 {"stats", "chisq", "--table", "1,x;3,4"},
                 "--table: row 1, column 2: 'x' is not a number"},
        BadInput{"chisq_empty_row",
                 "",
                 {"stats", "chisq", "--table", "0,0;3,4"},
                 "an expected count is 0 and the statistic is undefined"},
        // Found by fuzz/stats_fuzzer: 0 / 0 expected counts reached the chi-squared tail (a crash).
        BadInput{"chisq_all_zero",
                 "",
                 {"stats", "chisq", "--table", "0,0,0;0,0,0"},
                 "every count is 0: at least one must be positive"},
        BadInput{"chisq_simulated_all_zero",
                 "",
                 {"stats", "chisq", "--table", "0,0;0,0", "--simulate-p-value"},
                 "every count is 0: at least one must be positive"},
        BadInput{"spearman_too_few",
                 "x,y\n1,2\n2,1\n",
                 {"stats", "spearman", "--input", "{file}", "--x", "x", "--y", "y"},
                 "2 complete pairs; at least 3 are needed"},
        BadInput{"spearman_constant",
                 "x,y\n1,2\n1,1\n1,3\n",
                 {"stats", "spearman", "--input", "{file}", "--x", "x", "--y", "y"},
                 "one of the variables is constant"},
        BadInput{"spearman_exact_not_true_or_false",
                 "x,y\n1,2\n2,1\n3,3\n",
                 {"stats", "spearman", "--input", "{file}", "--x", "x", "--y", "y", "--exact", "maybe"},
                 "--exact: maybe not in {true,false}"},
        BadInput{
            "pearson_alternative_spelled_as_r",
            "x,y\n1,2\n2,1\n3,3\n",
            {"stats", "pearson", "--input", "{file}", "--x", "x", "--y", "y", "--alternative", "two.sided"},
            "--alternative: two.sided not in {two-sided,less,greater}"},
        BadInput{"pearson_conf_level_above_1",
                 "x,y\n1,2\n2,1\n3,3\n",
                 {"stats", "pearson", "--input", "{file}", "--x", "x", "--y", "y", "--conf-level", "1.5"},
                 "--conf-level: Value 1.5 not in range"},
        BadInput{"describe_quantile_type_beyond_9",
                 "v\n1\n2\n",
                 {"stats", "describe", "--input", "{file}", "--column", "v", "--quantile-type", "10"},
                 "--quantile-type: Value 10 not in range 1 to 9"},
        BadInput{"logrank_pairwise_two_groups",
                 "t,e,g\n1,1,a\n2,1,b\n3,0,a\n4,1,b\n",
                 {"stats", "logrank", "--input", "{file}", "--time", "t", "--event", "e", "--group", "g",
                  "--pairwise"},
                 "pairwise comparisons need at least three groups"},
        BadInput{"logrank_p_adjust_without_pairwise",
                 "t,e,g\n1,1,a\n2,1,b\n3,0,c\n",
                 {"stats", "logrank", "--input", "{file}", "--time", "t", "--event", "e", "--group", "g",
                  "--p-adjust", "holm"},
                 "--p-adjust requires --pairwise"},
        BadInput{"logrank_p_adjust_unknown",
                 "t,e,g\n1,1,a\n2,1,b\n3,0,c\n",
                 {"stats", "logrank", "--input", "{file}", "--time", "t", "--event", "e", "--group", "g",
                  "--pairwise", "--p-adjust", "fdr"},
                 "--p-adjust: fdr not in {none,bonferroni,holm,BH}"},
        BadInput{"grade_wrong_unit",
                 "",
                 {"grade", "--test", "hb", "--value", "4.5", "--unit", "mg/dl"},
                 "hb cannot be measured in 'mg/dl'; expected one of: g/dl, mmol/l, g/l"},
        BadInput{
            "grade_without_uln",
            "",
            {"grade", "--test", "creatinine", "--value", "200", "--unit", "umol/l"},
            "creatinine is graded in multiples of the upper limit of normal: give it (--uln, in umol/l)"},
        BadInput{"decay_bad_date",
                 "",
                 {"decay", "--activity", "7.4", "--from", "2026-02-30T08:00", "--to", "2026-03-01T08:00"},
                 "--from: '2026-02-30T08:00' is not a date-time: day 30 is not 1–28"},
        BadInput{"who_grade_nothing", "", {"who-grade"}, "a WHO grade needs Ki-67 or a mitotic count"},
        BadInput{"recist_bad_role",
                 "patient_id,date,lesion_id,organ,role,lymph_node,diameter_mm,status\np,2024-01-01,L,liver,"
                 "main,no,10,\n",
                 {"recist", "--lesions", "{file}"},
                 "{file}:2: role: found 'main'; expected target, non_target or new"},
        BadInput{"recist_target_without_diameter",
                 "patient_id,date,lesion_id,organ,role,lymph_node,diameter_mm,status\np,2024-01-01,L,liver,"
                 "target,no,,\n",
                 {"recist", "--lesions", "{file}"},
                 "{file}:2: diameter_mm: found ''; expected a diameter in mm"},
        BadInput{"recist_bad_date",
                 "patient_id,date,lesion_id,organ,role,lymph_node,diameter_mm,status\np,2024-02-30,L,liver,"
                 "target,no,5,\n",
                 {"recist", "--lesions", "{file}"},
                 "{file}:2: date: found '2024-02-30'; expected a date YYYY-MM-DD"},
        BadInput{"recist_organ_latin1",
                 "patient_id,date,lesion_id,organ,role,lymph_node,diameter_mm,status\np,2024-01-01,L,lever "
                 "(f\xEAte),target,no,5,\n",
                 {"recist", "--lesions", "{file}", "--json"},
                 "{file}:2: organ: found 'lever (f\\xEAte)'; expected UTF-8 text (this looks like another "
                 "encoding"},
        BadInput{"recist_missing_column",
                 "patient_id,date\np,2024-01-01\n",
                 {"recist", "--lesions", "{file}"},
                 "{file}:1: no column 'lesion_id'"},
        BadInput{"eligibility_missing_db",
                 "",
                 {"eligibility", "--db", "/no/such/registry.db"},
                 "/no/such/registry.db: no such registry file"},
        BadInput{"eligibility_bad_as_of",
                 "",
                 {"eligibility", "--db", "x.db", "--as-of", "2024-13-01"},
                 "--as-of: '2024-13-01' is not a date YYYY-MM-DD"},
        BadInput{"eligibility_bad_protocol",
                 "[eligibility]\nmin_karnofsky = -5\n",
                 {"eligibility", "--protocol", "{file}", "--as-of", "2024-01-01"},
                 "{file}: [eligibility] min_karnofsky: expected a number >= 0"},
        BadInput{"plan_without_patient",
                 "",
                 {"plan", "--db", "/no/such/registry.db"},
                 "prrt plan: --patient is required"},
        BadInput{
            "plan_bad_dose_modification",
            "[[dose_modification]]\ntoxicity = \"x\"\ntests = [\"hb\"]\nmin_grade = 9\nresume_at_grade = 1\n",
            {"plan", "--patient", "P", "--protocol", "{file}"},
            "{file}: [[dose_modification]] row 1 min_grade: expected a CTCAE grade 0-4"},
        // CLI11 alone read "-1" as 2^64 - 1, and a larger number as 2^64 - 1 too.
        BadInput{"seed_negative",
                 "",
                 {"stats", "fisher", "--table", "1,2,1;3,4,1", "--simulate-p-value", "--seed", "-1"},
                 "--seed: '-1' is not a seed; expected a whole number from 0 to 18446744073709551615"},
        BadInput{"seed_too_large",
                 "",
                 {"simulate", "--patients", "2", "--seed", "18446744073709551616", "--out", "{file}"},
                 "--seed: '18446744073709551616' is not a seed"},
        BadInput{"unknown_conf_type", "t,e\n1,1\n", With(kKm, {"--conf-type", "wide"}), "--conf-type"},
        BadInput{"unknown_command",
                 "",
                 {"stats", "kaplan"},
                 "prrt stats: expected a command, one of: km, logrank"}),
    [](const ::testing::TestParamInfo<BadInput>& info) { return info.param.name; });

}  // namespace
}  // namespace prrt::testing
