// prrt/report/json.h — JSON numbers as every output of prrt writes them: null for NaN, infinity and absent
// values.
#pragma once

#include <array>
#include <cstdint>
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
//! between its lines: building and dumping each row of a table took 1.5 to 3 microseconds a row. Made for a
//! run of rows (one per thread), it holds the text between the numbers, and the text of the last row's
//! numbers, which the next row reuses where its numbers are the same: a time with censorings only leaves the
//! estimate and its limits as they were, and their shortest digits are most of the cost.
class KmRowJsonWriter {
 public:
  explicit KmRowJsonWriter(std::string_view newline = "\n");
  void Append(std::string& text, const stats::KmRow& row);

 private:
  static constexpr size_t kFields = 8;
  struct LastNumber {
    uint64_t bits = 0;
    uint8_t length = 0;  // 0: none yet (or longer than `text`, which a number's text never is)
    std::array<char, 31> text;
  };
  std::vector<std::string> before_;  // before each field's number: '{' or ',', newline, the field's name
  std::string close_;                // newline, '}'
  std::array<LastNumber, kFields> last_;
};

}  // namespace prrt::report
