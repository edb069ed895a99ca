// Hand-calculated checks of the survival estimators, written out so that each expected value can be
// verified on paper; R's answers for the same methods are in tests/golden.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <random>
#include <set>
#include <span>
#include <utility>
#include <vector>

#include "prrt/io/csv.h"
#include "prrt/stats/cox.h"
#include "prrt/stats/logrank.h"
#include "prrt/stats/survival.h"
#include "support/thread_count.h"

namespace prrt::stats {
namespace {

// 400,000 rows in 3 groups of unequal size (large enough for the sorts and scans that use several threads);
// half the times on a grid of 0.001 (heavy ties), half continuous; about 30% censored.
struct LargeData {
  std::vector<double> time;
  std::vector<int8_t> event;
  std::vector<int32_t> group;
};
LargeData MakeLargeData() {
  LargeData d;
  std::mt19937_64 rng(20261127);
  std::exponential_distribution<double> exponential(1.0);
  std::discrete_distribution<int32_t> arm({5, 3, 2});
  std::bernoulli_distribution censored(0.3), on_grid(0.5);
  for (int i = 0; i < 400'000; ++i) {
    const int32_t g = arm(rng);
    double t = exponential(rng) * (1 + g);
    if (on_grid(rng)) t = std::round(t * 1000) / 1000;
    d.time.push_back(t);
    d.event.push_back(censored(rng) ? 0 : 1);
    d.group.push_back(g);
  }
  return d;
}

// Checks `table`, group g's curve of `d` without merging near-equal times, against the product-limit
// estimate and Greenwood's variance computed directly from the sorted group.
void ExpectProductLimitWrittenOut(const LargeData& d, int32_t g, std::span<const KmRow> table) {
  std::vector<std::pair<double, int8_t>> rows;
  for (size_t i = 0; i < d.time.size(); ++i) {
    if (d.group[i] == g) rows.emplace_back(d.time[i], d.event[i]);
  }
  std::sort(rows.begin(), rows.end());
  double surv = 1, greenwood = 0;
  size_t k = 0;
  for (size_t i = 0; i < rows.size(); ++k) {
    const double t = rows[i].first;
    const double n_risk = static_cast<double>(rows.size() - i);
    double deaths = 0, censored = 0;
    for (; i < rows.size() && rows[i].first == t; ++i)
      (rows[i].second == 1 ? deaths : censored) += 1;
    if (deaths > 0) {
      surv *= 1 - deaths / n_risk;
      greenwood += deaths / (n_risk * (n_risk - deaths));
    }
    ASSERT_LT(k, table.size());
    ASSERT_EQ(table[k].time, t) << "group " << g << " row " << k;
    ASSERT_EQ(table[k].n_risk, n_risk) << "group " << g << " row " << k;
    ASSERT_EQ(table[k].n_event, deaths) << "group " << g << " row " << k;
    ASSERT_EQ(table[k].n_censor, censored) << "group " << g << " row " << k;
    ASSERT_NEAR(table[k].surv, surv, 1e-12 * surv) << "group " << g << " row " << k;
    if (surv > 0) {
      ASSERT_NEAR(table[k].std_err, surv * std::sqrt(greenwood), 1e-12 * surv)
          << "group " << g << " row " << k;
    } else {  // the last at risk died: Greenwood's sum is infinite, and S x its root undefined
      ASSERT_TRUE(std::isnan(table[k].std_err)) << "group " << g << " row " << k;
    }
  }
  EXPECT_EQ(table.size(), k);
}

// The rows a KmRowSource makes for group g.
std::vector<KmRow> SourceRows(const KmRowSource& source, int32_t g) {
  std::vector<KmRow> rows;
  source.ForEachRow(g, [&rows](const KmRow& row) { rows.push_back(row); });
  return rows;
}

// The row source's rows of group g are KaplanMeier's, to the last bit.
void ExpectSameRows(const KmRowSource& source, const KmCurve& curve, int32_t g) {
  auto same = [](double x, double y) { return x == y || (std::isnan(x) && std::isnan(y)); };
  const std::vector<KmRow> rows = SourceRows(source, g);
  const auto& expected = curve.rows;
  ASSERT_EQ(rows.size(), expected.size()) << g;
  for (size_t k = 0; k < rows.size(); ++k) {
    ASSERT_TRUE(rows[k].time == expected[k].time && rows[k].n_risk == expected[k].n_risk &&
                rows[k].n_event == expected[k].n_event && rows[k].n_censor == expected[k].n_censor &&
                rows[k].surv == expected[k].surv && same(rows[k].std_err, expected[k].std_err) &&
                same(rows[k].lower, expected[k].lower) && same(rows[k].upper, expected[k].upper))
        << "group " << g << " row " << k;
  }
}

TEST(KaplanMeier, LargeDataAgreeWithTheProductLimitWrittenOutAndWithOneThread) {
  const LargeData d = MakeLargeData();
  KmOptions options;
  options.timefix = false;  // the reference does not merge near-equal times
  Result<std::vector<KmCurve>> curves = KaplanMeier({d.time, d.event, d.group}, 3, options);
  ASSERT_TRUE(curves.ok());
  for (int32_t g = 0; g < 3; ++g) {
    EXPECT_EQ((*curves)[g].n, std::count(d.group.begin(), d.group.end(), g));
    ExpectProductLimitWrittenOut(d, g, (*curves)[g].rows);
  }

  // The same answers, to the last bit, on one thread (the sorts and scans above used several).
  testing::ScopedThreadCount one_thread(1);
  Result<std::vector<KmCurve>> serial = KaplanMeier({d.time, d.event, d.group}, 3, options);
  ASSERT_TRUE(serial.ok());
  for (int32_t g = 0; g < 3; ++g) {
    const auto& a = (*curves)[g].rows;
    const auto& b = (*serial)[g].rows;
    ASSERT_EQ(a.size(), b.size());
    auto same = [](double x, double y) { return x == y || (std::isnan(x) && std::isnan(y)); };
    for (size_t k = 0; k < a.size(); ++k) {
      ASSERT_EQ(a[k].time, b[k].time);
      ASSERT_EQ(a[k].surv, b[k].surv);
      ASSERT_TRUE(same(a[k].std_err, b[k].std_err) && same(a[k].lower, b[k].lower) &&
                  same(a[k].upper, b[k].upper))
          << "group " << g << " row " << k;
    }
  }
}

// The radix sort under every analysis deals the rows to buckets by the top digits of the range of their
// times, then sorts each bucket: whatever their spread (a handful of values, one value, 0 with 1e300,
// subnormals, integer days), each group's curve has a row for each of its distinct times, in order, with the
// counts std::sort and counting give, on one thread and on two (more rows than the sort deals to buckets;
// the group and event ride along with each time).
TEST(KaplanMeier, RowsAreTheDistinctTimesInOrderWhateverTheirSpread) {
  const size_t n = 300000;
  std::mt19937_64 random(20261203);
  std::uniform_real_distribution<double> unit(0, 1);
  std::exponential_distribution<double> exponential(1.0);
  const std::vector<std::pair<const char*, std::function<double()>>> spreads = {
      {"exponential", [&] { return exponential(random); }},
      {"three values", [&] { return 1.0 + std::floor(3 * unit(random)); }},
      {"one value", [] { return 7.5; }},
      {"0 to 1e300", [&] { return unit(random) < 0.1 ? 0.0 : std::pow(10.0, 600 * unit(random) - 300); }},
      {"subnormal and 1", [&] { return unit(random) < 0.5 ? 5e-324 * std::floor(100 * unit(random)) : 1.0; }},
      {"integer days", [&] { return std::floor(2000 * unit(random)); }},
      {"two clusters", [&] { return unit(random) < 0.5 ? 1e-3 * unit(random) : 1e6 + unit(random); }},
  };
  constexpr int32_t kGroups = 3;
  for (const auto& [name, draw] : spreads) {
    std::vector<double> time(n);
    std::vector<int8_t> event(n);
    std::vector<int32_t> group(n);
    for (size_t i = 0; i < n; ++i) {
      time[i] = draw();
      event[i] = static_cast<int8_t>(i % 3 != 0);
      group[i] = static_cast<int32_t>((i / 7) % kGroups);
    }
    // The reference: each group's times sorted by std::sort, with each distinct time's events and censorings.
    std::vector<std::vector<KmRow>> expected(kGroups);
    for (int32_t g = 0; g < kGroups; ++g) {
      std::vector<std::pair<double, int8_t>> sorted;
      for (size_t i = 0; i < n; ++i) {
        if (group[i] == g) sorted.emplace_back(time[i], event[i]);
      }
      std::sort(sorted.begin(), sorted.end());
      for (size_t i = 0; i < sorted.size(); ++i) {
        if (i == 0 || sorted[i].first != sorted[i - 1].first)
          expected[g].push_back({sorted[i].first, static_cast<double>(sorted.size() - i), 0, 0});
        (sorted[i].second == 1 ? expected[g].back().n_event : expected[g].back().n_censor) += 1;
      }
    }
    KmOptions options;
    options.timefix = false;  // every distinct time its own row
    for (unsigned threads : {1u, 2u}) {
      testing::ScopedThreadCount scoped(threads);
      Result<std::vector<KmCurve>> curves = KaplanMeier({time, event, group}, kGroups, options);
      ASSERT_TRUE(curves.ok()) << name;
      for (int32_t g = 0; g < kGroups; ++g) {
        const auto& rows = (*curves)[g].rows;
        ASSERT_EQ(rows.size(), expected[g].size()) << name << ", " << threads << " threads";
        for (size_t k = 0; k < rows.size(); ++k) {
          ASSERT_TRUE(rows[k].time == expected[g][k].time && rows[k].n_risk == expected[g][k].n_risk &&
                      rows[k].n_event == expected[g][k].n_event &&
                      rows[k].n_censor == expected[g][k].n_censor)
              << name << ", " << threads << " threads, group " << g << ", row " << k;
        }
      }
    }
  }
}

TEST(KaplanMeier, ManyGroupsGiveEachGroupItsOwnCurve) {
  // 200 groups (more than a byte of payload holds): each group's curve is the curve of its rows alone.
  std::vector<double> time;
  std::vector<int8_t> event;
  std::vector<int32_t> group;
  for (int32_t g = 0; g < 200; ++g) {
    for (int i = 0; i < 5; ++i) {
      time.push_back((g % 7) + i * 0.5);
      event.push_back(static_cast<int8_t>((g + i) % 3 != 0));
      group.push_back(g);
    }
  }
  Result<std::vector<KmCurve>> curves = KaplanMeier({time, event, group}, 200, KmOptions{});
  ASSERT_TRUE(curves.ok());
  for (int32_t g : {0, 127, 128, 199}) {
    const std::span<const double> own_time(time.data() + 5 * g, 5);
    const std::span<const int8_t> own_event(event.data() + 5 * g, 5);
    Result<std::vector<KmCurve>> alone = KaplanMeier({own_time, own_event, {}}, 1, KmOptions{});
    ASSERT_TRUE(alone.ok());
    const auto& a = (*curves)[g].rows;
    const auto& b = (*alone)[0].rows;
    ASSERT_EQ(a.size(), b.size()) << g;
    for (size_t k = 0; k < a.size(); ++k) {
      EXPECT_EQ(a[k].time, b[k].time) << g;
      EXPECT_EQ(a[k].n_risk, b[k].n_risk) << g;
      EXPECT_EQ(a[k].surv, b[k].surv) << g;
    }
  }
}

TEST(KmRowSource, MakesTheProductLimitWrittenOut) {
  const LargeData d = MakeLargeData();
  KmOptions options;
  options.timefix = false;
  Result<KmRowSource> source = KmRowSource::Create({d.time, d.event, d.group}, 3, options);
  ASSERT_TRUE(source.ok());
  for (int32_t g = 0; g < 3; ++g) {
    EXPECT_EQ(source->n(g), std::count(d.group.begin(), d.group.end(), g));
    int64_t events = 0;
    for (size_t i = 0; i < d.time.size(); ++i)
      events += d.group[i] == g && d.event[i] == 1;
    EXPECT_EQ(source->events(g), events);
    ExpectProductLimitWrittenOut(d, g, SourceRows(*source, g));
    ExpectProductLimitWrittenOut(d, g, SourceRows(*source, g));  // read again: the same rows
  }
}

TEST(KmRowSource, MergesNearTiesOverAllGroupsAsKaplanMeierAndGivesItsQuantiles) {
  // Times 1e-10 apart in different groups are one time (R's aeqSurv runs over the whole data set, before it
  // is split by group): group 1's 100 + i + 1e-10 becomes group 0's 100 + i (the other times are far below).
  LargeData d = MakeLargeData();
  for (int i = 0; i < 100; ++i) {
    for (int32_t g : {0, 1}) {
      d.time.push_back(100 + i + (g == 1 ? 1e-10 : 0));
      d.event.push_back(static_cast<int8_t>(i % 2));
      d.group.push_back(g);
    }
  }
  Result<std::vector<KmCurve>> curves = KaplanMeier({d.time, d.event, d.group}, 3, KmOptions{});
  ASSERT_TRUE(curves.ok());
  Result<KmRowSource> source = KmRowSource::Create({d.time, d.event, d.group}, 3, KmOptions{});
  ASSERT_TRUE(source.ok());
  const std::vector<KmRow> group_1 = SourceRows(*source, 1);
  EXPECT_EQ(group_1[group_1.size() - 100].time, 100);
  EXPECT_EQ(group_1.back().time, 199);
  for (int32_t g = 0; g < 3; ++g) {
    ExpectSameRows(*source, (*curves)[g], g);
    for (QuantileRule rule : {QuantileRule::kPrint, QuantileRule::kSpss}) {
      for (double p : {0.1, 0.25, 0.5, 0.75}) {
        const QuantileEstimate a = source->Quantile(g, p, rule);
        const QuantileEstimate b = SurvivalQuantile((*curves)[g], p, rule, 0.95);
        EXPECT_TRUE(a.estimate == b.estimate && a.lower == b.lower && a.upper == b.upper &&
                    a.std_err == b.std_err)
            << "group " << g << " p " << p;
      }
    }
  }
  // All groups at once (on all cores, the largest first): each group's own, in group order.
  for (QuantileRule rule : {QuantileRule::kPrint, QuantileRule::kSpss}) {
    const std::vector<QuantileEstimate> by_group = source->QuantileByGroup(0.5, rule);
    ASSERT_EQ(by_group.size(), 3u);
    for (int32_t g = 0; g < 3; ++g) {
      const QuantileEstimate b = SurvivalQuantile((*curves)[g], 0.5, rule, 0.95);
      EXPECT_TRUE(by_group[g].estimate == b.estimate && by_group[g].lower == b.lower &&
                  by_group[g].upper == b.upper && by_group[g].std_err == b.std_err)
          << "group " << g;
    }
  }
}

TEST(KmRowSource, QuantileByGroupGivesEachGroupItsOwnWhateverTheirSizes) {
  // Deaths at 1..m, no censoring: S(t) = 1 - t/m, first at or below 0.5 at t = ceil(m/2), so the medians of
  // groups of 3, 5 and 7 are 2, 3 and 4 (and an empty group has none). The largest group is read first.
  std::vector<double> time;
  std::vector<int8_t> event;
  std::vector<int32_t> group;
  for (int32_t g = 0; g < 3; ++g) {
    for (int t = 1; t <= 3 + 2 * g; ++t) {
      time.push_back(t);
      event.push_back(1);
      group.push_back(g);
    }
  }
  Result<KmRowSource> source = KmRowSource::Create({time, event, group}, 4, KmOptions{});
  ASSERT_TRUE(source.ok());
  const std::vector<QuantileEstimate> medians = source->QuantileByGroup(0.5, QuantileRule::kPrint);
  ASSERT_EQ(medians.size(), 4u);
  EXPECT_EQ(medians[0].estimate, 2);
  EXPECT_EQ(medians[1].estimate, 3);
  EXPECT_EQ(medians[2].estimate, 4);
  EXPECT_FALSE(medians[3].estimate.has_value());
}

// Case weights summed over a time's rows in another order round differently, and where a time takes nearly
// all at risk (n - d = 0.001 of n = 7.402) the jackknife SE shows it at 1e-9: KaplanMeier, sorting all rows
// at once, and the row source, sorting by group after near-ties are merged, each reached group 0's rows at
// the merged time 1 + 1e-9 (times 2, 2 and 1 + 1e-9 next to 1e300) in its own order, and parted there
// (found by fuzz/stats_fuzzer). Both now sum a time's rows in the input's order.
TEST(KmRowSource, SumsTiedWeightsInKaplanMeiersOrder) {
  const std::vector<double> time{3, 2, 2, 2, 2, 2, 2, 2, 2, 1.000000001, 1e300};
  const std::vector<int8_t> event{0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  const std::vector<double> weight{0.5, 3.7, 3.7, 0.001, 3.7, 3.7, 3.7, 3.7, 3.7, 3.7, 0.001};
  const std::vector<int32_t> group{1, 1, 1, 0, 1, 1, 1, 0, 1, 0, 0};
  const SurvivalData data{time, event, group, {}, weight};
  for (ConfType conf_type : {ConfType::kLog, ConfType::kLogit}) {
    KmOptions options;
    options.conf_type = conf_type;
    Result<std::vector<KmCurve>> curves = KaplanMeier(data, 2, options);
    ASSERT_TRUE(curves.ok()) << curves.status().message();
    Result<KmRowSource> source = KmRowSource::Create(data, 2, options);
    ASSERT_TRUE(source.ok()) << source.status().message();
    ASSERT_EQ((*curves)[0].rows.size(), 2u);  // 1 + 1e-9 (2 merged into it) and 1e300
    for (int32_t g = 0; g < 2; ++g)
      ExpectSameRows(*source, (*curves)[g], g);
  }
}

TEST(KaplanMeier, LargeDataSummariesAndLogRankAreTheSameOnOneThreadAndOnSeveral) {
  const LargeData d = MakeLargeData();
  auto run = [&] {
    Result<std::vector<KmSummary>> summaries = KaplanMeierSummary({d.time, d.event, d.group}, 3, KmOptions{});
    Result<std::vector<KmCurve>> curves = KaplanMeier({d.time, d.event, d.group}, 3, KmOptions{});
    Result<LogrankResult> logrank = LogRank({d.time, d.event, d.group}, 3, {}, 1, LogrankOptions{});
    EXPECT_TRUE(summaries.ok() && curves.ok() && logrank.ok());
    std::vector<double> values{logrank->chisq};
    for (int32_t g = 0; g < 3; ++g) {
      // The summary's median is the table's, read by the same rule.
      const QuantileEstimate from_table = SurvivalQuantile((*curves)[g], 0.5, QuantileRule::kPrint, 0.95);
      EXPECT_EQ((*summaries)[g].quantile.estimate, from_table.estimate);
      EXPECT_EQ((*summaries)[g].quantile.lower, from_table.lower);
      EXPECT_EQ((*summaries)[g].quantile.upper, from_table.upper);
      EXPECT_EQ((*summaries)[g].events, (*curves)[g].events);
      values.push_back(*(*summaries)[g].quantile.estimate);
      values.push_back(logrank->groups[g].expected);
    }
    return values;
  };
  std::vector<double> several;
  {
    testing::ScopedThreadCount two_threads(2);
    several = run();
  }
  testing::ScopedThreadCount one_thread(1);
  EXPECT_EQ(run(), several);
}

TEST(KaplanMeier, SmallExampleByHand) {
  // Times 1, 2, 2+, 3, 4+ (+ censored). At t=2 the censored subject is still at risk for the death.
  const std::vector<double> time{1, 2, 2, 3, 4};
  const std::vector<int8_t> event{1, 1, 0, 1, 0};
  Result<std::vector<KmCurve>> curves = KaplanMeier({time, event, {}}, 1, KmOptions{});
  ASSERT_TRUE(curves.ok());
  const auto& rows = (*curves)[0].rows;
  ASSERT_EQ(rows.size(), 4u);
  // t=1: n=5, d=1: S = 4/5. Greenwood var(log S) = 1/(5*4) = 0.05.
  EXPECT_DOUBLE_EQ(rows[0].surv, 0.8);
  EXPECT_NEAR(rows[0].std_err, 0.8 * std::sqrt(0.05), 1e-15);  // SE of S = S x SE of log S
  // t=2: n=4, d=1, c=1: S = 0.8 * 3/4 = 0.6; var = 0.05 + 1/(4*3).
  EXPECT_EQ(rows[1].n_risk, 4);
  EXPECT_EQ(rows[1].n_censor, 1);
  EXPECT_DOUBLE_EQ(rows[1].surv, 0.6);
  EXPECT_NEAR(rows[1].std_err, 0.6 * std::sqrt(0.05 + 1.0 / 12), 1e-15);
  // t=3: n=2, d=1: S = 0.3; var += 1/(2*1). log CI: exp(log 0.3 ± 1.959964 * se).
  const double se = std::sqrt(0.05 + 1.0 / 12 + 0.5);
  EXPECT_DOUBLE_EQ(rows[2].surv, 0.3);
  EXPECT_NEAR(rows[2].lower, 0.3 * std::exp(-1.959963984540054 * se), 1e-12);
  EXPECT_NEAR(rows[2].upper, std::min(1.0, 0.3 * std::exp(1.959963984540054 * se)), 1e-12);
  EXPECT_NEAR(rows[2].std_err, 0.3 * se, 1e-15);
  // Median: first S < 0.5 is at t=3.
  QuantileEstimate median = SurvivalQuantile((*curves)[0], 0.5, QuantileRule::kPrint, 0.95);
  EXPECT_EQ(median.estimate, 3.0);
}

TEST(KaplanMeier, LastSubjectDyingGivesInfiniteVarianceAndNoLogInterval) {
  const std::vector<double> time{1, 2};
  const std::vector<int8_t> event{1, 1};
  Result<std::vector<KmCurve>> curves = KaplanMeier({time, event, {}}, 1, KmOptions{});
  ASSERT_TRUE(curves.ok());
  const KmRow& last = (*curves)[0].rows.back();
  EXPECT_EQ(last.surv, 0);
  EXPECT_TRUE(std::isnan(last.std_err));
  EXPECT_TRUE(std::isnan(last.lower));
  EXPECT_TRUE(std::isnan(last.upper));
}

TEST(SurvivalQuantile, FlatHalfToTheEndTakesPrintRuleNotQuantileRule) {
  // survival's tests/quantile.R: deaths at 54, 75, 77, 84, 87, censored 92..118: S = 0.5 from 87 on.
  // print.survfit gives 87 with CI (77, NA); quantile.survfit would give 102.5 (the reference, §1.3).
  const std::vector<double> time{54, 75, 77, 84, 87, 92, 103, 105, 112, 118};
  const std::vector<int8_t> event{1, 1, 1, 1, 1, 0, 0, 0, 0, 0};
  Result<std::vector<KmCurve>> curves = KaplanMeier({time, event, {}}, 1, KmOptions{});
  ASSERT_TRUE(curves.ok());
  QuantileEstimate median = SurvivalQuantile((*curves)[0], 0.5, QuantileRule::kPrint, 0.95);
  EXPECT_EQ(median.estimate, 87.0);
  EXPECT_EQ(median.lower, 77.0);
  EXPECT_FALSE(median.upper.has_value());
}

// survival's tests/quantile.R, its data set without the row of missing status: (time, status, x) = (9,1,0),
// (1,1,1), (1,0,1), (6,1,1), (6,1,0), (8,0,0), (10,0,0). All together S = 6/7 from 1, 18/35 from 6, 9/35 from
// 9 to the end (10, censored); x=0: 3/4 from 6, 3/8 from 9; x=1: 2/3 from 1, 0 from 6. The survival levels
// asked for, 13/14, 6/7, 2/3, 1/2, 9/35 and 1/10, lie before the first drop, on flats (6/7: midpoint of 1 and
// 6) and after the last drop. The estimates and lower limits are quantile.R's, except where a curve ends flat
// exactly at the level (9/35 overall): quantile.survfit gives the midpoint with the last time, 9.5; the print
// rule, which prrt follows, gives 9. No upper limit exists (the upper band never falls to the levels).
TEST(SurvivalQuantile, QuantileRCasesByHand) {
  const std::vector<double> time{9, 1, 1, 6, 6, 8, 10};
  const std::vector<int8_t> event{1, 1, 0, 1, 1, 0, 0};
  const std::vector<int32_t> x{0, 1, 1, 1, 0, 0, 0};
  const std::vector<double> level{13.0 / 14, 6.0 / 7, 2.0 / 3, 0.5, 9.0 / 35, 0.1};
  constexpr double kNone = -1;
  struct Case {
    std::vector<int32_t> group;  // empty: all together
    int32_t which;
    std::vector<double> estimate, lower;
  };
  const std::vector<Case> cases{
      {{}, 0, {1, 3.5, 6, 9, 9, kNone}, {1, 1, 1, 6, 6, 9}},
      {x, 0, {6, 6, 9, 9, kNone, kNone}, {6, 6, 6, 6, 9, 9}},
      {x, 1, {1, 1, 3.5, 6, 6, 6}, {1, 1, 1, 1, kNone, kNone}},
  };
  for (const Case& c : cases) {
    Result<std::vector<KmCurve>> curves =
        KaplanMeier({time, event, c.group}, c.group.empty() ? 1 : 2, KmOptions{});
    ASSERT_TRUE(curves.ok()) << curves.status().message();
    for (size_t i = 0; i < level.size(); ++i) {
      SCOPED_TRACE(::testing::Message() << "group " << c.which << ", S = " << level[i]);
      const QuantileEstimate q =
          SurvivalQuantile((*curves)[static_cast<size_t>(c.which)], 1 - level[i], QuantileRule::kPrint, 0.95);
      EXPECT_EQ(q.estimate.value_or(kNone), c.estimate[i]);
      EXPECT_EQ(q.lower.value_or(kNone), c.lower[i]);
      EXPECT_FALSE(q.upper.has_value());
    }
  }
}

// survival's tests/survtest.R reads its data set 1 (times 9, 1, 1+, 6, 6, 8+) at times between, on and after
// its rows: 1 (6 at risk, a death and a censoring: S = 5/6), 6 (4 at risk, 2 deaths: 5/12), 8 (2, a
// censoring), 9 (1, the last death: 0). At risk: that of the first row at or after the time; events and
// censorings since the time before; S of the last row at or before it. 10 lies after the end and is left out
// (extend = FALSE); R's n.risk there, 6 6 4 4 2 2 1 1, and n.event, 0 1 0 2 0 0 0 1, are the file's.
TEST(KmAtTimes, SurvtestRCaseByHand) {
  const std::vector<double> time{9, 1, 1, 6, 6, 8};
  const std::vector<int8_t> event{1, 1, 0, 1, 1, 0};
  Result<std::vector<KmCurve>> curves = KaplanMeier({time, event, {}}, 1, KmOptions{});
  ASSERT_TRUE(curves.ok()) << curves.status().message();
  KmAtTimes at({10, 8.9, 0.5, 1, 1.5, 6, 7.5, 8, 9});  // unsorted: they are sorted
  for (const KmRow& row : (*curves)[0].rows)
    at.Add(row);
  const std::vector<double> times{0.5, 1, 1.5, 6, 7.5, 8, 8.9, 9};
  const std::vector<double> n_risk{6, 6, 4, 4, 2, 2, 1, 1};
  const std::vector<double> n_event{0, 1, 0, 2, 0, 0, 0, 1};
  const std::vector<double> n_censor{0, 1, 0, 0, 0, 1, 0, 0};
  const double s1 = 5.0 / 6, s2 = 5.0 / 12;
  const std::vector<double> surv{1, s1, s1, s2, s2, s2, s2, 0};
  // Greenwood: 1/(6·5) at 1, + 2/(4·2) at 6.
  const double se1 = s1 * std::sqrt(1.0 / 30), se2 = s2 * std::sqrt(1.0 / 30 + 0.25);
  const std::vector<double> std_err{0, se1, se1, se2, se2, se2, se2, std::nan("")};
  ASSERT_EQ(at.rows().size(), times.size());
  for (size_t i = 0; i < times.size(); ++i) {
    const KmRow& row = at.rows()[i];
    EXPECT_EQ(row.time, times[i]) << i;
    EXPECT_EQ(row.n_risk, n_risk[i]) << i;
    EXPECT_EQ(row.n_event, n_event[i]) << i;
    EXPECT_EQ(row.n_censor, n_censor[i]) << i;
    EXPECT_NEAR(row.surv, surv[i], 1e-15) << i;
    if (std::isnan(std_err[i])) {
      EXPECT_TRUE(std::isnan(row.std_err)) << i;
    } else {
      EXPECT_NEAR(row.std_err, std_err[i], 1e-15) << i;
    }
  }
  // Before the first row: S = 1 with no spread, and the limits 1 (as R, whatever the CI's transformation).
  EXPECT_EQ(at.rows()[0].lower, 1);
  EXPECT_EQ(at.rows()[0].upper, 1);
}

// The restricted mean by hand. Times 1, 2, 3+, 4: S = 3/4 from 1, 1/2 from 2, 0 at 4, where the last at risk
// dies (n = d: no variance term). d/(n(n - d)) is 1/12 at 1 and 1/6 at 2. Up to 4 the area is
// 1 + 3/4 + 1/2 + 1/2 = 2.75; the areas after 1 and after 2 are 1.75 and 1, so the variance is
// (1/12) 1.75^2 + (1/6) 1^2 = 27/64. Up to 2.5: 1 + 3/4 + 1/4 = 2, variance (1/12) 1^2 + (1/6)(1/4)^2 = 3/32.
// Up to 2, a death time: 1.75, variance (1/12)(3/4)^2 = 3/64. Up to 6, past the end: S = 0 carried on, as up
// to 4. Up to 0.5, before the first row: 0.5 with no spread (R's summary() refuses a limit before the first
// time).
TEST(RestrictedMean, ByHand) {
  const std::vector<double> time{1, 2, 3, 4};
  const std::vector<int8_t> event{1, 1, 0, 1};
  Result<std::vector<KmCurve>> curves = KaplanMeier({time, event, {}}, 1, KmOptions{});
  ASSERT_TRUE(curves.ok()) << curves.status().message();
  struct Case {
    std::optional<double> upper;
    double to, estimate, variance;
  };
  for (const Case& c :
       {Case{std::nullopt, 4, 2.75, 27.0 / 64}, Case{4, 4, 2.75, 27.0 / 64}, Case{2.5, 2.5, 2, 3.0 / 32},
        Case{2, 2, 1.75, 3.0 / 64}, Case{6, 6, 2.75, 27.0 / 64}, Case{0.5, 0.5, 0.5, 0}}) {
    RestrictedMean rmean(c.upper);
    for (const KmRow& row : (*curves)[0].rows)
      rmean.Add(row);
    EXPECT_EQ(rmean.to(), c.to);
    EXPECT_NEAR(rmean.estimate(), c.estimate, 1e-15) << c.to;
    EXPECT_NEAR(rmean.std_err(), std::sqrt(c.variance), 1e-15) << c.to;
    const auto [lower, upper] = rmean.Ci(0.95);
    EXPECT_NEAR(lower, c.estimate - 1.959963984540054 * std::sqrt(c.variance), 1e-12) << c.to;
    EXPECT_NEAR(upper, c.estimate + 1.959963984540054 * std::sqrt(c.variance), 1e-12) << c.to;
  }
}

// Two curves to 4: the one above (2.75, variance 27/64) against deaths at 2 and 4 of 2 (S = 1/2 from 2, 0 at
// 4: area 2 + 1 = 3; d/(n(n - d)) = 1/2 at 2, with the area 1 after it: variance 1/2). Difference -1/4 with
// SE sqrt(27/64 + 1/2) = sqrt(59/64); ratio 11/12 with the SE of its log sqrt((27/64)/2.75^2 + (1/2)/9).
TEST(RestrictedMean, ContrastByHand) {
  const std::vector<double> time{1, 2, 3, 4};
  const std::vector<int8_t> event{1, 1, 0, 1};
  const std::vector<double> time_b{2, 4};
  const std::vector<int8_t> event_b{1, 1};
  Result<std::vector<KmCurve>> curve_a = KaplanMeier({time, event, {}}, 1, KmOptions{});
  Result<std::vector<KmCurve>> curve_b = KaplanMeier({time_b, event_b, {}}, 1, KmOptions{});
  ASSERT_TRUE(curve_a.ok() && curve_b.ok());
  RestrictedMean a(4.0), b(4.0);
  for (const KmRow& row : (*curve_a)[0].rows)
    a.Add(row);
  for (const KmRow& row : (*curve_b)[0].rows)
    b.Add(row);
  EXPECT_NEAR(b.estimate(), 3, 1e-15);
  EXPECT_NEAR(b.std_err(), std::sqrt(0.5), 1e-15);
  const double z = 1.959963984540054;
  const RestrictedMeanContrast c = CompareRestrictedMeans(a, b, 0.95);
  const double se = std::sqrt(59.0 / 64);
  EXPECT_NEAR(c.difference, -0.25, 1e-15);
  EXPECT_NEAR(c.difference_lower, -0.25 - z * se, 1e-12);
  EXPECT_NEAR(c.difference_upper, -0.25 + z * se, 1e-12);
  EXPECT_NEAR(c.difference_p, std::erfc(0.25 / se / std::sqrt(2.0)), 1e-12);
  const double log_se = std::sqrt(27.0 / 64 / (2.75 * 2.75) + 0.5 / 9);
  EXPECT_NEAR(c.ratio, 11.0 / 12, 1e-15);
  EXPECT_NEAR(c.ratio_lower, 11.0 / 12 * std::exp(-z * log_se), 1e-12);
  EXPECT_NEAR(c.ratio_upper, 11.0 / 12 * std::exp(z * log_se), 1e-12);
  EXPECT_NEAR(c.ratio_p, std::erfc(std::fabs(std::log(11.0 / 12)) / log_se / std::sqrt(2.0)), 1e-12);
}

TEST(SurvivalQuantile, MidpointWhenTheCurveSitsOnHalfAndDropsLater) {
  // 4 subjects: deaths at 1 and 2 give S = 0.5 at 2 exactly; the next death at 5 gives the midpoint 3.5.
  const std::vector<double> time{1, 2, 5, 6};
  const std::vector<int8_t> event{1, 1, 1, 0};
  Result<std::vector<KmCurve>> curves = KaplanMeier({time, event, {}}, 1, KmOptions{});
  ASSERT_TRUE(curves.ok());
  EXPECT_EQ(SurvivalQuantile((*curves)[0], 0.5, QuantileRule::kPrint, 0.95).estimate, 3.5);
  // The 25th percentile: S = 0.75 exactly at t = 1, and it drops at 2, so again a midpoint: 1.5.
  EXPECT_EQ(SurvivalQuantile((*curves)[0], 0.25, QuantileRule::kPrint, 0.95).estimate, 1.5);
}

TEST(SurvivalQuantile, SpssRuleReproducesTheReferenceValues) {
  // ../shared/reference/statistics.md §2: lung sex = 1: 270, SE 27.639, CI 215.8–324.2. The lung data
  // set is in tests/data; here the rule is checked on a constructed curve instead, by hand:
  // deaths at 10, 20, 30, 40 among 8 subjects (censored at 50+): S = 7/8, 6/8, 5/8, 4/8 at the deaths.
  const std::vector<double> time{10, 20, 30, 40, 50, 50, 50, 50};
  const std::vector<int8_t> event{1, 1, 1, 1, 0, 0, 0, 0};
  Result<std::vector<KmCurve>> curves = KaplanMeier({time, event, {}}, 1, KmOptions{});
  ASSERT_TRUE(curves.ok());
  QuantileEstimate median = SurvivalQuantile((*curves)[0], 0.5, QuantileRule::kSpss, 0.95);
  // Median: first event time with S <= 0.5 is 40. u: last event time with S >= 0.55 is 30 (S = 0.625);
  // v: first event time with S <= 0.45: none, so SE and CI are absent.
  EXPECT_EQ(median.estimate, 40.0);
  EXPECT_FALSE(median.std_err.has_value());
  // With one more death at 45 (S = 3/8 <= 0.45): f = (0.625 - 0.375) / (45 - 30).
  const std::vector<double> time2{10, 20, 30, 40, 45, 50, 50, 50};
  const std::vector<int8_t> event2{1, 1, 1, 1, 1, 0, 0, 0};
  curves = KaplanMeier({time2, event2, {}}, 1, KmOptions{});
  ASSERT_TRUE(curves.ok());
  median = SurvivalQuantile((*curves)[0], 0.5, QuantileRule::kSpss, 0.95);
  const double se_s = 0.5 * std::sqrt(1.0 / (8 * 7) + 1.0 / (7 * 6) + 1.0 / (6 * 5) + 1.0 / (5 * 4));
  const double f = (0.625 - 0.375) / 15;
  ASSERT_TRUE(median.std_err.has_value());
  EXPECT_NEAR(*median.std_err, se_s / f, 1e-12);
  EXPECT_NEAR(*median.lower, 40 - 1.959963984540054 * se_s / f, 1e-9);
}

TEST(MergeNearTies, MergesAbsoluteAndRelativeNearTiesToTheFirstOfTheRun) {
  EXPECT_EQ(MergeNearTies(std::vector<double>{1, 1 + 1e-10, 2, 1 + 2e-10}),
            (std::vector<double>{1, 1, 2, 1}));
  // Relative: gap 5 against a mean of about 6.7e8 is 7.5e-9 <= 1.49e-8.
  EXPECT_EQ(MergeNearTies(std::vector<double>{1e9, 1e9 + 5, 1}), (std::vector<double>{1e9, 1e9, 1}));
  EXPECT_EQ(MergeNearTies(std::vector<double>{1, 1 + 1e-6}), (std::vector<double>{1, 1 + 1e-6}));
  // Near the largest double the times' sum overflows, but R's mean(abs(y)), 9e307, is summed in long double:
  // the gaps are about 1 of it, no ties (R: survfit(Surv(c(1e308, 1.7e308, 1e-300), c(1, 0, 1)) ~ 1) has
  // three times). Summed in doubles, the mean was infinite and every gap a tie.
  EXPECT_EQ(MergeNearTies(std::vector<double>{1e308, 1.7e308, 1e-300}),
            (std::vector<double>{1e308, 1.7e308, 1e-300}));
}

// R's aml: Maintained (the first 11) and Nonmaintained.
const std::vector<double> kAmlTime{9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161, 5,
                                   5, 8,  8,  12, 16, 23, 27, 30, 33, 43, 45};
const std::vector<int8_t> kAmlEvent{1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1};
std::vector<int32_t> AmlGroups() {
  std::vector<int32_t> group(23, 1);
  std::fill(group.begin(), group.begin() + 11, 0);
  return group;
}

TEST(LogRank, SpssWeightsMatchTheReferenceValuesForAml) {
  // ../shared/reference/statistics.md §2: AML Breslow 2.72331155 (p 0.09889), Tarone–Ware 2.98160362.
  const std::vector<double>& time = kAmlTime;
  const std::vector<int8_t>& event = kAmlEvent;
  const std::vector<int32_t> group = AmlGroups();
  LogrankOptions options;
  options.weight = LogrankWeight::kBreslow;
  Result<LogrankResult> breslow = LogRank({time, event, group}, 2, {}, 0, options);
  ASSERT_TRUE(breslow.ok());
  EXPECT_NEAR(breslow->chisq, 2.72331155, 1e-8);
  EXPECT_NEAR(breslow->p, 0.09889, 1e-5);
  options.weight = LogrankWeight::kTaroneWare;
  Result<LogrankResult> tarone = LogRank({time, event, group}, 2, {}, 0, options);
  ASSERT_TRUE(tarone.ok());
  EXPECT_NEAR(tarone->chisq, 2.98160362, 1e-8);
  // And survdiff's log-rank: 3.3963886990, O/E 7/10.689336 and 11/7.310664.
  Result<LogrankResult> logrank = LogRank({time, event, group}, 2, {}, 0, LogrankOptions{});
  ASSERT_TRUE(logrank.ok());
  EXPECT_NEAR(logrank->chisq, 3.3963886990, 1e-9);
  EXPECT_NEAR(logrank->groups[0].expected, 10.689336, 1e-6);
}

// survival's tests/difftest.R: AML with a third group of 7 censorings at times 1 to 4, before the first
// death (5). That group is at risk at no death, so its expected count is 0 and it is dropped: chi-square and
// df are AML's own (3.3963886990 on 1 df, above).
TEST(LogRank, ADummyGroupOfEarlyCensoringsChangesNothing) {
  std::vector<double> time = kAmlTime;
  std::vector<int8_t> event = kAmlEvent;
  std::vector<int32_t> group = AmlGroups();
  for (double t : {1, 2, 2, 3, 3, 3, 4}) {
    time.push_back(t);
    event.push_back(0);
    group.push_back(2);
  }
  Result<LogrankResult> test = LogRank({time, event, group}, 3, {}, 0, LogrankOptions{});
  ASSERT_TRUE(test.ok()) << test.status().message();
  EXPECT_NEAR(test->chisq, 3.3963886990, 1e-9);
  EXPECT_EQ(test->df, 1);
  EXPECT_EQ(test->groups[2].n, 7);
  EXPECT_EQ(test->groups[2].observed, 0);
  EXPECT_EQ(test->groups[2].expected, 0);
  EXPECT_NEAR(test->groups[0].expected, 10.689336, 1e-6);
}

// survival's tests/difftest.R: with no two deaths at one time within a stratum, the stratified log-rank test
// is the score test at beta = 0 of a Cox model with the groups as a factor (treatment contrasts), stratified
// alike (R's coxph(iter = 0)), and the variance of O - E without the first group is the information there.
// lung: groups pat.karno, strata inst, rows missing either left out.
TEST(LogRank, StratifiedIsTheCoxScoreTestWhenNoDeathsTie) {
  Result<io::CsvReader> reader = io::CsvReader::Open("tests/data/lung.csv");
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  Result<io::ColumnSet> set = io::ReadColumns(*reader, {{"time", io::ColumnType::kNumber},
                                                        {"status", io::ColumnType::kEvent},
                                                        {"pat.karno", io::ColumnType::kLabel},
                                                        {"inst", io::ColumnType::kLabel}});
  ASSERT_TRUE(set.ok()) << set.status().message();
  const BigVector<double>& time = set->columns[0].numbers;
  const BigVector<int8_t>& event = set->columns[1].events;
  const BigVector<int32_t>& group = set->columns[2].codes;
  const BigVector<int32_t>& stratum = set->columns[3].codes;
  const int32_t k = static_cast<int32_t>(set->columns[2].levels.size());
  const size_t n = time.size();
  std::set<std::pair<int32_t, double>> deaths;  // the premise: no two deaths at one time in a stratum
  for (size_t i = 0; i < n; ++i) {
    if (event[i] == 1) {
      ASSERT_TRUE(deaths.emplace(stratum[i], time[i]).second) << "row " << i;
    }
  }

  Result<LogrankResult> logrank =
      LogRank({time, event, group}, k, stratum, static_cast<int32_t>(set->columns[3].levels.size()), {});
  ASSERT_TRUE(logrank.ok()) << logrank.status().message();
  std::vector<double> dummies(n * static_cast<size_t>(k - 1), 0.0);  // column-major
  for (size_t i = 0; i < n; ++i) {
    if (group[i] > 0) dummies[static_cast<size_t>(group[i] - 1) * n + i] = 1;
  }
  CoxOptions options;
  options.max_iterations = 0;
  Result<CoxFit> cox = FitCox({time, event, dummies, k - 1, stratum}, options);
  ASSERT_TRUE(cox.ok()) << cox.status().message();

  EXPECT_EQ(logrank->df, k - 1);
  EXPECT_EQ(cox->score_test.df, k - 1);
  EXPECT_NEAR(logrank->chisq, cox->score_test.chisq, 1e-10 * logrank->chisq);
  // The Cox variance (inverse information) times the log-rank variance of groups 1.. is the identity.
  const size_t p = static_cast<size_t>(k - 1);
  for (size_t a = 0; a < p; ++a) {
    for (size_t b = 0; b < p; ++b) {
      double product = 0;
      for (size_t m = 0; m < p; ++m)
        product += cox->variance[m * p + a] * logrank->variance[(m + 1) * static_cast<size_t>(k) + b + 1];
      EXPECT_NEAR(product, a == b ? 1.0 : 0.0, 1e-10) << a << ", " << b;
    }
  }
}

// Counting-process Kaplan–Meier by hand: A (0,2] death, B (0,3] death, C (2.5,4] death, D (1,5] censored.
// At risk: t=2 {A,B,D} = 3 (C enters at 2.5), t=3 {B,C,D} = 3, t=4 {C,D} = 2, t=5 {D} = 1.
// S = 2/3, 4/9, 2/9, 2/9; Greenwood var(log S) = 1/(3·2) + 1/(3·2) + 1/(2·1).
TEST(KaplanMeier, DelayedEntryByHand) {
  const std::vector<double> start{0, 0, 2.5, 1};
  const std::vector<double> stop{2, 3, 4, 5};
  const std::vector<int8_t> event{1, 1, 1, 0};
  Result<std::vector<KmCurve>> curves = KaplanMeier({stop, event, {}, start}, 1, KmOptions{});
  ASSERT_TRUE(curves.ok()) << curves.status().message();
  Result<KmRowSource> source = KmRowSource::Create({stop, event, {}, start}, 1, KmOptions{});
  ASSERT_TRUE(source.ok()) << source.status().message();
  EXPECT_EQ(source->n(0), 4);
  EXPECT_EQ(source->events(0), 3);
  const std::vector<KmRow> stored((*curves)[0].rows.begin(), (*curves)[0].rows.end());
  for (const std::vector<KmRow>& rows : {stored, SourceRows(*source, 0)}) {
    ASSERT_EQ(rows.size(), 4u);
    const double expected_risk[] = {3, 3, 2, 1};
    const double expected_surv[] = {2.0 / 3, 4.0 / 9, 2.0 / 9, 2.0 / 9};
    for (size_t i = 0; i < 4; ++i) {
      EXPECT_EQ(rows[i].n_risk, expected_risk[i]) << i;
      EXPECT_NEAR(rows[i].surv, expected_surv[i], 1e-15) << i;
    }
    EXPECT_NEAR(rows[2].std_err, 2.0 / 9 * std::sqrt(1.0 / 6 + 1.0 / 6 + 0.5), 1e-15);
    EXPECT_EQ(rows[3].n_censor, 1);
  }
}

// survival's tests/survtest.R: Therneau & Grambsch's data set 2 as intervals (start, stop] (tests/stats/
// cox_test.cpp lists them). A row at each distinct stop, at risk those with start < t <= stop: 2, 3, 5, 4, 4,
// 5, 2, 1 at t = 2, 3, 6, 7, 8, 9, 14, 17; one death at each of the first five, two at 9, so S = 1/2, 1/3,
// 4/15, 1/5, 3/20, 9/100; the censorings are at 9, 14 and 17. Greenwood: var(log S) = the running sum of d /
// (n (n - d)).
TEST(KaplanMeier, BookDataSet2IntervalsByHand) {
  const std::vector<double> start{1, 2, 5, 2, 1, 7, 3, 4, 8, 8};
  const std::vector<double> stop{2, 3, 6, 7, 8, 9, 9, 9, 14, 17};
  const std::vector<int8_t> event{1, 1, 1, 1, 1, 1, 1, 0, 0, 0};
  Result<std::vector<KmCurve>> curves = KaplanMeier({stop, event, {}, start}, 1, KmOptions{});
  ASSERT_TRUE(curves.ok()) << curves.status().message();
  const KmCurve& curve = (*curves)[0];
  EXPECT_EQ(curve.n, 10);
  EXPECT_EQ(curve.events, 7);
  const std::vector<double> time{2, 3, 6, 7, 8, 9, 14, 17};
  const std::vector<double> n_risk{2, 3, 5, 4, 4, 5, 2, 1};
  const std::vector<double> n_event{1, 1, 1, 1, 1, 2, 0, 0};
  const std::vector<double> n_censor{0, 0, 0, 0, 0, 1, 1, 1};
  const std::vector<double> surv{0.5, 1.0 / 3, 4.0 / 15, 0.2, 0.15, 0.09, 0.09, 0.09};
  ASSERT_EQ(curve.rows.size(), time.size());
  double greenwood = 0;
  for (size_t i = 0; i < time.size(); ++i) {
    const KmRow& row = curve.rows[i];
    EXPECT_EQ(row.time, time[i]) << i;
    EXPECT_EQ(row.n_risk, n_risk[i]) << i;
    EXPECT_EQ(row.n_event, n_event[i]) << i;
    EXPECT_EQ(row.n_censor, n_censor[i]) << i;
    EXPECT_NEAR(row.surv, surv[i], 1e-15) << i;
    greenwood += n_event[i] / (n_risk[i] * (n_risk[i] - n_event[i]));
    EXPECT_NEAR(row.std_err, surv[i] * std::sqrt(greenwood), 1e-15) << i;
  }
}

// survival's tests/doaml.R: case weights of 2 for everyone leave S as it was and halve Greenwood's variance
// (every n and d doubles, so d / (n (n - d)) halves); the counts double.
TEST(KaplanMeier, EqualWholeWeightsHalveTheVariance) {
  const std::vector<int32_t> group = AmlGroups();
  const std::vector<double> two(kAmlTime.size(), 2.0);
  Result<std::vector<KmCurve>> plain = KaplanMeier({kAmlTime, kAmlEvent, group}, 2, KmOptions{});
  Result<std::vector<KmCurve>> weighted =
      KaplanMeier({kAmlTime, kAmlEvent, group, {}, two}, 2, KmOptions{.conf_type = ConfType::kPlain});
  ASSERT_TRUE(plain.ok() && weighted.ok());
  for (size_t g = 0; g < 2; ++g) {
    const KmCurve& a = (*plain)[g];
    const KmCurve& b = (*weighted)[g];
    EXPECT_EQ(b.n, a.n);
    EXPECT_EQ(b.events, a.events);
    EXPECT_EQ(b.weighted_n, 2.0 * static_cast<double>(a.n));
    EXPECT_EQ(b.weighted_events, 2.0 * static_cast<double>(a.events));
    ASSERT_EQ(a.rows.size(), b.rows.size());
    for (size_t i = 0; i < a.rows.size(); ++i) {
      EXPECT_EQ(b.rows[i].n_risk, 2 * a.rows[i].n_risk);
      EXPECT_EQ(b.rows[i].n_event, 2 * a.rows[i].n_event);
      EXPECT_EQ(b.rows[i].surv, a.rows[i].surv);
      if (a.rows[i].surv > 0) {
        EXPECT_NEAR(b.rows[i].std_err * b.rows[i].std_err * 2, a.rows[i].std_err * a.rows[i].std_err, 1e-15);
        // The plain CI: S ± z SE.
        EXPECT_NEAR(b.rows[i].upper, std::min(1.0, b.rows[i].surv + 1.959963984540054 * b.rows[i].std_err),
                    1e-15);
      }
    }
  }
}

// Fractional weights bring the infinitesimal jackknife (R's robust default). By hand, for the first time of
// a curve: 13 at risk (weights 1.5 + 0.5 + 2 + 1 + 0.25 + 3 + 1 + 1 + 2 + 0.75), 1.5 of it dying at time 1.
// h = 1.5/13, S = 1 - h, c = 1/(13 S), B = h c. The row that died has influence B - c on log S, the others
// B: var log S = 1.5² (B - c)² + (Σ of the other weights²) B², Σ w² of the others = 20.875. R's survfit gives
// std.err 0.1098317 (SE of S) there; S reaches 0 at the last time, where R's SE is 0 and the log CI NA.
TEST(KaplanMeier, FractionalWeightsGiveTheJackknifeVariance) {
  const std::vector<double> time{1, 2, 2, 3, 4, 4, 5, 6, 7, 8};
  const std::vector<int8_t> event{1, 1, 0, 1, 0, 1, 1, 0, 1, 1};
  const std::vector<double> weight{1.5, 0.5, 2, 1, 0.25, 3, 1, 1, 2, 0.75};
  Result<std::vector<KmCurve>> curves = KaplanMeier({time, event, {}, {}, weight}, 1, KmOptions{});
  ASSERT_TRUE(curves.ok()) << curves.status().message();
  const KmCurve& curve = (*curves)[0];
  ASSERT_EQ(curve.rows.size(), 8u);
  const double h = 1.5 / 13, surv = 1 - h, c = 1 / (13 * surv), b = h * c;
  const double variance_log = 1.5 * 1.5 * (b - c) * (b - c) + 20.875 * b * b;
  EXPECT_NEAR(curve.rows[0].surv, surv, 1e-15);
  EXPECT_NEAR(curve.rows[0].std_err, surv * std::sqrt(variance_log), 1e-15);
  EXPECT_NEAR(curve.rows[0].std_err, 0.1098317, 5e-8);
  EXPECT_NEAR(curve.rows[0].lower, surv * std::exp(-1.959963984540054 * std::sqrt(variance_log)), 1e-15);
  EXPECT_EQ(curve.rows[3].n_risk, 8);  // 9 at time 3 less the 1 that died there
  EXPECT_EQ(curve.rows[3].n_censor, 0.25);
  EXPECT_EQ(curve.rows.back().surv, 0);
  EXPECT_EQ(curve.rows.back().std_err, 0);
  EXPECT_TRUE(std::isnan(curve.rows.back().lower));
  EXPECT_EQ(curve.n, 10);
  EXPECT_EQ(curve.events, 7);
  EXPECT_EQ(curve.weighted_events, 9.75);
  // The same through the streaming source and the one-pass summary.
  Result<KmRowSource> source = KmRowSource::Create({time, event, {}, {}, weight}, 1, KmOptions{});
  ASSERT_TRUE(source.ok());
  size_t i = 0;
  source->ForEachRow(0, [&](const KmRow& row) {
    EXPECT_EQ(row.std_err, curve.rows[i].std_err) << i;
    ++i;
  });
  EXPECT_EQ(source->weighted_n(0), 13);
  Result<std::vector<KmSummary>> summary = KaplanMeierSummary({time, event, {}, {}, weight}, 1, KmOptions{});
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ((*summary)[0].quantile.estimate,
            SurvivalQuantile(curve, 0.5, QuantileRule::kPrint, 0.95).estimate);
  EXPECT_EQ((*summary)[0].weighted_events, 9.75);
}

// When every row left dies at the last time, S is 0 exactly, its SE 0 and the plain CI 0 to 0 (as R): here
// the weight left there, 10.5 less the 9.4 gone before, is 1.0999999999999996 in doubles, where the one row
// that dies weighs 1.1, so S would come out -1e-16 if n at risk were taken as the total less what has gone.
TEST(KaplanMeier, CurveReachesZeroExactlyUnderFractionalWeights) {
  const std::vector<double> time{1, 2, 2, 2, 3, 4, 4, 5};
  const std::vector<int8_t> event{1, 1, 0, 1, 0, 1, 0, 1};
  const std::vector<double> weight{1.5, 0.5, 2, 1.25, 0.75, 3, 0.4, 1.1};
  ASSERT_NE(10.5 - 9.4, 1.1);
  KmOptions options;
  options.conf_type = ConfType::kPlain;
  Result<std::vector<KmCurve>> curves = KaplanMeier({time, event, {}, {}, weight}, 1, options);
  ASSERT_TRUE(curves.ok());
  const KmRow& last = (*curves)[0].rows.back();
  EXPECT_EQ(last.n_risk, 1.1);
  EXPECT_EQ(last.surv, 0.0);
  EXPECT_FALSE(std::signbit(last.surv));
  EXPECT_EQ(last.std_err, 0.0);
  EXPECT_EQ(last.lower, 0.0);
  EXPECT_EQ(last.upper, 0.0);
  Result<KmRowSource> source = KmRowSource::Create({time, event, {}, {}, weight}, 1, options);
  ASSERT_TRUE(source.ok());
  double last_surv = 1;
  source->ForEachRow(0, [&last_surv](const KmRow& row) { last_surv = row.surv; });
  EXPECT_EQ(last_surv, 0.0);
}

// (start, stop] data: the curve reaches 0 before its end when the one row left at risk dies. Rows (start,
// stop, event, weight): (0, 1, 0, 0.1), (0, 1, 0, 0.2), (0, 2, 1, 0.21), (3, 5, 0, 1). At t = 2 only the
// third is at risk, n = 0.21, and it dies: S = 0, its SE 0 and no log band, until the end. The weight in less
// the weight gone is 0.51 - 0.3 = 0.20999999999999996 in doubles, which would leave S = -2.2e-16.
TEST(KaplanMeier, CurveReachesZeroExactlyWhenTheLastAtRiskDieBeforeOthersEnter) {
  const std::vector<double> start{0, 0, 0, 3}, stop{1, 1, 2, 5}, weight{0.1, 0.2, 0.21, 1};
  const std::vector<int8_t> event{0, 0, 1, 0};
  ASSERT_NE((0.1 + 0.2 + 0.21) - (0.1 + 0.2), 0.21);
  Result<std::vector<KmCurve>> curves = KaplanMeier({stop, event, {}, start, weight}, 1, KmOptions{});
  ASSERT_TRUE(curves.ok()) << curves.status().message();
  const BigVector<KmRow>& rows = (*curves)[0].rows;
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].n_risk, 0.21);
  EXPECT_EQ(rows[1].n_event, 0.21);
  for (size_t i = 1; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].surv, 0.0) << i;
    EXPECT_FALSE(std::signbit(rows[i].surv)) << i;
    EXPECT_EQ(rows[i].std_err, 0.0) << i;
    EXPECT_TRUE(std::isnan(rows[i].lower) && std::isnan(rows[i].upper)) << i;
  }
  EXPECT_EQ(rows[2].n_risk, 1.0);
}

