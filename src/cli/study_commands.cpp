// `prrt study`: the salvage-PRRT study's analyses of a registry, written as a report.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>

#include "cli/command_support.h"
#include "cli/output.h"
#include "cli/registry_support.h"
#include "cli/study_support.h"
#include "prrt/registry/store.h"
#include "prrt/report/study_report.h"
#include "prrt/study/adtte.h"

namespace prrt::cli {
namespace {

using nlohmann::json;

using Subjects = std::vector<study::SubjectEndpoints>;

// The endpoints of a folder (patient by patient where ReadsByPatient says so, else whole), or of a registry
// file (one patient at a time), in patient order.
Result<Subjects> ReadEndpoints(CommandContext& context, const std::string& db, const std::string& from,
                               bool by_patient = false) {
  if (!from.empty()) {
    return ReadByPatientOrWhole<Subjects>(
        context, from, by_patient,
        [&]() -> Result<Subjects> {
          Subjects subjects;
          registry::Problems problems;
          Status read = registry::ReadInterchangeByPatient(
              from, registry::Today(), problems,
              [&](const std::string& id, registry::Interchange& rows) -> Status {
                Result<study::SubjectEndpoints> s = study::DeriveSubject(rows, id);
                if (!s.ok()) return s.status();
                subjects.push_back(std::move(*s));
                return Status();
              });
          if (!read.ok()) return read;
          return subjects;
        },
        [&]() -> Result<Subjects> {
          Result<registry::Interchange> data = ReadFolder(from);
          if (!data.ok()) return data.status();
          return study::DeriveEndpoints(std::move(*data));
        });
  }
  Result<registry::Store> store = OpenRegistry(db);
  if (!store.ok()) return store.status();
  Result<int64_t> patients = store->PatientCount();
  if (!patients.ok()) return patients.status();
  // In parts, one a core, each part's endpoints put in their places of one vector made beforehand (growing
  // or joining vectors of a million endpoints moved them all, seconds of the study).
  std::vector<study::SubjectEndpoints> subjects(static_cast<size_t>(*patients));
  const int parts = RegistryParts();
  std::vector<int64_t> done_in_part(static_cast<size_t>(parts), 0);
  std::mutex progress_mutex;
  int64_t read = 0;
  Status status = registry::Store::ForEachPatientInParallel(
      db, parts,
      [&](const registry::PatientPart& part, const std::string& id,
          const registry::Interchange& rows) -> Status {
        if (part.registry_patients != *patients)
          return FailedPrecondition(db + ": the registry changed while it was being read; run again");
        Result<study::SubjectEndpoints> s = study::DeriveSubject(rows, id);
        if (!s.ok()) return s.status();
        subjects[static_cast<size_t>(part.first_index + done_in_part[static_cast<size_t>(part.number)]++)] =
            std::move(*s);
        std::lock_guard lock(progress_mutex);
        if (++read % 100000 == 0) context.err << fmt::format("prrt study: {} patients read\n", read);
        return Status();
      });
  if (!status.ok()) return status;
  return subjects;
}

}  // namespace

int ExportAdtte(CommandContext& context, const std::string& db, const std::string& path) {
  Result<std::vector<study::SubjectEndpoints>> subjects = ReadEndpoints(context, db, "");
  if (!subjects.ok()) return ReportError(context, subjects.status());
  Status written = study::WriteAdtte(*subjects, path);
  if (!written.ok()) return ReportError(context, written);
  context.out << fmt::format("{}: written\n", path);
  return kExitOk;
}

namespace {

struct StudyArgs {
  std::string db, from, out;
  const report::WhatIfReport* whatif = nullptr;
  std::vector<std::string> formats{"html", "json", "xlsx", "csv"};
  std::string median_ci = "spss";
  bool ci_bands = false;
  bool by_patient = false;
};

int RunStudy(CommandContext& context, const StudyArgs& args) {
  if (args.db.empty() && args.from.empty())
    return ReportError(context, InvalidArgument("prrt study: give --db FILE or --from DIR"));
  Result<std::vector<study::SubjectEndpoints>> subjects =
      ReadEndpoints(context, args.db, args.from, args.by_patient);
  if (!subjects.ok()) return ReportError(context, subjects.status());
  report::StudyReportOptions options;
  options.formats = {args.formats.begin(), args.formats.end()};
  options.tables.median_ci =
      args.median_ci == "log" ? stats::QuantileRule::kPrint : stats::QuantileRule::kSpss;
  options.source = args.db.empty() ? args.from : args.db;
  options.ci_bands = args.ci_bands;
  options.whatif = args.whatif;
  Result<std::vector<std::string>> written = report::WriteStudyReport(*subjects, options, args.out);
  if (!written.ok()) return ReportError(context, written.status());
  for (const std::string& path : *written)
    context.out << fmt::format("{}: written\n", path);
  return kExitOk;
}

}  // namespace

int WriteStudy(CommandContext& context, const std::string& db, const std::string& folder,
               const report::WhatIfReport* whatif) {
  StudyArgs args;
  args.db = db;
  args.out = folder;
  args.whatif = whatif;
  return RunStudy(context, args);
}

void AddStudyCommands(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<StudyArgs>();
  auto* command = app.add_subcommand("study", "the salvage-PRRT study's tables, figures and statistics");
  auto* db = command->add_option("--db", args->db, "the registry file");
  auto* from = command->add_option("--from", args->from, "or a folder of interchange CSV files");
  db->excludes(from);
  command->add_flag("--by-patient", args->by_patient,
                    "with --from: read the folder patient by patient, as prrt import does (the default from "
                    "64 MB on)");
  command->add_option("--out", args->out, "the folder for the report")->required();
  command->add_option("--format", args->formats, "what to write: html, json, xlsx, csv (default all)")
      ->delimiter(',')
      ->check(OneOf({"html", "json", "xlsx", "csv"}));
  command
      ->add_option("--median-ci", args->median_ci,
                   "Table 5's median CIs: spss (symmetric, as the paper) or log (R's print.survfit)")
      ->check(OneOf({"spss", "log"}));
  command->add_flag("--ci-bands", args->ci_bands,
                    "draw 95% CI bands around the Kaplan–Meier curves of Fig. 3");
  OnRun(command, context, [&context, args]() -> int { return RunStudy(context, *args); });
}

}  // namespace prrt::cli
