#include <vector>

#include "prrt/stats/survival.h"
#include "survival_detail.h"

namespace prrt::stats {

Result<KmRowSource> ReverseKaplanMeier(const SurvivalData& data, int32_t n_groups, FollowUpTies ties,
                                       const KmOptions& options) {
  Status valid = detail::RequireRightCensored(data, "median follow-up (reverse Kaplan–Meier)");
  if (valid.ok() && ties == FollowUpTies::kProdlim) {
    valid = detail::RequireUnweighted(data, "median follow-up with prodlim's ties");
  }
  if (!valid.ok()) return valid;
  std::vector<int8_t> flipped(data.event.size());
  for (size_t i = 0; i < flipped.size(); ++i) {
    // Values other than 0/1 pass through so that KmRowSource::Create reports them.
    flipped[i] =
        data.event[i] == 0 || data.event[i] == 1 ? static_cast<int8_t>(1 - data.event[i]) : data.event[i];
  }
  KmOptions reverse = options;
  reverse.censorings_leave_first = ties == FollowUpTies::kProdlim;
  return KmRowSource::Create(SurvivalData{data.time, flipped, data.group, {}, data.weight}, n_groups,
                             reverse);
}

}  // namespace prrt::stats
