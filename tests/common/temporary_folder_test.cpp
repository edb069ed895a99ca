#include "prrt/common/temporary_folder.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include "support/scenario.h"
#include "support/scoped_env.h"

namespace prrt {
namespace {

namespace fs = std::filesystem;

// Made in TMPDIR under the prefix and six characters, only its owner may open it; it and what it holds are
// removed with the object, once: a folder moved from removes nothing, one assigned to removes its own first.
TEST(TemporaryFolder, IsTheOwnersAloneAndRemovedWithTheObject) {
  testing::TempDir dir("temporary_folder");
  const testing::ScopedEnv tmpdir("TMPDIR", dir.path.string());
  Result<TemporaryFolder> made = TemporaryFolder::Make("prrt_test_");
  ASSERT_TRUE(made.ok()) << made.status().message();
  const fs::path path = made->path();
  EXPECT_EQ(path.parent_path(), dir.path);
  EXPECT_EQ(path.filename().string().rfind("prrt_test_", 0), 0u) << path;
  EXPECT_EQ(path.filename().string().size(), std::string("prrt_test_").size() + 6) << path;
  EXPECT_TRUE(fs::is_directory(path));
  EXPECT_EQ(fs::status(path).permissions(), fs::perms::owner_all);
  fs::create_directory(path / "inner");
  std::ofstream(path / "inner" / "rows.csv") << "patient_id\n";

  Result<TemporaryFolder> other = TemporaryFolder::Make("prrt_test_");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->path(), path);
  const fs::path other_path = other->path();
  {
    TemporaryFolder moved = std::move(*made);
    EXPECT_EQ(moved.path(), path);
    moved = std::move(*other);  // its own folder removed first
    EXPECT_FALSE(fs::exists(path));
    EXPECT_EQ(moved.path(), other_path);
  }
  EXPECT_FALSE(fs::exists(other_path));
  EXPECT_TRUE(fs::is_empty(dir.path));
}

// A temporary directory that cannot be used is said, with what is wrong.
TEST(TemporaryFolder, AnUnusableTemporaryDirectoryIsSaid) {
  testing::TempDir dir("temporary_folder_bad");
  const fs::path file = dir.path / "a-file";
  std::ofstream(file) << "x";
  {
    const testing::ScopedEnv tmpdir("TMPDIR", file.string());
    Result<TemporaryFolder> made = TemporaryFolder::Make("prrt_test_");
    ASSERT_FALSE(made.ok());
    EXPECT_EQ(made.status().code(), StatusCode::kIoError);
    EXPECT_EQ(made.status().message(), "no temporary directory (TMPDIR): " +
                                           std::make_error_code(std::errc::not_a_directory).message());
  }
  // mkdtemp's own failure: a name longer than a file name may be (255 bytes).
  const testing::ScopedEnv tmpdir("TMPDIR", dir.path.string());
  Result<TemporaryFolder> made = TemporaryFolder::Make(std::string(300, 'x'));
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.status().message(), "cannot make a folder in '" + dir.path.string() + "': " +
                                         std::make_error_code(std::errc::filename_too_long).message());
}

}  // namespace
}  // namespace prrt