// (start, stop] data with fractional case weights, by hand. Rows (start, stop, event, weight): A (0, 2, 1,
// 2), B (0, 4, 0, 1), C (1, 3, 1, 0.5), D (2.5, 5, 1, 1.5), E (0, 5, 0, 1).
//   t = 2: at risk A B C E, n = 4.5, d = 2 (A): h = 4/9, S = 5/9.
//   t = 3: at risk B C D E (D entered at 2.5), n = 4, d = 0.5 (C): h = 1/8, S = 35/72.
//   t = 4: at risk B D E, n = 3.5, B censored.   t = 5: at risk D E, n = 2.5, d = 1.5 (D): h = 3/5, S = 7/36.
// The jackknife: each row's influence on log S is Σ h c over the event times it was at risk at, less c at its
// death, c = 1 / (n (1 - h)): c = 2/5, 8/7, 5/2 at t = 2, 3, 5. So at t = 2: A 8/45 - 2/5 = -2/9, B C E 8/45
// and D 0 (not yet entered), var log S = 4 (2/9)² + (1 + 1/4 + 1) (8/45)² = 544/2025. At t = 3 (hc = 1/7):
// A -2/9, B E 8/45 + 1/7, C 8/45 + 1/7 - 8/7, D 1/7; var = 929897/3175200, unchanged at t = 4. At t = 5
// (hc = 3/2): B 8/45 + 1/7 (gone at 4), E 8/45 + 1/7 + 3/2, D 1/7 + 3/2 - 5/2; var = 3825377/3175200.
// The SE of S is S sqrt(var). (R's survfit agrees: 0.287948241720756, 0.263067639726685, 0.213425898029867.)
TEST(KaplanMeier, CountingProcessWithFractionalCaseWeightsByHand) {
  const std::vector<double> start{0, 0, 1, 2.5, 0}, stop{2, 4, 3, 5, 5}, weight{2, 1, 0.5, 1.5, 1};
  const std::vector<int8_t> event{1, 0, 1, 1, 0};
  Result<std::vector<KmCurve>> curves = KaplanMeier({stop, event, {}, start, weight}, 1, KmOptions{});
  ASSERT_TRUE(curves.ok()) << curves.status().message();
  const BigVector<KmRow>& rows = (*curves)[0].rows;
  ASSERT_EQ(rows.size(), 4u);
  const double n_risk[] = {4.5, 4, 3.5, 2.5};
  const double surv[] = {5.0 / 9, 35.0 / 72, 35.0 / 72, 7.0 / 36};
  const double variance[] = {544.0 / 2025, 929897.0 / 3175200, 929897.0 / 3175200, 3825377.0 / 3175200};
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_NEAR(rows[i].n_risk, n_risk[i], 1e-14) << i;
    EXPECT_NEAR(rows[i].surv, surv[i], 1e-15) << i;
    EXPECT_NEAR(rows[i].std_err, surv[i] * std::sqrt(variance[i]), 1e-14) << i;
  }
  EXPECT_DOUBLE_EQ((*curves)[0].weighted_n, 6);
}

