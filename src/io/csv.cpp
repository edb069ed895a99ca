#include "prrt/io/csv.h"

#include <fmt/format.h>

#include <strings.h>
#include <algorithm>
#include <cassert>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "prrt/common/numbers.h"
#include "prrt/common/parallel.h"
#include "prrt/common/utf8.h"

namespace prrt::io {

// The bytes come either from a FILE (a file or standard input) or from a string held in memory.
struct CsvReader::Source {
  std::FILE* file = nullptr;
  bool owns_file = false;
  std::string text;
  bool text_consumed = false;
  // What fread fills, left uninitialised: a small file then touches a few bytes of it, where resizing the
  // buffer by a chunk before reading zeroed a megabyte for every file opened (a registry opens ten).
  std::unique_ptr<char[]> chunk;

  ~Source() {
    if (owns_file && file != nullptr) std::fclose(file);
  }
  // Appends the next chunk to `buffer`; false at the end of the input.
  bool Read(std::string& buffer) {
    if (file == nullptr) {
      if (text_consumed) return false;
      text_consumed = true;
      buffer.append(text);
      std::string().swap(text);
      return true;
    }
    constexpr size_t kChunk = 1 << 20;
    if (chunk == nullptr) chunk = std::make_unique_for_overwrite<char[]>(kChunk);
    size_t got = std::fread(chunk.get(), 1, kChunk, file);
    buffer.append(chunk.get(), got);
    return got > 0;
  }
};

CsvReader::CsvReader(std::unique_ptr<Source> source, std::string name)
    : source_(std::move(source)), name_(std::move(name)) {}
CsvReader::CsvReader(CsvReader&&) noexcept = default;
CsvReader& CsvReader::operator=(CsvReader&&) noexcept = default;
CsvReader::~CsvReader() = default;

namespace {

// What is wrong with a record that has the wrong number of fields (Next's check, and the plain lines').
std::string FieldCountError(size_t header_fields, size_t found) {
  return fmt::format("expected {} fields as in the header, found {}", header_fields, found);
}

Result<CsvReader> ReadHeader(CsvReader reader) {
  std::vector<std::string> fields;
  Result<bool> got = reader.Next(fields);
  if (!got.ok()) return got.status();
  if (!*got)
    return InvalidArgument(fmt::format("{}: the file is empty; expected a header row", reader.name()));
  return reader;
}

}  // namespace

Result<CsvReader> CsvReader::Open(const std::string& path) {
  auto source = std::make_unique<Source>();
  if (path == "-") {
    source->file = stdin;
  } else {
    source->file = std::fopen(path.c_str(), "rb");
    if (source->file == nullptr) return IoError(fmt::format("{}: cannot open the file for reading", path));
    source->owns_file = true;
  }
  int64_t size = 0;
  if (path != "-" && std::fseek(source->file, 0, SEEK_END) == 0) {
    size = std::ftell(source->file);
    std::fseek(source->file, 0, SEEK_SET);
  }
  CsvReader reader(std::move(source), path == "-" ? "<stdin>" : path);
  reader.total_bytes_ = std::max<int64_t>(size, 0);
  return ReadHeader(std::move(reader));
}

Result<CsvReader> CsvReader::FromString(std::string text, std::string name) {
  auto source = std::make_unique<Source>();
  const int64_t size = static_cast<int64_t>(text.size());
  source->text = std::move(text);
  CsvReader reader(std::move(source), std::move(name));
  reader.total_bytes_ = size;
  return ReadHeader(std::move(reader));
}

bool CsvReader::Fill() {
  if (pos_ > 0) {
    bytes_read_before_buffer_ += static_cast<int64_t>(pos_);
    buffer_.erase(0, pos_);
    pos_ = 0;
  }
  return source_->Read(buffer_);
}

Result<bool> CsvReader::Next(std::vector<std::string>& fields) {
  // A UTF-8 byte-order mark is the input's first three bytes, whatever follows (a quoted header, blank
  // lines), not the start of the header's first field.
  if (bytes_read() == 0) {
    while (buffer_.size() < 3 && Fill()) {
    }
    if (buffer_.starts_with("\xEF\xBB\xBF")) pos_ = 3;
  }
  while (true) {
    Result<bool> got = ReadRecord(fields);
    if (!got.ok() || !*got) return got;
    // A blank line (a single empty field) is skipped, as R's read.csv does.
    if (fields.size() == 1 && fields[0].empty()) continue;
    if (header_.empty()) {
      header_ = fields;
      return true;
    }
    if (fields.size() != header_.size()) {
      return InvalidArgument(
          fmt::format("{}:{}: {}", name_, record_line_, FieldCountError(header_.size(), fields.size())));
    }
    return true;
  }
}

Result<bool> CsvReader::ReadRecord(std::vector<std::string>& fields) {
  size_t count = 0;
  auto next_field = [&]() -> std::string& {
    if (count == fields.size()) fields.emplace_back();
    std::string& field = fields[count++];
    field.clear();
    return field;
  };
  if (pos_ >= buffer_.size() && !Fill()) {
    fields.clear();
    return false;
  }
  record_line_ = current_line_;
  std::string* field = &next_field();
  bool in_quotes = false;
  bool was_quoted = false;
  while (true) {
    if (pos_ >= buffer_.size() && !Fill()) {
      if (in_quotes) {
        return InvalidArgument(
            fmt::format("{}:{}: column {}: a quoted field is not closed before the end "
                        "of the file; expected a closing '\"'",
                        name_, record_line_, count));
      }
      break;
    }
    char c = buffer_[pos_++];
    if (in_quotes) {
      if (c == '"') {
        if (pos_ >= buffer_.size()) Fill();
        if (pos_ < buffer_.size() && buffer_[pos_] == '"') {
          field->push_back('"');
          ++pos_;
        } else {
          in_quotes = false;
        }
      } else {
        if (c == '\n') ++current_line_;
        field->push_back(c);
      }
      continue;
    }
    if (c == ',') {
      field = &next_field();
      was_quoted = false;
    } else if (c == '\n') {
      ++current_line_;
      break;
    } else if (c == '\r') {
      // CR LF or a lone CR both end the record.
      if (pos_ >= buffer_.size()) Fill();
      if (pos_ < buffer_.size() && buffer_[pos_] == '\n') ++pos_;
      ++current_line_;
      break;
    } else if (c == '"') {
      if (!field->empty() || was_quoted) {
        return InvalidArgument(
            fmt::format("{}:{}: column {}: a '\"' inside an unquoted field; expected the "
                        "whole field to be quoted, with '\"' doubled inside it",
                        name_, record_line_, count));
      }
      in_quotes = true;
      was_quoted = true;
    } else {
      if (was_quoted) {
        return InvalidArgument(
            fmt::format("{}:{}: column {}: text after a closing quote; expected ',' or "
                        "the end of the line",
                        name_, record_line_, count));
      }
      // Copy the run of ordinary characters up to the next separator at once.
      size_t end = pos_;
      const size_t size = buffer_.size();
      while (end < size) {
        const char d = buffer_[end];
        if (d == ',' || d == '\n' || d == '\r' || d == '"') break;
        ++end;
      }
      field->push_back(c);
      field->append(buffer_, pos_, end - pos_);
      pos_ = end;
    }
  }
  fields.resize(count);
  return true;
}

Result<size_t> CsvReader::ColumnIndex(const std::string& column) const {
  auto it = std::find(header_.begin(), header_.end(), column);
  if (it != header_.end()) {
    const size_t index = static_cast<size_t>(it - header_.begin());
    if (auto again = std::find(it + 1, header_.end(), column); again != header_.end()) {
      return InvalidArgument(fmt::format(
          "{}:1: column '{}': the column is there twice (columns {} and {}); expected each column once",
          name_, ShowUtf8(column), index + 1, again - header_.begin() + 1));
    }
    return index;
  }
  std::string known;
  for (const std::string& h : header_)
    known += (known.empty() ? "" : ", ") + ShowUtf8(h);
  return NotFound(fmt::format("{}:1: no column '{}'; the header has: {}{}{}", name_, ShowUtf8(column), known,
                              SemicolonSeparated() ? "; " : "", SemicolonSeparated() ? kCommaSeparated : ""));
}

bool CsvReader::SemicolonSeparated() const {
  return header_.size() == 1 && header_[0].find(';') != std::string::npos;
}

namespace {

// A whole field read as a number: whether it spells one (a leading '+' allowed) and, if so, its value, which
// may be infinite or NaN ("inf", "NaN", "1e400").
bool SpellsNumber(std::string_view text, double& value) {
  const char* begin = text.data();
  const char* end = begin + text.size();
  if (begin != end && *begin == '+') {
    ++begin;
    if (begin != end && *begin == '-') return false;  // from_chars would read "+-1" as -1
  }
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ptr != end || begin == end) return false;
  if (ec == std::errc::result_out_of_range) {
    // from_chars leaves the value unset; strtod gives what R reads: +-HUGE_VAL (infinite) beyond the
    // largest double, 0 or a subnormal below the smallest ("1e-400" is 0).
    value = std::strtod(std::string(begin, end).c_str(), nullptr);
    return true;
  }
  return ec == std::errc() &&
         !(std::isnan(value) && end[-1] == ')');  // from_chars's "nan(chars)" is R's text
}

// Where a number's spelling is not finite: what a number column expects instead.
constexpr std::string_view kFiniteNumber = "a finite number (NA or an empty field for a missing value)";

// How many characters from the start of `text` R reads as a real number (R 4.2.2's R_strtod; 0 if none):
// spaces, a sign, then "NaN", "Inf" or "infinity" (any case), or decimal or hexadecimal digits with a point
// and an exponent (e or p, its sign and digits optional: R reads "1e" as 1 and "0x1p" as 1).
size_t RRealLength(std::string_view text) {
  size_t at = 0;
  auto skip_one = [&](std::string_view of) {
    const bool found = at < text.size() && of.find(text[at]) != std::string_view::npos;
    at += found ? 1 : 0;
    return found;
  };
  auto skip_word = [&](std::string_view word) {
    const bool found =
        text.size() - at >= word.size() && strncasecmp(text.data() + at, word.data(), word.size()) == 0;
    at += found ? word.size() : 0;
    return found;
  };
  while (skip_one(" \t")) {
  }
  skip_one("+-");
  if (skip_word("nan") || skip_word("infinity") || skip_word("inf")) return at;
  const bool hexadecimal = skip_word("0x");
  const std::string_view digits = hexadecimal ? "0123456789abcdefABCDEF" : "0123456789";
  size_t n_digits = 0;
  while (skip_one(digits))
    ++n_digits;
  if (skip_one(".")) {
    while (skip_one(digits))
      ++n_digits;
  }
  if (n_digits == 0) return 0;
  if (skip_one(hexadecimal ? "pP" : "eE")) {
    skip_one("+-");
    while (skip_one("0123456789")) {
    }
  }
  return at;
}

// Whether R's read.csv reads the whole text as a real number.
bool IsRReal(std::string_view text) {
  return !text.empty() && RRealLength(text) == text.size();
}

// Whether R's read.csv reads the text as a complex number (R 4.2.2's strtoc): the longest real at its start,
// then an 'i' ("2i"), or another real and an 'i' ("1+2i"; "1.5.5i" is 1.5 + 0.5i).
bool IsRComplex(std::string_view text) {
  if (text.empty() || text.back() != 'i') return false;
  text.remove_suffix(1);
  const size_t real = RRealLength(text);
  return real > 0 && (real == text.size() || IsRReal(text.substr(real)));
}

// Whether R's read.csv reads the text as a number, real or complex (every text SpellsNumber reads is a real).
bool RReadsAsANumber(std::string_view text) {
  return IsRReal(text) || IsRComplex(text);
}

// For a field of an automatic column that is not a finite number: what is expected instead when R's read.csv
// would read it as a number, so that prrt, reading it as a label, would fit a factor where R fits a number
// (or, for a complex number, stops: "complex variables are not currently allowed in model matrices").
std::optional<std::string_view> NotALabel(std::string_view text) {
  if (text.find_first_of("eEiInNxX") == std::string_view::npos) return std::nullopt;  // none is such a number
  double value;
  if (SpellsNumber(text, value)) return std::isfinite(value) ? std::nullopt : std::optional(kFiniteNumber);
  if (IsRReal(text))  // but not from_chars's: hexadecimal, or an exponent's e without digits
    return "a number in decimal notation, with digits after an exponent's e (R's read.csv reads this as a "
           "number, so the column is not one of labels)";
  if (IsRComplex(text))
    return "a real number or a label (R's read.csv reads this as a complex number, which R's models refuse)";
  return std::nullopt;
}

}  // namespace

