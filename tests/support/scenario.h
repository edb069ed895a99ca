// Test support: temporary folders, whole files, and small registries written as interchange CSV files and
// read back as `prrt import` reads them.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>

#include "prrt/registry/interchange.h"

namespace prrt::testing {

//! A fresh folder under the system's temporary directory, removed with everything in it at the end.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& name);
  ~TempDir();
};

//! The whole content of a file.
std::string Slurp(const std::filesystem::path& file);

//! Whether SQLite's triggers run for ExecSql: on, as in the sqlite3 shell (the registry's triggers audit the
//! change), or off, as a tool that turns them off (the change is not in the audit trail).
enum class SqlTriggers { kOn, kOff };

//! Runs `sql` on the SQLite file `db` as another tool (or an earlier prrt) would: what prrt must read, though
//! it would not write it.
::testing::AssertionResult ExecSql(const std::filesystem::path& db, const std::string& sql,
                                   SqlTriggers triggers = SqlTriggers::kOn);

//! Writes `files` (name → content, header included) to a fresh folder and reads it with the day of the test
//! suite (2026-11-27) as today; a read error fails the calling test.
registry::Interchange ReadScenario(const std::string& name, const std::map<std::string, std::string>& files);

}  // namespace prrt::testing
