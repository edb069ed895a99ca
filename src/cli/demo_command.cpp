// `prrt demo`: the main job — simulate a cohort of the paper's size, import it into SQLite, run the policy
// what-ifs and the study and write the report, saying where it is at each step.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <memory>

#include "cli/command_support.h"
#include "cli/registry_support.h"
#include "cli/study_support.h"
#include "prrt/report/whatif_report.h"
#include "prrt/sim/simulator.h"
#include "prrt/study/whatif.h"

namespace prrt::cli {

void AddDemoCommand(CLI::App& app, CommandContext& context) {
  struct Args {
    std::string out = "prrt-demo";
    int64_t patients = 463;  // about 168 retreated and 99 controls, the paper's groups
    uint64_t seed = 2019;
  };
  auto args = std::make_shared<Args>();
  auto* command = app.add_subcommand(
      "demo", "simulate a cohort of the paper's size, import it, run the study and write the report");
  command->add_option("--out", args->out, "the folder for the registry and the report (default prrt-demo)");
  command
      ->add_option("--patients", args->patients, "patients starting I-PRRT (default 463: the paper's size)")
      ->transform(NumberOfPatients(1'000'000));
  AddSeedOption(*command, args->seed, "the random seed (default 2019)");
  OnRun(command, context, [&context, args]() -> int {
    namespace fs = std::filesystem;
    const fs::path out(args->out);
    const fs::path folder = out / "registry-csv";
    const fs::path db = out / "registry.db";
    const fs::path report = out / "report";
    std::error_code error;
    fs::remove(db, error);
    fs::remove(db.string() + "-wal", error);
    fs::remove(db.string() + "-shm", error);
    context.out << fmt::format("1/4 simulating {} patients (seed {}) into {}\n", args->patients, args->seed,
                               folder.string());
    Result<sim::SimulationCounts> counts = sim::SimulateRegistry(
        sim::CalibratedModel(), args->patients, args->seed, folder.string(), {.lesion_measurements = true});
    if (!counts.ok()) return ReportError(context, counts.status());
    context.out << fmt::format("2/4 importing into {}\n", db.string());
    if (int code = ImportFolder(context, folder.string(), db.string(), "prrt-demo", registry::Today(), false);
        code != kExitOk) {
      return code;
    }
    study::WhatIfOptions whatif;
    whatif.patients = args->patients;
    whatif.replicates = 10;
    whatif.seed = args->seed;
    whatif.work_folder = out.string();
    context.out << fmt::format("3/4 policy what-ifs: {} scenarios x {} simulated cohorts\n",
                               whatif.thresholds.size() * whatif.cycles.size(), whatif.replicates);
    Result<std::vector<study::ScenarioResult>> scenarios = study::RunWhatIf(sim::CalibratedModel(), whatif);
    if (!scenarios.ok()) return ReportError(context, scenarios.status());
    const report::WhatIfReport policies{&sim::CalibratedModel(), whatif, std::move(*scenarios)};
    context.out << fmt::format("4/4 running the study into {}\n", report.string());
    if (int code = WriteStudy(context, db.string(), report.string(), &policies); code != kExitOk) return code;
    context.out << fmt::format("done: open {}\n", fs::absolute(report / "report.html").string());
    return kExitOk;
  });
}

}  // namespace prrt::cli
