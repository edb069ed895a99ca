#include "cli/command_support.h"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <charconv>
#include <fstream>
#include <limits>
#include <ostream>
#include <sstream>

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

Result<std::string> ReadTextFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError(fmt::format("{}: cannot open the {}", path, what));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

CLI::Validator NotEmpty(const std::string& what) {
  return CLI::Validator(
      [what](std::string& text) { return text.empty() ? fmt::format("found ''; expected {}", what) : ""; },
      "");
}

void AddSeedOption(CLI::App& command, uint64_t& seed, const std::string& description) {
  command.add_option("--seed", seed, description)
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            uint64_t value = 0;
            const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
            if (error == std::errc() && end == text.data() + text.size()) return "";
            return fmt::format("'{}' is not a seed; expected a whole number from 0 to {}", text,
                               std::numeric_limits<uint64_t>::max());
          },
          "UINT"));
}

}  // namespace prrt::cli
