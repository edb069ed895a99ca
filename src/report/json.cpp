#include "prrt/report/json.h"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace prrt::report {

std::string JsonText(const nlohmann::json& document, int indent) {
  return document.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

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

char* WriteJsonNumber(char* out, double value) {
  if (!std::isfinite(value)) return std::copy_n("null", 4, out);
  // A whole number below 10^15 (the counts of a table) as dump prints it, its digits and ".0", without the
  // shortest-digits search that took most of the time of printing a Kaplan–Meier table's counts.
  if (std::abs(value) < 1e15 && value == std::trunc(value))  // dump keeps the sign of -0.0
    return std::copy_n(".0", 2, WriteWholeNumber(out, value));
  // The conversion dump itself makes for a double (nlohmann/detail/conversions/to_chars.hpp; the tests hold
  // the two to the same text).
  return nlohmann::detail::to_chars(out, out + kJsonNumberBytes, value);
}

void AppendJsonNumber(std::string& text, double value) {
  std::array<char, kJsonNumberBytes> digits;
  text.append(digits.data(), WriteJsonNumber(digits.data(), value));
}

nlohmann::json KmRowJson(const stats::KmRow& row) {
  nlohmann::json object = nlohmann::json::object();
  for (const KmRowField& field : kKmRowFields)
    object[field.name] = JsonNumber(row.*field.value);
  return object;
}

namespace {

constexpr size_t kCopyBytes = 16;

size_t PaddedLength(size_t length) {
  return (length + kCopyBytes - 1) / kCopyBytes * kCopyBytes;
}

}  // namespace

KmRowJsonWriter::KmRowJsonWriter(std::string_view newline, std::string_view before_row) {
  auto padded = [this](std::string text) {
    const size_t length = text.size();
    text.resize(PaddedLength(length), '\0');
    max_row_bytes_ += text.size();
    return PaddedText{std::move(text), length};
  };
  std::string separator = std::string(before_row) + '{';
  for (size_t f = 0; f < kFields; ++f) {
    before_[f] = padded(separator + std::string(newline) + "  \"" + kKmRowFields[f].name + "\": ");
    max_row_bytes_ += kJsonNumberBytes;
    separator = ",";
  }
  close_ = padded(std::string(newline) + '}');
}

char* KmRowJsonWriter::Copy(char* out, const PaddedText& piece) {
  for (size_t at = 0; at < piece.length; at += kCopyBytes)
    std::memcpy(out + at, piece.text.data() + at, kCopyBytes);
  return out + piece.length;
}

char* KmRowJsonWriter::Write(char* out, const stats::KmRow& row) {
  static_assert(std::size(kKmRowFields) == kFields);
  for (size_t f = 0; f < kFields; ++f) {
    out = Copy(out, before_[f]);
    const double value = row.*kKmRowFields[f].value;
    LastNumber& last = last_[f];
    const uint64_t bits = std::bit_cast<uint64_t>(value);
    if (last.length == 0 || bits != last.bits) {
      last.bits = bits;
      last.length = static_cast<size_t>(WriteJsonNumber(last.text.data(), value) - last.text.data());
    }
    std::memcpy(out, last.text.data(), kJsonNumberBytes);
    out += last.length;
  }
  return Copy(out, close_);
}

}  // namespace prrt::report
