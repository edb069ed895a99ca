// prrt/stats/p_adjust.h — p-values adjusted for multiple comparisons, as R's p.adjust.
#pragma once

#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace prrt::stats {

enum class PAdjust {
  kNone,
  kBonferroni,  //!< min(1, m p)
  kHolm,        //!< step-down: the i-th smallest times (m - i + 1), made non-decreasing
  kBH,          //!< Benjamini–Hochberg: the i-th smallest times m / i, made non-increasing from the largest
};
std::optional<PAdjust> ParsePAdjust(std::string_view text);  // none|bonferroni|holm|BH, R's names
std::string_view PAdjustName(PAdjust method);

//! The adjusted p-values, in the order given; absent ones stay absent and are not counted in m (R's
//! p.adjust with NA and its default n).
std::vector<std::optional<double>> AdjustPValues(std::span<const std::optional<double>> p, PAdjust method);

}  // namespace prrt::stats
