#include "prrt/report/json.h"

#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>

namespace prrt::report {

nlohmann::json JsonNumber(double value) {
  if (!std::isfinite(value)) return nullptr;
  return value;
}

nlohmann::json JsonNumber(const std::optional<double>& value) {
  return value ? JsonNumber(*value) : nlohmann::json(nullptr);
}

nlohmann::json KmTableJson(const stats::KmCurve& curve) {
  nlohmann::json table = nlohmann::json::array();
  for (const stats::KmRow& row : curve.rows)
    table.push_back(KmRowJson(row));
  return table;
}

namespace {

// A row's fields in the order dump writes them (its objects' keys sorted), for KmRowJson and
// KmRowJsonWriter alike.
struct KmRowField {
  const char* name;
  double stats::KmRow::*value;
};
constexpr KmRowField kKmRowFields[] = {
    {"lower", &stats::KmRow::lower},     {"n_censor", &stats::KmRow::n_censor},
    {"n_event", &stats::KmRow::n_event}, {"n_risk", &stats::KmRow::n_risk},
    {"std_err", &stats::KmRow::std_err}, {"surv", &stats::KmRow::surv},
    {"time", &stats::KmRow::time},       {"upper", &stats::KmRow::upper},
};

}  // namespace

char* WriteWholeNumber(char* out, double value) {
  if (std::signbit(value)) *out++ = '-';
  return std::to_chars(out, out + 20, static_cast<int64_t>(std::abs(value))).ptr;  // at most 19 digits
}

void AppendJsonNumber(std::string& text, double value) {
  if (!std::isfinite(value)) {
    text += "null";
    return;
  }
  // A whole number below 10^15 (the counts of a table) as dump prints it, its digits and ".0", without the
  // shortest-digits search that took most of the time of printing a Kaplan–Meier table's counts.
  if (std::abs(value) < 1e15 && value == std::trunc(value)) {
    std::array<char, 24> digits;
    const char* end = WriteWholeNumber(digits.data(), value);  // dump keeps the sign of -0.0
    text.append(digits.data(), static_cast<size_t>(end - digits.data()));
    text += ".0";
    return;
  }
  // The conversion dump itself makes for a double (nlohmann/detail/conversions/to_chars.hpp; the tests hold
  // the two to the same text).
  std::array<char, 64> digits;
  const char* end = nlohmann::detail::to_chars(digits.data(), digits.data() + digits.size(), value);
  text.append(digits.data(), static_cast<size_t>(end - digits.data()));
}

nlohmann::json KmRowJson(const stats::KmRow& row) {
  nlohmann::json object = nlohmann::json::object();
  for (const KmRowField& field : kKmRowFields)
    object[field.name] = JsonNumber(row.*field.value);
  return object;
}

KmRowJsonWriter::KmRowJsonWriter(std::string_view newline) : close_(std::string(newline) + '}') {
  char separator = '{';
  for (const KmRowField& field : kKmRowFields) {
    before_.push_back(separator + std::string(newline) + "  \"" + field.name + "\": ");
    separator = ',';
  }
}

void KmRowJsonWriter::Append(std::string& text, const stats::KmRow& row) {
  static_assert(std::size(kKmRowFields) == kFields);
  for (size_t f = 0; f < kFields; ++f) {
    text += before_[f];
    const double value = row.*kKmRowFields[f].value;
    LastNumber& last = last_[f];
    const uint64_t bits = std::bit_cast<uint64_t>(value);
    if (last.length > 0 && bits == last.bits) {
      text.append(last.text.data(), last.length);
      continue;
    }
    const size_t from = text.size();
    AppendJsonNumber(text, value);
    const size_t length = text.size() - from;
    last.bits = bits;
    last.length = length <= last.text.size() ? static_cast<uint8_t>(length) : 0;
    std::copy_n(text.data() + from, last.length, last.text.data());
  }
  text += close_;
}

}  // namespace prrt::report