bool ParseNumber(std::string_view text, double& value) {
  return SpellsNumber(text, value) && std::isfinite(value);
}

std::string NumberText(double value) {
  // R's as.character(): the value rounded to 15 significant digits, as R's formatReal() rounds it (scaled to
  // a 15-digit integer in long double), printed in fixed or scientific notation, whichever is narrower
  // (fixed on a tie), without trailing zeros.
  constexpr int kDigits = 15;
  if (value == 0) return "0";  // -0 too
  const bool negative = value < 0;
  const long double magnitude = std::fabs(static_cast<long double>(value));
  int scale = static_cast<int>(std::floor(std::log10(std::fabs(value)))) - kDigits + 1;
  long double scaled = magnitude / std::pow(10.0L, static_cast<long double>(scale));
  if (scaled < 1e14L) {
    scaled *= 10;
    --scale;
  }
  // The significant digits left when the 15-digit integer's trailing zeros are dropped; a rounding up to
  // 10^15 is one digit of the next power of 10.
  double digits = static_cast<double>(std::nearbyint(scaled));
  int significant = kDigits;
  for (int j = 0; j < kDigits; ++j) {
    digits /= 10;
    if (digits != std::floor(digits)) break;
    --significant;
  }
  if (significant == 0) {
    significant = 1;
    ++scale;
  }
  // (R's formatReal() also narrows a fixed-notation value just below a power of 10 that rounds up to it by a
  // digit; alone, such a value has one significant digit and more than 15 to the left of the point, so its
  // scientific notation is narrower either way.)
  const int exponent = scale + kDigits - 1;
  const int left = exponent + 1;
  const int decimals = std::max(0, significant - left);
  const int fixed_width = (negative ? 1 : 0) + std::max(1, left) + decimals + (decimals > 0 ? 1 : 0);
  const int exponent_digits = std::abs(exponent) >= 100 ? 3 : 2;
  const int mantissa_decimals = significant - 1;
  const int scientific_width =
      (negative ? 1 : 0) + 1 + (mantissa_decimals > 0 ? mantissa_decimals + 1 : 0) + 2 + exponent_digits;
  std::string text = fixed_width <= scientific_width ? fmt::format("{:.{}f}", value, decimals)
                                                     : fmt::format("{:.{}e}", value, mantissa_decimals);
  // fmt writes at least two exponent digits, as C's printf and R.
  const size_t e = text.find('e');
  const size_t mantissa_end = e == std::string::npos ? text.size() : e;
  if (text.find('.') < mantissa_end) {
    size_t keep = text.find_last_not_of('0', mantissa_end - 1);
    if (text[keep] == '.') --keep;
    text.erase(keep + 1, mantissa_end - keep - 1);
  }
  return text;
}

