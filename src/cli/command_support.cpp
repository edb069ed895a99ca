#include "cli/command_support.h"

#include <CLI/CLI.hpp>
#include <ostream>

namespace prrt::cli {

int ReportError(CommandContext& context, const Status& status) {
  context.err << "prrt: " << status.message() << '\n';
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
    case StatusCode::kAlreadyExists:
    case StatusCode::kPermissionDenied:
    case StatusCode::kIoError:
      return kExitBadInput;
    default:
      return kExitFailed;
  }
}

void OnRun(CLI::App* command, CommandContext& context, std::function<int()> body) {
  command->callback([&context, body = std::move(body)] { context.run = body; });
}

}  // namespace prrt::cli
