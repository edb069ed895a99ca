#include "prrt/registry/store.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "prrt/common/dates.h"
#include "prrt/common/output_file.h"
#include "prrt/common/parallel.h"
#include "prrt/common/utf8.h"
#include "registry/problem_text.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

namespace prrt::registry {

namespace {

// A registry file prrt makes (a new registry, a backup) holds patient data: readable and writable by its
// owner alone, where SQLite's own files are made readable by every user of the machine (0644 less the umask).
// SQLite gives the -wal and -shm files the mode of the registry's. Made empty here, as SQLite then takes it;
// a file that exists, or one that cannot be made, is left to SQLite, whose message says what is wrong.
void MakeOwnerOnlyFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR);
  if (fd >= 0) ::close(fd);
}

// Table names are the interchange file names without ".csv"; every format column is a TEXT column holding the
// text as imported; free-text x_ columns go into `extra` as escaped "name<TAB>value" lines; row_id keeps the
// order rows were first stored in.
std::string TableOf(const std::string& file) {
  return file.substr(0, file.size() - 4);
}

std::string Quote(const std::string& identifier) {
  return "\"" + identifier + "\"";
}

// The key columns of `file` (InterchangeKey), quoted and separated by commas.
std::string KeyColumnsSql(const std::string& file) {
  std::string sql;
  for (const std::string& c : InterchangeKey(file))
    sql += (sql.empty() ? "" : ", ") + Quote(c);
  return sql;
}

// Schema version 5: a change made with SQL outside prrt (sqlite3, say) goes into the audit trail as well, by
// triggers, under the user AuditEntry::kOutsideUser, entry for entry as prrt audits its own: an insert by its
// key, an update by each column changed (under the former key), a delete by each value beside the key's.
// Free-text x_ columns are audited together as the column `extra`; a user's password hash as "(set)", never
// itself. prrt's own connections run with triggers off (Store::Open): its writes audit themselves, with their
// user. (A later version that adds a column adds its triggers again.)
std::string OutsideChangeTriggers() {
  const std::string entry = fmt::format(
      "INSERT INTO audit (time, user, action, table_name, row_key, column_name, old_value, new_value) "
      "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), '{}', ",
      AuditEntry::kOutsideUser);
  // One entry of `action` on `table`'s row `key` for `column` (none: NULL), WHERE `when` (none: always).
  auto add = [&](const std::string& action, const std::string& table, const std::string& key,
                 const std::string& column, const std::string& old_value, const std::string& new_value,
                 const std::string& when) {
    return fmt::format("{}'{}', '{}', {}, {}, {}, {}{};\n", entry, action, table, key,
                       column.empty() ? "NULL" : "'" + column + "'", old_value, new_value,
                       when.empty() ? "" : " WHERE " + when);
  };
  // The trigger "outside_<action>_<table>", running `body` after each row's insert, update or delete.
  auto trigger = [](const std::string& action, const std::string& table, const std::string& body) {
    std::string event = action;
    std::transform(event.begin(), event.end(), event.begin(),
                   [](unsigned char c) { return std::toupper(c); });
    return fmt::format("CREATE TRIGGER {} AFTER {} ON {} BEGIN\n{}END;\n",
                       Quote("outside_" + action + "_" + table), event, Quote(table), body);
  };
  std::string sql;
  for (const std::string& file : InterchangeFiles()) {
    const std::string table = TableOf(file);
    const std::vector<std::string>& key_columns = InterchangeKey(file);
    auto key_of = [&](const std::string& row) {
      std::string key;
      for (const std::string& c : key_columns)
        key += (key.empty() ? "" : " || '|' || ") + fmt::format("coalesce({}.{}, '')", row, Quote(c));
      return key;
    };
    std::vector<std::string> columns = InterchangeColumns(file), values;
    columns.push_back("extra");
    for (const std::string& c : columns)
      if (std::find(key_columns.begin(), key_columns.end(), c) == key_columns.end()) values.push_back(c);
    std::string updated, deleted, all_null;
    for (const std::string& c : columns) {
      const std::string old_value = "OLD." + Quote(c), new_value = "NEW." + Quote(c);
      updated +=
          add("update", table, key_of("OLD"), c, old_value, new_value, old_value + " IS NOT " + new_value);
    }
    for (const std::string& c : values) {
      const std::string old_value = "OLD." + Quote(c);
      // `extra` is '' when the row has no free text: nothing to keep.
      const std::string held = c == "extra" ? old_value + " <> ''" : old_value + " IS NOT NULL";
      deleted += add("delete", table, key_of("OLD"), c, old_value, "NULL", held);
      all_null += (all_null.empty() ? "NOT (" : " OR ") + held;
    }
    deleted += add("delete", table, key_of("OLD"), "", "NULL", "NULL", all_null + ")");
    sql += trigger("insert", table, add("insert", table, key_of("NEW"), "", "NULL", "NULL", ""));
    sql += trigger("update", table, updated);
    sql += trigger("delete", table, deleted);
  }
  // The users: their name is the key; a role set, changed or taken away, a password set.
  const std::string new_name = "coalesce(NEW.name, '')", old_name = "coalesce(OLD.name, '')";
  sql += trigger("insert", "users",
                 add("insert", "users", new_name, "role", "NULL", "NEW.role", "") +
                     add("insert", "users", new_name, "password_hash", "NULL", "'(set)'", ""));
  sql += trigger(
      "update", "users",
      add("update", "users", old_name, "name", "OLD.name", "NEW.name", "OLD.name IS NOT NEW.name") +
          add("update", "users", old_name, "role", "OLD.role", "NEW.role", "OLD.role IS NOT NEW.role") +
          add("update", "users", old_name, "password_hash", "NULL", "'(set)'",
              "OLD.password_hash IS NOT NEW.password_hash"));
  sql += trigger("delete", "users", add("delete", "users", old_name, "role", "OLD.role", "NULL", ""));
  return sql;
}

// The schema, one migration per version; PRAGMA user_version holds the version reached.
std::vector<std::string> Migrations() {
  std::string v1;
  for (const std::string& file : InterchangeFiles()) {
    const std::string table = TableOf(file);
    v1 += fmt::format("CREATE TABLE {} (row_id INTEGER PRIMARY KEY, ", Quote(table));
    for (const std::string& column : InterchangeColumns(file))
      v1 += Quote(column) + " TEXT, ";
    v1 += "extra TEXT NOT NULL DEFAULT ''";
    if (file == "patients.csv") {
      v1 += ", UNIQUE (patient_id)";
    } else {
      v1 += ", FOREIGN KEY (patient_id) REFERENCES patients (patient_id)";
      v1 += fmt::format(", UNIQUE ({})", KeyColumnsSql(file));
    }
    v1 += ");\n";
  }
  v1 +=
      "CREATE TABLE audit (audit_id INTEGER PRIMARY KEY, time TEXT NOT NULL, user TEXT NOT NULL, action TEXT "
      "NOT "
      "NULL, table_name TEXT NOT NULL, row_key TEXT NOT NULL, column_name TEXT, old_value TEXT, new_value "
      "TEXT);\n"
      "CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit "
      "trail "
      "is append-only'); END;\n"
      "CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit "
      "trail "
      "is append-only'); END;\n";
  // Version 2: the people who may use the registry through `prrt serve` (passwords as libsodium Argon2id
  // strings, never in clear).
  const std::string v2 =
      "CREATE TABLE users (name TEXT PRIMARY KEY, role TEXT NOT NULL CHECK (role IN ('viewer', 'clinician', "
      "'admin')), password_hash TEXT NOT NULL, created TEXT NOT NULL, updated TEXT NOT NULL);\n";
  // Version 3: a patient's audit trail (`prrt audit --patient`, the server's patient page) found by key
  // rather than by reading the whole trail (0.7 s at 100,000 patients).
  const std::string v3 = "CREATE INDEX audit_by_row_key ON audit (row_key);\n";
  // Version 4: the renames of patients (Store::RenamePatient), by the id given, for a patient's trail under
  // their former ids.
  const std::string v4 =
      "CREATE INDEX audit_patient_renames ON audit (new_value, audit_id) WHERE table_name = 'patients' AND "
      "column_name = 'patient_id';\n";
  return {v1, v2, v3, v4, OutsideChangeTriggers()};
}

