// prrt/registry/timeline.h — one patient's course derived from the registry rows: phases with their cycles
// and cumulative activity, best response and PFS, labs with CTCAE v3.0 grades, events, and OS (definitions:
// docs/registry-csv.md, "What is derived from it").
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "prrt/common/result.h"
#include "prrt/registry/interchange.h"

namespace prrt::registry {

//! Months as the format defines them: days / 30.4375.
double MonthsBetween(Day from, Day to);

struct TimelineCycle {
  std::string date;
  double activity_gbq = 0;
  double cumulative_gbq = 0;  //!< over all phases up to and including this cycle
};

struct TimelinePhase {
  std::string phase;  //!< I, R, RR
  std::string start;  //!< its first cycle
  std::vector<TimelineCycle> cycles;
  double activity_gbq = 0;
  std::optional<std::string> best_response;  //!< cr, pr, sd, pd, ne; none without any assessment
  bool best_response_computed = false;       //!< the assessment giving it was computed from lesions.csv
  bool clinical_pd = false;  //!< the best response is PD from a clinical progression with no assessment
  std::optional<std::string> progression_date;
  std::optional<std::string> progression_method;
  double pfs_months = 0;
  bool pfs_event = false;  //!< progression or death; false: censored at last contact
};

struct TimelineLab {
  std::string date, test, unit;
  double value = 0;
  std::optional<double> lln, uln;  //!< the laboratory's limits, when given
  std::optional<int> ctcae_grade;  //!< absent for tests CTCAE does not grade, or without the limits needed
  std::string ctcae_note;          //!< why there is no grade
};

struct Timeline {
  const Row* patient = nullptr;
  std::vector<TimelinePhase> phases;
  double cumulative_activity_gbq = 0;
  std::vector<TimelineLab> labs;
  std::vector<const Row*> work_ups;  //!< baselines.csv: the state before each phase
  //! responses.csv's rows, and the responses computed from lesions.csv (method recist, in place of a
  //! recorded RECIST response of the same date), in date order.
  std::vector<const Row*> responses;
  std::shared_ptr<const std::vector<Row>> computed_responses;  //!< what `responses` points to of lesions.csv
  //! Whether `response`, one of `responses`, was computed from lesions.csv (derived: not a row to correct).
  bool computed(const Row* response) const;
  std::vector<const Row*> lesions;  //!< lesions.csv: the RECIST 1.1 measurements, in date order
  std::vector<const Row*> events;
  std::optional<double> os_months;  //!< from the first I cycle; absent without cycles
  bool os_event = false;
};

//! The rows of `file` that belong to `patient_id`, in date order (stable: rows of one day keep their order).
std::vector<const Row*> PatientRows(const Interchange& data, const std::string& file,
                                    const std::string& patient_id);

//! The timeline of `patient_id`; NotFound if the registry does not hold it.
Result<Timeline> BuildTimeline(const Interchange& data, const std::string& patient_id);

}  // namespace prrt::registry
