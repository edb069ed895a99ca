// `prrt stats km | logrank | followup | cox`: survival analyses of a CSV file.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <thread>

#include "cli/app.h"
#include "cli/command_support.h"
#include "cli/output.h"
#include "cli/survival_input.h"
#include "prrt/common/parallel.h"
#include "prrt/common/utf8.h"
#include "prrt/io/csv.h"
#include "prrt/report/json.h"
#include "prrt/stats/cox.h"
#include "prrt/stats/design.h"
#include "prrt/stats/logrank.h"
#include "prrt/stats/survival.h"

namespace prrt::cli {
namespace {

using nlohmann::json;

// The rows of a Kaplan–Meier table, each handed in turn to `visit`.
using KmRows = std::function<void(const std::function<void(const stats::KmRow&)>& visit)>;

// Group g's rows, made by `source` as they are read.
KmRows RowsOf(const stats::KmRowSource& source, size_t g) {
  return [&source, g](const auto& visit) { source.ForEachRow(static_cast<int32_t>(g), visit); };
}

// A large table is printed a block of rows at a time: the rows are made in order on this thread, and the
// block's parts are written as text on all cores (the digits of the numbers are most of the time of printing
// 10^7 rows).
constexpr size_t kBlockRows = size_t{1} << 14, kPartRows = size_t{1} << 10;
using KmBlock = std::span<const stats::KmRow>;

// Calls `write` with the rows a block at a time, in order. The rows are made on a thread of their own, up to
// two blocks ahead: making them is one pass along the curve (a running product), which would otherwise leave
// the other cores idle between the blocks they write as text. With one thread (PRRT_THREADS=1), on this one.
void ForEachBlock(const KmRows& rows, const std::function<void(KmBlock)>& write) {
  using Block = std::vector<stats::KmRow>;
  // Fills blocks in turn: full(block) takes each full block (and the last, if not empty) and returns the
  // block to fill next; full(nullptr), the first.
  auto make_blocks = [&rows](const auto& full) {
    Block* block = full(nullptr);
    rows([&](const stats::KmRow& row) {
      block->push_back(row);
      if (block->size() == kBlockRows) block = full(block);
    });
    if (!block->empty()) full(block);
  };
  if (ThreadCount() == 1) {
    Block block;
    block.reserve(kBlockRows);
    make_blocks([&](Block* full) {
      if (full != nullptr) write(*full);
      block.clear();
      return &block;
    });
    return;
  }
  // Block k is made in blocks[k % kBlocks]: one being made, one being written, one ready.
  constexpr size_t kBlocks = 3;
  std::array<Block, kBlocks> blocks;
  std::mutex mutex;
  std::condition_variable changed;
  size_t made = 0, written = 0;
  bool all_made = false;
  std::jthread maker([&] {
    make_blocks([&](Block* full) {
      std::unique_lock lock(mutex);
      if (full != nullptr) {
        ++made;
        changed.notify_all();
      }
      // The next slot is free once the block made kBlocks before it is written.
      changed.wait(lock, [&] { return made - written < kBlocks; });
      Block* next = &blocks[made % kBlocks];
      next->clear();
      next->reserve(kBlockRows);
      return next;
    });
    const std::lock_guard lock(mutex);
    all_made = true;
    changed.notify_all();
  });
  for (std::unique_lock lock(mutex);;) {
    changed.wait(lock, [&] { return written < made || all_made; });
    if (written == made) return;  // all made, and all written
    lock.unlock();
    write(blocks[written % kBlocks]);
    lock.lock();
    ++written;
    changed.notify_all();
  }
}

// Calls part(k, rows) for the parts of a block, on all cores; k < kBlockRows / kPartRows.
void ForEachPart(KmBlock block, const std::function<void(size_t, KmBlock)>& part) {
  ParallelFor((block.size() + kPartRows - 1) / kPartRows, [&](size_t k) {
    part(k, block.subspan(k * kPartRows, std::min(kPartRows, block.size() - k * kPartRows)));
  });
}

// A curve's JSON "table", printed row by row (10^7 rows would take gigabytes as a JSON value).
json StreamKmTable(KmRows rows, StreamedJson& streamed) {
  return streamed.AddText([rows = std::move(rows)](StreamedJson::ArrayWriter& writer) {
    const std::string separator = "," + std::string(writer.newline());
    std::vector<report::KmRowJsonWriter> row_writers(kBlockRows / kPartRows,
                                                     report::KmRowJsonWriter(writer.newline(), separator));
    // Left uninitialised: only the pages the rows' text reaches are touched.
    std::vector<std::unique_ptr<char[]>> parts;
    for (size_t k = 0; k < row_writers.size(); ++k)
      parts.push_back(std::make_unique_for_overwrite<char[]>(kPartRows * row_writers[k].max_row_bytes()));
    std::vector<size_t> part_length(parts.size());
    ForEachBlock(rows, [&](KmBlock block) {
      ForEachPart(block, [&](size_t k, KmBlock part) {
        char* const begin = parts[k].get();
        char* end = begin;
        for (const stats::KmRow& row : part)
          end = row_writers[k].Write(end, row);
        part_length[k] = static_cast<size_t>(end - begin);
      });
      for (size_t k = 0; k * kPartRows < block.size(); ++k)
        writer.AppendElements(std::string_view(parts[k].get(), part_length[k]));
    });
  });
}

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
  auto* group = command->add_option("--group", args.columns.group, "column that defines the groups")
                    ->check(NotEmpty("a column"));
  if (group_required) group->required();
  command->add_flag("--json", args.json, "print JSON instead of a table");
}

void AddStartOption(CLI::App* command, SurvivalArgs& args) {
  command
      ->add_option("--start", args.columns.start,
                   "column of interval start times: counting-process data (start, time], as R's "
                   "Surv(start, stop, event); a row is at risk at t when start < t <= time")
      ->check(NotEmpty("a column"));
}

void AddWeightsOption(CLI::App* command, SurvivalArgs& args) {
  command
      ->add_option("--weights", args.columns.weights,
                   "column of case weights, numbers > 0 (R's weights: a row of weight k counts as k rows; "
                   "weights that are not all whole numbers bring R's robust variance)")
      ->check(NotEmpty("a column"));
}

// The rows of a table held in memory.
KmRows RowsOf(const std::vector<stats::KmRow>& table) {
  return [&table](const auto& visit) {
    for (const stats::KmRow& row : table)
      visit(row);
  };
}

// A row of a Kaplan–Meier table as text.
std::array<std::string, 8> KmCells(const stats::KmRow& row) {
  return {FormatNumber(row.time),     FormatNumber(row.n_risk),  FormatNumber(row.n_event),
          FormatNumber(row.n_censor), FormatNumber(row.surv, 4), FormatNumber(row.std_err, 4),
          FormatNumber(row.lower, 4), FormatNumber(row.upper, 4)};
}

// As PrintTable, the rows read twice (to measure the columns, then to print them), a block at a time.
void PrintKmTable(std::ostream& out, const KmRows& rows) {
  const std::array<std::string, 8> header = {"time",     "n.risk",  "n.event", "n.censor",
                                             "survival", "std.err", "lower",   "upper"};
  std::array<size_t, 8> widths;
  std::transform(header.begin(), header.end(), widths.begin(), [](const std::string& h) { return h.size(); });
  std::vector<std::array<size_t, 8>> part_widths(kBlockRows / kPartRows);
  ForEachBlock(rows, [&](KmBlock block) {
    ForEachPart(block, [&](size_t k, KmBlock part) {
      part_widths[k] = widths;
      for (const stats::KmRow& row : part) {
        const std::array<std::string, 8> cells = KmCells(row);
        for (size_t c = 0; c < cells.size(); ++c)
          part_widths[k][c] = std::max(part_widths[k][c], cells[c].size());
      }
    });
    for (size_t k = 0; k * kPartRows < block.size(); ++k) {
      for (size_t c = 0; c < widths.size(); ++c)
        widths[c] = std::max(widths[c], part_widths[k][c]);
    }
  });
  std::string line;
  AppendAlignedRow(line, header, widths);
  out << line;
  std::vector<std::string> parts(kBlockRows / kPartRows);
  ForEachBlock(rows, [&](KmBlock block) {
    ForEachPart(block, [&](size_t k, KmBlock part) {
      parts[k].clear();
      for (const stats::KmRow& row : part)
        AppendAlignedRow(parts[k], KmCells(row), widths);
    });
    for (size_t k = 0; k * kPartRows < block.size(); ++k)
      out.write(parts[k].data(), static_cast<std::streamsize>(parts[k].size()));
  });
}

// Group g's quantiles (fractions dying `ps`) as JSON, also printed as text unless `as_json`.
json QuantilesOf(const stats::KmRowSource& source, size_t g, const std::vector<double>& ps,
                 stats::QuantileRule rule, bool as_json, std::ostream& out) {
  json list = json::array();
  for (double p : ps) {
    const stats::QuantileEstimate q = source.Quantile(static_cast<int32_t>(g), p, rule);
    list.push_back({{"p", p},
                    {"estimate", JsonNumber(q.estimate)},
                    {"lower", JsonNumber(q.lower)},
                    {"upper", JsonNumber(q.upper)}});
    if (!as_json) {
      out << fmt::format("  quantile {}: {} ({} to {})\n", FormatNumber(p), FormatNumber(q.estimate),
                         FormatNumber(q.lower), FormatNumber(q.upper));
    }
  }
  return list;
}

// Group g's curve read at `times`: as JSON, or printed as text (then the JSON is empty).
json AtTimesOf(const stats::KmRowSource& source, size_t g, const std::vector<double>& times, bool as_json,
               std::ostream& out) {
  stats::KmAtTimes at_times(times);
  source.ForEachRow(static_cast<int32_t>(g), [&at_times](const stats::KmRow& row) { at_times.Add(row); });
  json list = json::array();
  if (as_json) {
    for (const stats::KmRow& row : at_times.rows())
      list.push_back(report::KmRowJson(row));
  } else if (at_times.rows().empty()) {
    out << "  at the times asked for: none, all are after the curve's end\n";
  } else {
    out << "  at the times asked for:\n";
    PrintKmTable(out, RowsOf(at_times.rows()));
  }
  return list;
}

// Group g's restricted mean survival time up to `upper` (nullopt: its own last time) with its SE and a
// normal CI at `conf_level`, added to its JSON and printed as text unless `as_json`.
stats::RestrictedMean RestrictedMeanOf(const stats::KmRowSource& source, size_t g,
                                       std::optional<double> upper, double conf_level, bool as_json,
                                       json& group, std::ostream& out) {
  stats::RestrictedMean rmean(upper);
  source.ForEachRow(static_cast<int32_t>(g), [&rmean](const stats::KmRow& row) { rmean.Add(row); });
  const auto [lower, upper_limit] = rmean.Ci(conf_level);
  group["rmean"] = JsonNumber(rmean.estimate());
  group["rmean_se"] = JsonNumber(rmean.std_err());
  group["rmean_to"] = JsonNumber(rmean.to());
  group["rmean_lower"] = JsonNumber(lower);
  group["rmean_upper"] = JsonNumber(upper_limit);
  if (!as_json) {
    out << fmt::format("  restricted mean to {}: {} (SE {}; {}% CI {} to {})\n", FormatNumber(rmean.to()),
                       FormatNumber(rmean.estimate()), FormatNumber(rmean.std_err()),
                       FormatNumber(100 * conf_level), FormatNumber(lower), FormatNumber(upper_limit));
  }
  return rmean;
}

// Each group's restricted mean against the first group's (to one limit): JSON, also printed unless `as_json`.
json RestrictedMeanContrasts(const std::vector<stats::RestrictedMean>& rmeans,
                             const std::vector<std::string>& names, double conf_level, bool as_json,
                             std::ostream& out) {
  json list = json::array();
  if (!as_json) out << fmt::format("restricted means against group {}:\n", ShowUtf8(names[0]));
  for (size_t g = 1; g < rmeans.size(); ++g) {
    const stats::RestrictedMeanContrast c = stats::CompareRestrictedMeans(rmeans[g], rmeans[0], conf_level);
    list.push_back({{"group", names[g]},
                    {"reference", names[0]},
                    {"difference", JsonNumber(c.difference)},
                    {"difference_lower", JsonNumber(c.difference_lower)},
                    {"difference_upper", JsonNumber(c.difference_upper)},
                    {"difference_p", JsonNumber(c.difference_p)},
                    {"ratio", JsonNumber(c.ratio)},
                    {"ratio_lower", JsonNumber(c.ratio_lower)},
                    {"ratio_upper", JsonNumber(c.ratio_upper)},
                    {"ratio_p", JsonNumber(c.ratio_p)}});
    if (!as_json) {
      out << fmt::format("  group {}: difference {} ({}% CI {} to {}, p = {}), ratio {} ({} to {}, p = {})\n",
                         ShowUtf8(names[g]), FormatNumber(c.difference), FormatNumber(100 * conf_level),
                         FormatNumber(c.difference_lower), FormatNumber(c.difference_upper),
                         FormatNumber(c.difference_p, 4), FormatNumber(c.ratio), FormatNumber(c.ratio_lower),
                         FormatNumber(c.ratio_upper), FormatNumber(c.ratio_p, 4));
    }
  }
  return list;
}

// prrt stats km's options beyond the input's.
struct KmFlags {
  std::string conf_type = "log";
  double conf_level = 0.95;
  std::string median_ci = "band";
  std::vector<double> quantiles;
  std::vector<double> times;
  std::string rmean;  // common, individual or a time; empty: none
  bool summary = false;
};

void AddKm(CLI::App& stats, CommandContext& context) {
  auto args = std::make_shared<SurvivalArgs>();
  auto flags = std::make_shared<KmFlags>();
  auto* command = stats.add_subcommand("km", "Kaplan–Meier curves by group, with medians and their CIs");
  AddSurvivalOptions(command, *args, false);
  AddStartOption(command, *args);
  AddWeightsOption(command, *args);
  command
      ->add_option("--conf-type", flags->conf_type,
                   "CI transformation: log (R's default), log-log, plain, logit, arcsin")
      ->check(OneOf({"log", "log-log", "plain", "logit", "arcsin"}));
  command->add_option("--conf-level", flags->conf_level, "confidence level")->transform(ConfidenceLevel());
  command
      ->add_option("--median-ci", flags->median_ci,
                   "band: the median and its CI read off the curve and band as R's print.survfit; "
                   "spss: SPSS's median with a symmetric CI, median ± z·SE")
      ->check(OneOf({"band", "spss"}));
  command
      ->add_option(
          "--quantiles", flags->quantiles,
          "other quantiles to report, as fractions dying (0.25 = the time by which 25% had the event), "
          "comma-separated; read off the curve and band like the median")
      ->delimiter(',')
      ->transform(Number([](double q) { return q >= 0 && q <= 1; }, "a fraction from 0 to 1"));
  command
      ->add_option(
          "--times", flags->times,
          "times to read the curves at, comma-separated (e.g. 12,24,36 for 1-, 2- and 3-year survival "
          "in months), as R's summary(fit, times = ...): at risk, events since the time before, "
          "survival and its CI; times after a curve's end are left out")
      ->delimiter(',')
      ->transform(FiniteNumber());
  command
      ->add_option(
          "--rmean", flags->rmean,
          "the restricted mean survival time (RMST, with its SE and CI) up to: common (the last time "
          "of all groups), individual (each group's own last time) or a time, as R's "
          "print.survfit(rmean = ...)")
      ->check(CLI::Validator(
          [](std::string& text) {
            double value = 0;
            if (text == "common" || text == "individual" || (io::ParseNumber(text, value) && value > 0))
              return std::string();
            return fmt::format("found '{}'; expected common, individual or a time > 0", text);
          },
          "common|individual|TIME"));
  command->add_flag(
      "--summary", flags->summary,
      "counts, medians (and --quantiles, --times) only, without the table (for very large files: the curves "
      "are not stored)");
  OnRun(command, context, [&context, args, flags]() -> int {
    Result<SurvivalInput> input = LoadSurvivalInput(args->input, args->columns);
    if (!input.ok()) return ReportError(context, input.status());
    const bool weighted = input->weighted();
    stats::KmOptions options;
    options.conf_type = *stats::ParseConfType(flags->conf_type);
    options.conf_level = flags->conf_level;
    const stats::QuantileRule rule =
        flags->median_ci == "spss" ? stats::QuantileRule::kSpss : stats::QuantileRule::kPrint;
    // Each group's counts and median, in one pass that stores no rows when only they are asked for;
    // otherwise from the sorted data, whose curves are made again, row by row, as they are read.
    std::vector<stats::KmSummary> groups_summary;
    std::optional<stats::KmRowSource> source;
    if (flags->summary && rule == stats::QuantileRule::kPrint && flags->quantiles.empty() &&
        flags->times.empty() && flags->rmean.empty()) {
      Result<std::vector<stats::KmSummary>> s =
          stats::KaplanMeierSummary(input->data(), input->n_groups(), options);
      if (!s.ok()) return ReportError(context, s.status());
      groups_summary = std::move(*s);
    } else {
      Result<stats::KmRowSource> s = stats::KmRowSource::Create(input->data(), input->n_groups(), options);
      if (!s.ok()) return ReportError(context, s.status());
      source.emplace(std::move(*s));
      input->ReleaseRows();
      const std::vector<stats::QuantileEstimate> medians = source->QuantileByGroup(0.5, rule);
      for (int32_t g = 0; g < input->n_groups(); ++g)
        groups_summary.push_back(
            {source->n(g), source->events(g), source->weighted_n(g), source->weighted_events(g), medians[g]});
    }
    // The restricted mean's limit: one for all groups, or (nullopt) each group's own last time.
    std::optional<double> rmean_to;
    if (flags->rmean == "common") {
      rmean_to = 0;
      for (int32_t g = 0; g < input->n_groups(); ++g) {
        if (source->n(g) > 0) rmean_to = std::max(*rmean_to, source->last_time(g));
      }
    } else if (!flags->rmean.empty() && flags->rmean != "individual") {
      rmean_to.emplace();
      io::ParseNumber(flags->rmean, *rmean_to);
    }
    json groups = json::array();
    StreamedJson streamed;
    std::vector<stats::RestrictedMean> rmeans;
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
      if (weighted) {
        group["weighted_n"] = s.weighted_n;
        group["weighted_events"] = s.weighted_events;
      }
      if (!args->json) {
        const std::string weighted_counts =
            weighted ? fmt::format(" (weighted {} and {})", FormatNumber(s.weighted_n),
                                   FormatNumber(s.weighted_events))
                     : "";
        context.out << fmt::format("group {}: n = {}, events = {}{}, median {} ({}% CI {} to {})\n",
                                   ShowUtf8(input->group_names[g]), s.n, s.events, weighted_counts,
                                   FormatNumber(median.estimate), FormatNumber(100 * flags->conf_level),
                                   FormatNumber(median.lower), FormatNumber(median.upper));
      }
      if (!flags->quantiles.empty()) {
        group["quantiles"] = QuantilesOf(*source, g, flags->quantiles, rule, args->json, context.out);
      }
      if (!flags->times.empty())
        group["at_times"] = AtTimesOf(*source, g, flags->times, args->json, context.out);
      if (!flags->rmean.empty()) {
        rmeans.push_back(
            RestrictedMeanOf(*source, g, rmean_to, flags->conf_level, args->json, group, context.out));
      }
      const bool table = !flags->summary;
      if (args->json) {
        if (table) group["table"] = StreamKmTable(RowsOf(*source, g), streamed);
      } else {
        if (table) {
          if (!flags->times.empty()) context.out << "  the whole curve:\n";
          PrintKmTable(context.out, RowsOf(*source, g));
          context.out << '\n';
        }
      }
      groups.push_back(std::move(group));
    }
    // Contrasts only to one limit for all: differences of areas to different limits mean nothing.
    json contrasts;
    if (rmeans.size() > 1 && rmean_to) {
      contrasts =
          RestrictedMeanContrasts(rmeans, input->group_names, flags->conf_level, args->json, context.out);
    }
    if (args->json) {
      json result = {{"conf_type", flags->conf_type},       {"conf_level", flags->conf_level},
                     {"median_ci", flags->median_ci},       {"weighted", weighted},
                     {"rows_dropped", input->rows_dropped}, {"groups", std::move(groups)}};
      if (!flags->rmean.empty()) {
        result["rmean"] = rmean_to && flags->rmean != "common" ? json(*rmean_to) : json(flags->rmean);
      }
      if (!contrasts.is_null()) result["rmean_contrasts"] = std::move(contrasts);
      streamed.Print(context.out, result);
    } else {
      PrintRowsLeftOut(context.out, input->rows_dropped);
    }
    return kExitOk;
  });
}

