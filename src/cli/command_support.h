// Shared by the command groups: error reporting and running a chosen command.
#pragma once

#include <functional>

#include "cli/app.h"
#include "prrt/common/result.h"

namespace CLI {
class App;
}

namespace prrt::cli {

//! Prints "prrt: message" and returns the exit code for the kind of failure (2 for bad input).
int ReportError(CommandContext& context, const Status& status);

//! Runs `body` (returning the exit code) when `command` is the one chosen on the command line.
void OnRun(CLI::App* command, CommandContext& context, std::function<int()> body);

}  // namespace prrt::cli
