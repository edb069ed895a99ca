// `prrt serve` as a process: stopped by a signal (Ctrl-C, a service manager, a closed terminal), it answers
// what it was asked, says so and exits 0, and leaves nothing in its temporary directory; a signal ignored
// when it starts (SIGHUP under nohup) stays ignored.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/wait.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <regex>
#include <string>
#include <thread>

#include "support/json_match.h"
#include "support/process.h"
#include "support/scenario.h"

namespace prrt {
namespace {

namespace fs = std::filesystem;

// A registry of the example's three patients with a viewer, and `prrt serve` on it, its TMPDIR a folder of
// its own, started by `sh -c` after `shell`.
class ServeProcess : public ::testing::Test {
 protected:
  void Start(const std::string& shell = "") {
    std::string out, errors;
    ASSERT_EQ(testing::RunPrrt({"import", "--db", db_.string(), "--from", "tests/data/registry_example"}, out,
                               errors),
              0)
        << errors;
    ASSERT_EQ(testing::RunPrrt({"user", "add", "--db", db_.string(), "--name", "vic", "--role", "viewer",
                                "--password", "correct horse"},
                               out, errors),
              0)
        << errors;
    fs::create_directory(temp_);
    const std::string command = fmt::format("{} TMPDIR='{}' exec '{}' serve --db '{}' --port 0 2>'{}'", shell,
                                            temp_.string(), PRRT_BINARY, db_.string(), err_.string());
    pid_ = testing::StartShell(command);
    ASSERT_GT(pid_, 0);
    // Its address, once it listens.
    std::smatch address;
    std::string said;
    for (int waited = 0; waited < 600 && address.empty(); ++waited) {
      said = testing::Slurp(err_);
      if (!std::regex_search(said, address, std::regex(R"(http://127\.0\.0\.1:(\d+)/)")))
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_FALSE(address.empty()) << said;
    port_ = std::stoi(address[1]);
  }
  void TearDown() override {
    if (pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  // The study asked for: its files written in the temporary directory.
  void AskForTheStudy() {
    httplib::Client client("127.0.0.1", port_);
    auto login =
        client.Post("/api/login", R"({"user": "vic", "password": "correct horse"})", "application/json");
    ASSERT_TRUE(login && login->status == 200);
    const std::string cookie = login->get_header_value("Set-Cookie");
    auto study = client.Get("/api/study", {{"Cookie", cookie.substr(0, cookie.find(';'))}});
    ASSERT_TRUE(study && study->status == 200);
    EXPECT_FALSE(fs::is_empty(temp_));
  }

  // Sends the signal; the server ends normally, says so, and leaves its temporary directory empty.
  void StopsOn(int signal) {
    ASSERT_EQ(kill(pid_, signal), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid_, &status, 0), pid_);
    pid_ = 0;
    ASSERT_TRUE(WIFEXITED(status)) << "ended by signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    EXPECT_EQ(WEXITSTATUS(status), 0);
    const std::string said = testing::Slurp(err_);
    EXPECT_NE(said.find(fmt::format("prrt serve: stopped (SIG{})\n", sigabbrev_np(signal))),
              std::string::npos)
        << said;
    EXPECT_TRUE(fs::is_empty(temp_));
  }

  testing::TempDir dir_{"serve_process"};
  const fs::path db_ = dir_.path / "r.db", temp_ = dir_.path / "tmp", err_ = dir_.path / "err";
  pid_t pid_ = 0;
  int port_ = 0;
};

TEST_F(ServeProcess, StopsOnSigint) {
  Start();
  AskForTheStudy();
  StopsOn(SIGINT);
}

TEST_F(ServeProcess, StopsOnSigterm) {
  Start();
  AskForTheStudy();
  StopsOn(SIGTERM);
}

TEST_F(ServeProcess, StopsOnSighup) {
  Start();
  AskForTheStudy();
  StopsOn(SIGHUP);
}

// Under nohup (SIGHUP ignored, as `trap '' HUP` leaves it), a closed terminal does not stop it.
TEST_F(ServeProcess, ASignalIgnoredWhenItStartsStaysIgnored) {
  Start("trap '' HUP;");
  ASSERT_EQ(kill(pid_, SIGHUP), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // time enough to stop, were it to
  AskForTheStudy();
  EXPECT_EQ(waitpid(pid_, nullptr, WNOHANG), 0);
  StopsOn(SIGTERM);
}

}  // namespace
}  // namespace prrt
