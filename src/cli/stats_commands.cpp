// `prrt stats ...`: the statistics engine on CSV input, as readable tables or as JSON.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <memory>

#include "cli/app.h"
#include "cli/output.h"
#include "cli/survival_input.h"
#include "prrt/io/csv.h"
#include "prrt/stats/contingency.h"
#include "prrt/stats/correlation.h"
#include "prrt/stats/cox.h"
#include "prrt/stats/descriptives.h"
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
  auto quantiles = std::make_shared<std::vector<double>>();
  command
      ->add_option(
          "--quantiles", *quantiles,
          "other quantiles to report, as fractions dying (0.25 = the time by which 25% had the event), "
          "comma-separated; read off the curve and band like the median")
      ->delimiter(',')
      ->check(CLI::Range(0.0, 1.0).description("fractions between 0 and 1"));
  auto summary = std::make_shared<bool>(false);
  command->add_flag(
      "--summary", *summary,
      "counts and medians only, without the table (for very large files: the curves are not stored)");
  command->callback([&context, args, conf_type, conf_level, median_ci, summary, quantiles] {
    context.run = [&context, args, conf_type, conf_level, median_ci, summary, quantiles]() -> int {
      if (*summary && !quantiles->empty()) {
        return ReportError(context, InvalidArgument("--quantiles needs the curves; leave out --summary"));
      }
      Result<SurvivalInput> input = LoadSurvivalInput(args->input, args->columns);
      if (!input.ok()) return ReportError(context, input.status());
      stats::KmOptions options;
      options.conf_type = *stats::ParseConfType(*conf_type);
      options.conf_level = *conf_level;
      const stats::QuantileRule rule =
          *median_ci == "spss" ? stats::QuantileRule::kSpss : stats::QuantileRule::kPrint;
      // Each group's counts and median; the curves themselves only when they are printed (or needed for
      // the SPSS rule).
      std::vector<stats::KmSummary> groups_summary;
      std::vector<stats::KmCurve> curves;
      if (*summary && rule == stats::QuantileRule::kPrint) {
        Result<std::vector<stats::KmSummary>> s =
            stats::KaplanMeierSummary(input->data(), input->n_groups(), options);
        if (!s.ok()) return ReportError(context, s.status());
        groups_summary = std::move(*s);
      } else {
        Result<std::vector<stats::KmCurve>> c = stats::KaplanMeier(input->data(), input->n_groups(), options);
        if (!c.ok()) return ReportError(context, c.status());
        curves = std::move(*c);
        for (const stats::KmCurve& curve : curves) {
          groups_summary.push_back(
              {curve.n, curve.events, stats::SurvivalQuantile(curve, 0.5, rule, *conf_level)});
        }
      }
      json groups = json::array();
      for (size_t g = 0; g < groups_summary.size(); ++g) {
        const stats::KmSummary& s = groups_summary[g];
        const stats::QuantileEstimate& median = s.quantile;
        json group = {{"group", input->group_names[g]},
                      {"n", s.n},
                      {"events", s.events},
                      {"median", JsonNumber(median.estimate)},
                      {"median_lower", JsonNumber(median.lower)},
                      {"median_upper", JsonNumber(median.upper)}};
        if (rule == stats::QuantileRule::kSpss) group["median_std_err"] = JsonNumber(median.std_err);
        if (!quantiles->empty()) {
          json list = json::array();
          for (double p : *quantiles) {
            const stats::QuantileEstimate q = stats::SurvivalQuantile(curves[g], p, rule, *conf_level);
            list.push_back({{"p", p},
                            {"estimate", JsonNumber(q.estimate)},
                            {"lower", JsonNumber(q.lower)},
                            {"upper", JsonNumber(q.upper)}});
            if (!args->json) {
              context.out << fmt::format("  quantile {}: {} ({} to {})\n", FormatNumber(p),
                                         FormatNumber(q.estimate), FormatNumber(q.lower),
                                         FormatNumber(q.upper));
            }
          }
          group["quantiles"] = std::move(list);
        }
        const bool table = !*summary;
        if (args->json) {
          if (table) group["table"] = KmTableJson(curves[g]);
        } else {
          context.out << fmt::format("group {}: n = {}, events = {}, median {} ({}% CI {} to {})\n",
                                     input->group_names[g], s.n, s.events, FormatNumber(median.estimate),
                                     FormatNumber(100 * *conf_level), FormatNumber(median.lower),
                                     FormatNumber(median.upper));
          if (table) {
            PrintKmTable(context.out, curves[g]);
            context.out << '\n';
          }
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

// The design matrix of a Cox model: numeric columns as they are, a text column as R's treatment contrasts
// (one 0/1 column per level after the first, named column + level).
struct Design {
  std::vector<double> values;  // column-major
  std::vector<std::string> names;
};

Result<Design> BuildDesign(const std::vector<io::Column>& covariates, size_t n) {
  Design design;
  for (const io::Column& column : covariates) {
    if (column.type == io::ColumnType::kNumber) {
      design.names.push_back(column.name);
      design.values.insert(design.values.end(), column.numbers.begin(), column.numbers.end());
      continue;
    }
    if (column.levels.size() < 2) {
      return InvalidArgument(
          fmt::format("covariate '{}' has a single value ('{}'); it cannot enter the model", column.name,
                      column.levels.empty() ? "" : column.levels[0]));
    }
    for (size_t level = 1; level < column.levels.size(); ++level) {
      design.names.push_back(column.name + column.levels[level]);
      for (size_t r = 0; r < n; ++r)
        design.values.push_back(column.codes[r] == static_cast<int32_t>(level) ? 1 : 0);
    }
  }
  return design;
}

json TestJson(const stats::ChiSquareTest& test) {
  return {{"chisq", JsonNumber(test.chisq)}, {"df", test.df}, {"p", JsonNumber(test.p)}};
}

void AddCox(CLI::App& stats, CommandContext& context) {
  auto args = std::make_shared<SurvivalArgs>();
  auto covariates = std::make_shared<std::vector<std::string>>();
  auto ties = std::make_shared<std::string>("efron");
  auto* command = stats.add_subcommand("cox", "Cox proportional hazards regression");
  AddSurvivalOptions(command, *args, false);
  command
      ->add_option("--covariates", *covariates,
                   "covariate columns, comma-separated (text columns become factors)")
      ->required()
      ->delimiter(',');
  command->add_option("--strata", args->columns.strata,
                      "column that defines strata (a separate baseline hazard each)");
  command->add_option("--ties", *ties, "efron (R's default) or breslow")
      ->check(CLI::IsMember({"efron", "breslow"}));
  command->callback([&context, args, covariates, ties] {
    context.run = [&context, args, covariates, ties]() -> int {
      if (!args->columns.group.empty()) {
        return ReportError(context, InvalidArgument("cox takes --covariates (and --strata), not --group"));
      }
      args->columns.covariates = *covariates;
      Result<SurvivalInput> input = LoadSurvivalInput(args->input, args->columns);
      if (!input.ok()) return ReportError(context, input.status());
      Result<Design> design = BuildDesign(input->covariates, input->time.size());
      if (!design.ok()) return ReportError(context, design.status());
      stats::CoxOptions options;
      options.ties = *stats::ParseCoxTies(*ties);
      stats::CoxData data{input->time, input->event, design->values,
                          static_cast<int32_t>(design->names.size()), input->strata};
      Result<stats::CoxFit> fit = stats::FitCox(data, options);
      if (!fit.ok()) return ReportError(context, fit.status());
      const double z = 1.959963984540054;
      json coefficients = json::array();
      TextTable table({"", "coef", "exp(coef)", "se(coef)", "lower .95", "upper .95", "z", "p"});
      for (size_t j = 0; j < fit->coef.size(); ++j) {
        const double coef = fit->coef[j];
        const double se = fit->std_err(j);
        const double wald_z = coef / se;
        const double p = std::erfc(std::fabs(wald_z) / std::sqrt(2.0));
        coefficients.push_back({{"name", design->names[j]},
                                {"coef", JsonNumber(coef)},
                                {"se", JsonNumber(se)},
                                {"hr", JsonNumber(std::exp(coef))},
                                {"hr_lower", JsonNumber(std::exp(coef - z * se))},
                                {"hr_upper", JsonNumber(std::exp(coef + z * se))},
                                {"z", JsonNumber(wald_z)},
                                {"p", JsonNumber(p)}});
        table.AddRow({design->names[j], FormatNumber(coef), FormatNumber(std::exp(coef)), FormatNumber(se),
                      FormatNumber(std::exp(coef - z * se)), FormatNumber(std::exp(coef + z * se)),
                      FormatNumber(wald_z, 4), FormatNumber(p, 4)});
      }
      if (args->json) {
        json result = {{"n", fit->n},
                       {"events", fit->events},
                       {"dropped", input->rows_dropped},
                       {"ties", *ties},
                       {"loglik_null", fit->loglik_null},
                       {"loglik", fit->loglik},
                       {"iterations", fit->iterations},
                       {"converged", fit->converged},
                       {"coefficients", coefficients},
                       {"lr_test", TestJson(fit->lr_test)},
                       {"wald_test", TestJson(fit->wald_test)},
                       {"score_test", TestJson(fit->score_test)}};
        context.out << result.dump(2) << '\n';
      } else {
        context.out << fmt::format(
            "n = {}, events = {} ({} rows with a missing value left out), ties: {}\n\n", fit->n, fit->events,
            input->rows_dropped, *ties);
        table.Print(context.out);
        context.out << fmt::format("\nLikelihood ratio test = {} on {} df, p = {}\n",
                                   FormatNumber(fit->lr_test.chisq), fit->lr_test.df,
                                   FormatNumber(fit->lr_test.p, 4));
        context.out << fmt::format("Wald test             = {} on {} df, p = {}\n",
                                   FormatNumber(fit->wald_test.chisq), fit->wald_test.df,
                                   FormatNumber(fit->wald_test.p, 4));
        context.out << fmt::format("Score (log-rank) test = {} on {} df, p = {}\n",
                                   FormatNumber(fit->score_test.chisq), fit->score_test.df,
                                   FormatNumber(fit->score_test.p, 4));
      }
      if (!fit->converged)
        context.err << "prrt: warning: the fit did not converge in " << fit->iterations << " iterations\n";
      return kExitOk;
    };
  });
}

// Parses --table "a,b;c,d": rows split by ';', counts by ','.
Result<stats::ContingencyTable> ParseTableArgument(const std::string& text) {
  stats::ContingencyTable table;
  size_t row_start = 0;
  while (row_start <= text.size()) {
    size_t row_end = text.find(';', row_start);
    if (row_end == std::string::npos) row_end = text.size();
    const std::string row = text.substr(row_start, row_end - row_start);
    int count = 0;
    size_t cell_start = 0;
    while (cell_start <= row.size()) {
      size_t cell_end = row.find(',', cell_start);
      if (cell_end == std::string::npos) cell_end = row.size();
      std::string cell = row.substr(cell_start, cell_end - cell_start);
      size_t used = 0;
      double value = 0;
      try {
        value = std::stod(cell, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      while (used < cell.size() && cell[used] == ' ')
        ++used;
      if (cell.empty() || used != cell.size()) {
        return InvalidArgument(
            fmt::format("--table: row {}, column {}: '{}' is not a number; expected counts "
                        "such as \"3,1;1,3\" (rows split by ';', counts by ',')",
                        table.rows + 1, count + 1, cell));
      }
      table.counts.push_back(value);
      ++count;
      cell_start = cell_end + 1;
    }
    if (table.rows == 0) {
      table.cols = count;
    } else if (count != table.cols) {
      return InvalidArgument(fmt::format("--table: row {} has {} counts; expected {} as in row 1",
                                         table.rows + 1, count, table.cols));
    }
    ++table.rows;
    row_start = row_end + 1;
  }
  return table;
}

json TableJson(const std::vector<double>& values, int cols) {
  json rows = json::array();
  for (size_t i = 0; i < values.size(); i += static_cast<size_t>(cols)) {
    rows.push_back(std::vector<double>(values.begin() + static_cast<std::ptrdiff_t>(i),
                                       values.begin() + static_cast<std::ptrdiff_t>(i + cols)));
  }
  return rows;
}

void AddFisher(CLI::App& stats, CommandContext& context) {
  auto text = std::make_shared<std::string>();
  auto conf_level = std::make_shared<double>(0.95);
  auto as_json = std::make_shared<bool>(false);
  auto* command = stats.add_subcommand("fisher", "Fisher's exact test on an r x c table (two-sided)");
  command->add_option("--table", *text, "counts, rows split by ';' and counts by ',', e.g. \"3,1;1,3\"")
      ->required();
  command->add_option("--conf-level", *conf_level, "confidence level of the odds ratio's CI (2 x 2)")
      ->check(CLI::Range(0.5, 0.9999));
  command->add_flag("--json", *as_json, "print JSON");
  command->callback([&context, text, conf_level, as_json] {
    context.run = [&context, text, conf_level, as_json]() -> int {
      Result<stats::ContingencyTable> table = ParseTableArgument(*text);
      if (!table.ok()) return ReportError(context, table.status());
      Result<stats::FisherResult> test = stats::FisherExact(*table, *conf_level);
      if (!test.ok()) return ReportError(context, test.status());
      if (*as_json) {
        json result = {{"p", test->p},
                       {"odds_ratio", JsonNumber(test->odds_ratio)},
                       {"or_lower", JsonNumber(test->or_lower)},
                       {"or_upper", JsonNumber(test->or_upper)},
                       {"conf_level", *conf_level}};
        // An infinite odds ratio (a zero cell) is absent in JSON; say which way it is.
        if (test->odds_ratio && std::isinf(*test->odds_ratio)) result["odds_ratio_infinite"] = true;
        if (test->or_upper && std::isinf(*test->or_upper)) result["or_upper_infinite"] = true;
        context.out << result.dump(2) << '\n';
      } else {
        context.out << fmt::format("Fisher's exact test ({} x {}), two-sided: p = {}\n", table->rows,
                                   table->cols, FormatNumber(test->p, 7));
        if (test->odds_ratio) {
          context.out << fmt::format("odds ratio (conditional MLE) {}, {}% CI {} to {}\n",
                                     FormatNumber(*test->odds_ratio), FormatNumber(100 * *conf_level),
                                     FormatNumber(test->or_lower), FormatNumber(test->or_upper));
        }
      }
      return kExitOk;
    };
  });
}

void AddChisq(CLI::App& stats, CommandContext& context) {
  auto text = std::make_shared<std::string>();
  auto yates = std::make_shared<bool>(false);
  auto as_json = std::make_shared<bool>(false);
  auto* command = stats.add_subcommand("chisq", "Pearson's chi-squared test of independence");
  command->add_option("--table", *text, "counts, rows split by ';' and counts by ','")->required();
  command->add_flag("--yates", *yates, "Yates's continuity correction (2 x 2 tables, as R's default)");
  command->add_flag("--json", *as_json, "print JSON");
  command->callback([&context, text, yates, as_json] {
    context.run = [&context, text, yates, as_json]() -> int {
      Result<stats::ContingencyTable> table = ParseTableArgument(*text);
      if (!table.ok()) return ReportError(context, table.status());
      Result<stats::ChiSquareResult> test = stats::PearsonChiSquare(*table, *yates);
      if (!test.ok()) return ReportError(context, test.status());
      if (*as_json) {
        json result = {{"statistic", test->statistic},
                       {"df", test->df},
                       {"p", test->p},
                       {"yates", *yates && table->rows == 2 && table->cols == 2},
                       {"expected", TableJson(test->expected, table->cols)},
                       {"warnings", test->warnings}};
        context.out << result.dump(2) << '\n';
      } else {
        context.out << fmt::format("X-squared = {}, df = {}, p = {}\n", FormatNumber(test->statistic, 8),
                                   test->df, FormatNumber(test->p, 7));
        for (const std::string& w : test->warnings)
          context.out << "warning: " << w << '\n';
      }
      return kExitOk;
    };
  });
}

struct PairArgs {
  std::string input, x, y;
  bool json = false;
};

// Reads two numeric columns; rows where either is missing are left out (R's complete cases).
Result<io::ColumnSet> LoadPairs(const PairArgs& args) {
  Result<io::CsvReader> reader = io::CsvReader::Open(args.input);
  if (!reader.ok()) return reader.status();
  return io::ReadColumns(*reader, {{args.x, io::ColumnType::kNumber}, {args.y, io::ColumnType::kNumber}});
}

CLI::App* AddPairCommand(CLI::App& stats, const std::string& name, const std::string& description,
                         PairArgs& args) {
  auto* command = stats.add_subcommand(name, description);
  command->add_option("--input", args.input, "CSV file with a header row (- for standard input)")->required();
  command->add_option("--x", args.x, "first numeric column")->required();
  command->add_option("--y", args.y, "second numeric column")->required();
  command->add_flag("--json", args.json, "print JSON");
  return command;
}

void AddSpearman(CLI::App& stats, CommandContext& context) {
  auto args = std::make_shared<PairArgs>();
  AddPairCommand(stats, "spearman", "Spearman's rank correlation with R's p-value", *args)
      ->callback([&context, args] {
        context.run = [&context, args]() -> int {
          Result<io::ColumnSet> pairs = LoadPairs(*args);
          if (!pairs.ok()) return ReportError(context, pairs.status());
          Result<stats::SpearmanResult> test =
              stats::Spearman(pairs->columns[0].numbers, pairs->columns[1].numbers);
          if (!test.ok()) return ReportError(context, test.status());
          if (args->json) {
            json result = {{"rho", test->rho},
                           {"p", test->p},
                           {"n", test->n},
                           {"method", test->method},
                           {"S", test->statistic},
                           {"ties", test->ties},
                           {"rows_dropped", pairs->rows_dropped}};
            context.out << result.dump(2) << '\n';
          } else {
            context.out << fmt::format("Spearman's rho = {}, S = {}, n = {}, p = {} ({})\n",
                                       FormatNumber(test->rho, 8), FormatNumber(test->statistic, 8), test->n,
                                       FormatNumber(test->p, 7), test->method);
            if (test->ties) context.out << "ties present: the p-value uses the t approximation, as R\n";
          }
          return kExitOk;
        };
      });
}

void AddPearson(CLI::App& stats, CommandContext& context) {
  auto args = std::make_shared<PairArgs>();
  AddPairCommand(stats, "pearson", "Pearson's correlation with a t test and Fisher-z CI", *args)
      ->callback([&context, args] {
        context.run = [&context, args]() -> int {
          Result<io::ColumnSet> pairs = LoadPairs(*args);
          if (!pairs.ok()) return ReportError(context, pairs.status());
          Result<stats::PearsonResult> test =
              stats::Pearson(pairs->columns[0].numbers, pairs->columns[1].numbers);
          if (!test.ok()) return ReportError(context, test.status());
          if (args->json) {
            json result = {{"r", test->r},
                           {"t", test->t},
                           {"df", test->df},
                           {"p", test->p},
                           {"n", test->df + 2},
                           {"lower", JsonNumber(test->lower)},
                           {"upper", JsonNumber(test->upper)},
                           {"rows_dropped", pairs->rows_dropped}};
            context.out << result.dump(2) << '\n';
          } else {
            context.out << fmt::format("Pearson's r = {} (95% CI {} to {}), t = {} on {} df, p = {}\n",
                                       FormatNumber(test->r, 8), FormatNumber(test->lower),
                                       FormatNumber(test->upper), FormatNumber(test->t), test->df,
                                       FormatNumber(test->p, 7));
          }
          return kExitOk;
        };
      });
}

void AddDescribe(CLI::App& stats, CommandContext& context) {
  auto input = std::make_shared<std::string>();
  auto column = std::make_shared<std::string>();
  auto group = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  auto* command = stats.add_subcommand(
      "describe",
      "n, mean (SD), median (Q1–Q3, R's type 7) and range of a number; n (%) of each level of a text");
  command->add_option("--input", *input, "CSV file with a header row (- for standard input)")->required();
  command->add_option("--column", *column, "the column to describe")->required();
  command->add_option("--group", *group, "column that defines groups");
  command->add_flag("--json", *as_json, "print JSON");
  command->callback([&context, input, column, group, as_json] {
    context.run = [&context, input, column, group, as_json]() -> int {
      Result<io::CsvReader> reader = io::CsvReader::Open(*input);
      if (!reader.ok()) return ReportError(context, reader.status());
      std::vector<io::ColumnSpec> specs{{*column, io::ColumnType::kAuto}};
      if (!group->empty()) specs.push_back({*group, io::ColumnType::kLabel});
      Result<io::ColumnSet> read = io::ReadColumns(*reader, specs);
      if (!read.ok()) return ReportError(context, read.status());
      const io::Column& values = read->columns[0];
      const bool numeric = values.type == io::ColumnType::kNumber;
      const size_t rows = numeric ? values.numbers.size() : values.codes.size();
      std::vector<std::string> group_names{"all"};
      std::vector<int32_t> group_of(rows, 0);
      if (!group->empty()) {
        group_names = read->columns[1].levels;
        group_of = read->columns[1].codes;
      }
      json groups = json::array();
      for (size_t g = 0; g < group_names.size(); ++g) {
        json entry = {{"group", group_names[g]}};
        if (numeric) {
          std::vector<double> x;
          for (size_t r = 0; r < rows; ++r) {
            if (group_of[r] == static_cast<int32_t>(g)) x.push_back(values.numbers[r]);
          }
          Result<stats::NumericSummary> s = stats::SummariseNumeric(x);
          if (!s.ok()) return ReportError(context, s.status());
          entry.update({{"n", s->n},
                        {"mean", s->mean},
                        {"sd", JsonNumber(s->sd)},
                        {"min", s->min},
                        {"q1", s->q1},
                        {"median", s->median},
                        {"q3", s->q3},
                        {"max", s->max}});
          if (!*as_json) {
            context.out << fmt::format("{}: n = {}, mean {} (SD {}), median {} (Q1–Q3 {}–{}), range {}–{}\n",
                                       group_names[g], s->n, FormatNumber(s->mean), FormatNumber(s->sd),
                                       FormatNumber(s->median), FormatNumber(s->q1), FormatNumber(s->q3),
                                       FormatNumber(s->min), FormatNumber(s->max));
          }
        } else {
          std::vector<int32_t> codes;
          for (size_t r = 0; r < rows; ++r) {
            if (group_of[r] == static_cast<int32_t>(g)) codes.push_back(values.codes[r]);
          }
          json levels = json::array();
          int64_t n = 0;
          for (const stats::LevelCount& c : stats::CountLevels(codes, values.levels)) {
            levels.push_back({{"level", c.level}, {"count", c.count}, {"percent", JsonNumber(c.percent)}});
            n += c.count;
            if (!*as_json) {
              context.out << fmt::format("{}: {} {} ({}%)\n", group_names[g], c.level, c.count,
                                         FormatNumber(c.percent, 3));
            }
          }
          entry.update({{"n", n}, {"levels", levels}});
        }
        groups.push_back(std::move(entry));
      }
      if (*as_json) {
        json result = {{"column", *column},
                       {"type", numeric ? "numeric" : "categorical"},
                       {"rows_dropped", read->rows_dropped},
                       {"groups", groups}};
        context.out << result.dump(2) << '\n';
      } else if (read->rows_dropped > 0) {
        context.out << fmt::format("{} rows with a missing value were left out\n", read->rows_dropped);
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
  AddCox(*stats, context);
  AddFisher(*stats, context);
  AddChisq(*stats, context);
  AddSpearman(*stats, context);
  AddPearson(*stats, context);
  AddDescribe(*stats, context);
}

}  // namespace prrt::cli
