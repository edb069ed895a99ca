// prrt/clinical/recist.h — RECIST 1.1 (Eisenhauer et al., Eur J Cancer 2009;45:228–247): target sums, the
// target, non-target and overall time-point responses, and the best overall response with and without
// confirmation.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "prrt/common/result.h"

namespace prrt::clinical {

enum class Response { kCr, kPr, kSd, kPd, kNe, kNonCrNonPd };
std::string_view ToString(Response response);  // cr, pr, sd, pd, ne, non_cr_non_pd

enum class LesionRole { kTarget, kNonTarget, kNew };
//! The role as lesions.csv writes it (target, non_target, new); nullopt for anything else.
std::optional<LesionRole> ParseLesionRole(std::string_view role);

//! One lesion at one assessment, as in lesions.csv.
struct LesionMeasurement {
  std::string lesion_id;
  LesionRole role = LesionRole::kTarget;
  bool lymph_node = false;
  std::optional<double> diameter_mm;  //!< targets: longest diameter (short axis for nodes); 0 when gone
  std::string status;                 //!< non-targets: present | absent | unequivocal_progression
};

struct Assessment {
  int64_t day = 0;  //!< days since 1970-01-01
  std::vector<LesionMeasurement> lesions;
};

struct RecistOptions {
  int min_sd_days = 42;       //!< SD counts for best response only this long after baseline (6 weeks)
  int confirm_days = 28;      //!< CR/PR confirmed by a later assessment at least this long after
  double pr_fraction = 0.30;  //!< PR: sum decreased by >= 30% from baseline
  double pd_fraction = 0.20;  //!< PD: sum increased by >= 20% from the nadir ...
  double pd_absolute_mm = 5;  //!< ... and by >= 5 mm
  //! The baseline assessment at most this long before the treatment starts (4 weeks); EvaluateRecist does
  //! not know the start: the registry notes a computed response's older baseline.
  int baseline_max_days = 28;
};

struct TimePoint {
  int64_t day = 0;
  std::optional<double> target_sum_mm;  //!< absent when a target lesion was not measured
  std::optional<Response> target;       //!< absent without target lesions
  std::optional<Response> non_target;   //!< absent without non-target lesions
  bool new_lesions = false;
  Response overall = Response::kNe;
};

struct RecistResult {
  int64_t baseline_day = 0;
  std::optional<double> baseline_sum_mm;
  std::vector<TimePoint> time_points;  //!< the assessments after baseline
  Response best_response = Response::kNe;
  Response best_response_confirmed = Response::kNe;
};

//! Evaluates one patient's assessments (the first is the baseline). Errors on a baseline without lesions, a
//! target lesion that appears after baseline, or assessments out of order.
Result<RecistResult> EvaluateRecist(const std::vector<Assessment>& assessments,
                                    const RecistOptions& options = {});

//! The overall time-point response from its components (Eisenhauer Tables 1 and 2).
Response OverallResponse(std::optional<Response> target, std::optional<Response> non_target,
                         bool new_lesions);

}  // namespace prrt::clinical
