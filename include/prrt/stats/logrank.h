// prrt/stats/logrank.h — k-sample log-rank and weighted log-rank tests, as R's survdiff (and SPSS KM).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "prrt/common/result.h"
#include "prrt/stats/p_adjust.h"
#include "prrt/stats/survival.h"

namespace prrt::stats {

//! The weight given to each event time.
enum class LogrankWeight {
  kFlemingHarrington,  //!< S(t-)^rho of the pooled left-continuous KM per stratum (rho = 0: log-rank)
  kBreslow,            //!< n at risk (SPSS "Breslow", the generalized Wilcoxon / Gehan test)
  kTaroneWare,         //!< sqrt(n at risk)
};
std::optional<LogrankWeight> ParseLogrankWeight(std::string_view text);  // logrank|breslow|tarone-ware

struct LogrankOptions {
  LogrankWeight weight = LogrankWeight::kFlemingHarrington;
  double rho = 0;
  bool timefix = true;
};

struct LogrankGroup {
  int32_t group = 0;
  int64_t n = 0;
  double observed = 0;  //!< weighted, summed over strata
  double expected = 0;
};

struct LogrankResult {
  double chisq = 0;
  int32_t df = 0;
  double p = 1;
  std::vector<LogrankGroup> groups;
  std::vector<double> variance;  //!< k x k, row-major, summed over strata
};

//! Tests equality of the groups' survival (data.group, codes 0..n_groups-1), stratified by `strata`
//! (codes 0..n_strata-1; empty: one stratum). As survdiff: groups with expected 0 are dropped, the first
//! remaining group is dropped, chi-square = (O-E)' V^-1 (O-E) on (#groups with E > 0) - 1 df.
Result<LogrankResult> LogRank(const SurvivalData& data, int32_t n_groups, std::span<const int32_t> strata,
                              int32_t n_strata, const LogrankOptions& options);

//! One pair of groups tested on its own rows.
struct PairwiseLogrank {
  int32_t group_a = 0;
  int32_t group_b = 0;  //!< group_a < group_b
  std::optional<double> chisq;
  int32_t df = 0;
  std::optional<double> p;
  std::optional<double> p_adjusted;  //!< over the pairs that have a test
  std::string no_test;               //!< why there is none (e.g. no events in either group)
};

//! Every pair of groups compared by LogRank on the rows of the two groups alone (with their strata) — R's
//! survdiff on each subset, as survminer's pairwise_survdiff, and SPSS's /COMPARE=PAIRWISE POOLED — in the
//! order (0, 1), (0, 2), ..., (1, 2), ...; the p-values adjusted by `adjust` over the pairs with a test.
Result<std::vector<PairwiseLogrank>> PairwiseLogRank(const SurvivalData& data, int32_t n_groups,
                                                     std::span<const int32_t> strata, int32_t n_strata,
                                                     const LogrankOptions& options, PAdjust adjust);

}  // namespace prrt::stats
