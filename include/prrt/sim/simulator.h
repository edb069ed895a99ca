// prrt/sim/simulator.h — a cohort of patients treated with I-PRRT, some retreated, written as a registry in
// the interchange format, from a model calibrated to the published study (docs/simulator.md).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "prrt/common/result.h"

namespace prrt::sim {

//! The model's parameters (data/sim/rotterdam-calibrated.toml; its comments say what each means).
struct Model {
  std::string name, version;
  int32_t first_start = 0, last_start = 0, cutoff = 0, ki67_from = 0;  // days since 1970-01-01
  double lost_to_follow_up = 0;
  std::map<std::string, double> site, krenning, extent, progression, who_grade;
  double male = 0, age_mean = 0, age_sd = 0, liver_lesions = 0, bone_lesions = 0;
  double prior_surgery = 0, prior_chemotherapy = 0, prior_radiotherapy = 0, prior_ssa = 0;
  double cga_median = 0, cga_sdlog = 0, alp_median = 0, alp_sdlog = 0;
  // I-PRRT
  std::map<std::string, double> initial_response;
  double initial_pfs_median = 0, initial_pfs_shape = 0, death_without_progression = 0,
         initial_haem_grade34 = 0;
  // Selection for salvage, and the controls
  double salvage_min_pfs_months = 0;  //!< the protocol's PFS threshold for R-PRRT (18)
  int salvage_cycles = 0;             //!< cycles of a complete R- or RR-PRRT phase (2)
  double retreated = 0;
  int salvage_delay_min_days = 0, salvage_delay_max_days = 0;
  std::map<std::string, double> no_salvage_reason;
  double survival_after_relapse_median = 0, survival_shape = 0, control_aml_mds = 0;
  // R-PRRT
  std::map<std::string, double> r_response;
  double r_pfs_median_dc = 0, r_pfs_shape = 0, r_incomplete = 0, r_haem_grade34 = 0, r_aml_mds = 0;
  double r_survival_after_progression_median = 0, rr_given = 0;
  // RR-PRRT
  std::map<std::string, double> rr_response;
  double rr_pfs_median_dc = 0, rr_pfs_shape = 0, rr_survival_after_progression_median = 0;
  // Assumptions for other numbers of salvage cycles (unverified; docs/simulator.md): the PFS median scales
  // with (cycles / 2)^exponent, the phase's risk of grade 3/4 toxicity is that of cycles / 2 independent
  // pairs of cycles, and the AML/MDS risk grows in proportion to the cycles.
  double pfs_cycle_exponent = 0;
};

//! Reads a model file; errors name the file and the key.
Result<Model> ParseModel(const std::string& toml_text, const std::string& source_name);
//! The built-in calibrated model.
const Model& CalibratedModel();

struct SimulationCounts {
  int64_t patients = 0;
  std::map<std::string, int64_t> rows;  //!< per file
};

struct SimulationOptions {
  //! The CT/MRI assessments as RECIST 1.1 lesion measurements (lesions.csv: a baseline before each phase and
  //! the lesions at each scan, sized so that RECIST gives the simulated response), in place of their
  //! responses.csv rows; the registry then holds the same responses, computed from the measurements.
  bool lesion_measurements = false;
};

//! Simulates `patients` patients into `folder` (created; its interchange files overwritten). The same seed
//! gives the same registry, whatever the machine (with lesion measurements or without, the same patients).
//! `progress` is called now and then with the patients done.
Result<SimulationCounts> SimulateRegistry(const Model& model, int64_t patients, uint64_t seed,
                                          const std::string& folder, const SimulationOptions& options = {},
                                          const std::function<void(int64_t)>& progress = {});

}  // namespace prrt::sim