void AddLogrank(CLI::App& stats, CommandContext& context) {
  auto args = std::make_shared<SurvivalArgs>();
  auto rho = std::make_shared<double>(0);
  auto weights = std::make_shared<std::string>("logrank");
  auto* command = stats.add_subcommand("logrank", "log-rank and weighted log-rank tests between groups");
  AddSurvivalOptions(command, *args, true);
  command->add_option("--strata", args->columns.strata, "column that defines strata (a stratified test)")
      ->check(NotEmpty("a column"));
  auto* rho_option =
      command
          ->add_option("--rho", *rho, "Fleming–Harrington G-rho weight S(t-)^rho (0: log-rank, 1: Peto–Peto)")
          ->transform(FiniteNumber());
  command
      ->add_option("--weights", *weights,
                   "logrank (w = 1), breslow (w = n at risk), tarone-ware (w = sqrt n)")
      ->check(OneOf({"logrank", "breslow", "tarone-ware"}))
      ->excludes(rho_option);
  auto pairwise = std::make_shared<bool>(false);
  auto p_adjust = std::make_shared<std::string>("none");
  auto* pairwise_flag = command->add_flag(
      "--pairwise", *pairwise,
      "also each pair of groups on its own rows (R's survdiff on each subset; SPSS's /COMPARE=PAIRWISE)");
  command
      ->add_option("--p-adjust", *p_adjust,
                   "the pairwise p-values adjusted as R's p.adjust: none (default), bonferroni, holm, BH")
      ->check(OneOf({"none", "bonferroni", "holm", "BH"}))
      ->needs(pairwise_flag);
  OnRun(command, context, [&context, args, rho, weights, pairwise, p_adjust]() -> int {
    Result<SurvivalInput> input = LoadSurvivalInput(args->input, args->columns);
    if (!input.ok()) return ReportError(context, input.status());
    stats::LogrankOptions options;
    options.weight = *stats::ParseLogrankWeight(*weights);
    options.rho = *rho;
    Result<stats::LogrankResult> test =
        stats::LogRank(input->data(), input->n_groups(), input->strata,
                       static_cast<int32_t>(input->strata_names.size()), options);
    if (!test.ok()) return ReportError(context, test.status());
    std::vector<stats::PairwiseLogrank> pairs;
    if (*pairwise) {
      Result<std::vector<stats::PairwiseLogrank>> tested = stats::PairwiseLogRank(
          input->data(), input->n_groups(), input->strata, static_cast<int32_t>(input->strata_names.size()),
          options, *stats::ParsePAdjust(*p_adjust));
      if (!tested.ok()) return ReportError(context, tested.status());
      pairs = std::move(*tested);
    }
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
      if (*pairwise) {
        json rows = json::array();
        for (const stats::PairwiseLogrank& pair : pairs) {
          json row = {{"groups", {input->group_names[pair.group_a], input->group_names[pair.group_b]}},
                      {"chisq", JsonNumber(pair.chisq)},
                      {"df", pair.df},
                      {"p", JsonNumber(pair.p)},
                      {"p_adjusted", JsonNumber(pair.p_adjusted)}};
          if (!pair.no_test.empty()) row["no_test"] = pair.no_test;
          rows.push_back(std::move(row));
        }
        result["pairwise"] = std::move(rows);
        result["p_adjust"] = *p_adjust;
      }
      context.out << report::JsonText(result, 2) << '\n';
    } else {
      table.Print(context.out);
      context.out << fmt::format("\nChisq = {} on {} degrees of freedom, p = {}\n",
                                 FormatNumber(test->chisq, 8), test->df, FormatNumber(test->p, 4));
      PrintRowsLeftOut(context.out, input->rows_dropped);
      if (*pairwise) {
        TextTable pair_table({"group", "vs group", "chisq", "df", "p", fmt::format("p ({})", *p_adjust)});
        for (const stats::PairwiseLogrank& pair : pairs) {
          pair_table.AddRow({input->group_names[pair.group_a], input->group_names[pair.group_b],
                             FormatNumber(pair.chisq, 6), std::to_string(pair.df), FormatNumber(pair.p, 4),
                             pair.no_test.empty() ? FormatNumber(pair.p_adjusted, 4) : pair.no_test});
        }
        context.out << "\nPairwise (each pair on its own rows):\n";
        pair_table.Print(context.out);
      }
    }
    return kExitOk;
  });
}

