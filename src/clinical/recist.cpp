#include "prrt/clinical/recist.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace prrt::clinical {

std::optional<LesionRole> ParseLesionRole(std::string_view role) {
  if (role == "target") return LesionRole::kTarget;
  if (role == "non_target") return LesionRole::kNonTarget;
  if (role == "new") return LesionRole::kNew;
  return std::nullopt;
}

std::string_view ToString(Response response) {
  switch (response) {
    case Response::kCr:
      return "cr";
    case Response::kPr:
      return "pr";
    case Response::kSd:
      return "sd";
    case Response::kPd:
      return "pd";
    case Response::kNe:
      return "ne";
    case Response::kNonCrNonPd:
      return "non_cr_non_pd";
  }
  return "ne";
}

namespace {

// Eisenhauer Table 1 for patients with target lesions, once PD and new lesions are handled; "no non-target
// lesions" counts as non-target CR. Table 2 (non-target disease only) is the non-target response itself.
Response Overall(Response target, std::optional<Response> non_target) {
  const Response nt = non_target.value_or(Response::kCr);  // no non-target lesions: as if CR
  if (target == Response::kCr) {
    if (nt == Response::kCr) return Response::kCr;
    return Response::kPr;  // CR with non-CR/non-PD, or with non-targets not evaluated
  }
  if (target == Response::kPr) return Response::kPr;
  if (target == Response::kSd) return Response::kSd;
  return Response::kNe;  // targets not all evaluated, non-targets not PD
}

}  // namespace

Response OverallResponse(std::optional<Response> target, std::optional<Response> non_target,
                         bool new_lesions) {
  if (new_lesions || target == Response::kPd || non_target == Response::kPd) return Response::kPd;
  if (target) return Overall(*target, non_target);
  if (!non_target) return Response::kNe;
  return *non_target;  // CR, non-CR/non-PD or NE (Table 2)
}

namespace {

bool IsTargetCr(const std::vector<const LesionMeasurement*>& targets) {
  // CR: every non-nodal target gone, every nodal target below 10 mm short axis.
  return std::all_of(targets.begin(), targets.end(), [](const LesionMeasurement* l) {
    return l->lymph_node ? *l->diameter_mm < 10 : *l->diameter_mm == 0;
  });
}

// Rank for "best": CR > PR > SD = non-CR/non-PD > PD > NE.
int Rank(Response r) {
  switch (r) {
    case Response::kCr:
      return 5;
    case Response::kPr:
      return 4;
    case Response::kSd:
    case Response::kNonCrNonPd:
      return 3;
    case Response::kPd:
      return 2;
    case Response::kNe:
      return 1;
  }
  return 0;
}

}  // namespace

