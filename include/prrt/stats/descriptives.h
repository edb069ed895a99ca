// prrt/stats/descriptives.h — the summaries of the paper's tables: n (%), median (range), median (Q1–Q3).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "prrt/common/result.h"

namespace prrt::stats {

//! The p-quantile by R's default rule (type 7): linear interpolation between order statistics at
//! h = (n - 1) p. `sorted` must be sorted ascending and not empty.
double QuantileType7(std::span<const double> sorted, double p);

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

//! Summarises finite values (the caller leaves out missing ones). Errors on an empty input.
Result<NumericSummary> SummariseNumeric(std::span<const double> values);

struct LevelCount {
  std::string level;
  int64_t count = 0;
  double percent = 0;  //!< of the non-missing values
};

//! n (%) for each level (codes 0..levels.size()-1; -1 is missing and not counted).
std::vector<LevelCount> CountLevels(std::span<const int32_t> codes, const std::vector<std::string>& levels);

}  // namespace prrt::stats