void AddFollowUp(CLI::App& stats, CommandContext& context) {
  auto args = std::make_shared<SurvivalArgs>();
  auto ties = std::make_shared<std::string>("survival");
  auto* command = stats.add_subcommand("followup", "median follow-up by the reverse Kaplan–Meier method");
  AddSurvivalOptions(command, *args, false);
  AddWeightsOption(command, *args);
  command
      ->add_option("--ties", *ties,
                   "a death and a censoring at one time: survival (R's flipped status; the death stays at "
                   "risk) or prodlim (the death leaves first)")
      ->check(OneOf({"survival", "prodlim"}));
  OnRun(command, context, [&context, args, ties]() -> int {
    Result<SurvivalInput> input = LoadSurvivalInput(args->input, args->columns);
    if (!input.ok()) return ReportError(context, input.status());
    const bool weighted = input->weighted();
    stats::KmOptions options;
    Result<stats::KmRowSource> curves = stats::ReverseKaplanMeier(
        input->data(), input->n_groups(),
        *ties == "prodlim" ? stats::FollowUpTies::kProdlim : stats::FollowUpTies::kSurvival, options);
    if (!curves.ok()) return ReportError(context, curves.status());
    input->ReleaseRows();
    json groups = json::array();
    StreamedJson streamed;
    TextTable table({"group", "n", "censored", "median follow-up", "lower 95%", "upper 95%"});
    const std::vector<stats::QuantileEstimate> medians =
        curves->QuantileByGroup(0.5, stats::QuantileRule::kPrint);
    for (int32_t g = 0; g < input->n_groups(); ++g) {
      const stats::QuantileEstimate& median = medians[g];
      json group = {{"group", input->group_names[g]},
                    {"n", curves->n(g)},
                    {"censored", curves->events(g)},
                    {"median", JsonNumber(median.estimate)},
                    {"median_lower", JsonNumber(median.lower)},
                    {"median_upper", JsonNumber(median.upper)},
                    {"table", StreamKmTable(RowsOf(*curves, static_cast<size_t>(g)), streamed)}};
      if (weighted) {
        group["weighted_n"] = curves->weighted_n(g);
        group["weighted_censored"] = curves->weighted_events(g);
      }
      groups.push_back(std::move(group));
      table.AddRow({input->group_names[g], FormatNumber(static_cast<double>(curves->n(g))),
                    FormatNumber(static_cast<double>(curves->events(g))), FormatNumber(median.estimate),
                    FormatNumber(median.lower), FormatNumber(median.upper)});
    }
    if (args->json) {
      json result = {{"ties", *ties},
                     {"conf_level", options.conf_level},
                     {"weighted", weighted},
                     {"rows_dropped", input->rows_dropped},
                     {"groups", groups}};
      streamed.Print(context.out, result);
    } else {
      table.Print(context.out);
      PrintRowsLeftOut(context.out, input->rows_dropped);
    }
    return kExitOk;
  });
}

