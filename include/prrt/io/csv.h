// prrt/io/csv.h — a streaming CSV reader (RFC 4180) and typed column extraction with located errors.
#pragma once

#include <cstdint>
#include <istream>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "prrt/common/big_vector.h"
#include "prrt/common/result.h"

namespace prrt::io {

//! Reads records one at a time: quoted fields, doubled quotes, embedded newlines, CRLF and a UTF-8 BOM.
class CsvReader {
 public:
  //! Opens `path` ("-" reads standard input) and reads the header row.
  static Result<CsvReader> Open(const std::string& path);
  //! Reads from text held in memory; `name` is used in messages.
  static Result<CsvReader> FromString(std::string text, std::string name);

  CsvReader(CsvReader&&) noexcept;
  CsvReader& operator=(CsvReader&&) noexcept;
  ~CsvReader();

  const std::vector<std::string>& header() const { return header_; }
  const std::string& name() const { return name_; }
  //! The line on which the record last returned by Next() starts (the header is line 1).
  int64_t line() const { return record_line_; }

  //! Reads the next record into `fields`. Returns false at the end of the input, or an error for a
  //! record that cannot be parsed (an unterminated quote, a stray quote) or has the wrong field count.
  Result<bool> Next(std::vector<std::string>& fields);

  //! For a reader that splits records itself (on several threads): the text from here through the last
  //! whole line within `max_bytes`, when none of it is quoted (no '"', and carriage returns only in CR LF).
  //! Empty when the next record needs Next. line() is then the text's first line. Valid until the next call.
  std::string_view TakePlainLines(size_t max_bytes);

  //! Bytes read so far, and the input's total size (0 when unknown, as for standard input).
  int64_t bytes_read() const { return bytes_read_before_buffer_ + static_cast<int64_t>(pos_); }
  int64_t total_bytes() const { return total_bytes_; }

  //! Index of the header column called `column`, or NotFound naming the columns that exist; InvalidArgument
  //! when two columns have that name (which one was meant cannot be known: R's read.csv takes the first).
  Result<size_t> ColumnIndex(const std::string& column) const;

  //! Whether the header is one field with a ';' in it: a file separated by semicolons, as spreadsheets write
  //! "CSV" where the decimal separator is a comma (most of Europe), not a CSV file (see kCommaSeparated).
  bool SemicolonSeparated() const;

 private:
  struct Source;
  CsvReader(std::unique_ptr<Source> source, std::string name);
  Result<bool> ReadRecord(std::vector<std::string>& fields);
  bool Fill();

  std::unique_ptr<Source> source_;
  std::string name_;
  std::vector<std::string> header_;
  std::string buffer_;
  size_t pos_ = 0;
  int64_t current_line_ = 1;
  int64_t bytes_read_before_buffer_ = 0;  // bytes dropped from the front of buffer_
  int64_t total_bytes_ = 0;
  int64_t record_line_ = 0;
};

//! What is expected of a file that SemicolonSeparated() finds separated by semicolons.
inline constexpr std::string_view kCommaSeparated =
    "the fields seem separated by ';' (as a spreadsheet set to a decimal comma saves CSV); expected ',' "
    "between fields and '.' as the decimal point";

enum class ColumnType {
  kNumber,  //!< a finite decimal number; "" and "NA" are missing
  kEvent,   //!< 0/1 or true/false; "" and "NA" are missing
  kLabel,   //!< any text, coded as a level; "" and "NA" are missing
  kAuto,    //!< kNumber when every value is a number, else kLabel (as R's read.csv types a column)
};

struct ColumnSpec {
  std::string name;
  ColumnType type = ColumnType::kNumber;
  double min_value = -std::numeric_limits<double>::infinity();  //!< for kNumber: smallest value allowed
  bool above_min = false;  //!< min_value itself not allowed (case weights: > 0)
  //! For kNumber: the place, among the columns requested, of one whose value in the same row this one's must
  //! exceed (an interval's stop time, after its start); -1 for none.
  int exceeds = -1;
};

//! One column of a data set. Missing values are NaN (numbers), -1 (events, label codes).
struct Column {
  std::string name;
  ColumnType type = ColumnType::kNumber;
  // In huge pages once large (BigVector): first-touch page faults were a quarter of the time of reading a
  // 10^7-row file.
  BigVector<double> numbers;
  BigVector<int8_t> events;
  BigVector<int32_t> codes;
  std::vector<std::string> levels;  //!< for kLabel: level texts, in the order of their codes
};

struct ColumnSet {
  std::vector<Column> columns;  //!< in the order requested
  int64_t rows_read = 0;        //!< data rows in the file
  int64_t rows_dropped = 0;     //!< rows left out because a requested value was missing
};

//! A label column of `values` coded as R's factor() codes them (levels sorted: numerically when all are
//! numbers).
Column LabelColumn(std::string name, const std::vector<std::string>& values);

//! Parses a whole field as a finite number (a leading '+' allowed); false for anything else.
bool ParseNumber(std::string_view text, double& value);

//! The text R 4.2's as.character() gives a finite double (15 significant digits, fixed or scientific
//! notation, whichever is narrower): the name R gives a value as a factor level.
std::string NumberText(double value);

//! Reads the requested columns of every record. Rows with a missing value in any requested column are
//! dropped (as R's na.omit) and counted. Label levels are R's factor() levels of the column as read.csv
//! types it: when every value (in the rows dropped too) is a number, ordered by value and named by NumberText
//! (values with one name are one level); otherwise the texts in byte order. Errors name file, line and
//! column.
Result<ColumnSet> ReadColumns(CsvReader& reader, const std::vector<ColumnSpec>& specs);

}  // namespace prrt::io