Result<RecistResult> EvaluateRecist(const std::vector<Assessment>& assessments,
                                    const RecistOptions& options) {
  if (assessments.empty()) return InvalidArgument("no assessments");
  for (size_t i = 1; i < assessments.size(); ++i) {
    if (assessments[i].day <= assessments[i - 1].day)
      return InvalidArgument("assessments are not in date order");
  }
  const Assessment& baseline = assessments.front();
  std::map<std::string, LesionRole> baseline_role;
  double baseline_sum = 0;
  bool baseline_measured = true;
  for (const LesionMeasurement& l : baseline.lesions) {
    if (l.role == LesionRole::kNew)
      return InvalidArgument(fmt::format("lesion {} is 'new' at baseline", l.lesion_id));
    baseline_role[l.lesion_id] = l.role;
    if (l.role == LesionRole::kTarget) {
      if (l.diameter_mm) {
        baseline_sum += *l.diameter_mm;
      } else {
        baseline_measured = false;
      }
    }
  }
  if (baseline_role.empty()) return InvalidArgument("the baseline assessment has no lesions");
  const bool has_targets = std::any_of(baseline_role.begin(), baseline_role.end(),
                                       [](const auto& e) { return e.second == LesionRole::kTarget; });
  const bool has_non_targets = std::any_of(baseline_role.begin(), baseline_role.end(),
                                           [](const auto& e) { return e.second == LesionRole::kNonTarget; });
  RecistResult result;
  result.baseline_day = baseline.day;
  if (has_targets && baseline_measured) result.baseline_sum_mm = baseline_sum;
  std::optional<double> nadir = result.baseline_sum_mm;

  for (size_t a = 1; a < assessments.size(); ++a) {
    const Assessment& assessment = assessments[a];
    TimePoint tp;
    tp.day = assessment.day;
    std::vector<const LesionMeasurement*> targets;
    size_t non_targets_seen = 0;
    bool non_target_pd = false, non_target_present = false;
    for (const LesionMeasurement& l : assessment.lesions) {
      if (l.role == LesionRole::kNew) {
        tp.new_lesions = true;
        continue;
      }
      auto role = baseline_role.find(l.lesion_id);
      if (role == baseline_role.end() || role->second != l.role) {
        return InvalidArgument(fmt::format("lesion {} is a {} after baseline but not at baseline",
                                           l.lesion_id,
                                           l.role == LesionRole::kTarget ? "target" : "non-target"));
      }
      if (l.role == LesionRole::kTarget) {
        if (l.diameter_mm) targets.push_back(&l);
      } else {
        ++non_targets_seen;
        non_target_pd = non_target_pd || l.status == "unequivocal_progression";
        non_target_present = non_target_present || l.status == "present";
      }
    }
    const size_t baseline_targets =
        static_cast<size_t>(std::count_if(baseline_role.begin(), baseline_role.end(),
                                          [](const auto& e) { return e.second == LesionRole::kTarget; }));
    if (has_targets) {
      if (targets.size() == baseline_targets && result.baseline_sum_mm) {
        double sum = 0;
        for (const LesionMeasurement* l : targets)
          sum += *l->diameter_mm;
        tp.target_sum_mm = sum;
        // PD against the nadir (smallest sum so far, baseline included); PR against baseline.
        if (sum >= (1 + options.pd_fraction) * *nadir && sum - *nadir >= options.pd_absolute_mm) {
          tp.target = Response::kPd;
        } else if (IsTargetCr(targets)) {
          tp.target = Response::kCr;
        } else if (sum <= (1 - options.pr_fraction) * *result.baseline_sum_mm) {
          tp.target = Response::kPr;
        } else {
          tp.target = Response::kSd;
        }
        nadir = std::min(*nadir, sum);
      } else {
        tp.target = Response::kNe;
      }
    }
    if (has_non_targets) {
      const size_t baseline_non_targets = baseline_role.size() - baseline_targets;
      if (non_target_pd) {
        tp.non_target = Response::kPd;
      } else if (non_targets_seen < baseline_non_targets) {
        tp.non_target = Response::kNe;
      } else {
        tp.non_target = non_target_present ? Response::kNonCrNonPd : Response::kCr;
      }
    }
    tp.overall = OverallResponse(tp.target, tp.non_target, tp.new_lesions);
    result.time_points.push_back(tp);
  }

  // Best overall response, from the time points up to and including the first PD.
  const Response stable = has_targets ? Response::kSd : Response::kNonCrNonPd;
  auto counts_as_stable = [&](const TimePoint& tp) {
    return Rank(tp.overall) >= 3 && tp.day - result.baseline_day >= options.min_sd_days;
  };
  Response best = Response::kNe;
  Response confirmed = Response::kNe;
  bool any_stable = false, any_pd = false;
  const auto& tps = result.time_points;
  for (size_t i = 0; i < tps.size(); ++i) {
    if (tps[i].overall == Response::kPd) {
      any_pd = true;
      break;
    }
    const Response r = tps[i].overall;
    if (r == Response::kCr || r == Response::kPr) {
      if (Rank(r) > Rank(best)) best = r;
      // Confirmed by a later assessment at least confirm_days on, before any PD, with CR (for CR) or PR/CR.
      for (size_t j = i + 1; j < tps.size() && tps[j].overall != Response::kPd; ++j) {
        if (tps[j].day - tps[i].day < options.confirm_days) continue;
        const Response confirmed_as = r == Response::kCr && tps[j].overall == Response::kCr ? Response::kCr
                                      : (tps[j].overall == Response::kCr || tps[j].overall == Response::kPr)
                                          ? Response::kPr
                                          : Response::kNe;
        if (Rank(confirmed_as) > Rank(confirmed)) confirmed = confirmed_as;
      }
    }
    any_stable = any_stable || counts_as_stable(tps[i]);
  }
  auto fallback = [&](Response r) {
    if (r != Response::kNe) return r;
    if (any_stable) return stable;
    return any_pd ? Response::kPd : Response::kNe;
  };
  result.best_response = fallback(best);
  result.best_response_confirmed = fallback(confirmed);
  return result;
}

}  // namespace prrt::clinical
