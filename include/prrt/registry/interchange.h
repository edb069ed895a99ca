// prrt/registry/interchange.h — the registry CSV interchange format, version 1
// (docs/registry-csv.md): reading a folder into typed rows, with every problem located
// (file:line: column: message), and the cross-file checks a registry must pass before anything is stored.
#pragma once

#include <boost/container/flat_map.hpp>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "prrt/common/result.h"

namespace prrt::registry {

//! A calendar date as days since 1970-01-01.
using Day = int32_t;

//! A row's values by column: a flat map (one allocation a row, short values inline), because registries of a
//! million patients hold tens of millions of rows.
using RowValues = boost::container::flat_map<std::string, std::string, std::less<>>;

//! A row of any interchange file: its values by column (missing values absent), and where it came from.
struct Row {
  //! The file's path as read (interned: shared by its rows); for a row not read from a file, its file's name
  //! and what it is: "cycles.csv (row given)", "cycles.csv (recorded)" (read from the registry).
  const std::string* file = nullptr;
  int64_t line = 0;  //!< its line in the file read, 0 for a row not read from a file
  RowValues values;  //!< present, non-empty values only
  const std::string* get(std::string_view column) const;
  //! Where it came from, as problems name it: "FILE:LINE", or the file alone for a row not read from a file.
  std::string where() const;
};

//! The folder's rows, file by file (patients, baselines, cycles, labs, responses, lesions, events), in file
//! order. Values are validated but kept as text, so that export writes back exactly what was read.
struct Interchange {
  std::map<std::string, std::vector<Row>> files;
};

//! Problems found, each "file:line: column: message"; reading stops collecting after `limit` of them.
struct Problems {
  std::vector<std::string> messages;
  size_t limit = 100;
  bool truncated = false;
  void Add(std::string message);
  bool empty() const { return messages.empty(); }
};

//! An InvalidArgument whose message is every problem, one a line (and a last line when some were left out).
Status ProblemsStatus(const Problems& problems);

//! Reads and validates the folder: each field against its column's type, the cross-file rules (unknown
//! patients, duplicate keys, phases out of order, cycles after death, death before birth, dates after
//! `today`, last contact before a recorded event, units a test cannot have), the latter for the patients none
//! of whose fields has a problem (a rule read from a value in error would only echo it; duplicate keys are
//! said for all; a patient listed twice is read from the first listing) and only when every file could be
//! read to its end. Returns the rows when there is no
//! problem; otherwise an InvalidArgument whose message is every problem, one a line.
Result<Interchange> ReadInterchange(const std::string& folder, Day today, Problems& problems);

//! Reads the folder patient by patient, for folders too large to hold at once: `visit` gets each patient of
//! patients.csv with all its rows, checked as ReadInterchange checks them (each field, a patient listed
//! twice, and the cross-file rules, which concern one patient at a time). Needs the other files' rows
//! together by patient, in the order of patients.csv, as `prrt export` and `prrt simulate` write them:
//! otherwise an OutOfOrder naming the first row out of place (read the folder whole then). After the
//! first problem nothing more is visited, but the rest is read for its problems: an InvalidArgument lists
//! them all, the same as ReadInterchange's but for their order (a file that cannot be read to its end takes
//! back the rules' problems of the patients read before its break).
Status ReadInterchangeByPatient(
    const std::string& folder, Day today, Problems& problems,
    const std::function<Status(const std::string& patient_id, Interchange& rows)>& visit);

//! Adds one row to `file` of `data` (a patient's rows, say) after the checks an import makes: every column
//! known (or a free-text x_ column), every required one present, every value of its column's type, and then
//! `data` with the row in it as CheckRecorded checks it. Rows that passed must pass still; rows that failed
//! (changed with SQL outside prrt) are corrected a row a write: a write (this, ReplaceRow, ChangeRows,
//! RemoveRow) must leave fewer of the problems found before it and no other — the values' first, then the
//! rules' between rows, which may only come to light once the values are right. On a problem `data` is left
//! as it was and each problem is in `problems`, located as "FILE (row given): column: message" for the row's
//! own fields.
Status AddRow(Interchange& data, const std::string& file, RowValues values, Day today, Problems& problems);

//! A correction that changed a row's key (a cycle recorded on a mistyped date): the row of `file` whose key
//! columns held `from` now holds `to` (ReplaceRow, ChangeRows; Store::Import updates it in its place).
struct KeyChange {
  std::string file;
  RowValues from, to;

