// prrt/registry/store.h — the registry in one SQLite file: WAL, foreign keys, a schema version with
// migrations, and an append-only audit trail of every change (table, key, column, old and new value, time,
// user). Rows keep the interchange format's text, so export gives back exactly what was imported.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "prrt/common/result.h"
#include "prrt/registry/interchange.h"

namespace prrt::registry {

struct ImportCounts {
  int64_t inserted = 0;
  int64_t updated = 0;
  int64_t deleted = 0;
  int64_t audit_entries = 0;
  //! The rows deleted of each patient who lost some: a patient in a folder is taken whole, so that a folder
  //! holding only part of a patient's rows (their patients.csv row alone, say) deletes the rest.
  std::map<std::string, int64_t> deleted_by_patient;
  bool changed() const { return inserted + updated + deleted > 0; }
};

//! Whether an import is stored, or only worked out (each write done and rolled back) to say what it would do.
enum class ImportMode { kStore, kDryRun };

//! A person who may use the registry through `prrt serve`.
struct UserRecord {
  std::string name;
  std::string role;           //!< viewer, clinician or admin
  std::string password_hash;  //!< libsodium's Argon2id string (empty in ListUsers)
  std::string created, updated;
};

//! Patients whose patient_id is in [from, to) (an end absent: open).
struct PatientRange {
  std::optional<std::string> from, to;
};

//! A part of the registry's patients, in patient_id order: its number, its range, and where its patients
//! stand among all of them (the first is patient number `first_index`, counting from 0).
struct PatientPart {
  int number = 0;
  PatientRange range;
  int64_t first_index = 0;
  int64_t patients = 0;
  int64_t registry_patients = 0;  //!< in all parts
};

//! One thread at a time may use a Store (a server serialises its requests' uses); separate Stores of the same
//! file may be used at once, from threads or processes.
//! One change in the audit trail: who (`user`) did what (`action`: insert, update, delete) to which row
//! (`table` and `row_key`, the row's key columns joined by '|') and, for an update, which column from what
//! to what (absent values: null).
struct AuditEntry {
  //! The user of the entries of a change made with SQL outside prrt (sqlite3, say), which triggers audit.
  static constexpr const char* kOutsideUser = "(outside prrt)";
  int64_t audit_id = 0;
  std::string time;  //!< UTC, YYYY-MM-DDTHH:MM:SSZ
  std::string user;
  std::string action;
  std::string table;
  std::string row_key;
  std::optional<std::string> column, old_value, new_value;
};

struct AuditQuery {
  std::optional<std::string> patient_id;
  std::optional<std::string> since;
};

//! The patients whose rows the audit trail's entries after some entry name (Store::PatientsChangedAfter).
struct AuditedChanges {
  //! Every id a changed row's key may begin with: the patient's own and, when an id or a key's value holds
  //! '|' (the keys' separator), some that are no patient's or another's. Both ids of a rename. Absent when
  //! there were more than the `most` asked for, or an entry of a table this version does not know.
  std::optional<std::set<std::string>> patient_ids;
  int64_t last_audit_id = 0;  //!< the last entry read; the one asked after when there is none
};

class Store {
 public:
  //! Opens (creating or migrating) the registry file. Waits up to `busy_ms` for another writer.
  static Result<Store> Open(const std::string& path, int busy_ms = 10000);
  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;
  ~Store();

  int SchemaVersion() const;

