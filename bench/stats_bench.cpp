// Google Benchmark: the survival kernels at registry and beyond-registry scale. Data as in
// bench/compare_r.sh: 3 groups, exponential times (continuous), about 30% censored, fixed seed.
#include <benchmark/benchmark.h>

#include <map>
#include <random>
#include <vector>

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

}  // namespace

BENCHMARK(BM_KaplanMeier)->Arg(100'000)->Arg(1'000'000)->Arg(10'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_KaplanMeierSummary)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Arg(10'000'000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LogRank)->Arg(100'000)->Arg(1'000'000)->Arg(10'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Cox3)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