  bool operator==(const KeyChange&) const = default;
};

//! Replaces the row of `file` with the same key (InterchangeKey: a patient's patients.csv row, a lab result
//! of a date and test, ...) by `values`, in its place, after AddRow's checks; a correction. Given `key` (the
//! values of the key columns of the row to replace), that row is replaced, and the correction may change its
//! key (a cycle recorded on a mistyped date): a problem when the new key is another row's or names another
//! patient. Returns the key change made (none when the key is kept). NotFound when `data` has no such row; on
//! a problem `data` is left as it was.
Result<std::vector<KeyChange>> ReplaceRow(Interchange& data, const std::string& file, RowValues values,
                                          Day today, Problems& problems,
                                          const std::optional<RowValues>& key = std::nullopt);

//! Sets the columns `patch` gives in every row of `file` (not patients.csv) whose columns hold `match`'s
//! values (`match` names the patient): the lesion measurements of a scan, or the results of a blood draw,
//! recorded on a mistyped date re-dated at once (re-dated one by one, a scan's lesions would break RECIST's
//! rules on the way). Each row changed, in its place, is checked as AddRow checks a row, and none may take
//! another row's key. Returns the key changes made, a row a change (none when no key column is changed).
//! NotFound when no row matches; on a problem `data` is left as it was.
Result<std::vector<KeyChange>> ChangeRows(Interchange& data, const std::string& file, const RowValues& match,
                                          const RowValues& patch, Day today, Problems& problems);

//! Removes the row of `file` (not patients.csv) whose key columns hold `key`'s values (a row entered in
//! error). NotFound when there is none; InvalidArgument, with the problems, when a key column is not given or
//! when the rest would break a cross-file rule (as AddRow's check); `data` is then left as it was.
Status RemoveRow(Interchange& data, const std::string& file, const RowValues& key, Problems& problems);

//! The checks an import makes that what derives endpoints and plans from rows relies on, of rows read back
//! from a registry (a patient's): every date, number and coded value of its column's type, every required
//! column present, and the rules between rows and files. A registry holds only rows that passed them, unless
//! it was changed with SQL outside prrt. InvalidArgument with every problem, a line each, each row named by
//! its file and key ("cycles.csv (recorded) P001|2005-02-14: activity_gbq: found 'abc'; expected a number").
//! Neither text is checked (a registry imported before ids were kept to one line may hold a control
//! character) nor whether a date is in the future (a date recorded as of another clock, or `--today`, is no
//! harm to what is derived from it). The problems are in `problems` too, a line each.
Status CheckRecorded(Interchange& data, Problems& problems);

//! The prefix of the free-text columns any file may have besides its own (kept as text, never checked).
inline constexpr std::string_view kFreeTextPrefix = "x_";
//! Whether `column` is a free-text column.
inline bool IsFreeTextColumn(std::string_view column) {
  return column.starts_with(kFreeTextPrefix);
}

//! The type of a column's values.
enum class ColumnType { kText, kDate, kNumber, kInteger, kEnum };

//! The values a column may hold by another column's value in the same row (labs.csv's unit by its test).
struct ValuesBy {
  std::string column;
  std::map<std::string, std::vector<std::string>> values;  //!< a value missing here allows any
};

//! A column required of the rows whose `column` holds one of `values` (lesions.csv's diameter_mm of targets).
struct RequiredWhen {
  std::string column;
  std::vector<std::string> values;
  std::string reason;  //!< completes "it is required ...": "for a target lesion (0 when gone)"
};

//! A column of the format, as its description gives it: what its values may be, and whether every row has
//! one.
struct ColumnSpec {
  std::string name;
  ColumnType type;
  bool required;  //!< in every row (a column required of some rows only is `required_when`)
  std::vector<std::string> values = {};                   //!< kEnum: the values it may hold
  double min = -std::numeric_limits<double>::infinity();  //!< kNumber, kInteger: the least value
  double max = std::numeric_limits<double>::infinity();
  bool min_exclusive = false;  //!< `min` itself not allowed (an activity > 0)
  std::optional<ValuesBy> values_by = std::nullopt;
  std::optional<RequiredWhen> required_when = std::nullopt;
};

//! A file of the format: whether a registry must have it, the columns that identify a row, and its columns in
//! the order of the format's description.
struct FileSpec {
  std::string name;
  bool required;
  std::vector<std::string> key;
  std::vector<ColumnSpec> columns;
};

//! What `value` should have been as a value of `field` ("a date YYYY-MM-DD", "one of: m, f"), or nothing when
//! it is one: the check of every value read, added or changed (UTF-8 is checked before).
std::optional<std::string> CheckValue(const ColumnSpec& field, const std::string& value, Day today);

//! The format's files, in the order they are read: the one description the reader checks against and the
//! clinic's forms are built from (GET /api/format).
const std::vector<FileSpec>& InterchangeSpecs();

//! The file of that name (std::out_of_range when it is none of the format's).
const FileSpec& InterchangeSpec(const std::string& file);

//! The interchange file names, in the order they are read.
const std::vector<std::string>& InterchangeFiles();

//! The columns of a file, in the order of the format's description (free-text x_ columns not included).
std::vector<std::string> InterchangeColumns(const std::string& file);

//! The columns that identify a row of a file (patients.csv: patient_id; cycles.csv: patient_id, date; ...).
const std::vector<std::string>& InterchangeKey(const std::string& file);

//! NotFound "no patient 'ID' in the registry" (the id shown as ShowUtf8 shows it): one wording for every
//! command and request that names a patient the registry does not have.
Status NoSuchPatient(std::string_view patient_id);

//! The rows of each patient, as a registry of one (copies; for per-patient work over large registries).
std::map<std::string, Interchange> SplitByPatient(const Interchange& data);
//! The same, moving the rows out of `data` (half the memory of a copy for large registries).
std::map<std::string, Interchange> SplitByPatient(Interchange&& data);

//! A stable copy of `text` shared by every caller that interns the same text (the file names of rows).
const std::string* Intern(const std::string& text);

//! Parses an ISO date YYYY-MM-DD.
std::optional<Day> ParseDay(const std::string& text);

//! Puts `rows` in the order of their date column, undated first (stable: rows of one date keep their order).
void SortByDate(std::vector<const Row*>& rows);

//! Today's date (UTC): by default the limit after which a date counts as in the future.
Day Today();

}  // namespace prrt::registry