namespace {

bool IsMissingText(std::string_view text) {
  return text.empty() || text == "NA";
}

std::string_view Trimmed(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  size_t end = text.find_last_not_of(" \t");
  return text.substr(begin, end - begin + 1);
}

int8_t ParseEvent(std::string_view text) {
  if (text == "1" || text == "true" || text == "TRUE" || text == "True") return 1;
  if (text == "0" || text == "false" || text == "FALSE" || text == "False") return 0;
  return -2;
}

// A logical as R's read.csv spells one (R 4.2.2: "true" and "True" make a column of text): 0 or 1.
bool ParseLogical(std::string_view text, double& value) {
  value = text == "T" || text == "TRUE";
  return value == 1 || text == "F" || text == "FALSE";
}

// Whether R's read.csv reads the text as an integer (R 4.2.2's Strtoi: strtol in base 10 reads it whole,
// within int's range but for its smallest value, R's NA): a sign, then decimal digits.
bool SpellsRInteger(std::string_view text) {
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) text.remove_prefix(1);
  uint64_t magnitude = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, magnitude);
  return ptr == end && ec == std::errc() && magnitude <= std::numeric_limits<int32_t>::max();
}

// Reorders a label column's levels as R's factor() would, drops levels whose rows were all dropped, and
// recodes the rows. R's read.csv types a column from every row, the dropped ones too: when every value is a
// number, factor() orders the levels by value and names them as.character(value), so that "9" and "09" are
// one level "9" (an integer column's plainly, "100000"; a double column's at 15 digits in the narrower of
// fixed and scientific notation, "1e+05"); when every value is a logical, the levels are "FALSE" and "TRUE"
// ("T" is "TRUE"); otherwise the levels are the texts, ordered (here) as R's sort() in the C locale.
void SortLevels(Column& column) {
  const size_t n_levels = column.levels.size();
  std::vector<double> value(n_levels);
  auto all_are = [&](bool (*parse)(std::string_view, double&)) {
    for (size_t i = 0; i < n_levels; ++i) {
      if (!parse(column.levels[i], value[i])) return false;
    }
    return true;
  };
  const bool numbers = all_are(ParseNumber);
  const bool integers = numbers && std::all_of(column.levels.begin(), column.levels.end(), SpellsRInteger);
  const bool logicals = !numbers && all_are(ParseLogical);
  auto name_of = [&](size_t level) {
    if (integers) return fmt::format("{}", static_cast<int64_t>(value[level]));
    if (numbers) return NumberText(value[level]);
    if (logicals) return std::string(value[level] == 1 ? "TRUE" : "FALSE");
    return std::move(column.levels[level]);
  };
  std::vector<char> used(n_levels, 0);
  for (int32_t code : column.codes)
    used[code] = 1;
  std::vector<int32_t> order;
  for (size_t i = 0; i < n_levels; ++i) {
    if (used[i]) order.push_back(static_cast<int32_t>(i));
  }
  std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    return numbers || logicals ? value[a] < value[b] : column.levels[a] < column.levels[b];
  });
  std::vector<int32_t> new_code(n_levels, -1);
  std::vector<std::string> levels;
  for (int32_t level : order) {
    // Values with one name are neighbours in the order of values (a number's name is a rounding of it).
    std::string name = name_of(static_cast<size_t>(level));
    if (levels.empty() || levels.back() != name) levels.push_back(std::move(name));
    new_code[level] = static_cast<int32_t>(levels.size()) - 1;
  }
  column.levels = std::move(levels);
  for (int32_t& code : column.codes)
    code = new_code[code];
}

