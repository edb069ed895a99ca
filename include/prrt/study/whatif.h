// prrt/study/whatif.h — policy what-ifs on the simulator: the salvage PFS threshold and the number of salvage
// cycles changed in the calibrated model, each scenario simulated several times with the same seeds, and the
// study's endpoints derived from each simulated registry. Model results, not evidence (docs/simulator.md).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "prrt/common/result.h"
#include "prrt/sim/simulator.h"

namespace prrt::study {

struct Scenario {
  double min_pfs_months = 18;  //!< PFS after I-PRRT needed for R-PRRT
  int cycles = 2;              //!< cycles of a complete salvage phase
};

//! One outcome over the replicates: their mean and the 2.5th and 97.5th percentiles (R's quantile type 7).
struct Spread {
  double mean = 0, lower = 0, upper = 0;
  int replicates = 0;  //!< with a value (a median may not be reached)
};

struct ScenarioResult {
  Scenario scenario;
  Spread eligible;   //!< disease control after I-PRRT, PFS >= the threshold, relapse: R-PRRT candidates
  Spread retreated;  //!< given R-PRRT
  Spread pfs_r_median_months;  //!< PFS after R-PRRT
  Spread
      os_all_median_months;  //!< OS from I-PRRT of every simulated patient: the policy's effect on the cohort
  Spread os_retreated_median_months;
  Spread haem_grade34_r_percent;  //!< grade 3/4 haematological toxicity after R-PRRT
  Spread aml_mds_percent;         //!< in the retreated
};

//! More cohorts per scenario than anyone waits for (20 take about a minute); the bound keeps the count of
//! cohorts within an int.
inline constexpr int kMostReplicates = 10'000;

struct WhatIfOptions {
  std::vector<double> thresholds{12, 18, 24};
  std::vector<int> cycles{2, 4};
  int64_t patients = 463;   //!< per replicate (the paper's cohort size)
  int replicates = 20;      //!< 1 to kMostReplicates
  uint64_t seed = 2019;     //!< replicate k uses seed + k in every scenario (common random numbers)
  std::string work_folder;  //!< where the simulated registries are written (and removed)
  std::function<void(int done, int total)> progress;
};

//! Every scenario of thresholds x cycles, in that order.
Result<std::vector<ScenarioResult>> RunWhatIf(const sim::Model& model, const WhatIfOptions& options);

}  // namespace prrt::study
