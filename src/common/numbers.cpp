#include "prrt/common/numbers.h"

#include <fmt/format.h>

#include <algorithm>

namespace prrt {

std::string ExpectedNumber(std::string_view text, std::string_view expected) {
  // A sign, digits, one comma, digits.
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  const std::string_view unsigned_text =
      !text.empty() && (text[0] == '-' || text[0] == '+') ? text.substr(1) : text;
  const size_t comma = unsigned_text.find(',');
  const bool decimal_comma = comma != std::string_view::npos && comma > 0 &&
                             comma + 1 < unsigned_text.size() &&
                             std::all_of(unsigned_text.begin(), unsigned_text.begin() + comma, is_digit) &&
                             std::all_of(unsigned_text.begin() + comma + 1, unsigned_text.end(), is_digit);
  if (!decimal_comma) return std::string(expected);
  std::string with_point(text);
  with_point[text.size() - unsigned_text.size() + comma] = '.';
  return fmt::format("{} (with a decimal point: {})", expected, with_point);
}

}  // namespace prrt
