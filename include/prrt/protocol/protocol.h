// prrt/protocol/protocol.h — the protocol's parameters, read from a versioned TOML file
// (data/protocol/*.toml; the reference profile is built in), and who may be treated next.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "prrt/common/result.h"
#include "prrt/registry/interchange.h"

namespace prrt::protocol {

//! One row of the dose-modifying-toxicity table: a CTCAE v3.0 grade >= min_grade of one of `tests` after a
//! cycle withholds the next cycle until the grade is <= resume_at_grade and reduces its activity.
struct DoseModificationRule {
  std::string toxicity;  //!< e.g. thrombocytopenia
  std::vector<std::string> tests;
  int min_grade = 0;
  int resume_at_grade = 0;
  std::string source;
};

//! Every value comes from a protocol file; the built-in reference profile sets all of them, and a file given
//! by the user overrides the keys it has (docs/clinical-rules.md describes each key and its certainty).
struct Protocol {
  std::string name, version, source;
  // Eligibility for any phase.
  int min_krenning_score = 0;
  double min_hb_mmol_l = 0;
  double min_wbc = 0;
  double min_platelets = 0;
  double max_creatinine_umol_l = 0;
  double min_creatinine_clearance = 0;
  bool renal_needs_both = false;  //!< creatinine and clearance both within limits (else either)
  int min_karnofsky = 0;
  int max_lab_age_days = 0;  //!< a blood test older than this on the day assessed says nothing of it
  // Salvage.
  double min_pfs_months_r = 0;
  double min_pfs_months_rr = 0;
  std::vector<std::string> disease_control;
  // Dosing.
  double standard_activity_gbq = 0;
  double reduced_activity_gbq = 0;
  double cumulative_ceiling_gbq = 0;
  std::map<std::string, int> intended_cycles;  //!< per phase: I, R, RR
  int max_delay_weeks = 0;
  std::vector<DoseModificationRule> dose_modification;
  int persistent_cytopenia_months = 0;
  // Schedule, in days after the previous cycle (cycles, blood tests) or the phase's last cycle (scans).
  int cycle_interval_min_days = 0, cycle_interval_max_days = 0;
  int labs_after_cycle_min_days = 0, labs_after_cycle_max_days = 0;
  std::vector<int> scans_after_last_cycle_days;
  int scan_interval_days = 0;
  int scan_window_days = 0;
};

//! Parses a protocol file over the reference profile (keys it lacks keep the reference values); errors name
//! the file, the key and what was expected.
Result<Protocol> ParseProtocol(const std::string& toml_text, const std::string& source_name);
//! The built-in reference profile (data/protocol/rotterdam-reference.toml).
Result<Protocol> DefaultProtocol();

struct Eligibility {
  std::string patient_id;
  std::optional<std::string> next_phase;  //!< I, R, RR; none after RR
  bool eligible = false;
  std::vector<std::string> unmet;              //!< codes, e.g. pfs_too_short
  std::map<std::string, std::string> details;  //!< what was found, and what is missing
};

//! What keeps a patient from the next phase, in words: the unmet criteria, and what data are missing,
//! e.g. "missing_data (missing: krenning_score, hb)"; empty when eligible.
std::string UnmetText(const Eligibility& e);

//! Whether `patient_id` may have the next phase on `as_of` (rows dated after it are ignored).
Eligibility AssessEligibility(const registry::Interchange& data, const std::string& patient_id,
                              registry::Day as_of, const Protocol& protocol);

}  // namespace prrt::protocol
