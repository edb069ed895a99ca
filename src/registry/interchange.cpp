#include "prrt/registry/interchange.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/algorithm/string/predicate.hpp>
#include <boost/algorithm/string/trim.hpp>
#include <cassert>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "prrt/common/dates.h"
#include "prrt/common/numbers.h"
#include "prrt/common/utf8.h"
#include "prrt/io/csv.h"
#include "registry/lesion_responses.h"
#include "registry/problem_text.h"

namespace prrt::registry {

namespace {

// ---- The format as data: each file's columns, their types, and what they may hold ----
constexpr double kInf = std::numeric_limits<double>::infinity();

const std::vector<std::string> kYesNo = {"yes", "no"};
const std::vector<std::string> kYesNoUnknown = {"yes", "no", "unknown"};
const std::vector<std::string> kPhases = {"I", "R", "RR"};
const std::vector<std::string> kMethods = {"recist", "octreoscan", "clinical"};

using detail::FoundProblem;
using detail::MissingProblem;

}  // namespace

const std::vector<FileSpec>& InterchangeSpecs() {
  static const std::vector<FileSpec> specs = {
      {"patients.csv",
       true,
       {"patient_id"},
       {{"patient_id", ColumnType::kText, true},
        {"sex", ColumnType::kEnum, true, {"m", "f"}},
        {"birth_date", ColumnType::kDate, true},
        {"primary_site",
         ColumnType::kEnum,
         true,
         {"bronchial", "pancreatic", "midgut", "hindgut", "foregut", "unknown"}},
        {"ki67_percent", ColumnType::kNumber, false, {}, 0, 100},
        {"prior_surgery", ColumnType::kEnum, false, kYesNoUnknown},
        {"prior_chemotherapy", ColumnType::kEnum, false, kYesNoUnknown},
        {"prior_radiotherapy", ColumnType::kEnum, false, kYesNoUnknown},
        {"prior_ssa", ColumnType::kEnum, false, kYesNoUnknown},
        {"last_contact_date", ColumnType::kDate, true},
        {"death_date", ColumnType::kDate, false},
        {"no_salvage_reason",
         ColumnType::kEnum,
         false,
         {"insufficient_uptake", "renal_haematological_limits", "clinical_deterioration", "other_treatment",
          "lost_to_follow_up", "death", "investigator_choice", "wait_and_see", "second_primary",
          "unclear"}}}},
      {"baselines.csv",
       false,
       {"patient_id", "phase"},
       {{"patient_id", ColumnType::kText, true},
        {"phase", ColumnType::kEnum, true, kPhases},
        {"date", ColumnType::kDate, true},
        {"krenning_score", ColumnType::kInteger, false, {}, 0, 4},
        {"extent", ColumnType::kEnum, false, {"limited", "moderate", "extensive"}},
        {"liver_lesions", ColumnType::kEnum, false, kYesNo},
        {"bone_lesions", ColumnType::kEnum, false, kYesNo},
        {"progression", ColumnType::kEnum, false, {"recist", "octreoscan", "clinical", "none", "unknown"}},
        {"karnofsky", ColumnType::kInteger, false, {}, 0, 100}}},
      {"cycles.csv",
       true,
       {"patient_id", "date"},
       {{"patient_id", ColumnType::kText, true},
        {"phase", ColumnType::kEnum, true, kPhases},
        {"date", ColumnType::kDate, true},
        {"activity_gbq", ColumnType::kNumber, true, {}, 0, 10, true}}},
      {"labs.csv",
       false,
       {"patient_id", "date", "test"},
       {{"patient_id", ColumnType::kText, true},
        {"date", ColumnType::kDate, true},
        {"test",
         ColumnType::kEnum,
         true,
         {"hb", "wbc", "neutrophils", "lymphocytes", "platelets", "creatinine", "creatinine_clearance", "alt",
          "ast", "bilirubin", "alp", "albumin", "cga"}},
        {"value", ColumnType::kNumber, true, {}, 0},
        // registry-csv.md: "A unit outside this list is an error, not a guess".
        {.name = "unit",
         .type = ColumnType::kText,
         .required = true,
         .values_by = ValuesBy{"test",
                               {{"hb", {"g/dl", "g/l", "mmol/l"}},
                                {"wbc", {"10^9/l"}},
                                {"neutrophils", {"10^9/l"}},
                                {"lymphocytes", {"10^9/l"}},
                                {"platelets", {"10^9/l"}},
                                {"creatinine", {"umol/l", "mg/dl"}},
                                {"creatinine_clearance", {"ml/min"}},
                                {"alt", {"u/l"}},
                                {"ast", {"u/l"}},
                                {"alp", {"u/l"}},
                                {"bilirubin", {"umol/l", "mg/dl"}},
                                {"albumin", {"g/l"}},
                                {"cga", {"ug/l"}}}}},
        {"lln", ColumnType::kNumber, false, {}, 0},
        {"uln", ColumnType::kNumber, false, {}, 0}}},
      {"responses.csv",
       false,
       {"patient_id", "date", "method"},
       {{"patient_id", ColumnType::kText, true},
        {"date", ColumnType::kDate, true},
        {"response", ColumnType::kEnum, true, {"cr", "pr", "sd", "pd", "ne"}},
        {"method", ColumnType::kEnum, true, kMethods}}},
      {"lesions.csv",
       false,
       {"patient_id", "date", "lesion_id"},
       {{"patient_id", ColumnType::kText, true},
        {"date", ColumnType::kDate, true},
        {"lesion_id", ColumnType::kText, true},
        {"organ", ColumnType::kText, true},
        {"role", ColumnType::kEnum, true, {"target", "non_target", "new"}},
        {"lymph_node", ColumnType::kEnum, true, kYesNo},
        {.name = "diameter_mm",
         .type = ColumnType::kNumber,
         .required = false,
         .min = 0,
         .required_when = RequiredWhen{"role", {"target"}, "for a target lesion (0 when gone)"}},
        {.name = "status",
         .type = ColumnType::kEnum,
         .required = false,
         .values = {"present", "absent", "unequivocal_progression"},
         .required_when = RequiredWhen{"role", {"non_target"}, "for a non-target lesion"}}}},
      {"events.csv",
       true,
       {"patient_id", "date", "event"},
       {{"patient_id", ColumnType::kText, true},
        {"date", ColumnType::kDate, true},
        {"event", ColumnType::kEnum, true, {"progression", "aml", "mds", "other_malignancy"}},
        {.name = "method",
         .type = ColumnType::kEnum,
         .required = false,
         .values = kMethods,
         .required_when = RequiredWhen{"event", {"progression"}, "for a progression"}}}},
  };
  return specs;
}

namespace {

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items)
    out += (out.empty() ? "" : ", ") + item;
  return out;
}

