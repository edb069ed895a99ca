// `prrt stats km`: the whole table as JSON; `--rmean`, the groups' restricted means against the first
// group's.
#include <gtest/gtest.h>

#include <unistd.h>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/output.h"
#include "prrt/report/json.h"
#include "prrt/stats/survival.h"
#include "support/json_match.h"
#include "support/scenario.h"
#include "support/thread_count.h"

namespace prrt::testing {
namespace {

// R (survival 3.5-3): summary(survfit(Surv(time, status) ~ sex, lung), rmean = 365)$table gives rmean
// 241.495085192057 (se 10.3582264910969) for sex 1 and 297.465409532037 (10.7913239788001) for sex 2.
TEST(KmCommand, ComparesRestrictedMeansToOneLimit) {
  std::string out, err;
  const int code = RunPrrt({"stats", "km", "--input", "tests/data/lung.csv", "--time", "time", "--event",
                            "status", "--group", "sex", "--rmean", "365", "--summary", "--json"},
                           out, err);
  ASSERT_EQ(code, 0) << err;
  const nlohmann::json result = nlohmann::json::parse(out);
  ASSERT_EQ(result.at("rmean_contrasts").size(), 1u);
  const nlohmann::json& c = result.at("rmean_contrasts").at(0);
  EXPECT_EQ(c.at("group"), "2");
  EXPECT_EQ(c.at("reference"), "1");
  const double m1 = 241.495085192057, se1 = 10.3582264910969, m2 = 297.465409532037, se2 = 10.7913239788001;
  const double se = std::sqrt(se1 * se1 + se2 * se2), z = 1.959963984540054;
  EXPECT_NEAR(c.at("difference").get<double>(), m2 - m1, 1e-9);
  EXPECT_NEAR(c.at("difference_lower").get<double>(), m2 - m1 - z * se, 1e-8);
  EXPECT_NEAR(c.at("difference_p").get<double>(), std::erfc((m2 - m1) / se / std::sqrt(2.0)), 1e-12);
  const double log_se = std::sqrt(se1 * se1 / (m1 * m1) + se2 * se2 / (m2 * m2));
  EXPECT_NEAR(c.at("ratio").get<double>(), m2 / m1, 1e-12);
  EXPECT_NEAR(c.at("ratio_upper").get<double>(), m2 / m1 * std::exp(z * log_se), 1e-10);
}

// Each group to its own last time: areas to different limits are not compared.
TEST(KmCommand, DoesNotCompareRestrictedMeansToDifferentLimits) {
  std::string out, err;
  const int code = RunPrrt({"stats", "km", "--input", "tests/data/lung.csv", "--time", "time", "--event",
                            "status", "--group", "sex", "--rmean", "individual", "--summary", "--json"},
                           out, err);
  ASSERT_EQ(code, 0) << err;
  const nlohmann::json result = nlohmann::json::parse(out);
  EXPECT_FALSE(result.contains("rmean_contrasts"));
  EXPECT_EQ(result.at("rmean"), "individual");
  EXPECT_EQ(result.at("groups").at(1).at("rmean_to"), 965);
}

// 80,000 rows in two arms: distinct times, not in order; arm "a" has 72,000 (several blocks of the printed
// table), arm "b" 8,000 (one block). Written to a CSV file that the object removes.
struct TwoArms {
  std::vector<double> time;
  std::vector<int8_t> event;
  std::vector<int32_t> group;
  std::filesystem::path file;

