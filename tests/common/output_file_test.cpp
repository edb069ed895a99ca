#include "prrt/common/output_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "support/json_match.h"
#include "support/scenario.h"

namespace prrt {
namespace {

namespace fs = std::filesystem;

// A file that can be written is opened, replacing what was there; one that cannot is said with the system's
// reason (it said "cannot write the file" alone).
TEST(OutputFile, IsOpenedOrSaysWhyNot) {
  testing::TempDir dir("output_file");
  const fs::path file = dir.path / "out.csv";
  {
    std::ofstream(file) << "an older and longer content\n";
    Result<std::ofstream> opened = OpenOutputFile(file.string());
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    *opened << "a,b\n";
  }
  EXPECT_EQ(testing::Slurp(file), "a,b\n");
  Result<std::ofstream> folder = OpenOutputFile(dir.path.string());
  ASSERT_FALSE(folder.ok());
  EXPECT_EQ(folder.status().code(), StatusCode::kIoError);
  EXPECT_EQ(folder.status().message(), dir.path.string() + ": cannot write the file: Is a directory");
  const std::string nowhere = (dir.path / "no_such_folder" / "out.csv").string();
  EXPECT_EQ(OpenOutputFile(nowhere).status().message(),
            nowhere + ": cannot write the file: No such file or directory");
}

// The commands that write files say it too: the ADTTE export given a folder for its file.
TEST(OutputFile, AnExportGivenAFolderSaysSo) {
  testing::TempDir dir("output_file_export");
  const std::string db = (dir.path / "r.db").string();
  std::string out, err;
  ASSERT_EQ(testing::RunPrrt({"import", "--db", db, "--from", "tests/data/registry_example"}, out, err), 0)
      << err;
  EXPECT_TRUE(testing::Refused({"export", "--adtte", "--db", db, "--to", dir.path.string()},
                               dir.path.string() + ": cannot write the file: Is a directory"));
}

}  // namespace
}  // namespace prrt
