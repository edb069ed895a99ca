// Time-point responses computed from a patient's lesion measurements (lesions.csv, RECIST 1.1), phase by
// phase: the format's rule that a date with measurements has its response computed from them. Used by the
// import's cross-file checks (a registry holds only measurements that can be evaluated) and by the timeline
// (which puts the computed responses in place of responses.csv's RECIST rows of the same dates).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "prrt/clinical/recist.h"
#include "prrt/common/result.h"
#include "prrt/registry/interchange.h"

namespace prrt::registry::detail {

// A phase's place in a patient's treatment: I-PRRT 0, R-PRRT 1, RR-PRRT 2 (the index of `first_cycles`
// below). `phase` is one cycles.csv allows (checked before).
int PhaseIndex(const std::string& phase);

struct LesionResponse {
  Day day = 0;
  const Row* first_row = nullptr;  // the date's first lesions.csv row
  std::string phase;               // I, R or RR: the phase whose baseline it is measured against
  Day baseline_day = 0;
  Day first_cycle_day = 0;  // the phase's
  std::optional<double> baseline_sum_mm;
  clinical::TimePoint time_point;
};

// `lesions`: one patient's lesions.csv rows in date order; `first_cycles`: the first cycle of I-, R- and
// RR-PRRT (absent for a phase not given). A phase's baseline is its last measured date on or before its first
// cycle, with the roles recorded on it (a phase without one has no date evaluated); each measured date after
// the phase's first cycle and before the next phase's baseline (measured with that phase's roles, which may
// be re-designated) or first cycle is evaluated against it. In the last phase begun, a date measured with
// roles other than its baseline's is taken as the work-up of a phase to come and ends the phase's time
// points; in an earlier phase, or at a baseline (a lesion 'new' there), it is an InvalidArgument naming the
// date's first row ("lesions.csv:LINE: role: ..."). Rows whose own fields are wrong (reported by the import
// on their own) leave nothing evaluated.
Result<std::vector<LesionResponse>> EvaluateLesions(const std::vector<const Row*>& lesions,
                                                    const std::array<std::optional<Day>, 3>& first_cycles);

// The computed response as a responses.csv row (method recist; non-CR/non-PD, for non-target disease only,
// is sd there) with an x_note saying how it was computed, and when its baseline is older than RECIST 1.1
// allows, how old.
Row ResponseRow(const LesionResponse& response, const std::string& patient_id);

}  // namespace prrt::registry::detail
