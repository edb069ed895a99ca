// The SQLite registry: lossless import/export, idempotent re-import, the audit trail, all-or-nothing
// imports, and two writers at once.
#include "prrt/registry/store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include <fmt/format.h>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "prrt/protocol/plan.h"
#include "prrt/protocol/protocol.h"
#include "prrt/registry/timeline.h"
#include "prrt/report/registry_json.h"
#include "prrt/sim/simulator.h"
#include "prrt/study/endpoints.h"
#include "support/json_match.h"
#include "support/process.h"
#include "support/scenario.h"

namespace prrt::testing {
namespace {

namespace fs = std::filesystem;

const std::string kExample = "tests/data/registry_example";
const registry::Day kToday = *registry::ParseDay("2026-11-27");

registry::Interchange Read(const std::string& folder) {
  registry::Problems problems;
  Result<registry::Interchange> data = registry::ReadInterchange(folder, kToday, problems);
  EXPECT_TRUE(data.ok()) << data.status().message();
  return *data;
}

registry::Store OpenStore(const fs::path& db) {
  Result<registry::Store> store = registry::Store::Open(db.string());
  EXPECT_TRUE(store.ok()) << store.status().message();
  return std::move(*store);
}

// Makes `db` a registry of the example folder (imported by "nurse"), closed again.
void ImportExample(const fs::path& db) {
  registry::Store store = OpenStore(db);
  ASSERT_TRUE(store.Import(Read(kExample), "nurse").ok());
}

// A copy of the registry `db` (beside it) changed by `sql` in the sqlite3 shell, as a user would: its path.
std::string EditedCopy(const fs::path& db, const std::string& sql) {
  static int copies = 0;
  const fs::path edited = db.parent_path() / fmt::format("edited{}.db", ++copies);
  fs::copy_file(db, edited);
  EXPECT_TRUE(ExecSql(edited.string(), sql));
  return edited.string();
}

// SQL that drops the triggers which audit changes made outside prrt (schema version 5): a registry as an
// earlier prrt left it, or one whose triggers were dropped.
std::string DropOutsideChangeTriggers() {
  std::vector<std::string> tables = {"users"};
  for (const std::string& file : registry::InterchangeFiles())
    tables.push_back(file.substr(0, file.size() - 4));
  std::string sql;
  for (const std::string& table : tables)
    for (const char* action : {"insert", "update", "delete"})
      sql += fmt::format("DROP TRIGGER outside_{}_{}; ", action, table);
  return sql;
}

// The audit entries after the first `after`, as (action, table, row key, column, old value, new value), each
// checked to be of the user of changes made outside prrt.
using Entry = std::tuple<std::string, std::string, std::string, std::optional<std::string>,
                         std::optional<std::string>, std::optional<std::string>>;
std::vector<Entry> OutsideEntriesAfter(const registry::Store& store, int64_t after) {
  std::vector<Entry> entries;
  Status read = store.ForEachAuditEntry({}, [&](const registry::AuditEntry& e) {
    if (e.audit_id <= after) return Status();
    EXPECT_EQ(e.user, "(outside prrt)") << e.audit_id;
    EXPECT_EQ(e.time.size(), 20u) << e.time;  // YYYY-MM-DDTHH:MM:SSZ, as prrt's own
    entries.emplace_back(e.action, e.table, e.row_key, e.column, e.old_value, e.new_value);
    return Status();
  });
  EXPECT_TRUE(read.ok()) << read.message();
  return entries;
}

// The example registry with P001's fourth cycle corrected from 7.3 to 7.4 GBq and P002's creatinine of
// 2006-05-08 removed, as a folder.
void WriteCorrectedExample(const fs::path& folder) {
  fs::copy(kExample, folder);
  std::string cycles = Slurp(folder / "cycles.csv");
  cycles.replace(cycles.find("2005-08-22,7.3"), 14, "2005-08-22,7.4");
  std::ofstream(folder / "cycles.csv", std::ios::binary) << cycles;
  std::string labs = Slurp(folder / "labs.csv");
  labs.erase(labs.find("P002,2006-05-08"));
  std::ofstream(folder / "labs.csv", std::ios::binary) << labs;
}

TEST(Store, ImportExportImportIsLossless) {
  TempDir dir("store_lossless");
  registry::Store first = OpenStore(dir.path / "a.db");
  ASSERT_TRUE(first.Import(Read(kExample), "tester").ok());
  ASSERT_TRUE(first.Export((dir.path / "out1").string()).ok());
  // Every file of the example comes back byte for byte (its columns are in the format's order), UTF-8 text
  // ("Zürich", "µg/l" in patients.csv) and the free-text x_note of some patients (quoted) too; exported
  // (a row at a time) as when written from the registry loaded whole (out2).
  for (const auto& entry : fs::directory_iterator(kExample)) {
    EXPECT_EQ(Slurp(dir.path / "out1" / entry.path().filename()), Slurp(entry.path())) << entry.path();
  }
  registry::Store second = OpenStore(dir.path / "b.db");
  ASSERT_TRUE(second.Import(Read((dir.path / "out1").string()), "tester").ok());
  ASSERT_TRUE(registry::WriteInterchange(*second.Load(), (dir.path / "out2").string()).ok());
  for (const auto& entry : fs::directory_iterator(dir.path / "out1")) {
    EXPECT_EQ(Slurp(dir.path / "out2" / entry.path().filename()), Slurp(entry.path())) << entry.path();
  }
}

// A registry written before a NUL was refused in text holds the free-text value it came in cut at the NUL
// (the line of the x_ column then lacks its newline): exported, the value as far as it was stored (the export
// never ended).
TEST(Store, AFreeTextValueCutShortIsExportedAsStored) {
  TempDir dir("store_cut_extra");
  {
    registry::Store store = OpenStore(dir.path / "r.db");
    ASSERT_TRUE(store.Import(Read(kExample), "tester").ok());
  }
  ASSERT_TRUE(
      ExecSql(dir.path / "r.db",
              "UPDATE patients SET extra = 'x_note' || char(9) || 'referred' WHERE patient_id = 'P002'"));
  registry::Store store = OpenStore(dir.path / "r.db");
  ASSERT_TRUE(store.Export((dir.path / "out").string()).ok());
  EXPECT_NE(Slurp(dir.path / "out" / "patients.csv").find("2014-05-20,2014-05-20,,referred\n"),
            std::string::npos);
}

// A registry edited by another tool may hold text that is not UTF-8 (a note in Latin-1): prrt patient --json
// writes it as U+FFFD, where it aborted.
TEST(Store, TextThatIsNotUtf8InTheRegistryIsWrittenAsReplacementCharactersInJson) {
  TempDir dir("store_latin1");
  const std::string db = (dir.path / "r.db").string();
  std::string out, err;
  ASSERT_EQ(RunPrrt({"import", "--db", db, "--from", kExample}, out, err), 0) << err;
  ASSERT_TRUE(
      ExecSql(db,
              "UPDATE patients SET extra = 'x_note' || char(9) || CAST(X'636166E9' AS TEXT) || char(10) "
              "WHERE patient_id = 'P003'"));
  ASSERT_EQ(RunPrrt({"patient", "--db", db, "P003", "--json"}, out, err), 0) << err;
  EXPECT_EQ(nlohmann::json::parse(out)["x_note"], "caf\xEF\xBF\xBD");
}

// A registry edited by another tool (or filled before ids and names were checked for control characters) may
// hold a patient id with a newline and a user name with an escape sequence: the lines that show them show
// them escaped (each stays on its line; none colours the terminal), and the id still names its patient.
TEST(Store, AnIdOrUserNameWithAControlCharacterIsShownEscaped) {
  TempDir dir("store_control_characters");
  const std::string db = (dir.path / "r.db").string();
  std::string out, err;
  ASSERT_EQ(RunPrrt({"import", "--db", db, "--from", kExample}, out, err), 0) << err;
  ASSERT_TRUE(ExecSql(db,
                      "INSERT INTO patients (patient_id, sex, birth_date, primary_site, last_contact_date) "
                      "VALUES ('P9' || char(10) || '9', 'f', '1950-01-01', 'midgut', '2016-01-01'); "
                      "INSERT INTO users VALUES ('ana' || char(27) || '[31m', 'viewer', 'h', 't', 't')"));
  ASSERT_EQ(RunPrrt({"eligibility", "--db", db, "--patient", "P9\n9", "--as-of", "2016-02-01"}, out, err), 0)
      << err;
  EXPECT_TRUE(out.starts_with("P9\\n9: next I: ")) << out;
  ASSERT_EQ(RunPrrt({"plan", "--db", db, "--patient", "P9\n9", "--as-of", "2016-02-01"}, out, err), 0) << err;
  EXPECT_TRUE(out.starts_with("P9\\n9 on 2016-02-01: no PRRT yet\n")) << out;
  ASSERT_EQ(RunPrrt({"patient", "--db", db, "P9\n9"}, out, err), 0) << err;
  EXPECT_TRUE(out.starts_with("P9\\n9 (f, born 1950-01-01, midgut NET)\n")) << out;
  ASSERT_EQ(RunPrrt({"user", "list", "--db", db}, out, err), 0) << err;
  EXPECT_EQ(out,
            "       name    role  created  updated\n"
            "ana\\x1B[31m  viewer        t        t\n");
}

TEST(Store, ReimportChangesNothingAndChangesAreAuditedColumnByColumn) {
  TempDir dir("store_audit");
  registry::Store store = OpenStore(dir.path / "r.db");
  Result<registry::ImportCounts> first = store.Import(Read(kExample), "nurse");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->inserted, 29);  // 3 patients + 3 baselines + 12 cycles + 4 labs + 3 responses + 4 events
  EXPECT_EQ(*store.AuditCount(), 29);
  Result<registry::ImportCounts> again = store.Import(Read(kExample), "nurse");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->changed());
  EXPECT_EQ(*store.AuditCount(), 29);

