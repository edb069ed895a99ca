#include "registry/lesion_responses.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <charconv>

#include "prrt/common/dates.h"

namespace prrt::registry::detail {
namespace {

const std::array<const char*, 3> kPhases = {"I", "R", "RR"};

std::optional<clinical::LesionMeasurement> Measurement(const Row& row) {
  const std::string* id = row.get("lesion_id");
  const std::string* role = row.get("role");
  const std::string* node = row.get("lymph_node");
  if (!id || !role || !node || !clinical::ParseLesionRole(*role)) return std::nullopt;
  clinical::LesionMeasurement m;
  m.lesion_id = *id;
  m.role = *clinical::ParseLesionRole(*role);
  m.lymph_node = *node == "yes";
  if (const std::string* diameter = row.get("diameter_mm")) {
    double mm = 0;
    const auto [end, error] = std::from_chars(diameter->data(), diameter->data() + diameter->size(), mm);
    if (error != std::errc() || end != diameter->data() + diameter->size()) return std::nullopt;
    m.diameter_mm = mm;
  }
  if (const std::string* status = row.get("status")) m.status = *status;
  return m;
}

struct MeasuredDate {
  const Row* first_row = nullptr;
  clinical::Assessment assessment;
};

}  // namespace

int PhaseIndex(const std::string& phase) {
  const auto it = std::find(kPhases.begin(), kPhases.end(), phase);
  assert(it != kPhases.end());
  return static_cast<int>(it - kPhases.begin());
}

Result<std::vector<LesionResponse>> EvaluateLesions(const std::vector<const Row*>& lesions,
                                                    const std::array<std::optional<Day>, 3>& first_cycles) {
  std::vector<MeasuredDate> dates;
  for (const Row* row : lesions) {
    const std::string* date = row->get("date");
    const std::optional<Day> parsed = date ? ParseDay(*date) : std::nullopt;
    std::optional<clinical::LesionMeasurement> m = Measurement(*row);
    if (!parsed || !m) return std::vector<LesionResponse>();
    const int64_t day = parsed.value_or(0);
    if (dates.empty() || dates.back().assessment.day != day) dates.push_back({row, {day, {}}});
    dates.back().assessment.lesions.push_back(std::move(*m));
  }
  // Each phase's baseline: its last measured date on or before its first cycle (dates.end(): none).
  std::array<std::vector<MeasuredDate>::const_iterator, 3> baselines;
  for (size_t k = 0; k < kPhases.size(); ++k) {
    baselines[k] = dates.end();
    if (!first_cycles[k]) continue;
    const auto after = std::upper_bound(dates.cbegin(), dates.cend(), *first_cycles[k],
                                        [](Day d, const MeasuredDate& m) { return d < m.assessment.day; });
    if (after != dates.cbegin()) baselines[k] = after - 1;
  }
  std::vector<LesionResponse> responses;
  for (size_t k = 0; k < kPhases.size(); ++k) {
    if (baselines[k] == dates.end()) continue;
    // The phase's dates: after its first cycle, before the next phase's baseline (measured with the roles of
    // the next phase, which may differ).
    std::optional<Day> until;
    for (size_t j = k + 1; j < kPhases.size() && !until; ++j) {
      if (first_cycles[j])
        until = baselines[j] == dates.end() ? *first_cycles[j] + 1 : baselines[j]->assessment.day;
    }
    const MeasuredDate& baseline = *baselines[k];
    std::vector<const MeasuredDate*> measured = {&baseline};
    for (const MeasuredDate& m : dates) {
      if (m.assessment.day > *first_cycles[k] && (!until || m.assessment.day < *until))
        measured.push_back(&m);
    }
    if (measured.size() == 1) continue;
    std::vector<clinical::Assessment> assessments;
    for (const MeasuredDate* m : measured)
      assessments.push_back(m->assessment);
    Result<clinical::RecistResult> result = clinical::EvaluateRecist(assessments);
    if (!result.ok()) {
      // The first date whose measurements cannot be evaluated: the baseline's own, or a later one whose
      // roles are not the baseline's.
      size_t failing = 0;
      while (clinical::EvaluateRecist({assessments.begin(), assessments.begin() + failing + 1}).ok())
        ++failing;
      // In the last phase begun, a date measured with other roles is the baseline of a phase to come (its
      // work-up): the phase's time points end before it.
      if (!until && failing > 0) {
        assessments.resize(failing);
        measured.resize(failing);
        result = clinical::EvaluateRecist(assessments);
      } else {
        const Row& row = *measured[failing]->first_row;
        return InvalidArgument(fmt::format("{}: role: {} (measured against the {}-PRRT baseline of {})",
                                           row.where(), result.status().message(), kPhases[k],
                                           FormatDate(baseline.assessment.day)));
      }
    }
    for (size_t t = 0; t < result->time_points.size(); ++t) {
      responses.push_back({static_cast<Day>(result->time_points[t].day), measured[t + 1]->first_row,
                           kPhases[k], static_cast<Day>(baseline.assessment.day), *first_cycles[k],
                           result->baseline_sum_mm, result->time_points[t]});
    }
  }
  return responses;
}

Row ResponseRow(const LesionResponse& response, const std::string& patient_id) {
  const clinical::TimePoint& tp = response.time_point;
  std::string how;
  if (tp.target_sum_mm && response.baseline_sum_mm)
    how =
        fmt::format("target sum {:g} mm, {:g} mm at baseline", *tp.target_sum_mm, *response.baseline_sum_mm);
  if (tp.overall == clinical::Response::kNonCrNonPd) how = "non-CR/non-PD (non-target disease only)";
  if (tp.new_lesions) how += std::string(how.empty() ? "" : "; ") + "a new lesion";
  // RECIST 1.1 wants the baseline within 4 weeks of the start; an older one (a salvage phase without its own
  // work-up measured against the last scan before it) is used, and said.
  const Day baseline_age = response.first_cycle_day - response.baseline_day;
  const int max_age = clinical::RecistOptions{}.baseline_max_days;
  const std::string age = baseline_age <= max_age ? ""
                                                  : fmt::format(
                                                        ", {} days before the first cycle (RECIST 1.1: "
                                                        "at most {})",
                                                        baseline_age, max_age);
  Row row = *response.first_row;
  row.values = {{"patient_id", patient_id},
                {"date", FormatDate(response.day)},
                {"response", tp.overall == clinical::Response::kNonCrNonPd
                                 ? std::string("sd")
                                 : std::string(clinical::ToString(tp.overall))},
                {"method", "recist"},
                {"x_note", fmt::format("RECIST 1.1 from lesions.csv against the {}-PRRT baseline of {}{}{}{}",
                                       response.phase, FormatDate(response.baseline_day), age,
                                       how.empty() ? "" : ": ", how)}};
  return row;
}

}  // namespace prrt::registry::detail
