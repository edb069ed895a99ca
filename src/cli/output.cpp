#include "cli/output.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace prrt::cli {

std::string FormatNumber(double value, int digits) {
  if (std::isnan(value)) return "NA";
  if (std::isinf(value)) return value > 0 ? "Inf" : "-Inf";
  return fmt::format("{:.{}g}", value, digits);
}

std::string FormatNumber(const std::optional<double>& value, int digits) {
  return value ? FormatNumber(*value, digits) : "NA";
}

void TextTable::Print(std::ostream& out) const {
  std::vector<size_t> width(header_.size());
  for (size_t c = 0; c < header_.size(); ++c)
    width[c] = header_[c].size();
  for (const auto& row : rows_) {
    for (size_t c = 0; c < row.size() && c < width.size(); ++c)
      width[c] = std::max(width[c], row[c].size());
  }
  auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t c = 0; c < row.size() && c < width.size(); ++c) {
      line += fmt::format("{}{:>{}}", c == 0 ? "" : "  ", row[c], width[c]);
    }
    out << line << '\n';
  };
  print_row(header_);
  for (const auto& row : rows_)
    print_row(row);
}

}  // namespace prrt::cli
