// `prrt stats cuminc`: cumulative incidence of competing risks and Gray's test, as R's cmprsk::cuminc.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <memory>

#include "cli/app.h"
#include "cli/command_support.h"
#include "cli/output.h"
#include "cli/survival_input.h"
#include "prrt/common/utf8.h"
#include "prrt/io/csv.h"
#include "prrt/stats/competing.h"

namespace prrt::cli {
namespace {

using nlohmann::json;

struct CumincArgs {
  std::string input;
  std::string time;
  std::string status;
  std::string group;
  std::string strata;
  std::string censor_code = "0";
  double rho = 0;
  double conf_level = 0.95;
  bool json = false;
};

// A status value is the censoring code when it is the same text, or the same number ("0" and "0.0").
bool IsCensorCode(const std::string& value, const std::string& code) {
  if (value == code) return true;
  double a = 0, b = 0;
  return io::ParseNumber(value, a) && io::ParseNumber(code, b) && a == b;
}

struct CompetingInput {
  BigVector<double> time;
  BigVector<int32_t> cause;
  BigVector<int32_t> group, strata;
  std::vector<std::string> cause_names, group_names{"all"};
  int32_t n_strata = 1;
  int64_t rows_dropped = 0;
};

Result<CompetingInput> LoadCompetingInput(const CumincArgs& args) {
  std::vector<io::ColumnSpec> specs{{args.time, io::ColumnType::kNumber, 0.0},
                                    {args.status, io::ColumnType::kLabel}};
  if (!args.group.empty()) specs.push_back({args.group, io::ColumnType::kLabel});
  if (!args.strata.empty()) specs.push_back({args.strata, io::ColumnType::kLabel});
  Result<io::ColumnSet> read = ReadCompleteColumns(args.input, specs);
  if (!read.ok()) return read.status();
  io::ColumnSet& set = *read;
  CompetingInput input;
  input.rows_dropped = set.rows_dropped;
  input.time = std::move(set.columns[0].numbers);
  // Causes are the status values other than the censoring code, in R's factor order.
  const io::Column& status = set.columns[1];
  std::vector<int32_t> cause_of_level(status.levels.size(), 0);
  for (size_t level = 0; level < status.levels.size(); ++level) {
    if (IsCensorCode(status.levels[level], args.censor_code)) continue;
    input.cause_names.push_back(status.levels[level]);
    cause_of_level[level] = static_cast<int32_t>(input.cause_names.size());
  }
  if (input.cause_names.empty()) {
    return InvalidArgument(fmt::format("{}: column '{}' has no value other than the censoring code '{}'",
                                       args.input, args.status, args.censor_code));
  }
  input.cause.reserve(status.codes.size());
  for (int32_t code : status.codes)
    input.cause.push_back(cause_of_level[code]);
  size_t next = 2;
  if (!args.group.empty()) {
    input.group = std::move(set.columns[next].codes);
    input.group_names = std::move(set.columns[next].levels);
    ++next;
  }
  if (!args.strata.empty()) {
    input.strata = std::move(set.columns[next].codes);
    input.n_strata = static_cast<int32_t>(set.columns[next].levels.size());
  }
  return input;
}

// A curve's column, printed a number at a time (as JSON values they take ten times the curve).
json StreamNumbers(const std::vector<double>& values, StreamedJson& streamed) {
  return streamed.AddText([&values](StreamedJson::ArrayWriter& writer) {
    for (double value : values)
      report::AppendJsonNumber(writer.Element(), value);
  });
}

}  // namespace

void AddCumincCommand(CLI::App& stats, CommandContext& context) {
  auto args = std::make_shared<CumincArgs>();
  auto* command = stats.add_subcommand(
      "cuminc", "cumulative incidence of competing risks (Aalen–Johansen) and Gray's test, as R's cmprsk");
  command->add_option("--input", args->input, "CSV file with a header row (- for standard input)")
      ->required();
  command->add_option("--time", args->time, "column of times to the first event or censoring (numbers >= 0)")
      ->required();
  command
      ->add_option("--status", args->status, "column of the cause of the first event, or the censoring code")
      ->required();
  command->add_option("--group", args->group, "column that defines the groups compared by Gray's test")
      ->check(NotEmpty("a column"));
  command->add_option("--strata", args->strata, "column that defines strata for Gray's test")
      ->check(NotEmpty("a column"));
  command->add_option("--censor-code", args->censor_code, "the status value that means censored (default 0)");
  command->add_option("--rho", args->rho, "Gray's test weight (1 - F(t-))^rho (default 0)")
      ->transform(FiniteNumber());
  command->add_option("--conf-level", args->conf_level, "confidence level of the pointwise log(-log) CI")
      ->transform(ConfidenceLevel());
  command->add_flag("--json", args->json, "print JSON instead of a table");
  OnRun(command, context, [&context, args]() -> int {
    Result<CompetingInput> input = LoadCompetingInput(*args);
    if (!input.ok()) return ReportError(context, input.status());
    stats::CumincOptions options;
    options.rho = args->rho;
    options.conf_level = args->conf_level;
    Result<stats::CumincResult> result =
        stats::CumulativeIncidence({input->time, input->cause, input->group, input->strata},
                                   static_cast<int32_t>(input->cause_names.size()),
                                   static_cast<int32_t>(input->group_names.size()), input->n_strata, options);
    if (!result.ok()) return ReportError(context, result.status());
    if (args->json) {
      json curves = json::array();
      StreamedJson streamed;
      for (const stats::CumincCurve& curve : result->curves) {
        curves.push_back({{"cause", input->cause_names[curve.cause - 1]},
                          {"group", input->group_names[curve.group]},
                          {"time", StreamNumbers(curve.time, streamed)},
                          {"estimate", StreamNumbers(curve.estimate, streamed)},
                          {"variance", StreamNumbers(curve.variance, streamed)},
                          {"lower", StreamNumbers(curve.lower, streamed)},
                          {"upper", StreamNumbers(curve.upper, streamed)}});
      }
      json gray = json::array();
      for (size_t c = 0; c < result->gray.size(); ++c) {
        const stats::ChiSquareTest& test = result->gray[c];
        gray.push_back({{"cause", input->cause_names[c]},
                        {"chisq", JsonNumber(test.chisq)},
                        {"df", test.df},
                        {"p", JsonNumber(test.p)}});
      }
      streamed.Print(context.out, {{"conf_level", args->conf_level},
                                   {"rho", args->rho},
                                   {"rows_dropped", input->rows_dropped},
                                   {"curves", std::move(curves)},
                                   {"gray", std::move(gray)}});
      return kExitOk;
    }
    for (const stats::CumincCurve& curve : result->curves) {
      context.out << fmt::format("cause {}, group {}:\n", ShowUtf8(input->cause_names[curve.cause - 1]),
                                 ShowUtf8(input->group_names[curve.group]));
      PrintTable(context.out, {"time", "incidence", "std.err", "lower", "upper"}, [&curve](const auto& emit) {
        // The corner points after each step (and the last point), without the repeated values before them.
        for (size_t i = 0; i < curve.time.size(); ++i) {
          if (i > 0 && i + 1 < curve.time.size() && i % 2 == 1) continue;
          emit({FormatNumber(curve.time[i]), FormatNumber(curve.estimate[i], 4),
                FormatNumber(std::sqrt(curve.variance[i]), 4), FormatNumber(curve.lower[i], 4),
                FormatNumber(curve.upper[i], 4)});
        }
      });
      context.out << '\n';
    }
    for (size_t c = 0; c < result->gray.size(); ++c) {
      const stats::ChiSquareTest& test = result->gray[c];
      context.out << fmt::format("Gray's test, cause {}: chisq = {} on {} df, p = {}\n",
                                 ShowUtf8(input->cause_names[c]), FormatNumber(test.chisq, 8), test.df,
                                 FormatNumber(test.p, 4));
    }
    PrintRowsLeftOut(context.out, input->rows_dropped);
    return kExitOk;
  });
}

}  // namespace prrt::cli
