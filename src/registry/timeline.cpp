#include "prrt/registry/timeline.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <set>

#include "prrt/clinical/ctcae.h"
#include "prrt/common/utf8.h"
#include "registry/lesion_responses.h"

namespace prrt::registry {

double MonthsBetween(Day from, Day to) {
  return static_cast<double>(to - from) / 30.4375;
}

namespace {

int ResponseRank(const std::string& r) {
  static const std::map<std::string, int> rank = {{"cr", 5}, {"pr", 4}, {"sd", 3}, {"pd", 2}, {"ne", 1}};
  auto it = rank.find(r);
  return it == rank.end() ? 0 : it->second;
}

// The patient's responses: those of responses.csv, and those computed from lesions.csv in place of a recorded
// RECIST response of the same date (the format's rule).
Status PutResponses(const Interchange& data, const std::string& patient_id,
                    const std::vector<const Row*>& cycles, Timeline& t) {
  const std::vector<const Row*> recorded = PatientRows(data, "responses.csv", patient_id);
  t.lesions = PatientRows(data, "lesions.csv", patient_id);
  const std::vector<const Row*>& lesions = t.lesions;
  if (lesions.empty()) {
    t.responses = recorded;
    return Status();
  }
  std::array<std::optional<Day>, 3> first_cycles;
  for (const Row* c : cycles) {
    std::optional<Day>& first = first_cycles[detail::PhaseIndex(*c->get("phase"))];
    const Day day = *ParseDay(*c->get("date"));
    if (!first || day < *first) first = day;
  }
  Result<std::vector<detail::LesionResponse>> evaluated = detail::EvaluateLesions(lesions, first_cycles);
  if (!evaluated.ok()) return evaluated.status();
  auto computed = std::make_shared<std::vector<Row>>();
  std::set<std::string> computed_dates;
  for (const detail::LesionResponse& r : *evaluated) {
    computed->push_back(detail::ResponseRow(r, patient_id));
    computed_dates.insert(*computed->back().get("date"));
  }
  for (const Row* r : recorded) {
    if (*r->get("method") != "recist" || !computed_dates.count(*r->get("date"))) t.responses.push_back(r);
  }
  for (const Row& r : *computed)
    t.responses.push_back(&r);
  std::stable_sort(t.responses.begin(), t.responses.end(),
                   [](const Row* a, const Row* b) { return *a->get("date") < *b->get("date"); });
  t.computed_responses = std::move(computed);
  return Status();
}

}  // namespace

std::vector<const Row*> PatientRows(const Interchange& data, const std::string& file,
                                    const std::string& patient_id) {
  std::vector<const Row*> rows;
  auto it = data.files.find(file);
  if (it == data.files.end()) return rows;
  for (const Row& row : it->second) {
    if (*row.get("patient_id") == patient_id) rows.push_back(&row);
  }
  SortByDate(rows);
  return rows;
}

bool Timeline::computed(const Row* response) const {
  // std::less: a total order even for pointers into different arrays.
  const std::less<const Row*> before;
  return computed_responses && !before(response, computed_responses->data()) &&
         before(response, computed_responses->data() + computed_responses->size());
}

Result<Timeline> BuildTimeline(const Interchange& data, const std::string& patient_id) {
  Timeline t;
  if (auto it = data.files.find("patients.csv"); it != data.files.end()) {
    for (const Row& row : it->second) {
      if (*row.get("patient_id") == patient_id) t.patient = &row;
    }
  }
  if (t.patient == nullptr) return NoSuchPatient(patient_id);
  const Day last_contact = *ParseDay(*t.patient->get("last_contact_date"));
  const Day no_death = std::numeric_limits<Day>::max();
  const Day death_day = t.patient->get("death_date") ? *ParseDay(*t.patient->get("death_date")) : no_death;
  const bool died = death_day != no_death;
  const std::vector<const Row*> cycles = PatientRows(data, "cycles.csv", patient_id);
  t.work_ups = PatientRows(data, "baselines.csv", patient_id);
  if (Status s = PutResponses(data, patient_id, cycles, t); !s.ok()) return s;
  t.events = PatientRows(data, "events.csv", patient_id);
  std::vector<const Row*> progressions;
  for (const Row* e : t.events) {
    if (*e->get("event") == "progression") progressions.push_back(e);
  }

  for (const char* phase : {"I", "R", "RR"}) {
    TimelinePhase p;
    p.phase = phase;
    for (const Row* c : cycles) {
      if (*c->get("phase") != phase) continue;
      const double activity = std::stod(*c->get("activity_gbq"));
      p.activity_gbq += activity;
      t.cumulative_activity_gbq += activity;
      // Sums to the MBq, so that 7.4 + 7.4 + 7.4 + 7.3 shows as 29.5, not 29.500000000000004.
      t.cumulative_activity_gbq = std::round(t.cumulative_activity_gbq * 1000) / 1000;
      p.activity_gbq = std::round(p.activity_gbq * 1000) / 1000;
      p.cycles.push_back({*c->get("date"), activity, t.cumulative_activity_gbq});
    }
    if (p.cycles.empty()) continue;
    p.start = p.cycles.front().date;
    const Day start = *ParseDay(p.start);
    // PFS: the first progression after the phase's first cycle, or death if earlier; else censored.
    std::optional<Day> end;
    for (const Row* e : progressions) {
      const Day day = *ParseDay(*e->get("date"));
      if (day > start) {
        end = day;
        p.progression_date = *e->get("date");
        p.progression_method = *e->get("method");
        break;
      }
    }
    if (died && (!end || death_day < *end)) {
      end = death_day;
      p.progression_date.reset();
      p.progression_method.reset();
    }
    p.pfs_event = end.has_value();
    p.pfs_months = MonthsBetween(start, end.value_or(last_contact));
    // Best response from the first cycle up to the first progression.
    int best = 0;
    for (const Row* r : t.responses) {
      const Day day = *ParseDay(*r->get("date"));
      if (day < start || (p.progression_date && day > *ParseDay(*p.progression_date))) continue;
      if (ResponseRank(*r->get("response")) > best) {
        best = ResponseRank(*r->get("response"));
        p.best_response = *r->get("response");
        p.best_response_computed = t.computed(r);
      }
    }
    if (!p.best_response && p.progression_method && *p.progression_method == "clinical") {
      p.best_response = "pd";
      p.clinical_pd = true;
    }
    t.phases.push_back(std::move(p));
  }
  if (!cycles.empty()) {
    Day first = *ParseDay(*cycles.front()->get("date"));
    for (const Row* c : cycles)
      first = std::min(first, *ParseDay(*c->get("date")));
    t.os_event = died;
    t.os_months = MonthsBetween(first, died ? death_day : last_contact);
  }
  const std::vector<const Row*> labs = PatientRows(data, "labs.csv", patient_id);
  t.labs.reserve(labs.size());
  for (const Row* l : labs) {
    auto limit = [&](const char* column) -> std::optional<double> {
      return l->get(column) ? std::optional<double>(std::stod(*l->get(column))) : std::nullopt;
    };
    TimelineLab lab{*l->get("date"), *l->get("test"), *l->get("unit"), std::stod(*l->get("value")),
                    limit("lln"),    limit("uln"),    std::nullopt,    ""};
    Result<clinical::CtcaeGrade> grade = clinical::GradeLab(lab.test, lab.value, lab.unit, lab.lln, lab.uln);
    const std::vector<clinical::CtcaeRule>& rules = clinical::CtcaeV3Rules();
    if (grade.ok()) {
      lab.ctcae_grade = grade->grade;
    } else if (std::none_of(rules.begin(), rules.end(), [&](const auto& r) { return r.test == lab.test; })) {
      // Not an error in the registry: chromogranin A, albumin and creatinine clearance have no grade here.
      lab.ctcae_note = "CTCAE v3.0 has no grade for " + lab.test + " here";
    } else {
      lab.ctcae_note = grade.status().message();
    }
    t.labs.push_back(std::move(lab));
  }
  return t;
}

}  // namespace prrt::registry