class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql) {
    status_ = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  bool ok() const { return status_ == SQLITE_OK; }
  sqlite3_stmt* get() { return stmt_; }
  void Bind(int index, const std::optional<std::string>& value) {
    if (value) {
      sqlite3_bind_text(stmt_, index, value->c_str(), static_cast<int>(value->size()), SQLITE_TRANSIENT);
    } else {
      sqlite3_bind_null(stmt_, index);
    }
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int status_ = SQLITE_ERROR;
};

// A column's text, whole: a NUL stored with SQL outside prrt stays in the value (for the checks to refuse)
// rather than cutting it short there. NULL: none.
std::optional<std::string_view> ColumnText(sqlite3_stmt* st, int column) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st, column));
  if (text == nullptr) return std::nullopt;
  return std::string_view(text, static_cast<size_t>(sqlite3_column_bytes(st, column)));
}

// The same, NULL read as empty text (columns that are NOT NULL, and keys whose NULL prrt reads as '').
std::string ColumnString(sqlite3_stmt* st, int column) {
  return std::string(ColumnText(st, column).value_or(std::string_view()));
}

std::string Now() {
  const auto now = std::chrono::system_clock::now();
  const int64_t seconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const int64_t s = seconds % 86400;
  return fmt::format("{}T{:02d}:{:02d}:{:02d}Z", FormatDate(seconds / 86400), s / 3600, s / 60 % 60, s % 60);
}

// Appends the entries of one change to the audit trail, all with the change's time and user.
class AuditLog {
 public:
  AuditLog(sqlite3* db, std::string user)
      : insert_(db,
                "INSERT INTO audit (time, user, action, table_name, row_key, column_name, old_value, "
                "new_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
        time_(Now()),
        user_(std::move(user)) {}
  //! False when the entry could not be written.
  bool Add(const char* action, const std::string& table, const std::string& key,
           const std::optional<std::string>& column = std::nullopt,
           const std::optional<std::string>& old_value = std::nullopt,
           const std::optional<std::string>& new_value = std::nullopt) {
    sqlite3_reset(insert_.get());
    insert_.Bind(1, time_);
    insert_.Bind(2, user_);
    insert_.Bind(3, std::string(action));
    insert_.Bind(4, table);
    insert_.Bind(5, key);
    insert_.Bind(6, column);
    insert_.Bind(7, old_value);
    insert_.Bind(8, new_value);
    ++entries_;
    return insert_.ok() && sqlite3_step(insert_.get()) == SQLITE_DONE;
  }
  int64_t entries() const { return entries_; }
  const std::string& time() const { return time_; }

 private:
  Statement insert_;
  std::string time_, user_;
  int64_t entries_ = 0;
};

// x_ columns of a row, as stored in `extra`: name, tab, value, with tabs, newlines and backslashes escaped.
std::string Escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\t')
      out += "\\t";
    else if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else
      out += c;
  }
  return out;
}
std::string Unescape(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      const char c = text[++i];
      out += c == 't' ? '\t' : c == 'n' ? '\n' : c == 'r' ? '\r' : c;
    } else {
      out += text[i];
    }
  }
  return out;
}
std::string ExtraOf(const Row& row) {
  std::string extra;
  for (const auto& [column, value] : row.values) {
    if (IsFreeTextColumn(column)) extra += Escape(column) + "\t" + Escape(value) + "\n";
  }
  return extra;
}
void AddExtra(const std::string& extra, Row& row) {
  size_t start = 0;
  while (start < extra.size()) {
    // The last line may lack its newline: a registry written before NUL was refused holds a value cut at it.
    const size_t end = std::min(extra.find('\n', start), extra.size());
    const std::string line = extra.substr(start, end - start);
    const size_t tab = line.find('\t');
    if (tab != std::string::npos) row.values[Unescape(line.substr(0, tab))] = Unescape(line.substr(tab + 1));
    start = end + 1;
  }
}

}  // namespace

struct Store::Impl {
  sqlite3* db = nullptr;
  std::string path;
  ~Impl() {
    if (db != nullptr) sqlite3_close(db);
  }
  Status Exec(const std::string& sql) {
    char* error = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      std::string message = error ? error : "unknown error";
      sqlite3_free(error);
      const bool busy = sqlite3_errcode(db) == SQLITE_BUSY || sqlite3_errcode(db) == SQLITE_LOCKED;
      return busy ? Unavailable("database busy: another process is writing to it; try again")
                  : FailedPrecondition("database error: " + message);
    }
    return Status();
  }
  Status Error(const std::string& what) const { return FailedPrecondition(what + ": " + sqlite3_errmsg(db)); }
};

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;
Store::~Store() = default;

Result<Store> Store::Open(const std::string& path, int busy_ms) {
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  MakeOwnerOnlyFile(path);
  // No mutex of SQLite's own per call: a Store is used by one thread at a time (see store.h), and reading a
  // registry took a lock on every column of every row (an eighth of `prrt eligibility`).
  if (sqlite3_open_v2(path.c_str(), &impl->db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    return IoError(
        fmt::format("{}: cannot open the registry: {}", path, impl->db ? sqlite3_errmsg(impl->db) : ""));
  }
  sqlite3_busy_timeout(impl->db, busy_ms);
  // prrt audits its own writes, with their user: the triggers that audit changes made outside prrt (schema
  // version 5) must not audit them again (nor cost a look per row written).
  if (sqlite3_db_config(impl->db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, nullptr) != SQLITE_OK)
    return IoError(fmt::format("{}: cannot turn SQLite's triggers off: {}", path, sqlite3_errmsg(impl->db)));
  // A 128 MB page cache: imports and whole-registry reads touch every page. Reads through a memory map of up
  // to 64 GB (address space, not memory): a read of every patient otherwise spends a fifth of its time in
  // pread system calls.
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA foreign_keys=ON", "PRAGMA cache_size=-131072",
                             "PRAGMA mmap_size=68719476736"}) {
    Status s = impl->Exec(pragma);
    if (!s.ok()) return IoError(fmt::format("{}: {}", path, s.message()));
  }
  Store store(std::move(impl));
  const std::vector<std::string> migrations = Migrations();
  const int latest = static_cast<int>(migrations.size());
  auto too_new = [&](int version) {
    return FailedPrecondition(fmt::format(
        "{}: schema version {} is newer than this prrt ({}); use a newer prrt", path, version, latest));
  };
  if (int version = store.SchemaVersion(); version > latest) return too_new(version);
  // Migrate under the write lock, reading the version again inside it: another process opening the same new
  // file at the same moment may have migrated it already.
  while (store.SchemaVersion() < latest) {
    Status begin = store.impl_->Exec("BEGIN IMMEDIATE");
    if (!begin.ok()) return FailedPrecondition(fmt::format("{}: {}", path, begin.message()));
    const int version = store.SchemaVersion();
    if (version >= latest) {
      store.impl_->Exec("COMMIT");
      break;
    }
    Status s = store.impl_->Exec(migrations[version] +
                                 fmt::format("PRAGMA user_version = {}; COMMIT;", version + 1));
    if (!s.ok()) {
      store.impl_->Exec("ROLLBACK");
      return FailedPrecondition(
          fmt::format("{}: migrating to schema version {}: {}", path, version + 1, s.message()));
    }
  }
  return store;
}

int Store::SchemaVersion() const {
  Statement st(impl_->db, "PRAGMA user_version");
  return st.ok() && sqlite3_step(st.get()) == SQLITE_ROW ? sqlite3_column_int(st.get(), 0) : 0;
}

