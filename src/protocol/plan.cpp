#include "prrt/protocol/plan.h"

#include <fmt/format.h>

#include <algorithm>

#include "protocol_detail.h"
#include "prrt/common/dates.h"
#include "prrt/registry/timeline.h"

namespace prrt::protocol {
namespace {

using registry::Day;
using registry::ParseDay;

constexpr double kActivityTolerance = 1e-9;

// A lab result that meets a dose-modification rule.
struct Toxicity {
  const DoseModificationRule* rule = nullptr;
  const registry::TimelineLab* lab = nullptr;
};

// The worst dose-modifying toxicity among the labs dated after `after` and before `before`.
std::optional<Toxicity> DoseModifyingToxicity(const registry::Timeline& timeline, Day after, Day before,
                                              const Protocol& protocol) {
  std::optional<Toxicity> worst;
  for (const registry::TimelineLab& lab : timeline.labs) {
    const Day day = *ParseDay(lab.date);
    if (day <= after || day >= before || !lab.ctcae_grade) continue;
    for (const DoseModificationRule& rule : protocol.dose_modification) {
      const bool applies = std::find(rule.tests.begin(), rule.tests.end(), lab.test) != rule.tests.end();
      if (applies && *lab.ctcae_grade >= rule.min_grade &&
          (!worst || *lab.ctcae_grade > *worst->lab->ctcae_grade)) {
        worst = Toxicity{&rule, &lab};
      }
    }
  }
  return worst;
}

// Whether a later result of the same test is back to the grade at which treatment may resume.
bool Resolved(const registry::Timeline& timeline, const Toxicity& toxicity) {
  const registry::TimelineLab* latest = toxicity.lab;
  for (const registry::TimelineLab& lab : timeline.labs) {
    if (lab.test == toxicity.lab->test && lab.date > latest->date) latest = &lab;
  }
  return latest != toxicity.lab && latest->ctcae_grade &&
         *latest->ctcae_grade <= toxicity.rule->resume_at_grade;
}

std::string Describe(const Toxicity& t) {
  return fmt::format("{} grade {} ({} {:g} {} on {})", t.rule->toxicity, *t.lab->ctcae_grade, t.lab->test,
                     t.lab->value, t.lab->unit, t.lab->date);
}

// The activity of the next cycle under the ceiling; `reason` says why when the ceiling lowers it.
double UnderCeiling(double activity, double cumulative, const Protocol& protocol, std::string& reason) {
  const double left = std::max(0.0, protocol.cumulative_ceiling_gbq - cumulative);
  if (activity <= left + kActivityTolerance) return activity;
  reason += fmt::format("; limited to the {:.2f} GBq left under the {:g} GBq ceiling", left,
                        protocol.cumulative_ceiling_gbq);
  return std::floor(left * 100 + kActivityTolerance) / 100;
}

// The first cycle of the next phase: due when the patient is eligible, else blocked with the unmet criteria.
void PlanNewPhase(Plan& plan, const registry::Interchange& data, Day as_of, const Protocol& protocol) {
  Eligibility e = AssessEligibility(data, plan.patient_id, as_of, protocol);
  if (e.next_phase) {
    PlannedAction cycle{"cycle", *e.next_phase, 1, FormatDate(as_of), FormatDate(as_of), "", {}, ""};
    if (e.eligible) {
      cycle.status = "due";
      cycle.reason = fmt::format("eligible for {}-PRRT: standard activity", *e.next_phase);
      cycle.activity_gbq =
          UnderCeiling(protocol.standard_activity_gbq, plan.cumulative_activity_gbq, protocol, cycle.reason);
    } else {
      cycle.status = "blocked";
      cycle.reason = fmt::format("not eligible for {}-PRRT: {}", *e.next_phase, UnmetText(e));
    }
    plan.actions.push_back(std::move(cycle));
  }
  plan.eligibility = std::move(e);
}

// CT/MRI after the phase's last cycle: the first scheduled scan not yet covered by an assessment.
void PlanScan(Plan& plan, const registry::Timeline& timeline, Day last_cycle, Day as_of,
              const Protocol& protocol) {
  std::optional<Day> last_scan;
  for (const registry::Row* response : timeline.responses) {
    const Day day = *ParseDay(*response->get("date"));
    if (day > last_cycle) last_scan = day;
  }
  const std::vector<int>& first = protocol.scans_after_last_cycle_days;
  for (int k = 0;; ++k) {
    const int offset =
        k < static_cast<int>(first.size())
            ? first[k]
            : first.back() + (k + 1 - static_cast<int>(first.size())) * protocol.scan_interval_days;
    const Day due = last_cycle + offset;
    // A scan on or after the start of this slot's window covers it; the next slot is then the one due.
    if (last_scan && due - protocol.scan_window_days <= *last_scan) continue;
    PlannedAction scan{"scan",
                       *plan.phase,
                       k + 1,
                       FormatDate(due - protocol.scan_window_days),
                       FormatDate(due + protocol.scan_window_days),
                       as_of > due + protocol.scan_window_days ? "overdue" : "due",
                       std::nullopt,
                       fmt::format("CT/MRI {} days after the last {}-PRRT cycle ({}), due {}", offset,
                                   *plan.phase, FormatDate(last_cycle), FormatDate(due))};
    plan.actions.push_back(std::move(scan));
    return;
  }
}

}  // namespace

Result<Plan> PlanNextActions(const registry::Interchange& data, const std::string& patient_id, Day as_of,
                             const Protocol& protocol) {
  registry::Interchange storage;
  const registry::Interchange& known = detail::RowsUpTo(data, as_of, storage);
  Result<registry::Timeline> timeline = registry::BuildTimeline(known, patient_id);
  if (!timeline.ok()) return timeline.status();
  Plan plan;
  plan.patient_id = patient_id;
  plan.as_of = FormatDate(as_of);
  plan.cumulative_activity_gbq = timeline->cumulative_activity_gbq;
  if (!timeline->phases.empty()) {
    const registry::TimelinePhase& last = timeline->phases.back();
    plan.phase = last.phase;
    plan.cycles_given = static_cast<int>(last.cycles.size());
    plan.cycles_intended =
        protocol.intended_cycles.count(last.phase) ? protocol.intended_cycles.at(last.phase) : 0;
  }
  if (const std::string* death = timeline->patient->get("death_date"); death && *ParseDay(*death) <= as_of) {
    plan.phase_status = "deceased";
    return plan;
  }
  if (timeline->phases.empty()) {
    plan.phase_status = "none";
    PlanNewPhase(plan, data, as_of, protocol);
    return plan;
  }
  const registry::TimelinePhase& phase = timeline->phases.back();

  // Dose modification, cycle by cycle: a toxicity after a cycle reduces the next; another after the reduced
  // cycle ends the phase; a reduced cycle without one brings the standard activity back.
  bool reduced_restart = false;     // the cycle in hand follows a dose-modifying toxicity
  bool last_was_reduced = false;    // the last cycle did
  std::optional<Toxicity> pending;  // after the last cycle
  for (size_t k = 0; k < phase.cycles.size() && !plan.stop_reason; ++k) {
    const Day day = *ParseDay(phase.cycles[k].date);
    const Day next = k + 1 < phase.cycles.size() ? *ParseDay(phase.cycles[k + 1].date) : as_of + 1;
    std::optional<Toxicity> toxicity = DoseModifyingToxicity(*timeline, day, next, protocol);
    if (toxicity && reduced_restart) {
      plan.stop_reason = fmt::format("recurrent dose-modifying toxicity after the reduced cycle of {}: {}",
                                     phase.cycles[k].date, Describe(*toxicity));
    }
    if (k + 1 == phase.cycles.size()) {
      pending = toxicity;
      last_was_reduced = reduced_restart;
    }
    reduced_restart = toxicity.has_value();
  }
  const Day last_cycle = *ParseDay(phase.cycles.back().date);
  const bool unresolved = pending && !Resolved(*timeline, *pending);
  if (!plan.stop_reason) {
    if (std::optional<std::string> myelo = detail::PersistentMyelosuppression(*timeline, as_of, protocol)) {
      plan.stop_reason = "persistent myelosuppression: " + *myelo;
    } else if (plan.cycles_given >= plan.cycles_intended) {
      plan.phase_status = "completed";
    } else if (plan.cumulative_activity_gbq + protocol.reduced_activity_gbq >
               protocol.cumulative_ceiling_gbq + kActivityTolerance) {
      plan.stop_reason = fmt::format("cumulative activity ceiling: {:g} of {:g} GBq given",
                                     plan.cumulative_activity_gbq, protocol.cumulative_ceiling_gbq);
    } else if (phase.progression_date) {
      plan.stop_reason = fmt::format("progression on {} during the phase", *phase.progression_date);
    } else if (unresolved && as_of - last_cycle >= protocol.max_delay_weeks * 7) {
      plan.stop_reason = fmt::format("{} unresolved {} weeks after the last cycle", Describe(*pending),
                                     protocol.max_delay_weeks);
    } else {
      plan.phase_status = "in_progress";
    }
  }
  if (plan.stop_reason) plan.phase_status = "stopped";

  // Blood tests after the last cycle, unless a result from their window or later is on file (or progression
  // has moved the question on to the next phase, whose eligibility asks for its own).
  const Day labs_from = last_cycle + protocol.labs_after_cycle_min_days;
  const Day labs_to = last_cycle + protocol.labs_after_cycle_max_days;
  const bool labs_done = std::any_of(timeline->labs.begin(), timeline->labs.end(),
                                     [&](const auto& lab) { return *ParseDay(lab.date) >= labs_from; });
  if (!labs_done && !phase.progression_date) {
    plan.actions.push_back({"blood_tests", phase.phase, plan.cycles_given, FormatDate(labs_from),
                            FormatDate(labs_to), as_of > labs_to ? "overdue" : "due", std::nullopt,
                            fmt::format("haematology, renal and liver tests {}-{} weeks after cycle {}",
                                        protocol.labs_after_cycle_min_days / 7,
                                        protocol.labs_after_cycle_max_days / 7, plan.cycles_given)});
  }

  if (plan.phase_status == "in_progress") {
    const Day from = last_cycle + protocol.cycle_interval_min_days;
    const Day to = last_cycle + protocol.cycle_interval_max_days;
    PlannedAction cycle{"cycle",        phase.phase, plan.cycles_given + 1, FormatDate(from),
                        FormatDate(to), "",          std::nullopt,          ""};
    double activity = protocol.standard_activity_gbq;
    if (pending) {
      activity = protocol.reduced_activity_gbq;
      cycle.reason = "reduced after " + Describe(*pending);
    } else {
      cycle.reason = last_was_reduced ? "standard activity (no recurrence after the reduced cycle)"
                                      : "standard activity";
    }
    cycle.activity_gbq = UnderCeiling(activity, plan.cumulative_activity_gbq, protocol, cycle.reason);
    if (unresolved) {
      cycle.status = "withheld";
      cycle.reason += fmt::format("; withheld until {} is grade {} or better", pending->lab->test,
                                  pending->rule->resume_at_grade);
    } else {
      cycle.status = as_of > to ? "overdue" : "due";
    }
    plan.actions.push_back(std::move(cycle));
    return plan;
  }
  // After the phase: follow-up scans until progression, then the question of the next phase.
  if (!phase.progression_date) {
    PlanScan(plan, *timeline, last_cycle, as_of, protocol);
  } else {
    PlanNewPhase(plan, data, as_of, protocol);
  }
  return plan;
}

}  // namespace prrt::protocol
