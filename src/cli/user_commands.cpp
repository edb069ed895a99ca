// `prrt user add | passwd | list`: the people who may log in to `prrt serve`, stored in the registry file.
#include <fmt/format.h>
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/command_support.h"
#include "cli/output.h"
#include "cli/registry_support.h"
#include "prrt/common/utf8.h"
#include "prrt/registry/store.h"
#include "prrt/report/json.h"
#include "prrt/server/auth.h"

namespace prrt::cli {
namespace {

// The password from --password, or asked for on the terminal without echo (read as a line from standard
// input when that is not a terminal, so that scripts can pipe it in).
Result<std::string> PasswordOption(CommandContext& context, const std::string& given, bool asked_for) {
  if (asked_for) return given;
  const bool terminal = isatty(STDIN_FILENO) != 0;
  termios saved{};
  if (terminal) {
    context.err << "password: " << std::flush;
    tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string password;
  std::getline(std::cin, password);
  if (terminal) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    context.err << '\n';
  }
  if (!std::cin && password.empty())
    return InvalidArgument("no password given (--password, or on standard input)");
  return password;
}

// The OS account running the command, for the audit trail.
std::string OsUser() {
  const char* user = std::getenv("USER");
  return user != nullptr ? user : "unknown";
}

struct UserArgs {
  std::string db = "prrt.db";
  std::string name, role = "viewer", password;
  bool json = false;
};

int PutUser(CommandContext& context, const UserArgs& args, bool create, bool password_given) {
  // Checked before the password is asked for.
  if (Status name = registry::Store::CheckUserName(args.name); !name.ok()) return ReportError(context, name);
  const std::optional<server::Role> role = server::ParseRole(args.role);
  if (!role)
    return ReportError(
        context, InvalidArgument(fmt::format("--role: '{}' is not viewer, clinician or admin", args.role)));
  Result<std::string> password = PasswordOption(context, args.password, password_given);
  if (!password.ok()) return ReportError(context, password.status());
  if (Status s = server::CheckPassword(*password); !s.ok()) return ReportError(context, s);
  // Adding the first user may create the registry file; changing a password needs one.
  Result<registry::Store> store = create ? registry::Store::Open(args.db) : OpenRegistry(args.db);
  if (!store.ok()) return ReportError(context, store.status());
  registry::UserRecord user{args.name, args.role, "", "", ""};
  if (!create) {
    Result<std::optional<registry::UserRecord>> existing = store->FindUser(args.name);
    if (!existing.ok()) return ReportError(context, existing.status());
    if (!*existing) return ReportError(context, NotFound(fmt::format("no user '{}'", args.name)));
    user.role = (*existing)->role;
  }
  Result<std::string> hash = server::HashPassword(*password);
  if (!hash.ok()) return ReportError(context, hash.status());
  user.password_hash = *hash;
  if (Status s = store->PutUser(user, create, OsUser()); !s.ok()) return ReportError(context, s);
  context.out << fmt::format("user '{}' ({}) {}\n", user.name, user.role,
                             create ? "added" : "has a new password");
  return kExitOk;
}

}  // namespace

void AddUserCommands(CLI::App& app, CommandContext& context) {
  auto* user = app.add_subcommand("user", "the people who may log in to prrt serve: add, passwd, list");
  user->require_subcommand(1);
  {
    auto args = std::make_shared<UserArgs>();
    auto* add = user->add_subcommand("add", "add a user");
    add->add_option("--db", args->db, "the registry file (default prrt.db)");
    add->add_option("--name", args->name, "the user name")->required();
    add->add_option("--role", args->role, "viewer, clinician or admin")->required();
    auto* password = add->add_option("--password", args->password, "the password (asked for when absent)");
    OnRun(add, context,
          [&context, args, password]() { return PutUser(context, *args, true, password->count() > 0); });
  }
  {
    auto args = std::make_shared<UserArgs>();
    auto* passwd = user->add_subcommand("passwd", "set a user's password");
    passwd->add_option("--db", args->db, "the registry file (default prrt.db)");
    passwd->add_option("--name", args->name, "the user name")->required();
    auto* password =
        passwd->add_option("--password", args->password, "the new password (asked for when absent)");
    OnRun(passwd, context,
          [&context, args, password]() { return PutUser(context, *args, false, password->count() > 0); });
  }
  {
    auto args = std::make_shared<UserArgs>();
    auto* list = user->add_subcommand("list", "list the users and their roles");
    list->add_option("--db", args->db, "the registry file (default prrt.db)");
    list->add_flag("--json", args->json, "print JSON");
    OnRun(list, context, [&context, args]() -> int {
      Result<registry::Store> store = OpenRegistry(args->db);
      if (!store.ok()) return ReportError(context, store.status());
      Result<std::vector<registry::UserRecord>> users = store->ListUsers();
      if (!users.ok()) return ReportError(context, users.status());
      if (args->json) {
        nlohmann::json out = nlohmann::json::array();
        for (const registry::UserRecord& u : *users)
          out.push_back({{"name", u.name}, {"role", u.role}, {"created", u.created}, {"updated", u.updated}});
        context.out << report::JsonText(out, 2) << '\n';
        return kExitOk;
      }
      TextTable table({"name", "role", "created", "updated"});
      for (const registry::UserRecord& u : *users)
        table.AddRow({ShowUtf8(u.name), u.role, u.created, u.updated});
      table.Print(context.out);
      return kExitOk;
    });
  }
}

}  // namespace prrt::cli