TEST(KaplanMeier, RejectsBadCaseWeights) {
  const std::vector<double> time{1, 2, 3};
  const std::vector<int8_t> event{1, 0, 1};
  for (double bad : {0.0, -1.0, std::nan(""), std::numeric_limits<double>::infinity()}) {
    const std::vector<double> weight{1, bad, 2};
    Result<std::vector<KmCurve>> curves = KaplanMeier({time, event, {}, {}, weight}, 1, KmOptions{});
    ASSERT_FALSE(curves.ok()) << bad;
    EXPECT_NE(curves.status().message().find("observation 2: the case weight"), std::string::npos);
  }
  const std::vector<double> short_weights{1, 2};
  EXPECT_FALSE(KaplanMeier({time, event, {}, {}, short_weights}, 1, KmOptions{}).ok());
  // The log-rank test (R's survdiff has none) and follow-up with prodlim's ties do not take weights.
  const std::vector<double> weight{1, 2, 3};
  const std::vector<int32_t> group{0, 1, 1};
  Result<LogrankResult> logrank = LogRank({time, event, group, {}, weight}, 2, {}, 0, LogrankOptions{});
  ASSERT_FALSE(logrank.ok());
  EXPECT_EQ(logrank.status().message(), "the log-rank test does not take case weights");
  Result<KmRowSource> prodlim =
      ReverseKaplanMeier({time, event, {}, {}, weight}, 1, FollowUpTies::kProdlim, KmOptions{});
  ASSERT_FALSE(prodlim.ok());
  EXPECT_EQ(prodlim.status().message(), "median follow-up with prodlim's ties does not take case weights");
}

