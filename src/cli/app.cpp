#include "cli/app.h"

#include <CLI/CLI.hpp>

namespace prrt::cli {

int RunCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{"prrt — registry, protocol and statistics for salvage PRRT with [177Lu-DOTA,Tyr3]octreotate",
               "prrt"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "prrt 0.1.0");
  CommandContext context{out, err, nullptr};
  AddStatsCommands(app, context);

  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e, out, err);
    return code == 0 ? kExitOk : kExitBadInput;
  }
  return context.run ? context.run() : kExitOk;
}

}  // namespace prrt::cli
