// `prrt recist` on tests/data/lesions_example.csv, with the responses worked out by hand:
// p1: baseline 40 + 20 (node) = 60 mm.
//   2024-03-20: 25 + 15 = 40 <= 0.7 x 60 = 42: PR; bone present: non-CR/non-PD; overall PR.
//   2024-05-02: 24 + 14 = 38: not >= 1.2 x nadir 40; <= 42: PR, 43 days after the first PR: confirmed.
//   2024-09-15: 30 + 16 = 46 >= 1.2 x nadir 38 = 45.6 and +8 mm: PD (and a new lesion). Best PR, confirmed
//   PR.
// p2: baseline 50. 2024-03-01 (day 29): 45, not <= 35: SD; 2024-04-15 (day 74): 48 < 1.2 x 45: SD.
//   The day-29 SD is before the 42-day minimum, the day-74 one counts: best SD.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/json_match.h"

namespace prrt::testing {
namespace {

TEST(RecistCommand, ResponsesOfTheExampleWorkedOutByHand) {
  std::string out, err;
  ASSERT_EQ(RunPrrt({"recist", "--lesions", "tests/data/lesions_example.csv", "--json"}, out, err), 0) << err;
  const nlohmann::json expected = nlohmann::json::parse(R"([
    {"patient_id": "p1",
     "baseline": {"date": "2024-01-10", "target_sum_mm": 60},
     "assessments": [
       {"date": "2024-03-20", "target_sum_mm": 40, "target": "pr", "non_target": "non_cr_non_pd",
        "new_lesions": false, "overall": "pr"},
       {"date": "2024-05-02", "target_sum_mm": 38, "target": "pr", "non_target": "non_cr_non_pd",
        "new_lesions": false, "overall": "pr"},
       {"date": "2024-09-15", "target_sum_mm": 46, "target": "pd", "non_target": "non_cr_non_pd",
        "new_lesions": true, "overall": "pd"}],
     "best_response": "pr", "best_response_confirmed": "pr"},
    {"patient_id": "p2",
     "baseline": {"date": "2024-02-01", "target_sum_mm": 50},
     "assessments": [
       {"date": "2024-03-01", "target_sum_mm": 45, "target": "sd", "non_target": null, "new_lesions": false,
        "overall": "sd"},
       {"date": "2024-04-15", "target_sum_mm": 48, "target": "sd", "non_target": null, "new_lesions": false,
        "overall": "sd"}],
     "best_response": "sd", "best_response_confirmed": "sd"}
  ])");
  std::vector<std::string> diffs = JsonDifferences(expected, nlohmann::json::parse(out), 1e-12);
  std::string report;
  for (const std::string& d : diffs)
    report += d + "\n";
  EXPECT_TRUE(diffs.empty()) << report;
}

TEST(RecistCommand, ShorterMinimumForStableDiseaseChangesTheBestResponse) {
  // With --min-sd-days 20, p2's day-29 SD counts too (same answer, SD), and with 80 neither does: NE.
  std::string out, err;
  ASSERT_EQ(
      RunPrrt({"recist", "--lesions", "tests/data/lesions_example.csv", "--min-sd-days", "80", "--json"}, out,
              err),
      0);
  EXPECT_EQ(nlohmann::json::parse(out)[1]["best_response"], "ne");
}

}  // namespace
}  // namespace prrt::testing
