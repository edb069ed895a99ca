// prrt/clinical/ctcae.h — laboratory toxicity grades by CTCAE v3.0, from a table of printed cut-offs
// (src/clinical/ctcae_v3.cpp; sources and certainty in docs/clinical-rules.md).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "prrt/common/result.h"

namespace prrt::clinical {

//! The version stored with every grade.
inline constexpr std::string_view kCtcaeVersion = "3.0";

//! A direction-specific grading rule for one test in one unit: the printed cut-offs of grades 2, 3 and 4.
//! Decreasing tests (blood counts): grade g when value < cutoff[g]; grade 1 when value < LLN.
//! Increasing tests (×ULN): grade g when value > cutoff[g] × ULN; grade 1 when value > ULN.
struct CtcaeRule {
  std::string_view
      test;  //!< hb, wbc, neutrophils, lymphocytes, platelets, creatinine, alt, ast, bilirubin, alp
  std::string_view unit;  //!< lower case, as accepted on input
  std::string_view term;  //!< the CTCAE v3.0 term
  bool decreasing;        //!< true: low values are toxic (cut-offs in the unit); false: multiples of ULN
  double cutoff[3];       //!< grades 2, 3, 4
  std::string_view source;
};

//! Every rule, in table order (one row per test and unit).
const std::vector<CtcaeRule>& CtcaeV3Rules();

struct CtcaeGrade {
  std::string test;
  int grade = 0;  //!< 0 = normal
  std::string term;
  std::string ctcae_version{kCtcaeVersion};
};

//! Grades a value. Errors: an unknown test, a unit the test cannot have (naming the units it can), a
//! ULN-based test without `uln`, a count in the grade-0/1 band without `lln` (it decides between them), a
//! value that is not a finite number >= 0, limits that are not > 0.
Result<CtcaeGrade> GradeLab(std::string_view test, double value, std::string_view unit,
                            std::optional<double> lln, std::optional<double> uln);

}  // namespace prrt::clinical
