// Output helpers shared by the commands: JSON numbers with null for absent values, aligned text tables.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "prrt/report/json.h"
#include "prrt/stats/alternative.h"

namespace prrt::cli {

using report::JsonNumber;  // null for NaN, infinity and nullopt (absent values are null in every command)

//! A number for a person to read: up to `digits` significant digits, "NA" when absent.
std::string FormatNumber(double value, int digits = 6);
std::string FormatNumber(const std::optional<double>& value, int digits = 6);

//! A test's sides for a person to read: "two-sided", or "one-sided (less)" / "one-sided (greater)".
std::string SidesText(stats::Alternative alternative);

//! The rows of a table, each handed in turn to `emit`. A source may be read more than once.
using TextRows = std::function<void(const std::function<void(const std::vector<std::string>&)>& emit)>;

//! The columns `text` takes on a terminal: a column a character ("Zürich" takes 6, not its 7 bytes), two for
//! a wide one (CJK, most emoji), none for a combining mark.
size_t DisplayWidth(std::string_view text);

//! Appends `cells` right-aligned in columns of `widths` bytes (the widest cell of each), two spaces apart,
//! and a newline: a line of PrintTable. Cells of ASCII (numbers) take a column a byte; PrintTable widens the
//! columns of a row for cells of other characters.
void AppendAlignedRow(std::string& line, std::span<const std::string> cells, std::span<const size_t> widths);

//! Prints `rows` with right-aligned columns (of DisplayWidth) under `header`, without holding them: the
//! source is read twice, once to measure the columns and once to print (a Kaplan–Meier table of 10^7 rows
//! held as strings takes gigabytes).
void PrintTable(std::ostream& out, const std::vector<std::string>& header, const TextRows& rows);

//! A table printed with right-aligned columns under a header. Its cells are shown as ShowUtf8 shows text: a
//! label read from a file (a group, a factor's level) with a newline or an escape sequence stays on its line.
class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header) : header_(std::move(header)) {}
  void AddRow(std::vector<std::string> row);
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

  //! Where an array's elements are written as text.
  class ArrayWriter {
   public:
    //! Starts an element and returns the text to append it to, as dump(2) would print it here: with
    //! newline() between its lines.
    std::string& Element();
    //! A newline and the indentation of the array's elements.
    std::string_view newline() const { return newline_; }
    //! Appends elements written elsewhere (on other threads, say): `text` holds each element as Element's
    //! text would, preceded by a comma and newline().
    void AppendElements(std::string_view text);

   private:
    friend class StreamedJson;
    ArrayWriter(std::ostream& out, size_t depth);
    void Finish();

    std::ostream& out_;
    size_t depth_;
    std::string newline_, text_;
    bool empty_ = true;
  };

  //! The elements of an array, each handed in turn to `emit`.
  using Elements = std::function<void(const std::function<void(const nlohmann::json&)>& emit)>;
  //! The elements of an array, written as text (faster where there are millions).
  using TextElements = std::function<void(ArrayWriter& writer)>;

  //! A value that stands for the array of `elements` in the document given to Print.
  nlohmann::json Add(Elements elements);
  nlohmann::json AddText(TextElements elements);

  //! Prints `document` exactly as document.dump(2) would, followed by a newline, with each array in place of
  //! its mark.
  void Print(std::ostream& out, const nlohmann::json& document) const;

 private:
  std::vector<TextElements> arrays_;
  std::string mark_;  // every mark up to its number: a control character and a random token
};

}  // namespace prrt::cli