  WriteCorrectedExample(dir.path / "v2");
  Result<registry::ImportCounts> second = store.Import(Read((dir.path / "v2").string()), "physician");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->updated, 1);
  EXPECT_EQ(second->deleted, 1);
  EXPECT_EQ(second->inserted, 0);

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path / "r.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT user, action, table_name, row_key, column_name, old_value, new_value FROM audit "
                     "WHERE user = 'physician' ORDER BY audit_id",
                     -1, &st, nullptr);
  std::vector<std::string> rows;
  while (sqlite3_step(st) == SQLITE_ROW) {
    std::string row;
    for (int c = 0; c < 7; ++c) {
      const unsigned char* t = sqlite3_column_text(st, c);
      row += std::string(c ? "," : "") + (t ? reinterpret_cast<const char*>(t) : "NULL");
    }
    rows.push_back(row);
  }
  sqlite3_finalize(st);
  // The deleted row's values are kept in the trail (labs.csv: P002,2006-05-08,creatinine,95,umol/l,60,110),
  // column by column beside its key, in the columns' name order.
  EXPECT_EQ(rows,
            (std::vector<std::string>{"physician,update,cycles,P001|2005-08-22,activity_gbq,7.3,7.4",
                                      "physician,delete,labs,P002|2006-05-08|creatinine,lln,60,NULL",
                                      "physician,delete,labs,P002|2006-05-08|creatinine,uln,110,NULL",
                                      "physician,delete,labs,P002|2006-05-08|creatinine,unit,umol/l,NULL",
                                      "physician,delete,labs,P002|2006-05-08|creatinine,value,95,NULL"}));
  // The trail is append-only.
  EXPECT_NE(sqlite3_exec(db, "UPDATE audit SET user = 'x'", nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_NE(sqlite3_exec(db, "DELETE FROM audit", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
}

// `prrt audit`: the trail of one patient (the rows whose key is the id, or begins with the id and '|'), after
// a first import by a nurse and a second by a physician that corrects a cycle of P001 and removes a lab
// result of P002.
TEST(Audit, OnePatientsChangesOldestFirstWithWhoAndWhat) {
  TempDir dir("audit_cli");
  const std::string db = (dir.path / "r.db").string();
  std::string out, err;
  ASSERT_EQ(RunPrrt({"import", "--db", db, "--from", kExample, "--user", "nurse"}, out, err), 0) << err;
  WriteCorrectedExample(dir.path / "v2");
  ASSERT_EQ(
      RunPrrt({"import", "--db", db, "--from", (dir.path / "v2").string(), "--user", "physician"}, out, err),
      0)
      << err;

  // P002's rows of the example, each inserted by the nurse (counted from the files, in file order).
  int64_t p002_rows = 0;
  for (const char* file :
       {"patients.csv", "baselines.csv", "cycles.csv", "labs.csv", "responses.csv", "events.csv"}) {
    std::istringstream lines(Slurp(fs::path(kExample) / file));
    for (std::string line; std::getline(lines, line);)
      p002_rows += line.rfind("P002,", 0) == 0;
  }
  ASSERT_EQ(RunPrrt({"audit", "--db", db, "--patient", "P002", "--json"}, out, err), 0) << err;
  const nlohmann::json entries = nlohmann::json::parse(out);
  ASSERT_EQ(entries.size(), static_cast<size_t>(p002_rows + 4));
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::string key = entries[i]["row_key"];
    EXPECT_TRUE(key == "P002" || key.rfind("P002|", 0) == 0) << key;
    EXPECT_EQ(entries[i]["user"], i < static_cast<size_t>(p002_rows) ? "nurse" : "physician");
    if (i > 0) {
      EXPECT_LT(entries[i - 1]["audit_id"], entries[i]["audit_id"]);
    }
  }
  EXPECT_EQ(entries.back(), (nlohmann::json{{"audit_id", entries.back()["audit_id"]},
                                            {"time", entries.back()["time"]},
                                            {"user", "physician"},
                                            {"action", "delete"},
                                            {"table", "labs"},
                                            {"row_key", "P002|2006-05-08|creatinine"},
                                            {"column", "value"},
                                            {"old_value", "95"},
                                            {"new_value", nullptr}}));
  // As text, a line each; P001's correction in words.
  ASSERT_EQ(RunPrrt({"audit", "--db", db, "--patient", "P001"}, out, err), 0) << err;
  EXPECT_NE(out.find(" physician update cycles P001|2005-08-22 activity_gbq: '7.3' -> '7.4'\n"),
            std::string::npos)
      << out;
  ASSERT_EQ(RunPrrt({"audit", "--db", db, "--patient", "P002"}, out, err), 0) << err;
  EXPECT_NE(out.find(" physician delete labs P002|2006-05-08|creatinine unit: 'umol/l' -> (none)\n"),
            std::string::npos)
      << out;
  // Since tomorrow: nothing; the whole trail: every entry.
  ASSERT_EQ(RunPrrt({"audit", "--db", db, "--since", "2999-01-01", "--json"}, out, err), 0) << err;
  EXPECT_EQ(out, "[]\n");
  ASSERT_EQ(RunPrrt({"audit", "--db", db, "--json"}, out, err), 0) << err;
  Result<registry::Store> store = registry::Store::Open(db);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(nlohmann::json::parse(out).size(), static_cast<size_t>(*store->AuditCount()));
  // No such patient, and an empty id (given, it is a patient's id: not the whole trail).
  for (const std::string id : {"P004", ""})
    EXPECT_TRUE(
        Refused({"audit", "--db", db, "--patient", id}, fmt::format("no patient '{}' in the registry", id)));
}

// An entry of `prrt audit` is one line: a note's newline, and an escape sequence that would act on the
// terminal (red text), are shown escaped.
TEST(Audit, AValuesControlCharactersAreShownEscapedOnTheEntrysLine) {
  TempDir dir("audit_control_characters");
  fs::copy(kExample, dir.path / "in");
  const std::string db = (dir.path / "r.db").string();
  std::string out, err;
  ASSERT_EQ(RunPrrt({"import", "--db", db, "--from", (dir.path / "in").string()}, out, err), 0) << err;
  std::string patients = Slurp(dir.path / "in" / "patients.csv");
  const std::string note = "referred from Zürich; CgA 1200 µg/l";
  patients.replace(patients.find(note), note.size(), "\"referred\nfrom \x1B[31mZürich\x1B[0m\"");
  std::ofstream(dir.path / "in" / "patients.csv", std::ios::binary) << patients;
  ASSERT_EQ(
      RunPrrt({"import", "--db", db, "--from", (dir.path / "in").string(), "--user", "nurse"}, out, err), 0)
      << err;
  ASSERT_EQ(RunPrrt({"audit", "--db", db, "--patient", "P002", "--since", "2000-01-01"}, out, err), 0) << err;
  const std::string last = out.substr(out.rfind('\n', out.size() - 2) + 1);
  EXPECT_EQ(last.substr(last.find(" nurse ")),
            " nurse update patients P002 x_note: 'referred from Zürich; CgA 1200 µg/l' -> 'referred\\nfrom "
            "\\x1B[31mZürich\\x1B[0m'\n");
}

// One id the beginning of others (P00 of P001, P002, P003): P00's trail has P00's rows only, and each entry
// is in exactly one patient's trail.
TEST(Audit, APatientsTrailHasNoneOfTheRowsOfIdsItBegins) {
  TempDir dir("audit_prefix");
  fs::copy(kExample, dir.path / "in");
  std::ofstream(dir.path / "in" / "patients.csv", std::ios::app)
      << "P00,m,1950-01-01,midgut,,,,,,2010-01-01,,,\n";
  std::ofstream(dir.path / "in" / "cycles.csv", std::ios::app) << "P00,I,2009-01-05,7.4\n";
  const std::string db = (dir.path / "r.db").string();
  std::string out, err;
  ASSERT_EQ(RunPrrt({"import", "--db", db, "--from", (dir.path / "in").string()}, out, err), 0) << err;
  ASSERT_EQ(RunPrrt({"audit", "--db", db, "--patient", "P00", "--json"}, out, err), 0) << err;
  const nlohmann::json p00 = nlohmann::json::parse(out);
  ASSERT_EQ(p00.size(), 2u);
  EXPECT_EQ(p00[0]["row_key"], "P00");
  EXPECT_EQ(p00[1]["row_key"], "P00|2009-01-05");
  size_t in_trails = 0;
  for (const char* id : {"P00", "P001", "P002", "P003"}) {
    ASSERT_EQ(RunPrrt({"audit", "--db", db, "--patient", id, "--json"}, out, err), 0) << err;
    in_trails += nlohmann::json::parse(out).size();
  }
  Result<registry::Store> store = registry::Store::Open(db);
  EXPECT_EQ(in_trails, static_cast<size_t>(*store->AuditCount()));
}

TEST(Store, BadFolderLeavesTheRegistryExactlyAsItWas) {
  TempDir dir("store_bad");
  const std::string db = (dir.path / "r.db").string();
  std::string out, err;
  ASSERT_EQ(
      RunPrrt({"import", "--db", db, "--from", kExample, "--today", "2026-11-27", "--user", "t"}, out, err),
      0)
      << err;
  ASSERT_EQ(RunPrrt({"export", "--db", db, "--to", (dir.path / "before").string()}, out, err), 0) << err;
  fs::copy(kExample, dir.path / "bad");
  std::ofstream(dir.path / "bad" / "cycles.csv", std::ios::app)
      << "P001,I,2005-10-24,7.4\nP999,I,2010-01-01,7.4\n";
  std::ofstream(dir.path / "bad" / "labs.csv", std::ios::app) << "P001,2005-04-01,hb,7,mg/dl,,\n";
  const int code = RunPrrt(
      {"import", "--db", db, "--from", (dir.path / "bad").string(), "--today", "2026-11-27"}, out, err);
  EXPECT_EQ(code, 2);
  // Every problem, not just the first.
  EXPECT_NE(err.find("cycles.csv:15: patient_id: 'P999' is not in patients.csv"), std::string::npos) << err;
  EXPECT_NE(err.find("labs.csv:6: unit: found 'mg/dl'"), std::string::npos) << err;
  ASSERT_EQ(RunPrrt({"export", "--db", db, "--to", (dir.path / "after").string()}, out, err), 0);
  for (const auto& entry : fs::directory_iterator(dir.path / "before")) {
    EXPECT_EQ(Slurp(dir.path / "after" / entry.path().filename()), Slurp(entry.path())) << entry.path();
  }
  // --dry-run validates and stores nothing; it creates no registry.
  const std::string dry_db = (dir.path / "dry.db").string();
  ASSERT_EQ(
      RunPrrt({"import", "--db", dry_db, "--from", kExample, "--today", "2026-11-27", "--dry-run"}, out, err),
      0);
  EXPECT_EQ(out, kExample + ": no problems found; nothing stored (--dry-run); " + dry_db +
                     " does not exist: importing would create it with the folder's 29 rows\n");
  EXPECT_FALSE(fs::exists(dry_db));
}

// Each table's rows as stored, in order (as std::map, which GoogleTest prints where it differs).
std::map<std::string, std::vector<std::map<std::string, std::string>>> StoredRows(
    const registry::Store& store) {
  std::map<std::string, std::vector<std::map<std::string, std::string>>> rows;
  const Result<registry::Interchange> stored = store.Load();
  for (const auto& [file, file_rows] : stored->files)
    for (const registry::Row& row : file_rows)
      rows[file].emplace_back(row.values.begin(), row.values.end());
  return rows;
}

// A patient in a folder is taken whole: a folder holding P001's patients.csv row and nothing else of theirs
// deletes the other 15 rows the example has of them (2 baselines, 6 cycles, 2 events, 3 labs, 2 responses);
// its new patient P004 is 1 row inserted. A dry run gives those counts and writes nothing, read whole or in
// parts; storing gives the same counts.
TEST(Store, ADryRunCountsWhatTheImportWouldDoAndWritesNothing) {
  TempDir dir("store_dry_run");
  registry::Store store = OpenStore(dir.path / "r.db");
  ASSERT_TRUE(store.Import(Read(kExample), "nurse").ok());
  const auto before = StoredRows(store);
  registry::Interchange folder;
  for (const std::string& file : registry::InterchangeFiles())
    folder.files[file];
  registry::Interchange example = Read(kExample);
  for (const registry::Row& row : example.files["patients.csv"]) {
    if (*row.get("patient_id") != "P001") continue;
    folder.files["patients.csv"].push_back(row);
    registry::Row newcomer = row;
    newcomer.values["patient_id"] = "P004";
    folder.files["patients.csv"].push_back(newcomer);
  }
  auto expect_counts = [](const Result<registry::ImportCounts>& counts) {
    ASSERT_TRUE(counts.ok()) << counts.status().message();
    EXPECT_EQ(counts->inserted, 1);
    EXPECT_EQ(counts->updated, 0);
    EXPECT_EQ(counts->deleted, 15);
    EXPECT_EQ(counts->deleted_by_patient, (std::map<std::string, int64_t>{{"P001", 15}}));
  };
  expect_counts(store.Import(folder, "nurse", {}, registry::ImportMode::kDryRun));
  EXPECT_EQ(*store.AuditCount(), 29);
  EXPECT_EQ(StoredRows(store), before);
  expect_counts(store.ImportParts(
      [&](const std::function<Status(const registry::Interchange&)>& store_part) {
        return store_part(folder);
      },
      "nurse", registry::ImportMode::kDryRun));
  EXPECT_EQ(*store.AuditCount(), 29);
  EXPECT_EQ(StoredRows(store), before);

  expect_counts(store.Import(folder, "nurse"));
  const auto after = StoredRows(store);
  EXPECT_EQ(after.at("patients.csv").size(), 4u);
  EXPECT_EQ(after.at("cycles.csv").size(), before.at("cycles.csv").size() - 6);
}

// The import says which patients lose rows by it, and the dry run which would: a folder meant to update a
// patient's last contact deletes the rest of their rows. The dry run changes nothing.
TEST(Store, AnImportNamesThePatientsWhoseRowsItDeletes) {
  TempDir dir("store_deletes");
  const std::string db = (dir.path / "r.db").string();
  std::string out, err;
  ASSERT_EQ(RunPrrt({"import", "--db", db, "--from", kExample, "--user", "t"}, out, err), 0) << err;
  ASSERT_EQ(RunPrrt({"export", "--db", db, "--to", (dir.path / "before").string()}, out, err), 0) << err;
  const fs::path folder = dir.path / "p001";
  fs::create_directories(folder);
  // P001's patients.csv row alone, their last contact updated; P003's with their 2 cycles but not their
  // event.
  std::ofstream(folder / "patients.csv")
      << "patient_id,sex,birth_date,primary_site,ki67_percent,prior_surgery,prior_chemotherapy,"
         "prior_radiotherapy,prior_ssa,last_contact_date,death_date,no_salvage_reason,x_note\n"
         "P001,f,1950-03-14,midgut,2,yes,no,no,yes,2017-01-31,,,\"retreated twice, \"\"stable\"\"\"\n"
         "P003,f,1962-11-23,bronchial,,unknown,unknown,unknown,unknown,2015-09-01,,wait_and_see,\n";
  std::ofstream(folder / "cycles.csv") << "patient_id,phase,date,activity_gbq\n"
                                          "P003,I,2010-01-11,7.4\n"
                                          "P003,I,2010-03-15,7.4\n";
  std::ofstream(folder / "events.csv") << "patient_id,date,event,method\n";
  ASSERT_EQ(RunPrrt({"import", "--db", db, "--from", folder.string(), "--dry-run"}, out, err), 0) << err;
  EXPECT_EQ(out, folder.string() + ": no problems found; nothing stored (--dry-run); importing it into " +
                     db +
                     " would insert 0 rows, update 1 and delete 16\n"
                     "would delete: 15 rows of P001, 1 of P003 (the folder lacks them, and a patient in a "
                     "folder is taken whole)\n");
  ASSERT_EQ(RunPrrt({"export", "--db", db, "--to", (dir.path / "after").string()}, out, err), 0) << err;
  for (const auto& entry : fs::directory_iterator(dir.path / "before"))
    EXPECT_EQ(Slurp(dir.path / "after" / entry.path().filename()), Slurp(entry.path())) << entry.path();
  ASSERT_EQ(RunPrrt({"import", "--db", db, "--from", folder.string(), "--user", "t"}, out, err), 0) << err;
  // The trail: the update of last_contact_date; P001's rows deleted with their values (2 baselines of 7,
  // 6 cycles of 2, 2 events of 1, 3 labs of 4, 2 responses of 1: 42); P003's event, all key (1).
  EXPECT_EQ(out,
            db + ": 0 rows inserted, 1 updated, 16 deleted (44 audit entries)\n"
                 "deleted: 15 rows of P001, 1 of P003 (the folder lacks them, and a patient in a folder is "
                 "taken whole)\n");
}

// Ten patients who lose rows are named, those who lose the most first (then in id order); the rest are
// counted. P01 to P12 have one cycle each, P05 three; a folder of their patients.csv rows alone deletes them.
TEST(Store, AnImportNamesTenPatientsWhoLoseRowsAndCountsTheRest) {
  TempDir dir("store_deletes_many");
  const fs::path full = dir.path / "full", bare = dir.path / "bare";
  fs::create_directories(full);
  fs::create_directories(bare);
  std::string patients = "patient_id,sex,birth_date,primary_site,last_contact_date\n";
  std::string cycles = "patient_id,phase,date,activity_gbq\n";
  for (int i = 1; i <= 12; ++i) {
    const std::string id = fmt::format("P{:02}", i);
    patients += id + ",f,1950-01-01,midgut,2015-01-01\n";
    cycles += id + ",I,2010-01-04,7.4\n";
    if (i == 5) cycles += id + ",I,2010-03-01,7.4\n" + id + ",I,2010-05-03,7.4\n";
  }
  for (const fs::path& folder : {full, bare}) {
    std::ofstream(folder / "patients.csv") << patients;
    std::ofstream(folder / "events.csv") << "patient_id,date,event,method\n";
  }
  std::ofstream(full / "cycles.csv") << cycles;
  std::ofstream(bare / "cycles.csv") << "patient_id,phase,date,activity_gbq\n";
  const std::string db = (dir.path / "r.db").string();
  std::string out, err;
  ASSERT_EQ(RunPrrt({"import", "--db", db, "--from", full.string()}, out, err), 0) << err;
  ASSERT_EQ(RunPrrt({"import", "--db", db, "--from", bare.string(), "--dry-run"}, out, err), 0) << err;
  EXPECT_TRUE(
      out.ends_with("would insert 0 rows, update 0 and delete 14\n"
                    "would delete: 3 rows of P05, 1 of P01, 1 of P02, 1 of P03, 1 of P04, 1 of P06, 1 of "
                    "P07, 1 of P08, 1 of P09, 1 of P10 and 2 of 2 more patients (the folder lacks them, "
                    "and a patient in a folder is taken whole)\n"))
      << out;
}

// Some patients exported: their rows alone, in every file, the x_ columns theirs have (P003 has no note), a
// folder that imports back as them (nothing changed) or into another registry (their rows). P001 has 16 rows
// in the example (their patients.csv row, 2 baselines, 6 cycles, 2 events, 3 labs, 2 responses), P003 4
// (their row, 2 cycles, 1 event). A patient not registered: refused, no folder written.
TEST(Store, SomePatientsExportedImportBackAsThem) {
  TempDir dir("store_export_some");
  const std::string db = (dir.path / "r.db").string();
  std::string out, err;
  ASSERT_EQ(RunPrrt({"import", "--db", db, "--from", kExample}, out, err), 0) << err;
  const std::string some = (dir.path / "some").string();
  ASSERT_EQ(RunPrrt({"export", "--db", db, "--to", some, "--patient", "P003", "P001", "--patient", "P003"},
                    out, err),
            0)
      << err;
  EXPECT_EQ(out, some + ": written (2 patients' rows)\n");
  const registry::Interchange exported = Read(some);
  std::map<std::string, size_t> rows_of;
  size_t rows = 0;
  for (const auto& [file, file_rows] : exported.files) {
    for (const registry::Row& row : file_rows)
      ++rows_of[*row.get("patient_id")];
    rows += file_rows.size();
  }
  EXPECT_EQ(rows_of, (std::map<std::string, size_t>{{"P001", 16}, {"P003", 4}}));
  EXPECT_EQ(rows, 20u);
  ASSERT_EQ(RunPrrt({"import", "--db", db, "--from", some}, out, err), 0) << err;
  EXPECT_EQ(out, db + ": nothing changed; the registry already holds this folder\n");
  const std::string other = (dir.path / "other.db").string();
  ASSERT_EQ(RunPrrt({"import", "--db", other, "--from", some}, out, err), 0) << err;
  EXPECT_EQ(out, other + ": 20 rows inserted, 0 updated, 0 deleted (20 audit entries)\n");

  const std::string p003 = (dir.path / "p003").string();
  ASSERT_EQ(RunPrrt({"export", "--db", db, "--to", p003, "--patient", "P003"}, out, err), 0) << err;
  EXPECT_EQ(Slurp(fs::path(p003) / "patients.csv"),
            "patient_id,sex,birth_date,primary_site,ki67_percent,prior_surgery,prior_chemotherapy,"
            "prior_radiotherapy,prior_ssa,last_contact_date,death_date,no_salvage_reason\n"
            "P003,f,1962-11-23,bronchial,,unknown,unknown,unknown,unknown,2015-09-01,,wait_and_see\n");

  const std::string none = (dir.path / "none").string();
  EXPECT_EQ(RunPrrt({"export", "--db", db, "--to", none, "--patient", "P001", "--patient", "P9"}, out, err),
            2);
  EXPECT_EQ(err, "prrt: no patient 'P9' in the registry\n");
  EXPECT_FALSE(fs::exists(none));
  EXPECT_EQ(RunPrrt({"export", "--db", db, "--to", none, "--patient", "P001", "--adtte"}, out, err), 2);
  EXPECT_FALSE(fs::exists(none));
}

// A backup is the registry as committed at one moment: the same rows (exported alike) and audit trail, while
// another connection holds a write it has not committed (not in the copy; committed afterwards, in the
// registry). An existing file is never overwritten.
TEST(Store, ABackupIsTheRegistryAsCommittedAndOverwritesNothing) {
  TempDir dir("store_backup");
  const std::string db = (dir.path / "r.db").string();
  std::string out, err;
  ASSERT_EQ(RunPrrt({"import", "--db", db, "--from", kExample}, out, err), 0) << err;
  sqlite3* writer = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &writer), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(writer,
                         "BEGIN IMMEDIATE; INSERT INTO patients (patient_id, sex, birth_date, primary_site, "
                         "last_contact_date) VALUES ('P9', 'f', '1950-01-01', 'midgut', '2016-01-01')",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  const std::string copy = (dir.path / "copy.db").string();
  ASSERT_EQ(RunPrrt({"backup", "--db", db, "--to", copy}, out, err), 0) << err;
  EXPECT_EQ(out, copy + ": a copy of " + db + " (3 patients, 29 audit entries)\n");
  ASSERT_EQ(sqlite3_exec(writer, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(writer);
  EXPECT_EQ(*OpenStore(db).PatientCount(), 4);
  EXPECT_EQ(*OpenStore(copy).PatientCount(), 3);
  ASSERT_EQ(RunPrrt({"export", "--db", copy, "--to", (dir.path / "from_copy").string()}, out, err), 0) << err;
  for (const auto& entry : fs::directory_iterator(kExample))
    EXPECT_EQ(Slurp(dir.path / "from_copy" / entry.path().filename()), Slurp(entry.path())) << entry.path();
  EXPECT_EQ(*OpenStore(copy).AuditCount(), 29);

  const std::string before = Slurp(copy);
  EXPECT_TRUE(Refused({"backup", "--db", db, "--to", copy},
                      copy + ": the file exists; a backup is written to a new file"));
  EXPECT_EQ(Slurp(copy), before);
}

// The registry files prrt makes hold patient data: a new registry, its WAL and shared-memory files and a
// backup are readable and writable by their owner alone, under the usual umask (022) that lets every user
// read the files SQLite makes by itself. A registry that exists keeps the mode it was given (shared with a
// group, say).
TEST(Store, TheRegistryFilesPrrtMakesAreItsOwnersAlone) {
  TempDir dir("store_owner_only");
  const mode_t umask_before = ::umask(022);
  const std::string db = (dir.path / "r.db").string(), copy = (dir.path / "copy.db").string();
  std::string out, err;
  ASSERT_EQ(RunPrrt({"import", "--db", db, "--from", kExample}, out, err), 0) << err;
  const fs::perms owner = fs::perms::owner_read | fs::perms::owner_write;
  EXPECT_EQ(fs::status(db).permissions(), owner);
  {
    registry::Store store = OpenStore(db);
    ASSERT_EQ(*store.PatientCount(), 3);
    for (const char* suffix : {"-wal", "-shm"}) {
      ASSERT_TRUE(fs::exists(db + suffix)) << suffix;
      EXPECT_EQ(fs::status(db + suffix).permissions(), owner) << suffix;
    }
  }
  ASSERT_EQ(RunPrrt({"backup", "--db", db, "--to", copy}, out, err), 0) << err;
  EXPECT_EQ(fs::status(copy).permissions(), owner);
  EXPECT_EQ(*OpenStore(copy).PatientCount(), 3);
  const fs::perms group = owner | fs::perms::group_read | fs::perms::group_write;
  fs::permissions(db, group);
  ASSERT_EQ(RunPrrt({"user", "add", "--db", db, "--name", "ana", "--role", "clinician", "--password",
                     "correct horse"},
                    out, err),
            0)
      << err;
  EXPECT_EQ(fs::status(db).permissions(), group);
  ::umask(umask_before);
}

// A patient registered by mistake (P00: only a patients.csv row) is removed, their values kept in the trail;
// one with rows recorded, or none at all, is refused and nothing changes.
TEST(Store, OnlyAPatientWithNothingRecordedIsRemoved) {
  TempDir dir("store_remove");
  fs::copy(kExample, dir.path / "in");
  std::ofstream(dir.path / "in" / "patients.csv", std::ios::app)
      << "P00,m,1950-01-01,midgut,,,,,,2010-01-01,,,\n";
  const std::string db = (dir.path / "r.db").string();
  std::string out, err;
  ASSERT_EQ(RunPrrt({"import", "--db", db, "--from", (dir.path / "in").string()}, out, err), 0) << err;
  ASSERT_EQ(RunPrrt({"export", "--db", db, "--to", (dir.path / "before").string()}, out, err), 0) << err;
  registry::Store store = OpenStore(db);
  const int64_t audit = *store.AuditCount();
  // P003 has, in the example files, 2 cycles and 1 event.
  const Status recorded = store.RemovePatient("P003", "ana");
  EXPECT_EQ(recorded.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(
      recorded.message(),
      "patient 'P003' has rows recorded (2 in cycles.csv, 1 in events.csv); only a patient with nothing "
      "recorded is removed: remove those rows first");
  EXPECT_EQ(store.RemovePatient("P0", "ana").code(), StatusCode::kNotFound);
  EXPECT_EQ(*store.AuditCount(), audit);
  ASSERT_EQ(RunPrrt({"export", "--db", db, "--to", (dir.path / "refused").string()}, out, err), 0) << err;
  for (const auto& entry : fs::directory_iterator(dir.path / "before"))
    EXPECT_EQ(Slurp(dir.path / "refused" / entry.path().filename()), Slurp(entry.path())) << entry.path();

  ASSERT_TRUE(store.RemovePatient("P00", "ana").ok());
  EXPECT_FALSE(*store.HasPatient("P00"));
  EXPECT_TRUE(*store.HasPatient("P001"));
  EXPECT_EQ(*store.PatientCount(), 3);
  // The trail keeps the removed row's values (sex, birth date, site, last contact), and can still be read.
  ASSERT_EQ(RunPrrt({"audit", "--db", db, "--patient", "P00"}, out, err), 0) << err;
  EXPECT_NE(out.find(" ana delete patients P00 birth_date: '1950-01-01' -> (none)\n"), std::string::npos)
      << out;
  EXPECT_NE(out.find(" ana delete patients P00 last_contact_date: '2010-01-01' -> (none)\n"),
            std::string::npos)
      << out;
  EXPECT_EQ(*store.AuditCount(), audit + 4);
  EXPECT_EQ(store.RemovePatient("P00", "ana").code(), StatusCode::kNotFound);
  EXPECT_EQ(RunPrrt({"audit", "--db", db, "--patient", "P0"}, out, err), 2);
  EXPECT_NE(err.find("no patient 'P0'"), std::string::npos) << err;
}

// The example's files with every row of `from` given to `to` (a row is "id,..." in every file).
std::map<std::string, std::string> ExampleRenamed(const std::string& from, const std::string& to) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::directory_iterator(kExample)) {
    std::istringstream lines(Slurp(entry.path()));
    std::string& text = files[entry.path().filename().string()];
    for (std::string line; std::getline(lines, line);)
      text += (line.rfind(from + ",", 0) == 0 ? to + line.substr(from.size()) : line) + "\n";
  }
  return files;
}

// A patient registered under a mistyped id (P003: their patients.csv row, 2 cycles and 1 event in the
// example) is given the right one, P004: every row keeps its place and values but the id, and the trail has
// an update of patient_id for each (the patients.csv row last), under the row's former key. P004's trail
// holds what was done under P003. Refused, with nothing changed: an id registered already (or the patient's
// own), a patient not registered, an empty id, an id with a control character (import refuses it in
// patients.csv: the export would not import again).
TEST(Store, APatientIsRenamedWithEveryRowOfTheirs) {
  TempDir dir("store_rename");
  const std::string db = (dir.path / "r.db").string();
  std::string out, err;
  ASSERT_EQ(RunPrrt({"import", "--db", db, "--from", kExample, "--user", "nurse"}, out, err), 0) << err;
  registry::Store store = OpenStore(db);
  const int64_t audit = *store.AuditCount();
  EXPECT_EQ(store.RenamePatient("P003", "P001", "ana").status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store.RenamePatient("P004", "P005", "ana").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store.RenamePatient("P003", "", "ana").status().code(), StatusCode::kInvalidArgument);
  for (const std::string id : {"P\n004", "P004\t", "\x1B[1mP004"})
    EXPECT_EQ(store.RenamePatient("P003", id, "ana").status().code(), StatusCode::kInvalidArgument) << id;
  EXPECT_EQ(*store.AuditCount(), audit);
  ASSERT_EQ(RunPrrt({"export", "--db", db, "--to", (dir.path / "refused").string()}, out, err), 0) << err;
  for (const auto& [file, text] : ExampleRenamed("P003", "P003"))
    EXPECT_EQ(Slurp(dir.path / "refused" / file), text) << file;

  ASSERT_EQ(RunPrrt({"rename-patient", "--db", db, "P003", "P004", "--user", "ana"}, out, err), 0) << err;
  EXPECT_EQ(out, db + ": patient 'P003' is now 'P004' (4 rows)\n");
  ASSERT_EQ(RunPrrt({"export", "--db", db, "--to", (dir.path / "renamed").string()}, out, err), 0) << err;
  for (const auto& [file, text] : ExampleRenamed("P003", "P004"))
    EXPECT_EQ(Slurp(dir.path / "renamed" / file), text) << file;
  EXPECT_FALSE(*store.HasPatient("P003"));
  EXPECT_EQ(*store.AuditCount(), audit + 4);
  ASSERT_EQ(RunPrrt({"audit", "--db", db, "--patient", "P004"}, out, err), 0) << err;
  const std::vector<std::string> expected = {
      " nurse insert patients P003",
      " nurse insert cycles P003|2010-01-11",
      " nurse insert cycles P003|2010-03-15",
      " nurse insert events P003|2011-04-02|mds",
      " ana update cycles P003|2010-01-11 patient_id: 'P003' -> 'P004'",
      " ana update cycles P003|2010-03-15 patient_id: 'P003' -> 'P004'",
      " ana update events P003|2011-04-02|mds patient_id: 'P003' -> 'P004'",
      " ana update patients P003 patient_id: 'P003' -> 'P004'"};
  std::istringstream lines(out);
  std::vector<std::string> trail;
  for (std::string line; std::getline(lines, line);)
    trail.push_back(line.substr(line.find(' ')));  // without the time
  EXPECT_EQ(trail, expected);
  // Bad input on the command line: an id registered already, the patient's own, no such patient.
  EXPECT_TRUE(Refused({"rename-patient", "--db", db, "P004", "P001"},
                      "found 'P001'; it is the id of a patient registered already"));
  EXPECT_TRUE(Refused({"rename-patient", "--db", db, "P004", "P004"},
                      "found 'P004'; it is the patient's id now; expected the id they should have"));
  EXPECT_TRUE(Refused({"rename-patient", "--db", db, "P003", "P005"}, "no patient 'P003' in the registry"));
  EXPECT_TRUE(Refused({"rename-patient", "--db", db, "P004", "P\xE9"},  // Latin-1's e-acute
                      "found 'P\\xE9'; expected UTF-8 text"));
  EXPECT_TRUE(Refused({"rename-patient", "--db", db, "P004", "P\n005"},
                      "found 'P\\n005'; expected text without control characters (tab, newline, ...)"));
  EXPECT_EQ(*store.AuditCount(), audit + 4);
}

// What a reader that knew the registry as of an audit entry must read again (the server, after another
// process's change): the patients the later entries name. The example's keys: patients.csv's is the id,
// the others' the id, a date and (labs, events) a third value, joined by '|'. Entry ids run 1, 2, ... (the
// trail is append-only), so the last is the count.
TEST(Audit, TheEntriesAfterOneNameThePatientsTheyChanged) {
  TempDir dir("audit_changed_after");
  registry::Store store = OpenStore(dir.path / "r.db");
  EXPECT_EQ(*store.LastAuditId(), 0);
  ASSERT_TRUE(store.Import(Read(kExample), "nurse").ok());
  auto changed_after = [&](int64_t audit_id, size_t most = 100) {
    Result<registry::AuditedChanges> changed = store.PatientsChangedAfter(audit_id, most);
    EXPECT_TRUE(changed.ok()) << changed.status().message();
    return *changed;
  };
  using Ids = std::set<std::string>;
  int64_t last = *store.LastAuditId();
  EXPECT_EQ(last, *store.AuditCount());
  EXPECT_EQ(changed_after(0).patient_ids, (Ids{"P001", "P002", "P003"}));
  EXPECT_EQ(changed_after(0).last_audit_id, last);
  EXPECT_EQ(changed_after(last).patient_ids, Ids{});
  EXPECT_EQ(changed_after(last).last_audit_id, last);
  // More ids than asked for: none given.
  EXPECT_EQ(changed_after(0, 2).patient_ids, std::nullopt);
  EXPECT_EQ(changed_after(0, 3).patient_ids, (Ids{"P001", "P002", "P003"}));

  // WriteCorrectedExample: P001's cycle and P002's lab result.
  WriteCorrectedExample(dir.path / "corrected");
  ASSERT_TRUE(store.Import(Read((dir.path / "corrected").string()), "nurse").ok());
  EXPECT_EQ(changed_after(last).patient_ids, (Ids{"P001", "P002"}));
  last = *store.LastAuditId();
  ASSERT_TRUE(store.RenamePatient("P003", "P030", "ana").ok());
  EXPECT_EQ(changed_after(last).patient_ids, (Ids{"P003", "P030"}));
  last = *store.LastAuditId();
  // A user's entries are no patient's, but are entries.
  ASSERT_TRUE(store.PutUser({"ana", "viewer", "h", "", ""}, true, "test").ok());
  EXPECT_EQ(changed_after(last).patient_ids, Ids{});
  EXPECT_EQ(changed_after(last).last_audit_id, last + 2);  // the role, the password set
  last = *store.LastAuditId();
  // An id holding the separator: its lab result's key "A|B|2009-01-05|hb" may begin with "A" or "A|B".
  fs::create_directories(dir.path / "bar");
  std::ofstream(dir.path / "bar" / "patients.csv")
      << "patient_id,sex,birth_date,primary_site,last_contact_date\n"
         "A|B,m,1950-01-01,midgut,2010-01-01\n"
         "P00,f,1950-01-01,midgut,2010-01-01\n";
  std::ofstream(dir.path / "bar" / "labs.csv")
      << "patient_id,date,test,value,unit,lln,uln\nA|B,2009-01-05,hb,7.4,mmol/l,7.5,10.0\n";
  std::ofstream(dir.path / "bar" / "cycles.csv") << "patient_id,phase,date,activity_gbq\n";
  std::ofstream(dir.path / "bar" / "events.csv") << "patient_id,date,event,method\n";
  ASSERT_TRUE(store.Import(Read((dir.path / "bar").string()), "nurse").ok());
  EXPECT_EQ(changed_after(last).patient_ids, (Ids{"A", "A|B", "P00"}));
  last = *store.LastAuditId();
  // A patient removed; a removal refused writes nothing.
  EXPECT_EQ(store.RemovePatient("P030", "ana").code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(store.RemovePatient("P00", "ana").ok());
  EXPECT_EQ(changed_after(last).patient_ids, Ids{"P00"});
  last = *store.LastAuditId();
  // An entry of a table a later version added: whose rows changed cannot be said.
  ASSERT_TRUE(ExecSql(dir.path / "r.db",
                      "INSERT INTO audit (time, user, action, table_name, row_key) VALUES "
                      "('2027-01-01T00:00:00Z', 'ana', 'insert', 'scans', 'P001|2027-01-01')"));
  EXPECT_EQ(changed_after(last).patient_ids, std::nullopt);
}

// A correction that changed a row's key (KeyChange: P001's cycle of 2005-04-18 given on 2005-04-19) is the
// stored row updated in its place, audited under the key it had; without the key change said, or with a
// former key not stored, the same data is one row deleted and another inserted, as an import sees it.
TEST(Store, ACorrectedKeyIsTheRowUpdatedInItsPlace) {
  TempDir dir("store_key_change");
  registry::Store store = OpenStore(dir.path / "r.db");
  ASSERT_TRUE(store.Import(Read(kExample), "nurse").ok());
  auto redate = [&](const std::string& from, const std::string& to,
                    const std::vector<registry::KeyChange>& key_changes) {
    registry::Interchange data = *store.Load();
    for (registry::Row& row : data.files["cycles.csv"])
      if (*row.get("date") == from) row.values["date"] = to;
    return *store.Import(data, "ana", key_changes);
  };
  auto cycle_dates = [&] {
    std::vector<std::string> dates;
    registry::Interchange stored = *store.Load();
    for (const registry::Row& row : stored.files["cycles.csv"])
      if (*row.get("patient_id") == "P001") dates.push_back(*row.get("date"));
    return dates;
  };
  const int64_t audit = *store.AuditCount();
  const registry::ImportCounts updated = redate("2005-04-18", "2005-04-19",
                                                {{"cycles.csv",
                                                  {{"patient_id", "P001"}, {"date", "2005-04-18"}},
                                                  {{"patient_id", "P001"}, {"date", "2005-04-19"}}}});
  EXPECT_EQ(std::tuple(updated.inserted, updated.updated, updated.deleted), std::tuple(0, 1, 0));
  EXPECT_EQ(cycle_dates()[1], "2005-04-19");  // in its place: the second of P001's cycles
  std::vector<std::string> entries;
  ASSERT_TRUE(store
                  .ForEachAuditEntry({"P001", std::nullopt},
                                     [&](const registry::AuditEntry& e) {
                                       if (e.audit_id > audit)
                                         entries.push_back(fmt::format("{} {} {} {} {} {}", e.user, e.action,
                                                                       e.table, e.row_key, *e.column,
                                                                       *e.new_value));
                                       return Status();
                                     })
                  .ok());
  EXPECT_EQ(entries, std::vector<std::string>{"ana update cycles P001|2005-04-18 date 2005-04-19"});
  // Not said, or said of a key not stored: deleted and inserted (at the end of P001's cycles).
  const registry::ImportCounts unsaid = redate("2005-04-19", "2005-04-20", {});
  EXPECT_EQ(std::tuple(unsaid.inserted, unsaid.updated, unsaid.deleted), std::tuple(1, 0, 1));
  const registry::ImportCounts not_stored = redate("2005-04-20", "2005-04-21",
                                                   {{"cycles.csv",
                                                     {{"patient_id", "P001"}, {"date", "2001-01-01"}},
                                                     {{"patient_id", "P001"}, {"date", "2005-04-21"}}}});
  EXPECT_EQ(std::tuple(not_stored.inserted, not_stored.updated, not_stored.deleted), std::tuple(1, 0, 1));
  EXPECT_EQ(cycle_dates().back(), "2005-04-21");
}

// Renamed twice (P003 to P004, then P004 to P005) with a new patient registered as P004 in between: P005's
// trail has P003's entries, the first rename's, and what was done under P004 up to the second rename, not
// the new P004's registration; the new P004's trail has its own registration only. P003, no patient's id
// now, has every entry of its keys.
TEST(Audit, APatientsTrailFollowsTheirRenames) {
  TempDir dir("audit_renames");
  const std::string db = (dir.path / "r.db").string();
  std::string out, err;
  ASSERT_EQ(RunPrrt({"import", "--db", db, "--from", kExample, "--user", "nurse"}, out, err), 0) << err;
  registry::Store store = OpenStore(db);
  ASSERT_EQ(*store.RenamePatient("P003", "P004", "ana"), 4);
  ASSERT_EQ(*store.RenamePatient("P004", "P005", "ana"), 4);
  registry::Interchange newcomer;
  registry::Row row;
  row.values = {{"patient_id", "P004"},
                {"sex", "f"},
                {"birth_date", "1960-01-01"},
                {"primary_site", "midgut"},
                {"last_contact_date", "2020-01-01"}};
  newcomer.files["patients.csv"].push_back(row);
  ASSERT_TRUE(store.Import(newcomer, "nurse").ok());
  auto trail = [&](const std::string& id) {
    std::vector<std::string> entries;
    EXPECT_TRUE(store
                    .ForEachAuditEntry({id, std::nullopt},
                                       [&](const registry::AuditEntry& e) {
                                         entries.push_back(e.action + " " + e.row_key +
                                                           (e.new_value ? " -> " + *e.new_value : ""));
                                         return Status();
                                       })
                    .ok());
    return entries;
  };
  EXPECT_EQ(
      trail("P005"),
      (std::vector<std::string>{
          "insert P003", "insert P003|2010-01-11", "insert P003|2010-03-15", "insert P003|2011-04-02|mds",
          "update P003|2010-01-11 -> P004", "update P003|2010-03-15 -> P004",
          "update P003|2011-04-02|mds -> P004", "update P003 -> P004", "update P004|2010-01-11 -> P005",
          "update P004|2010-03-15 -> P005", "update P004|2011-04-02|mds -> P005", "update P004 -> P005"}));
  EXPECT_EQ(trail("P004"), std::vector<std::string>{"insert P004"});
  // P003's own keys: the registration and the first rename.
  EXPECT_EQ(trail("P003").size(), 8u);
}

// A folder of `n` patients whose ids start with `prefix`, five I-PRRT cycles each.
void WriteFolder(const fs::path& folder, const std::string& prefix, int n) {
  fs::create_directories(folder);
  std::ofstream patients(folder / "patients.csv");
  std::ofstream cycles(folder / "cycles.csv");
  patients << "patient_id,sex,birth_date,primary_site,last_contact_date\n";
  cycles << "patient_id,phase,date,activity_gbq\n";
  for (int i = 0; i < n; ++i) {
    const std::string id = prefix + std::to_string(i);
    patients << id << ",f,1950-01-01,midgut,2015-01-01\n";
    for (int month = 1; month <= 9; month += 2)
      cycles << id << ",I,2010-0" << month << "-01,7.4\n";
  }
  std::ofstream(folder / "events.csv") << "patient_id,date,event,method\n";
}

TEST(Store, TwoImportsAtOnceBothEndCleanly) {
  TempDir dir("store_concurrent");
  // Two folders with different patients, imported into one registry from two connections at the same time.
  WriteFolder(dir.path / "a", "A", 200);
  WriteFolder(dir.path / "b", "B", 200);
  const fs::path db = dir.path / "r.db";
  OpenStore(db);  // create the schema first
  std::vector<Status> results(2);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&, i] {
      registry::Problems problems;
      Result<registry::Interchange> data =
          registry::ReadInterchange((dir.path / (i == 0 ? "a" : "b")).string(), kToday, problems);
      Result<registry::Store> store = registry::Store::Open(db.string());
      if (!data.ok() || !store.ok()) {
        results[i] = InvalidArgument("setup failed");
        return;
      }
      Result<registry::ImportCounts> counts = store->Import(*data, "t");
      results[i] = counts.ok() ? Status() : counts.status();
    });
  }
  for (std::thread& t : threads)
    t.join();
  EXPECT_TRUE(results[0].ok()) << results[0].message();
  EXPECT_TRUE(results[1].ok()) << results[1].message();
  registry::Interchange all = *OpenStore(db).Load();
  EXPECT_EQ(all.files["patients.csv"].size(), 400u);
  EXPECT_EQ(all.files["cycles.csv"].size(), 2000u);
}

TEST(Store, TwoImportProcessesAtOnceEndCleanlyAndLoseNothing) {
  TempDir dir("store_processes");
  // Two `prrt import` processes on a new registry file, started together: each either imports its folder
  // whole (the other waits for the write lock) or fails with "database busy" and writes nothing.
  WriteFolder(dir.path / "a", "A", 3000);
  WriteFolder(dir.path / "b", "B", 3000);
  const fs::path db = dir.path / "r.db";
  std::vector<pid_t> pids;
  for (const char* sub : {"a", "b"}) {
    const std::string command = fmt::format(
        "'{}' import --db '{}' --from '{}' --today 2026-11-27 >'{}' 2>'{}'", PRRT_BINARY, db.string(),
        (dir.path / sub).string(), (dir.path / sub / "out").string(), (dir.path / sub / "err").string());
    pids.push_back(StartShell(command));
    ASSERT_GT(pids.back(), 0);
  }
  std::vector<int> codes;
  for (pid_t pid : pids) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    codes.push_back(WEXITSTATUS(status));
  }
  registry::Interchange all = *OpenStore(db).Load();
  size_t expected_patients = 0;
  for (int i = 0; i < 2; ++i) {
    const fs::path folder = dir.path / (i == 0 ? "a" : "b");
    if (codes[i] == 0) {
      expected_patients += 3000;
      EXPECT_NE(Slurp(folder / "out").find("18000 rows inserted, 0 updated, 0 deleted"), std::string::npos)
          << Slurp(folder / "out");
    } else {
      EXPECT_EQ(codes[i], 2);
      EXPECT_NE(Slurp(folder / "err").find("database busy"), std::string::npos) << Slurp(folder / "err");
    }
  }
  EXPECT_GE(expected_patients, 3000u) << "at least one import succeeds";
  EXPECT_EQ(all.files["patients.csv"].size(), expected_patients);
  EXPECT_EQ(all.files["cycles.csv"].size(), expected_patients * 5);
}

