// Google Benchmark: the survival kernels at registry and beyond-registry scale. Data as in
// bench/compare_r.sh: 3 groups, exponential times (continuous), about 30% censored, fixed seed.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <map>
#include <random>
#include <vector>

#include "prrt/io/csv.h"
#include "prrt/stats/competing.h"
#include "prrt/stats/cox.h"
#include "prrt/stats/logrank.h"
#include "prrt/stats/survival.h"

namespace {

struct Data {
  std::vector<double> time;
  std::vector<int8_t> event;
  std::vector<int32_t> group;
  std::vector<double> covariates;  // 3 columns
};

const Data& MakeData(int64_t n) {
  static std::map<int64_t, Data> cache;
  auto it = cache.find(n);
  if (it != cache.end()) return it->second;
  Data d;
  std::mt19937_64 rng(42);
  std::exponential_distribution<double> event_time(1.0), censor_time(1.0 / 2.3);
  std::normal_distribution<double> normal;
  std::uniform_int_distribution<int> arm(0, 2);
  d.covariates.resize(3 * static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const int g = arm(rng);
    const double x1 = normal(rng), x2 = normal(rng), x3 = (rng() % 2);
    const double rate = std::exp(0.2 * g + 0.3 * x1 - 0.2 * x2 + 0.4 * x3);
    const double t = event_time(rng) / rate;
    const double c = censor_time(rng);
    d.time.push_back(std::min(t, c));
    d.event.push_back(t <= c ? 1 : 0);
    d.group.push_back(g);
    d.covariates[i] = x1;
    d.covariates[n + i] = x2;
    d.covariates[2 * n + i] = x3;
  }
  return cache.emplace(n, std::move(d)).first->second;
}

void BM_KaplanMeier(benchmark::State& state) {
  const Data& d = MakeData(state.range(0));
  for (auto _ : state) {
    auto curves = prrt::stats::KaplanMeier({d.time, d.event, d.group}, 3, prrt::stats::KmOptions{});
    benchmark::DoNotOptimize(curves);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_KaplanMeierSummary(benchmark::State& state) {
  const Data& d = MakeData(state.range(0));
  for (auto _ : state) {
    auto summaries = prrt::stats::KaplanMeierSummary({d.time, d.event, d.group}, 3, prrt::stats::KmOptions{});
    benchmark::DoNotOptimize(summaries);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_LogRank(benchmark::State& state) {
  const Data& d = MakeData(state.range(0));
  for (auto _ : state) {
    auto test = prrt::stats::LogRank({d.time, d.event, d.group}, 3, {}, 0, prrt::stats::LogrankOptions{});
    benchmark::DoNotOptimize(test);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_Cox3(benchmark::State& state) {
  const Data& d = MakeData(state.range(0));
  for (auto _ : state) {
    auto fit = prrt::stats::FitCox({d.time, d.event, d.covariates, 3, {}}, prrt::stats::CoxOptions{});
    benchmark::DoNotOptimize(fit);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

// The same model with the robust variance, each row its own cluster (R's robust = TRUE): the fit plus two
// passes for the score residuals (at the fit and at beta = 0).
void BM_Cox3Robust(benchmark::State& state) {
  const Data& d = MakeData(state.range(0));
  prrt::stats::CoxOptions options;
  options.robust = true;
  for (auto _ : state) {
    auto fit = prrt::stats::FitCox({d.time, d.event, d.covariates, 3, {}}, options);
    benchmark::DoNotOptimize(fit);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

// The columns of a CSV file named by an environment variable (bench/beyond_bench.sh writes the files R also
// reads); empty when the variable is not set.
std::vector<prrt::io::Column> ReadBenchFile(const char* variable,
                                            const std::vector<prrt::io::ColumnSpec>& specs) {
  const char* path = std::getenv(variable);
  if (path == nullptr) return {};
  prrt::Result<prrt::io::CsvReader> reader = prrt::io::CsvReader::Open(path);
  if (!reader.ok()) return {};
  prrt::Result<prrt::io::ColumnSet> set = prrt::io::ReadColumns(*reader, specs);
  return set.ok() ? std::move(set->columns) : std::vector<prrt::io::Column>{};
}

// Time-dependent Cox on counting-process intervals: salvage + x1 + x2.
void BM_CoxCounting(benchmark::State& state) {
  using prrt::io::ColumnType;
  static const std::vector<prrt::io::Column> columns =
      ReadBenchFile("PRRT_BENCH_COUNTING_CSV", {{"start", ColumnType::kNumber},
                                                {"stop", ColumnType::kNumber},
                                                {"event", ColumnType::kEvent},
                                                {"salvage", ColumnType::kNumber},
                                                {"x1", ColumnType::kNumber},
                                                {"x2", ColumnType::kNumber}});
  if (columns.empty()) {
    state.SkipWithError("set PRRT_BENCH_COUNTING_CSV (bench/beyond_bench.sh)");
    return;
  }
  std::vector<double> x;
  for (size_t j = 3; j < 6; ++j)
    x.insert(x.end(), columns[j].numbers.begin(), columns[j].numbers.end());
  for (auto _ : state) {
    auto fit = prrt::stats::FitCox({columns[1].numbers, columns[2].events, x, 3, {}, columns[0].numbers},
                                   prrt::stats::CoxOptions{});
    benchmark::DoNotOptimize(fit);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(columns[0].numbers.size()));
}

// Cumulative incidence of two causes in three groups, with Gray's test.
void BM_Cuminc(benchmark::State& state) {
  using prrt::io::ColumnType;
  static const std::vector<prrt::io::Column> columns = ReadBenchFile(
      "PRRT_BENCH_COMPETING_CSV",
      {{"time", ColumnType::kNumber}, {"cause", ColumnType::kNumber}, {"arm", ColumnType::kLabel}});
  if (columns.empty()) {
    state.SkipWithError("set PRRT_BENCH_COMPETING_CSV (bench/beyond_bench.sh)");
    return;
  }
  const std::vector<int32_t> cause(columns[1].numbers.begin(), columns[1].numbers.end());
  for (auto _ : state) {
    auto result = prrt::stats::CumulativeIncidence({columns[0].numbers, cause, columns[2].codes}, 2, 3, 1,
                                                   prrt::stats::CumincOptions{});
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(cause.size()));
}

}  // namespace

BENCHMARK(BM_CoxCounting)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Cuminc)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_KaplanMeier)->Arg(100'000)->Arg(1'000'000)->Arg(10'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_KaplanMeierSummary)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Arg(10'000'000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LogRank)->Arg(100'000)->Arg(1'000'000)->Arg(10'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Cox3)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Cox3Robust)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