namespace {

// Reads the rows of one table in the order of `order_by`, `where` (optional) binding `patient` to "?".
class TableCursor {
 public:
  TableCursor(sqlite3* db, const std::string& file, const std::string& where, const std::string& order_by,
              const std::vector<std::string>& binds = {})
      : file_(Intern(file + " (recorded)")),
        columns_(InterchangeColumns(file)),
        by_name_(columns_.size()),
        id_column_(
            static_cast<int>(std::find(columns_.begin(), columns_.end(), "patient_id") - columns_.begin())) {
    // Values go into the row's flat map in name order, each at its end.
    for (size_t c = 0; c < by_name_.size(); ++c)
      by_name_[c] = c;
    std::sort(by_name_.begin(), by_name_.end(),
              [&](size_t a, size_t b) { return columns_[a] < columns_[b]; });
    std::string sql = "SELECT ";
    for (const std::string& c : columns_)
      sql += Quote(c) + ", ";
    sql += "extra FROM " + Quote(TableOf(file)) + where + " ORDER BY " + order_by;
    statement_ = std::make_unique<Statement>(db, sql);
    for (size_t i = 0; i < binds.size() && statement_->ok(); ++i)
      statement_->Bind(static_cast<int>(i + 1), binds[i]);
    Step();
  }
  bool ok() const { return statement_->ok(); }
  bool done() const { return done_; }
  // The current row's patient_id; empty for NULL too (changed outside prrt: SQLite orders NULL first, then
  // the empty text, so both are the least).
  std::string_view patient_id() const { return id_; }
  // The current row's patient_id as SQLite orders it: a blob (stored with SQL outside prrt, say from bytes
  // in a script) after every text.
  std::pair<bool, std::string_view> id_order() const { return {id_blob_.has_value(), patient_id()}; }
  // A blob's bytes as hexadecimal digits; none for text.
  const std::optional<std::string>& id_blob() const { return id_blob_; }
  // The current row, then the next.
  Row Take() {
    Row row = std::move(current_);
    Step();
    return row;
  }

 private:
  void Step() {
    sqlite3_stmt* st = statement_->get();
    if (!statement_->ok() || sqlite3_step(st) != SQLITE_ROW) {
      done_ = true;
      return;
    }
    current_ = Row{file_, 0, {}};
    id_blob_.reset();
    if (sqlite3_column_type(st, id_column_) == SQLITE_BLOB) {
      const auto* bytes = static_cast<const unsigned char*>(sqlite3_column_blob(st, id_column_));
      id_blob_.emplace();
      for (int i = 0; i < sqlite3_column_bytes(st, id_column_); ++i)
        *id_blob_ += fmt::format("{:02X}", bytes[i]);
    }
    // In name order already: taken as the map's sequence, without comparing names.
    RowValues::sequence_type values;
    values.reserve(columns_.size());
    for (size_t c : by_name_) {
      if (std::optional<std::string_view> text = ColumnText(st, static_cast<int>(c)))
        values.emplace_back(columns_[c], *text);
    }
    current_.values.adopt_sequence(boost::container::ordered_unique_range, std::move(values));
    AddExtra(ColumnString(st, static_cast<int>(columns_.size())), current_);
    // Looked up once a row (the merge compares it several times), once its values are in place.
    const std::string* id = current_.get("patient_id");
    id_ = id == nullptr ? std::string_view() : std::string_view(*id);
  }
  const std::string* file_;
  std::vector<std::string> columns_;
  std::vector<size_t> by_name_;
  int id_column_;
  std::string_view id_;  // in current_
  std::optional<std::string> id_blob_;
  std::unique_ptr<Statement> statement_;
  Row current_;
  bool done_ = false;
};

}  // namespace

Result<Interchange> Store::Load() const {
  Interchange data;
  for (const std::string& file : InterchangeFiles()) {
    TableCursor cursor(impl_->db, file, "", "row_id");
    if (!cursor.ok()) return impl_->Error("reading " + TableOf(file));
    std::vector<Row>& rows = data.files[file];
    while (!cursor.done())
      rows.push_back(cursor.Take());
  }
  return data;
}

namespace {

// The patients whose patient_id is in [from, to) (either end open when absent), as SQL and its parameters;
// with `null_first`, a range open below also has the rows whose patient_id is NULL (changed outside prrt:
// SQLite orders them first, and the check names them).
std::pair<std::string, std::vector<std::string>> RangeWhere(const PatientRange& range, bool null_first) {
  std::string where;
  std::vector<std::string> binds;
  if (range.from) {
    where = " WHERE patient_id >= ?";
    binds.push_back(*range.from);
  }
  if (range.to) {
    where += where.empty()
                 ? (null_first ? " WHERE (patient_id IS NULL OR patient_id < ?)" : " WHERE patient_id < ?")
                 : " AND patient_id < ?";
    binds.push_back(*range.to);
  }
  return {where, binds};
}

// Whether a table has a row whose patient_id meets `condition` (NULL, a blob: changed outside prrt), `id`
// bound to its "?"; found through its key's index.
bool AnyRowWhose(sqlite3* db, const std::string& condition,
                 const std::optional<std::string>& id = std::nullopt) {
  for (const std::string& file : InterchangeFiles()) {
    Statement st(db,
                 fmt::format("SELECT EXISTS (SELECT 1 FROM {} WHERE {})", Quote(TableOf(file)), condition));
    if (id) st.Bind(1, id);
    if (st.ok() && sqlite3_step(st.get()) == SQLITE_ROW && sqlite3_column_int(st.get(), 0) != 0) return true;
  }
  return false;
}

}  // namespace

Status Store::ForEachPatient(
    const std::function<Status(const std::string& patient_id, const Interchange& rows)>& visit,
    const std::optional<std::string>& patient_id,
    const std::function<Status(const std::string& patient_id, const Interchange& rows,
                               const std::vector<std::string>& problems)>& to_correct) const {
  // No id (empty) is also the rows whose patient_id is NULL, as a walk over all groups them; an id is also
  // its bytes as a blob, named by the check.
  if (patient_id) {
    const std::string id_is = " patient_id IN (?, CAST(? AS BLOB))";
    return Walk(patient_id->empty() ? " WHERE (" + id_is + " OR patient_id IS NULL)" : " WHERE" + id_is,
                {*patient_id, *patient_id}, WalkOf::kOnePatient, visit, to_correct);
  }
  return Walk("", {}, WalkOf::kManyPatients, visit, to_correct);
}

Result<std::optional<Interchange>> Store::PatientRows(const std::string& patient_id) const {
  std::optional<Interchange> rows;
  auto take = [&rows](const std::string&, const Interchange& r) {
    rows = r;
    return Status();
  };
  std::vector<std::string> problems;
  Status read =
      ForEachPatient(take, patient_id,
                     [&](const std::string& id, const Interchange& r, const std::vector<std::string>& found) {
                       problems = found;
                       return take(id, r);
                     });
  if (!read.ok()) return read;
  // A write stores text: rows whose patient_id is a blob are corrected with SQL.
  if (rows && AnyRowWhose(impl_->db, "patient_id = CAST(? AS BLOB)", patient_id)) {
    return FailedPrecondition(fmt::format("{}: patient '{}' has rows a write cannot correct:\n{}",
                                          impl_->path, ShowUtf8(patient_id), fmt::join(problems, "\n")));
  }
  return rows;
}

Status Store::ForEachPatientIn(
    const PatientRange& range,
    const std::function<Status(const std::string& patient_id, const Interchange& rows)>& visit) const {
  // A NULL patient_id is rare (the scan that reads it is slower than the search by range): looked for first.
  const auto [where, binds] =
      RangeWhere(range, !range.from && range.to && AnyRowWhose(impl_->db, "patient_id IS NULL"));
  return Walk(where, binds, WalkOf::kManyPatients, visit);
}