// A change made with SQL outside prrt (the sqlite3 shell, say) is in the audit trail, by the registry's
// triggers, under "(outside prrt)" and as prrt audits its own: an insert by its key, an update by each column
// changed under the former key, a delete by each value beside the key's (one entry without a column for a row
// that is all key); free text as the column `extra`; a user's role, and never their password hash. The
// patients the entries name are those another process's change has the server read again. (The expected
// entries are written out from the example registry's files.)
TEST(Store, AuditsAChangeMadeOutsidePrrt) {
  const std::optional<std::string> none;
  const std::string p002_note = "x_note\treferred from Zürich; CgA 1200 µg/l\n";
  struct Case {
    std::string sql;
    std::vector<Entry> entries;
    std::set<std::string> patients_named;
  };
  const std::vector<Case> cases = {
      {"UPDATE cycles SET activity_gbq = '7.3' WHERE patient_id = 'P001' AND date = '2005-04-18'",
       {{"update", "cycles", "P001|2005-04-18", "activity_gbq", "7.4", "7.3"}},
       {"P001"}},
      {"UPDATE labs SET value = '7.6', lln = NULL WHERE patient_id = 'P001' AND date = '2005-03-15' AND test "
       "= "
       "'hb'",
       {{"update", "labs", "P001|2005-03-15|hb", "value", "7.4", "7.6"},
        {"update", "labs", "P001|2005-03-15|hb", "lln", "7.5", none}},
       {"P001"}},
      {"UPDATE events SET date = '2008-03-02' WHERE patient_id = 'P001' AND date = '2008-03-01'",
       {{"update", "events", "P001|2008-03-01|progression", "date", "2008-03-01", "2008-03-02"}},
       {"P001"}},
      {"UPDATE cycles SET activity_gbq = activity_gbq", {}, {}},
      {"INSERT INTO responses (patient_id, date, response, method) VALUES ('P002', '2009-01-10', 'pd', "
       "'recist')",
       {{"insert", "responses", "P002|2009-01-10|recist", none, none, none}},
       {"P002"}},
      {"DELETE FROM labs WHERE patient_id = 'P001' AND date = '2005-03-15' AND test = 'platelets'",
       {{"delete", "labs", "P001|2005-03-15|platelets", "value", "140", none},
        {"delete", "labs", "P001|2005-03-15|platelets", "unit", "10^9/l", none},
        {"delete", "labs", "P001|2005-03-15|platelets", "lln", "150", none},
        {"delete", "labs", "P001|2005-03-15|platelets", "uln", "400", none}},
       {"P001"}},
      {"INSERT INTO events (patient_id, date, event) VALUES ('P002', '2010-01-01', 'aml'); DELETE FROM "
       "events "
       "WHERE date = '2010-01-01'",
       {{"insert", "events", "P002|2010-01-01|aml", none, none, none},
        {"delete", "events", "P002|2010-01-01|aml", none, none, none}},
       {"P002"}},
      {"UPDATE patients SET extra = '' WHERE patient_id = 'P002'",
       {{"update", "patients", "P002", "extra", p002_note, ""}},
       {"P002"}},
      {"UPDATE patients SET patient_id = 'P009' WHERE patient_id = 'P002'",
       {{"update", "patients", "P002", "patient_id", "P002", "P009"}},
       {"P002", "P009"}},
      {"INSERT INTO users VALUES ('eve', 'admin', 'hash-1', 't', 't'); UPDATE users SET role = 'viewer', "
       "password_hash = 'hash-2' WHERE name = 'eve'; UPDATE users SET updated = 'u'; DELETE FROM users",
       {{"insert", "users", "eve", "role", none, "admin"},
        {"insert", "users", "eve", "password_hash", none, "(set)"},
        {"update", "users", "eve", "role", "admin", "viewer"},
        {"update", "users", "eve", "password_hash", none, "(set)"},
        {"delete", "users", "eve", "role", "viewer", none}},
       {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.sql);
    TempDir dir("store_outside");
    registry::Store store = OpenStore(dir.path / "r.db");
    ASSERT_TRUE(store.Import(Read(kExample), "nurse").ok());
    const int64_t before = *store.LastAuditId();
    ASSERT_TRUE(ExecSql(dir.path / "r.db", c.sql));
    EXPECT_EQ(OutsideEntriesAfter(store, before), c.entries);
    Result<registry::AuditedChanges> named = store.PatientsChangedAfter(before, 100);
    ASSERT_TRUE(named.ok());
    EXPECT_EQ(named->patient_ids, c.patients_named);
  }
}

// Every table's rows are audited, each by its own key: a row of only key columns inserted and then deleted,
// in each table.
TEST(Store, AuditsEveryTablesRowsChangedOutsidePrrt) {
  TempDir dir("store_outside_tables");
  registry::Store store = OpenStore(dir.path / "r.db");
  for (const std::string& file : registry::InterchangeFiles()) {
    SCOPED_TRACE(file);
    const std::string table = file.substr(0, file.size() - 4);
    std::string columns, values, key;
    for (const std::string& column : registry::InterchangeKey(file)) {
      columns += (columns.empty() ? "" : ", ") + column;
      values += fmt::format("{}'{}-{}'", values.empty() ? "" : ", ", table, column);
      key += fmt::format("{}{}-{}", key.empty() ? "" : "|", table, column);
    }
    const int64_t before = *store.LastAuditId();
    ASSERT_TRUE(ExecSql(dir.path / "r.db", fmt::format("INSERT INTO {} ({}) VALUES ({}); DELETE FROM {}",
                                                       table, columns, values, table)));
    EXPECT_EQ(OutsideEntriesAfter(store, before),
              (std::vector<Entry>{{"insert", table, key, {}, {}, {}}, {"delete", table, key, {}, {}, {}}}));
  }
}

// A change outside prrt made by a tool that turns SQLite's triggers off is not in the trail; nor is prrt's
// own write audited twice (its connections run with the triggers off).
TEST(Store, AuditsPrrtsOwnWritesOnceAndNotAChangeWithTheTriggersOff) {
  TempDir dir("store_outside_off");
  registry::Store store = OpenStore(dir.path / "r.db");
  ASSERT_TRUE(store.Import(Read(kExample), "nurse").ok());
  EXPECT_EQ(*store.AuditCount(), 29);  // a row, an entry
  ASSERT_TRUE(store.RenamePatient("P002", "P020", "nurse").ok());
  std::vector<std::string> users;
  ASSERT_TRUE(store
                  .ForEachAuditEntry({},
                                     [&](const registry::AuditEntry& e) {
                                       users.push_back(e.user);
                                       return Status();
                                     })
                  .ok());
  EXPECT_EQ(users, std::vector<std::string>(users.size(), "nurse"));
  const int64_t before = *store.AuditCount();
  ASSERT_TRUE(ExecSql(dir.path / "r.db", "UPDATE cycles SET activity_gbq = '7.3'", SqlTriggers::kOff));
  EXPECT_EQ(*store.AuditCount(), before);
}

// A registry of schema version 4 (before the triggers) gains them on opening, its trail kept: a change
// outside prrt made before is not in the trail, one made after is.
TEST(Store, MigratesAVersion4RegistryToAuditChangesMadeOutsidePrrt) {
  TempDir dir("store_migrate_5");
  ImportExample(dir.path / "r.db");
  ASSERT_TRUE(ExecSql(dir.path / "r.db", DropOutsideChangeTriggers() + "PRAGMA user_version = 4"));
  ASSERT_TRUE(ExecSql(dir.path / "r.db", "UPDATE cycles SET activity_gbq = '7.2' WHERE date = '2005-02-14'"));
  registry::Store reopened = OpenStore(dir.path / "r.db");
  EXPECT_EQ(reopened.SchemaVersion(), 5);
  EXPECT_EQ(*reopened.AuditCount(), 29);
  ASSERT_TRUE(ExecSql(dir.path / "r.db", "UPDATE cycles SET activity_gbq = '7.1' WHERE date = '2005-02-14'"));
  EXPECT_EQ(OutsideEntriesAfter(reopened, 29),
            (std::vector<Entry>{{"update", "cycles", "P001|2005-02-14", "activity_gbq", "7.2", "7.1"}}));
}

// A registry changed with SQL outside prrt may hold what an import would refuse. Read back, each patient's
// rows are checked as an import checks them (what derives endpoints and plans relies on it), and a patient's
// bad row stops the read with one message naming the registry, the patient, the row by its key, the column,
// the value found and what was expected; nothing is changed. Before, a number that was not one threw from
// std::stod (`prrt eligibility` aborted) and a date that was not one was read as none. Text is not
// checked (a registry imported before ids were kept to one line may hold a control character).
TEST(Store, APatientsRowsChangedOutsidePrrtAreCheckedAsAnImportChecksThem) {
  struct Case {
    std::string sql, problem;
  };
  const std::vector<Case> cases = {
      {"UPDATE cycles SET activity_gbq = 'abc' WHERE date = '2005-04-18'",
       "cycles.csv (recorded) P001|2005-04-18: activity_gbq: found 'abc'; expected a number"},
      {"UPDATE labs SET date = '2005-13-15' WHERE date = '2005-03-15' AND test = 'hb'",
       "labs.csv (recorded) P001|2005-13-15|hb: date: found '2005-13-15'; expected a date YYYY-MM-DD (month "
       "13 "
       "is not 1 to 12)"},
      {"UPDATE patients SET last_contact_date = NULL WHERE patient_id = 'P001'",
       "patients.csv (recorded) P001: last_contact_date: missing; it is required"},
      // Empty text, which the import reads as missing (and never stores).
      {"UPDATE patients SET last_contact_date = '' WHERE patient_id = 'P001'",
       "patients.csv (recorded) P001: last_contact_date: missing; it is required"},
      {"UPDATE patients SET sex = 'x' WHERE patient_id = 'P001'",
       "patients.csv (recorded) P001: sex: found 'x'; expected one of: m, f"},
      {"UPDATE baselines SET karnofsky = '85.5' WHERE phase = 'R'",
       "baselines.csv (recorded) P001|R: karnofsky: found '85.5'; expected a whole number"},
      // A NUL stored with SQL is part of the value: it was cut there, and the cycle read as an I cycle.
      {"UPDATE cycles SET phase = 'I' || char(0) || 'x' WHERE date = '2005-04-18'",
       "cycles.csv (recorded) P001|2005-04-18: phase: found 'I\\x00x'; expected one of: I, R, RR"},
      {"UPDATE cycles SET phase = 'RR' WHERE date = '2008-06-23'",
       "cycles.csv (recorded): phase: this RR cycle on 2008-06-23 is not after the last R cycle; phases "
       "follow "
       "each other in time"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.sql);
    TempDir dir("store_recorded");
    const std::string db = (dir.path / "r.db").string();
    ImportExample(db);
    ASSERT_TRUE(ExecSql(db, c.sql));
    const std::string expected = fmt::format(
        "{}: patient 'P001' has rows prrt would not import (changed outside prrt? `prrt audit --patient` "
        "says; `prrt validate --db` lists every such patient):\n{}",
        db, c.problem);
    registry::Store store = OpenStore(db);
    std::vector<std::string> read;
    Status walked = store.ForEachPatient([&](const std::string& id, const registry::Interchange&) {
      read.push_back(id);
      return Status();
    });
    EXPECT_EQ(walked.message(), expected);
    EXPECT_TRUE(read.empty());  // P001 comes first
    // P002 alone is read as recorded.
    EXPECT_TRUE(store
                    .ForEachPatient([](const std::string&, const registry::Interchange&) { return Status(); },
                                    std::string("P002"))
                    .ok());
    std::string out, err;
    EXPECT_EQ(RunPrrt({"eligibility", "--db", db}, out, err), 1);
    EXPECT_EQ(err, "prrt: " + expected + "\n");
    // Given a visit for them, P001 is handed to it with their rows as stored, and the others are read.
    read.clear();
    std::vector<std::string> to_correct;
    walked = store.ForEachPatient(
        [&](const std::string& id, const registry::Interchange&) {
          read.push_back(id);
          return Status();
        },
        std::nullopt,
        [&](const std::string& id, const registry::Interchange& rows,
            const std::vector<std::string>& problems) {
          to_correct.push_back(id);
          EXPECT_EQ(problems, std::vector<std::string>{c.problem});
          EXPECT_EQ(rows.files.at("cycles.csv").size(), 6u);
          return Status();
        });
    EXPECT_TRUE(walked.ok()) << walked.message();
    EXPECT_EQ(read, (std::vector<std::string>{"P002", "P003"}));
    EXPECT_EQ(to_correct, std::vector<std::string>{"P001"});
    Result<std::optional<registry::Interchange>> rows = store.PatientRows("P001");
    ASSERT_TRUE(rows.ok() && rows->has_value());
    EXPECT_EQ((**rows).files.at("cycles.csv").size(), 6u);  // unchecked, as stored
  }
}

// A write to a patient whose rows were changed outside prrt is checked with every row of theirs: a lab result
// is refused for the dose of 'abc' (the problem as the read reports it), the dose corrected is taken, and the
// patient is read again as recorded.
TEST(Store, AWriteToAPatientChangedOutsidePrrtMendsTheRowsOrIsRefused) {
  TempDir dir("store_mend");
  const std::string db = (dir.path / "r.db").string();
  registry::Store store = OpenStore(db);
  ASSERT_TRUE(store.Import(Read(kExample), "nurse").ok());
  ASSERT_TRUE(ExecSql(db,
                      "UPDATE cycles SET activity_gbq = 'abc' WHERE patient_id = 'P001' AND date = "
                      "'2005-04-18'"));
  Result<std::optional<registry::Interchange>> read = store.PatientRows("P001");
  ASSERT_TRUE(read.ok() && read->has_value());
  registry::Interchange& rows = **read;
  const size_t labs_before = rows.files.at("labs.csv").size();
  registry::Problems problems;
  Status added = registry::AddRow(
      rows, "labs.csv",
      {{"patient_id", "P001"}, {"date", "2005-04-11"}, {"test", "hb"}, {"value", "7.5"}, {"unit", "mmol/l"}},
      registry::Today(), problems);
  EXPECT_FALSE(added.ok());
  EXPECT_EQ(
      problems.messages,
      std::vector<std::string>{"cycles.csv (recorded) P001|2005-04-18: activity_gbq: found 'abc'; expected "
                               "a number"});
  EXPECT_EQ(rows.files.at("labs.csv").size(), labs_before);  // left as it was
  problems = {};
  Result<std::vector<registry::KeyChange>> corrected = registry::ReplaceRow(
      rows, "cycles.csv",
      {{"patient_id", "P001"}, {"phase", "I"}, {"date", "2005-04-18"}, {"activity_gbq", "7.4"}},
      registry::Today(), problems);
  ASSERT_TRUE(corrected.ok()) << ::testing::PrintToString(problems.messages);
  ASSERT_TRUE(store.Import(rows, "nurse").ok());
  EXPECT_TRUE(
      store.ForEachPatient([](const std::string&, const registry::Interchange&) { return Status(); }).ok());
}

// `prrt validate --db` checks every patient as stored: the example registry has its folder's rows; with two
// patients changed in the sqlite3 shell it lists both, a line a problem (exit 1, as `prrt eligibility` on the
// same registry), in JSON each with its patient; past 100 problems it says there are more.
TEST(Store, ValidateDbListsEveryPatientChangedOutsidePrrt) {
  TempDir dir("store_validate");
  const std::string db = (dir.path / "r.db").string();
  ImportExample(db);
  std::string out, err;
  ASSERT_EQ(RunPrrt({"validate", "--db", db, "--json"}, out, err), 0) << err;
  EXPECT_EQ(nlohmann::json::parse(out), nlohmann::json::parse(R"({"valid": true, "rows": {"patients.csv": 3,
      "cycles.csv": 12, "labs.csv": 4, "responses.csv": 3, "events.csv": 4, "baselines.csv": 3,
      "lesions.csv": 0}})"));
  ASSERT_TRUE(ExecSql(db,
                      "UPDATE cycles SET activity_gbq = 'abc' WHERE patient_id = 'P001' AND date = "
                      "'2005-04-18'; UPDATE patients SET sex = 'x' WHERE patient_id = 'P003'"));
  EXPECT_EQ(RunPrrt({"validate", "--db", db}, out, err), 1);
  EXPECT_EQ(err,
            fmt::format("prrt: {}: rows prrt would not import under 2 patient_ids (3 patients registered; "
                        "changed outside prrt? `prrt audit --patient` says):\n"
                        "patient 'P001': cycles.csv (recorded) P001|2005-04-18: activity_gbq: found 'abc'; "
                        "expected a number\n"
                        "patient 'P003': patients.csv (recorded) P003: sex: found 'x'; expected one of: m, "
                        "f\n",
                        db));
  EXPECT_EQ(RunPrrt({"validate", "--db", db, "--json"}, out, err), 1);
  const nlohmann::json problems = {
      {{"patient_id", "P001"},
       {"message", "cycles.csv (recorded) P001|2005-04-18: activity_gbq: found 'abc'; expected a number"}},
      {{"patient_id", "P003"},
       {"message", "patients.csv (recorded) P003: sex: found 'x'; expected one of: m, f"}}};
  EXPECT_EQ(nlohmann::json::parse(out),
            (nlohmann::json{{"valid", false}, {"more_problems", false}, {"problems", problems}}));
  // 150 cycles of P002 with a dose of 'x': 152 problems, the first 100 shown.
  ASSERT_TRUE(ExecSql(db,
                      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 150) INSERT "
                      "INTO cycles (patient_id, phase, date, activity_gbq) SELECT 'P002', 'I', "
                      "date('2007-01-01', '+' || i || ' days'), 'x' FROM n"));
  EXPECT_EQ(RunPrrt({"validate", "--db", db}, out, err), 1);
  EXPECT_TRUE(err.ends_with("\n(more problems not shown; the first 100 are above)\n")) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 102);
  EXPECT_NE(err.find("\npatient 'P002': cycles.csv (recorded) P002|2007-01-02: activity_gbq: found 'x'; "
                     "expected a number\n"),
            std::string::npos);
  EXPECT_EQ(RunPrrt({"validate", "--db", db, "--json"}, out, err), 1);
  const nlohmann::json report = nlohmann::json::parse(out);
  EXPECT_EQ(report["more_problems"], true);
  EXPECT_EQ(report["problems"].size(), 100u);
  EXPECT_EQ(RunPrrt({"validate"}, out, err), 2);
  EXPECT_EQ(err, "prrt: give --from FOLDER (CSV files) or --db FILE (a registry)\n");
}

