#include "prrt/protocol/protocol.h"

#include <fmt/format.h>

#include <toml++/toml.h>
#include <algorithm>
#include <cmath>
#include <sstream>

#include "default_protocol.h"
#include "protocol_detail.h"
#include "prrt/clinical/ctcae.h"
#include "prrt/common/dates.h"
#include "prrt/registry/timeline.h"

namespace prrt::protocol {

namespace {

// The node's value when it is a whole number from 0 to `max`; a float with nothing after the point counts
// (toml++'s own conversion of a float too large for an int64 is undefined).
std::optional<int> WholeNumber(const toml::node& node, int64_t max) {
  const double value = node.is_integer()          ? static_cast<double>(*node.value<int64_t>())
                       : node.is_floating_point() ? *node.value<double>()
                                                  : -1;
  if (!(value >= 0 && value <= static_cast<double>(max)) || value != std::floor(value)) return std::nullopt;
  return static_cast<int>(value);
}

// Reads the keys `table` has into `p`, leaving the others as they are.
Status Overlay(const toml::table& table, const std::string& source_name, Protocol& p) {
  std::string error;
  auto fail = [&](const std::string& key, const std::string& expected) {
    if (error.empty()) error = fmt::format("{}: {}: expected {}", source_name, key, expected);
  };
  auto number = [&](const char* section, const char* key, double& out) {
    const toml::node* node = table[section][key].node();
    if (node == nullptr) return;  // keep the value
    std::optional<double> value = node->value<double>();
    if (!value || !std::isfinite(*value) || *value < 0) {
      fail(fmt::format("[{}] {}", section, key), "a number >= 0");
      return;
    }
    out = *value;
  };
  // Counts of days, weeks, months, cycles or points: bounded, so that a date a count is added to stays a date
  // (and an int).
  auto whole = [&](const std::string& key, const toml::node& node, int& out) {
    if (std::optional<int> value = WholeNumber(node, kMaxDaysAdded)) {
      out = *value;
    } else {
      fail(key, fmt::format("a whole number from 0 to {}", kMaxDaysAdded));
    }
  };
  auto integer = [&](const char* section, const char* key, int& out) {
    if (const toml::node* node = table[section][key].node())
      whole(fmt::format("[{}] {}", section, key), *node, out);
  };
  auto text = [&](const char* section, const char* key, std::string& out) {
    if (std::optional<std::string> value = table[section][key].value<std::string>()) out = *value;
  };
  auto strings = [&](const toml::node_view<const toml::node> node, const std::string& key,
                     std::vector<std::string>& out) {
    if (!node) return;
    const toml::array* array = node.as_array();
    if (array == nullptr) return fail(key, "an array of strings");
    out.clear();
    for (const toml::node& item : *array) {
      if (!item.is_string()) return fail(key, "an array of strings");
      out.push_back(*item.value<std::string>());
    }
  };
  // A pair of weeks [min, max] as days.
  auto weeks_window = [&](const char* section, const char* key, int& min_days, int& max_days) {
    const toml::node* node = table[section][key].node();
    if (node == nullptr) return;
    const toml::array* array = node->as_array();
    const std::string name = fmt::format("[{}] {}", section, key);
    if (array == nullptr || array->size() != 2) return fail(name, "[min, max] in weeks");
    int weeks[2] = {0, 0};
    for (int i = 0; i < 2; ++i)
      whole(name, *array->get(i), weeks[i]);
    if (weeks[0] > weeks[1]) return fail(name, "min <= max");
    min_days = weeks[0] * 7;
    max_days = weeks[1] * 7;
  };
  const toml::table& t = table;
  text("protocol", "name", p.name);
  text("protocol", "version", p.version);
  text("protocol", "source", p.source);
  integer("eligibility", "min_krenning_score", p.min_krenning_score);
  number("eligibility", "min_hb_mmol_l", p.min_hb_mmol_l);
  number("eligibility", "min_wbc_10e9_l", p.min_wbc);
  number("eligibility", "min_platelets_10e9_l", p.min_platelets);
  number("eligibility", "max_creatinine_umol_l", p.max_creatinine_umol_l);
  number("eligibility", "min_creatinine_clearance_ml_min", p.min_creatinine_clearance);
  integer("eligibility", "min_karnofsky", p.min_karnofsky);
  integer("eligibility", "max_lab_age_days", p.max_lab_age_days);
  if (std::optional<std::string> renal = t["eligibility"]["renal"].value<std::string>()) {
    if (*renal != "creatinine_or_clearance" && *renal != "creatinine_and_clearance") {
      fail("[eligibility] renal",
           fmt::format("creatinine_or_clearance or creatinine_and_clearance, found '{}'", *renal));
    }
    p.renal_needs_both = *renal == "creatinine_and_clearance";
  }
  number("retreatment", "min_pfs_months_r", p.min_pfs_months_r);
  number("retreatment", "min_pfs_months_rr", p.min_pfs_months_rr);
  strings(t["retreatment"]["disease_control"], "[retreatment] disease_control", p.disease_control);
  number("dosing", "standard_activity_gbq", p.standard_activity_gbq);
  number("dosing", "reduced_activity_gbq", p.reduced_activity_gbq);
  number("dosing", "cumulative_ceiling_gbq", p.cumulative_ceiling_gbq);
  if (const toml::table* cycles = t["dosing"]["intended_cycles"].as_table()) {
    for (const char* phase : {"I", "R", "RR"}) {
      if (const toml::node* n = cycles->get(phase))
        whole(fmt::format("[dosing] intended_cycles.{}", phase), *n, p.intended_cycles[phase]);
    }
  }
  integer("dosing", "max_delay_weeks", p.max_delay_weeks);
  integer("safety", "persistent_cytopenia_months", p.persistent_cytopenia_months);
  if (const toml::array* rules = t["dose_modification"].as_array()) {
    p.dose_modification.clear();
    for (size_t i = 0; i < rules->size(); ++i) {
      const toml::table* row = rules->get(i)->as_table();
      const std::string key = fmt::format("[[dose_modification]] row {}", i + 1);
      if (row == nullptr) return InvalidArgument(fmt::format("{}: {}: expected a table", source_name, key));
      DoseModificationRule rule;
      rule.toxicity = (*row)["toxicity"].value_or(std::string());
      rule.source = (*row)["source"].value_or(std::string());
      strings((*row)["tests"], key + " tests", rule.tests);
      for (auto [name, out] :
           {std::pair{"min_grade", &rule.min_grade}, {"resume_at_grade", &rule.resume_at_grade}}) {
        const toml::node* n = row->get(name);
        if (std::optional<int> grade = n != nullptr ? WholeNumber(*n, 4) : std::nullopt) {
          *out = *grade;
        } else {
          fail(key + " " + name, "a CTCAE grade 0-4");
        }
      }
      if (rule.toxicity.empty() || rule.tests.empty()) fail(key, "a toxicity and its tests");
      p.dose_modification.push_back(std::move(rule));
    }
  }
  weeks_window("schedule", "cycle_interval_weeks", p.cycle_interval_min_days, p.cycle_interval_max_days);
  weeks_window("schedule", "labs_after_cycle_weeks", p.labs_after_cycle_min_days,
               p.labs_after_cycle_max_days);
  if (const toml::node* scans = t["schedule"]["scans_after_last_cycle_days"].node()) {
    const toml::array* array = scans->as_array();
    if (array == nullptr || array->empty()) {
      fail("[schedule] scans_after_last_cycle_days", "a non-empty array of days");
    } else {
      p.scans_after_last_cycle_days.assign(array->size(), 0);
      for (size_t i = 0; i < array->size(); ++i)
        whole("[schedule] scans_after_last_cycle_days", *array->get(i), p.scans_after_last_cycle_days[i]);
    }
  }
  integer("schedule", "scan_interval_days", p.scan_interval_days);
  integer("schedule", "scan_window_days", p.scan_window_days);
  if (p.scan_interval_days == 0) fail("[schedule] scan_interval_days", "a number of days > 0");
  if (!error.empty()) return InvalidArgument(error);
  return Status();
}

Result<toml::table> ParseToml(const std::string& toml_text, const std::string& source_name) {
  try {
    return toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    return InvalidArgument(fmt::format("{}:{}:{}: {}", source_name, e.source().begin.line,
                                       e.source().begin.column, e.description()));
  }
}

}  // namespace

Result<Protocol> DefaultProtocol() {
  static const Result<Protocol> reference = []() -> Result<Protocol> {
    Result<toml::table> table = ParseToml(detail::kDefaultProtocolToml, "rotterdam-reference.toml");
    if (!table.ok()) return table.status();
    Protocol p;
    Status read = Overlay(*table, "rotterdam-reference.toml", p);
    if (!read.ok()) return read;
    return p;
  }();
  return reference;
}

Result<Protocol> ParseProtocol(const std::string& toml_text, const std::string& source_name) {
  Result<Protocol> p = DefaultProtocol();
  if (!p.ok()) return p.status();
  Result<toml::table> table = ParseToml(toml_text, source_name);
  if (!table.ok()) return table.status();
  Status read = Overlay(*table, source_name, *p);
  if (!read.ok()) return read;
  return p;
}

namespace {

using registry::Day;
using registry::Row;

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

namespace detail {

const registry::Interchange& RowsUpTo(const registry::Interchange& data, Day as_of,
                                      registry::Interchange& storage) {
  // ISO dates (validated on the way in) order as their text does: no parsing a row.
  const std::string last = FormatDate(as_of);
  auto later = [&last](const Row& row) {
    const std::string* date = row.get("date");
    return date && *date > last;
  };
  const bool any_later = std::any_of(data.files.begin(), data.files.end(), [&](const auto& file) {
    return std::any_of(file.second.begin(), file.second.end(), later);
  });
  if (!any_later) return data;
  storage.files.clear();
  for (const auto& [file, rows] : data.files) {
    std::vector<Row>& kept = storage.files[file];
    std::copy_if(rows.begin(), rows.end(), std::back_inserter(kept),
                 [&](const Row& row) { return !later(row); });
  }
  return storage;
}

std::optional<std::string> PersistentMyelosuppression(const registry::Timeline& timeline, Day as_of,
                                                      const Protocol& protocol) {
  for (const Row* event : timeline.events) {
    if (*event->get("event") == "aml" || *event->get("event") == "mds")
      return *event->get("event") + " on " + *event->get("date");
  }
  // A cytopenia of grade >= 2 that has not recovered (no later lab of the test below grade 2) for longer than
  // the protocol allows.
  for (const char* test : {"hb", "wbc", "neutrophils", "platelets"}) {
    std::optional<std::string> run_start;
    for (const registry::TimelineLab& lab : timeline.labs) {
      if (lab.test != test) continue;
      const bool low = lab.ctcae_grade && *lab.ctcae_grade >= 2;
      if (low && !run_start) run_start = lab.date;
      if (!low) run_start.reset();
    }
    if (run_start &&
        as_of - *registry::ParseDay(*run_start) > protocol.persistent_cytopenia_months * 30.4375) {
      return fmt::format("{} grade >= 2 since {} ({} days)", test, *run_start,
                         as_of - *registry::ParseDay(*run_start));
    }
  }
  return std::nullopt;
}

}  // namespace detail

std::string UnmetText(const Eligibility& e) {
  std::string text = fmt::format("{}", fmt::join(e.unmet, ", "));
  if (auto missing = e.details.find("missing"); missing != e.details.end())
    text += " (missing: " + missing->second + ")";
  return text;
}

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
  // Phases, best responses and PFS as the timeline derives them, from the rows dated up to as_of.
  registry::Interchange storage;
  const registry::Interchange& known = detail::RowsUpTo(data, as_of, storage);
  const std::vector<const Row*> labs = registry::PatientRows(known, "labs.csv", patient_id);
  const std::vector<const Row*> baselines = registry::PatientRows(known, "baselines.csv", patient_id);
  Result<registry::Timeline> timeline = registry::BuildTimeline(known, patient_id);
  if (!timeline.ok()) {
    missing("patient " + patient_id);
    return e;
  }
  // No phase for a patient who has died (as prrt plan's `deceased`).
  if (const std::string* death = timeline->patient->get("death_date");
      death && *registry::ParseDay(*death) <= as_of) {
    unmet("deceased");
    e.details["death_date"] = *death;
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

  // Krenning score and Karnofsky from the work-up for the phase assessed (baselines.csv: one a phase, before
  // its first cycle): salvage needs uptake on an OctreoScan at the relapse (the study compares "the score on
  // baseline I-PRRT vs. the score on baseline R-PRRT OctreoScan"), which an earlier phase's work-up cannot
  // show.
  const Row* baseline = nullptr;
  for (const Row* b : baselines) {
    if (*b->get("phase") == *e.next_phase) baseline = b;
  }
  if (baseline == nullptr) e.details["work_up"] = "none for " + *e.next_phase + "-PRRT in baselines.csv";
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
  // Blood counts and renal function: the latest value of each test, if it is recent enough.
  auto latest = [&](const char* test) -> const Row* {
    const Row* found = nullptr;
    for (const Row* l : labs) {
      if (*l->get("test") == test) found = l;
    }
    if (found != nullptr && as_of - *registry::ParseDay(*found->get("date")) > protocol.max_lab_age_days) {
      e.details[std::string(test) + "_too_old"] = *found->get("date");
      return nullptr;
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
  if (std::optional<std::string> found = detail::PersistentMyelosuppression(*timeline, as_of, protocol)) {
    unmet("persistent_myelosuppression");
    e.details["myelosuppression"] = *found;
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
