#include "prrt/protocol/protocol.h"

#include <fmt/format.h>

#include <toml++/toml.h>
#include <algorithm>
#include <cmath>
#include <sstream>

#include "default_protocol.h"
#include "prrt/clinical/ctcae.h"
#include "prrt/registry/timeline.h"

namespace prrt::protocol {

Result<Protocol> ParseProtocol(const std::string& toml_text, const std::string& source_name) {
  toml::table table;
  try {
    table = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    return InvalidArgument(fmt::format("{}:{}:{}: {}", source_name, e.source().begin.line,
                                       e.source().begin.column, e.description()));
  }
  Protocol p;
  std::string error;
  auto number = [&](const char* section, const char* key, double& out) {
    const toml::node* node = table[section][key].node();
    if (node == nullptr) return;  // keep the default
    std::optional<double> value = node->value<double>();
    if (!value || !std::isfinite(*value) || *value < 0) {
      if (error.empty())
        error = fmt::format("{}: [{}] {}: expected a number >= 0", source_name, section, key);
      return;
    }
    out = *value;
  };
  auto integer = [&](const char* section, const char* key, int& out) {
    double value = out;
    number(section, key, value);
    if (value != std::floor(value) && error.empty()) {
      error = fmt::format("{}: [{}] {}: expected a whole number", source_name, section, key);
    }
    out = static_cast<int>(value);
  };
  p.name = table["protocol"]["name"].value_or(std::string("unnamed"));
  p.version = table["protocol"]["version"].value_or(std::string("?"));
  p.source = table["protocol"]["source"].value_or(std::string());
  integer("eligibility", "min_krenning_score", p.min_krenning_score);
  number("eligibility", "min_hb_mmol_l", p.min_hb_mmol_l);
  number("eligibility", "min_wbc_10e9_l", p.min_wbc);
  number("eligibility", "min_platelets_10e9_l", p.min_platelets);
  number("eligibility", "max_creatinine_umol_l", p.max_creatinine_umol_l);
  number("eligibility", "min_creatinine_clearance_ml_min", p.min_creatinine_clearance);
  integer("eligibility", "min_karnofsky", p.min_karnofsky);
  const std::string renal = table["eligibility"]["renal"].value_or(std::string("creatinine_or_clearance"));
  if (renal != "creatinine_or_clearance" && renal != "creatinine_and_clearance" && error.empty()) {
    error = fmt::format(
        "{}: [eligibility] renal: found '{}'; expected creatinine_or_clearance or "
        "creatinine_and_clearance",
        source_name, renal);
  }
  p.renal_needs_both = renal == "creatinine_and_clearance";
  number("retreatment", "min_pfs_months_r", p.min_pfs_months_r);
  number("retreatment", "min_pfs_months_rr", p.min_pfs_months_rr);
  if (const toml::array* control = table["retreatment"]["disease_control"].as_array()) {
    p.disease_control.clear();
    for (const toml::node& item : *control)
      p.disease_control.push_back(item.value_or(std::string()));
  }
  number("dosing", "standard_activity_gbq", p.standard_activity_gbq);
  number("dosing", "reduced_activity_gbq", p.reduced_activity_gbq);
  number("dosing", "cumulative_ceiling_gbq", p.cumulative_ceiling_gbq);
  integer("safety", "persistent_cytopenia_months", p.persistent_cytopenia_months);
  if (!error.empty()) return InvalidArgument(error);
  return p;
}

Result<Protocol> DefaultProtocol() {
  return ParseProtocol(detail::kDefaultProtocolToml, "rotterdam-reference.toml");
}

namespace {

using registry::Day;
using registry::Row;

std::vector<const Row*> PatientRows(const registry::Interchange& data, const std::string& file,
                                    const std::string& patient, Day as_of) {
  std::vector<const Row*> rows;
  auto it = data.files.find(file);
  if (it == data.files.end()) return rows;
  for (const Row& row : it->second) {
    if (*row.get("patient_id") != patient) continue;
    if (const std::string* date = row.get("date"); date && *registry::ParseDay(*date) > as_of) continue;
    rows.push_back(&row);
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row* a, const Row* b) { return *a->get("date") < *b->get("date"); });
  return rows;
}

double Number(const Row* row, const char* column) {
  return std::stod(*row->get(column));
}

// Hb in mmol/L from any of its units (the protocol's limit is in mmol/L): g/dL × 0.6206, g/L × 0.06206.
double HbMmolPerLitre(const Row* lab) {
  const std::string& unit = *lab->get("unit");
  const double value = Number(lab, "value");
  return unit == "g/dl" ? value * 0.6206 : unit == "g/l" ? value * 0.06206 : value;
}
double CreatinineUmolPerLitre(const Row* lab) {
  return *lab->get("unit") == "mg/dl" ? Number(lab, "value") * 88.4 : Number(lab, "value");
}

std::string Format(double x) {
  return fmt::format("{:.4g}", x);
}

}  // namespace