Status Store::Walk(const std::string& where, const std::vector<std::string>& binds, WalkOf walk_of,
                   const std::function<Status(const std::string& patient_id, const Interchange& rows)>& visit,
                   const std::function<Status(const std::string& patient_id, const Interchange& rows,
                                              const std::vector<std::string>& problems)>& to_correct) const {
  // Every table in patient_id order (its unique key starts with patient_id, so SQLite walks that index),
  // merged patient by patient. Rows as stored would have SQLite sort each patient's rows (a tenth to a
  // quarter more time for a walk over a million patients).
  std::vector<std::pair<std::string, std::unique_ptr<TableCursor>>> cursors;
  for (const std::string& file : InterchangeFiles()) {
    const std::string order_by = walk_of == WalkOf::kOnePatient ? "patient_id, row_id" : KeyColumnsSql(file);
    cursors.emplace_back(file, std::make_unique<TableCursor>(impl_->db, file, where, order_by, binds));
    if (!cursors.back().second->ok()) return impl_->Error("reading " + TableOf(file));
  }
  // The rows of the least patient_id among the tables' next rows, table by table. That is a patient's, or
  // that of rows whose patient is not registered or that have none (changed with SQL outside prrt, whose
  // shell does not enforce foreign keys), which the check then names: such rows, left waiting, kept every
  // later patient's rows of their table from being read.
  // Rows whose patient_id is a blob (stored with SQL outside prrt, say as bytes from a script) are named as
  // such; in a walk over many patients they come after every text, as a group of their own.
  Interchange one;
  for (;;) {
    std::optional<std::pair<bool, std::string_view>> least;
    for (const auto& [file, cursor] : cursors) {
      if (!cursor->done() && (!least || cursor->id_order() < *least)) least = cursor->id_order();
    }
    if (!least) break;
    const std::string id(least->second);  // a copy: the row it is in moves
    const std::pair<bool, std::string_view> group(least->first, id);
    auto in_group = [&](const TableCursor& cursor) {
      return walk_of == WalkOf::kOnePatient ? cursor.patient_id() == id : cursor.id_order() == group;
    };
    Problems problems;
    for (auto& [file, cursor] : cursors) {
      std::vector<Row>& rows = one.files[file];
      rows.clear();
      size_t blobs = 0;
      std::string blob;
      while (!cursor->done() && in_group(*cursor)) {
        if (cursor->id_blob()) {
          ++blobs;
          blob = *cursor->id_blob();
        }
        rows.push_back(cursor->Take());
      }
      if (blobs > 0) {
        problems.Add(detail::FoundProblem(
            file + " (recorded)", "patient_id", id,
            fmt::format(
                "text (`UPDATE {} SET patient_id = CAST(patient_id AS TEXT) WHERE typeof(patient_id) = "
                "'blob'` makes it text)",
                TableOf(file)),
            fmt::format(" stored as a blob (X'{}') in {} {}", blob, blobs, blobs == 1 ? "row" : "rows")));
      }
    }
    // What derives endpoints and plans relies on the checks an import makes; a change made with SQL outside
    // prrt may have broken them.
    if (Status checked = problems.empty() ? CheckRecorded(one, problems) : ProblemsStatus(problems);
        !checked.ok()) {
      if (to_correct) {
        if (Status s = to_correct(id, one, problems.messages); !s.ok()) return s;
        continue;
      }
      return FailedPrecondition(fmt::format(
          "{}: {} prrt would not import (changed outside prrt? `prrt audit --patient` says; `prrt validate "
          "--db` lists every such patient):\n{}",
          impl_->path,
          id.empty() ? "there are rows without a patient_id, which"
                     : fmt::format("patient '{}' has rows", ShowUtf8(id)),
          checked.message()));
    }
    if (Status s = visit(id, one); !s.ok()) return s;
  }
  return Status();
}

Status Store::ForEachPatientInParallel(
    const std::string& path, int parts,
    const std::function<Status(const PatientPart& part, const std::string& patient_id,
                               const Interchange& rows)>& visit) {
  // One connection a part, each in a read transaction. Their snapshots must be the same registry: every
  // change adds to the audit trail, so equal last audit ids mean equal contents (else a write came between
  // the openings; try again).
  parts = std::max(parts, 1);
  std::vector<Store> stores;
  for (int attempt = 0;; ++attempt) {
    stores.clear();
    std::optional<int64_t> last_audit;
    bool same = true;
    for (int k = 0; k < parts; ++k) {
      Result<Store> store = Open(path);
      if (!store.ok()) return store.status();
      if (Status begin = store->impl_->Exec("BEGIN"); !begin.ok()) return begin;
      Result<int64_t> id = store->LastAuditId();
      if (!id.ok()) return id.status();
      same = same && (!last_audit || *last_audit == *id);
      last_audit = *id;
      stores.push_back(std::move(*store));
    }
    if (same) break;
    if (attempt == 3)
      return FailedPrecondition(path + ": the registry kept changing while it was being opened");
  }
  // The parts: about equal numbers of patients, split at the patient_ids found by counting.
  Result<int64_t> count = stores.front().PatientCount();
  if (!count.ok()) return count.status();
  std::vector<PatientPart> ranges(static_cast<size_t>(parts));
  for (int k = 0; k < parts; ++k) {
    PatientPart& part = ranges[static_cast<size_t>(k)];
    part.number = k;
    part.first_index = *count * k / parts;
    part.patients = *count * (k + 1) / parts - part.first_index;
    part.registry_patients = *count;
    if (k == 0) continue;
    Statement at(stores.front().impl_->db,
                 "SELECT patient_id FROM patients ORDER BY patient_id LIMIT 1 OFFSET ?");
    sqlite3_bind_int64(at.get(), 1, part.first_index);
    if (!at.ok()) return stores.front().impl_->Error("splitting the patients");
    if (sqlite3_step(at.get()) == SQLITE_ROW) {
      part.range.from = ColumnString(at.get(), 0);
      ranges[static_cast<size_t>(k - 1)].range.to = part.range.from;
    }
  }
  // The parts on the machine's cores; the first failure (in part order) is returned, and stops the other
  // parts.
  std::atomic<bool> failed{false};
  std::vector<Status> results(ranges.size());
  auto run = [&](size_t k) {
    // The first part is walked even without patients: rows of no registered patient below the first
    // boundary are its (with no patient at all, every row), and the check must name them. A later part
    // without patients has an empty range, or none when the registry has no patients (it would walk all).
    if (ranges[k].patients == 0 && k > 0) return;
    bool stopped = false;
    Status s =
        stores[k].ForEachPatientIn(ranges[k].range, [&](const std::string& id, const Interchange& rows) {
          if (failed) {
            stopped = true;
            return FailedPrecondition("stopped");
          }
          Status visited = visit(ranges[k], id, rows);
          if (!visited.ok()) failed = true;
          return visited;
        });
    if (!stopped) results[k] = std::move(s);
  };
  ParallelFor(ranges.size(), run);
  for (const Status& s : results)
    if (!s.ok()) return s;
  return Status();
}

Result<int64_t> Store::PatientCount() const {
  Statement st(impl_->db, "SELECT count(*) FROM patients");
  if (!st.ok() || sqlite3_step(st.get()) != SQLITE_ROW) return impl_->Error("counting the patients");
  return static_cast<int64_t>(sqlite3_column_int64(st.get(), 0));
}

Result<bool> Store::HasPatient(const std::string& patient_id) const {
  Statement st(impl_->db, "SELECT EXISTS (SELECT 1 FROM patients WHERE patient_id = ?)");
  if (!st.ok()) return impl_->Error("reading the patients");
  st.Bind(1, patient_id);
  if (sqlite3_step(st.get()) != SQLITE_ROW) return impl_->Error("reading the patients");
  return sqlite3_column_int(st.get(), 0) != 0;
}