json TestJson(const stats::ChiSquareTest& test) {
  return {{"chisq", JsonNumber(test.chisq)}, {"df", test.df}, {"p", JsonNumber(test.p)}};
}

// A row-major matrix with a column per name, as {name: [the column's values]}.
json ColumnsByName(const std::vector<double>& row_major, const std::vector<std::string>& names) {
  json columns = json::object();
  const size_t p = names.size();
  for (size_t j = 0; j < p; ++j) {
    json column = json::array();
    for (size_t i = j; i < row_major.size(); i += p)
      column.push_back(JsonNumber(row_major[i]));
    columns[names[j]] = std::move(column);
  }
  return columns;
}

json ZphJson(const stats::ZphResult& zph, const std::string& transform, const std::vector<std::string>& terms,
             const std::vector<std::string>& columns) {
  json table = json::array();
  for (size_t t = 0; t < zph.terms.size(); ++t) {
    table.push_back({{"term", terms[t]},
                     {"chisq", JsonNumber(zph.terms[t].chisq)},
                     {"df", zph.terms[t].df},
                     {"p", JsonNumber(zph.terms[t].p)}});
  }
  return {{"transform", transform},         {"terms", std::move(table)},
          {"global", TestJson(zph.global)}, {"time", zph.time},
          {"transformed", zph.transformed}, {"scaled_residuals", ColumnsByName(zph.scaled, columns)}};
}