bool ParseDouble(const std::string& text, double& value) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && ptr == text.data() + text.size() && std::isfinite(value);
}

}  // namespace

std::optional<std::string> CheckValue(const ColumnSpec& field, const std::string& value, Day today) {
  switch (field.type) {
    case ColumnType::kText:
      // An id, an organ or a unit is one line: a control character in it (a newline in a quoted field, an
      // escape sequence) is a mistake, and would break the lines that show it.
      if (HasControlCharacter(value)) return std::string(kExpectedOneLine);
      return std::nullopt;
    case ColumnType::kEnum: {
      if (std::find(field.values.begin(), field.values.end(), value) != field.values.end())
        return std::nullopt;
      // The value meant, written in another case or with spaces around it ("Midgut", "f "): said, not taken,
      // as the registry keeps each value as given.
      const auto meant = std::find_if(field.values.begin(), field.values.end(), [&](const std::string& v) {
        return boost::algorithm::iequals(boost::algorithm::trim_copy(value), v);
      });
      if (meant != field.values.end())
        return fmt::format("one of: {} (write '{}': case and spaces count)", Join(field.values), *meant);
      return "one of: " + Join(field.values);
    }
    case ColumnType::kDate: {
      std::optional<Day> day = ParseDay(value);
      if (!day) return ExpectedIsoDay(value);
      if (*day > today) return std::string("a date not in the future");
      return std::nullopt;
    }
    case ColumnType::kNumber:
    case ColumnType::kInteger: {
      double x = 0;
      const bool integer = field.type == ColumnType::kInteger;
      if (!ParseDouble(value, x) || (integer && x != std::floor(x))) {
        return integer ? std::string("a whole number") : ExpectedNumber(value, "a number");
      }
      const bool below = field.min_exclusive ? x <= field.min : x < field.min;
      if (below || x > field.max) {
        std::string range;
        if (field.max == kInf) {
          range = fmt::format("{} {}", field.min_exclusive ? ">" : ">=", field.min);
        } else {
          range = fmt::format("{} {} and <= {}", field.min_exclusive ? ">" : ">=", field.min, field.max);
        }
        return fmt::format("a {} {}", integer ? "whole number" : "number", range);
      }
      return std::nullopt;
    }
  }
  return std::nullopt;
}

const std::string* Intern(const std::string& text) {
  static std::mutex mutex;
  static std::set<std::string> interned;  // nodes never move
  std::lock_guard<std::mutex> lock(mutex);
  return &*interned.insert(text).first;
}

const std::string* Row::get(std::string_view column) const {
  // A row holds a dozen values at most: a scan that compares lengths first compares about one name in full,
  // where a binary search compared three (a sixth of the time a read of the registry took went to finding
  // values by name).
  for (const auto& [name, value] : values) {
    if (name.size() == column.size() && std::memcmp(name.data(), column.data(), column.size()) == 0)
      return &value;
  }
  return nullptr;
}

std::string Row::where() const {
  return line == 0 ? *file : fmt::format("{}:{}", *file, line);
}

void Problems::Add(std::string message) {
  if (messages.size() >= limit) {
    truncated = true;
    return;
  }
  messages.push_back(std::move(message));
}

const std::vector<std::string>& InterchangeFiles() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const FileSpec& spec : InterchangeSpecs())
      n.push_back(spec.name);
    return n;
  }();
  return names;
}

namespace {

// The file of that name; none when it is not one of the format's.
const FileSpec* FindSpec(std::string_view file) {
  for (const FileSpec& spec : InterchangeSpecs())
    if (spec.name == file) return &spec;
  return nullptr;
}

}  // namespace

std::vector<std::string> InterchangeColumns(const std::string& file) {
  std::vector<std::string> columns;
  if (const FileSpec* spec = FindSpec(file)) {
    for (const ColumnSpec& f : spec->columns)
      columns.push_back(f.name);
  }
  return columns;
}

const FileSpec& InterchangeSpec(const std::string& file) {
  const FileSpec* spec = FindSpec(file);
  if (spec == nullptr) throw std::out_of_range("not a registry file: " + file);
  return *spec;
}

const std::vector<std::string>& InterchangeKey(const std::string& file) {
  return InterchangeSpec(file).key;
}

namespace {

// Copies, or moves when `data` is an rvalue, each row into its patient's registry.
template <typename Data>
std::map<std::string, Interchange> Split(Data&& data) {
  constexpr bool kMove = !std::is_const_v<std::remove_reference_t<Data>>;
  std::map<std::string, Interchange> split;
  for (auto& [file, rows] : data.files) {
    for (auto& row : rows) {
      const std::string* id = row.get("patient_id");
      if (id == nullptr) continue;
      std::vector<Row>& to = split[*id].files[file];
      if constexpr (kMove) {
        to.push_back(std::move(row));
      } else {
        to.push_back(row);
      }
    }
  }
  return split;
}

}  // namespace

Status NoSuchPatient(std::string_view patient_id) {
  return NotFound(fmt::format("no patient '{}' in the registry", ShowUtf8(patient_id)));
}

std::map<std::string, Interchange> SplitByPatient(const Interchange& data) {
  return Split(data);
}

std::map<std::string, Interchange> SplitByPatient(Interchange&& data) {
  return Split(std::move(data));
}

std::optional<Day> ParseDay(const std::string& text) {
  std::optional<int64_t> day = ParseIsoDay(text);
  if (!day) return std::nullopt;
  return static_cast<Day>(*day);
}

