#include "support/scenario.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

namespace prrt::testing {

// The process id keeps apart the folders of tests that ctest runs at the same time.
TempDir::TempDir(const std::string& name)
    : path(std::filesystem::temp_directory_path() / ("prrt_" + name + "_" + std::to_string(::getpid()))) {
  std::filesystem::remove_all(path);
  std::filesystem::create_directories(path);
}

TempDir::~TempDir() {
  std::filesystem::remove_all(path);
}

std::string Slurp(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

::testing::AssertionResult ExecSql(const std::filesystem::path& db, const std::string& sql,
                                   SqlTriggers triggers) {
  sqlite3* handle = nullptr;
  char* error = nullptr;
  // Waits up to 5 s for another connection's write (a server's), as a tool with a busy timeout would.
  const bool ran =
      sqlite3_open(db.c_str(), &handle) == SQLITE_OK && sqlite3_busy_timeout(handle, 5000) == SQLITE_OK &&
      sqlite3_db_config(handle, SQLITE_DBCONFIG_ENABLE_TRIGGER, triggers == SqlTriggers::kOn, nullptr) ==
          SQLITE_OK &&
      sqlite3_exec(handle, sql.c_str(), nullptr, nullptr, &error) == SQLITE_OK;
  const std::string message = error != nullptr ? error : sqlite3_errmsg(handle);
  sqlite3_free(error);
  sqlite3_close(handle);
  if (ran) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << db << ": " << sql << ": " << message;
}

registry::Interchange ReadScenario(const std::string& name, const std::map<std::string, std::string>& files) {
  namespace fs = std::filesystem;
  const fs::path dir =
      fs::temp_directory_path() / ("prrt_scenario_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const auto& [file, content] : files)
    std::ofstream(dir / file) << content;
  registry::Problems problems;
  Result<registry::Interchange> data =
      registry::ReadInterchange(dir.string(), *registry::ParseDay("2026-11-27"), problems);
  fs::remove_all(dir);
  EXPECT_TRUE(data.ok()) << data.status().message();
  return data.ok() ? *data : registry::Interchange{};
}

}  // namespace prrt::testing
