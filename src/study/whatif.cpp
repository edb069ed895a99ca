#include "prrt/study/whatif.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>

#include "prrt/registry/interchange.h"
#include "prrt/study/endpoints.h"
#include "prrt/study/headline.h"

namespace prrt::study {

namespace {

// The outcomes of one simulated registry.
struct Replicate {
  std::optional<double> eligible, retreated, pfs_r, os_all, os_retreated, haem34, aml_mds;
};

Replicate Measure(const std::vector<SubjectEndpoints>& subjects) {
  const Headline h = ComputeHeadline(subjects);
  Replicate r;
  r.eligible = static_cast<double>(h.n_retreatment + h.n_control);
  r.retreated = static_cast<double>(h.n_retreatment);
  r.pfs_r = h.pfs_r_median_months;
  r.os_retreated = h.os_retreatment_median_months;
  r.haem34 = h.haem_grade34_r_percent;
  r.aml_mds = h.aml_mds_percent;
  std::vector<double> months;
  std::vector<int8_t> events;
  for (const SubjectEndpoints& s : subjects) {
    if (!s.os_months) continue;
    months.push_back(*s.os_months);
    events.push_back(s.os_event ? 1 : 0);
  }
  r.os_all = MedianMonths(months, events).estimate;
  return r;
}

// R's quantile(type = 7) of sorted values.
double Quantile(const std::vector<double>& sorted, double p) {
  const double h = (static_cast<double>(sorted.size()) - 1) * p;
  const size_t lo = static_cast<size_t>(std::floor(h));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

Spread Summarise(const std::vector<Replicate>& replicates, std::optional<double> Replicate::*field) {
  std::vector<double> values;
  for (const Replicate& r : replicates) {
    if (r.*field) values.push_back(*(r.*field));
  }
  Spread spread;
  spread.replicates = static_cast<int>(values.size());
  if (values.empty()) return {NAN, NAN, NAN, 0};
  std::sort(values.begin(), values.end());
  double sum = 0;
  for (double v : values)
    sum += v;
  spread.mean = sum / static_cast<double>(values.size());
  spread.lower = Quantile(values, 0.025);
  spread.upper = Quantile(values, 0.975);
  return spread;
}

// The first value of `values` that an earlier one equals, if any.
template <typename T>
std::optional<T> GivenTwice(const std::vector<T>& values) {
  for (auto at = values.begin(); at != values.end(); ++at) {
    if (std::find(values.begin(), at, *at) != at) return *at;
  }
  return std::nullopt;
}

}  // namespace

Result<std::vector<ScenarioResult>> RunWhatIf(const sim::Model& model, const WhatIfOptions& options) {
  if (options.replicates < 1 || options.replicates > kMostReplicates)
    return InvalidArgument(
        fmt::format("--replicates: {} is not 1-{} cohorts", options.replicates, kMostReplicates));
  if (options.thresholds.empty() || options.cycles.empty())
    return InvalidArgument("at least one threshold and one number of cycles are needed");
  for (double t : options.thresholds) {
    if (!(t >= 0 && t <= 120)) return InvalidArgument(fmt::format("--thresholds: {} is not 0-120 months", t));
  }
  for (int c : options.cycles) {
    if (c < 1 || c > 8) return InvalidArgument(fmt::format("--cycles: {} is not 1-8 cycles", c));
  }
  // A scenario given twice would be simulated twice and shown twice, as if two.
  if (std::optional<double> t = GivenTwice(options.thresholds))
    return InvalidArgument(fmt::format("--thresholds: {} is given twice; expected each threshold once", *t));
  if (std::optional<int> c = GivenTwice(options.cycles))
    return InvalidArgument(
        fmt::format("--cycles: {} is given twice; expected each number of cycles once", *c));
  namespace fs = std::filesystem;
  const fs::path folder = fs::path(options.work_folder) / "whatif-registry";
  const int total = static_cast<int>(options.thresholds.size() * options.cycles.size()) * options.replicates;
  int done = 0;
  std::vector<ScenarioResult> results;
  for (double threshold : options.thresholds) {
    for (int cycles : options.cycles) {
      sim::Model scenario_model = model;
      scenario_model.salvage_min_pfs_months = threshold;
      scenario_model.salvage_cycles = cycles;
      std::vector<Replicate> replicates;
      for (int k = 0; k < options.replicates; ++k) {
        Result<sim::SimulationCounts> counts = sim::SimulateRegistry(
            scenario_model, options.patients, options.seed + static_cast<uint64_t>(k), folder.string());
        if (!counts.ok()) return counts.status();
        registry::Problems problems;
        // Read as of the model's cut-off: every simulated date lies before it.
        Result<registry::Interchange> data =
            registry::ReadInterchange(folder.string(), registry::Day{model.cutoff}, problems);
        if (!data.ok()) return data.status();
        replicates.push_back(Measure(DeriveEndpoints(std::move(*data), threshold)));
        if (options.progress) options.progress(++done, total);
      }
      ScenarioResult result;
      result.scenario = {threshold, cycles};
      result.eligible = Summarise(replicates, &Replicate::eligible);
      result.retreated = Summarise(replicates, &Replicate::retreated);
      result.pfs_r_median_months = Summarise(replicates, &Replicate::pfs_r);
      result.os_all_median_months = Summarise(replicates, &Replicate::os_all);
      result.os_retreated_median_months = Summarise(replicates, &Replicate::os_retreated);
      result.haem_grade34_r_percent = Summarise(replicates, &Replicate::haem34);
      result.aml_mds_percent = Summarise(replicates, &Replicate::aml_mds);
      results.push_back(result);
    }
  }
  std::error_code ignored;
  fs::remove_all(folder, ignored);
  return results;
}

}  // namespace prrt::study
