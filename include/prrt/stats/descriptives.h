// prrt/stats/descriptives.h — the summaries of the paper's tables: n (%), median (range), median (Q1–Q3).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "prrt/common/result.h"

namespace prrt::stats {

//! The p-quantile of R's quantile(type = `type`), Hyndman & Fan's definitions 1 to 9, with R's arithmetic:
//! 1-3 discontinuous (inverse of the empirical distribution; averaged at jumps; nearest even order
//! statistic), 4-9 interpolating between order statistics at a + p (n + 1 - a - b) for (a, b) = (0, 1), (1/2,
//! 1/2), (0, 0) — SPSS's default HAVERAGE, "weighted average at X_(n+1)p" —, (1, 1) — R's default, at 1 + (n
//! - 1) p —, (1/3, 1/3), (3/8, 3/8); beyond the sample, the smallest or largest value. `sorted` must be
//! sorted ascending and not empty; 0 <= p <= 1.
double Quantile(std::span<const double> sorted, double p, int type = 7);
inline constexpr int kQuantileTypeSpss = 6;

struct NumericSummary {
  int64_t n = 0;
  double mean = 0;
  double sd = 0;  //!< sample SD (n - 1); NaN for n < 2
  double min = 0;
  double q1 = 0;
  double median = 0;
  double q3 = 0;
  double max = 0;
};

//! Summarises finite values (the caller leaves out missing ones), the quartiles by R's quantile `type`.
//! Errors on an empty input.
Result<NumericSummary> SummariseNumeric(std::span<const double> values, int quantile_type = 7);

struct LevelCount {
  std::string level;
  int64_t count = 0;
  double percent = 0;  //!< of the non-missing values
};

//! n (%) for each level (codes 0..levels.size()-1; -1 is missing and not counted).
std::vector<LevelCount> CountLevels(std::span<const int32_t> codes, const std::vector<std::string>& levels);

}  // namespace prrt::stats
