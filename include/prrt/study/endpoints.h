// prrt/study/endpoints.h — each patient's study endpoints derived from the registry: the group (retreatment,
// control or neither), per phase the activity, best response, response at 3 months, PFS and the worst
// toxicity grades, OS, and AML/MDS (definitions: docs/registry-csv.md and docs/study.md).
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "prrt/common/result.h"
#include "prrt/registry/interchange.h"

namespace prrt::study {

enum class Group { kRetreatment, kControl, kNeither };
const char* ToString(Group group);

struct PhaseEndpoints {
  bool given = false;
  std::string start;  //!< the first cycle
  int cycles = 0;
  double activity_gbq = 0;
  std::optional<std::string> best_response;  //!< cr, pr, sd, pd, ne
  bool best_response_computed = false;       //!< from an assessment computed from lesion measurements
  //! The assessment nearest to 3 months after the last cycle (± 6 weeks, before progression); pd,
  //! clinical_pd or died when the phase's PFS ended before that window.
  std::optional<std::string> response_3_months;
  double pfs_months = 0;
  bool pfs_event = false;
  std::optional<std::string> pfs_event_kind;      //!< progression or death
  std::string pfs_end_date;                       //!< of the progression, the death, or the last contact
  std::optional<int> worst_haematological_grade;  //!< hb, wbc, neutrophils, platelets (CTCAE v3.0)
  std::optional<int> worst_renal_grade;           //!< creatinine
  std::map<std::string, int> worst_grade;         //!< per graded test
  bool clinical_pd = false;         //!< the best response is PD from a clinical progression without imaging
  double os_months_from_start = 0;  //!< to death or the last contact, from the phase's first cycle
  // The baseline work-up before the phase (baselines.csv, and CgA and ALP within 90 days before its start).
  std::optional<double> age_years;
  std::optional<int> krenning_score;
  std::optional<std::string> extent, progression;
  std::optional<bool> liver_lesions, bone_lesions;
  std::optional<double> cga_ug_l, cga_uln, alp_u_l, alp_uln;
};

struct SubjectEndpoints {
  std::string patient_id;
  std::string sex, primary_site;
  std::optional<double> ki67_percent;
  std::optional<double> age_at_start_years;  //!< at the first I-PRRT cycle
  Group group = Group::kNeither;
  std::optional<std::string> no_salvage_reason;
  std::map<std::string, std::string> prior;  //!< surgery, chemotherapy, radiotherapy, ssa: yes, no, unknown
  std::array<PhaseEndpoints, 3> phases;      //!< I, R, RR
  std::optional<double> os_months;           //!< from the first I-PRRT cycle
  bool os_event = false;
  std::optional<double> follow_up_months;  //!< to the last contact (for reverse KM: censored at death)
  std::optional<std::string> aml_mds;      //!< aml or mds, the first
  std::optional<double> aml_mds_months_from_i, aml_mds_months_from_r;
  std::string first_cycle_date, last_contact_date;
  std::optional<std::string> death_date;
};

//! The endpoints of one patient, from a registry that holds them (NotFound otherwise).
Result<SubjectEndpoints> DeriveSubject(const registry::Interchange& data, const std::string& patient_id,
                                       double min_pfs_months_r = 18.0);

//! The endpoints of every patient of the registry, in patients.csv order. The control group: I-PRRT with
//! disease control, a progression after at least the protocol's PFS (`min_pfs_months_r`), and no R-PRRT.
std::vector<SubjectEndpoints> DeriveEndpoints(registry::Interchange data, double min_pfs_months_r = 18.0);

}  // namespace prrt::study
