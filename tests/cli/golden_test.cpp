// R-parity reference suite: each case in tests/golden/*.json (written by tests/r/make_goldens.R from R's
// survival and stats packages) is a `prrt` command line and the JSON R computes for it. Cases are registered
// from tests/golden/index.json; each test reads only its own golden file.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "support/json_match.h"

namespace prrt::testing {
namespace {

struct GoldenCase {
  std::string file;
  size_t position = 0;
  std::string name;
};

// Shown by GoogleTest instead of the case's bytes.
void PrintTo(const GoldenCase& c, std::ostream* os) {
  *os << c.file << ": " << c.name;
}

// Relative tolerance per golden file: 1e-9 everywhere, Cox and cox.zph 1e-6 (iterative fit), descriptives
// 1e-12.
double Tolerance(const std::string& file) {
  static const std::map<std::string, double> kTolerance = {
      {"km", 1e-9},        {"km_spss", 1e-9},          {"km_quantiles", 1e-9}, {"km_times", 1e-9},
      {"logrank", 1e-9},   {"logrank_pairwise", 1e-9}, {"followup", 1e-9},     {"followup_prodlim", 1e-9},
      {"cox", 1e-6},       {"fisher", 1e-9},           {"chisq", 1e-9},        {"correlation", 1e-9},
      {"describe", 1e-12}, {"cuminc", 1e-9},           {"zph", 1e-6},          {"km_rmean", 1e-9}};
  auto it = kTolerance.find(file);
  return it == kTolerance.end() ? -1 : it->second;
}

std::vector<GoldenCase> LoadIndex() {
  std::vector<GoldenCase> cases;
  const std::string text = ReadSourceFile("tests/golden/index.json");
  if (text.empty()) return {{"index", 0, "tests/golden/index.json is missing"}};
  for (const auto& entry : nlohmann::json::parse(text)) {
    cases.push_back({entry.at("file"), entry.at("position"), entry.at("name")});
  }
  return cases;
}

const nlohmann::json& GoldenFile(const std::string& file) {
  static std::map<std::string, nlohmann::json> loaded;
  auto it = loaded.find(file);
  if (it == loaded.end()) {
    it = loaded.emplace(file, nlohmann::json::parse(ReadSourceFile("tests/golden/" + file + ".json"))).first;
  }
  return it->second;
}

void ExpectMatchesR(const GoldenCase& c, bool summary) {
  const double tolerance = Tolerance(c.file);
  ASSERT_GT(tolerance, 0) << "no tolerance set for tests/golden/" << c.file << ".json";
  const nlohmann::json& golden = GoldenFile(c.file).at(c.position);
  ASSERT_EQ(golden.at("name"), c.name)
      << "tests/golden/index.json is out of date; rerun tests/r/make_goldens.R";
  std::vector<std::string> args = golden.at("args");
  nlohmann::json expected = golden.at("expected");
  if (summary) {
    // `prrt stats km --summary` computes the medians without storing the curves.
    args.push_back("--summary");
    for (auto& group : expected["groups"])
      group.erase("table");
  }
  std::string out, err;
  ASSERT_EQ(RunPrrt(args, out, err), 0) << err;
  nlohmann::json actual = nlohmann::json::parse(out);
  if (summary) {
    for (const auto& group : actual["groups"])
      EXPECT_FALSE(group.contains("table"));
  }
  std::vector<std::string> diffs = JsonDifferences(expected, actual, tolerance);
  std::string report;
  for (const std::string& d : diffs)
    report += d + "\n";
  EXPECT_TRUE(diffs.empty()) << c.name << ":\n" << report;
}

class RParity : public ::testing::TestWithParam<GoldenCase> {};
TEST_P(RParity, MatchesR) {
  ExpectMatchesR(GetParam(), false);
}

class KmSummaryParity : public ::testing::TestWithParam<GoldenCase> {};
TEST_P(KmSummaryParity, MatchesR) {
  ExpectMatchesR(GetParam(), true);
}

std::vector<GoldenCase> KmCases() {
  std::vector<GoldenCase> km;
  for (const GoldenCase& c : LoadIndex()) {
    if (c.file == "km") km.push_back(c);
  }
  return km;
}

std::string CaseName(const ::testing::TestParamInfo<GoldenCase>& info) {
  return info.param.file + "_" + std::to_string(info.param.position);
}

INSTANTIATE_TEST_SUITE_P(Golden, RParity, ::testing::ValuesIn(LoadIndex()), CaseName);
INSTANTIATE_TEST_SUITE_P(Golden, KmSummaryParity, ::testing::ValuesIn(KmCases()), CaseName);

}  // namespace
}  // namespace prrt::testing
