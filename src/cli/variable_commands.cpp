// `prrt stats spearman | pearson | describe`: correlations and summaries of CSV columns.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <memory>

#include "cli/app.h"
#include "cli/command_support.h"
#include "cli/output.h"
#include "prrt/common/utf8.h"
#include "prrt/io/csv.h"
#include "prrt/report/json.h"
#include "prrt/stats/correlation.h"
#include "prrt/stats/descriptives.h"

namespace prrt::cli {
namespace {

using nlohmann::json;

struct PairArgs {
  std::string input, x, y;
  std::string alternative = "two-sided";
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
  command
      ->add_option("--alternative", args.alternative,
                   "as R's alternative: the correlation differs from 0 (two-sided, the default), is below "
                   "0 (less) or above 0 (greater)")
      ->check(OneOf({"two-sided", "less", "greater"}));
  command->add_flag("--json", args.json, "print JSON");
  return command;
}

void AddSpearman(CLI::App& stats, CommandContext& context) {
  auto args = std::make_shared<PairArgs>();
  auto options = std::make_shared<stats::SpearmanOptions>();
  auto* command = AddPairCommand(stats, "spearman", "Spearman's rank correlation with R's p-value", *args);
  auto exact = std::make_shared<std::string>("true");
  command
      ->add_option("--exact", *exact,
                   "false: the p-value by the t approximation even without ties (R's exact = FALSE; "
                   "SPSS's NONPAR CORR by its published algorithm); true (the default): as R's default")
      ->check(OneOf({"true", "false"}));
  command->add_flag("--continuity", options->continuity,
                    "R's continuity = TRUE: a continuity correction in the t approximation");
  OnRun(command, context, [&context, args, options, exact]() -> int {
    Result<io::ColumnSet> pairs = LoadPairs(*args);
    if (!pairs.ok()) return ReportError(context, pairs.status());
    options->alternative = *stats::ParseAlternative(args->alternative);
    options->exact = *exact == "true";
    Result<stats::SpearmanResult> test =
        stats::Spearman(pairs->columns[0].numbers, pairs->columns[1].numbers, *options);
    if (!test.ok()) return ReportError(context, test.status());
    const bool corrected = options->continuity && test->method == "t";
    if (args->json) {
      json result = {{"rho", test->rho},
                     {"p", test->p},
                     {"n", test->n},
                     {"method", test->method},
                     {"S", test->statistic},
                     {"ties", test->ties},
                     {"alternative", args->alternative},
                     {"continuity", corrected},
                     {"rows_dropped", pairs->rows_dropped}};
      context.out << report::JsonText(result, 2) << '\n';
    } else {
      context.out << fmt::format("Spearman's rho = {}, S = {}, n = {}, {} p = {} ({}{})\n",
                                 FormatNumber(test->rho, 8), FormatNumber(test->statistic, 8), test->n,
                                 SidesText(options->alternative), FormatNumber(test->p, 7), test->method,
                                 corrected ? ", continuity correction" : "");
      if (test->ties) context.out << "ties present: the p-value uses the t approximation, as R\n";
      PrintRowsLeftOut(context.out, pairs->rows_dropped);
    }
    return kExitOk;
  });
}

void AddPearson(CLI::App& stats, CommandContext& context) {
  auto args = std::make_shared<PairArgs>();
  auto conf_level = std::make_shared<double>(0.95);
  auto* command =
      AddPairCommand(stats, "pearson", "Pearson's correlation with a t test and Fisher-z CI", *args);
  command->add_option("--conf-level", *conf_level, "confidence level of r's CI (default 0.95)")
      ->transform(ConfidenceLevel());
  OnRun(command, context, [&context, args, conf_level]() -> int {
    Result<io::ColumnSet> pairs = LoadPairs(*args);
    if (!pairs.ok()) return ReportError(context, pairs.status());
    const stats::Alternative alternative = *stats::ParseAlternative(args->alternative);
    Result<stats::PearsonResult> test =
        stats::Pearson(pairs->columns[0].numbers, pairs->columns[1].numbers, *conf_level, alternative);
    if (!test.ok()) return ReportError(context, test.status());
    if (args->json) {
      json result = {{"r", test->r},
                     {"t", test->t},
                     {"df", test->df},
                     {"p", test->p},
                     {"n", test->df + 2},
                     {"lower", JsonNumber(test->lower)},
                     {"upper", JsonNumber(test->upper)},
                     {"conf_level", *conf_level},
                     {"alternative", args->alternative},
                     {"rows_dropped", pairs->rows_dropped}};
      context.out << report::JsonText(result, 2) << '\n';
    } else {
      context.out << fmt::format("Pearson's r = {} ({}% CI {} to {}), t = {} on {} df, {} p = {}\n",
                                 FormatNumber(test->r, 8), FormatNumber(100 * *conf_level),
                                 FormatNumber(test->lower), FormatNumber(test->upper), FormatNumber(test->t),
                                 test->df, SidesText(alternative), FormatNumber(test->p, 7));
      PrintRowsLeftOut(context.out, pairs->rows_dropped);
    }
    return kExitOk;
  });
}

void AddDescribe(CLI::App& stats, CommandContext& context) {
  auto input = std::make_shared<std::string>();
  auto column = std::make_shared<std::string>();
  auto group = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  auto quantile_type = std::make_shared<int>(7);
  auto* command = stats.add_subcommand(
      "describe",
      "n, mean (SD), median (Q1–Q3, R's type 7) and range of a number; n (%) of each level of a text");
  command->add_option("--input", *input, "CSV file with a header row (- for standard input)")->required();
  command->add_option("--column", *column, "the column to describe")->required();
  command->add_option("--group", *group, "column that defines groups")->check(NotEmpty("a column"));
  command
      ->add_option("--quantile-type", *quantile_type,
                   "the quartiles by R's quantile(type = 1 to 9): 7, R's default; 6, SPSS's (HAVERAGE)")
      ->transform(WholeNumber(1, 9, "a quantile type from 1 to 9 (R's types)"));
  command->add_flag("--json", *as_json, "print JSON");
  OnRun(command, context, [&context, input, column, group, as_json, quantile_type]() -> int {
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
    BigVector<int32_t> group_of(rows, 0);
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
        Result<stats::NumericSummary> s = stats::SummariseNumeric(x, *quantile_type);
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
                                     ShowUtf8(group_names[g]), s->n, FormatNumber(s->mean),
                                     FormatNumber(s->sd), FormatNumber(s->median), FormatNumber(s->q1),
                                     FormatNumber(s->q3), FormatNumber(s->min), FormatNumber(s->max));
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
            context.out << fmt::format("{}: {} {} ({}%)\n", ShowUtf8(group_names[g]), ShowUtf8(c.level),
                                       c.count, FormatNumber(c.percent, 3));
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
      if (numeric) result["quantile_type"] = *quantile_type;
      context.out << report::JsonText(result, 2) << '\n';
    } else {
      PrintRowsLeftOut(context.out, read->rows_dropped);
    }
    return kExitOk;
  });
}

}  // namespace

void AddVariableCommands(CLI::App& stats, CommandContext& context) {
  AddSpearman(stats, context);
  AddPearson(stats, context);
  AddDescribe(stats, context);
}

}  // namespace prrt::cli
