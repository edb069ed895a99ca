// `prrt simulate`: a simulated registry, as interchange files or straight into SQLite.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "cli/command_support.h"
#include "cli/registry_support.h"
#include "prrt/sim/simulator.h"

namespace prrt::cli {

void AddSimCommands(CLI::App& app, CommandContext& context) {
  struct Args {
    int64_t patients = 0;
    uint64_t seed = 1;
    std::string out, db, model;
  };
  auto args = std::make_shared<Args>();
  auto* command = app.add_subcommand(
      "simulate", "a simulated cohort calibrated to the published study, as a registry (docs/simulator.md)");
  command->add_option("--patients", args->patients, "how many patients start I-PRRT")->required();
  command->add_option("--seed", args->seed, "the random seed (the same seed gives the same registry)");
  auto* out = command->add_option("--out", args->out, "write the interchange CSV files into this folder");
  auto* db = command->add_option("--db", args->db, "import the cohort into this SQLite registry");
  out->excludes(db);
  command->add_option("--model", args->model, "a model file (default: the built-in calibrated model)");
  OnRun(command, context, [&context, args]() -> int {
    if (args->out.empty() && args->db.empty())
      return ReportError(context, InvalidArgument("prrt simulate: give --out DIR or --db FILE"));
    sim::Model model = sim::CalibratedModel();
    if (!args->model.empty()) {
      std::ifstream in(args->model, std::ios::binary);
      if (!in)
        return ReportError(context, IoError(fmt::format("{}: cannot open the model file", args->model)));
      std::ostringstream text;
      text << in.rdbuf();
      Result<sim::Model> parsed = sim::ParseModel(text.str(), args->model);
      if (!parsed.ok()) return ReportError(context, parsed.status());
      model = *parsed;
    }
    // Into SQLite through a folder, so that the cohort passes the same validation as any import.
    const std::string folder = args->out.empty()
                                   ? (std::filesystem::temp_directory_path() /
                                      fmt::format("prrt_simulate_{}_{}", ::getpid(), args->seed))
                                         .string()
                                   : args->out;
    Result<sim::SimulationCounts> counts =
        sim::SimulateRegistry(model, args->patients, args->seed, folder, [&context, args](int64_t done) {
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
    const int code = ImportFolder(context, folder, args->db, "prrt-simulate", *DateOption(""), false);
    std::filesystem::remove_all(folder);
    return code;
  });
}

}  // namespace prrt::cli
