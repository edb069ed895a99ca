// `prrt stats chisq --simulate-p-value`: R's chisq.test(simulate.p.value = TRUE) from the command line.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "support/json_match.h"

namespace prrt::testing {
namespace {

// X^2 = 5.25 on 2 df (asymptotic p = exp(-5.25 / 2) = 0.0724); the permutation p, from the 15 tables with
// these margins enumerated in R, is 0.2 (tests/golden/chisq_permutation.json).
const std::vector<std::string> kChisq{"stats", "chisq", "--table", "3,1,0;1,3,4", "--json"};

TEST(ChisqCommand, SimulatedPValueSaysHowItWasMade) {
  std::string out, err;
  ASSERT_EQ(RunPrrt(With(kChisq, {"--simulate-p-value", "--replicates", "40000", "--seed", "5"}), out, err),
            0)
      << err;
  const nlohmann::json result = nlohmann::json::parse(out);
  EXPECT_EQ(result.at("method"), "monte_carlo");
  EXPECT_EQ(result.at("replicates"), 40000);
  EXPECT_EQ(result.at("seed"), 5);
  EXPECT_EQ(result.at("df"), 2);
  EXPECT_DOUBLE_EQ(result.at("statistic").get<double>(), 5.25);
  EXPECT_NEAR(result.at("p").get<double>(), 0.2, 4 * std::sqrt(0.2 * 0.8 / 40000));
  EXPECT_TRUE(result.at("warnings").empty());

  ASSERT_EQ(RunPrrt(kChisq, out, err), 0) << err;
  const nlohmann::json asymptotic = nlohmann::json::parse(out);
  EXPECT_EQ(asymptotic.at("method"), "asymptotic");
  EXPECT_NEAR(asymptotic.at("p").get<double>(), std::exp(-5.25 / 2), 1e-14);  // chi-squared on 2 df
  EXPECT_FALSE(asymptotic.contains("replicates"));
  EXPECT_EQ(asymptotic.at("warnings").size(), 1u);  // every expected count is below 5
}

TEST(ChisqCommand, YatesAndTheSimulatedPValueExcludeEachOther) {
  // R ignores `correct` when it simulates; prrt says so rather than drop a correction asked for.
  std::string out, err;
  EXPECT_EQ(RunPrrt(With(kChisq, {"--simulate-p-value", "--yates"}), out, err), 2);
  EXPECT_NE(err.find("--yates excludes --simulate-p-value"), std::string::npos) << err;
  EXPECT_TRUE(out.empty()) << out;
}

}  // namespace
}  // namespace prrt::testing
