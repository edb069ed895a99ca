// prrt/study/adtte.h — the derived time-to-event endpoints as a CDISC ADaM ADTTE data set, so that R or SAS
// users can check every median from the same numbers.
#pragma once

#include <string>
#include <vector>

#include "prrt/common/result.h"
#include "prrt/study/endpoints.h"

namespace prrt::study {

//! Writes one row per patient and parameter — OS (from the first I-PRRT cycle), PFSI, PFSR, PFSRR (from the
//! phase's first cycle) — with USUBJID, PARAMCD, PARAM, AVAL (months = days / 30.4375), CNSR (0 = event,
//! 1 = censored), STARTDT, ADT, EVNTDESC, CNSDTDSC, and the analysis groups COHORT (retreatment, control,
//! neither) and TUMTYPE (the primary site).
Status WriteAdtte(const std::vector<SubjectEndpoints>& subjects, const std::string& path);

}  // namespace prrt::study
