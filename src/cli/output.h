// Output helpers shared by the commands: JSON numbers with null for absent values, aligned text tables.
#pragma once

#include <functional>
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

//! Prints row(0), ..., row(count - 1) with right-aligned columns under `header`, without holding them: each
//! row is made twice, once to measure the columns and once to print it (a Kaplan–Meier table of 10^7 rows
//! held as strings takes gigabytes).
void PrintTable(std::ostream& out, const std::vector<std::string>& header, size_t count,
                const std::function<std::vector<std::string>(size_t)>& row);

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

//! JSON arrays printed an element at a time instead of built whole: a Kaplan–Meier table of 10^7 rows takes
//! gigabytes as a JSON value (about a kilobyte a row), and nothing as text on its way out. Put Add's mark
//! where the document should hold an array, then Print the document.
class StreamedJson {
 public:
  StreamedJson();

  //! A value that stands for the array element(0), ..., element(size - 1) in the document given to Print.
  nlohmann::json Add(size_t size, std::function<nlohmann::json(size_t)> element);

  //! Prints `document` exactly as document.dump(2) would, followed by a newline, with each array in place of
  //! its mark.
  void Print(std::ostream& out, const nlohmann::json& document) const;

 private:
  struct Array {
    size_t size;
    std::function<nlohmann::json(size_t)> element;
  };
  std::vector<Array> arrays_;
  std::string mark_;  // every mark up to its number: a control character and a random token
};

}  // namespace prrt::cli