// The texts of a kAuto column's values while every one so far is a number, each followed by a '\0', in chunks
// that parts hand over whole (a missing value's empty text stays only until its row is dropped). Should a
// value that is not a number turn up, the column's levels are these texts: R's factor levels are the strings
// as written ("1", "1.0" and "+1" are three).
class Spellings {
 public:
  void Add(std::string_view text) {
    if (chunks_.empty() || chunks_.back().size() >= kChunkBytes) chunks_.emplace_back();
    chunks_.back().append(text).push_back('\0');
  }
  // Removes the text added last (the row being dropped is the last one added, in the last chunk).
  void RemoveLast() {
    std::string& chunk = chunks_.back();
    chunk.pop_back();
    const size_t end = chunk.rfind('\0');
    chunk.resize(end == std::string::npos ? 0 : end + 1);
  }
  void Append(Spellings&& later) {
    std::move(later.chunks_.begin(), later.chunks_.end(), std::back_inserter(chunks_));
    later.chunks_.clear();
  }
  template <typename Visit>
  void ForEach(const Visit& visit) const {
    for (const std::string& chunk : chunks_) {
      for (size_t begin = 0; begin < chunk.size();) {
        const size_t end = chunk.find('\0', begin);
        visit(std::string_view(chunk).substr(begin, end - begin));
        begin = end + 1;
      }
    }
  }
  void Clear() { std::vector<std::string>().swap(chunks_); }