// A walk over every patient (ForEachPatient): the cycles of each patient visited, and the groups of rows
// handed to correct, each with its id, problems, patients and cycles.
struct WalkedRows {
  struct ToCorrect {
    std::string id;
    std::vector<std::string> problems;
    size_t patients = 0, cycles = 0;
    bool operator==(const ToCorrect&) const = default;
    friend void PrintTo(const ToCorrect& c, std::ostream* os) {
      *os << fmt::format("{{'{}', {}, {} patients, {} cycles}}", c.id, fmt::join(c.problems, " / "),
                         c.patients, c.cycles);
    }
  };
  Status status;
  std::map<std::string, size_t> cycles;
  std::vector<ToCorrect> to_correct;
};
WalkedRows WalkEveryPatient(const registry::Store& store) {
  WalkedRows walked;
  walked.status = store.ForEachPatient(
      [&](const std::string& id, const registry::Interchange& rows) {
        walked.cycles[id] = rows.files.at("cycles.csv").size();
        return Status();
      },
      std::nullopt,
      [&](const std::string& id, const registry::Interchange& rows,
          const std::vector<std::string>& problems) {
        walked.to_correct.push_back(
            {id, problems, rows.files.at("patients.csv").size(), rows.files.at("cycles.csv").size()});
        return Status();
      });
  return walked;
}