// The residuals of each row used, in the file's order ("martingale", "deviance": [...]; "score", "dfbeta",
// "dfbetas": {coefficient: [...]}), and of each death ("schoenfeld": {"time": [...], coefficient: [...]}).
json ResidualsJson(const stats::CoxResiduals& residuals, const std::vector<std::string>& names) {
  json schoenfeld = ColumnsByName(residuals.schoenfeld, names);
  schoenfeld["time"] = residuals.schoenfeld_time;
  return {{"martingale", residuals.martingale},
          {"deviance", residuals.deviance},
          {"score", ColumnsByName(residuals.score, names)},
          {"dfbeta", ColumnsByName(residuals.dfbeta, names)},
          {"dfbetas", ColumnsByName(residuals.dfbetas, names)},
          {"schoenfeld", std::move(schoenfeld)}};
}

// prrt stats cox's options beyond the input's.
struct CoxFlags {
  std::vector<std::string> covariates;
  std::string ties = "efron";
  bool robust = false;
  std::string zph;  // empty: no proportional-hazards test
  bool residuals = false;
};

void AddCox(CLI::App& stats, CommandContext& context) {
  auto args = std::make_shared<SurvivalArgs>();
  auto flags = std::make_shared<CoxFlags>();
  auto* command = stats.add_subcommand("cox", "Cox proportional hazards regression");
  AddSurvivalOptions(command, *args, false);
  AddStartOption(command, *args);
  command
      ->add_option("--covariates", flags->covariates,
                   "covariate columns, comma-separated (text columns become factors)")
      ->required()
      ->delimiter(',');
  command
      ->add_option("--strata", args->columns.strata,
                   "column that defines strata (a separate baseline hazard each)")
      ->check(NotEmpty("a column"));
  command->add_option("--ties", flags->ties, "efron (R's default) or breslow")
      ->check(OneOf({"efron", "breslow"}));
  command
      ->add_option("--cluster", args->columns.cluster,
                   "column that groups rows which need not be independent (a patient's treatment courses, "
                   "say): the robust variance (R's cluster)")
      ->check(NotEmpty("a column"));
  AddWeightsOption(command, *args);
  command->add_flag(
      "--robust", flags->robust,
      "the robust variance even without --cluster, each row its own cluster (R's robust = TRUE)");
  command
      ->add_option("--zph", flags->zph,
                   "also test proportional hazards as R's cox.zph, against this function of time: km (R's "
                   "default), identity, rank or log")
      ->check(OneOf({"km", "identity", "rank", "log"}));
  command->add_flag("--residuals", flags->residuals,
                    "also the residuals of each row used, in the file's order (martingale, deviance, score, "
                    "dfbeta, dfbetas: R's residuals(fit, type)), and each death's Schoenfeld residuals");
  OnRun(command, context, [&context, args, flags]() -> int {
    if (!args->columns.group.empty()) {
      return ReportError(context, InvalidArgument("cox takes --covariates (and --strata), not --group"));
    }
    args->columns.covariates = flags->covariates;
    Result<SurvivalInput> input = LoadSurvivalInput(args->input, args->columns);
    if (!input.ok()) return ReportError(context, input.status());
    Result<stats::Design> design = stats::BuildDesign(input->covariates, input->time.size());
    if (!design.ok()) return ReportError(context, design.status());
    stats::CoxOptions options;
    options.ties = *stats::ParseCoxTies(flags->ties);
    options.robust = flags->robust;
    stats::CoxData data{
        input->time,   input->event, design->values, static_cast<int32_t>(design->names.size()),
        input->strata, input->start, input->cluster, input->weights};
    Result<stats::CoxFit> fit = stats::FitCox(data, options);
    if (!fit.ok()) return ReportError(context, fit.status());
    const bool is_robust = !fit->robust_variance.empty();
    json coefficients = json::array();
    std::vector<std::string> header{"", "coef", "exp(coef)", "se(coef)", "lower .95", "upper .95", "z", "p"};
    if (is_robust) header.insert(header.begin() + 4, "robust se");
    TextTable table(header);
    std::vector<std::string> warnings;
    for (size_t j = 0; j < fit->coef.size(); ++j) {
      // An aliased covariate has no estimate (R's NA): every figure of its row is absent.
      const bool is_aliased = fit->aliased[j];
      if (is_aliased) {
        warnings.push_back(fmt::format(
            "{} is aliased (a linear combination of the covariates before it, or without variation among the "
            "rows at risk at the event times): not estimated, as R's coxph (NA); the tests are on the {} "
            "estimated",
            ShowUtf8(design->names[j]), fit->lr_test.df));
      }
      const stats::CoxCoefficient c = fit->Coefficient(j);
      json coefficient = {{"name", design->names[j]},
                          {"coef", JsonNumber(c.coef)},
                          {"se", JsonNumber(c.se)},
                          {"hr", JsonNumber(c.hr)},
                          {"hr_lower", JsonNumber(c.hr_lower)},
                          {"hr_upper", JsonNumber(c.hr_upper)},
                          {"z", JsonNumber(c.z)},
                          {"p", JsonNumber(c.p)},
                          {"may_be_infinite", static_cast<bool>(fit->may_be_infinite[j])},
                          {"aliased", is_aliased}};
      std::vector<std::string> row{design->names[j],     FormatNumber(c.coef),     FormatNumber(c.hr),
                                   FormatNumber(c.se),   FormatNumber(c.hr_lower), FormatNumber(c.hr_upper),
                                   FormatNumber(c.z, 4), FormatNumber(c.p, 4)};
      if (is_robust) {
        coefficient["robust_se"] = JsonNumber(c.robust_se);
        row.insert(row.begin() + 4, FormatNumber(c.robust_se));
      }
      coefficients.push_back(std::move(coefficient));
      table.AddRow(row);
    }
    std::optional<stats::ZphResult> zph_result;
    if (!flags->zph.empty()) {
      Result<stats::ZphResult> tested = stats::TestProportionalHazards(
          data, *fit, options, *stats::ParseZphTransform(flags->zph), design->term_columns);
      if (!tested.ok()) return ReportError(context, tested.status());
      zph_result = std::move(*tested);
      std::vector<std::string> untested;
      for (size_t t = 0; t < zph_result->terms.size(); ++t) {
        if (zph_result->terms[t].df > 0 && std::isnan(zph_result->terms[t].chisq))
          untested.push_back(flags->covariates[t]);
      }
      if (std::isnan(zph_result->global.chisq)) untested.push_back("GLOBAL");
      if (!untested.empty()) {
        warnings.push_back(fmt::format(
            "no proportional-hazards test for {}: its information is singular (a time-varying effect needs "
            "more than one death time that carries information); R's cox.zph stops there with an error",
            fmt::join(untested, ", ")));
      }
    }
    std::optional<stats::CoxResiduals> residuals;
    if (flags->residuals) {
      Result<stats::CoxResiduals> computed = stats::ComputeCoxResiduals(data, *fit, options);
      if (!computed.ok()) return ReportError(context, computed.status());
      residuals = std::move(*computed);
    }
    if (args->json) {
      json result = {{"n", fit->n},
                     {"events", fit->events},
                     {"dropped", input->rows_dropped},
                     {"ties", flags->ties},
                     {"loglik_null", fit->loglik_null},
                     {"loglik", fit->loglik},
                     {"iterations", fit->iterations},
                     {"converged", fit->converged},
                     {"coefficients", coefficients},
                     {"lr_test", TestJson(fit->lr_test)},
                     {"wald_test", TestJson(fit->wald_test)},
                     {"score_test", TestJson(fit->score_test)},
                     {"robust", is_robust},
                     {"weighted", input->weighted()},
                     {"warnings", warnings}};
      if (is_robust) {
        result["clusters"] = fit->clusters;
        result["robust_score_test"] = TestJson(*fit->robust_score_test);
      }
      if (zph_result) result["zph"] = ZphJson(*zph_result, flags->zph, flags->covariates, design->names);
      if (residuals) result["residuals"] = ResidualsJson(*residuals, design->names);
      context.out << report::JsonText(result, 2) << '\n';
    } else {
      context.out << fmt::format("n = {}, events = {} ({} left out), ties: {}\n\n", fit->n, fit->events,
                                 RowsWithAMissingValue(input->rows_dropped), flags->ties);
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
      if (is_robust) {
        context.out << fmt::format("Robust score test     = {} on {} df, p = {}\n",
                                   FormatNumber(fit->robust_score_test->chisq), fit->robust_score_test->df,
                                   FormatNumber(fit->robust_score_test->p, 4));
        context.out << fmt::format(
            "({} clusters. The Wald and robust score tests allow for rows of a cluster being dependent; the "
            "likelihood ratio and score tests assume they are independent.)\n",
            fit->clusters);
      }
      if (zph_result) {
        context.out << fmt::format("\nProportional hazards (cox.zph, transform {}):\n", flags->zph);
        TextTable zph_table({"", "chisq", "df", "p"});
        for (size_t t = 0; t < zph_result->terms.size(); ++t) {
          const stats::ChiSquareTest& test = zph_result->terms[t];
          zph_table.AddRow({flags->covariates[t], FormatNumber(test.chisq), std::to_string(test.df),
                            FormatNumber(test.p, 4)});
        }
        zph_table.AddRow({"GLOBAL", FormatNumber(zph_result->global.chisq),
                          std::to_string(zph_result->global.df), FormatNumber(zph_result->global.p, 4)});
        zph_table.Print(context.out);
      }
      if (residuals) {
        context.out << "\nResiduals (each row used, in the file's order):\n";
        std::vector<std::string> header{"row", "martingale", "deviance"};
        for (const char* type : {"score", "dfbeta"}) {
          for (const std::string& name : design->names)
            header.push_back(std::string(type) + " " + name);
        }
        TextTable residual_table(header);
        const size_t p = design->names.size();
        for (size_t i = 0; i < residuals->martingale.size(); ++i) {
          std::vector<std::string> row{std::to_string(i + 1), FormatNumber(residuals->martingale[i]),
                                       FormatNumber(residuals->deviance[i])};
          for (const std::vector<double>* values : {&residuals->score, &residuals->dfbeta}) {
            for (size_t j = 0; j < p; ++j)
              row.push_back(FormatNumber((*values)[i * p + j]));
          }
          residual_table.AddRow(row);
        }
        residual_table.Print(context.out);
        context.out << "\nSchoenfeld residuals (each death, by stratum and time):\n";
        std::vector<std::string> death_header{"time"};
        death_header.insert(death_header.end(), design->names.begin(), design->names.end());
        TextTable schoenfeld_table(death_header);
        for (size_t k = 0; k < residuals->schoenfeld_time.size(); ++k) {
          std::vector<std::string> row{FormatNumber(residuals->schoenfeld_time[k])};
          for (size_t j = 0; j < p; ++j)
            row.push_back(FormatNumber(residuals->schoenfeld[k * p + j]));
          schoenfeld_table.AddRow(row);
        }
        schoenfeld_table.Print(context.out);
      }
    }
    if (!fit->converged)
      context.err << "prrt: warning: the fit did not converge in " << fit->iterations << " iterations\n";
    for (size_t j = 0; j < fit->may_be_infinite.size(); ++j) {
      if (!fit->may_be_infinite[j]) continue;
      context.err << "prrt: warning: the log-likelihood converged before coefficient "
                  << ShowUtf8(design->names[j])
                  << " did; it may be infinite (does the covariate separate the events?)\n";
    }
    for (const std::string& warning : warnings)
      context.err << "prrt: warning: " << warning << '\n';
    return kExitOk;
  });
}

}  // namespace

void AddSurvivalCommands(CLI::App& stats, CommandContext& context) {
  AddKm(stats, context);
  AddLogrank(stats, context);
  AddFollowUp(stats, context);
  AddCox(stats, context);
}

}  // namespace prrt::cli