 private:
  static constexpr size_t kChunkBytes = size_t{1} << 20;
  std::vector<std::string> chunks_;
};

// Lets the level maps be searched with a string_view.
struct TextHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>()(text); }
};

// After the first rows, room for the whole file at their average length (+2%), so that the columns do not
// grow by doubling (which would hold up to twice their size, and copies, at 10^7 rows).
constexpr int64_t kRowsToEstimate = 1000;
void ReserveForEstimatedRows(const CsvReader& reader, ColumnSet& set) {
  if (reader.total_bytes() <= 0 || reader.bytes_read() <= 0) return;
  const double bytes_per_row = static_cast<double>(reader.bytes_read()) / static_cast<double>(set.rows_read);
  const size_t rows =
      static_cast<size_t>(static_cast<double>(reader.total_bytes()) / bytes_per_row * 1.02) + 16;
  for (Column& column : set.columns) {
    if (column.type == ColumnType::kNumber || column.type == ColumnType::kAuto) column.numbers.reserve(rows);
    if (column.type == ColumnType::kEvent) column.events.reserve(rows);
    if (column.type == ColumnType::kLabel) column.codes.reserve(rows);
  }
}

// What is wrong with a record, without its place (file and line) in front.
using RecordError = std::string;

// Turns records into the requested columns: one appender reads the records of one stretch of the file, with
// its own label levels (in the order they first appear in the stretch). A kAuto column is read as numbers
// (its type kAuto until the end) until a value that is not one turns it into labels (kLabel): hashing every
// value as a level was most of the time of reading a column of continuous covariates.
class RowAppender {
 public:
  RowAppender(const std::vector<ColumnSpec>& specs, const std::vector<size_t>& index, size_t n_fields)
      : specs_(specs),
        index_(index),
        n_fields_(n_fields),
        level_codes_(specs.size()),
        spellings_(specs.size()),
        first_number_(specs.size()) {
    for (const ColumnSpec& spec : specs) {
      Column column;
      column.name = spec.name;
      column.type = spec.type;
      set_.columns.push_back(std::move(column));
    }
  }

  ColumnSet& set() { return set_; }