Status Store::Backup(const std::string& path) const {
  std::error_code error;
  const bool exists = std::filesystem::exists(path, error);
  if (error) return IoError(fmt::format("{}: {}", path, error.message()));
  if (exists)
    return AlreadyExists(fmt::format("{}: the file exists; a backup is written to a new file", path));
  Statement vacuum(impl_->db, "VACUUM INTO ?");
  if (!vacuum.ok()) return impl_->Error("backup");
  MakeOwnerOnlyFile(path);  // VACUUM INTO writes into an empty file as into none
  vacuum.Bind(1, path);
  if (sqlite3_step(vacuum.get()) != SQLITE_DONE) {
    Status failed = impl_->Error(fmt::format("writing the backup {}", path));
    std::filesystem::remove(path, error);  // what was written of it
    return failed;
  }
  return Status();
}

Result<int64_t> Store::DataVersion() const {
  Statement st(impl_->db, "PRAGMA data_version");
  if (!st.ok() || sqlite3_step(st.get()) != SQLITE_ROW) return impl_->Error("reading the data version");
  return static_cast<int64_t>(sqlite3_column_int64(st.get(), 0));
}

Result<int64_t> Store::AuditCount() const {
  Statement st(impl_->db, "SELECT count(*) FROM audit");
  if (!st.ok() || sqlite3_step(st.get()) != SQLITE_ROW) return impl_->Error("reading the audit trail");
  return static_cast<int64_t>(sqlite3_column_int64(st.get(), 0));
}

Result<int64_t> Store::LastAuditId() const {
  Statement st(impl_->db, "SELECT coalesce(max(audit_id), 0) FROM audit");
  if (!st.ok() || sqlite3_step(st.get()) != SQLITE_ROW) return impl_->Error("reading the audit trail");
  return static_cast<int64_t>(sqlite3_column_int64(st.get(), 0));
}

Result<AuditedChanges> Store::PatientsChangedAfter(int64_t after_audit_id, size_t most) const {
  Statement st(impl_->db,
               "SELECT audit_id, table_name, row_key, column_name, old_value, new_value FROM audit WHERE "
               "audit_id > ? ORDER BY audit_id");
  if (!st.ok()) return impl_->Error("reading the audit trail");
  sqlite3_bind_int64(st.get(), 1, after_audit_id);
  AuditedChanges changes;
  changes.last_audit_id = after_audit_id;
  std::set<std::string> ids;
  auto text = [&](int column) { return ColumnString(st.get(), column); };
  int step;
  while ((step = sqlite3_step(st.get())) == SQLITE_ROW) {
    changes.last_audit_id = sqlite3_column_int64(st.get(), 0);
    const std::string table = text(1), key = text(2);
    if (table == "users") continue;
    // A table this version does not know (a later version's): whose rows changed cannot be said.
    const std::vector<std::string>& files = InterchangeFiles();
    if (std::find(files.begin(), files.end(), table + ".csv") == files.end()) return changes;
    // A row's key is its k key columns joined by '|', patient_id first: the id ends at a '|' followed by
    // k - 2 more or, for a key of one column (patients.csv's), is the key.
    const size_t key_columns = InterchangeKey(table + ".csv").size();
    if (key_columns == 1) {
      ids.insert(key);
    } else {
      std::vector<size_t> bars;
      for (size_t bar = key.find('|'); bar != std::string::npos; bar = key.find('|', bar + 1))
        bars.push_back(bar);
      for (size_t b = 0; b + key_columns - 2 < bars.size(); ++b)
        ids.insert(key.substr(0, bars[b]));
    }
    if (text(3) == "patient_id") ids.insert({text(4), text(5)});  // a rename
    if (ids.size() > most) return changes;
  }
  if (step != SQLITE_DONE) return impl_->Error("reading the audit trail");
  changes.patient_ids = std::move(ids);
  return changes;
}

Status Store::ForEachAuditEntry(const AuditQuery& query,
                                const std::function<Status(const AuditEntry&)>& visit) const {
  // A patient's rows have keys "id" (patients) or "id|..." (the rest): a range, so that the index on
  // row_key serves it, rather than LIKE (an id may hold % or _). A patient renamed (RenamePatient) had their
  // former id's keys until the rename's entry of their patients.csv row; an id renamed away and given to
  // another patient later is that patient's after the rename. So the patient's trail is a segment of
  // (after, until] audit ids for each id they had, found back from the id they have now, rename by rename.
  struct Segment {
    std::string id;
    std::optional<int64_t> after, until;
  };
  std::vector<Segment> segments;
  if (query.patient_id) {
    constexpr const char* kRename = "table_name = 'patients' AND column_name = 'patient_id'";
    Statement renamed_away(impl_->db, fmt::format("SELECT max(audit_id) FROM audit WHERE row_key = ? AND {} "
                                                  "AND audit_id < ?",
                                                  kRename));
    Statement renamed_into(impl_->db,
                           fmt::format("SELECT old_value, audit_id FROM audit WHERE {} AND new_value = ? AND "
                                       "audit_id > ? AND audit_id < ? ORDER BY audit_id DESC LIMIT 1",
                                       kRename));
    if (!renamed_away.ok() || !renamed_into.ok()) return impl_->Error("reading the audit trail");
    constexpr int64_t kEnd = std::numeric_limits<int64_t>::max();
    // The last time `id` was renamed away before `until`: where the segment of its later holder begins.
    auto last_renamed_away = [&](const std::string& id, std::optional<int64_t> until) {
      sqlite3_reset(renamed_away.get());
      renamed_away.Bind(1, id);
      sqlite3_bind_int64(renamed_away.get(), 2, until.value_or(kEnd));
      std::optional<int64_t> at;
      if (sqlite3_step(renamed_away.get()) == SQLITE_ROW &&
          sqlite3_column_type(renamed_away.get(), 0) != SQLITE_NULL)
        at = sqlite3_column_int64(renamed_away.get(), 0);
      return at;
    };
    // An id no patient has now is read whole (a patient removed, or renamed away).
    Result<bool> registered = HasPatient(*query.patient_id);
    if (!registered.ok()) return registered.status();
    segments.push_back({*query.patient_id,
                        *registered ? last_renamed_away(*query.patient_id, std::nullopt) : std::nullopt,
                        std::nullopt});
    for (;;) {
      const Segment& last = segments.back();
      sqlite3_reset(renamed_into.get());
      renamed_into.Bind(1, last.id);
      sqlite3_bind_int64(renamed_into.get(), 2, last.after.value_or(0));
      sqlite3_bind_int64(renamed_into.get(), 3, last.until.value_or(kEnd));
      const int step = sqlite3_step(renamed_into.get());
      if (step == SQLITE_DONE) break;
      if (step != SQLITE_ROW) return impl_->Error("reading the audit trail");
      const std::string former = ColumnString(renamed_into.get(), 0);
      const int64_t at = sqlite3_column_int64(renamed_into.get(), 1);
      segments.push_back({former, last_renamed_away(former, at), at});
    }
  }
  std::string sql =
      "SELECT audit_id, time, user, action, table_name, row_key, column_name, old_value, new_value FROM "
      "audit "
      "WHERE 1";
  std::vector<std::optional<std::string>> binds;
  if (!segments.empty()) {
    // (No "0 OR ..." to start the list: SQLite would then read the whole trail rather than the index.)
    sql += " AND table_name <> 'users' AND (";
    for (const Segment& segment : segments) {
      sql += &segment == &segments.front() ? "(" : " OR (";
      sql += "(row_key = ? OR (row_key >= ? AND row_key < ?))";
      if (segment.after) sql += fmt::format(" AND audit_id > {}", *segment.after);
      if (segment.until) sql += fmt::format(" AND audit_id <= {}", *segment.until);
      sql += ")";
      binds.insert(binds.end(), {segment.id, segment.id + "|", segment.id + "}"});
    }
    sql += ")";
  }
  if (query.since) {
    sql += " AND time >= ?";
    binds.push_back(*query.since);
  }
  sql += " ORDER BY audit_id";
  Statement st(impl_->db, sql);
  if (!st.ok()) return impl_->Error("reading the audit trail");
  for (size_t i = 0; i < binds.size(); ++i)
    st.Bind(static_cast<int>(i + 1), binds[i]);
  auto text = [&](int column) -> std::optional<std::string> {
    std::optional<std::string_view> value = ColumnText(st.get(), column);
    if (!value) return std::nullopt;
    return std::string(*value);
  };
  int step;
  while ((step = sqlite3_step(st.get())) == SQLITE_ROW) {
    const AuditEntry entry{sqlite3_column_int64(st.get(), 0),
                           *text(1),
                           *text(2),
                           *text(3),
                           *text(4),
                           *text(5),
                           text(6),
                           text(7),
                           text(8)};
    if (Status visited = visit(entry); !visited.ok()) return visited;
  }
  if (step != SQLITE_DONE) return impl_->Error("reading the audit trail");
  return Status();
}