// Rows whose patient is not registered (the sqlite3 shell does not enforce foreign keys) or whose patient_id
// is NULL are named by the check, and every patient's rows are still read: rows of P0015 (between P001 and
// P002) kept every later patient's cycles from being read, silently, and a NULL patient_id aborted a walk
// or was passed over by a walk in parts. Rows with no patient_id, NULL or empty, are one group, read under
// the empty id.
TEST(Store, RowsOfNoRegisteredPatientAreNamedAndTheOthersReadWhole) {
  TempDir dir("store_orphans");
  const std::string db = (dir.path / "r.db").string();
  ImportExample(db);
  const std::map<std::string, size_t> cycles = {{"P001", 6}, {"P002", 4}, {"P003", 2}};  // cycles.csv
  struct Case {
    std::string sql, id;
    std::vector<std::string> problems;
    size_t cycles_of_id;  // the group's cycles
  };
  const std::vector<Case> cases = {
      {"INSERT INTO cycles (patient_id, phase, date, activity_gbq) VALUES ('P0015', 'I', '2006-01-02', "
       "'7.4')",
       "P0015",
       {"cycles.csv (recorded): patient_id: 'P0015' is not in patients.csv"},
       1},
      {"UPDATE labs SET patient_id = NULL WHERE date = '2005-03-15' AND test = 'hb'",
       "",
       {"labs.csv (recorded) |2005-03-15|hb: patient_id: missing; it is required"},
       0},
      {"UPDATE labs SET patient_id = NULL WHERE date = '2005-03-15' AND test = 'hb'; INSERT INTO cycles "
       "(patient_id, phase, date, activity_gbq) VALUES ('', 'I', '2006-01-02', '7.4')",
       "",
       {"cycles.csv (recorded) |2006-01-02: patient_id: missing; it is required",
        "labs.csv (recorded) |2005-03-15|hb: patient_id: missing; it is required"},
       1},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.sql);
    const std::string edited = EditedCopy(db, c.sql);
    registry::Store store = OpenStore(edited);
    const WalkedRows walked = WalkEveryPatient(store);
    EXPECT_TRUE(walked.status.ok()) << walked.status.message();
    EXPECT_EQ(walked.cycles, cycles);
    EXPECT_EQ(walked.to_correct, (std::vector<WalkedRows::ToCorrect>{{c.id, c.problems, 0, c.cycles_of_id}}));
    // In parts, as `prrt eligibility` reads: stopped with the problem, not passed over.
    const Status in_parts = registry::Store::ForEachPatientInParallel(
        edited, 2, [](const registry::PatientPart&, const std::string&, const registry::Interchange&) {
          return Status();
        });
    EXPECT_EQ(
        in_parts.message(),
        fmt::format("{}: {} prrt would not import (changed outside prrt? `prrt audit --patient` says; `prrt "
                    "validate --db` lists every such patient):\n{}",
                    edited,
                    c.id.empty() ? "there are rows without a patient_id, which"
                                 : fmt::format("patient '{}' has rows", c.id),
                    fmt::join(c.problems, "\n")));
    // `prrt validate --db` names them by their id, or as having none (null in JSON).
    std::string out, err;
    EXPECT_EQ(RunPrrt({"validate", "--db", edited, "--json"}, out, err), 1);
    nlohmann::json listed = nlohmann::json::array();
    for (const std::string& problem : c.problems)
      listed.push_back(
          {{"patient_id", c.id.empty() ? nlohmann::json() : nlohmann::json(c.id)}, {"message", problem}});
    EXPECT_EQ(nlohmann::json::parse(out)["problems"], listed);
    EXPECT_EQ(RunPrrt({"validate", "--db", edited}, out, err), 1);
    const std::string line = c.id.empty() ? "\nno patient_id: " : fmt::format("\npatient '{}': ", c.id);
    EXPECT_NE(err.find(line + c.problems.front() + "\n"), std::string::npos) << err;
    // Read alone (as the server follows a change), under the same id.
    Result<std::optional<registry::Interchange>> rows = store.PatientRows(c.id);
    ASSERT_TRUE(rows.ok() && rows->has_value());
    EXPECT_EQ((**rows).files.at("cycles.csv").size(), c.cycles_of_id);
    EXPECT_EQ((**rows).files.at("labs.csv").size(), c.id.empty() ? 1u : 0u);
  }
}

