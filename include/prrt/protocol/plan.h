// prrt/protocol/plan.h — a patient's next actions under the protocol: the next cycle with its activity and
// why, the blood tests and scans due, and what is overdue.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "prrt/protocol/protocol.h"

namespace prrt::protocol {

struct PlannedAction {
  std::string action;  //!< cycle, blood_tests, scan
  std::string phase;   //!< I, R, RR
  int number = 0;  //!< the cycle's number in its phase; for blood tests, the cycle they follow; scan count
  std::string window_start, window_end;  //!< ISO dates, inclusive
  //! due (the window is open or ahead), overdue (it has passed), withheld (a cycle waiting for a toxicity to
  //! resolve), blocked (a new phase the patient is not eligible for)
  std::string status;
  std::optional<double> activity_gbq;  //!< cycles only
  std::string reason;                  //!< in words
};

struct Plan {
  std::string patient_id;
  std::string as_of;
  std::optional<std::string> phase;  //!< the current or last phase; none before I-PRRT
  //! none (no cycle yet), in_progress, completed, stopped (ended early: stop_reason), deceased
  std::string phase_status;
  int cycles_given = 0;
  int cycles_intended = 0;
  double cumulative_activity_gbq = 0;
  std::optional<std::string> stop_reason;
  std::vector<PlannedAction> actions;
  std::optional<Eligibility> eligibility;  //!< for the next phase, when one may start
};

//! The plan for `patient_id` on `as_of`, from the rows dated up to it. NotFound for an unknown patient.
Result<Plan> PlanNextActions(const registry::Interchange& data, const std::string& patient_id,
                             registry::Day as_of, const Protocol& protocol);

}  // namespace prrt::protocol