  // Appends the record whose fields `field(i)` gives (n of them), or drops it when a value is missing. `line`
  // is where the record is, for a refusal decided only at the end (see NumberRefusal).
  template <typename Field>
  std::optional<RecordError> Append(size_t n, const Field& field, int64_t line) {
    if (n != n_fields_) return FieldCountError(n_fields_, n);
    ++set_.rows_read;
    bool row_missing = false;
    for (size_t c = 0; c < specs_.size(); ++c) {
      const std::string_view text = Trimmed(field(index_[c]));
      Column& column = set_.columns[c];
      const bool missing = IsMissingText(text);
      row_missing = row_missing || missing;
      auto error = [&](std::string_view expected) {
        return fmt::format("column '{}': found '{}'; expected {}", specs_[c].name, ShowUtf8(text), expected);
      };
      switch (column.type) {
        case ColumnType::kNumber: {
          double value = std::nan("");
          if (!missing) {
            if (!SpellsNumber(text, value)) return error(ExpectedNumber(text, "a number"));
            if (!std::isfinite(value)) return error(kFiniteNumber);
            const ColumnSpec& spec = specs_[c];
            if (value < spec.min_value || (spec.above_min && value == spec.min_value))
              return error(fmt::format("a number {} {}", spec.above_min ? ">" : ">=", spec.min_value));
          }
          column.numbers.push_back(value);
          break;
        }
        case ColumnType::kEvent: {
          int8_t value = -1;
          if (!missing) {
            value = ParseEvent(text);
            // A 2 is most likely R's other coding of a status, 1 censored and 2 the event (survival's lung).
            if (value < 0 && text == "2") {
              return error(
                  "0 or 1 (or true/false); a status coded 1/2, R's Surv takes 2 for the event and 1 for "
                  "censored: recode it 0/1");
            }
            if (value < 0) return error("0 or 1 (or true/false)");
          }
          column.events.push_back(value);
          break;
        }
        case ColumnType::kAuto: {
          double value = std::nan("");
          if (missing || (SpellsNumber(text, value) && std::isfinite(value))) {
            column.numbers.push_back(value);
            spellings_[c].Add(missing ? std::string_view() : text);
            break;
          }
          BecomeLabels(c);
          [[fallthrough]];
        }
        case ColumnType::kLabel: {
          // "inf", "NaN", "0x1A", "1e" or "2i" in an automatic column: kept as a label, and the first one
          // noted, for a refusal at the end should no text make the column one of labels to R too.
          if (!missing && specs_[c].type == ColumnType::kAuto && !first_number_[c]) {
            if (std::optional<std::string_view> expected = NotALabel(text))
              first_number_[c] = std::pair{line, error(*expected)};
          }
          if (missing) {
            column.codes.push_back(-1);
            break;
          }
          // A label is checked once, as a new level: it goes into the output (JSON) as it is.
          const size_t n_levels = column.levels.size();
          column.codes.push_back(LevelCode(c, text));
          if (column.levels.size() > n_levels && !IsUtf8Text(text)) return error(kExpectedUtf8);
          break;
        }
      }
    }
    for (size_t c = 0; c < specs_.size() && !row_missing; ++c) {
      if (specs_[c].exceeds < 0) continue;
      const ColumnSpec& earlier = specs_[static_cast<size_t>(specs_[c].exceeds)];
      const double start = set_.columns[static_cast<size_t>(specs_[c].exceeds)].numbers.back();
      const double stop = set_.columns[c].numbers.back();
      if (!(stop > start)) {
        return fmt::format(
            "columns '{}' and '{}': the interval ({}, {}] does not end after it starts; expected "
            "'{}' > '{}'",
            earlier.name, specs_[c].name, start, stop, specs_[c].name, earlier.name);
      }
    }
    if (row_missing) {
      // Drop the row again: it stays out of every column.
      ++set_.rows_dropped;
      for (size_t c = 0; c < specs_.size(); ++c) {
        Column& column = set_.columns[c];
        if (column.type == ColumnType::kNumber || column.type == ColumnType::kAuto) column.numbers.pop_back();
        if (column.type == ColumnType::kAuto) spellings_[c].RemoveLast();
        if (column.type == ColumnType::kEvent) column.events.pop_back();
        if (column.type == ColumnType::kLabel) column.codes.pop_back();
      }
    }
    return std::nullopt;
  }

  // Appends what `part` read after this appender's rows; its label codes become this appender's. A kAuto
  // column that is labels in either is labels in both. `part_line` is the line of the part's first record,
  // for the lines it noted (asked for only where it noted one).
  void AppendPart(RowAppender& part, const std::function<int64_t()>& part_line) {
    set_.rows_read += part.set_.rows_read;
    set_.rows_dropped += part.set_.rows_dropped;
    for (size_t c = 0; c < specs_.size(); ++c) {
      Column& column = set_.columns[c];
      Column& from = part.set_.columns[c];
      if (column.type == ColumnType::kAuto && from.type == ColumnType::kLabel) BecomeLabels(c);
      if (column.type == ColumnType::kLabel && from.type == ColumnType::kAuto) part.BecomeLabels(c);
      column.numbers.insert(column.numbers.end(), from.numbers.begin(), from.numbers.end());
      column.events.insert(column.events.end(), from.events.begin(), from.events.end());
      spellings_[c].Append(std::move(part.spellings_[c]));
      if (!first_number_[c] && part.first_number_[c]) {
        first_number_[c] = std::move(part.first_number_[c]);
        first_number_[c]->first += part_line();
      }
      std::vector<int32_t> code_of(from.levels.size());
      for (size_t level = 0; level < from.levels.size(); ++level)
        code_of[level] = LevelCode(c, from.levels[level]);
      for (int32_t code : from.codes)
        column.codes.push_back(code < 0 ? code : code_of[code]);
    }
  }

  // Where an automatic column is to be refused: R's read.csv reads every value of it as a number, real or
  // complex, and some are ones prrt does not read (not finite, hexadecimal, an exponent's e without digits,
  // complex), so that as labels it would fit a factor where R fits a number (or, for a complex number or an
  // infinite one, stops). A column with a text among its values (the rows dropped too) is text to R as well,
  // its levels as written: kept. The first such value's line and what is wrong with it; none if nothing is.
  std::optional<std::pair<int64_t, RecordError>> NumberRefusal() const {
    std::optional<std::pair<int64_t, RecordError>> refusal;
    for (size_t c = 0; c < specs_.size(); ++c) {
      if (!first_number_[c] || (refusal && refusal->first <= first_number_[c]->first)) continue;
      const std::vector<std::string>& levels = set_.columns[c].levels;
      if (std::all_of(levels.begin(), levels.end(), RReadsAsANumber)) refusal = first_number_[c];
    }
    return refusal;
  }

