// `prrt stats ...`: the statistics engine on CSV input, as readable tables or as JSON.
#include <CLI/CLI.hpp>

#include "cli/app.h"

namespace prrt::cli {

void AddStatsCommands(CLI::App& app, CommandContext& context) {
  CLI::App* stats = app.add_subcommand("stats", "survival and contingency statistics on a CSV file");
  stats->require_subcommand(1);
  AddSurvivalCommands(*stats, context);
  AddCumincCommand(*stats, context);
  AddTableCommands(*stats, context);
  AddVariableCommands(*stats, context);
}

}  // namespace prrt::cli
