// `prrt stats km --rmean`: the groups' restricted means against the first group's.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

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

}  // namespace
}  // namespace prrt::testing
