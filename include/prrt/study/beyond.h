// prrt/study/beyond.h — analyses the paper did not do (docs/study.md, "Beyond the paper"): the retreatment vs
// control comparison of overall survival without immortal-time bias (a landmark at the relapse, salvage as a
// time-dependent covariate, Simon–Makuch curves), adjusted and stratified Cox models with the
// proportional-hazards check, and AML/MDS as a competing risk of death. All from one analysis data set, which
// `prrt study` also writes (beyond.csv) so that R users can check every number.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "prrt/common/result.h"
#include "prrt/stats/competing.h"
#include "prrt/stats/cox.h"
#include "prrt/stats/survival.h"
#include "prrt/study/endpoints.h"

namespace prrt::study {

//! One patient of the retreatment or control group; months from the first I-PRRT cycle.
struct BeyondSubject {
  std::string patient_id;
  Group group = Group::kNeither;
  double os_months = 0;
  bool death = false;
  std::optional<double> salvage_months;  //!< the first R-PRRT cycle; none in the control group
  double relapse_months = 0;  //!< the progression after I-PRRT (the R-PRRT start if none is recorded)
  // Baseline before I-PRRT (Table 4's covariates); missing values leave the patient out of the adjusted
  // models.
  std::optional<double> age_years;
  std::string sex;     //!< f, m
  std::string tumour;  //!< midgut, pancreatic, other
  std::optional<int> krenning_score;
  std::optional<bool> liver_lesions, bone_lesions;
  std::optional<std::string> who_grade;  //!< G1, G2, G3 (WHO 2010, from Ki-67)
  // AML/MDS with death as the competing event: 1 = AML/MDS, 2 = death without it, 0 = censored.
  double competing_months = 0;
  int competing_status = 0;
};

//! The analysis data set: the retreatment and control groups, in the subjects' order.
std::vector<BeyondSubject> BeyondAnalysisSet(const std::vector<SubjectEndpoints>& subjects);

//! Writes the analysis data set as CSV (columns in docs/study.md), numbers with 17 significant digits.
Status WriteBeyondAnalysisSet(const std::vector<BeyondSubject>& set, const std::string& path);

struct HazardRatio {
  std::string term;
  double coef = 0, se = 0, hr = 0, lower = 0, upper = 0, p = 1;
  bool may_be_infinite = false;  //!< stats::CoxFit::may_be_infinite: the term separates the deaths
  bool aliased = false;          //!< stats::CoxFit::aliased: not estimated (the numbers are NaN)
};

struct CoxSummary {
  int64_t rows = 0, subjects = 0, events = 0;
  int64_t subjects_dropped = 0;  //!< with a missing covariate
  std::vector<HazardRatio> terms;
  stats::ChiSquareTest lr_test;
  std::optional<stats::ZphResult> zph;
  std::vector<std::string> zph_terms;
  std::string error;  //!< why the model could not be fitted (then nothing else is set)
};

struct GroupMedian {
  std::string group;
  int64_t n = 0, events = 0;
  stats::QuantileEstimate median;  //!< print.survfit rule, log CI
};

struct IncidenceAt {
  std::string cause, group;  //!< cause: aml_mds, death
  double months = 0;
  double estimate = 0, lower = 0, upper = 0;
};

struct BeyondResults {
  int64_t subjects = 0;
  CoxSummary naive;                   //!< OS from I-PRRT ~ retreatment, as the paper's comparison
  std::vector<GroupMedian> landmark;  //!< OS from the relapse after I-PRRT, by group
  std::optional<double> landmark_logrank_p;
  CoxSummary landmark_cox;
  CoxSummary time_dependent;              //!< OS from the relapse ~ salvage(t)
  std::vector<GroupMedian> simon_makuch;  //!< not salvaged / salvaged, counting-process KM
  std::vector<stats::KmCurve> simon_makuch_curves;
  CoxSummary adjusted;    //!< + Table 4's covariates, with cox.zph
  CoxSummary stratified;  //!< tumour type as strata instead
  std::vector<IncidenceAt> incidence;
  std::vector<stats::ChiSquareTest> gray;  //!< aml_mds, death
  std::vector<stats::CumincCurve> incidence_curves;
  std::vector<std::string> incidence_groups;
  std::vector<int64_t> incidence_group_n;
};

BeyondResults AnalyseBeyond(const std::vector<BeyondSubject>& set);

}  // namespace prrt::study