Eligibility AssessEligibility(const registry::Interchange& data, const std::string& patient_id, Day as_of,
                              const Protocol& protocol) {
  Eligibility e;
  e.patient_id = patient_id;
  auto unmet = [&](const std::string& code) {
    if (std::find(e.unmet.begin(), e.unmet.end(), code) == e.unmet.end()) e.unmet.push_back(code);
  };
  auto missing = [&](const std::string& what) {
    unmet("missing_data");
    e.details["missing"] += (e.details["missing"].empty() ? "" : ", ") + what;
  };
  const std::vector<const Row*> labs = PatientRows(data, "labs.csv", patient_id, as_of);
  const std::vector<const Row*> events = PatientRows(data, "events.csv", patient_id, as_of);
  const std::vector<const Row*> baselines = PatientRows(data, "baselines.csv", patient_id, as_of);

  // Phases, best responses and PFS as the timeline derives them, from the rows dated up to as_of.
  registry::Interchange known;
  for (const auto& [file, rows] : data.files) {
    for (const Row& row : rows) {
      const std::string* date = row.get("date");
      if (!date || *registry::ParseDay(*date) <= as_of) known.files[file].push_back(row);
    }
  }
  Result<registry::Timeline> timeline = registry::BuildTimeline(known, patient_id);
  if (!timeline.ok()) {
    missing("patient " + patient_id);
    return e;
  }
  const registry::TimelinePhase* previous = timeline->phases.empty() ? nullptr : &timeline->phases.back();
  const double cumulative = timeline->cumulative_activity_gbq;
  // The next phase: I without cycles, then R after I, RR after R, nothing after RR.
  if (previous == nullptr) {
    e.next_phase = "I";
  } else if (previous->phase == "I") {
    e.next_phase = "R";
  } else if (previous->phase == "R") {
    e.next_phase = "RR";
  }
  e.details["cumulative_activity_gbq"] = Format(cumulative);
  if (!e.next_phase) {
    unmet("no_further_phase");
    return e;
  }

  // Krenning score and Karnofsky from the latest baseline work-up.
  const Row* baseline = baselines.empty() ? nullptr : baselines.back();
  if (baseline == nullptr || !baseline->get("krenning_score")) {
    missing("krenning_score");
  } else {
    e.details["krenning_score"] = *baseline->get("krenning_score");
    if (std::stoi(*baseline->get("krenning_score")) < protocol.min_krenning_score) unmet("krenning_below_2");
  }
  if (baseline == nullptr || !baseline->get("karnofsky")) {
    missing("karnofsky");
  } else if (std::stoi(*baseline->get("karnofsky")) < protocol.min_karnofsky) {
    unmet("karnofsky_below_limit");
    e.details["karnofsky"] = *baseline->get("karnofsky");
  }
  // Blood counts and renal function: the latest value of each test.
  auto latest = [&](const char* test) -> const Row* {
    const Row* found = nullptr;
    for (const Row* l : labs) {
      if (*l->get("test") == test) found = l;
    }
    return found;
  };
  struct Limit {
    const char* test;
    double (*value)(const Row*);
    double min;
  };
  const Limit haematology[] = {
      {"hb", HbMmolPerLitre, protocol.min_hb_mmol_l},
      {"wbc", [](const Row* l) { return Number(l, "value"); }, protocol.min_wbc},
      {"platelets", [](const Row* l) { return Number(l, "value"); }, protocol.min_platelets}};
  for (const Limit& limit : haematology) {
    const Row* lab = latest(limit.test);
    if (lab == nullptr) {
      missing(limit.test);
      continue;
    }
    const double value = limit.value(lab);
    e.details[limit.test] = Format(value);
    if (value < limit.min) unmet("haematology_limits");
  }
  const Row* creatinine = latest("creatinine");
  const Row* clearance = latest("creatinine_clearance");
  if (creatinine == nullptr && clearance == nullptr) {
    missing("creatinine or creatinine_clearance");
  } else {
    const bool creatinine_ok =
        creatinine && CreatinineUmolPerLitre(creatinine) <= protocol.max_creatinine_umol_l;
    const bool clearance_ok = clearance && Number(clearance, "value") >= protocol.min_creatinine_clearance;
    if (creatinine) e.details["creatinine_umol_l"] = Format(CreatinineUmolPerLitre(creatinine));
    if (clearance) e.details["creatinine_clearance_ml_min"] = Format(Number(clearance, "value"));
    if (protocol.renal_needs_both && (!creatinine || !clearance)) {
      missing(creatinine ? "creatinine_clearance" : "creatinine");
    } else if (protocol.renal_needs_both ? !(creatinine_ok && clearance_ok)
                                         : !(creatinine_ok || clearance_ok)) {
      unmet("renal_limits");
    }
  }
  // Safety: AML/MDS, or a cytopenia of grade >= 2 unrecovered for longer than the protocol allows.
  for (const Row* ev : events) {
    if (*ev->get("event") == "aml" || *ev->get("event") == "mds") {
      unmet("persistent_myelosuppression");
      e.details["myelosuppression"] = *ev->get("event") + " on " + *ev->get("date");
    }
  }
  for (const char* test : {"hb", "wbc", "neutrophils", "platelets"}) {
    std::optional<Day> run_start;
    for (const Row* l : labs) {
      if (*l->get("test") != test) continue;
      auto limit = [&](const char* c) {
        return l->get(c) ? std::optional<double>(Number(l, c)) : std::nullopt;
      };
      Result<clinical::CtcaeGrade> g =
          clinical::GradeLab(test, Number(l, "value"), *l->get("unit"), limit("lln"), limit("uln"));
      const bool low = g.ok() && g->grade >= 2;
      if (low && !run_start) run_start = *registry::ParseDay(*l->get("date"));
      if (!low) run_start.reset();
    }
    if (run_start && registry::ParseDay(*labs.back()->get("date")) &&
        as_of - *run_start > protocol.persistent_cytopenia_months * 30.4375) {
      unmet("persistent_myelosuppression");
      e.details["myelosuppression"] =
          fmt::format("{} grade >= 2 since {} days before", test, as_of - *run_start);
    }
  }
  // The activity left under the ceiling must allow at least a reduced cycle.
  if (cumulative + protocol.reduced_activity_gbq > protocol.cumulative_ceiling_gbq + 1e-9) {
    unmet("cumulative_activity_limit");
  }
  // Salvage: disease control after the previous phase, then progression, after a long enough PFS.
  if (previous != nullptr) {
    e.details["best_response_" + previous->phase] = previous->best_response.value_or("none");
    if (!previous->best_response) {
      missing("response after " + previous->phase + "-PRRT");
    } else if (std::find(protocol.disease_control.begin(), protocol.disease_control.end(),
                         *previous->best_response) == protocol.disease_control.end()) {
      unmet("no_disease_control");
    }
    if (!previous->progression_date) {
      unmet("no_progression");
    } else {
      e.details["pfs_months_" + previous->phase] = fmt::format("{:.1f}", previous->pfs_months);
      const double needed = *e.next_phase == "R" ? protocol.min_pfs_months_r : protocol.min_pfs_months_rr;
      if (previous->pfs_months < needed) unmet("pfs_too_short");
    }
  }
  e.eligible = e.unmet.empty();
  return e;
}

}  // namespace prrt::protocol
