#include "prrt/stats/p_adjust.h"

#include <algorithm>
#include <numeric>

#include "prrt/common/named_values.h"

namespace prrt::stats {

namespace {

constexpr NamedValue<PAdjust> kPAdjustNames[] = {{PAdjust::kNone, "none"},
                                                 {PAdjust::kBonferroni, "bonferroni"},
                                                 {PAdjust::kHolm, "holm"},
                                                 {PAdjust::kBH, "BH"}};

}  // namespace

std::optional<PAdjust> ParsePAdjust(std::string_view text) {
  return ValueNamed(kPAdjustNames, text);
}

std::string_view PAdjustName(PAdjust method) {
  return NameOf(kPAdjustNames, method);
}

std::vector<std::optional<double>> AdjustPValues(std::span<const std::optional<double>> p, PAdjust method) {
  std::vector<std::optional<double>> adjusted(p.begin(), p.end());
  std::vector<size_t> order;  // the present p-values, smallest first (ties in the order given, as R's order)
  for (size_t i = 0; i < p.size(); ++i)
    if (p[i]) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return *p[a] < *p[b]; });
  const double m = static_cast<double>(order.size());
  switch (method) {
    case PAdjust::kNone:
      break;
    case PAdjust::kBonferroni:
      for (size_t i : order)
        adjusted[i] = std::min(1.0, m * *p[i]);
      break;
    case PAdjust::kHolm: {
      double running = 0;
      for (size_t rank = 0; rank < order.size(); ++rank) {
        running = std::max(running, std::min(1.0, (m - static_cast<double>(rank)) * *p[order[rank]]));
        adjusted[order[rank]] = running;
      }
      break;
    }
    case PAdjust::kBH: {
      double running = 1;
      for (size_t rank = order.size(); rank-- > 0;) {
        running = std::min(running, m / static_cast<double>(rank + 1) * *p[order[rank]]);
        adjusted[order[rank]] = running;
      }
      break;
    }
  }
  return adjusted;
}

}  // namespace prrt::stats
