// `prrt simulate --db` and `prrt whatif` as processes, stopped by a signal while they simulate into a folder
// of their own in the temporary directory (up to 1.5 GB for a million patients): the folder is removed, and
// the process ends as by the signal. Before, the signal's default action ended the process and left the
// folder.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <string>
#include <thread>

#include "support/process.h"
#include "support/scenario.h"

namespace prrt {
namespace {

namespace fs = std::filesystem;

// Whether `folder` holds a file with something in it, anywhere below.
bool HoldsAWrittenFile(const fs::path& folder) {
  std::error_code ignored;
  for (fs::recursive_directory_iterator it(folder, ignored), end; it != end; it.increment(ignored)) {
    if (it->is_regular_file(ignored) && it->file_size(ignored) > 0) return true;
  }
  return false;
}

struct Interruption {
  std::string name, arguments;
  int signal;
};

void PrintTo(const Interruption& c, std::ostream* out) { *out << c.name; }

class InterruptedCommand : public ::testing::TestWithParam<Interruption> {};

TEST_P(InterruptedCommand, LeavesNothingInTheTemporaryDirectory) {
  const Interruption& c = GetParam();
  testing::TempDir dir("interrupted_" + c.name);
  const fs::path temp = dir.path / "tmp";
  fs::create_directory(temp);
  const pid_t pid =
      testing::StartShell(fmt::format("cd '{}' && TMPDIR='{}' exec '{}' {} 2>/dev/null", dir.path.string(),
                                      temp.string(), PRRT_BINARY, c.arguments));
  ASSERT_GT(pid, 0);
  // Signalled once it has written into its folder.
  bool writing = false;
  for (int waited = 0; waited < 1200 && !writing; ++waited) {
    writing = HoldsAWrittenFile(temp);
    if (!writing) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(writing);
  ASSERT_EQ(kill(pid, c.signal), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "exited with " << (WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  EXPECT_EQ(WTERMSIG(status), c.signal);
  EXPECT_TRUE(fs::is_empty(temp));
}

INSTANTIATE_TEST_SUITE_P(
    Table, InterruptedCommand,
    ::testing::Values(
        Interruption{"simulate_sigint", "simulate --patients 1000000 --seed 1 --db r.db", SIGINT},
        Interruption{"simulate_sigterm", "simulate --patients 1000000 --seed 1 --db r.db", SIGTERM},
        Interruption{"whatif_sighup", "whatif --patients 1000000 --replicates 1 --thresholds 18 --cycles 2",
                     SIGHUP}),
    [](const ::testing::TestParamInfo<Interruption>& info) { return info.param.name; });

}  // namespace
}  // namespace prrt
