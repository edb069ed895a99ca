#include "cli/app.h"

#include <CLI/CLI.hpp>
#include <string>

namespace prrt::cli {

namespace {

// One line for a usage error: CLI11's message, and for a missing command the commands there are.
std::string UsageMessage(const CLI::App& app, const CLI::ParseError& error) {
  const CLI::App* deepest = &app;
  while (true) {
    auto parsed = deepest->get_subcommands();
    if (parsed.empty()) break;
    deepest = parsed.front();
  }
  std::string path = "prrt";
  for (const CLI::App* a = deepest; a->get_parent() != nullptr; a = a->get_parent()) {
    path.insert(4, " " + a->get_name());
  }
  if (dynamic_cast<const CLI::RequiredError*>(&error) != nullptr && !deepest->get_subcommands({}).empty() &&
      deepest->get_subcommands().empty()) {
    std::string names;
    for (const CLI::App* sub : deepest->get_subcommands({}))
      names += (names.empty() ? "" : ", ") + sub->get_name();
    std::string given;
    for (const std::string& extra : deepest->remaining())
      given += (given.empty() ? " (got '" : " '") + extra + "'";
    if (!given.empty()) given += ")";
    return path + ": expected a command, one of: " + names + given + "; see " + path + " --help";
  }
  return path + ": " + error.what() + "; see " + path + " --help";
}

}  // namespace

int RunCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{"prrt — registry, protocol and statistics for salvage PRRT with [177Lu-DOTA,Tyr3]octreotate",
               "prrt"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "prrt 0.1.0");
  CommandContext context{out, err, nullptr};
  AddStatsCommands(app, context);
  AddClinicalCommands(app, context);
  AddRecistCommand(app, context);
  AddRegistryCommands(app, context);
  AddSimCommands(app, context);
  AddStudyCommands(app, context);
  AddUserCommands(app, context);
  AddServeCommand(app, context);
  AddDemoCommand(app, context);

  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e, out, err);
  } catch (const CLI::ParseError& e) {
    err << UsageMessage(app, e) << '\n';
    return kExitBadInput;
  }
  return context.run ? context.run() : kExitOk;
}

}  // namespace prrt::cli