// survival's tests/doaml.R, for the curves: intervals that all start at 0 are the right-censored data (the
// counting-process path, sorted by group with start times, against the one-pass scan).
TEST(KaplanMeier, IntervalsFromZeroAreTheRightCensoredCurves) {
  const std::vector<int32_t> group = AmlGroups();
  const std::vector<double> zero(kAmlTime.size(), 0.0);
  Result<std::vector<KmCurve>> right = KaplanMeier({kAmlTime, kAmlEvent, group}, 2, KmOptions{});
  Result<std::vector<KmCurve>> intervals = KaplanMeier({kAmlTime, kAmlEvent, group, zero}, 2, KmOptions{});
  ASSERT_TRUE(right.ok()) << right.status().message();
  ASSERT_TRUE(intervals.ok()) << intervals.status().message();
  for (size_t g = 0; g < 2; ++g) {
    const KmCurve& a = (*right)[g];
    const KmCurve& b = (*intervals)[g];
    EXPECT_EQ(a.n, b.n);
    EXPECT_EQ(a.events, b.events);
    ASSERT_EQ(a.rows.size(), b.rows.size()) << g;
    for (size_t i = 0; i < a.rows.size(); ++i) {
      EXPECT_EQ(a.rows[i].time, b.rows[i].time) << g << ", " << i;
      EXPECT_EQ(a.rows[i].n_risk, b.rows[i].n_risk) << g << ", " << i;
      EXPECT_EQ(a.rows[i].n_event, b.rows[i].n_event) << g << ", " << i;
      EXPECT_EQ(a.rows[i].n_censor, b.rows[i].n_censor) << g << ", " << i;
      // NaN (no SE or limit once S is 0) in both, or the same number.
      auto expect_same = [&](double x, double y) {
        if (std::isnan(x)) {
          EXPECT_TRUE(std::isnan(y)) << g << ", " << i;
        } else {
          EXPECT_NEAR(x, y, 1e-15) << g << ", " << i;
        }
      };
      expect_same(a.rows[i].surv, b.rows[i].surv);
      expect_same(a.rows[i].std_err, b.rows[i].std_err);
      expect_same(a.rows[i].lower, b.rows[i].lower);
      expect_same(a.rows[i].upper, b.rows[i].upper);
    }
  }
}

