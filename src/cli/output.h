// Output helpers shared by the commands: JSON numbers with null for absent values, aligned text tables.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "prrt/report/json.h"

namespace prrt::cli {

using report::JsonNumber;  // null for NaN, infinity and nullopt (absent values are null in every command)

//! A number for a person to read: up to `digits` significant digits, "NA" when absent.
std::string FormatNumber(double value, int digits = 6);
std::string FormatNumber(const std::optional<double>& value, int digits = 6);

//! A table printed with right-aligned columns under a header.
class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header) : header_(std::move(header)) {}
  void AddRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void Print(std::ostream& out) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace prrt::cli
