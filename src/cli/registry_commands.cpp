// `prrt validate --from DIR`: checks a folder of registry CSV files as `prrt import` will, without storing
// it.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <memory>

#include "cli/app.h"
#include "cli/command_support.h"
#include "cli/output.h"
#include "prrt/registry/interchange.h"

namespace prrt::cli {
namespace {

using nlohmann::json;

registry::Day Today() {
  using namespace std::chrono;
  return static_cast<registry::Day>(duration_cast<days>(system_clock::now().time_since_epoch()).count());
}

}  // namespace

void AddRegistryCommands(CLI::App& app, CommandContext& context) {
  auto folder = std::make_shared<std::string>();
  auto today = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  auto* command = app.add_subcommand(
      "validate", "check a folder of registry CSV files (the interchange format) and report every problem");
  command
      ->add_option("--from", *folder,
                   "the folder: patients.csv, cycles.csv, events.csv and the optional files")
      ->required();
  command->add_option("--today", *today,
                      "the date after which dates count as in the future (default: today)");
  command->add_flag("--json", *as_json, "print JSON");
  OnRun(command, context, [&context, folder, today, as_json]() -> int {
    registry::Day now = Today();
    if (!today->empty()) {
      std::optional<registry::Day> day = registry::ParseDay(*today);
      if (!day)
        return ReportError(context,
                           InvalidArgument(fmt::format("--today: '{}' is not a date YYYY-MM-DD", *today)));
      now = *day;
    }
    registry::Problems problems;
    Result<registry::Interchange> data = registry::ReadInterchange(*folder, now, problems);
    if (!data.ok()) return ReportError(context, data.status());
    json counts = json::object();
    for (const std::string& file : registry::InterchangeFiles()) {
      auto it = data->files.find(file);
      counts[file] = it == data->files.end() ? 0 : it->second.size();
    }
    if (*as_json) {
      context.out << json({{"valid", true}, {"rows", counts}}).dump(2) << '\n';
    } else {
      context.out << fmt::format("{}: no problems found", *folder);
      for (const auto& [file, n] : counts.items())
        context.out << fmt::format("; {} {}", file, n.get<size_t>());
      context.out << '\n';
    }
    return kExitOk;
  });
}

}  // namespace prrt::cli