  // The columns read, kAuto ones resolved: numbers where every value was one.
  ColumnSet Finish() {
    for (size_t c = 0; c < specs_.size(); ++c) {
      Column& column = set_.columns[c];
      if (column.type == ColumnType::kAuto) column.type = ColumnType::kNumber;
      if (column.type == ColumnType::kLabel) SortLevels(column);
    }
    return std::move(set_);
  }

 private:
  int32_t LevelCode(size_t c, std::string_view text) {
    Column& column = set_.columns[c];
    auto it = level_codes_[c].find(text);
    if (it == level_codes_[c].end()) {
      it = level_codes_[c].emplace(std::string(text), static_cast<int32_t>(column.levels.size())).first;
      column.levels.emplace_back(text);
    }
    return it->second;
  }

  // Turns kAuto column `c`, numbers so far, into labels: its values' texts become levels. Every row kept so
  // far has a value (a row with a missing one was dropped), and the row being read has none here yet.
  void BecomeLabels(size_t c) {
    Column& column = set_.columns[c];
    column.type = ColumnType::kLabel;
    column.codes.reserve(column.numbers.capacity());
    spellings_[c].ForEach([&](std::string_view text) {
      assert(!text.empty());
      column.codes.push_back(LevelCode(c, text));
    });
    spellings_[c].Clear();
    BigVector<double>().swap(column.numbers);
  }

  const std::vector<ColumnSpec>& specs_;
  const std::vector<size_t>& index_;
  size_t n_fields_;
  std::vector<std::unordered_map<std::string, int32_t, TextHash, std::equal_to<>>> level_codes_;
  std::vector<Spellings> spellings_;  // for kAuto columns while they are numbers
  // For kAuto columns: the first value R reads as a number that prrt reads as a label, and its line.
  std::vector<std::optional<std::pair<int64_t, RecordError>>> first_number_;
  ColumnSet set_;
};

// The records of lines of plain text (RFC 4180 without quotes: fields between commas, lines ending in LF
// or CR LF; blank lines skipped, as Next skips them), appended to `appender`. Returns the first bad record's
// error and its line, counted from 0 at the text's first line.
std::optional<std::pair<int64_t, RecordError>> AppendPlainLines(std::string_view text,
                                                                RowAppender& appender) {
  std::vector<std::string_view> fields;
  int64_t line = 0;
  for (size_t begin = 0; begin < text.size(); ++line) {
    size_t end = text.find('\n', begin);  // the text ends with a newline
    std::string_view record = text.substr(begin, end - begin);
    begin = end + 1;
    if (!record.empty() && record.back() == '\r') record.remove_suffix(1);
    if (record.empty()) continue;
    fields.clear();
    for (size_t from = 0;;) {
      const size_t comma = record.find(',', from);
      fields.push_back(
          record.substr(from, comma == std::string_view::npos ? std::string_view::npos : comma - from));
      if (comma == std::string_view::npos) break;
      from = comma + 1;
    }
    std::optional<RecordError> error = appender.Append(
        fields.size(), [&](size_t i) { return fields[i]; }, line);
    if (error) return std::pair{line, std::move(*error)};
  }
  return std::nullopt;
}

// How many bytes from `begin` (at most `size`) are plain text: up to the first quote, or the first carriage
// return that is not part of a CR LF (one as the last byte counts: what follows it is not known yet).
size_t PlainRun(const char* begin, size_t size) {
  size_t plain = size;
  if (const void* quote = std::memchr(begin, '"', plain))
    plain = static_cast<size_t>(static_cast<const char*>(quote) - begin);
  for (size_t at = 0; at < plain;) {
    const void* cr = std::memchr(begin + at, '\r', plain - at);
    if (cr == nullptr) break;
    at = static_cast<size_t>(static_cast<const char*>(cr) - begin) + 1;
    if (at == size || begin[at] != '\n') plain = at - 1;
  }
  return plain;
}

// The line feeds in [begin, begin + size), eight bytes at a time: a byte of t = x ^ 0x0A.. is zero where x
// has one, ((t & 0x7F..) + 0x7F..) | t has its high bit clear exactly at t's zero bytes, and multiplying
// those bits (moved to the bottom of their bytes) by 0x01.. sums them in the top byte.
int64_t CountLineFeeds(const char* begin, size_t size) {
  constexpr uint64_t kLow7 = 0x7F7F7F7F7F7F7F7Full, kLineFeeds = 0x0A0A0A0A0A0A0A0Aull;
  int64_t count = 0;
  size_t at = 0;
  for (; at + 8 <= size; at += 8) {
    uint64_t word;
    std::memcpy(&word, begin + at, 8);
    const uint64_t t = word ^ kLineFeeds;
    const uint64_t found = ~(((t & kLow7) + kLow7) | t | kLow7) >> 7;
    count += static_cast<int64_t>((found * 0x0101010101010101ull) >> 56);
  }
  for (; at < size; ++at)
    count += begin[at] == '\n';
  return count;
}

}  // namespace