namespace {

// The patients of a folder: those of its patients.csv.
std::set<std::string> PatientsOf(const Interchange& data) {
  std::set<std::string> patients;
  if (auto it = data.files.find("patients.csv"); it != data.files.end()) {
    for (const Row& row : it->second)
      patients.insert(*row.get("patient_id"));
  }
  return patients;
}

}  // namespace

Result<ImportCounts> Store::Import(const Interchange& data, const std::string& user,
                                   const std::vector<KeyChange>& key_changes, ImportMode mode) {
  return StoreParts([&data](const PartStorer& store_part) { return store_part(data, PatientsOf(data)); },
                    user, false, key_changes, mode);
}

Result<ImportCounts> Store::ReplacePatientRows(const std::string& patient_id, const Interchange& rows,
                                               const std::string& user,
                                               const std::vector<KeyChange>& key_changes) {
  return StoreParts([&](const PartStorer& store_part) { return store_part(rows, {patient_id}); }, user, false,
                    key_changes);
}

Result<ImportCounts> Store::ImportParts(
    const std::function<Status(const std::function<Status(const Interchange&)>& store_part)>& produce,
    const std::string& user, ImportMode mode) {
  return StoreParts(
      [&produce](const PartStorer& store_part) {
        return produce([&](const Interchange& part) { return store_part(part, PatientsOf(part)); });
      },
      user, true, {}, mode);
}

Status Store::RemovePatient(const std::string& patient_id, const std::string& user) {
  return StoreParts(
             [&](const PartStorer& store_part) -> Status {
               // Looked at within the write's transaction: nothing can be recorded for them in between.
               Result<std::optional<Interchange>> read = PatientRows(patient_id);
               if (!read.ok()) return read.status();
               std::optional<Interchange>& rows = *read;
               if (!rows) return NoSuchPatient(patient_id);
               std::string recorded;
               for (const std::string& file : InterchangeFiles()) {
                 const size_t count = rows->files[file].size();
                 if (file != "patients.csv" && count > 0)
                   recorded += fmt::format("{}{} in {}", recorded.empty() ? "" : ", ", count, file);
               }
               if (!recorded.empty()) {
                 return FailedPrecondition(
                     fmt::format("patient '{}' has rows recorded ({}); only a patient with nothing recorded "
                                 "is removed: remove those rows first",
                                 ShowUtf8(patient_id), recorded));
               }
               return store_part(Interchange(), {patient_id});
             },
             user, false)
      .status();
}

Result<int64_t> Store::RenamePatient(const std::string& old_id, const std::string& new_id,
                                     const std::string& user) {
  if (new_id.empty()) return InvalidArgument("the new patient_id is empty; expected the patient's id");
  // As patients.csv's patient_id is checked on import: the registry exports what it can import again.
  const ColumnSpec& id_field = InterchangeSpec("patients.csv").columns.front();
  assert(id_field.name == "patient_id");
  std::optional<std::string> expected =
      IsUtf8Text(new_id) ? CheckValue(id_field, new_id, Today()) : std::string("UTF-8 text");
  if (expected) return InvalidArgument(fmt::format("found '{}'; expected {}", ShowUtf8(new_id), *expected));
  Status begin = impl_->Exec("BEGIN IMMEDIATE");
  if (!begin.ok()) return begin;
  auto fail = [&](Status status) -> Result<int64_t> {
    impl_->Exec("ROLLBACK");
    return status;
  };
  // Looked at within the write's transaction: nobody can take the new id in between.
  for (const auto& [id, registered_is_wrong] : {std::pair{old_id, false}, std::pair{new_id, true}}) {
    Result<bool> registered = HasPatient(id);
    if (!registered.ok()) return fail(registered.status());
    if (*registered != registered_is_wrong) continue;
    if (!registered_is_wrong) return fail(NoSuchPatient(id));
    return fail(AlreadyExists(
        id == old_id
            ? fmt::format("found '{}'; it is the patient's id now; expected the id they should have",
                          ShowUtf8(id))
            : fmt::format("found '{}'; it is the id of a patient registered already", ShowUtf8(id))));
  }
  // The rows point at their patient: the foreign keys are checked at the commit, all rows renamed.
  if (Status deferred = impl_->Exec("PRAGMA defer_foreign_keys = ON"); !deferred.ok()) return fail(deferred);
  AuditLog audit(impl_->db, user);
  std::vector<std::string> files = InterchangeFiles();
  std::stable_partition(files.begin(), files.end(), [](const std::string& f) { return f != "patients.csv"; });
  for (const std::string& file : files) {
    const std::string table = TableOf(file);
    const std::vector<std::string>& key_columns = InterchangeKey(file);
    Statement rows(impl_->db, fmt::format("SELECT {} FROM {} WHERE patient_id = ? ORDER BY row_id",
                                          KeyColumnsSql(file), Quote(table)));
    Statement rename(impl_->db,
                     fmt::format("UPDATE {} SET patient_id = ? WHERE patient_id = ?", Quote(table)));
    if (!rows.ok() || !rename.ok()) return fail(impl_->Error("renaming in " + table));
    rows.Bind(1, old_id);
    int step;
    while ((step = sqlite3_step(rows.get())) == SQLITE_ROW) {
      std::string key;
      for (size_t c = 0; c < key_columns.size(); ++c) {
        key += (c ? "|" : "") + ColumnString(rows.get(), static_cast<int>(c));
      }
      if (!audit.Add("update", table, key, std::string("patient_id"), old_id, new_id))
        return fail(impl_->Error("audit"));
    }
    if (step != SQLITE_DONE) return fail(impl_->Error("reading " + table));
    rename.Bind(1, new_id);
    rename.Bind(2, old_id);
    if (sqlite3_step(rename.get()) != SQLITE_DONE) return fail(impl_->Error("renaming in " + table));
  }
  if (Status commit = impl_->Exec("COMMIT"); !commit.ok()) return fail(commit);
  return audit.entries();
}

