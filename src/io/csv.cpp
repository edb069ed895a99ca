#include "prrt/io/csv.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <string_view>
#include <unordered_map>

namespace prrt::io {

// The bytes come either from a FILE (a file or standard input) or from a string held in memory.
struct CsvReader::Source {
  std::FILE* file = nullptr;
  bool owns_file = false;
  std::string text;
  bool text_consumed = false;

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
    size_t old_size = buffer.size();
    buffer.resize(old_size + kChunk);
    size_t got = std::fread(buffer.data() + old_size, 1, kChunk, file);
    buffer.resize(old_size + got);
    return got > 0;
  }
};

CsvReader::CsvReader(std::unique_ptr<Source> source, std::string name)
    : source_(std::move(source)), name_(std::move(name)) {}
CsvReader::CsvReader(CsvReader&&) noexcept = default;
CsvReader& CsvReader::operator=(CsvReader&&) noexcept = default;
CsvReader::~CsvReader() = default;

namespace {

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
  while (true) {
    Result<bool> got = ReadRecord(fields);
    if (!got.ok() || !*got) return got;
    // A blank line (a single empty field) is skipped, as R's read.csv does.
    if (fields.size() == 1 && fields[0].empty()) continue;
    if (header_.empty()) {
      if (fields.size() >= 1 && fields[0].rfind("\xEF\xBB\xBF", 0) == 0) fields[0].erase(0, 3);
      header_ = fields;
      return true;
    }
    if (fields.size() != header_.size()) {
      return InvalidArgument(fmt::format("{}:{}: expected {} fields as in the header, found {}", name_,
                                         record_line_, header_.size(), fields.size()));
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
  if (it != header_.end()) return static_cast<size_t>(it - header_.begin());
  std::string known;
  for (const std::string& h : header_)
    known += (known.empty() ? "" : ", ") + h;
  return NotFound(fmt::format("{}:1: no column '{}'; the header has: {}", name_, column, known));
}

bool ParseNumber(std::string_view text, double& value) {
  const char* begin = text.data();
  const char* end = begin + text.size();
  if (begin != end && *begin == '+') ++begin;
  auto [ptr, ec] = std::from_chars(begin, end, value);
  return ec == std::errc() && ptr == end && std::isfinite(value);
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

// Reorders a label column's levels as R's factor() would, drops levels whose rows were all dropped,
// and recodes the rows.
void SortLevels(Column& column) {
  std::vector<double> as_number(column.levels.size());
  std::vector<char> used(column.levels.size(), 0);
  for (int32_t code : column.codes)
    used[code] = 1;
  bool all_numeric = true;
  std::vector<int32_t> order;
  for (size_t i = 0; i < column.levels.size(); ++i) {
    if (!used[i]) continue;
    order.push_back(static_cast<int32_t>(i));
    all_numeric = all_numeric && ParseNumber(column.levels[i], as_number[i]);
  }
  std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    return all_numeric ? as_number[a] < as_number[b] : column.levels[a] < column.levels[b];
  });
  std::vector<int32_t> new_code(column.levels.size(), -1);
  std::vector<std::string> levels(order.size());
  for (size_t rank = 0; rank < order.size(); ++rank) {
    new_code[order[rank]] = static_cast<int32_t>(rank);
    levels[rank] = std::move(column.levels[order[rank]]);
  }
  column.levels = std::move(levels);
  for (int32_t& code : column.codes)
    code = new_code[code];
}

// A kAuto column, read as labels, becomes numbers when every level is a number.
void ResolveAutoColumn(Column& column) {
  std::vector<double> value(column.levels.size());
  for (size_t i = 0; i < column.levels.size(); ++i) {
    if (!ParseNumber(column.levels[i], value[i])) {
      column.type = ColumnType::kLabel;
      return;
    }
  }
  column.type = ColumnType::kNumber;
  column.numbers.resize(column.codes.size());
  for (size_t r = 0; r < column.codes.size(); ++r)
    column.numbers[r] = value[column.codes[r]];
  column.codes.clear();
  column.levels.clear();
}

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
    if (column.type == ColumnType::kNumber) column.numbers.reserve(rows);
    if (column.type == ColumnType::kEvent) column.events.reserve(rows);
    if (column.type == ColumnType::kLabel || column.type == ColumnType::kAuto) column.codes.reserve(rows);
  }
}

}  // namespace

Result<ColumnSet> ReadColumns(CsvReader& reader, const std::vector<ColumnSpec>& specs) {
  ColumnSet set;
  std::vector<size_t> index;
  std::vector<std::unordered_map<std::string, int32_t, TextHash, std::equal_to<>>> level_codes(specs.size());
  for (const ColumnSpec& spec : specs) {
    Result<size_t> found = reader.ColumnIndex(spec.name);
    if (!found.ok()) return found.status();
    index.push_back(*found);
    Column column;
    column.name = spec.name;
    column.type = spec.type;
    set.columns.push_back(std::move(column));
  }
  std::vector<std::string> fields;
  while (true) {
    Result<bool> got = reader.Next(fields);
    if (!got.ok()) return got.status();
    if (!*got) break;
    ++set.rows_read;
    if (set.rows_read == kRowsToEstimate) ReserveForEstimatedRows(reader, set);
    bool row_missing = false;
    for (size_t c = 0; c < specs.size(); ++c) {
      const std::string_view text = Trimmed(fields[index[c]]);
      Column& column = set.columns[c];
      bool missing = IsMissingText(text);
      row_missing = row_missing || missing;
      auto error = [&](std::string_view expected) {
        return InvalidArgument(fmt::format("{}:{}: column '{}': found '{}'; expected {}", reader.name(),
                                           reader.line(), specs[c].name, text, expected));
      };
      switch (specs[c].type) {
        case ColumnType::kNumber: {
          double value = std::nan("");
          if (!missing) {
            if (!ParseNumber(text, value)) return error("a number");
            if (value < specs[c].min_value) return error(fmt::format("a number >= {}", specs[c].min_value));
          }
          column.numbers.push_back(value);
          break;
        }
        case ColumnType::kEvent: {
          int8_t value = -1;
          if (!missing) {
            value = ParseEvent(text);
            if (value < 0) return error("0 or 1 (or true/false)");
          }
          column.events.push_back(value);
          break;
        }
        case ColumnType::kLabel:
        case ColumnType::kAuto: {
          int32_t code = -1;
          if (!missing) {
            auto it = level_codes[c].find(text);
            if (it == level_codes[c].end()) {
              it =
                  level_codes[c].emplace(std::string(text), static_cast<int32_t>(column.levels.size())).first;
              column.levels.emplace_back(text);
            }
            code = it->second;
          }
          column.codes.push_back(code);
          break;
        }
      }
    }
    if (row_missing) {
      // Drop the row again: it stays out of every column.
      ++set.rows_dropped;
      for (Column& column : set.columns) {
        if (column.type == ColumnType::kNumber) column.numbers.pop_back();
        if (column.type == ColumnType::kEvent) column.events.pop_back();
        if (column.type == ColumnType::kLabel || column.type == ColumnType::kAuto) column.codes.pop_back();
      }
    }
  }
  for (Column& column : set.columns) {
    if (column.type == ColumnType::kAuto) ResolveAutoColumn(column);
    if (column.type == ColumnType::kLabel) SortLevels(column);
  }
  return set;
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