std::string_view CsvReader::TakePlainLines(size_t max_bytes) {
  size_t run = PlainRun(buffer_.data() + pos_, std::min(max_bytes, buffer_.size() - pos_));
  if (run == buffer_.size() - pos_ && run < max_bytes) {
    // Plain to the end of what is buffered: read more (the records before pos_ are done with).
    bytes_read_before_buffer_ += static_cast<int64_t>(pos_);
    buffer_.erase(0, pos_);
    pos_ = 0;
    while (buffer_.size() < max_bytes && source_->Read(buffer_)) {
    }
    run = PlainRun(buffer_.data(), std::min(max_bytes, buffer_.size()));
  }
  const char* begin = buffer_.data() + pos_;
  const void* last_newline = memrchr(begin, '\n', run);
  if (last_newline == nullptr) return {};
  const size_t length = static_cast<size_t>(static_cast<const char*>(last_newline) - begin) + 1;
  record_line_ = current_line_;
  current_line_ += CountLineFeeds(begin, length);
  pos_ += length;
  return {begin, length};
}

Result<ColumnSet> ReadColumns(CsvReader& reader, const std::vector<ColumnSpec>& specs) {
  std::vector<size_t> index;
  for (const ColumnSpec& spec : specs) {
    Result<size_t> found = reader.ColumnIndex(spec.name);
    if (!found.ok()) return found.status();
    if (!IsUtf8Text(spec.name)) {
      return InvalidArgument(fmt::format("{}:1: column '{}': found a name that is not UTF-8; expected {}",
                                         reader.name(), ShowUtf8(spec.name), kExpectedUtf8));
    }
    index.push_back(*found);
  }
  RowAppender appender(specs, index, reader.header().size());
  ColumnSet& set = appender.set();
  auto located = [&reader](int64_t line, const RecordError& error) {
    return InvalidArgument(fmt::format("{}:{}: {}", reader.name(), line, error));
  };
  // Runs of lines without quotes are split into parts read on all cores; the rest record by record.
  constexpr size_t kPlainBytes = size_t{1} << 20, kPartBytes = size_t{64} << 10;
  std::vector<std::string> fields;
  std::vector<std::string_view> parts;
  while (true) {
    const int64_t rows_before = set.rows_read;
    const std::string_view plain = reader.TakePlainLines(kPlainBytes);
    if (!plain.empty()) {
      const int64_t first_line = reader.line();
      parts.clear();
      for (size_t begin = 0; begin < plain.size();) {
        size_t end = std::min(plain.size(), begin + kPartBytes);
        end = end == plain.size() ? end : plain.find('\n', end - 1) + 1;
        parts.push_back(plain.substr(begin, end - begin));
        begin = end;
      }
      std::vector<std::unique_ptr<RowAppender>> part_rows(parts.size());
      std::vector<std::optional<std::pair<int64_t, RecordError>>> errors(parts.size());
      ParallelFor(parts.size(), [&](size_t k) {
        // An appender made by the thread that fills it: appenders side by side in one array shared cache
        // lines, and the count each writes at every row kept the two cores waiting on each other (the parts
        // were read no faster on two cores than on one).
        auto part = std::make_unique<RowAppender>(specs, index, reader.header().size());
        errors[k] = AppendPlainLines(parts[k], *part);
        part_rows[k] = std::move(part);
      });
      for (size_t k = 0; k < parts.size(); ++k) {
        const auto part_line = [&] {
          return first_line +
                 CountLineFeeds(plain.data(), static_cast<size_t>(parts[k].data() - plain.data()));
        };
        if (errors[k]) return located(part_line() + errors[k]->first, errors[k]->second);
        appender.AppendPart(*part_rows[k], part_line);
        part_rows[k].reset();
      }
    } else {
      Result<bool> got = reader.Next(fields);
      if (!got.ok()) return got.status();
      if (!*got) break;
      std::optional<RecordError> error = appender.Append(
          fields.size(), [&](size_t i) { return std::string_view(fields[i]); }, reader.line());
      if (error) return located(reader.line(), *error);
    }
    if (rows_before < kRowsToEstimate && set.rows_read >= kRowsToEstimate)
      ReserveForEstimatedRows(reader, set);
  }
  if (std::optional<std::pair<int64_t, RecordError>> refusal = appender.NumberRefusal())
    return located(refusal->first, refusal->second);
  return appender.Finish();
}

Column LabelColumn(std::string name, const std::vector<std::string>& values) {
  Column column;
  column.name = std::move(name);
  column.type = ColumnType::kLabel;
  std::map<std::string, int32_t, std::less<>> code_of;
  for (const std::string& value : values) {
    auto [it, added] = code_of.emplace(value, static_cast<int32_t>(column.levels.size()));
    if (added) column.levels.push_back(value);
    column.codes.push_back(it->second);
  }
  SortLevels(column);
  return column;
}

}  // namespace prrt::io