Result<ImportCounts> Store::StoreParts(const std::function<Status(const PartStorer& store_part)>& produce,
                                       const std::string& user, bool bulk,
                                       const std::vector<KeyChange>& key_changes, ImportMode mode) {
  // A bulk import writes through a rollback journal: in WAL mode one transaction of gigabytes makes every
  // page lookup scan the growing WAL index (a third of the time of 300,000 patients). The journal mode only
  // changes when no other connection has the file open; WAL again afterwards, whatever happened.
  if (bulk) impl_->Exec("PRAGMA journal_mode=DELETE");
  struct BackToWal {
    Impl* impl;
    bool bulk;
    ~BackToWal() {
      if (bulk) impl->Exec("PRAGMA journal_mode=WAL");
    }
  } back_to_wal{impl_.get(), bulk};
  Status begin = impl_->Exec("BEGIN IMMEDIATE");
  if (!begin.ok()) return begin;
  auto fail = [&](Status status) -> Result<ImportCounts> {
    impl_->Exec("ROLLBACK");
    return status;
  };
  // The tables empty before the import: nothing of theirs need be looked up, part after part.
  std::set<std::string> empty_tables;
  for (const std::string& file : InterchangeFiles()) {
    Statement any(impl_->db, "SELECT EXISTS (SELECT 1 FROM " + Quote(TableOf(file)) + ")");
    if (any.ok() && sqlite3_step(any.get()) == SQLITE_ROW && sqlite3_column_int(any.get(), 0) == 0)
      empty_tables.insert(file);
  }
  ImportCounts counts;
  AuditLog audit(impl_->db, user);
  auto store_part = [&](const Interchange& data, const std::set<std::string>& patients) -> Status {
    // Children are deleted before parents and written after them: patients first on the way in, last out.
    std::vector<std::string> files = InterchangeFiles();
    for (const std::string& file : files) {
      const std::string table = TableOf(file);
      const std::vector<std::string> columns = InterchangeColumns(file);
      const std::vector<std::string>& key_columns = InterchangeKey(file);
      auto key_of = [&](const RowValues& values) {
        std::string key;
        for (const std::string& c : key_columns) {
          auto it = values.find(c);
          key += (key.empty() ? "" : "|") + (it == values.end() ? std::string() : it->second);
        }
        return key;
      };
      // What is stored now for the folder's patients.
      std::unordered_map<std::string, std::pair<int64_t, RowValues>> existing;
      {
        std::string sql = "SELECT row_id, ";
        for (const std::string& c : columns)
          sql += Quote(c) + ", ";
        sql += "extra FROM " + Quote(table) + " WHERE patient_id = ?";
        Statement st(impl_->db, sql);
        const bool empty = empty_tables.count(file) > 0;
        for (const std::string& patient : empty ? std::set<std::string>() : patients) {
          sqlite3_reset(st.get());
          st.Bind(1, patient);
          while (sqlite3_step(st.get()) == SQLITE_ROW) {
            Row row;
            for (size_t c = 0; c < columns.size(); ++c) {
              if (std::optional<std::string_view> text = ColumnText(st.get(), static_cast<int>(c + 1)))
                row.values[columns[c]] = std::string(*text);
            }
            AddExtra(ColumnString(st.get(), static_cast<int>(columns.size() + 1)), row);
            existing[key_of(row.values)] = {sqlite3_column_int64(st.get(), 0), row.values};
          }
        }
      }
      // A row whose key was corrected is the stored row of its former key (unless that key is gone, or the
      // new one is another stored row's: then it is one row deleted and another inserted), audited under it.
      std::unordered_map<std::string, std::string> former_keys;  // by the new key
      for (const KeyChange& change : key_changes) {
        if (change.file != file || existing.count(key_of(change.to))) continue;
        auto stored = existing.extract(key_of(change.from));
        if (stored.empty()) continue;
        former_keys[key_of(change.to)] = stored.key();
        stored.key() = key_of(change.to);
        existing.insert(std::move(stored));
      }
      std::string insert_sql = "INSERT INTO " + Quote(table) + " (";
      for (const std::string& c : columns)
        insert_sql += Quote(c) + ", ";
      insert_sql += "extra) VALUES (?";
      for (size_t c = 0; c < columns.size(); ++c)
        insert_sql += ", ?";
      insert_sql += ")";
      Statement insert(impl_->db, insert_sql);
      std::string update_sql = "UPDATE " + Quote(table) + " SET ";
      for (const std::string& c : columns)
        update_sql += Quote(c) + " = ?, ";
      update_sql += "extra = ? WHERE row_id = ?";
      Statement update(impl_->db, update_sql);
      if (!insert.ok() || !update.ok()) return impl_->Error("preparing " + table);
      auto bind_row = [&](Statement& st, const Row& row) {
        for (size_t c = 0; c < columns.size(); ++c) {
          const std::string* value = row.get(columns[c]);
          st.Bind(static_cast<int>(c + 1), value ? std::optional<std::string>(*value) : std::nullopt);
        }
        st.Bind(static_cast<int>(columns.size() + 1), ExtraOf(row));
      };
      // Rows matched are taken out of `existing`; what remains there afterwards is deleted.
      if (auto it = data.files.find(file); it != data.files.end()) {
        for (const Row& row : it->second) {
          const std::string key = existing.empty() ? std::string() : key_of(row.values);
          auto old = existing.find(key);
          if (old == existing.end()) {
            sqlite3_reset(insert.get());
            bind_row(insert, row);
            if (sqlite3_step(insert.get()) != SQLITE_DONE) return impl_->Error("inserting into " + table);
            if (!audit.Add("insert", table, existing.empty() ? key_of(row.values) : key))
              return impl_->Error("audit");
            ++counts.inserted;
            continue;
          }
          const int64_t row_id = old->second.first;
          const RowValues before_values = std::move(old->second.second);
          existing.erase(old);
          if (before_values == row.values) continue;
          sqlite3_reset(update.get());
          bind_row(update, row);
          sqlite3_bind_int64(update.get(), static_cast<int>(columns.size() + 2), row_id);
          if (sqlite3_step(update.get()) != SQLITE_DONE) return impl_->Error("updating " + table);
          std::set<std::string> changed_columns;
          for (const auto& [c, v] : row.values)
            changed_columns.insert(c);
          for (const auto& [c, v] : before_values)
            changed_columns.insert(c);
          for (const std::string& c : changed_columns) {
            auto before = before_values.find(c);
            auto after = row.values.find(c);
            std::optional<std::string> b =
                before == before_values.end() ? std::nullopt : std::optional(before->second);
            std::optional<std::string> a =
                after == row.values.end() ? std::nullopt : std::optional(after->second);
            auto former = former_keys.find(key);
            if (a != b &&
                !audit.Add("update", table, former == former_keys.end() ? key : former->second, c, b, a))
              return impl_->Error("audit");
          }
          ++counts.updated;
        }
      }
      // What the folder no longer has, deleted in key order so that the audit trail is reproducible. The
      // trail keeps what was deleted: each value beside the key's, as the old value of its column (one entry
      // without a column for a row that is all key).
      std::vector<std::pair<std::string, const std::pair<int64_t, RowValues>*>> gone;
      for (const auto& [key, old] : existing)
        gone.emplace_back(key, &old);
      std::sort(gone.begin(), gone.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      for (const auto& [key, old] : gone) {
        Statement del(impl_->db, "DELETE FROM " + Quote(table) + " WHERE row_id = ?");
        sqlite3_bind_int64(del.get(), 1, old->first);
        if (sqlite3_step(del.get()) != SQLITE_DONE) return impl_->Error("deleting from " + table);
        bool logged = false;
        for (const auto& [column, value] : old->second) {
          if (std::find(key_columns.begin(), key_columns.end(), column) != key_columns.end()) continue;
          if (!audit.Add("delete", table, key, column, value)) return impl_->Error("audit");
          logged = true;
        }
        if (!logged && !audit.Add("delete", table, key)) return impl_->Error("audit");
        ++counts.deleted;
        ++counts.deleted_by_patient[old->second.at("patient_id")];
      }
    }
    return Status();
  };
  if (Status produced = produce(store_part); !produced.ok()) return fail(produced);
  counts.audit_entries = audit.entries();
  if (mode == ImportMode::kDryRun) {
    if (Status rolled_back = impl_->Exec("ROLLBACK"); !rolled_back.ok()) return rolled_back;
    return counts;
  }
  Status commit = impl_->Exec("COMMIT");
  if (!commit.ok()) return fail(commit);
  return counts;
}

namespace {

std::string CsvField(const std::string& value) {
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string quoted = "\"";
  for (char c : value)
    quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

// Writes `file` into `folder`: a header of the format's columns and then `free_text` (the x_ columns of its
// rows), then each row `produce` hands to the writer it is given.
Status WriteInterchangeFile(
    const std::string& folder, const std::string& file, const std::set<std::string>& free_text,
    const std::function<Status(const std::function<void(const Row&)>& write)>& produce) {
  std::vector<std::string> columns = InterchangeColumns(file);
  columns.insert(columns.end(), free_text.begin(), free_text.end());
  const std::string path = (std::filesystem::path(folder) / file).string();
  Result<std::ofstream> opened = OpenOutputFile(path);
  if (!opened.ok()) return opened.status();
  std::ofstream& out = *opened;
  for (size_t c = 0; c < columns.size(); ++c)
    out << (c ? "," : "") << columns[c];
  out << '\n';
  Status produced = produce([&](const Row& row) {
    for (size_t c = 0; c < columns.size(); ++c) {
      const std::string* value = row.get(columns[c]);
      out << (c ? "," : "") << (value ? CsvField(*value) : "");
    }
    out << '\n';
  });
  if (!produced.ok()) return produced;
  if (!out) return IoError(fmt::format("{}: writing failed", path));
  return Status();
}

Status CreateFolder(const std::string& folder) {
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (error) return IoError(fmt::format("{}: cannot create the folder: {}", folder, error.message()));
  return Status();
}

}  // namespace

Status Store::Export(const std::string& folder, const std::vector<std::string>& patients) const {
  // One read transaction, so one snapshot of the registry: a write (the clinic's server) between two files,
  // or between a file's header and its rows, is not half seen.
  if (Status begin = impl_->Exec("BEGIN"); !begin.ok()) return begin;
  const Status exported = [&]() -> Status {
    for (const std::string& id : patients) {
      Result<bool> registered = HasPatient(id);
      if (!registered.ok()) return registered.status();
      if (!*registered) return NoSuchPatient(id);
    }
    if (Status created = CreateFolder(folder); !created.ok()) return created;
    std::string of_patients;  // the rows of `patients` alone, when given
    for (size_t i = 0; i < patients.size(); ++i)
      of_patients += i ? ", ?" : " AND patient_id IN (?";
    if (!patients.empty()) of_patients += ")";
    for (const std::string& file : InterchangeFiles()) {
      // The x_ columns first (the header names them), then the rows: each table read twice.
      std::set<std::string> free_text;
      Statement extras(impl_->db, fmt::format("SELECT extra FROM {} WHERE extra <> ''{}",
                                              Quote(TableOf(file)), of_patients));
      if (!extras.ok()) return impl_->Error("reading " + TableOf(file));
      for (size_t i = 0; i < patients.size(); ++i)
        extras.Bind(static_cast<int>(i + 1), patients[i]);
      while (sqlite3_step(extras.get()) == SQLITE_ROW) {
        Row row;
        AddExtra(ColumnString(extras.get(), 0), row);
        for (const auto& [column, value] : row.values)
          free_text.insert(column);
      }
      Status written = WriteInterchangeFile(
          folder, file, free_text, [&](const std::function<void(const Row&)>& write) -> Status {
            TableCursor cursor(impl_->db, file, patients.empty() ? "" : " WHERE 1" + of_patients, "row_id",
                               patients);
            if (!cursor.ok()) return impl_->Error("reading " + TableOf(file));
            while (!cursor.done())
              write(cursor.Take());
            return Status();
          });
      if (!written.ok()) return written;
    }
    return Status();
  }();
  impl_->Exec("ROLLBACK");  // it only read
  return exported;
}

Status WriteInterchange(const Interchange& data, const std::string& folder) {
  if (Status created = CreateFolder(folder); !created.ok()) return created;
  static const std::vector<Row> kNone;
  for (const std::string& file : InterchangeFiles()) {
    const auto found = data.files.find(file);
    const std::vector<Row>& rows = found == data.files.end() ? kNone : found->second;
    std::set<std::string> free_text;
    for (const Row& row : rows) {
      for (const auto& [column, value] : row.values) {
        if (IsFreeTextColumn(column)) free_text.insert(column);
      }
    }
    Status written =
        WriteInterchangeFile(folder, file, free_text, [&](const std::function<void(const Row&)>& write) {
          for (const Row& row : rows)
            write(row);
          return Status();
        });
    if (!written.ok()) return written;
  }
  return Status();
}

Status Store::CheckUserName(const std::string& name) {
  if (name.empty()) return InvalidArgument("the user name is empty; expected a name");
  if (!IsUtf8Text(name))
    return InvalidArgument(fmt::format("the user name: found '{}'; expected UTF-8 text", ShowUtf8(name)));
  if (HasControlCharacter(name)) {
    return InvalidArgument(
        fmt::format("the user name: found '{}'; expected {}", ShowUtf8(name), kExpectedOneLine));
  }
  return Status();
}

Status Store::PutUser(const UserRecord& user, bool create, const std::string& by) {
  if (Status name = CheckUserName(user.name); !name.ok()) return name;
  Status begin = impl_->Exec("BEGIN IMMEDIATE");
  if (!begin.ok()) return begin;
  auto fail = [&](Status status) {
    impl_->Exec("ROLLBACK");
    return status;
  };
  Result<std::optional<UserRecord>> existing = FindUser(user.name);
  if (!existing.ok()) return fail(existing.status());
  if (create && *existing) return fail(AlreadyExists(fmt::format("a user '{}' exists already", user.name)));
  if (!create && !*existing) return fail(NotFound(fmt::format("no user '{}'", user.name)));
  AuditLog audit(impl_->db, by);
  const std::string& time = audit.time();
  Statement write(impl_->db,
                  create ? "INSERT INTO users (role, password_hash, created, updated, name) VALUES "
                           "(?, ?, ?, ?, ?)"
                         : "UPDATE users SET role = ?, password_hash = ?, updated = ? WHERE name = ?");
  if (!write.ok()) return fail(impl_->Error("writing the user"));
  int index = 1;
  write.Bind(index++, user.role);
  write.Bind(index++, user.password_hash);
  if (create) write.Bind(index++, time);
  write.Bind(index++, time);
  write.Bind(index++, user.name);
  if (sqlite3_step(write.get()) != SQLITE_DONE) return fail(impl_->Error("writing the user"));
  // The audit trail records who changed which user and the role, never the password hash.
  const std::optional<std::string> old_role =
      *existing ? std::optional<std::string>((*existing)->role) : std::nullopt;
  auto log = [&](const char* column, const std::optional<std::string>& old_value,
                 const std::optional<std::string>& new_value) {
    return audit.Add(create ? "insert" : "update", "users", user.name, std::string(column), old_value,
                     new_value);
  };
  if (old_role != user.role && !log("role", old_role, user.role)) return fail(impl_->Error("audit"));
  if (!log("password_hash", std::nullopt, std::string("(set)"))) return fail(impl_->Error("audit"));
  return impl_->Exec("COMMIT");
}

Result<std::optional<UserRecord>> Store::FindUser(const std::string& name) const {
  Statement st(impl_->db, "SELECT name, role, password_hash, created, updated FROM users WHERE name = ?");
  if (!st.ok()) return impl_->Error("reading the users");
  st.Bind(1, name);
  const int step = sqlite3_step(st.get());
  if (step == SQLITE_DONE) return std::optional<UserRecord>();
  if (step != SQLITE_ROW) return impl_->Error("reading the users");
  auto text = [&](int column) { return ColumnString(st.get(), column); };
  return std::optional<UserRecord>(UserRecord{text(0), text(1), text(2), text(3), text(4)});
}

Result<std::vector<UserRecord>> Store::ListUsers() const {
  Statement st(impl_->db, "SELECT name, role, created, updated FROM users ORDER BY name");
  if (!st.ok()) return impl_->Error("reading the users");
  std::vector<UserRecord> users;
  while (sqlite3_step(st.get()) == SQLITE_ROW) {
    auto text = [&](int column) { return ColumnString(st.get(), column); };
    users.push_back({text(0), text(1), "", text(2), text(3)});
  }
  return users;
}

}  // namespace prrt::registry
