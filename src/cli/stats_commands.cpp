// `prrt stats ...`: the statistics engine on CSV input, as readable tables or as JSON.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <memory>

#include "cli/app.h"
#include "cli/output.h"
#include "cli/survival_input.h"
#include "prrt/stats/logrank.h"
#include "prrt/stats/survival.h"

namespace prrt::cli {
namespace {

using nlohmann::json;

int ReportError(CommandContext& context, const Status& status) {
  context.err << "prrt: " << status.message() << '\n';
  return status.code() == StatusCode::kInvalidArgument || status.code() == StatusCode::kNotFound ||
                 status.code() == StatusCode::kIoError
             ? kExitBadInput
             : kExitFailed;
}

// Options shared by the commands that read survival data.
struct SurvivalArgs {
  std::string input;
  SurvivalColumns columns;
  bool json = false;
};

void AddSurvivalOptions(CLI::App* command, SurvivalArgs& args, bool group_required) {
  command->add_option("--input", args.input, "CSV file with a header row (- for standard input)")->required();
  command->add_option("--time", args.columns.time, "column of follow-up times (numbers >= 0)")->required();
  command->add_option("--event", args.columns.event, "column of event indicators (1/0 or true/false)")
      ->required();
  auto* group = command->add_option("--group", args.columns.group, "column that defines the groups");
  if (group_required) group->required();
  command->add_flag("--json", args.json, "print JSON instead of a table");
}

json KmTableJson(const stats::KmCurve& curve) {
  json table = json::array();
  for (const stats::KmRow& row : curve.rows) {
    table.push_back({{"time", row.time},
                     {"n_risk", row.n_risk},
                     {"n_event", row.n_event},
                     {"n_censor", row.n_censor},
                     {"surv", row.surv},
                     {"std_err", JsonNumber(row.std_err)},
                     {"lower", JsonNumber(row.lower)},
                     {"upper", JsonNumber(row.upper)}});
  }
  return table;
}

void PrintKmTable(std::ostream& out, const stats::KmCurve& curve) {
  TextTable table({"time", "n.risk", "n.event", "n.censor", "survival", "std.err", "lower", "upper"});
  for (const stats::KmRow& row : curve.rows) {
    table.AddRow({FormatNumber(row.time), FormatNumber(row.n_risk), FormatNumber(row.n_event),
                  FormatNumber(row.n_censor), FormatNumber(row.surv, 4), FormatNumber(row.std_err, 4),
                  FormatNumber(row.lower, 4), FormatNumber(row.upper, 4)});
  }
  table.Print(out);
}

void AddKm(CLI::App& stats, CommandContext& context) {
  auto args = std::make_shared<SurvivalArgs>();
  auto conf_type = std::make_shared<std::string>("log");
  auto conf_level = std::make_shared<double>(0.95);
  auto median_ci = std::make_shared<std::string>("band");
  auto* command = stats.add_subcommand("km", "Kaplan–Meier curves by group, with medians and their CIs");
  AddSurvivalOptions(command, *args, false);
  command
      ->add_option("--conf-type", *conf_type,
                   "CI transformation: log (R's default), log-log, plain, logit, arcsin")
      ->check(CLI::IsMember({"log", "log-log", "plain", "logit", "arcsin"}));
  command->add_option("--conf-level", *conf_level, "confidence level")->check(CLI::Range(0.5, 0.9999));
  command
      ->add_option("--median-ci", *median_ci,
                   "band: the median and its CI read off the curve and band as R's print.survfit; "
                   "spss: SPSS's median with a symmetric CI, median ± z·SE")
      ->check(CLI::IsMember({"band", "spss"}));
  command->callback([&context, args, conf_type, conf_level, median_ci] {
    context.run = [&context, args, conf_type, conf_level, median_ci]() -> int {
      Result<SurvivalInput> input = LoadSurvivalInput(args->input, args->columns);
      if (!input.ok()) return ReportError(context, input.status());
      stats::KmOptions options;
      options.conf_type = *stats::ParseConfType(*conf_type);
      options.conf_level = *conf_level;
      Result<std::vector<stats::KmCurve>> curves =
          stats::KaplanMeier(input->data(), input->n_groups(), options);
      if (!curves.ok()) return ReportError(context, curves.status());
      const stats::QuantileRule rule =
          *median_ci == "spss" ? stats::QuantileRule::kSpss : stats::QuantileRule::kPrint;
      json groups = json::array();
      for (size_t g = 0; g < curves->size(); ++g) {
        const stats::KmCurve& curve = (*curves)[g];
        stats::QuantileEstimate median = stats::SurvivalQuantile(curve, 0.5, rule, *conf_level);
        json group = {{"group", input->group_names[g]},
                      {"n", curve.n},
                      {"events", curve.events},
                      {"median", JsonNumber(median.estimate)},
                      {"median_lower", JsonNumber(median.lower)},
                      {"median_upper", JsonNumber(median.upper)}};
        if (rule == stats::QuantileRule::kSpss) group["median_std_err"] = JsonNumber(median.std_err);
        if (args->json) {
          group["table"] = KmTableJson(curve);
        } else {
          context.out << fmt::format("group {}: n = {}, events = {}, median {} ({}% CI {} to {})\n",
                                     input->group_names[g], curve.n, curve.events,
                                     FormatNumber(median.estimate), FormatNumber(100 * *conf_level),
                                     FormatNumber(median.lower), FormatNumber(median.upper));
          PrintKmTable(context.out, curve);
          context.out << '\n';
        }
        groups.push_back(std::move(group));
      }
      if (args->json) {
        json result = {{"conf_type", *conf_type},
                       {"conf_level", *conf_level},
                       {"median_ci", *median_ci},
                       {"rows_dropped", input->rows_dropped},
                       {"groups", std::move(groups)}};
        context.out << result.dump(2) << '\n';
      } else if (input->rows_dropped > 0) {
        context.out << fmt::format("{} rows with a missing value were left out\n", input->rows_dropped);
      }
      return kExitOk;
    };
  });
}

void AddLogrank(CLI::App& stats, CommandContext& context) {
  auto args = std::make_shared<SurvivalArgs>();
  auto rho = std::make_shared<double>(0);
  auto weights = std::make_shared<std::string>("logrank");
  auto* command = stats.add_subcommand("logrank", "log-rank and weighted log-rank tests between groups");
  AddSurvivalOptions(command, *args, true);
  command->add_option("--strata", args->columns.strata, "column that defines strata (a stratified test)");
  auto* rho_option = command->add_option(
      "--rho", *rho, "Fleming–Harrington G-rho weight S(t-)^rho (0: log-rank, 1: Peto–Peto)");
  command
      ->add_option("--weights", *weights,
                   "logrank (w = 1), breslow (w = n at risk), tarone-ware (w = sqrt n)")
      ->check(CLI::IsMember({"logrank", "breslow", "tarone-ware"}))
      ->excludes(rho_option);
  command->callback([&context, args, rho, weights] {
    context.run = [&context, args, rho, weights]() -> int {
      Result<SurvivalInput> input = LoadSurvivalInput(args->input, args->columns);
      if (!input.ok()) return ReportError(context, input.status());
      stats::LogrankOptions options;
      options.weight = *stats::ParseLogrankWeight(*weights);
      options.rho = *rho;
      Result<stats::LogrankResult> test =
          stats::LogRank(input->data(), input->n_groups(), input->strata,
                         static_cast<int32_t>(input->strata_names.size()), options);
      if (!test.ok()) return ReportError(context, test.status());
      json groups = json::array();
      TextTable table({"group", "n", "observed", "expected", "(O-E)^2/E"});
      for (const stats::LogrankGroup& g : test->groups) {
        const std::string& name = input->group_names[g.group];
        groups.push_back({{"group", name}, {"n", g.n}, {"observed", g.observed}, {"expected", g.expected}});
        table.AddRow({name, FormatNumber(static_cast<double>(g.n)), FormatNumber(g.observed),
                      FormatNumber(g.expected),
                      FormatNumber((g.observed - g.expected) * (g.observed - g.expected) / g.expected, 4)});
      }
      if (args->json) {
        json result = {{"chisq", test->chisq}, {"df", test->df}, {"p", JsonNumber(test->p)},
                       {"weights", *weights},  {"rho", *rho},    {"rows_dropped", input->rows_dropped},
                       {"groups", groups}};
        context.out << result.dump(2) << '\n';
      } else {
        table.Print(context.out);
        context.out << fmt::format("\nChisq = {} on {} degrees of freedom, p = {}\n",
                                   FormatNumber(test->chisq, 8), test->df, FormatNumber(test->p, 4));
      }
      return kExitOk;
    };
  });
}

void AddFollowUp(CLI::App& stats, CommandContext& context) {
  auto args = std::make_shared<SurvivalArgs>();
  auto ties = std::make_shared<std::string>("survival");
  auto* command = stats.add_subcommand("followup", "median follow-up by the reverse Kaplan–Meier method");
  AddSurvivalOptions(command, *args, false);
  command
      ->add_option("--ties", *ties,
                   "a death and a censoring at one time: survival (R's flipped status; the death stays at "
                   "risk) or prodlim (the death leaves first)")
      ->check(CLI::IsMember({"survival", "prodlim"}));
  command->callback([&context, args, ties] {
    context.run = [&context, args, ties]() -> int {
      Result<SurvivalInput> input = LoadSurvivalInput(args->input, args->columns);
      if (!input.ok()) return ReportError(context, input.status());
      stats::KmOptions options;
      Result<std::vector<stats::KmCurve>> curves = stats::ReverseKaplanMeier(
          input->data(), input->n_groups(),
          *ties == "prodlim" ? stats::FollowUpTies::kProdlim : stats::FollowUpTies::kSurvival, options);
      if (!curves.ok()) return ReportError(context, curves.status());
      json groups = json::array();
      TextTable table({"group", "n", "censored", "median follow-up", "lower 95%", "upper 95%"});
      for (size_t g = 0; g < curves->size(); ++g) {
        const stats::KmCurve& curve = (*curves)[g];
        stats::QuantileEstimate median =
            stats::SurvivalQuantile(curve, 0.5, stats::QuantileRule::kPrint, options.conf_level);
        groups.push_back({{"group", input->group_names[g]},
                          {"n", curve.n},
                          {"censored", curve.events},
                          {"median", JsonNumber(median.estimate)},
                          {"median_lower", JsonNumber(median.lower)},
                          {"median_upper", JsonNumber(median.upper)},
                          {"table", KmTableJson(curve)}});
        table.AddRow({input->group_names[g], FormatNumber(static_cast<double>(curve.n)),
                      FormatNumber(static_cast<double>(curve.events)), FormatNumber(median.estimate),
                      FormatNumber(median.lower), FormatNumber(median.upper)});
      }
      if (args->json) {
        json result = {{"ties", *ties}, {"conf_level", options.conf_level}, {"groups", groups}};
        context.out << result.dump(2) << '\n';
      } else {
        table.Print(context.out);
      }
      return kExitOk;
    };
  });
}

}  // namespace

void AddStatsCommands(CLI::App& app, CommandContext& context) {
  CLI::App* stats = app.add_subcommand("stats", "survival and contingency statistics on a CSV file");
  stats->require_subcommand(1);
  AddKm(*stats, context);
  AddLogrank(*stats, context);
  AddFollowUp(*stats, context);
}

}  // namespace prrt::cli
