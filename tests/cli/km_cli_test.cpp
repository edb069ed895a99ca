// `prrt stats km`: the whole table as JSON; `--rmean`, the groups' restricted means against the first
// group's.
#include <gtest/gtest.h>

#include <unistd.h>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "prrt/report/json.h"
#include "prrt/stats/survival.h"
#include "support/json_match.h"

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

// The table is written as text a block of rows at a time, on several threads: what is printed must be what
// dump prints of the curves KaplanMeier makes, row for row, over several blocks (a group of 72,000 rows) and
// a group that ends within its first block.
TEST(KmCommand, PrintsTheWholeTableAsDumpPrintsTheCurves) {
  const int n = 80000;
  std::vector<double> time(n);
  std::vector<int8_t> event(n);
  std::vector<int32_t> group(n);
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / ("prrt_km_table_" + std::to_string(::getpid()) + ".csv");
  {
    std::ofstream csv(file);
    csv << "time,status,arm\n";
    for (int i = 0; i < n; ++i) {
      time[i] = (i * 7919 % n + 1) / 7.0;  // distinct times, not in order
      event[i] = i % 3 != 0;
      group[i] = i % 10 == 0 ? 1 : 0;
      csv << nlohmann::json(time[i]).dump() << ',' << int{event[i]} << ',' << (group[i] ? "b" : "a") << '\n';
    }
  }
  std::string out, err;
  const int code = RunPrrt({"stats", "km", "--input", file.string(), "--time", "time", "--event", "status",
                            "--group", "arm", "--json"},
                           out, err);
  std::filesystem::remove(file);
  ASSERT_EQ(code, 0) << err;
  const nlohmann::json result = nlohmann::json::parse(out);
  EXPECT_EQ(out, result.dump(2) + "\n");
  const auto curves = stats::KaplanMeier({time, event, group}, 2, {});
  ASSERT_TRUE(curves.ok());
  ASSERT_EQ(result.at("groups").size(), 2u);
  for (int g = 0; g < 2; ++g) {
    EXPECT_EQ(result.at("groups").at(g).at("group"), g == 0 ? "a" : "b");
    const nlohmann::json& table = result.at("groups").at(g).at("table");
    EXPECT_EQ(table.size(), (*curves)[g].rows.size());
    EXPECT_TRUE(table == report::KmTableJson((*curves)[g])) << "group " << g;
  }
}

}  // namespace
}  // namespace prrt::testing
