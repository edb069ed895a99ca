// prrt/report/json.h — JSON numbers as every output of prrt writes them: null for NaN, infinity and absent
// values.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "prrt/stats/survival.h"

namespace prrt::report {

nlohmann::json JsonNumber(double value);
nlohmann::json JsonNumber(const std::optional<double>& value);

//! Writes a whole number (|value| < 2^63) as its digits after a '-' for a negative one, -0 included, at
//! `out`; returns the end. The fast path of both printed forms of counts: JSON's (with ".0") and the text
//! tables'.
char* WriteWholeNumber(char* out, double value);

//! Appends `value` as nlohmann's dump writes a number (its shortest round-trip form, null when not finite).
void AppendJsonNumber(std::string& text, double value);

//! A Kaplan–Meier table as `prrt stats km --json` gives it: time, n_risk, n_event, n_censor, surv, std_err,
//! lower, upper per row (KmRowJson).
nlohmann::json KmTableJson(const stats::KmCurve& curve);
nlohmann::json KmRowJson(const stats::KmRow& row);
//! Appends KmRowJson(row).dump(2) without building it, `newline` (a newline and the row's indentation)
//! between its lines: building and dumping each row of a table took 1.5 to 3 microseconds a row. Made once
//! for a table, it holds the text between the numbers.
class KmRowJsonWriter {
 public:
  explicit KmRowJsonWriter(std::string_view newline = "\n");
  void Append(std::string& text, const stats::KmRow& row) const;

 private:
  std::vector<std::string> before_;  // before each field's number: '{' or ',', newline, the field's name
  std::string close_;                // newline, '}'
};

}  // namespace prrt::report
