// R-parity reference suite: each case in tests/golden/*.json (written by tests/r/make_goldens.R from R's
// survival and stats packages) is a `prrt` command line and the JSON R computes for it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/json_match.h"

namespace prrt::testing {
namespace {

struct GoldenCase {
  std::string file;
  std::string name;
  std::vector<std::string> args;
  nlohmann::json expected;
  double rel_tol;
};

std::vector<GoldenCase> LoadCases() {
  const std::pair<const char*, double> kFiles[] = {
      {"km", 1e-9},
      {"km_spss", 1e-9},
      {"logrank", 1e-9},
      {"followup", 1e-9},
      {"followup_prodlim", 1e-9},
      {"cox", 1e-6},
      {"fisher", 1e-9},
      {"chisq", 1e-9},
      {"correlation", 1e-9},
      {"describe", 1e-12},
      {"km_quantiles", 1e-9},
  };
  std::vector<GoldenCase> cases;
  for (const auto& [file, tol] : kFiles) {
    std::string text = ReadSourceFile(std::string("tests/golden/") + file + ".json");
    if (text.empty()) {
      cases.push_back({file, "missing golden file", {}, nullptr, tol});
      continue;
    }
    for (const auto& c : nlohmann::json::parse(text)) {
      cases.push_back(
          {file, c.at("name"), c.at("args").get<std::vector<std::string>>(), c.at("expected"), tol});
    }
  }
  return cases;
}

// Shown by GoogleTest instead of the case's bytes.
void PrintTo(const GoldenCase& c, std::ostream* os) {
  *os << c.file << ": " << c.name;
}

class RParity : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(RParity, MatchesR) {
  const GoldenCase& c = GetParam();
  ASSERT_FALSE(c.args.empty()) << "tests/golden/" << c.file << ".json could not be read";
  std::string out, err;
  ASSERT_EQ(RunPrrt(c.args, out, err), 0) << err;
  nlohmann::json actual = nlohmann::json::parse(out);
  std::vector<std::string> diffs = JsonDifferences(c.expected, actual, c.rel_tol);
  std::string report;
  for (const std::string& d : diffs)
    report += d + "\n";
  EXPECT_TRUE(diffs.empty()) << c.name << ":\n" << report;
}

// `prrt stats km --summary` computes the medians without storing the curves: the same answers as R's.
TEST_P(RParity, KmSummaryMatchesR) {
  const GoldenCase& c = GetParam();
  if (c.file != "km") GTEST_SKIP() << "only the Kaplan–Meier cases have a --summary form";
  std::vector<std::string> args = c.args;
  args.push_back("--summary");
  nlohmann::json expected = c.expected;
  for (auto& group : expected["groups"])
    group.erase("table");
  std::string out, err;
  ASSERT_EQ(RunPrrt(args, out, err), 0) << err;
  nlohmann::json actual = nlohmann::json::parse(out);
  for (const auto& group : actual["groups"])
    EXPECT_FALSE(group.contains("table"));
  std::vector<std::string> diffs = JsonDifferences(expected, actual, c.rel_tol);
  EXPECT_TRUE(diffs.empty()) << c.name << ": " << (diffs.empty() ? "" : diffs[0]);
}

std::string CaseName(const ::testing::TestParamInfo<GoldenCase>& info) {
  std::string name = info.param.file + "_" + std::to_string(info.index);
  return name;
}

INSTANTIATE_TEST_SUITE_P(Golden, RParity, ::testing::ValuesIn(LoadCases()), CaseName);

}  // namespace
}  // namespace prrt::testing
