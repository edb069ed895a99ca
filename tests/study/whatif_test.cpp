// Policy what-ifs: the simulator follows the scenario's policy (threshold and cycles), the scenarios share
// their random numbers, and the command's JSON is the documented contract.
#include "prrt/study/whatif.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "prrt/study/endpoints.h"
#include "support/json_match.h"
#include "support/scenario.h"
#include "support/scoped_env.h"

namespace prrt::study {
namespace {

std::vector<SubjectEndpoints> Simulate(const sim::Model& model, const std::string& name, double threshold) {
  testing::TempDir dir(name);
  EXPECT_TRUE(sim::SimulateRegistry(model, 600, 7, dir.path.string()).ok());
  registry::Problems problems;
  Result<registry::Interchange> data =
      registry::ReadInterchange(dir.path.string(), registry::Day{model.cutoff}, problems);
  EXPECT_TRUE(data.ok());
  return DeriveEndpoints(std::move(*data), threshold);
}

TEST(WhatIfSimulator, SalvageFollowsTheScenariosThresholdAndCycles) {
  sim::Model model = sim::CalibratedModel();
  model.salvage_min_pfs_months = 24;
  model.salvage_cycles = 4;
  int retreated = 0;
  std::map<int, int> r_cycles;  // cycles of an R-PRRT phase -> patients
  for (const SubjectEndpoints& s : Simulate(model, "whatif_policy", 24)) {
    if (s.group != Group::kRetreatment) continue;
    ++retreated;
    EXPECT_GE(s.phases[0].pfs_months, 24.0) << s.patient_id;
    const PhaseEndpoints& r = s.phases[1];
    ++r_cycles[r.cycles];
    // Four cycles, or one when the phase stopped early (death, or the model's incomplete phases); two or
    // three only when follow-up ended before a fourth could be given (3 intervals of at most 10 weeks).
    if (r.cycles != 4 && r.cycles != 1) {
      EXPECT_LT(r.os_months_from_start, 3 * 70 / 30.4375) << s.patient_id;
    }
  }
  ASSERT_GT(retreated, 50);
  EXPECT_EQ(r_cycles.count(5), 0u);
  EXPECT_GT(r_cycles[4], r_cycles[1] + r_cycles[2] + r_cycles[3]);
}

TEST(WhatIfSimulator, ModelFileRejectsAFractionOfACycle) {
  std::string changed = testing::ReadSourceFile("data/sim/rotterdam-calibrated.toml");
  ASSERT_NE(changed.find("cycles = 2"), std::string::npos);
  changed.replace(changed.find("cycles = 2"), 10, "cycles = 2.5");
  Result<sim::Model> model = sim::ParseModel(changed, "m.toml");
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().message(), "m.toml: [salvage] cycles: expected a whole number from 1 to 8");
}

TEST(WhatIf, ScenariosShareTheirRandomNumbers) {
  testing::TempDir work("whatif_run");
  WhatIfOptions options;
  options.thresholds = {12, 24};
  options.cycles = {2, 4};
  options.patients = 300;
  options.replicates = 2;
  options.work_folder = work.path.string();
  int progress_calls = 0;
  options.progress = [&](int done, int total) {
    EXPECT_EQ(total, 8);
    EXPECT_EQ(done, ++progress_calls);
  };
  Result<std::vector<ScenarioResult>> results = RunWhatIf(sim::CalibratedModel(), options);
  ASSERT_TRUE(results.ok()) << results.status().message();
  ASSERT_EQ(results->size(), 4u);
  EXPECT_EQ(progress_calls, 8);
  const ScenarioResult &t12c2 = (*results)[0], &t12c4 = (*results)[1], &t24c2 = (*results)[2];
  EXPECT_EQ(t12c2.scenario.min_pfs_months, 12);
  EXPECT_EQ(t12c4.scenario.cycles, 4);
  // Who qualifies is drawn before salvage, from each patient's own random stream with the replicate's seed:
  // the number of cycles cannot change it, and a lower threshold only adds patients.
  EXPECT_EQ(t12c2.eligible.mean, t12c4.eligible.mean);
  EXPECT_EQ(t12c2.eligible.lower, t12c4.eligible.lower);
  EXPECT_EQ(t12c2.eligible.upper, t12c4.eligible.upper);
  EXPECT_GT(t12c2.eligible.lower, t24c2.eligible.upper);
  // Two replicates: R's type-7 quantiles are v1 + 0.025 (v2 - v1) and v1 + 0.975 (v2 - v1), which add up to
  // v1 + v2 = twice the mean.
  for (const ScenarioResult& r : *results) {
    EXPECT_EQ(r.retreated.replicates, 2);
    EXPECT_NEAR(r.retreated.lower + r.retreated.upper, 2 * r.retreated.mean, 1e-9);
    EXPECT_LE(r.retreated.mean, r.eligible.mean);
  }
}

// Its simulated registries are written in a folder of its own in TMPDIR, removed at the end.
TEST(WhatIfCommand, JsonHasTheScenariosAndSaysTheyAreModelResults) {
  testing::TempDir temp("whatif_tmp");
  const testing::ScopedEnv tmpdir("TMPDIR", temp.path.string());
  std::string out, err;
  ASSERT_EQ(testing::RunPrrt({"whatif", "--thresholds", "18", "--cycles", "2,4", "--patients", "200",
                              "--replicates", "2", "--json"},
                             out, err),
            0)
      << err;
  const nlohmann::json j = nlohmann::json::parse(out);
  EXPECT_NE(j["label"].get<std::string>().find("Model results"), std::string::npos);
  EXPECT_EQ(j["replicates"], 2);
  EXPECT_EQ(j["patients"], 200);
  ASSERT_EQ(j["scenarios"].size(), 2u);
  EXPECT_EQ(j["scenarios"][1]["cycles"], 4);
  EXPECT_EQ(j["scenarios"][1]["min_pfs_months"], 18.0);
  for (const char* key : {"eligible", "retreated", "pfs_r_median_months", "os_all_median_months",
                          "os_retreated_median_months", "haem_grade34_r_percent", "aml_mds_percent"}) {
    for (const char* field : {"mean", "lower", "upper", "replicates"})
      EXPECT_TRUE(j["scenarios"][0][key].contains(field)) << key << "." << field;
  }
  EXPECT_TRUE(std::filesystem::is_empty(temp.path));
}

// The library refuses what the command line's own checks refuse (tests/cli/bad_input_test.cpp), for callers
// other than the command line; nothing is simulated.
TEST(WhatIf, RejectsImpossibleScenarios) {
  const struct {
    std::vector<double> thresholds;
    std::vector<int> cycles;
    int replicates;
    std::string message;
  } cases[] = {
      {{12}, {0}, 1, "--cycles: 0 is not 1-8 cycles"},
      {{12}, {9}, 1, "--cycles: 9 is not 1-8 cycles"},
      {{-3}, {2}, 1, "--thresholds: -3 is not 0-120 months"},
      {{std::nan("")}, {2}, 1, "--thresholds: nan is not 0-120 months"},
      {{12}, {2}, 0, "--replicates: 0 is not 1-10000 cohorts"},
      {{12}, {2}, kMostReplicates + 1, "--replicates: 10001 is not 1-10000 cohorts"},
      {{}, {2}, 1, "at least one threshold and one number of cycles are needed"},
  };
  for (const auto& c : cases) {
    WhatIfOptions options;
    options.thresholds = c.thresholds;
    options.cycles = c.cycles;
    options.replicates = c.replicates;
    options.work_folder = "/no/such/folder";
    Result<std::vector<ScenarioResult>> results = RunWhatIf(sim::CalibratedModel(), options);
    ASSERT_FALSE(results.ok()) << c.message;
    EXPECT_EQ(results.status().message(), c.message);
  }
}

TEST(WhatIfCommand, RejectsScenariosGivenTwice) {
  std::string out, err;
  // A scenario given twice (12 months as 12 and 12.0) is one scenario.
  EXPECT_EQ(testing::RunPrrt({"whatif", "--thresholds", "12,18,12.0", "--replicates", "1"}, out, err), 2);
  EXPECT_NE(err.find("--thresholds: 12 is given twice; expected each threshold once"), std::string::npos)
      << err;
  EXPECT_EQ(testing::RunPrrt({"whatif", "--cycles", "2,2", "--replicates", "1"}, out, err), 2);
  EXPECT_NE(err.find("--cycles: 2 is given twice; expected each number of cycles once"), std::string::npos)
      << err;
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace prrt::study