TEST(KaplanMeier, StartTimesMustComeBeforeTheirStop) {
  const std::vector<double> start{0, 4};
  const std::vector<double> stop{2, 3};
  const std::vector<int8_t> event{1, 1};
  Result<std::vector<KmCurve>> curves = KaplanMeier({stop, event, {}, start}, 1, KmOptions{});
  ASSERT_FALSE(curves.ok());
  EXPECT_EQ(curves.status().message(), "observation 2: the interval (4, 3] does not end after it starts");
  Result<KmRowSource> source = KmRowSource::Create({stop, event, {}, start}, 1, KmOptions{});
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().message(), curves.status().message());
}

TEST(LogRank, IdenticalStrataAddUp) {
  // The same small data set repeated in 40 strata (too many for a byte of payload, with 3 groups): observed,
  // expected and variance are sums over strata, so each is 40 times the single set's and chi-square is 40
  // times.
  const std::vector<double> time{1, 2, 2, 3, 4, 5, 6, 6, 7, 8, 9};
  const std::vector<int8_t> event{1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1};
  const std::vector<int32_t> group{0, 1, 2, 0, 1, 2, 0, 1, 2, 1, 0};
  Result<LogrankResult> single = LogRank({time, event, group}, 3, {}, 1, LogrankOptions{});
  ASSERT_TRUE(single.ok());
  std::vector<double> times;
  std::vector<int8_t> events;
  std::vector<int32_t> groups, strata;
  for (int32_t s = 0; s < 40; ++s) {
    times.insert(times.end(), time.begin(), time.end());
    events.insert(events.end(), event.begin(), event.end());
    groups.insert(groups.end(), group.begin(), group.end());
    strata.insert(strata.end(), time.size(), s);
  }
  Result<LogrankResult> stratified = LogRank({times, events, groups}, 3, strata, 40, LogrankOptions{});
  ASSERT_TRUE(stratified.ok());
  for (size_t g = 0; g < 3; ++g) {
    EXPECT_NEAR(stratified->groups[g].observed, 40 * single->groups[g].observed, 1e-9);
    EXPECT_NEAR(stratified->groups[g].expected, 40 * single->groups[g].expected, 1e-9);
  }
  EXPECT_NEAR(stratified->chisq, 40 * single->chisq, 1e-9 * stratified->chisq);
}