  //! Stores a validated folder. Each patient in it is taken whole: their rows become exactly the folder's
  //! (inserted, updated column by column, or deleted); patients not in the folder are left alone. One
  //! transaction: on any failure nothing is written. Every change goes into the audit trail with `user`. A
  //! row whose key `key_changes` says was changed is the stored row of its former key, updated (in its place,
  //! and audited under the former key, the key columns' change included), not one deleted and another
  //! inserted. With ImportMode::kDryRun the counts are what storing would give, and nothing is written.
  Result<ImportCounts> Import(const Interchange& data, const std::string& user,
                              const std::vector<KeyChange>& key_changes = {},
                              ImportMode mode = ImportMode::kStore);
  //! The rows stored under `patient_id` made exactly `rows`, as Import makes a patient's, also when the id
  //! has no patients.csv row (Import takes the patients of patients.csv): rows stored under an id no patient
  //! has (changed with SQL outside prrt) are corrected or removed so.
  Result<ImportCounts> ReplacePatientRows(const std::string& patient_id, const Interchange& rows,
                                          const std::string& user,
                                          const std::vector<KeyChange>& key_changes = {});
  //! The same for a folder too large to hold at once, handed over in parts: `produce` calls `store_part` with
  //! each part (the rows of some patients, as ReadInterchangeByPatient reads them). One transaction: when
  //! `produce` or a part fails, nothing is written and its error is returned. While it runs the registry uses
  //! a rollback journal instead of the WAL when it can (no other connection open); WAL again afterwards.
  Result<ImportCounts> ImportParts(
      const std::function<Status(const std::function<Status(const Interchange&)>& store_part)>& produce,
      const std::string& user, ImportMode mode = ImportMode::kStore);

  //! Removes a patient registered by mistake: their patients.csv row, when it is all there is of them.
  //! NotFound when there is no such patient; FailedPrecondition, naming what is recorded, when they have
  //! other rows (those are removed first, each on its own). The deleted values go into the audit trail.
  Status RemovePatient(const std::string& patient_id, const std::string& user);

  //! Gives a patient registered under a mistyped id the right one: every row of theirs takes `new_id`, in one
  //! transaction, keeping its place. NotFound when there is no patient `old_id`; AlreadyExists when `new_id`
  //! is a patient's already; InvalidArgument when it is empty. The audit trail records each row's patient_id
  //! changed, under the row's former key (the patients.csv row last), so that the patient's trail under the
  //! new id still holds what was done under the old (ForEachAuditEntry). Returns the rows renamed.
  Result<int64_t> RenamePatient(const std::string& old_id, const std::string& new_id,
                                const std::string& user);

  //! The whole registry in the interchange format, in a stable order (rows as first stored).
  Result<Interchange> Load() const;
  //! Writes the registry's interchange files into `folder` (created if needed): what WriteInterchange
  //! writes of Load(), read and written a row at a time (the memory of a row, not of the registry). With
  //! `patients`, only their rows (a folder that imports back as those patients, each taken whole); NotFound,
  //! and nothing written, when one of them is not registered.
  Status Export(const std::string& folder, const std::vector<std::string>& patients = {}) const;

  //! Each patient's rows as a registry of one, in patient_id order, reading one patient at a time (the
  //! memory of one patient, not the registry); only `patient_id` when given. One patient's rows come as
  //! first stored (as Load gives them: a day's lab results in the order recorded, as their timeline shows
  //! them); a walk over many patients gives each file's rows by their key (InterchangeKey), the faster
  //! read, and nothing derived from a patient's rows depends on their order. Stops at the first error of
  //! `visit` and returns it. Each patient's rows are checked as an import checks them (CheckRecorded): a
  //! patient whose rows fail (changed with SQL outside prrt) stops the walk with a FailedPrecondition naming
  //! the registry, the patient and the problems, or with `to_correct` is handed to it instead of `visit`.
  Status ForEachPatient(
      const std::function<Status(const std::string& patient_id, const Interchange& rows)>& visit,
      const std::optional<std::string>& patient_id = std::nullopt,
      const std::function<Status(const std::string& patient_id, const Interchange& rows,
                                 const std::vector<std::string>& problems)>& to_correct = nullptr) const;
  //! One patient's rows as stored (ForEachPatient's), whether or not they pass the checks (a write may
  //! correct them); without a patients.csv row when rows are stored under an id no patient has (changed with
  //! SQL outside prrt); nullopt when nothing is stored under the id. A FailedPrecondition with the problems
  //! when a row's patient_id is the id as a blob (stored with SQL): a write, which stores text, cannot
  //! correct it.
  Result<std::optional<Interchange>> PatientRows(const std::string& patient_id) const;
  //! The same for the patients whose patient_id is in `range`.
  Status ForEachPatientIn(
      const PatientRange& range,
      const std::function<Status(const std::string& patient_id, const Interchange& rows)>& visit) const;
  //! The same over the registry file at `path`, in `parts` parts of about equal numbers of patients, each
  //! read and visited on a thread of its own through a connection of its own (the parts see the same
  //! registry: a write between their openings makes them open again). `visit` is called from the parts'
  //! threads at once, in patient_id order within a part, and is told the part: part k's patients come before
  //! part k+1's. The first failure stops every part and is returned.
  static Status ForEachPatientInParallel(
      const std::string& path, int parts,
      const std::function<Status(const PatientPart& part, const std::string& patient_id,
                                 const Interchange& rows)>& visit);

