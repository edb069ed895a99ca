// `prrt stats fisher`'s limits of the exact r x c test come from the command line: too small, the test stops
// with a message saying which limit and how to raise it; large enough, it gives R's p-value.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/json_match.h"

namespace prrt::testing {
namespace {

// A 5 x 5 table of n = 60; R's fisher.test gives p = 0.80795882361662 (tests/golden/fisher.json).
const std::vector<std::string> kFisher{"stats", "fisher", "--table",
                                       "2,1,0,3,2;2,3,1,5,1;2,4,1,3,3;4,1,2,3,2;4,1,4,2,4"};

TEST(FisherCommand, StopsAtTheLimitsGivenAndSaysHowToRaiseThem) {
  std::string out, err;
  EXPECT_EQ(RunPrrt(With(kFisher, {"--max-kept", "100"}), out, err), 1);
  EXPECT_TRUE(out.empty()) << out;
  EXPECT_EQ(err,
            "prrt: Fisher's exact test: this 5 x 5 table (n = 60) is beyond the exact network algorithm's "
            "limits (more than 100 partial tables kept at once); raise it (prrt stats fisher --max-kept; "
            "each takes 30 to 45 bytes) or ask for a Monte Carlo p-value instead (prrt stats fisher "
            "--simulate-p-value, as R's fisher.test(simulate.p.value = TRUE))\n");

  err.clear();
  EXPECT_EQ(RunPrrt(With(kFisher, {"--max-made", "1000"}), out, err), 1);
  EXPECT_NE(err.find("(more than 1000 partial tables made); raise it (prrt stats fisher --max-made) or ask"),
            std::string::npos)
      << err;
}

TEST(FisherCommand, GivesRsPValueWithinTheLimitsGiven) {
  // The table keeps between 10,000 and 100,000 partial tables (or runs of them) at once and makes between
  // 100,000 and a million.
  std::string out, err;
  ASSERT_EQ(RunPrrt(With(kFisher, {"--max-kept", "100000", "--max-made", "1000000", "--json"}), out, err), 0)
      << err;
  EXPECT_NEAR(nlohmann::json::parse(out).at("p").get<double>(), 0.80795882361662, 1e-9 * 0.808);
}

TEST(FisherCommand, RejectsLimitsBelowOne) {
  for (const char* flag : {"--max-kept", "--max-made"}) {
    std::string out, err;
    EXPECT_EQ(RunPrrt(With(kFisher, {flag, "0"}), out, err), 2) << flag;
    EXPECT_NE(err.find(flag), std::string::npos) << err;
  }
}

}  // namespace
}  // namespace prrt::testing
