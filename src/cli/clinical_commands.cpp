// `prrt grade | decay | who-grade`: the clinical rules one value at a time.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>

#include "cli/app.h"
#include "cli/command_support.h"
#include "cli/output.h"
#include "prrt/clinical/ctcae.h"
#include "prrt/clinical/decay.h"
#include "prrt/clinical/tumour.h"
#include "prrt/common/dates.h"
#include "prrt/report/json.h"

namespace prrt::cli {
namespace {

using nlohmann::json;

struct GradeArgs {
  std::string test, unit;
  double value = 0;
  std::optional<double> lln, uln;
  bool json = false;
};

void AddGrade(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<GradeArgs>();
  auto* command = app.add_subcommand("grade", "CTCAE v3.0 grade of a laboratory value");
  command
      ->add_option("--test", args->test,
                   "hb, wbc, neutrophils, lymphocytes, platelets, creatinine, alt, ast, "
                   "bilirubin, alp")
      ->required();
  command->add_option("--value", args->value, "the measured value")->required()->transform(FiniteNumber());
  command->add_option("--unit", args->unit, "its unit, e.g. mmol/l, g/dl, g/l, 10^9/l, umol/l, mg/dl, u/l")
      ->required();
  command->add_option("--lln", args->lln, "lower limit of normal (decides grade 0 or 1 of a blood count)")
      ->transform(FiniteNumber());
  command
      ->add_option("--uln", args->uln,
                   "upper limit of normal (needed for creatinine, alt, ast, bilirubin, alp)")
      ->transform(FiniteNumber());
  command->add_flag("--json", args->json, "print JSON");
  OnRun(command, context, [&context, args]() -> int {
    Result<clinical::CtcaeGrade> grade =
        clinical::GradeLab(args->test, args->value, args->unit, args->lln, args->uln);
    if (!grade.ok()) return ReportError(context, grade.status());
    if (args->json) {
      json result = {{"test", grade->test},
                     {"grade", grade->grade},
                     {"term", grade->term},
                     {"ctcae_version", grade->ctcae_version}};
      context.out << report::JsonText(result, 2) << '\n';
    } else {
      context.out << fmt::format("{} {} {}: CTCAE v{} grade {} ({})\n", args->test, FormatNumber(args->value),
                                 args->unit, grade->ctcae_version, grade->grade, grade->term);
    }
    return kExitOk;
  });
}

struct DecayArgs {
  double activity = 0;
  std::string from, to;
  double half_life = clinical::kLu177HalfLifeDays;
  bool json = false;
};

void AddDecay(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<DecayArgs>();
  auto* command = app.add_subcommand(
      "decay",
      "177Lu activity at another time (a --to before --from gives the activity to order at calibration)");
  command->add_option("--activity", args->activity, "activity in GBq at --from")
      ->required()
      ->transform(Number([](double gbq) { return gbq > 0; }, "an activity in GBq > 0"));
  command->add_option("--from", args->from, "when the activity is known, YYYY-MM-DDTHH:MM")->required();
  command->add_option("--to", args->to, "when the activity is wanted, YYYY-MM-DDTHH:MM")->required();
  command->add_option("--half-life", args->half_life, "half-life in days (default 6.647, the Lutathera SmPC)")
      ->transform(Number([](double days) { return days > 0; }, "a half-life in days > 0"));
  command->add_flag("--json", args->json, "print JSON");
  OnRun(command, context, [&context, args]() -> int {
    Result<int64_t> from = ParseDateTimeSeconds(args->from);
    if (!from.ok()) return ReportError(context, InvalidArgument("--from: " + from.status().message()));
    Result<int64_t> to = ParseDateTimeSeconds(args->to);
    if (!to.ok()) return ReportError(context, InvalidArgument("--to: " + to.status().message()));
    const double elapsed = static_cast<double>(*to - *from) / 86400;
    const double activity = clinical::DecayedActivity(args->activity, elapsed, args->half_life);
    if (args->json) {
      json result = {
          {"activity_gbq", activity}, {"half_life_days", args->half_life}, {"elapsed_days", elapsed}};
      context.out << report::JsonText(result, 2) << '\n';
    } else {
      context.out << fmt::format("{} GBq at {} is {} GBq at {} ({} days, half-life {} d)\n",
                                 FormatNumber(args->activity), args->from, FormatNumber(activity, 5),
                                 args->to, FormatNumber(elapsed, 5), FormatNumber(args->half_life));
    }
    return kExitOk;
  });
}

void AddWhoGrade(CLI::App& app, CommandContext& context) {
  auto ki67 = std::make_shared<std::optional<double>>();
  auto mitoses = std::make_shared<std::optional<double>>();
  auto edition = std::make_shared<std::string>("2019");
  auto as_json = std::make_shared<bool>(false);
  auto* command = app.add_subcommand("who-grade", "WHO grade of a GEP-NET from Ki-67 and the mitotic count");
  command->add_option("--ki67", *ki67, "Ki-67 index, %")->transform(FiniteNumber());
  command->add_option("--mitoses", *mitoses, "mitoses per 10 HPF (2010) or per 2 mm2 (2019)")
      ->transform(FiniteNumber());
  command->add_option("--edition", *edition, "2010 or 2019")->check(OneOf({"2010", "2019"}));
  command->add_flag("--json", *as_json, "print JSON");
  OnRun(command, context, [&context, ki67, mitoses, edition, as_json]() -> int {
    Result<clinical::WhoGrade> grade =
        clinical::GradeNet(*clinical::ParseWhoEdition(*edition), *ki67, *mitoses);
    if (!grade.ok()) return ReportError(context, grade.status());
    if (*as_json) {
      json result = {{"grade", grade->grade}, {"basis", grade->basis}, {"edition", *edition}};
      context.out << report::JsonText(result, 2) << '\n';
    } else {
      context.out << fmt::format("WHO {}: {} (by {})\n", *edition, grade->grade, grade->basis);
    }
    return kExitOk;
  });
}

}  // namespace

void AddClinicalCommands(CLI::App& app, CommandContext& context) {
  AddGrade(app, context);
  AddDecay(app, context);
  AddWhoGrade(app, context);
}

}  // namespace prrt::cli