void SortByDate(std::vector<const Row*>& rows) {
  std::vector<std::pair<const std::string*, const Row*>> dated;  // the date looked up once a row
  dated.reserve(rows.size());
  for (const Row* row : rows)
    dated.emplace_back(row->get("date"), row);
  static const std::string kUndated;
  auto earlier = [](const auto& a, const auto& b) {
    return (a.first ? *a.first : kUndated) < (b.first ? *b.first : kUndated);
  };
  // Rows of a walk over the registry come in date order already (by their key).
  if (std::is_sorted(dated.begin(), dated.end(), earlier)) return;
  std::stable_sort(dated.begin(), dated.end(), earlier);
  for (size_t i = 0; i < rows.size(); ++i)
    rows[i] = dated[i].second;
}

Day Today() {
  using namespace std::chrono;
  return static_cast<Day>(duration_cast<days>(system_clock::now().time_since_epoch()).count());
}

namespace {

// One interchange file read row by row: the header checked when opened, each row's fields as it is read.
class FileReader {
 public:
  // File-level problems (a required file missing, unknown or missing columns) go to `problems`; the reader
  // then has no rows, and is broken().
  FileReader(const std::string& folder, const FileSpec& spec, Day today, Problems& problems)
      : spec_(spec), today_(today), problems_(problems) {
    path_ = (std::filesystem::path(folder) / spec.name).string();
    if (!std::filesystem::exists(path_)) {
      if (spec.required) FileProblem(fmt::format("{}: the file is missing; it is required", path_));
      return;
    }
    Result<io::CsvReader> reader = io::CsvReader::Open(path_);
    if (!reader.ok()) {
      FileProblem(reader.status().message());
      return;
    }
    if (reader->SemicolonSeparated()) {
      FileProblem(fmt::format("{}:1: {}", path_, io::kCommaSeparated));
      return;
    }
    reader_.emplace(std::move(*reader));
    const std::vector<std::string>& header = reader_->header();
    field_of_.assign(header.size(), nullptr);
    bool header_ok = true;
    std::vector<std::string> names;
    for (const ColumnSpec& f : spec.columns)
      names.push_back(f.name);
    for (size_t c = 0; c < header.size(); ++c) {
      for (const ColumnSpec& f : spec.columns) {
        if (f.name == header[c]) field_of_[c] = &f;
      }
      const size_t first =
          static_cast<size_t>(std::find(header.begin(), header.end(), header[c]) - header.begin());
      std::string problem;
      if (!IsUtf8Text(header[c])) {
        problem = fmt::format("column {}: found a name that is not UTF-8, '{}'; expected {}", c + 1,
                              ShowUtf8(header[c]), kExpectedUtf8);
      } else if (header[c].empty()) {
        problem = fmt::format(
            "column {}: a column without a name; expected one of: {} (a ',' after the last column makes one)",
            c + 1, Join(names));
      } else if (first < c) {
        // Which of the two values a row would keep is not for the reader to guess.
        problem = fmt::format("{}: the column is there twice (columns {} and {}); expected each column once",
                              header[c], first + 1, c + 1);
      } else if (field_of_[c] == nullptr && !IsFreeTextColumn(header[c])) {
        problem = fmt::format("{}: unknown column; expected one of: {} (or a free-text column named x_...)",
                              header[c], Join(names));
      }
      if (!problem.empty()) {
        FileProblem(fmt::format("{}:1: {}", path_, problem));
        header_ok = false;
      }
    }
    for (const ColumnSpec& f : spec.columns) {
      if (f.required && std::find(header.begin(), header.end(), f.name) == header.end()) {
        FileProblem(fmt::format("{}:1: {}: the column is missing; it is required", path_, f.name));
        header_ok = false;
      }
    }
    if (!header_ok) {
      reader_.reset();
      return;
    }
    file_ = Intern(path_);
    // Values go into the row's flat map in name order, each at its end.
    by_name_.resize(header.size());
    for (size_t c = 0; c < by_name_.size(); ++c)
      by_name_[c] = c;
    std::sort(by_name_.begin(), by_name_.end(), [&](size_t a, size_t b) { return header[a] < header[b]; });
  }

  // The next row, its fields checked (problems added, and last_row_faulty() then true); none at the end, or
  // after a record that cannot be parsed (its problem added).
  std::optional<Row> Next() {
    last_row_faulty_ = false;
    if (!reader_) return std::nullopt;
    Result<bool> got = reader_->Next(fields_);
    if (!got.ok() || !*got) {
      if (!got.ok()) FileProblem(got.status().message());
      reader_.reset();
      return std::nullopt;
    }
    const std::vector<std::string>& header = reader_->header();
    Row row{file_, reader_->line(), {}};
    for (size_t c = 0; c < header.size(); ++c) {
      const std::string& value = fields_[c];
      if (value.empty()) {
        if (field_of_[c] != nullptr && field_of_[c]->required) {
          problems_.Add(MissingProblem(fmt::format("{}:{}", path_, row.line), header[c]));
          last_row_faulty_ = true;
        }
      } else if (std::optional<std::string> expected = !IsUtf8Text(value) ? std::string(kExpectedUtf8)
                                                       : field_of_[c] != nullptr
                                                           ? CheckValue(*field_of_[c], value, today_)
                                                           : std::nullopt) {
        problems_.Add(FoundProblem(fmt::format("{}:{}", path_, row.line), header[c], value, *expected));
        last_row_faulty_ = true;
      }
    }
    row.values.reserve(header.size());
    for (size_t c : by_name_) {
      if (!fields_[c].empty()) row.values.emplace_hint(row.values.end(), header[c], std::move(fields_[c]));
    }
    return row;
  }

  const FileSpec& spec() const { return spec_; }
  // Whether the row Next() returned last has a field with a problem.
  bool last_row_faulty() const { return last_row_faulty_; }
  // Whether the file could not be read, or not to its end: rows may be missing.
  bool broken() const { return broken_; }

 private:
  void FileProblem(std::string message) {
    problems_.Add(std::move(message));
    broken_ = true;
  }

