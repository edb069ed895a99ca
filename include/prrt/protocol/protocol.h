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

struct Protocol {
  std::string name, version, source;
  int min_krenning_score = 2;
  double min_hb_mmol_l = 6.0;
  double min_wbc = 2.0;
  double min_platelets = 75.0;
  double max_creatinine_umol_l = 150.0;
  double min_creatinine_clearance = 40.0;
  bool renal_needs_both = false;  //!< creatinine and clearance both within limits (else either)
  int min_karnofsky = 50;
  double min_pfs_months_r = 18.0;
  double min_pfs_months_rr = 14.0;
  std::vector<std::string> disease_control{"cr", "pr", "sd"};
  double standard_activity_gbq = 7.4;
  double reduced_activity_gbq = 3.7;
  double cumulative_ceiling_gbq = 60.5;
  int persistent_cytopenia_months = 6;
};

//! Parses a protocol file; errors name the file, the key and what was expected.
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

//! Whether `patient_id` may have the next phase on `as_of` (rows dated after it are ignored).
Eligibility AssessEligibility(const registry::Interchange& data, const std::string& patient_id,
                              registry::Day as_of, const Protocol& protocol);

}  // namespace prrt::protocol