// Patients registered without a patient_id (NULL in the sqlite3 shell), more of them than the first part of a
// read in parts holds: the part's first patient_id, looked up by its place in patient_id order, is NULL.
// Before, it was made into a std::string from a null pointer, and `prrt eligibility` and `prrt study`
// aborted ("basic_string: construction from null is not valid").
TEST(Store, PatientsWithoutAPatientIdDoNotStopAReadInParts) {
  TempDir dir("store_null_patients");
  const std::string db = (dir.path / "r.db").string();
  ImportExample(db);
  const std::string edited =
      EditedCopy(db,
                 "INSERT INTO patients (patient_id, sex) VALUES (NULL, 'm'), (NULL, 'm'), (NULL, 'm'), "
                 "(NULL, 'm'), (NULL, 'm')");
  const std::string problem = "patients.csv (recorded) : patient_id: missing; it is required";
  const Status in_parts = registry::Store::ForEachPatientInParallel(
      edited, 2, [](const registry::PatientPart&, const std::string&, const registry::Interchange&) {
        return Status();
      });
  EXPECT_TRUE(in_parts.message().starts_with(
      fmt::format("{}: there are rows without a patient_id, which prrt would not import", edited)))
      << in_parts.message();
  EXPECT_NE(in_parts.message().find("\n" + problem + "\n"), std::string::npos) << in_parts.message();
  for (const char* command : {"eligibility", "study"}) {
    std::string out, err;
    std::vector<std::string> args = {command, "--db", edited};
    if (std::string(command) == "study") args.insert(args.end(), {"--out", (dir.path / "report").string()});
    EXPECT_EQ(RunPrrt(args, out, err), 1) << command << ": " << err;
    EXPECT_NE(err.find(problem), std::string::npos) << command << ": " << err;
  }
}

