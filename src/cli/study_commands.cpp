// `prrt study`: the salvage-PRRT study's analyses of a registry, written as a report.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <memory>

#include "cli/command_support.h"
#include "cli/output.h"
#include "cli/registry_support.h"
#include "prrt/registry/store.h"
#include "prrt/study/headline.h"

namespace prrt::cli {
namespace {

using nlohmann::json;

json Optional(const std::optional<double>& value) {
  return value ? JsonNumber(*value) : json(nullptr);
}

json HeadlineJson(const study::Headline& h) {
  return {{"n_retreatment", h.n_retreatment},
          {"n_rr", h.n_rr},
          {"n_control", h.n_control},
          {"pfs_r_median_months", Optional(h.pfs_r_median_months)},
          {"pfs_rr_median_months", Optional(h.pfs_rr_median_months)},
          {"os_retreatment_median_months", Optional(h.os_retreatment_median_months)},
          {"os_control_median_months", Optional(h.os_control_median_months)},
          {"os_logrank_p", Optional(h.os_logrank_p)},
          {"orr_r_percent", Optional(h.orr_r_percent)},
          {"sd_r_percent", Optional(h.sd_r_percent)},
          {"dcr_r_percent", Optional(h.dcr_r_percent)},
          {"haem_grade34_r_percent", Optional(h.haem_grade34_r_percent)},
          {"aml_mds_percent", Optional(h.aml_mds_percent)}};
}

// The endpoints of a folder (read whole), or of a registry file (one patient at a time).
template <typename Args>
Result<std::vector<study::SubjectEndpoints>> ReadEndpoints(CommandContext& context, const Args& args) {
  if (!args.from.empty()) {
    Result<registry::Interchange> data = ReadFolder(args.from);
    if (!data.ok()) return data.status();
    return study::DeriveEndpoints(std::move(*data));
  }
  Result<registry::Store> store = OpenRegistry(args.db);
  if (!store.ok()) return store.status();
  std::vector<study::SubjectEndpoints> subjects;
  Status read =
      store->ForEachPatient([&](const std::string& id, const registry::Interchange& rows) -> Status {
        Result<study::SubjectEndpoints> s = study::DeriveSubject(rows, id);
        if (!s.ok()) return s.status();
        subjects.push_back(std::move(*s));
        if (subjects.size() % 100000 == 0)
          context.err << fmt::format("prrt study: {} patients read\n", subjects.size());
        return Status();
      });
  if (!read.ok()) return read;
  return subjects;
}

}  // namespace

void AddStudyCommands(CLI::App& app, CommandContext& context) {
  struct Args {
    std::string db, from, out;
  };
  auto args = std::make_shared<Args>();
  auto* command = app.add_subcommand("study", "the salvage-PRRT study's tables, figures and statistics");
  auto* db = command->add_option("--db", args->db, "the registry file");
  auto* from = command->add_option("--from", args->from, "or a folder of interchange CSV files");
  db->excludes(from);
  command->add_option("--out", args->out, "the folder for the report")->required();
  OnRun(command, context, [&context, args]() -> int {
    if (args->db.empty() && args->from.empty())
      return ReportError(context, InvalidArgument("prrt study: give --db FILE or --from DIR"));
    Result<std::vector<study::SubjectEndpoints>> subjects = ReadEndpoints(context, *args);
    if (!subjects.ok()) return ReportError(context, subjects.status());
    const study::Headline headline = study::ComputeHeadline(*subjects);
    std::error_code error;
    std::filesystem::create_directories(args->out, error);
    if (error)
      return ReportError(context, IoError(fmt::format("{}: cannot create: {}", args->out, error.message())));
    const json study = {{"headline", HeadlineJson(headline)}};
    const std::filesystem::path path = std::filesystem::path(args->out) / "study.json";
    std::ofstream(path) << study.dump(2) << '\n';
    context.out << fmt::format("{}: written\n", path.string());
    return kExitOk;
  });
}

}  // namespace prrt::cli
