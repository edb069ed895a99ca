#include "prrt/report/registry_json.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>

#include "prrt/clinical/ctcae.h"
#include "prrt/report/json.h"

namespace prrt::report {
namespace {

using nlohmann::json;

json RowJson(const registry::Row& row, std::initializer_list<const char*> skip = {"patient_id"}) {
  json out = json::object();
  for (const auto& [column, value] : row.values) {
    if (std::find_if(skip.begin(), skip.end(), [&column = column](const char* s) { return column == s; }) ==
        skip.end()) {
      out[column] = value;
    }
  }
  return out;
}

json Optional(const std::optional<std::string>& s) {
  return s ? json(*s) : json(nullptr);
}

// Where a phase's best response comes from: an assessment recorded, one computed from lesion measurements, or
// a clinical progression with no assessment before it (the events).
json BestResponseSource(const registry::TimelinePhase& p) {
  if (!p.best_response) return nullptr;
  return p.best_response_computed ? "lesions.csv" : p.clinical_pd ? "events.csv" : "responses.csv";
}

// For each graded test and unit among the labs, where its CTCAE v3.0 grades begin, for drawing the grade
// bands behind a lab curve: `limits` are the values at which grades 1, 2, 3 and 4 start — below them for
// decreasing tests (blood counts: LLN, then the printed cut-offs), above them for increasing ones (ULN, then
// the printed multiples of ULN) — with the latest LLN/ULN the laboratory gave.
json CtcaeBands(const std::vector<registry::TimelineLab>& labs) {
  json bands = json::array();
  for (const clinical::CtcaeRule& rule : clinical::CtcaeV3Rules()) {
    std::optional<double> limit;  // the LLN or ULN
    for (const registry::TimelineLab& l : labs) {
      if (l.test != rule.test || l.unit != rule.unit) continue;
      if (const std::optional<double>& given = rule.decreasing ? l.lln : l.uln; given) limit = *given;
    }
    if (!limit) continue;
    const double scale = rule.decreasing ? 1 : *limit;
    bands.push_back(
        {{"test", rule.test},
         {"unit", rule.unit},
         {"decreasing", rule.decreasing},
         {"limits", {*limit, rule.cutoff[0] * scale, rule.cutoff[1] * scale, rule.cutoff[2] * scale}},
         {"ctcae_version", std::string(clinical::kCtcaeVersion)}});
  }
  return bands;
}

}  // namespace

json TimelineJson(const registry::Timeline& t) {
  json phases = json::array();
  for (const registry::TimelinePhase& p : t.phases) {
    json cycles = json::array();
    for (const registry::TimelineCycle& c : p.cycles) {
      cycles.push_back(
          {{"date", c.date}, {"activity_gbq", c.activity_gbq}, {"cumulative_gbq", c.cumulative_gbq}});
    }
    phases.push_back({{"phase", p.phase},
                      {"start", p.start},
                      {"cycles", cycles},
                      {"activity_gbq", p.activity_gbq},
                      {"best_response", Optional(p.best_response)},
                      {"best_response_source", BestResponseSource(p)},
                      {"progression_date", Optional(p.progression_date)},
                      {"progression_method", Optional(p.progression_method)},
                      {"pfs_months", p.pfs_months},
                      {"pfs_event", p.pfs_event}});
  }
  json labs = json::array();
  for (const registry::TimelineLab& l : t.labs) {
    labs.push_back({{"date", l.date},
                    {"test", l.test},
                    {"value", l.value},
                    {"unit", l.unit},
                    {"ctcae_grade", l.ctcae_grade ? json(*l.ctcae_grade) : json(nullptr)},
                    {"ctcae_version", std::string(clinical::kCtcaeVersion)}});
    if (!l.ctcae_grade) labs.back()["ctcae_note"] = l.ctcae_note;
    if (l.lln) labs.back()["lln"] = *l.lln;
    if (l.uln) labs.back()["uln"] = *l.uln;
  }
  json work_ups = json::array(), responses = json::array(), lesions = json::array(), events = json::array();
  for (const registry::Row* w : t.work_ups)
    work_ups.push_back(RowJson(*w));
  for (const registry::Row* l : t.lesions)
    lesions.push_back(RowJson(*l));
  for (const registry::Row* r : t.responses) {
    responses.push_back(RowJson(*r));
    // Derived, not recorded: shown, but not a row to correct.
    if (t.computed(r)) responses.back()["computed_from"] = "lesions.csv";
  }
  for (const registry::Row* e : t.events)
    events.push_back(RowJson(*e));
  json result = RowJson(*t.patient, {});
  result.update({{"ctcae_bands", CtcaeBands(t.labs)},
                 {"phases", phases},
                 {"cumulative_activity_gbq", t.cumulative_activity_gbq},
                 {"labs", labs},
                 {"work_ups", work_ups},
                 {"responses", responses},
                 {"lesions", lesions},
                 {"events", events},
                 {"os_months", JsonNumber(t.os_months)},
                 {"os_event", t.os_event}});
  return result;
}

json AuditEntryJson(const registry::AuditEntry& e) {
  return {{"audit_id", e.audit_id},
          {"time", e.time},
          {"user", e.user},
          {"action", e.action},
          {"table", e.table},
          {"row_key", e.row_key},
          {"column", Optional(e.column)},
          {"old_value", Optional(e.old_value)},
          {"new_value", Optional(e.new_value)}};
}

json EligibilityJson(const protocol::Eligibility& e) {
  return {{"patient_id", e.patient_id},
          {"next_phase", Optional(e.next_phase)},
          {"eligible", e.eligible},
          {"unmet", e.unmet},
          {"details", e.details}};
}

json PlanJson(const protocol::Plan& plan, const protocol::Protocol& protocol) {
  json actions = json::array();
  for (const protocol::PlannedAction& a : plan.actions) {
    json action = {{"action", a.action},         {"phase", a.phase},
                   {"number", a.number},         {"window_start", a.window_start},
                   {"window_end", a.window_end}, {"status", a.status},
                   {"reason", a.reason}};
    if (a.activity_gbq) action["activity_gbq"] = JsonNumber(*a.activity_gbq);
    actions.push_back(std::move(action));
  }
  json result = {{"patient_id", plan.patient_id},
                 {"as_of", plan.as_of},
                 {"protocol", {{"name", protocol.name}, {"version", protocol.version}}},
                 {"phase", Optional(plan.phase)},
                 {"phase_status", plan.phase_status},
                 {"cycles_given", plan.cycles_given},
                 {"cycles_intended", plan.cycles_intended},
                 {"cumulative_activity_gbq", JsonNumber(plan.cumulative_activity_gbq)},
                 {"stop_reason", Optional(plan.stop_reason)},
                 {"actions", actions},
                 {"eligibility", plan.eligibility ? EligibilityJson(*plan.eligibility) : json(nullptr)}};
  return result;
}

json InterchangeFormatJson() {
  static constexpr const char* kTypes[] = {"text", "date", "number", "integer", "enum"};
  json files = json::array();
  for (const registry::FileSpec& spec : registry::InterchangeSpecs()) {
    json columns = json::array();
    for (const registry::ColumnSpec& c : spec.columns) {
      json column = {{"name", c.name}, {"type", kTypes[static_cast<int>(c.type)]}, {"required", c.required}};
      if (c.type == registry::ColumnType::kEnum) column["values"] = c.values;
      if (std::isfinite(c.min)) column["min"] = c.min;
      if (std::isfinite(c.max)) column["max"] = c.max;
      if (c.min_exclusive) column["min_exclusive"] = true;
      if (c.values_by)
        column["values_by"] = {{"column", c.values_by->column}, {"values", c.values_by->values}};
      if (c.required_when) {
        column["required_when"] = {{"column", c.required_when->column}, {"values", c.required_when->values}};
      }
      columns.push_back(std::move(column));
    }
    files.push_back(
        {{"file", spec.name}, {"required", spec.required}, {"key", spec.key}, {"columns", columns}});
  }
  return {{"version", 1}, {"free_text_prefix", registry::kFreeTextPrefix}, {"files", files}};
}

}  // namespace prrt::report
