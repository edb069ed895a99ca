// `prrt simulate`: a simulated registry, as interchange files or straight into SQLite.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>

#include "cli/command_support.h"
#include "cli/output.h"
#include "cli/registry_support.h"
#include "cli/signals.h"
#include "prrt/common/temporary_folder.h"
#include "prrt/report/json.h"
#include "prrt/report/whatif_report.h"
#include "prrt/sim/simulator.h"
#include "prrt/study/whatif.h"

namespace prrt::cli {
namespace {

// The built-in calibrated model, or the one in `path`.
Result<sim::Model> LoadModel(const std::string& path) {
  if (path.empty()) return sim::CalibratedModel();
  Result<std::string> text = ReadTextFile(path, "model file");
  if (!text.ok()) return text.status();
  return sim::ParseModel(*text, path);
}

void AddWhatIfCommand(CLI::App& app, CommandContext& context) {
  struct Args {
    study::WhatIfOptions options;
    std::string model, out;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  auto* command = app.add_subcommand(
      "whatif",
      "policy what-ifs on the simulator: the salvage PFS threshold and the salvage cycles (model results)");
  command
      ->add_option("--thresholds", args->options.thresholds,
                   "PFS thresholds for R-PRRT in months, comma-separated (default 12,18,24)")
      ->delimiter(',')
      ->transform(Number([](double months) { return months >= 0 && months <= 120; },
                         "a PFS threshold from 0 to 120 months"));
  command->add_option("--cycles", args->options.cycles, "salvage cycles, comma-separated (default 2,4)")
      ->delimiter(',')
      ->transform(WholeNumber(1, 8, "a whole number of cycles from 1 to 8"));
  command->add_option("--patients", args->options.patients, "patients per simulated cohort (default 463)")
      ->transform(NumberOfPatients(1'000'000));
  command->add_option("--replicates", args->options.replicates, "cohorts per scenario (default 20)")
      ->transform(WholeNumber(1, study::kMostReplicates,
                              fmt::format("a whole number of cohorts from 1 to {}", study::kMostReplicates)));
  AddSeedOption(*command, args->options.seed, "the first replicate's seed (default 2019)");
  command->add_option("--model", args->model, "a model file (default: the built-in calibrated model)")
      ->check(NotEmpty("a model file"));
  command->add_option("--out", args->out, "write whatif.json, whatif.csv and whatif.html into this folder");
  command->add_flag("--json", args->json, "print the JSON instead of the table");
  OnRun(command, context, [&context, args]() -> int {
    Result<sim::Model> model = LoadModel(args->model);
    if (!model.ok()) return ReportError(context, model.status());
    study::WhatIfOptions options = args->options;
    Result<TemporaryFolder> work = TemporaryFolder::Make("prrt_whatif_");
    if (!work.ok()) return ReportError(context, work.status());
    options.work_folder = work->path().string();
    const RemoveOnSignal remove_on_signal(work->path());
    options.progress = [&context](int done, int total) {
      if (done % 10 == 0 || done == total)
        context.err << fmt::format("prrt whatif: {} of {} simulated cohorts\n", done, total);
    };
    Result<std::vector<study::ScenarioResult>> results = study::RunWhatIf(*model, options);
    if (!results.ok()) return ReportError(context, results.status());
    const report::WhatIfReport report{&*model, options, std::move(*results)};
    if (!args->out.empty()) {
      Result<std::vector<std::string>> written = report::WriteWhatIfReport(report, args->out);
      if (!written.ok()) return ReportError(context, written.status());
      for (const std::string& path : *written)
        context.err << "prrt whatif: wrote " << path << '\n';
    }
    if (args->json) {
      context.out << report::JsonText(report::WhatIfJson(report), 2) << '\n';
      return kExitOk;
    }
    const report::Section section = report::WhatIfSection(report);
    const study::StudyTable& table = section.tables[0];
    TextTable text(table.columns);
    for (const study::StudyTable::Row& row : table.rows)
      text.AddRow(row.cells);
    text.Print(context.out);
    for (const std::string& note : table.notes)
      context.out << '\n' << note << '\n';
    return kExitOk;
  });
}

}  // namespace

void AddSimCommands(CLI::App& app, CommandContext& context) {
  AddWhatIfCommand(app, context);
  struct Args {
    int64_t patients = 0;
    uint64_t seed = 1;
    std::string out, db, model;
    sim::SimulationOptions options;
  };
  auto args = std::make_shared<Args>();
  auto* command = app.add_subcommand(
      "simulate", "a simulated cohort calibrated to the published study, as a registry (docs/simulator.md)");
  command->add_option("--patients", args->patients, "how many patients start I-PRRT")
      ->required()
      ->transform(NumberOfPatients(10'000'000));
  AddSeedOption(*command, args->seed, "the random seed (the same seed gives the same registry)");
  auto* out = command->add_option("--out", args->out, "write the interchange CSV files into this folder");
  auto* db = command->add_option("--db", args->db, "import the cohort into this SQLite registry");
  out->excludes(db);
  command->add_option("--model", args->model, "a model file (default: the built-in calibrated model)")
      ->check(NotEmpty("a model file"));
  command->add_flag("--lesions", args->options.lesion_measurements,
                    "record the CT/MRI assessments as RECIST 1.1 lesion measurements (lesions.csv), their "
                    "responses computed from them, instead of responses.csv rows");
  OnRun(command, context, [&context, args]() -> int {
    if (args->out.empty() && args->db.empty())
      return ReportError(context, InvalidArgument("prrt simulate: give --out DIR or --db FILE"));
    Result<sim::Model> model = LoadModel(args->model);
    if (!model.ok()) return ReportError(context, model.status());
    // Into SQLite through a folder, so that the cohort passes the same validation as any import.
    std::optional<TemporaryFolder> work;
    if (args->out.empty()) {
      Result<TemporaryFolder> made = TemporaryFolder::Make("prrt_simulate_");
      if (!made.ok()) return ReportError(context, made.status());
      work = std::move(*made);
    }
    const std::string folder = work ? work->path().string() : args->out;
    std::optional<RemoveOnSignal> remove_on_signal;
    if (work) remove_on_signal.emplace(work->path());
    Result<sim::SimulationCounts> counts = sim::SimulateRegistry(
        *model, args->patients, args->seed, folder, args->options, [&context, args](int64_t done) {
          context.err << fmt::format("prrt simulate: {} of {} patients\n", done, args->patients);
        });
    if (!counts.ok()) return ReportError(context, counts.status());
    int64_t rows = 0;
    for (const auto& [file, n] : counts->rows)
      rows += n;
    if (args->db.empty()) {
      context.out << fmt::format("{}: {} patients, {} rows (seed {})\n", folder, counts->patients, rows,
                                 args->seed);
      return kExitOk;
    }
    context.err << fmt::format("prrt simulate: {} patients, {} rows simulated; importing into {}\n",
                               counts->patients, rows, args->db);
    return ImportFolder(context, folder, args->db, "prrt-simulate", registry::Today(), false);
  });
}

}  // namespace prrt::cli
