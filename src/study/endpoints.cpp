#include "prrt/study/endpoints.h"

#include <algorithm>
#include <map>

#include "prrt/registry/timeline.h"

namespace prrt::study {

const char* ToString(Group group) {
  switch (group) {
    case Group::kRetreatment:
      return "retreatment";
    case Group::kControl:
      return "control";
    case Group::kNeither:
      break;
  }
  return "neither";
}

namespace {

using registry::Day;
using registry::ParseDay;

bool DiseaseControl(const std::optional<std::string>& best) {
  return best && (*best == "cr" || *best == "pr" || *best == "sd");
}

// The patient's endpoints from their timeline.
SubjectEndpoints Derive(const registry::Interchange& data, const registry::Timeline& t,
                        double min_pfs_months_r) {
  SubjectEndpoints s;
  const registry::Row& p = *t.patient;
  s.patient_id = *p.get("patient_id");
  s.sex = *p.get("sex");
  s.primary_site = *p.get("primary_site");
  if (const std::string* ki67 = p.get("ki67_percent")) s.ki67_percent = std::stod(*ki67);
  if (const std::string* reason = p.get("no_salvage_reason")) s.no_salvage_reason = *reason;
  s.last_contact_date = *p.get("last_contact_date");
  if (const std::string* death = p.get("death_date")) s.death_date = *death;
  const Day last_contact = *ParseDay(s.last_contact_date);
  const Day birth = *ParseDay(*p.get("birth_date"));
  for (const char* prior : {"surgery", "chemotherapy", "radiotherapy", "ssa"}) {
    const std::string* value = p.get(std::string("prior_") + prior);
    s.prior[prior] = value ? *value : "unknown";
  }
  const std::vector<const registry::Row*> baselines =
      registry::PatientRows(data, "baselines.csv", s.patient_id);

  static const char* kPhases[] = {"I", "R", "RR"};
  for (size_t i = 0; i < t.phases.size(); ++i) {
    const registry::TimelinePhase& tp = t.phases[i];
    const size_t k = std::find(std::begin(kPhases), std::end(kPhases), tp.phase) - std::begin(kPhases);
    PhaseEndpoints& e = s.phases[k];
    e.given = true;
    e.start = tp.start;
    e.cycles = static_cast<int>(tp.cycles.size());
    e.activity_gbq = tp.activity_gbq;
    e.best_response = tp.best_response;
    e.best_response_computed = tp.best_response_computed;
    e.pfs_months = tp.pfs_months;
    e.pfs_event = tp.pfs_event;
    if (tp.pfs_event) e.pfs_event_kind = tp.progression_date ? "progression" : "death";
    e.clinical_pd = tp.clinical_pd;
    e.os_months_from_start =
        registry::MonthsBetween(*ParseDay(tp.start), s.death_date ? *ParseDay(*s.death_date) : last_contact);
    e.age_years = (*ParseDay(tp.start) - birth) / 365.25;
    for (const registry::Row* b : baselines) {
      if (*b->get("phase") != tp.phase) continue;
      if (const std::string* v = b->get("krenning_score")) e.krenning_score = std::stoi(*v);
      if (const std::string* v = b->get("extent")) e.extent = *v;
      if (const std::string* v = b->get("progression")) e.progression = *v;
      if (const std::string* v = b->get("liver_lesions")) e.liver_lesions = *v == "yes";
      if (const std::string* v = b->get("bone_lesions")) e.bone_lesions = *v == "yes";
    }
    e.pfs_end_date = tp.progression_date ? *tp.progression_date
                                         : (tp.pfs_event ? *p.get("death_date") : s.last_contact_date);
    // Toxicity from the phase's first cycle to the day before the next phase, or to the end of follow-up.
    const Day from = *ParseDay(tp.start);
    const Day to = i + 1 < t.phases.size() ? *ParseDay(t.phases[i + 1].start) - 1 : last_contact;
    for (const registry::TimelineLab& lab : t.labs) {
      const Day day = *ParseDay(lab.date);
      if (day < from || day > to || !lab.ctcae_grade) continue;
      const bool haem =
          lab.test == "hb" || lab.test == "wbc" || lab.test == "neutrophils" || lab.test == "platelets";
      e.worst_grade[lab.test] = std::max(e.worst_grade[lab.test], *lab.ctcae_grade);
      std::optional<int>& worst = haem ? e.worst_haematological_grade : e.worst_renal_grade;
      if (!haem && lab.test != "creatinine") continue;
      worst = std::max(worst.value_or(0), *lab.ctcae_grade);
    }
    // CgA and ALP at baseline: the latest result within 90 days before the first cycle.
    for (const registry::TimelineLab& lab : t.labs) {
      const Day day = *ParseDay(lab.date);
      if (day > from || day < from - 90 || (lab.test != "cga" && lab.test != "alp")) continue;
      (lab.test == "cga" ? e.cga_ug_l : e.alp_u_l) = lab.value;
      (lab.test == "cga" ? e.cga_uln : e.alp_uln) = lab.uln;
    }
    // The response at 3 months: the assessment nearest to 3 months after the last cycle (within 6 weeks
    // either side), before any progression.
    const Day target = *ParseDay(tp.cycles.back().date) + 91;
    std::optional<int> nearest;
    for (const registry::Row* r : t.responses) {
      const Day day = *ParseDay(*r->get("date"));
      if (day < from || std::abs(day - target) > 42) continue;
      if (tp.progression_date && day > *ParseDay(*tp.progression_date)) continue;
      if (!nearest || std::abs(day - target) < *nearest) {
        nearest = std::abs(day - target);
        e.response_3_months = *r->get("response");
      }
    }
    // Before that window: a progression counts as PD (clinical_pd without imaging), a death as died.
    const Day end = *ParseDay(e.pfs_end_date);
    if (!e.response_3_months && e.pfs_event && end < target - 42) {
      e.response_3_months = e.pfs_event_kind == "death" ? "died" : tp.clinical_pd ? "clinical_pd" : "pd";
    }
  }
  s.os_months = t.os_months;
  s.os_event = t.os_event;
  if (t.os_months) {
    s.first_cycle_date = s.phases[0].given ? s.phases[0].start : t.phases.front().start;
    const Day first = *ParseDay(s.first_cycle_date);
    s.follow_up_months = registry::MonthsBetween(first, last_contact);
    const int age_days = first - *ParseDay(*p.get("birth_date"));
    s.age_at_start_years = age_days / 365.25;
    for (const registry::Row* e : t.events) {
      const std::string& kind = *e->get("event");
      if (kind != "aml" && kind != "mds") continue;
      const Day day = *ParseDay(*e->get("date"));
      s.aml_mds = kind;
      s.aml_mds_months_from_i = registry::MonthsBetween(first, day);
      if (s.phases[1].given && day >= *ParseDay(s.phases[1].start))
        s.aml_mds_months_from_r = registry::MonthsBetween(*ParseDay(s.phases[1].start), day);
      break;
    }
  }
  const PhaseEndpoints& initial = s.phases[0];
  if (s.phases[1].given) {
    s.group = Group::kRetreatment;
  } else if (initial.given && DiseaseControl(initial.best_response) &&
             initial.pfs_event_kind == "progression" && initial.pfs_months >= min_pfs_months_r) {
    s.group = Group::kControl;
  }
  return s;
}

}  // namespace

Result<SubjectEndpoints> DeriveSubject(const registry::Interchange& data, const std::string& patient_id,
                                       double min_pfs_months_r) {
  Result<registry::Timeline> t = registry::BuildTimeline(data, patient_id);
  if (!t.ok()) return t.status();
  return Derive(data, *t, min_pfs_months_r);
}

std::vector<SubjectEndpoints> DeriveEndpoints(registry::Interchange data, double min_pfs_months_r) {
  std::vector<std::string> ids;  // in patients.csv order
  if (auto patients = data.files.find("patients.csv"); patients != data.files.end()) {
    for (const registry::Row& row : patients->second)
      ids.push_back(*row.get("patient_id"));
  }
  const std::map<std::string, registry::Interchange> by_patient = registry::SplitByPatient(std::move(data));
  std::vector<SubjectEndpoints> subjects;
  subjects.reserve(ids.size());
  for (const std::string& id : ids)
    subjects.push_back(*DeriveSubject(by_patient.at(id), id, min_pfs_months_r));
  return subjects;
}

}  // namespace prrt::study
