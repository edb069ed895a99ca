// `prrt stats fisher | chisq`: tests on a table of counts given on the command line.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <limits>
#include <memory>

#include "cli/app.h"
#include "cli/command_support.h"
#include "cli/output.h"
#include "prrt/report/json.h"
#include "prrt/stats/contingency.h"

namespace prrt::cli {
namespace {

using nlohmann::json;

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

// R's simulate.p.value = TRUE and B, and the seed of the random tables.
struct MonteCarlo {
  CLI::Option* flag = nullptr;
  bool wanted = false;
  int replicates = 2000;
  uint64_t seed = 1;
};

std::shared_ptr<MonteCarlo> AddMonteCarloOptions(CLI::App& command, const std::string& description) {
  auto monte_carlo = std::make_shared<MonteCarlo>();
  monte_carlo->flag = command.add_flag("--simulate-p-value", monte_carlo->wanted, description);
  command.add_option("--replicates", monte_carlo->replicates, "random tables drawn (R's B; default 2000)")
      ->transform(WholeNumber(1, 100'000'000, "a number of random tables from 1 to 100000000"));
  AddSeedOption(command, monte_carlo->seed, "the random tables' seed (default 1)");
  return monte_carlo;
}

void AddFisher(CLI::App& stats, CommandContext& context) {
  auto text = std::make_shared<std::string>();
  auto conf_level = std::make_shared<double>(0.95);
  auto as_json = std::make_shared<bool>(false);
  auto alternative = std::make_shared<std::string>("two-sided");
  auto* command = stats.add_subcommand(
      "fisher", "Fisher's exact test on an r x c table (two-sided; a 2 x 2 table also one-sided)");
  command->add_option("--table", *text, "counts, rows split by ';' and counts by ',', e.g. \"3,1;1,3\"")
      ->required();
  command->add_option("--conf-level", *conf_level, "confidence level of the odds ratio's CI (2 x 2)")
      ->transform(ConfidenceLevel());
  command
      ->add_option(
          "--alternative", *alternative,
          "2 x 2 only, as R's alternative: the odds ratio differs from 1 (two-sided, the default), is "
          "below 1 (less) or above 1 (greater); a one-sided test has a one-sided CI")
      ->check(OneOf({"two-sided", "less", "greater"}));
  auto monte_carlo =
      AddMonteCarloOptions(*command,
                           "a Monte Carlo p-value, for r x c tables too large for the exact test (as R's "
                           "simulate.p.value = TRUE)");
  auto limits = std::make_shared<stats::FisherLimits>();
  command
      ->add_option("--max-kept", limits->max_stored_paths,
                   fmt::format("the exact r x c test gives up past this many partial tables (distinct past "
                               "weights, or runs of them bound for the last two columns) kept at once "
                               "(default {}; each takes 30 to 45 bytes)",
                               limits->max_stored_paths))
      ->transform(WholeNumber(1, std::numeric_limits<int64_t>::max(), "a whole number >= 1"));
  command
      ->add_option("--max-made", limits->max_expansions,
                   fmt::format("... and past this many partial tables made (default {}: about half a "
                               "minute on 2 cores)",
                               limits->max_expansions))
      ->transform(WholeNumber(1, std::numeric_limits<int64_t>::max(), "a whole number >= 1"));
  command->add_flag("--json", *as_json, "print JSON");
  OnRun(command, context, [&context, text, conf_level, alternative, as_json, monte_carlo, limits]() -> int {
    Result<stats::ContingencyTable> table = ParseTableArgument(*text);
    if (!table.ok()) return ReportError(context, table.status());
    const stats::Alternative hypothesis = *stats::ParseAlternative(*alternative);
    Result<stats::FisherResult> test =
        monte_carlo->wanted ? stats::FisherMonteCarlo(*table, monte_carlo->replicates, monte_carlo->seed,
                                                      *conf_level, hypothesis)
                            : stats::FisherExact(*table, *conf_level, *limits, hypothesis);
    if (!test.ok()) return ReportError(context, test.status());
    const std::string_view sides = stats::AlternativeName(test->alternative);
    if (*as_json) {
      json result = {{"p", test->p},
                     {"odds_ratio", JsonNumber(test->odds_ratio)},
                     {"or_lower", JsonNumber(test->or_lower)},
                     {"or_upper", JsonNumber(test->or_upper)},
                     {"conf_level", *conf_level},
                     {"alternative", sides},
                     {"method", test->method}};
      if (test->method == "monte_carlo") {
        result["replicates"] = test->replicates;
        result["seed"] = monte_carlo->seed;
      }
      // An infinite odds ratio (a zero cell) is absent in JSON; say which way it is.
      if (test->odds_ratio && std::isinf(*test->odds_ratio)) result["odds_ratio_infinite"] = true;
      if (test->or_upper && std::isinf(*test->or_upper)) result["or_upper_infinite"] = true;
      context.out << report::JsonText(result, 2) << '\n';
    } else {
      context.out << fmt::format(
          "Fisher's exact test ({} x {}), {}: p = {}{}\n", table->rows, table->cols,
          SidesText(test->alternative), FormatNumber(test->p, 7),
          test->method == "monte_carlo"
              ? fmt::format(" (Monte Carlo, {} random tables, seed {})", test->replicates, monte_carlo->seed)
              : "");
      if (test->odds_ratio) {
        context.out << fmt::format("odds ratio (conditional MLE) {}, {}% CI {} to {}\n",
                                   FormatNumber(*test->odds_ratio), FormatNumber(100 * *conf_level),
                                   FormatNumber(test->or_lower), FormatNumber(test->or_upper));
      }
    }
    return kExitOk;
  });
}

void AddChisq(CLI::App& stats, CommandContext& context) {
  auto text = std::make_shared<std::string>();
  auto yates = std::make_shared<bool>(false);
  auto as_json = std::make_shared<bool>(false);
  auto* command = stats.add_subcommand("chisq", "Pearson's chi-squared test of independence");
  command->add_option("--table", *text, "counts, rows split by ';' and counts by ','")->required();
  auto* yates_flag =
      command->add_flag("--yates", *yates, "Yates's continuity correction (2 x 2 tables, as R's default)");
  auto monte_carlo = AddMonteCarloOptions(
      *command,
      "a Monte Carlo p-value over random tables with the observed margins, where expected counts are "
      "small (as R's simulate.p.value = TRUE; whole counts, no Yates correction)");
  yates_flag->excludes(monte_carlo->flag);
  command->add_flag("--json", *as_json, "print JSON");
  OnRun(command, context, [&context, text, yates, as_json, monte_carlo]() -> int {
    Result<stats::ContingencyTable> table = ParseTableArgument(*text);
    if (!table.ok()) return ReportError(context, table.status());
    Result<stats::ChiSquareResult> test =
        monte_carlo->wanted
            ? stats::PearsonChiSquareMonteCarlo(*table, monte_carlo->replicates, monte_carlo->seed)
            : stats::PearsonChiSquare(*table, *yates);
    if (!test.ok()) return ReportError(context, test.status());
    const bool simulated = test->method == "monte_carlo";
    if (*as_json) {
      json result = {{"statistic", test->statistic},
                     {"df", test->df},
                     {"p", test->p},
                     {"yates", *yates && table->rows == 2 && table->cols == 2},
                     {"expected", TableJson(test->expected, table->cols)},
                     {"warnings", test->warnings},
                     {"method", test->method}};
      if (simulated) {
        result["replicates"] = test->replicates;
        result["seed"] = monte_carlo->seed;
      }
      context.out << report::JsonText(result, 2) << '\n';
    } else {
      context.out << fmt::format("X-squared = {}, df = {}, p = {}{}\n", FormatNumber(test->statistic, 8),
                                 test->df, FormatNumber(test->p, 7),
                                 simulated ? fmt::format(" (Monte Carlo, {} random tables, seed {})",
                                                         test->replicates, monte_carlo->seed)
                                           : "");
      for (const std::string& w : test->warnings)
        context.out << "warning: " << w << '\n';
    }
    return kExitOk;
  });
}

}  // namespace

void AddTableCommands(CLI::App& stats, CommandContext& context) {
  AddFisher(stats, context);
  AddChisq(stats, context);
}

}  // namespace prrt::cli