  const FileSpec& spec_;
  Day today_;
  Problems& problems_;
  std::string path_;
  std::optional<io::CsvReader> reader_;
  std::vector<const ColumnSpec*> field_of_;
  const std::string* file_ = nullptr;
  std::vector<size_t> by_name_;
  std::vector<std::string> fields_;
  bool last_row_faulty_ = false;
  bool broken_ = false;
};

// Rows whose key repeats an earlier row's are reported with the line of the first. Sorting row pointers by
// key (stable, so the first of equal rows comes first) finds them without copying any key.
void CheckDuplicates(const std::vector<Row>& rows, const std::vector<std::string>& key, Problems& problems) {
  static const std::string kMissing;
  const size_t width = key.size();
  std::vector<const std::string*> keys(rows.size() * width);  // row i's key at [i * width, (i + 1) * width)
  for (size_t i = 0; i < rows.size(); ++i) {
    for (size_t c = 0; c < width; ++c)
      keys[i * width + c] = rows[i].get(key[c]) ? rows[i].get(key[c]) : &kMissing;
  }
  std::vector<size_t> order(rows.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  auto less = [&](size_t a, size_t b) {
    for (size_t c = 0; c < width; ++c) {
      if (int cmp = keys[a * width + c]->compare(*keys[b * width + c]); cmp != 0) return cmp < 0;
    }
    return false;
  };
  std::stable_sort(order.begin(), order.end(), less);
  std::vector<std::pair<int64_t, std::string>> found;  // reported in file order
  for (size_t i = 1, first = 0; i < order.size(); ++i) {
    if (less(order[first], order[i])) {
      first = i;
      continue;
    }
    const Row& row = rows[order[i]];
    found.emplace_back(row.line, fmt::format("{}: {}: duplicate of line {} (the same {})", row.where(),
                                             key.back(), rows[order[first]].line, Join(key)));
  }
  std::sort(found.begin(), found.end());
  for (auto& [line, message] : found)
    problems.Add(std::move(message));
}

struct PatientDates {
  bool left_out = false;  // a field of one of the patient's rows has a problem
  std::optional<Day> birth, death, last_contact;
  std::optional<Day> last_cycle[3];  // I, R, RR
  std::optional<Day> first_cycle[3];
};

// The rules between rows and files. Patients in `faulty_patients` (a field of one of their rows has a
// problem) are left out but for duplicate keys: rules read from a value in error would only echo it. Keys
// are not looked at with `keys_distinct` (rows read from a registry, whose UNIQUE constraints hold them so).
void CheckCrossFile(Interchange& data, Problems& problems,
                    const std::unordered_set<std::string>& faulty_patients = {}, bool keys_distinct = false) {
  auto faulty = [&](const std::string& id) {
    return !faulty_patients.empty() && faulty_patients.count(id) > 0;
  };
  std::unordered_map<std::string, PatientDates> patients;
  for (const Row& row : data.files["patients.csv"]) {
    const std::string* id = row.get("patient_id");
    if (!id) continue;
    // A patient listed again (a duplicate, said as one) keeps the first listing's dates, as the read by
    // patient does.
    const auto [entry, first] = patients.try_emplace(*id);
    PatientDates& p = entry->second;
    if (!first) continue;
    p.left_out = faulty(*id);
    if (p.left_out) continue;
    auto day = [&](const char* column) {
      return row.get(column) ? ParseDay(*row.get(column)) : std::nullopt;
    };
    p.birth = day("birth_date");
    p.death = day("death_date");
    p.last_contact = day("last_contact_date");
    if (p.birth && p.death && *p.death < *p.birth) {
      problems.Add(fmt::format("{}: death_date: {} is before birth_date {}", row.where(),
                               *row.get("death_date"), *row.get("birth_date")));
    }
    if (p.birth && p.last_contact && *p.last_contact < *p.birth) {
      problems.Add(fmt::format("{}: last_contact_date: {} is before birth_date {}", row.where(),
                               *row.get("last_contact_date"), *row.get("birth_date")));
    }
    if (p.death && p.last_contact && *p.death > *p.last_contact) {
      problems.Add(
          fmt::format("{}: death_date: {} is after last_contact_date {}; the last contact of a patient who "
                      "died is the date of death",
                      row.where(), *row.get("death_date"), *row.get("last_contact_date")));
    }
  }
  if (!keys_distinct) {
    for (const std::string& file : InterchangeFiles())
      CheckDuplicates(data.files[file], InterchangeKey(file), problems);
  }

  for (const std::string& file : InterchangeFiles()) {
    if (file == "patients.csv") continue;
    for (const Row& row : data.files[file]) {
      const std::string* id = row.get("patient_id");
      const std::string* date = row.get("date");
      if (!id) continue;
      auto patient = patients.find(*id);
      if (patient == patients.end()) {
        if (!faulty(*id))
          problems.Add(fmt::format("{}: patient_id: '{}' is not in patients.csv", row.where(), *id));
        continue;
      }
      if (patient->second.left_out) continue;
      std::optional<Day> day = date ? ParseDay(*date) : std::nullopt;
      if (!day) continue;
      const PatientDates& p = patient->second;
      if (p.last_contact && *day > *p.last_contact) {
        problems.Add(
            fmt::format("{}: date: {} is after the patient's last_contact_date; the last contact cannot be "
                        "before a recorded {}",
                        row.where(), *date, file.substr(0, file.size() - 5)));
      }
      if (p.birth && *day < *p.birth) {
        problems.Add(fmt::format("{}: date: {} is before the patient's birth_date", row.where(), *date));
      }
    }
  }
  // Cycles: after death is impossible; phases follow each other (the second walk needs the first's last
  // cycle of each phase). Each cycle with its date, its patient's dates and its phase's index.
  auto for_each_cycle = [&](const auto& visit) {
    for (const Row& row : data.files["cycles.csv"]) {
      const std::string* id = row.get("patient_id");
      const std::string* phase = row.get("phase");
      std::optional<Day> day = row.get("date") ? ParseDay(*row.get("date")) : std::nullopt;
      if (!id || !phase || !day) continue;
      const auto patient = patients.find(*id);
      if (patient == patients.end() || patient->second.left_out) continue;
      visit(row, *day, patient->second, detail::PhaseIndex(*phase));
    }
  };
  for_each_cycle([&](const Row& row, Day day, PatientDates& p, int k) {
    if (p.death && day > *p.death) {
      problems.Add(fmt::format("{}: date: a cycle on {} is after the patient's death_date", row.where(),
                               *row.get("date")));
    }
    if (!p.last_cycle[k] || day > *p.last_cycle[k]) p.last_cycle[k] = day;
    if (!p.first_cycle[k] || day < *p.first_cycle[k]) p.first_cycle[k] = day;
  });
  for_each_cycle([&](const Row& row, Day day, const PatientDates& p, int k) {
    if (k == 0) return;
    const char* previous = k == 1 ? "I" : "R";
    if (!p.last_cycle[k - 1]) {
      problems.Add(fmt::format("{}: phase: a {} cycle without any {} cycle before it", row.where(),
                               *row.get("phase"), previous));
    } else if (day <= *p.last_cycle[k - 1]) {
      problems.Add(
          fmt::format("{}: phase: this {} cycle on {} is not after the last {} cycle; phases follow each "
                      "other in time",
                      row.where(), *row.get("phase"), *row.get("date"), previous));
    }
  });
  // Lesions: each phase's measurements can be evaluated against its baseline (RECIST 1.1), as the timeline
  // evaluates them.
  std::map<std::string, std::vector<const Row*>> lesions_by_patient;
  for (const Row& row : data.files["lesions.csv"]) {
    const std::string* id = row.get("patient_id");
    if (!id) continue;
    const auto patient = patients.find(*id);
    if (patient != patients.end() && !patient->second.left_out) lesions_by_patient[*id].push_back(&row);
  }
  for (auto& [id, rows] : lesions_by_patient) {
    SortByDate(rows);
    const PatientDates& p = patients[id];
    Result<std::vector<detail::LesionResponse>> evaluated =
        detail::EvaluateLesions(rows, {p.first_cycle[0], p.first_cycle[1], p.first_cycle[2]});
    if (!evaluated.ok()) problems.Add(evaluated.status().message());
  }
  // The rules between a row's columns: values by another column's (a lab's unit by its test), columns
  // required by another column's value (a target lesion's diameter).
  for (const FileSpec& spec : InterchangeSpecs()) {
    std::vector<const ColumnSpec*> ruled;
    for (const ColumnSpec& column : spec.columns)
      if (column.values_by || column.required_when) ruled.push_back(&column);
    auto rows = data.files.find(spec.name);
    if (ruled.empty() || rows == data.files.end()) continue;
    for (const Row& row : rows->second) {
      if (!faulty_patients.empty() && row.get("patient_id") && faulty(*row.get("patient_id"))) continue;
      for (const ColumnSpec* column_spec : ruled) {
        const ColumnSpec& column = *column_spec;
        const std::string* value = row.get(column.name);
        if (const auto& by = column.values_by; by && value) {
          const std::string* other = row.get(by->column);
          auto allowed = other ? by->values.find(*other) : by->values.end();
          if (allowed != by->values.end() &&
              std::find(allowed->second.begin(), allowed->second.end(), *value) == allowed->second.end()) {
            problems.Add(fmt::format("{}: {}: found '{}'; {} is reported in {}", row.where(), column.name,
                                     *value, *other, Join(allowed->second)));
          }
        }
        if (const auto& when = column.required_when; when && !value) {
          const std::string* other = row.get(when->column);
          if (other && std::find(when->values.begin(), when->values.end(), *other) != when->values.end()) {
            problems.Add(
                fmt::format("{}: {}: missing; it is required {}", row.where(), column.name, when->reason));
          }
        }
      }
    }
  }
}

}  // namespace

// Every problem, one a line, as an InvalidArgument.
Status ProblemsStatus(const Problems& problems) {
  std::string message;
  for (const std::string& m : problems.messages)
    message += (message.empty() ? "" : "\n") + m;
  if (problems.truncated)
    message += fmt::format("\n(more problems not shown; the first {} are above)", problems.limit);
  return InvalidArgument(message);
}

Result<Interchange> ReadInterchange(const std::string& folder, Day today, Problems& problems) {
  if (!std::filesystem::is_directory(folder)) {
    return InvalidArgument(fmt::format("{}: not a folder; expected a folder of registry CSV files", folder));
  }
  Interchange data;
  std::unordered_set<std::string> faulty_patients;
  std::unordered_set<std::string> listed;  // patients.csv's patients so far
  bool file_problems = false;
  for (const FileSpec& spec : InterchangeSpecs()) {
    FileReader reader(folder, spec, today, problems);
    std::vector<Row>& rows = data.files[spec.name];
    const bool is_patients = spec.name == "patients.csv";
    while (std::optional<Row> row = reader.Next()) {
      const std::string* id = row->get("patient_id");
      // A patient listed again is a duplicate (said as one) whose fields the rules do not read: they read
      // the first listing, as the read by patient does.
      const bool listed_again = is_patients && id && !listed.insert(*id).second;
      if (reader.last_row_faulty() && id && !listed_again) faulty_patients.insert(*id);
      rows.push_back(std::move(*row));
    }
    file_problems = file_problems || reader.broken();
  }
  // The rules between rows too, for the patients whose fields are right, so that one round of corrections
  // can mend all; not when a file could not be read (its rows are missing) or no more problems are kept.
  if (!problems.truncated && !file_problems) CheckCrossFile(data, problems, faulty_patients);
  if (!problems.empty()) return ProblemsStatus(problems);
  return data;
}

Status ReadInterchangeByPatient(const std::string& folder, Day today, Problems& problems,
                                const std::function<Status(const std::string&, Interchange&)>& visit) {
  if (!std::filesystem::is_directory(folder)) {
    return InvalidArgument(fmt::format("{}: not a folder; expected a folder of registry CSV files", folder));
  }
  std::vector<std::unique_ptr<FileReader>> readers;
  for (const FileSpec& spec : InterchangeSpecs())
    readers.push_back(std::make_unique<FileReader>(folder, spec, today, problems));
  auto any_broken = [&] {
    return std::any_of(readers.begin(), readers.end(), [](const auto& r) { return r->broken(); });
  };
  // Where the rules' problems are in `problems`: a file broken off later (a record that cannot be parsed)
  // takes them back, as ReadInterchange runs no rule then.
  std::vector<size_t> rule_problems;
  auto rules = [&](auto check) {
    const size_t before = problems.messages.size();
    check();
    for (size_t i = before; i < problems.messages.size(); ++i)
      rule_problems.push_back(i);
  };
  // Each other file's next row, waiting for its patient's turn, and whether a field of it has a problem.
  std::vector<std::optional<Row>> waiting(readers.size());
  std::vector<char> waiting_faulty(readers.size(), false);
  auto read_next = [&](size_t f) {
    waiting[f] = readers[f]->Next();
    waiting_faulty[f] = readers[f]->last_row_faulty();
  };
  for (size_t f = 1; f < readers.size(); ++f)
    read_next(f);
  std::unordered_map<std::string, int64_t> line_of;  // the patients met so far, at their patients.csv line
  auto out_of_order = [&](const Row& row) {
    return OutOfOrder(fmt::format(
        "{}: patient_id: the rows of patient '{}' are not together, in the order of patients.csv; read the "
        "folder whole",
        row.where(), ShowUtf8(row.get("patient_id") ? *row.get("patient_id") : "")));
  };
  Interchange one;
  while (std::optional<Row> patient = readers.front()->Next()) {
    for (auto& [file, rows] : one.files)
      rows.clear();
    const std::string id = patient->get("patient_id") ? *patient->get("patient_id") : "";
    const auto [first, added] = line_of.emplace(id, patient->line);
    if (!added) {
      const int64_t first_line = first->second;
      rules([&] {
        problems.Add(fmt::format("{}: patient_id: duplicate of line {} (the same patient_id)",
                                 patient->where(), first_line));
      });
    }
    bool faulty = readers.front()->last_row_faulty();
    one.files["patients.csv"].push_back(std::move(*patient));
    for (size_t f = 1; f < readers.size(); ++f) {
      std::vector<Row>& rows = one.files[readers[f]->spec().name];
      while (waiting[f]) {
        const std::string* of = waiting[f]->get("patient_id");
        if (of == nullptr || *of != id) {
          // A row of a patient already passed: the file is not in patients.csv's order.
          if (of != nullptr && line_of.count(*of) > 0) return out_of_order(*waiting[f]);
          break;
        }
        rows.push_back(std::move(*waiting[f]));
        faulty = faulty || waiting_faulty[f];
        read_next(f);
      }
    }
    if (problems.truncated) break;
    if (!added) continue;
    // As ReadInterchange: the rules between rows for a patient whose fields are right, while every file
    // is read (a file broken off is missing the rows after the break).
    if (any_broken()) continue;
    rules([&] {
      CheckCrossFile(one, problems,
                     faulty ? std::unordered_set<std::string>{id} : std::unordered_set<std::string>{});
    });
    // After a problem the rest is still read, for its problems, but nothing more is handed on.
    if (!problems.empty()) continue;
    if (Status s = visit(id, one); !s.ok()) return s;
  }
  if (any_broken()) {
    // The fields of the rows left over are still checked, but no rule: rows are missing.
    for (size_t f = 1; f < readers.size() && !problems.truncated; ++f) {
      while (waiting[f] && !problems.truncated)
        read_next(f);
    }
    for (auto i = rule_problems.rbegin(); i != rule_problems.rend(); ++i)
      problems.messages.erase(problems.messages.begin() + static_cast<std::ptrdiff_t>(*i));
  }
  for (size_t f = 1; f < readers.size(); ++f) {
    // A row left over names a patient not in patients.csv, or one out of order: the whole read tells which.
    if (waiting[f] && !problems.truncated) return out_of_order(*waiting[f]);
  }
  if (!problems.empty()) return ProblemsStatus(problems);
  return Status();
}

namespace {

// CheckRecorded's checks, into `problems`: every row's values of their column's type and required columns
// present, then, when those are right (the rules read the values), the rules between rows and files.
// Whether the values were right (the problems, if any, are the rules').
bool CheckRows(Interchange& data, Problems& problems, bool keys_distinct) {
  constexpr Day kNoFuture = std::numeric_limits<Day>::max();
  // Each file's columns in name order, as a row holds its values: one walk over both (a read of every
  // patient checks every value).
  static const std::map<std::string, std::vector<const ColumnSpec*>> by_name = [] {
    std::map<std::string, std::vector<const ColumnSpec*>> columns;
    for (const FileSpec& spec : InterchangeSpecs()) {
      std::vector<const ColumnSpec*>& sorted = columns[spec.name];
      for (const ColumnSpec& field : spec.columns)
        sorted.push_back(&field);
      std::sort(sorted.begin(), sorted.end(),
                [](const ColumnSpec* a, const ColumnSpec* b) { return a->name < b->name; });
    }
    return columns;
  }();
  for (const FileSpec& spec : InterchangeSpecs()) {
    const auto rows = data.files.find(spec.name);
    if (rows == data.files.end()) continue;
    const std::vector<const ColumnSpec*>& fields = by_name.at(spec.name);
    for (const Row& row : rows->second) {
      auto where = [&] {  // the row's key as the audit trail writes it
        std::string key;
        for (const std::string& column : spec.key)
          key += (&column == &spec.key.front() ? "" : "|") +
                 (row.get(column) ? ShowUtf8(*row.get(column)) : std::string());
        return row.where() + " " + key;
      };
      auto value = row.values.begin();
      for (const ColumnSpec* field : fields) {
        // Equal names first: most columns are there, and equality compares lengths before characters.
        while (value != row.values.end() && value->first != field->name && value->first < field->name)
          ++value;  // a free-text x_ column
        // An empty value (stored with SQL) is missing, as an empty field of a CSV file is.
        const bool absent = value == row.values.end() || value->first != field->name;
        if (absent || (field->required && value->second.empty())) {
          if (field->required) problems.Add(MissingProblem(where(), field->name));
        } else if (field->type != ColumnType::kText) {
          if (std::optional<std::string> expected = CheckValue(*field, value->second, kNoFuture)) {
            problems.Add(FoundProblem(where(), field->name, value->second, *expected));
          }
        }
      }
    }
  }
  if (!problems.empty()) return false;
  CheckCrossFile(data, problems, {}, keys_distinct);
  return true;
}

// What CheckRows found in a patient's rows before a write.
struct Found {
  std::vector<std::string> problems;  // in the order found
  bool of_rules = false;              // else of the values
};

Found FindProblems(Interchange& data) {
  Problems problems;
  problems.limit = std::numeric_limits<size_t>::max();
  Found found;
  found.of_rules = CheckRows(data, problems, false);
  found.problems = std::move(problems.messages);
  return found;
}

// Whether a write left a patient's rows as a write may, `before` being what was found before it, the
// problems after it in `problems`. Rows that passed the checks pass still. Rows that failed them (changed
// with SQL outside prrt) are corrected a step at a time, a row a write: the write leaves fewer of the
// problems found before and no other, the values' first, then, once every value is right, the rules' (which
// may only then come to light), so that a patient with several rows broken is corrected one by one. A write
// that corrects nothing is refused with the problems.
bool Mends(const Found& before, Interchange& data, Problems& problems) {
  const Found after = FindProblems(data);
  bool mends = after.problems.empty();
  if (!mends && !before.problems.empty()) {
    if (before.of_rules == after.of_rules) {
      std::vector<std::string> had = before.problems, has = after.problems;
      std::sort(had.begin(), had.end());
      std::sort(has.begin(), has.end());
      mends = has.size() < had.size() && std::includes(had.begin(), had.end(), has.begin(), has.end());
    } else {
      mends = after.of_rules;  // every value right now
    }
  }
  if (!mends) {
    for (const std::string& message : after.problems)
      problems.Add(message);
  }
  return mends;
}

// The checks of a row given on its own (AddRow, ReplaceRow), as an import makes them: every column known (or
// a free-text x_ column), every required one present, every value of its column's type.
Status CheckGivenRow(const std::string& file, const RowValues& values, Day today, Problems& problems) {
  const FileSpec* spec = FindSpec(file);
  if (spec == nullptr) return InvalidArgument(fmt::format("'{}' is not a registry file", file));
  const std::string where = fmt::format("{} (row given)", file);
  for (const auto& [column, value] : values) {
    const auto field = std::find_if(spec->columns.begin(), spec->columns.end(),
                                    [&column = column](const ColumnSpec& f) { return f.name == column; });
    if (!IsUtf8Text(column)) {
      problems.Add(fmt::format("{}: {}: found a column name that is not UTF-8 text; expected UTF-8 text",
                               where, ShowUtf8(column)));
    } else if (!IsUtf8Text(value)) {
      // JSON's strings are UTF-8 but may hold a NUL (\u0000), which would cut the stored text short.
      problems.Add(FoundProblem(where, column, value, "UTF-8 text"));
    } else if (field == spec->columns.end()) {
      if (!IsFreeTextColumn(column)) problems.Add(fmt::format("{}: {}: unknown column", where, column));
    } else if (std::optional<std::string> expected = CheckValue(*field, value, today)) {
      problems.Add(FoundProblem(where, column, value, *expected));
    }
  }
  for (const ColumnSpec& f : spec->columns) {
    if (f.required && values.find(f.name) == values.end()) {
      problems.Add(MissingProblem(where, f.name));
    }
  }
  if (!problems.empty()) return InvalidArgument("the row has problems");
  return Status();
}

// The row of `rows` whose key columns (`key`) hold `values`' values; NotFound naming the key when none does.
Result<std::vector<Row>::iterator> FindByKey(std::vector<Row>& rows, const std::string& file,
                                             const std::vector<std::string>& key, const RowValues& values,
                                             std::string_view purpose) {
  const auto found = std::find_if(rows.begin(), rows.end(), [&](const Row& row) {
    return std::all_of(key.begin(), key.end(), [&](const std::string& column) {
      const std::string* value = row.get(column);
      return value != nullptr && *value == values.at(column);
    });
  });
  if (found != rows.end()) return found;
  std::vector<std::string> named;
  for (const std::string& column : key)
    named.push_back(fmt::format("{} {}", column, values.at(column)));
  return NotFound(fmt::format("{} has no row of {} to {}", file, fmt::join(named, ", "), purpose));
}

// A problem when `values` (a row added, or a correction of `replaced`) have the key of another row of `rows`
// (the import would call it a duplicate, of a line the registry has not), on the first key column a
// correction changes, or the first after patient_id.
bool KeyTaken(std::vector<Row>& rows, const std::string& file, const Row* replaced, const RowValues& values,
              Problems& problems) {
  const std::vector<std::string>& columns = InterchangeKey(file);
  const auto changed = std::find_if(columns.begin(), columns.end(), [&](const std::string& column) {
    if (replaced == nullptr) return column != "patient_id";
    return replaced->get(column) == nullptr || *replaced->get(column) != values.at(column);
  });
  if (changed == columns.end() || !FindByKey(rows, file, columns, values, "").ok()) return false;
  std::vector<std::string> named;
  for (const std::string& column : columns)
    named.push_back(fmt::format("{} {}", column, values.at(column)));
  problems.Add(
      fmt::format("{} (row given): {}: found '{}'; {} has a row of {} already (correct that one, or "
                  "remove it first)",
                  file, *changed, values.at(*changed), file, fmt::join(named, ", ")));
  return true;
}

// `file` is a registry file of a patient's rows (not patients.csv, whose row is the patient).
Status CheckRowsFile(const std::string& file, std::string_view purpose) {
  if (file == "patients.csv" ||
      std::find(InterchangeFiles().begin(), InterchangeFiles().end(), file) == InterchangeFiles().end()) {
    return InvalidArgument(fmt::format("'{}' is not a registry file whose rows can be {}", file, purpose));
  }
  return Status();
}

// Every key column of `file` given in `key` (the row a correction or removal names); a problem for each not.
Status CheckKeyGiven(const std::string& file, const RowValues& key, Problems& problems) {
  for (const std::string& column : InterchangeKey(file)) {
    if (key.find(column) == key.end())
      problems.Add(fmt::format("{} (row given): {}: missing; it names the row", file, column));
  }
  if (!problems.empty()) return InvalidArgument("the row is not named");
  return Status();
}

// The values of `file`'s key columns in `values`.
RowValues KeyValues(const std::string& file, const RowValues& values) {
  RowValues key;
  for (const std::string& column : InterchangeKey(file)) {
    if (const auto found = values.find(column); found != values.end()) key.insert(*found);
  }
  return key;
}

// Puts `changed` in place of the rows of `file` at `at` (their places in it) and checks the cross-file rules
// with them; on a problem the rows are put back and `conflict` is the status's message. Returns the rows'
// key changes.
Result<std::vector<KeyChange>> ReplaceRowsChecked(Interchange& data, const std::string& file,
                                                  const std::vector<size_t>& at,
                                                  std::vector<RowValues> changed, Problems& problems,
                                                  std::string_view conflict) {
  const Found found = FindProblems(data);
  std::vector<Row>& rows = data.files[file];
  std::vector<Row> before;
  std::vector<KeyChange> key_changes;
  for (size_t k = 0; k < at.size(); ++k) {
    KeyChange change{file, KeyValues(file, rows[at[k]].values), KeyValues(file, changed[k])};
    if (change.from != change.to) key_changes.push_back(std::move(change));
    before.push_back(std::move(rows[at[k]]));
    rows[at[k]] = Row{Intern(fmt::format("{} (row given)", file)), 0, std::move(changed[k])};
  }
  if (Mends(found, data, problems)) return key_changes;
  for (size_t k = 0; k < at.size(); ++k)
    rows[at[k]] = std::move(before[k]);
  return InvalidArgument(std::string(conflict));
}

}  // namespace

Status CheckRecorded(Interchange& data, Problems& problems) {
  // The key columns are required, so every key is whole, and distinct (UNIQUE).
  CheckRows(data, problems, true);
  if (!problems.empty()) return ProblemsStatus(problems);
  return Status();
}

Status AddRow(Interchange& data, const std::string& file, RowValues values, Day today, Problems& problems) {
  if (Status given = CheckGivenRow(file, values, today, problems); !given.ok()) return given;
  if (KeyTaken(data.files[file], file, nullptr, values, problems))
    return InvalidArgument("the row has problems");
  const Found found = FindProblems(data);
  data.files[file].push_back(Row{Intern(fmt::format("{} (row given)", file)), 0, std::move(values)});
  if (Mends(found, data, problems)) return Status();
  data.files[file].pop_back();
  return InvalidArgument("the row conflicts with the registry");
}

Result<std::vector<KeyChange>> ReplaceRow(Interchange& data, const std::string& file, RowValues values,
                                          Day today, Problems& problems,
                                          const std::optional<RowValues>& key) {
  if (Status given = CheckGivenRow(file, values, today, problems); !given.ok()) return given;
  const std::vector<std::string>& columns = InterchangeKey(file);
  std::vector<Row>& rows = data.files[file];
  if (key) {
    if (Status named = CheckKeyGiven(file, *key, problems); !named.ok()) return named;
    const std::string& patient = key->at("patient_id");
    if (patient != values.at("patient_id")) {
      problems.Add(
          fmt::format("{} (row given): patient_id: found '{}'; a correction keeps the row's patient '{}'",
                      file, ShowUtf8(values.at("patient_id")), ShowUtf8(patient)));
      return InvalidArgument("the row has problems");
    }
  }
  Result<std::vector<Row>::iterator> found = FindByKey(rows, file, columns, key ? *key : values, "replace");
  if (!found.ok()) return found.status();
  if (KeyTaken(rows, file, &**found, values, problems)) return InvalidArgument("the row has problems");
  std::vector<RowValues> changed;
  changed.push_back(std::move(values));
  return ReplaceRowsChecked(data, file, {static_cast<size_t>(*found - rows.begin())}, std::move(changed),
                            problems, "the row conflicts with the registry");
}

Result<std::vector<KeyChange>> ChangeRows(Interchange& data, const std::string& file, const RowValues& match,
                                          const RowValues& patch, Day today, Problems& problems) {
  if (Status rows_file = CheckRowsFile(file, "changed"); !rows_file.ok()) return rows_file;
  assert(match.count("patient_id"));
  const std::string where = fmt::format("{} (row given)", file);
  if (patch.empty()) problems.Add(fmt::format("{}: no column given to change", where));
  if (patch.count("patient_id"))
    problems.Add(fmt::format("{}: patient_id: found '{}'; a change keeps the rows' patient '{}'", where,
                             ShowUtf8(patch.at("patient_id")), ShowUtf8(match.at("patient_id"))));
  if (!problems.empty()) return InvalidArgument("the change has problems");
  std::vector<Row>& rows = data.files[file];
  std::vector<size_t> matched;
  for (size_t i = 0; i < rows.size(); ++i) {
    const bool all = std::all_of(match.begin(), match.end(), [&](const auto& column_value) {
      const std::string* value = rows[i].get(column_value.first);
      return value != nullptr && *value == column_value.second;
    });
    if (all) matched.push_back(i);
  }
  if (matched.empty()) {
    std::vector<std::string> named = {fmt::format("patient_id {}", match.at("patient_id"))};
    for (const auto& [column, value] : match)
      if (column != "patient_id") named.push_back(fmt::format("{} {}", column, value));
    return NotFound(fmt::format("{} has no row of {} to change", file, fmt::join(named, ", ")));
  }
  // Each row changed checked on its own; a problem is the same for every row, so the first row's are
  // reported.
  std::vector<RowValues> changed;
  for (size_t i : matched) {
    RowValues values = rows[i].values;
    for (const auto& [column, value] : patch)
      values[column] = value;
    if (!CheckGivenRow(file, values, today, problems).ok() ||
        KeyTaken(rows, file, &rows[i], values, problems))
      return InvalidArgument("the change has problems");
    changed.push_back(std::move(values));
  }
  return ReplaceRowsChecked(data, file, matched, std::move(changed), problems,
                            "the rows changed conflict with the registry");
}

Status RemoveRow(Interchange& data, const std::string& file, const RowValues& key, Problems& problems) {
  if (Status rows_file = CheckRowsFile(file, "removed"); !rows_file.ok()) return rows_file;
  if (Status named = CheckKeyGiven(file, key, problems); !named.ok()) return named;
  const std::vector<std::string>& columns = InterchangeKey(file);
  std::vector<Row>& rows = data.files[file];
  Result<std::vector<Row>::iterator> found = FindByKey(rows, file, columns, key, "remove");
  if (!found.ok()) return found.status();
  const size_t at = static_cast<size_t>(*found - rows.begin());
  const Found before = FindProblems(data);
  Row removed = std::move(rows[at]);
  rows.erase(rows.begin() + static_cast<std::ptrdiff_t>(at));
  if (Mends(before, data, problems)) return Status();
  rows.insert(rows.begin() + static_cast<std::ptrdiff_t>(at), std::move(removed));
  return InvalidArgument("the registry would break its rules without the row");
}

}  // namespace prrt::registry