TEST(LogRankAndFollowUp, RejectCountingProcessData) {
  const std::vector<double> start{0, 1};
  const std::vector<double> stop{2, 3};
  const std::vector<int8_t> event{1, 0};
  const std::vector<int32_t> group{0, 1};
  Result<LogrankResult> test = LogRank({stop, event, group, start}, 2, {}, 0, LogrankOptions{});
  ASSERT_FALSE(test.ok());
  EXPECT_EQ(test.status().message(),
            "the log-rank test is defined for right-censored data; it does not take start times");
  Result<KmRowSource> follow_up =
      ReverseKaplanMeier({stop, event, group, start}, 2, FollowUpTies::kSurvival, KmOptions{});
  ASSERT_FALSE(follow_up.ok());
  EXPECT_NE(follow_up.status().message().find("right-censored"), std::string::npos);
}

// A weight S(t-)^rho with rho NaN or infinite is no test: before, NaN weights ended in "fewer than two groups
// have an expected number of events above 0", and an infinite rho weighed every death after the first by 0.
TEST(LogRank, RefusesARhoThatIsNotAFiniteNumber) {
  const std::vector<double> time{1, 2, 3, 4};
  const std::vector<int8_t> event{1, 1, 0, 1};
  const std::vector<int32_t> group{0, 1, 0, 1}, three_groups{0, 1, 2, 2};
  for (double rho : {std::nan(""), HUGE_VAL, -HUGE_VAL}) {
    LogrankOptions options;
    options.rho = rho;
    Result<LogrankResult> test = LogRank({time, event, group}, 2, {}, 0, options);
    ASSERT_FALSE(test.ok());
    EXPECT_EQ(test.status().message(), fmt::format("rho {} is not a finite number", rho));
    Result<std::vector<PairwiseLogrank>> pairs =
        PairwiseLogRank({time, event, three_groups}, 3, {}, 0, options, PAdjust::kNone);
    ASSERT_FALSE(pairs.ok());
    EXPECT_EQ(pairs.status().message(), fmt::format("rho {} is not a finite number", rho));
  }
}

}  // namespace
}  // namespace prrt::stats
