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

//! `document` as JSON text, as dump(indent) writes it. Every output of prrt writes JSON through here: text
//! that is not UTF-8 (a registry edited by another tool, a folder named in Latin-1) becomes U+FFFD, where
//! dump threw and the program aborted or the server answered an empty 500.
std::string JsonText(const nlohmann::json& document, int indent = -1);

nlohmann::json JsonNumber(double value);
nlohmann::json JsonNumber(const std::optional<double>& value);

//! Writes a whole number (|value| < 2^63) as its digits after a '-' for a negative one, -0 included, at
//! `out`; returns the end. The fast path of both printed forms of counts: JSON's (with ".0") and the text
//! tables'.
char* WriteWholeNumber(char* out, double value);

//! The most bytes WriteJsonNumber writes (its longest text, "-2.2250738585072014e-308", is 24).
inline constexpr size_t kJsonNumberBytes = 32;
//! Writes `value` as nlohmann's dump writes a number (its shortest round-trip form, null when not finite) at
//! `out`, which has room for kJsonNumberBytes; returns the end.
char* WriteJsonNumber(char* out, double value);
//! Appends WriteJsonNumber's text of `value`.
void AppendJsonNumber(std::string& text, double value);

//! A Kaplan–Meier table as `prrt stats km --json` gives it: time, n_risk, n_event, n_censor, surv, std_err,
//! lower, upper per row (KmRowJson).
nlohmann::json KmTableJson(const stats::KmCurve& curve);
nlohmann::json KmRowJson(const stats::KmRow& row);
//! Writes KmRowJson(row).dump(2) without building it, `newline` (a newline and the row's indentation)
//! between its lines: building and dumping each row of a table took 1.5 to 3 microseconds a row. Made for a
//! run of rows (one per thread), it holds the text between the numbers, and the text of the last row's
//! numbers, which the next row reuses where its numbers are the same: a time with censorings only leaves the
//! estimate and its limits as they were, and their shortest digits are most of the cost. A cache line of
//! its own: the writers of a block's parts sit side by side and are written at every row on different cores.
class alignas(64) KmRowJsonWriter {
 public:
  //! `before_row` is written before each row (the comma and newline between the elements of an array).
  explicit KmRowJsonWriter(std::string_view newline = "\n", std::string_view before_row = "");
  //! Writes the row at `out`, which has room for max_row_bytes(); returns the end of its text. The bytes
  //! after the end, up to max_row_bytes(), may be overwritten.
  char* Write(char* out, const stats::KmRow& row);
  size_t max_row_bytes() const { return max_row_bytes_; }

 private:
  static constexpr size_t kFields = 8;
  // Fixed text, copied 16 bytes at a time (padded with zeros to a multiple of 16): a copy of a length known
  // only at run time was a call to memmove, and these calls took a tenth of the time of printing a table.
  struct PaddedText {
    std::string text;
    size_t length = 0;
  };
  struct LastNumber {
    uint64_t bits = 0;
    size_t length = 0;  // 0: none yet
    std::array<char, kJsonNumberBytes> text{};
  };
  static char* Copy(char* out, const PaddedText& piece);
  // Before each field's number: '{' or ',', newline, the field's name; after the last, newline and '}'.
  std::array<PaddedText, kFields> before_;
  PaddedText close_;
  std::array<LastNumber, kFields> last_;
  size_t max_row_bytes_ = 0;
};

}  // namespace prrt::report