  //! Writes a copy of the registry, as it is at one moment, into a new file `path` (SQLite's VACUUM INTO: a
  //! read, so the clinic's server goes on writing meanwhile; what another connection has not committed is
  //! not in it). AlreadyExists when `path` exists: a backup never overwrites a file.
  Status Backup(const std::string& path) const;

  //! SQLite's data_version: it changes when another connection (another process's import, say) commits a
  //! change to the registry, not with this Store's own writes.
  Result<int64_t> DataVersion() const;

  //! Patients in the registry.
  Result<int64_t> PatientCount() const;
  //! Whether the registry has the patient.
  Result<bool> HasPatient(const std::string& patient_id) const;

  //! Rows of the audit trail.
  Result<int64_t> AuditCount() const;
  //! The audit trail's last entry's id (0 when it is empty). Every change adds entries, with ids that grow.
  Result<int64_t> LastAuditId() const;
  //! The patients the entries after `after_audit_id` changed (the users' entries are no patient's): what a
  //! reader that knew the registry as of that entry must read again. Reads no further once more than `most`
  //! ids are named.
  Result<AuditedChanges> PatientsChangedAfter(int64_t after_audit_id, size_t most) const;

  //! The audit trail's entries in the order they were written, those of one patient (not the users') and at
  //! or after a time (`since`: an ISO date or date-time, UTC) when given. A patient's are those of the rows
  //! whose key begins with their id, and for a patient renamed, those whose key began with a former id, up to
  //! the rename; an id renamed away and later given to another patient is that patient's from then on. An id
  //! no patient has now (removed, or renamed away) has every entry of its keys. A failure of `visit` stops
  //! the walk and is returned.
  Status ForEachAuditEntry(const AuditQuery& query,
                           const std::function<Status(const AuditEntry&)>& visit) const;

  //! Adds (`create`) or changes a user; AlreadyExists / NotFound otherwise, InvalidArgument for a name
  //! CheckUserName refuses. The audit trail records the role and that the password was set, by `by`, never
  //! the hash.
  Status PutUser(const UserRecord& user, bool create, const std::string& by);
  Result<std::optional<UserRecord>> FindUser(const std::string& name) const;
  //! Every user by name, without the password hashes.
  Result<std::vector<UserRecord>> ListUsers() const;
  //! InvalidArgument unless `name` can be a user's: not empty, UTF-8 text without control characters (it is
  //! shown on a line of its own: the list of users, every audit entry of theirs).
  static Status CheckUserName(const std::string& name);

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  // One patient's rows come as stored, those whose patient_id is a blob with the others (named); many
  // patients' by key, such rows as a group of their own after the rest (SQLite orders blobs after text).
  enum class WalkOf { kOnePatient, kManyPatients };
  Status Walk(
      const std::string& where, const std::vector<std::string>& binds, WalkOf walk_of,
      const std::function<Status(const std::string& patient_id, const Interchange& rows)>& visit,
      const std::function<Status(const std::string& patient_id, const Interchange& rows,
                                 const std::vector<std::string>& problems)>& to_correct = nullptr) const;
  //! Stores `rows` as the whole of `patients`' rows (what they lack is deleted).
  using PartStorer = std::function<Status(const Interchange& rows, const std::set<std::string>& patients)>;
  Result<ImportCounts> StoreParts(const std::function<Status(const PartStorer& store_part)>& produce,
                                  const std::string& user, bool bulk,
                                  const std::vector<KeyChange>& key_changes = {},
                                  ImportMode mode = ImportMode::kStore);
  std::unique_ptr<Impl> impl_;
};

//! Writes the interchange files of `data` into `folder` (created if needed): the format's columns in its
//! order, then any x_ columns, RFC 4180 quoting where needed.
Status WriteInterchange(const Interchange& data, const std::string& folder);

}  // namespace prrt::registry
