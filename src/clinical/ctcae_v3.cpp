#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "prrt/clinical/ctcae.h"

namespace prrt::clinical {

namespace {

// CTCAE v3.0 (NCI, 2003/2006) laboratory cut-offs as printed, per unit. Certainty per row is in
// docs/clinical-rules.md: Hb g/dL V(sec); Hb mmol/L 6.2, 4.9 V, 4.0 U; Hb g/L 100, 80 V, 65 U; counts U for
// v3 wording with v4/v5 numbers V; creatinine, ALT, AST V; bilirubin, ALP U (v4 identical, V).
constexpr std::string_view kV3 =
    "CTCAE v3.0, NCI 2003 (printed cut-offs; ../shared/reference/clinical-rules.md §1)";
const std::vector<CtcaeRule> kRules = {
    {"hb", "g/dl", "Hemoglobin", true, {10.0, 8.0, 6.5}, kV3},
    {"hb", "mmol/l", "Hemoglobin", true, {6.2, 4.9, 4.0}, kV3},
    {"hb", "g/l", "Hemoglobin", true, {100, 80, 65}, kV3},
    {"wbc", "10^9/l", "Leukocytes (total WBC)", true, {3.0, 2.0, 1.0}, kV3},
    {"wbc", "/mm3", "Leukocytes (total WBC)", true, {3000, 2000, 1000}, kV3},
    {"neutrophils", "10^9/l", "Neutrophils/granulocytes (ANC/AGC)", true, {1.5, 1.0, 0.5}, kV3},
    {"neutrophils", "/mm3", "Neutrophils/granulocytes (ANC/AGC)", true, {1500, 1000, 500}, kV3},
    {"lymphocytes", "10^9/l", "Lymphopenia", true, {0.8, 0.5, 0.2}, kV3},
    {"lymphocytes", "/mm3", "Lymphopenia", true, {800, 500, 200}, kV3},
    {"platelets", "10^9/l", "Platelets", true, {75, 50, 25}, kV3},
    {"platelets", "/mm3", "Platelets", true, {75000, 50000, 25000}, kV3},
    {"creatinine", "umol/l", "Creatinine", false, {1.5, 3.0, 6.0}, kV3},
    {"creatinine", "mg/dl", "Creatinine", false, {1.5, 3.0, 6.0}, kV3},
    {"alt", "u/l", "SGPT (ALT)", false, {2.5, 5.0, 20.0}, kV3},
    {"ast", "u/l", "SGOT (AST)", false, {2.5, 5.0, 20.0}, kV3},
    {"bilirubin", "umol/l", "Bilirubin", false, {1.5, 3.0, 10.0}, kV3},
    {"bilirubin", "mg/dl", "Bilirubin", false, {1.5, 3.0, 10.0}, kV3},
    {"alp", "u/l", "Alkaline phosphatase", false, {2.5, 5.0, 20.0}, kV3},
};

// Units are matched case-insensitively, with the usual spellings of micro and of 10^9.
std::string NormalisedUnit(std::string_view unit) {
  std::string u;
  for (size_t i = 0; i < unit.size(); ++i) {
    if (unit.substr(i, 2) == "\xC2\xB5" || unit.substr(i, 2) == "\xCE\xBC") {  // µ (micro sign, Greek mu)
      u += 'u';
      ++i;
      continue;
    }
    if (unit[i] != ' ') u += static_cast<char>(std::tolower(static_cast<unsigned char>(unit[i])));
  }
  if (u == "iu/l") u = "u/l";
  for (std::string_view giga : {"x10^9/l", "10e9/l", "x10e9/l"}) {
    if (u == giga) u = "10^9/l";
  }
  if (u == "/ul" || u == "/mm^3" || u == "cells/mm3") u = "/mm3";
  return u;
}

}  // namespace

const std::vector<CtcaeRule>& CtcaeV3Rules() {
  return kRules;
}

Result<CtcaeGrade> GradeLab(std::string_view test, double value, std::string_view unit,
                            std::optional<double> lln, std::optional<double> uln) {
  const std::string wanted_unit = NormalisedUnit(unit);
  std::string units_of_test;
  const CtcaeRule* rule = nullptr;
  for (const CtcaeRule& r : kRules) {
    if (r.test != test) continue;
    units_of_test += (units_of_test.empty() ? "" : ", ") + std::string(r.unit);
    if (r.unit == wanted_unit) rule = &r;
  }
  if (units_of_test.empty()) {
    std::string tests;
    for (const CtcaeRule& r : kRules) {
      if (tests.find(std::string(r.test)) == std::string::npos)
        tests += (tests.empty() ? "" : ", ") + std::string(r.test);
    }
    return InvalidArgument(fmt::format("unknown test '{}'; expected one of: {}", test, tests));
  }
  if (rule == nullptr) {
    return InvalidArgument(
        fmt::format("{} cannot be measured in '{}'; expected one of: {}", test, unit, units_of_test));
  }
  if (!std::isfinite(value) || value < 0) {
    return InvalidArgument(fmt::format("{} value {} is not a finite number >= 0", test, value));
  }
  for (const auto& [limit, name] : {std::pair{lln, "LLN"}, std::pair{uln, "ULN"}}) {
    if (limit && !(std::isfinite(*limit) && *limit > 0)) {
      return InvalidArgument(fmt::format("the {} {} is not a number > 0", name, *limit));
    }
  }
  CtcaeGrade result;
  result.test = std::string(test);
  result.term = std::string(rule->term);
  if (rule->decreasing) {
    for (int g = 4; g >= 2; --g) {
      if (value < rule->cutoff[g - 2]) {
        result.grade = g;
        return result;
      }
    }
    if (!lln) {
      return InvalidArgument(
          fmt::format("{} {} {} is at or above the grade 2 cut-off ({}); grade 0 or 1 depends on "
                      "the lower limit of normal: give it (--lln)",
                      test, value, unit, rule->cutoff[0]));
    }
    result.grade = value < *lln ? 1 : 0;
    return result;
  }
  if (!uln) {
    return InvalidArgument(fmt::format(
        "{} is graded in multiples of the upper limit of normal: give it (--uln, in {})", test, unit));
  }
  result.grade = 0;
  if (value > *uln) result.grade = 1;
  for (int g = 2; g <= 4; ++g) {
    if (value > rule->cutoff[g - 2] * *uln) result.grade = g;
  }
  return result;
}

}  // namespace prrt::clinical