  TwoArms() : time(80000), event(80000), group(80000) {
    const int n = 80000;
    file = std::filesystem::temp_directory_path() / ("prrt_km_table_" + std::to_string(::getpid()) + ".csv");
    std::ofstream csv(file);
    csv << "time,status,arm\n";
    for (int i = 0; i < n; ++i) {
      time[i] = (i * 7919 % n + 1) / 7.0;
      event[i] = i % 3 != 0;
      group[i] = i % 10 == 0 ? 1 : 0;
      csv << nlohmann::json(time[i]).dump() << ',' << int{event[i]} << ',' << (group[i] ? "b" : "a") << '\n';
    }
  }
  ~TwoArms() { std::filesystem::remove(file); }
  std::vector<stats::KmCurve> Curves() const {
    const auto curves = stats::KaplanMeier({time, event, group}, 2, {});
    EXPECT_TRUE(curves.ok());
    return *curves;
  }
};

// The table is written a block of rows at a time, its rows made a block or two ahead on a thread of their
// own and each block written on several threads (or all on one): the JSON must be what dump prints of the
// curves KaplanMeier makes, row for row, over several blocks and a group that ends within its first.
TEST(KmCommand, PrintsTheWholeTableAsDumpPrintsTheCurves) {
  const TwoArms arms;
  const std::vector<stats::KmCurve> curves = arms.Curves();
  for (unsigned threads : {1u, 2u, 4u}) {
    const testing::ScopedThreadCount thread_count(threads);
    std::string out, err;
    const int code = RunPrrt({"stats", "km", "--input", arms.file.string(), "--time", "time", "--event",
                              "status", "--group", "arm", "--json"},
                             out, err);
    ASSERT_EQ(code, 0) << err;
    const nlohmann::json result = nlohmann::json::parse(out);
    EXPECT_EQ(out, result.dump(2) + "\n");
    ASSERT_EQ(result.at("groups").size(), 2u);
    for (int g = 0; g < 2; ++g) {
      EXPECT_EQ(result.at("groups").at(g).at("group"), g == 0 ? "a" : "b");
      const nlohmann::json& table = result.at("groups").at(g).at("table");
      EXPECT_EQ(table.size(), curves[g].rows.size());
      EXPECT_TRUE(table == report::KmTableJson(curves[g])) << "group " << g << ", " << threads << " threads";
    }
  }
}

// As text, the same blocks: each group's table is what PrintTable prints of the curve's rows held whole (its
// columns as wide as their widest cell over all blocks).
TEST(KmCommand, PrintsTheWholeTextTableAsPrintTableDoes) {
  const TwoArms arms;
  std::string out, err;
  const int code = RunPrrt(
      {"stats", "km", "--input", arms.file.string(), "--time", "time", "--event", "status", "--group", "arm"},
      out, err);
  ASSERT_EQ(code, 0) << err;
  const std::vector<stats::KmCurve> curves = arms.Curves();
  size_t from = 0;
  for (const stats::KmCurve& curve : curves) {
    cli::TextTable table({"time", "n.risk", "n.event", "n.censor", "survival", "std.err", "lower", "upper"});
    for (const stats::KmRow& row : curve.rows) {
      table.AddRow({cli::FormatNumber(row.time), cli::FormatNumber(row.n_risk),
                    cli::FormatNumber(row.n_event), cli::FormatNumber(row.n_censor),
                    cli::FormatNumber(row.surv, 4), cli::FormatNumber(row.std_err, 4),
                    cli::FormatNumber(row.lower, 4), cli::FormatNumber(row.upper, 4)});
    }
    std::ostringstream printed;
    table.Print(printed);
    // The group's table from its header line, the next after the last group's (found by its first line: a
    // search for the whole table, 600 kB, takes minutes under ThreadSanitizer, which checks each comparison).
    const std::string expected = printed.str();
    const size_t at = out.find(expected.substr(0, expected.find('\n') + 1), from);
    ASSERT_NE(at, std::string::npos);
    EXPECT_TRUE(out.compare(at, expected.size(), expected) == 0)
        << "a group of " << curve.rows.size() << " rows";
    from = at + expected.size();
  }
}

// A group typed over two lines in a spreadsheet ("a", newline, "b": a quoted field) and one with an escape
// sequence are the groups' names in JSON, as read, and shown escaped in the text, each on its line: the
// heading of its Kaplan–Meier table, its row of the log-rank table (aligned to the escaped name's width).
TEST(KmCommand, AGroupsNameIsShownOnItsLine) {
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / ("prrt_km_labels_" + std::to_string(::getpid()) + ".csv");
  std::ofstream(file) << "time,status,arm\n1,1,\"a\nb\"\n2,0,\"a\nb\"\n3,1,\x1B[1mc\n4,1,\x1B[1mc\n";
  std::string out, err;
  const std::vector<std::string> km = {"stats", "km",      "--input", file.string(), "--time",
                                       "time",  "--event", "status",  "--group",     "arm"};
  ASSERT_EQ(RunPrrt(km, out, err), 0) << err;
  EXPECT_NE(out.find("\ngroup a\\nb: n = 2, events = 1, "), std::string::npos) << out;
  EXPECT_TRUE(out.starts_with("group \\x1B[1mc: n = 2, events = 2, ")) << out;
  std::vector<std::string> as_json = km;
  as_json.push_back("--json");
  ASSERT_EQ(RunPrrt(as_json, out, err), 0) << err;
  const nlohmann::json groups = nlohmann::json::parse(out)["groups"];
  EXPECT_EQ(groups[0]["group"], "\x1B[1mc");  // in the order of R's factor levels: by byte
  EXPECT_EQ(groups[1]["group"], "a\nb");
  std::vector<std::string> logrank = km;
  logrank[1] = "logrank";
  ASSERT_EQ(RunPrrt(logrank, out, err), 0) << err;
  std::filesystem::remove(file);
  EXPECT_TRUE(
      out.starts_with("   group  n  observed  expected  (O-E)^2/E\n"
                      "\\x1B[1mc  2         2"))
      << out;
}

// The rows left out for a missing value are said after each text table, as R's "1 observation deleted due to
// missingness", in words that fit the count (it said "1 rows … were", and nothing for logrank, followup,
// spearman and pearson); followup's JSON has rows_dropped too, as the others'.
// A list typed with spaces ("0.1 , 0.25") is the list without them: CLI11 converted "0.1 " to nothing and
// said "Could not convert".
TEST(KmCommand, ReadsAListWithSpacesAroundItsNumbers) {
  const std::vector<std::string> args{"stats",     "km",     "--input",    "tests/data/lung.csv",
                                      "--time",    "time",   "--event",    "status",
                                      "--summary", "--json", "--quantiles"};
  std::string plain, spaced, err;
  std::vector<std::string> with_plain = args, with_spaces = args;
  with_plain.push_back("0.1,0.25,0.75");
  with_spaces.push_back(" 0.1 , 0.25,0.75 ");
  ASSERT_EQ(RunPrrt(with_plain, plain, err), 0) << err;
  ASSERT_EQ(RunPrrt(with_spaces, spaced, err), 0) << err;
  EXPECT_EQ(nlohmann::json::parse(spaced).at("groups").at(0).at("quantiles").size(), 3u);
  EXPECT_EQ(spaced, plain);
}

TEST(StatsCommands, SayHowManyRowsWithAMissingValueWereLeftOut) {
  TempDir dir("rows_left_out");
  const std::filesystem::path one = dir.path / "one.csv", two = dir.path / "two.csv";
  std::ofstream(one) << "t,e,x\n1,1,0\n2,NA,1\n3,1,0\n4,0,1\n5,1,1\n";
  std::ofstream(two) << "t,e,x\n1,1,0\n2,NA,1\n3,1,0\n4,,1\n5,1,1\n6,0,0\n";
  std::string out, err;
  for (const auto& [file, note] : {std::pair{one, "\n1 row with a missing value was left out\n"},
                                   std::pair{two, "\n2 rows with a missing value were left out\n"}}) {
    for (const std::vector<std::string>& command :
         {std::vector<std::string>{"stats", "km", "--input", file.string(), "--time", "t", "--event", "e"},
          {"stats", "cuminc", "--input", file.string(), "--time", "t", "--status", "e"},
          {"stats", "logrank", "--input", file.string(), "--time", "t", "--event", "e", "--group", "x"},
          {"stats", "followup", "--input", file.string(), "--time", "t", "--event", "e"},
          {"stats", "spearman", "--input", file.string(), "--x", "t", "--y", "e"},
          {"stats", "pearson", "--input", file.string(), "--x", "t", "--y", "e"},
          {"stats", "describe", "--input", file.string(), "--column", "e"}}) {
      ASSERT_EQ(RunPrrt(command, out, err), 0) << err;
      EXPECT_TRUE(out.ends_with(note)) << command[1] << ": " << out;
    }
  }
  ASSERT_EQ(
      RunPrrt({"stats", "cox", "--input", one.string(), "--time", "t", "--event", "e", "--covariates", "x"},
              out, err),
      0)
      << err;
  EXPECT_TRUE(out.starts_with("n = 4, events = 3 (1 row with a missing value left out), ties: efron\n"))
      << out;
  ASSERT_EQ(RunPrrt({"stats", "followup", "--input", two.string(), "--time", "t", "--event", "e", "--json"},
                    out, err),
            0)
      << err;
  EXPECT_EQ(nlohmann::json::parse(out)["rows_dropped"], 2) << out;
}

}  // namespace
}  // namespace prrt::testing