// Rows whose patient_id is a blob (given as bytes with SQL outside prrt, say from a script) are named as
// such, with the SQL that makes them text, and the patient's other rows are read as they are: SQLite orders
// blobs after every text, so such rows came to the walk as a second group under an id read already, named
// as rows whose patient "is not in patients.csv" though the patient is.
TEST(Store, RowsWhosePatientIdIsABlobAreNamedAsSuch) {
  TempDir dir("store_blob_ids");
  const std::string db = (dir.path / "r.db").string();
  ImportExample(db);
  const std::string edited = EditedCopy(
      db,
      "UPDATE cycles SET patient_id = CAST(patient_id AS BLOB) WHERE patient_id = 'P002' AND date = "
      "'2006-06-12'; INSERT INTO cycles (patient_id, phase, date, activity_gbq) VALUES (X'5030303135', 'I', "
      "'2006-01-02', '7.4')");
  // 'P0015' and 'P002' as bytes: 50 30 30 31 35 and 50 30 30 32.
  auto problem = [](const std::string& id, const std::string& hex) {
    return fmt::format(
        "cycles.csv (recorded): patient_id: found '{}' stored as a blob (X'{}') in 1 row; expected text "
        "(`UPDATE cycles SET patient_id = CAST(patient_id AS TEXT) WHERE typeof(patient_id) = 'blob'` makes "
        "it text)",
        id, hex);
  };
  registry::Store store = OpenStore(edited);
  const WalkedRows walked = WalkEveryPatient(store);
  EXPECT_TRUE(walked.status.ok()) << walked.status.message();
  // P002's other three cycles are read as theirs.
  EXPECT_EQ(walked.cycles, (std::map<std::string, size_t>{{"P001", 6}, {"P002", 3}, {"P003", 2}}));
  EXPECT_EQ(walked.to_correct,
            (std::vector<WalkedRows::ToCorrect>{{"P0015", {problem("P0015", "5030303135")}, 0, 1},
                                                {"P002", {problem("P002", "50303032")}, 0, 1}}));
  for (int parts : {1, 2, 4}) {
    SCOPED_TRACE(parts);
    const Status in_parts = registry::Store::ForEachPatientInParallel(
        edited, parts, [&](const registry::PatientPart&, const std::string&, const registry::Interchange&) {
          return Status();
        });
    EXPECT_EQ(in_parts.message(),
              fmt::format("{}: patient 'P0015' has rows prrt would not import (changed outside prrt? `prrt "
                          "audit --patient` says; `prrt validate --db` lists every such patient):\n{}",
                          edited, problem("P0015", "5030303135")));
  }
  // Read alone (as the server reads a patient after a change), with the patient's other rows; no write can
  // correct them (it stores text), so they are not handed to one.
  std::vector<std::string> found;
  const Status alone = store.ForEachPatient(
      [&](const std::string&, const registry::Interchange&) { return Status(); }, "P002",
      [&](const std::string&, const registry::Interchange& rows, const std::vector<std::string>& problems) {
        found = problems;
        EXPECT_EQ(rows.files.at("cycles.csv").size(), 4u);
        EXPECT_EQ(rows.files.at("patients.csv").size(), 1u);
        return Status();
      });
  EXPECT_TRUE(alone.ok()) << alone.message();
  EXPECT_EQ(found, std::vector<std::string>{problem("P002", "50303032")});
  for (const auto& [id, hex] : {std::pair{"P002", "50303032"}, {"P0015", "5030303135"}}) {
    Result<std::optional<registry::Interchange>> rows = store.PatientRows(id);
    EXPECT_EQ(rows.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_EQ(rows.status().message(), fmt::format("{}: patient '{}' has rows a write cannot correct:\n{}",
                                                   edited, id, problem(id, hex)));
  }
  EXPECT_TRUE(store.PatientRows("P001").ok());
  std::string out, err;
  EXPECT_EQ(RunPrrt({"patient", "--db", edited, "P002"}, out, err), 1);
  EXPECT_EQ(out, "");
  EXPECT_EQ(RunPrrt({"validate", "--db", edited, "--json"}, out, err), 1);
  EXPECT_EQ(nlohmann::json::parse(out)["problems"],
            (nlohmann::json{{{"patient_id", "P0015"}, {"message", problem("P0015", "5030303135")}},
                            {{"patient_id", "P002"}, {"message", problem("P002", "50303032")}}}));
  // The SQL the message gives makes them text: P002's cycle is theirs again, P0015's is of no patient.
  ASSERT_TRUE(ExecSql(
      edited, "UPDATE cycles SET patient_id = CAST(patient_id AS TEXT) WHERE typeof(patient_id) = 'blob'"));
  EXPECT_EQ(RunPrrt({"validate", "--db", edited, "--json"}, out, err), 1);
  EXPECT_EQ(
      nlohmann::json::parse(out)["problems"],
      (nlohmann::json{{{"patient_id", "P0015"},
                       {"message", "cycles.csv (recorded): patient_id: 'P0015' is not in patients.csv"}}}));
}

// A walk in parts reads the rows of no registered patient wherever they are, also when the registry has
// fewer patients than parts: rows below the one patient, or rows in a registry of none, were passed over
// (the parts without patients were not walked), and `prrt eligibility` answered where `prrt validate --db`
// named the rows.
TEST(Store, AWalkInPartsNamesRowsOfNoPatientWhateverTheParts) {
  TempDir dir("store_orphans_parts");
  const std::string db = (dir.path / "r.db").string();
  ImportExample(db);
  // Every row but P002's; every row.
  std::string others, all;
  for (const std::string& file : registry::InterchangeFiles()) {
    const std::string table = file.substr(0, file.size() - 4);
    others += fmt::format("DELETE FROM {} WHERE patient_id <> 'P002'; ", table);
    all += fmt::format("DELETE FROM {}; ", table);
  }
  const std::string orphan =
      "INSERT INTO cycles (patient_id, phase, date, activity_gbq) VALUES ('P000', 'I', '2006-01-02', '7.4')";
  const std::string problem = "cycles.csv (recorded): patient_id: 'P000' is not in patients.csv";
  for (const std::string& sql : {others + orphan, all + orphan}) {
    SCOPED_TRACE(sql);
    const std::string edited = EditedCopy(db, sql);
    for (int parts : {1, 2, 4}) {
      SCOPED_TRACE(parts);
      Status walked = registry::Store::ForEachPatientInParallel(
          edited, parts, [&](const registry::PatientPart&, const std::string&, const registry::Interchange&) {
            return Status();
          });
      EXPECT_EQ(walked.message(),
                fmt::format("{}: patient 'P000' has rows prrt would not import (changed outside prrt? `prrt "
                            "audit --patient` says; `prrt validate --db` lists every such patient):\n{}",
                            edited, problem));
    }
  }
}

// A patient with several rows broken outside prrt is corrected a row a write: each write must leave fewer of
// the problems found before it and no other, the values' first, then the rules' that come to light once the
// values are right. Before, every write had to leave no problem at all, so that the first of two corrections
// was refused for the second, and the patient could not be corrected in the clinic. A write that corrects
// nothing (a lab result) is refused with the problems, as before. The same for rows of an id no patient has:
// removed one by one.
TEST(Store, APatientWithSeveralRowsChangedOutsidePrrtIsCorrectedARowAWrite) {
  TempDir dir("store_mend_steps");
  const std::string db = (dir.path / "r.db").string();
  registry::Store store = OpenStore(db);
  ASSERT_TRUE(store.Import(Read(kExample), "nurse").ok());
  // Two doses that are no numbers, and R-PRRT's first cycle made RR (a rule, checked once the values are).
  ASSERT_TRUE(
      ExecSql(db,
              "UPDATE cycles SET activity_gbq = 'abc' WHERE patient_id = 'P001' AND date = '2005-04-18'; "
              "UPDATE cycles SET activity_gbq = 'x' WHERE patient_id = 'P001' AND date = '2005-06-20'; "
              "UPDATE cycles SET phase = 'RR' WHERE patient_id = 'P001' AND date = '2008-06-23'"));
  Result<std::optional<registry::Interchange>> read = store.PatientRows("P001");
  ASSERT_TRUE(read.ok() && read->has_value());
  registry::Interchange& rows = **read;
  const std::string abc =
      "cycles.csv (recorded) P001|2005-04-18: activity_gbq: found 'abc'; expected a number";
  const std::string x = "cycles.csv (recorded) P001|2005-06-20: activity_gbq: found 'x'; expected a number";
  const std::string rr =
      "cycles.csv (recorded): phase: this RR cycle on 2008-06-23 is not after the last R cycle; phases "
      "follow "
      "each other in time";
  auto add_lab = [&] {
    registry::Problems problems;
    const Status added = registry::AddRow(rows, "labs.csv",
                                          {{"patient_id", "P001"},
                                           {"date", "2005-04-11"},
                                           {"test", "hb"},
                                           {"value", "7.5"},
                                           {"unit", "mmol/l"}},
                                          registry::Today(), problems);
    EXPECT_FALSE(added.ok());
    return problems.messages;
  };
  auto correct = [&](const std::string& date, const std::string& phase) {
    registry::Problems problems;
    const Result<std::vector<registry::KeyChange>> corrected = registry::ReplaceRow(
        rows, "cycles.csv",
        {{"patient_id", "P001"}, {"phase", phase}, {"date", date}, {"activity_gbq", "7.4"}},
        registry::Today(), problems);
    EXPECT_TRUE(corrected.ok()) << date << ": " << ::testing::PrintToString(problems.messages);
    EXPECT_TRUE(problems.empty());
  };
  auto left = [&] {  // the problems of the rows as they are now
    registry::Problems problems;
    (void)registry::CheckRecorded(rows, problems);
    return problems.messages;
  };
  EXPECT_EQ(add_lab(), (std::vector<std::string>{abc, x}));
  correct("2005-04-18", "I");
  EXPECT_EQ(left(), std::vector<std::string>{x});
  correct("2005-06-20", "I");
  EXPECT_EQ(left(), std::vector<std::string>{rr});  // the values right, the rule comes to light
  EXPECT_EQ(add_lab(), std::vector<std::string>{rr});
  correct("2008-06-23", "R");
  EXPECT_TRUE(left().empty());
  ASSERT_TRUE(store.Import(rows, "nurse").ok());
  EXPECT_TRUE(
      store.ForEachPatient([](const std::string&, const registry::Interchange&) { return Status(); }).ok());

  // Two cycles of P0015, no patient's: each removal leaves one problem fewer.
  ASSERT_TRUE(ExecSql(db,
                      "INSERT INTO cycles (patient_id, phase, date, activity_gbq) VALUES ('P0015', 'I', "
                      "'2006-01-02', '7.4'), ('P0015', 'I', '2006-03-06', '7.4')"));
  read = store.PatientRows("P0015");
  ASSERT_TRUE(read.ok() && read->has_value());
  for (const std::string date : {"2006-01-02", "2006-03-06"}) {
    registry::Problems problems;
    const Status removed =
        registry::RemoveRow(**read, "cycles.csv", {{"patient_id", "P0015"}, {"date", date}}, problems);
    EXPECT_TRUE(removed.ok()) << date << ": " << removed.message();
  }
  EXPECT_TRUE((**read).files.at("cycles.csv").empty());
}

// A patient registered by mistake is removed even when their row was changed outside prrt.
TEST(Store, APatientRegisteredByMistakeIsRemovedWhateverTheirRowHolds) {
  TempDir dir("store_remove_changed");
  const std::string db = (dir.path / "r.db").string();
  registry::Store store = OpenStore(db);
  ASSERT_TRUE(store.Import(Read(kExample), "nurse").ok());
  ASSERT_TRUE(ExecSql(db,
                      "INSERT INTO patients (patient_id, sex, birth_date, primary_site, last_contact_date) "
                      "VALUES ('P9', 'x', '1950-01-01', 'midgut', '2016-01-01')"));
  EXPECT_TRUE(store.RemovePatient("P9", "nurse").ok());
  EXPECT_FALSE(*store.HasPatient("P9"));
}

// The check of rows read back leaves duplicate keys to the registry's UNIQUE constraints, which hold keys
// distinct only when no key column is NULL: every key column is required.
// A date after today (recorded as of another clock, or imported with --today) is read back: no harm to what
// is derived from it, and a clinic whose clock ran ahead would otherwise find its registry unreadable.
TEST(Store, ADateAfterTodayIsReadBack) {
  TempDir dir("store_recorded_future");
  const std::string db = (dir.path / "r.db").string();
  registry::Store store = OpenStore(db);
  ASSERT_TRUE(store.Import(Read(kExample), "nurse").ok());
  ASSERT_TRUE(ExecSql(db, "UPDATE patients SET last_contact_date = '2999-01-01' WHERE patient_id = 'P001'"));
  int read = 0;
  Status walked = store.ForEachPatient([&](const std::string&, const registry::Interchange&) {
    ++read;
    return Status();
  });
  EXPECT_TRUE(walked.ok()) << walked.message();
  EXPECT_EQ(read, 3);
}

TEST(Store, EveryKeyColumnIsRequired) {
  for (const registry::FileSpec& spec : registry::InterchangeSpecs()) {
    for (const std::string& key : spec.key) {
      const auto field = std::find_if(spec.columns.begin(), spec.columns.end(),
                                      [&](const registry::ColumnSpec& c) { return c.name == key; });
      ASSERT_NE(field, spec.columns.end()) << spec.name << " " << key;
      EXPECT_TRUE(field->required) << spec.name << " " << key;
    }
  }
}

TEST(Store, SchemaVersionAndWal) {
  TempDir dir("store_schema");
  registry::Store store = OpenStore(dir.path / "r.db");
  EXPECT_EQ(store.SchemaVersion(), 5);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path / "r.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "wal");
  sqlite3_finalize(st);
  // A registry from a newer prrt is refused rather than misread.
  sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  Result<registry::Store> newer = registry::Store::Open((dir.path / "r.db").string());
  ASSERT_FALSE(newer.ok());
  EXPECT_NE(newer.status().message().find("schema version 99 is newer than this prrt"), std::string::npos);
}

// A registry written by the prrt of schema version 1 (before users) is migrated on opening, its rows kept.
// A registry of schema version 2 (before the audit trail's index) gains the index on opening, its trail kept.
TEST(Store, MigratesAVersion2RegistryToTheAuditIndex) {
  TempDir dir("store_migrate_3");
  ImportExample(dir.path / "r.db");
  sqlite3* db = nullptr;
  auto has_index = [&db]() {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(
        db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'audit_by_row_key'", -1, &st,
        nullptr);
    const bool found = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1;
    sqlite3_finalize(st);
    return found;
  };
  ASSERT_EQ(sqlite3_open((dir.path / "r.db").c_str(), &db), SQLITE_OK);
  ASSERT_TRUE(has_index());
  ASSERT_EQ(
      sqlite3_exec(db,
                   (DropOutsideChangeTriggers() +
                    "DROP INDEX audit_by_row_key; DROP INDEX audit_patient_renames; PRAGMA user_version = 2")
                       .c_str(),
                   nullptr, nullptr, nullptr),
      SQLITE_OK);
  ASSERT_FALSE(has_index());
  sqlite3_close(db);
  Result<registry::Store> reopened = registry::Store::Open((dir.path / "r.db").string());
  ASSERT_TRUE(reopened.ok()) << reopened.status().message();
  EXPECT_EQ(reopened->SchemaVersion(), 5);
  EXPECT_EQ(*reopened->AuditCount(), 29);
  ASSERT_EQ(sqlite3_open((dir.path / "r.db").c_str(), &db), SQLITE_OK);
  EXPECT_TRUE(has_index());
  sqlite3_close(db);
}

TEST(Store, MigratesAVersion1RegistryToUsers) {
  TempDir dir("store_migrate");
  {
    registry::Store store = OpenStore(dir.path / "r.db");
    ASSERT_TRUE(store.PutUser({"ana", "viewer", "h", "", ""}, true, "test").ok());
  }
  ASSERT_TRUE(ExecSql(dir.path / "r.db",
                      DropOutsideChangeTriggers() +
                          "DROP TABLE users; DROP INDEX audit_by_row_key; DROP INDEX audit_patient_renames; "
                          "PRAGMA user_version = 1"));
  Result<registry::Store> reopened = registry::Store::Open((dir.path / "r.db").string());
  ASSERT_TRUE(reopened.ok()) << reopened.status().message();
  EXPECT_EQ(reopened->SchemaVersion(), 5);
  EXPECT_TRUE(reopened->ListUsers()->empty());
  EXPECT_EQ(*reopened->AuditCount(), 2);  // the audit trail of version 1 is still there
  EXPECT_TRUE(reopened->PutUser({"ana", "viewer", "h", "", ""}, true, "test").ok());
}

TEST(Store, AnImportInPartsIsOneTransaction) {
  TempDir dir("store_parts");
  WriteFolder(dir.path / "a", "A", 3);
  WriteFolder(dir.path / "b", "B", 2);
  const registry::Interchange a = Read((dir.path / "a").string()), b = Read((dir.path / "b").string());
  registry::Store store = OpenStore(dir.path / "r.db");
  // The second part fails after the first was stored: nothing of either stays.
  Result<registry::ImportCounts> failed = store.ImportParts(
      [&](const std::function<Status(const registry::Interchange&)>& store_part) -> Status {
        if (Status s = store_part(a); !s.ok()) return s;
        return InvalidArgument("the second part has problems");
      },
      "tester");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().message(), "the second part has problems");
  EXPECT_EQ(*store.AuditCount(), 0);
  EXPECT_TRUE(store.Load()->files["patients.csv"].empty());
  // Both parts: every row of each (3 patients with 5 cycles, 2 with 5), each audited.
  Result<registry::ImportCounts> both = store.ImportParts(
      [&](const std::function<Status(const registry::Interchange&)>& store_part) -> Status {
        if (Status s = store_part(a); !s.ok()) return s;
        return store_part(b);
      },
      "tester");
  ASSERT_TRUE(both.ok()) << both.status().message();
  EXPECT_EQ(both->inserted, 3 + 15 + 2 + 10);
  EXPECT_EQ(*store.AuditCount(), 30);
  EXPECT_EQ(store.Load()->files["patients.csv"].size(), 5u);
  // Again, in parts: nothing changes (rows of tables that were not empty are compared).
  Result<registry::ImportCounts> again = store.ImportParts(
      [&](const std::function<Status(const registry::Interchange&)>& store_part) -> Status {
        if (Status s = store_part(b); !s.ok()) return s;
        return store_part(a);
      },
      "tester");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->changed());
  // The registry is in WAL mode again after the bulk imports, failed or not.
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path / "r.db").string().c_str(), &raw), SQLITE_OK);
  sqlite3_stmt* mode = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw, "PRAGMA journal_mode", -1, &mode, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(mode), SQLITE_ROW);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(sqlite3_column_text(mode, 0))), "wal");
  sqlite3_finalize(mode);
  sqlite3_close(raw);
}

