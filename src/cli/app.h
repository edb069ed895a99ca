// The `prrt` command line, runnable in-process so that tests can call it with their own streams.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace prrt::cli {

//! Exit codes: 0 success, 1 a computation that could not be done, 2 bad input or usage.
enum ExitCode { kExitOk = 0, kExitFailed = 1, kExitBadInput = 2 };

//! Where a command writes, and what it runs once the command line is parsed.
struct CommandContext {
  std::ostream& out;
  std::ostream& err;
  std::function<int()> run;
};

//! Runs `prrt` with `args` (without the program name); returns the exit code.
int RunCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

void AddStatsCommands(CLI::App& app, CommandContext& context);
void AddSurvivalCommands(CLI::App& stats, CommandContext& context);
void AddCumincCommand(CLI::App& stats, CommandContext& context);
void AddTableCommands(CLI::App& stats, CommandContext& context);
void AddVariableCommands(CLI::App& stats, CommandContext& context);
void AddClinicalCommands(CLI::App& app, CommandContext& context);
void AddRecistCommand(CLI::App& app, CommandContext& context);
void AddRegistryCommands(CLI::App& app, CommandContext& context);
void AddSimCommands(CLI::App& app, CommandContext& context);
void AddStudyCommands(CLI::App& app, CommandContext& context);
void AddDemoCommand(CLI::App& app, CommandContext& context);
void AddUserCommands(CLI::App& app, CommandContext& context);
void AddServeCommand(CLI::App& app, CommandContext& context);

}  // namespace prrt::cli