TEST(Store, ForEachPatientVisitsEveryPatientWithItsRowsInIdOrder) {
  TempDir dir("store_each");
  // More patients than one batch of the reading thread (256), in an order that is not patient_id order.
  constexpr int kPatients = 700;
  WriteFolder(dir.path / "a", "P", kPatients);
  registry::Store store = OpenStore(dir.path / "r.db");
  ASSERT_TRUE(store.Import(Read((dir.path / "a").string()), "tester").ok());
  EXPECT_EQ(*store.PatientCount(), kPatients);
  const std::map<std::string, registry::Interchange> expected = registry::SplitByPatient(*store.Load());

  auto values = [](const std::vector<registry::Row>& rows) {
    std::vector<registry::RowValues> v;
    for (const registry::Row& r : rows)
      v.push_back(r.values);
    return v;
  };
  std::vector<std::string> visited;
  Status all = store.ForEachPatient([&](const std::string& id, const registry::Interchange& rows) {
    visited.push_back(id);
    for (const auto& [file, file_rows] : expected.at(id).files)
      EXPECT_EQ(values(rows.files.at(file)), values(file_rows)) << id << " " << file;
    EXPECT_EQ(rows.files.at("cycles.csv").size(), 5u) << id;
    return Status();
  });
  ASSERT_TRUE(all.ok()) << all.message();
  std::vector<std::string> ids;
  for (const auto& [id, rows] : expected)
    ids.push_back(id);  // std::map: in patient_id order
  EXPECT_EQ(visited, ids);

  // The first error ends the walk (here in the second batch) and is what ForEachPatient returns.
  int visits = 0;
  Status stopped = store.ForEachPatient([&](const std::string&, const registry::Interchange&) {
    return ++visits == 300 ? InvalidArgument("stop here") : Status();
  });
  EXPECT_EQ(stopped.message(), "stop here");
  EXPECT_EQ(visits, 300);

  // One patient only.
  visited.clear();
  ASSERT_TRUE(store
                  .ForEachPatient(
                      [&](const std::string& id, const registry::Interchange& rows) {
                        visited.push_back(id);
                        EXPECT_EQ(rows.files.at("cycles.csv").size(), 5u);
                        return Status();
                      },
                      "P42")
                  .ok());
  EXPECT_EQ(visited, std::vector<std::string>{"P42"});
}

// One patient's rows come as stored (as Load gives them, the order of the lines imported); a walk over every
// patient gives them by key. Nothing derived from a patient's rows depends on which: a simulated registry
// imported with the lines of every file but patients.csv reversed (each patient's rows stored latest first)
// gives every patient the same timeline phases, OS, endpoints, eligibility and plan from both reads.
TEST(Store, OnePatientsRowsComeAsStoredAndNothingDerivedDependsOnTheirOrder) {
  TempDir dir("store_row_order");
  const fs::path folder = dir.path / "sim";
  ASSERT_TRUE(sim::SimulateRegistry(sim::CalibratedModel(), 150, 3, folder.string(),
                                    sim::SimulationOptions{.lesion_measurements = true})
                  .ok());
  for (const std::string& file : registry::InterchangeFiles()) {
    if (file == "patients.csv" || !fs::exists(folder / file)) continue;
    std::istringstream text(Slurp(folder / file));
    std::string header, line;
    std::getline(text, header);
    std::vector<std::string> lines;
    while (std::getline(text, line))
      lines.push_back(line);
    std::ofstream out(folder / file, std::ios::binary);
    out << header << '\n';
    for (auto it = lines.rbegin(); it != lines.rend(); ++it)
      out << *it << '\n';
  }
  registry::Store store = OpenStore(dir.path / "r.db");
  ASSERT_TRUE(store.Import(Read(folder.string()), "tester").ok());
  const std::map<std::string, registry::Interchange> as_stored = registry::SplitByPatient(*store.Load());
  const protocol::Protocol protocol = *protocol::DefaultProtocol();
  auto derived = [&](const std::string& id, const registry::Interchange& rows) {
    nlohmann::json d;
    const nlohmann::json timeline = report::TimelineJson(*registry::BuildTimeline(rows, id));
    d["phases"] = timeline["phases"];
    d["os_months"] = timeline["os_months"];
    const study::SubjectEndpoints s = *study::DeriveSubject(rows, id);
    d["group"] = study::ToString(s.group);
    d["os"] = {s.os_months.value_or(-1), s.os_event, s.follow_up_months.value_or(-1)};
    for (const study::PhaseEndpoints& p : s.phases) {
      d["endpoints"].push_back({p.pfs_months, p.pfs_event, p.best_response.value_or(""),
                                p.response_3_months.value_or(""), p.worst_grade,
                                p.krenning_score.value_or(-1), p.cga_ug_l.value_or(-1)});
    }
    d["eligibility"] = report::EligibilityJson(protocol::AssessEligibility(rows, id, kToday, protocol));
    Result<protocol::Plan> plan = protocol::PlanNextActions(rows, id, kToday, protocol);
    d["plan"] = plan.ok() ? report::PlanJson(*plan, protocol) : nlohmann::json(plan.status().message());
    return d;
  };
  auto values = [](const registry::Interchange& rows, const std::string& file) {
    std::vector<registry::RowValues> v;
    if (const auto found = rows.files.find(file); found != rows.files.end()) {
      for (const registry::Row& r : found->second)
        v.push_back(r.values);
    }
    return v;
  };
  std::map<std::string, nlohmann::json> by_walk;
  int walk_order_differs = 0;
  ASSERT_TRUE(store
                  .ForEachPatient([&](const std::string& id, const registry::Interchange& rows) {
                    by_walk[id] = derived(id, rows);
                    walk_order_differs += values(rows, "labs.csv") != values(as_stored.at(id), "labs.csv");
                    return Status();
                  })
                  .ok());
  ASSERT_EQ(by_walk.size(), 150u);
  EXPECT_GT(walk_order_differs, 100);  // the test compares two orders, not one
  for (const auto& [id, expected] : by_walk) {
    ASSERT_TRUE(store
                    .ForEachPatient(
                        [&](const std::string&, const registry::Interchange& rows) {
                          for (const std::string& file : registry::InterchangeFiles())
                            EXPECT_EQ(values(rows, file), values(as_stored.at(id), file))
                                << id << " " << file;
                          EXPECT_EQ(derived(id, rows), expected) << id;
                          return Status();
                        },
                        id)
                    .ok());
  }
}

TEST(Store, ForEachPatientInParallelVisitsEachPatientOnceInOrderedParts) {
  TempDir dir("store_parallel");
  WriteFolder(dir.path / "a", "P", 700);
  const std::string db = (dir.path / "r.db").string();
  {
    registry::Store store = OpenStore(db);
    ASSERT_TRUE(store.Import(Read((dir.path / "a").string()), "tester").ok());
  }
  std::vector<std::string> ids;  // every patient_id, in order
  for (const auto& [id, rows] : registry::SplitByPatient(*OpenStore(db).Load()))
    ids.push_back(id);
  for (int parts : {1, 3, 64}) {
    std::mutex mutex;
    std::map<int, std::vector<std::string>> by_part;
    std::map<int, registry::PatientPart> part_of;
    Status all = registry::Store::ForEachPatientInParallel(
        db, parts,
        [&](const registry::PatientPart& part, const std::string& id, const registry::Interchange& rows) {
          std::lock_guard lock(mutex);
          EXPECT_EQ(rows.files.at("cycles.csv").size(), 5u) << id;
          by_part[part.number].push_back(id);
          part_of[part.number] = part;
          return Status();
        });
    ASSERT_TRUE(all.ok()) << all.message();
    // The parts, one after the other, are the patients in patient_id order; each knows where it starts.
    std::vector<std::string> visited;
    for (const auto& [number, part_ids] : by_part) {
      const registry::PatientPart& part = part_of[number];
      EXPECT_EQ(part.first_index, static_cast<int64_t>(visited.size())) << parts << " parts, part " << number;
      EXPECT_EQ(part.patients, static_cast<int64_t>(part_ids.size()));
      EXPECT_EQ(part.registry_patients, 700);
      visited.insert(visited.end(), part_ids.begin(), part_ids.end());
    }
    EXPECT_EQ(visited, ids) << parts << " parts";
    EXPECT_EQ(by_part.size(), static_cast<size_t>(std::min(parts, 700)));
  }
  // A failure in one part is returned, and the walk stops.
  std::atomic<int> visits{0};
  Status failed = registry::Store::ForEachPatientInParallel(
      db, 2, [&](const registry::PatientPart& part, const std::string& id, const registry::Interchange&) {
        ++visits;
        return part.number == 1 && id == ids[400] ? InvalidArgument("bad patient " + id) : Status();
      });
  EXPECT_EQ(failed.message(), "bad patient " + ids[400]);
  EXPECT_LT(visits.load(), 700);
}

TEST(Store, ForEachPatientInParallelWithMorePartsThanPatients) {
  TempDir dir("store_parallel_few");
  WriteFolder(dir.path / "a", "P", 2);
  const std::string db = (dir.path / "r.db").string();
  ASSERT_TRUE(OpenStore(db).Import(Read((dir.path / "a").string()), "tester").ok());
  std::mutex mutex;
  std::vector<std::pair<int64_t, std::string>> visited;  // (first_index, id)
  ASSERT_TRUE(
      registry::Store::ForEachPatientInParallel(
          db, 5,
          [&](const registry::PatientPart& part, const std::string& id, const registry::Interchange&) {
            std::lock_guard lock(mutex);
            visited.emplace_back(part.first_index, id);
            return Status();
          })
          .ok());
  std::sort(visited.begin(), visited.end());
  EXPECT_EQ(visited, (std::vector<std::pair<int64_t, std::string>>{{0, "P0"}, {1, "P1"}}));
}

}  // namespace
}  // namespace prrt::testing
