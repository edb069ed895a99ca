#include "prrt/stats/contingency.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>

#include "support/json_match.h"
#include "support/thread_count.h"

namespace prrt::stats {
namespace {

// Brute force, independent of the network algorithm: every table with the observed margins, cell by cell.
double BruteForceFisherP(const ContingencyTable& t) {
  std::vector<int> rows(t.rows, 0), cols(t.cols, 0);
  int n = 0;
  double observed = 0;
  for (int r = 0; r < t.rows; ++r) {
    for (int c = 0; c < t.cols; ++c) {
      int x = static_cast<int>(t.at(r, c));
      rows[r] += x;
      cols[c] += x;
      n += x;
      observed -= std::lgamma(x + 1.0);
    }
  }
  double log_k = -std::lgamma(n + 1.0);
  for (int r : rows)
    log_k += std::lgamma(r + 1.0);
  for (int c : cols)
    log_k += std::lgamma(c + 1.0);
  // Long double: millions of tables' probabilities below half a double's ulp of the running sum would
  // otherwise be lost one by one (about 5e-11 of a 5 x 5 table with margins of 5).
  long double p = 0;
  std::vector<int> row_left = rows, col_left = cols;
  std::function<void(int, double)> fill = [&](int cell, double weight) {
    const int r = cell / t.cols, c = cell % t.cols;
    if (cell == t.rows * t.cols) {
      if (weight <= observed + 3.45254e-7) p += std::exp(static_cast<long double>(log_k + weight));
      return;
    }
    // The last cell of a row or column is forced.
    const bool last_col = c == t.cols - 1, last_row = r == t.rows - 1;
    int lo = 0, hi = std::min(row_left[r], col_left[c]);
    if (last_col) lo = hi = row_left[r];
    if (last_row) {
      if (last_col && col_left[c] != row_left[r]) return;
      lo = hi = col_left[c];
      if (col_left[c] > row_left[r]) return;
    }
    for (int x = lo; x <= hi; ++x) {
      row_left[r] -= x;
      col_left[c] -= x;
      fill(cell + 1, weight - std::lgamma(x + 1.0));
      row_left[r] += x;
      col_left[c] += x;
    }
  };
  fill(0, 0);
  return static_cast<double>(p);
}

TEST(FisherExact, NetworkAlgorithmAgreesWithBruteForceOnRandomTables) {
  std::mt19937 rng(12345);
  for (int trial = 0; trial < 40; ++trial) {
    ContingencyTable t;
    t.rows = 2 + static_cast<int>(rng() % 3);
    t.cols = 2 + static_cast<int>(rng() % 3);
    if (t.rows == 2 && t.cols == 2) t.cols = 3;  // 2 x 2 goes through the hypergeometric path
    for (int i = 0; i < t.rows * t.cols; ++i)
      t.counts.push_back(static_cast<double>(rng() % (trial % 2 ? 4 : 7)));
    Result<FisherResult> result = FisherExact(t);
    ASSERT_TRUE(result.ok()) << result.status().message();
    const double expected = std::min(1.0, BruteForceFisherP(t));
    EXPECT_NEAR(result->p, expected, 1e-12) << "trial " << trial;
    EXPECT_FALSE(result->odds_ratio.has_value());
    // Forgetting every node's bounds as soon as the next is worked out changes nothing.
    Result<FisherResult> forgetting = FisherExact(t, 0.95, {.max_cached_bounds = 1});
    ASSERT_TRUE(forgetting.ok()) << forgetting.status().message();
    EXPECT_NEAR(forgetting->p, expected, 1e-12) << "trial " << trial;
  }
}

TEST(FisherExact, NetworkAlgorithmAgreesWithBruteForceOnTablesWithLargeRows) {
  // Two rows of cells up to 30 to 155 (totals of about 45 to 230) and three of at most 2 (5 x 3: the network
  // runs on the transpose, and its nodes two columns from the end split one large row between them, so their
  // exact bounds are worked out for totals in the hundreds). Brute force fills the small rows first, so it
  // has few tables to go through.
  std::mt19937 rng(31);
  for (int trial = 0; trial < 6; ++trial) {
    ContingencyTable t{5, 3, {}};
    for (int r = 0; r < 5; ++r) {
      for (int c = 0; c < 3; ++c) {
        const int most = r < 3 ? (c == 0 ? 2 : 1) : 30 + 25 * trial;
        t.counts.push_back(static_cast<double>(rng() % static_cast<unsigned>(most + 1)));
      }
    }
    Result<FisherResult> result = FisherExact(t);
    ASSERT_TRUE(result.ok()) << result.status().message();
    EXPECT_NEAR(result->p, std::min(1.0, BruteForceFisherP(t)), 1e-12) << "trial " << trial;
  }
}

TEST(FisherExact, NetworkAlgorithmAgreesWithBruteForceOnTiedMarginsAndTallTables) {
  // Rows of equal totals (their fills are counted once, times how many orders they stand for), equal column
  // totals, and tables with more rows than columns (the network runs on the transpose).
  std::mt19937 rng(2026);
  for (int trial = 0; trial < 30; ++trial) {
    ContingencyTable t;
    t.rows = 3 + trial % 3;
    t.cols = trial % 2 ? 2 + (trial / 2) % 2 : std::min(t.rows, 4);
    const int row_total = 3 + static_cast<int>(rng() % 3);
    // Each row a random split of the same total; even trials also give every column the same total by
    // shifting each row's split along (a Latin-square pattern).
    std::vector<int> split(t.cols, 0);
    for (int k = 0; k < row_total; ++k)
      ++split[rng() % t.cols];
    for (int r = 0; r < t.rows; ++r) {
      for (int c = 0; c < t.cols; ++c) {
        const int shift = trial % 2 ? static_cast<int>(rng() % t.cols) : r;
        t.counts.push_back(split[(c + shift) % t.cols]);
      }
    }
    Result<FisherResult> result = FisherExact(t);
    ASSERT_TRUE(result.ok()) << result.status().message();
    EXPECT_NEAR(result->p, std::min(1.0, BruteForceFisherP(t)), 1e-12) << "trial " << trial;
  }
}

TEST(FisherExact, NetworkAlgorithmAgreesWithBruteForceOnLopsidedAndStronglyAssociatedTables) {
  // Most fills of a column are settled in groups, by a bound and a closed-form probability, rather than
  // made one by one. Tables where one row holds more than the columns after the first can take (its cells
  // there have a floor), and tables whose p is tiny (the groups settled are then the only tables that count,
  // so a wrong share would show as a relative error), against brute force.
  std::mt19937 rng(77);
  for (int trial = 0; trial < 12; ++trial) {
    ContingencyTable t;
    t.rows = trial % 3 == 1 ? 3 : 3 + trial % 2;  // brute force takes seconds on a 4 x 4 table of n = 50
    t.cols = 4;
    for (int r = 0; r < t.rows; ++r) {
      for (int c = 0; c < t.cols; ++c) {
        int x = static_cast<int>(rng() % 3);
        if (trial % 3 == 0 && r == 0) x += 4 + static_cast<int>(rng() % 5);  // a lopsided first row
        if (trial % 3 == 1 && r == c) x += 7 + static_cast<int>(rng() % 3);  // a heavy diagonal
        t.counts.push_back(x);
      }
    }
    Result<FisherResult> result = FisherExact(t);
    ASSERT_TRUE(result.ok()) << result.status().message();
    const double expected = std::min(1.0, BruteForceFisherP(t));
    EXPECT_NEAR(result->p, expected, 1e-10 * expected + 1e-15) << "trial " << trial;
    if (trial % 3 == 1) {
      EXPECT_LT(expected, 1e-4) << "trial " << trial;
    }
  }
}

TEST(FisherExact, NetworkAlgorithmAgreesWithBruteForceHoweverTheLastTwoRowsTie) {
  // With two columns left, the splits between the last two rows are made from the most likely one by the
  // ratio of neighbouring hypergeometric terms, in both orders of the two rows. Rows here are the shorter
  // side (sorted totals in the comments): the last two differ; they tie and the row before differs; the last
  // three tie (the splits are then made one by one, in one order, times their arrangements); two rows only.
  const std::vector<ContingencyTable> tables{
      {4, 4, {1, 0, 2, 0, 0, 3, 1, 1, 2, 2, 1, 3, 3, 1, 2, 4}},              // rows 3, 5, 8, 10
      {4, 4, {1, 0, 1, 0, 0, 3, 1, 1, 2, 2, 1, 2, 3, 1, 2, 1}},              // rows 2, 5, 7, 7
      {3, 5, {2, 1, 0, 3, 0, 0, 2, 2, 1, 1, 3, 0, 1, 1, 1}},                 // rows 6, 6, 6
      {4, 5, {0, 1, 0, 0, 1, 2, 1, 2, 0, 1, 1, 0, 3, 2, 0, 0, 2, 1, 1, 2}},  // rows 2, 6, 6, 6
      {2, 5, {3, 1, 0, 2, 1, 0, 2, 3, 1, 1}},                                // rows 7, 7
      {2, 4, {5, 0, 1, 3, 0, 4, 2, 1}},                                      // rows 7, 9
      // Without its empty row and column a 2 x 2 table: the network's first node is two columns from
      // the end, and its one past path settles it.
      {3, 3, {2, 0, 5, 0, 0, 0, 3, 0, 1}},
  };
  for (size_t i = 0; i < tables.size(); ++i) {
    Result<FisherResult> result = FisherExact(tables[i]);
    ASSERT_TRUE(result.ok()) << result.status().message();
    const double expected = std::min(1.0, BruteForceFisherP(tables[i]));
    EXPECT_NEAR(result->p, expected, 1e-12 * expected) << "table " << i;
  }
}

TEST(FisherExact, NetworkAlgorithmGivesTheSamePOnAnyNumberOfThreads) {
  // Nodes are advanced side by side and their runs merged per shard; every sum is still taken in the nodes'
  // order, so the p-value is the same to the last bit. R's fisher.test gives 0.9037272536 for this table
  // (tests/golden/fisher.json).
  const ContingencyTable t{
      5, 5, {11, 9, 7, 5, 2, 5, 9, 5, 3, 3, 5, 4, 4, 4, 2, 5, 4, 1, 4, 0, 2, 1, 1, 3, 1}};
  double one_thread = 0;
  for (unsigned threads : {1u, 2u, 3u}) {
    testing::ScopedThreadCount scoped(threads);
    Result<FisherResult> result = FisherExact(t);
    ASSERT_TRUE(result.ok()) << result.status().message();
    if (threads == 1) one_thread = result->p;
    EXPECT_EQ(result->p, one_thread) << threads << " threads";
    EXPECT_NEAR(result->p, 0.9037272536, 1e-9);
  }
}

TEST(FisherExact, TeaTastingByHand) {
  // Margins 4, 4 / 4, 4: P(x) = C(4,x) C(4,4-x) / C(8,4) = 1, 16, 36, 16, 1 over 70. Observed x = 3:
  // two-sided p = (16 + 1 + 16 + 1) / 70.
  Result<FisherResult> result = FisherExact({2, 2, {3, 1, 1, 3}});
  ASSERT_TRUE(result.ok());
  EXPECT_NEAR(result->p, 34.0 / 70, 1e-15);
  // The conditional MLE solves E[X; psi] = 3: sum x C(4,x)^2 psi^x / sum C(4,x)^2 psi^x = 3.
  const double psi = *result->odds_ratio;
  double num = 0, den = 0;
  const double c2[] = {1, 16, 36, 16, 1};
  for (int x = 0; x <= 4; ++x) {
    num += x * c2[x] * std::pow(psi, x);
    den += c2[x] * std::pow(psi, x);
  }
  EXPECT_NEAR(num / den, 3, 1e-4);  // uniroot's tolerance, as R
}

TEST(FisherExact, OneSidedTeaTastingByHand) {
  // As above, P(x) = 1, 16, 36, 16, 1 over 70 and x = 3: P(X <= 3) = 69/70, P(X >= 3) = 17/70.
  const ContingencyTable tea{2, 2, {3, 1, 1, 3}};
  Result<FisherResult> less = FisherExact(tea, 0.95, {}, Alternative::kLess);
  Result<FisherResult> greater = FisherExact(tea, 0.95, {}, Alternative::kGreater);
  ASSERT_TRUE(less.ok() && greater.ok());
  EXPECT_NEAR(less->p, 69.0 / 70, 1e-15);
  EXPECT_NEAR(greater->p, 17.0 / 70, 1e-15);
  EXPECT_EQ(less->alternative, Alternative::kLess);
  // The estimate does not depend on the alternative; a one-sided 75% limit puts all 25% in one tail, as the
  // two-sided 50% interval puts 25% in each (levels whose tails are exactly 0.25 in binary), and the other
  // side is open.
  Result<FisherResult> less75 = FisherExact(tea, 0.75, {}, Alternative::kLess);
  Result<FisherResult> greater75 = FisherExact(tea, 0.75, {}, Alternative::kGreater);
  Result<FisherResult> fifty = FisherExact(tea, 0.5);
  ASSERT_TRUE(less75.ok() && greater75.ok() && fifty.ok());
  EXPECT_EQ(less->odds_ratio, fifty->odds_ratio);
  EXPECT_EQ(*less->or_lower, 0);
  EXPECT_EQ(*less75->or_upper, *fifty->or_upper);
  EXPECT_EQ(*greater75->or_lower, *fifty->or_lower);
  EXPECT_TRUE(std::isinf(*greater->or_upper));
}

// R's p, conditional MLE and exact limits of 400 2 x 2 tables (tests/golden/fisher_2x2_tables.json, written
// by tests/r/make_goldens.R), to 1e-13: the estimate and limits are uniroot's, which stops anywhere
// within 1.2e-4 of the root, so only the same function values as R's, to the last bit, land on R's digits.
TEST(FisherExact, TwoByTwoAgreesWithRToTheLastDigits) {
  const nlohmann::json cases =
      nlohmann::json::parse(testing::ReadSourceFile("tests/golden/fisher_2x2_tables.json"));
  ASSERT_EQ(cases.size(), 400u);
  auto expect_close = [](const nlohmann::json& expected, std::optional<double> actual,
                         const std::string& what) {
    if (expected.is_null()) {  // R's Inf (JSON null)
      ASSERT_TRUE(actual.has_value()) << what;
      EXPECT_TRUE(std::isinf(*actual)) << what;
      return;
    }
    ASSERT_TRUE(actual.has_value()) << what;
    const double r = expected.get<double>();
    EXPECT_NEAR(*actual, r, 1e-13 * std::max(std::fabs(r), 1e-300)) << what;
  };
  for (const auto& c : cases) {
    const std::vector<double> cells = c.at("table");
    const std::string name = c.at("table").dump() + " " + c.at("alternative").get<std::string>();
    Result<FisherResult> result = FisherExact({2, 2, cells}, c.at("conf_level"), {},
                                              *ParseAlternative(c.at("alternative").get<std::string>()));
    ASSERT_TRUE(result.ok()) << name;
    expect_close(c.at("p"), result->p, name + ": p");
    expect_close(c.at("odds_ratio"), result->odds_ratio, name + ": odds ratio");
    expect_close(c.at("or_lower"), result->or_lower, name + ": lower limit");
    expect_close(c.at("or_upper"), result->or_upper, name + ": upper limit");
  }
}

TEST(FisherExact, OneSidedNeedsATwoByTwoTable) {
  const ContingencyTable wide{2, 3, {1, 2, 3, 4, 5, 6}};
  for (Alternative alternative : {Alternative::kLess, Alternative::kGreater}) {
    Result<FisherResult> exact = FisherExact(wide, 0.95, {}, alternative);
    ASSERT_FALSE(exact.ok());
    EXPECT_EQ(exact.status().message(), std::string("a one-sided test (") +
                                            std::string(AlternativeName(alternative)) +
                                            ") needs a 2 x 2 table; a 2 x 3 table's test is two-sided");
    Result<FisherResult> simulated = FisherMonteCarlo(wide, 100, 1, 0.95, alternative);
    ASSERT_FALSE(simulated.ok());
    EXPECT_EQ(simulated.status().message(), exact.status().message());
  }
  EXPECT_TRUE(FisherExact(wide, 0.95, {}, Alternative::kTwoSided).ok());
  for (std::string_view name : {"two-sided", "less", "greater"})
    EXPECT_EQ(AlternativeName(*ParseAlternative(name)), name);
  EXPECT_FALSE(ParseAlternative("two.sided").has_value());
}

TEST(FisherExact, StopsAtItsLimitsWithAClearMessage) {
  // A 5 x 5 table the exact test finishes (R's fisher.test gives it, see tests/golden), with limits too
  // small.
  const ContingencyTable t{5, 5, {2, 1, 0, 3, 2, 2, 3, 1, 5, 1, 2, 4, 1, 3, 3, 4, 1, 2, 3, 2, 4, 1, 4, 2, 4}};
  ASSERT_TRUE(FisherExact(t).ok());
  Result<FisherResult> kept =
      FisherExact(t, 0.95, {.max_stored_paths = 100, .max_expansions = 2'000'000'000});
  ASSERT_FALSE(kept.ok());
  EXPECT_EQ(kept.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(
      kept.status().message(),
      "Fisher's exact test: this 5 x 5 table (n = 60) is beyond the exact network algorithm's limits (more "
      "than 100 partial tables kept at once); raise it (prrt stats fisher --max-kept; each takes 30 to 45 "
      "bytes) or ask for a Monte Carlo p-value instead (prrt stats fisher --simulate-p-value, as R's "
      "fisher.test(simulate.p.value = TRUE))");
  Result<FisherResult> made = FisherExact(t, 0.95, {.max_stored_paths = 40'000'000, .max_expansions = 1000});
  ASSERT_FALSE(made.ok());
  EXPECT_NE(made.status().message().find("more than 1000 partial tables made"), std::string::npos);

  // A node's remaining totals are packed into 128 bits: 10 of them up to n = 12,000 (14 bits each) do not
  // fit.
  const ContingencyTable wide{10, 12, std::vector<double>(120, 100)};
  Result<FisherResult> unpacked = FisherExact(wide);
  ASSERT_FALSE(unpacked.ok());
  EXPECT_EQ(unpacked.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(
      unpacked.status().message().find(
          "this 10 x 12 table (n = 12000) is beyond the exact network algorithm's limits (10 totals of up "
          "to 12000 on its shorter side do not fit the 128-bit keys of its nodes)"),
      std::string::npos)
      << unpacked.status().message();
}

// The exact and simulated tests hold tables of 0 to n: n = 10^7 is taken, one more is refused by each. Before
// the bound, 2^31 - 1 (R's largest count) ran out of memory, and 1e10 (beyond an int) crashed.
TEST(FisherExact, TakesTablesOfUpToTenMillion) {
  const ContingencyTable largest{3, 2, {9999990, 1, 1, 1, 5, 2}};
  Result<FisherResult> exact = FisherExact(largest);
  ASSERT_TRUE(exact.ok()) << exact.status().message();
  // By hand: a table with these margins is its second column (x1, x2, x3), summing to 4 with x2 <= 2 and
  // x3 <= 7, its probability prod r_i! prod c_j! / (n! prod x_ij!); p sums those no likelier than the
  // observed (1, 1, 2). The log-factorials near 1.5e8 carry a rounding of ~3e-8, so the two agree to about
  // that.
  const double rows[] = {9999991, 2, 7}, cols[] = {9999996, 4};
  auto log_probability = [&](int x1, int x2, int x3) {
    const int second[] = {x1, x2, x3};
    double log_p = std::lgamma(cols[0] + 1) + std::lgamma(cols[1] + 1) - std::lgamma(1e7 + 1);
    for (int i = 0; i < 3; ++i)
      log_p += std::lgamma(rows[i] + 1) - std::lgamma(rows[i] - second[i] + 1) - std::lgamma(second[i] + 1.0);
    return log_p;
  };
  const double observed = log_probability(1, 1, 2);
  double p = 0;
  for (int x2 = 0; x2 <= 2; ++x2) {
    for (int x3 = 0; x3 <= 4 - x2; ++x3) {
      const double log_p = log_probability(4 - x2 - x3, x2, x3);
      if (log_p <= observed + 1e-7) p += std::exp(log_p);
    }
  }
  EXPECT_NEAR(exact->p / p, 1, 1e-6) << exact->p << " " << p;
  const std::string refused =
      "the counts sum to 10000001; an exact or simulated test takes at most 10000000 (for larger tables, the "
      "chi-squared test)";
  const ContingencyTable beyond{3, 2, {9999991, 1, 1, 1, 5, 2}};
  EXPECT_EQ(FisherExact(beyond).status().message(), refused);
  EXPECT_EQ(FisherMonteCarlo(beyond, 100, 1).status().message(), refused);
  EXPECT_EQ(PearsonChiSquareMonteCarlo(beyond, 100, 1).status().message(), refused);
  EXPECT_EQ(FisherExact({2, 2, {5000001, 0, 0, 5000000}}).status().message(), refused);
  EXPECT_TRUE(PearsonChiSquare(beyond, false).ok());  // the chi-squared test takes any counts
}

TEST(FisherMonteCarlo, EstimatesTheExactPWithinItsStandardError) {
  // Job satisfaction (R's ?fisher.test): exact p = 0.782684939 (../shared/reference/statistics.md). With
  // 20,000 random tables the estimate's standard error is sqrt(p (1 - p) / 20000) = 0.0029.
  const ContingencyTable job{4, 4, {1, 2, 1, 0, 3, 3, 6, 1, 10, 10, 14, 9, 6, 7, 12, 11}};
  Result<FisherResult> mc = FisherMonteCarlo(job, 20000, 1);
  ASSERT_TRUE(mc.ok()) << mc.status().message();
  EXPECT_EQ(mc->method, "monte_carlo");
  EXPECT_EQ(mc->replicates, 20000);
  const double se = std::sqrt(0.782684939 * (1 - 0.782684939) / 20000);
  EXPECT_NEAR(mc->p, 0.782684939, 4 * se);
  EXPECT_EQ(FisherMonteCarlo(job, 20000, 1)->p, mc->p);  // reproducible for a seed
  EXPECT_NE(FisherMonteCarlo(job, 20000, 2)->p, mc->p);
}

TEST(FisherMonteCarlo, TablesAsExtremeAsTheObservedOneCount) {
  // Rows (2, 2), columns (2, 1, 1), observed [[2, 0, 0], [0, 1, 1]]. Row 1 takes 2 of the 4 observations, 6
  // ways alike: both of column 1 (1 way), or those of columns 2 and 3 (1 way) give a table with the observed
  // statistic -log 2!; the other 4 give 0. So p = 2/6 exactly, and the Monte Carlo p must count the ties.
  const ContingencyTable t{2, 3, {2, 0, 0, 0, 1, 1}};
  EXPECT_NEAR(FisherExact(t)->p, 1.0 / 3, 1e-12);
  Result<FisherResult> mc = FisherMonteCarlo(t, 30000, 7);
  ASSERT_TRUE(mc.ok());
  EXPECT_NEAR(mc->p, 1.0 / 3, 4 * std::sqrt(1.0 / 3 * 2.0 / 3 / 30000));
  // An empty column is dropped, as R does; the same p.
  EXPECT_EQ(FisherMonteCarlo({2, 4, {2, 0, 0, 0, 0, 1, 1, 0}}, 30000, 7)->p, mc->p);
}

TEST(FisherMonteCarlo, TwoByTwoIsExactAndBadInputIsRefused) {
  const ContingencyTable tea{2, 2, {3, 1, 1, 3}};
  Result<FisherResult> mc = FisherMonteCarlo(tea, 2000, 1);
  ASSERT_TRUE(mc.ok());
  EXPECT_EQ(mc->method, "exact");
  EXPECT_EQ(mc->p, FisherExact(tea)->p);
  EXPECT_FALSE(FisherMonteCarlo({2, 3, {1, 2, 3, 4, 5, 6}}, 0, 1).ok());
  Result<FisherResult> one_row = FisherMonteCarlo({2, 3, {1, 2, 3, 0, 0, 0}}, 100, 1);
  ASSERT_FALSE(one_row.ok());
  EXPECT_EQ(one_row.status().message(),
            "the Monte Carlo test needs 2 or more rows and 2 or more columns with counts");
  EXPECT_FALSE(FisherMonteCarlo({2, 3, {1, -2, 3, 4, 5, 6}}, 100, 1).ok());
}

// The permutation p-values that chisq.test(simulate.p.value = TRUE) estimates, from every table with the
// margins enumerated in R (tests/golden/chisq_permutation.json, written by tests/r/make_goldens.R): prrt's
// estimate from 40,000 random tables must lie within 4 standard errors of each (prrt's random tables are not
// R's, so R's own estimate, kept in the file beside, is no closer than that).
TEST(PearsonChiSquareMonteCarlo, EstimatesThePermutationPWithinItsStandardError) {
  const nlohmann::json cases =
      nlohmann::json::parse(testing::ReadSourceFile("tests/golden/chisq_permutation.json"));
  ASSERT_EQ(cases.size(), 6u);
  constexpr int kReplicates = 40000;
  for (const auto& c : cases) {
    const ContingencyTable table{c.at("rows"), c.at("cols"), c.at("table").get<std::vector<double>>()};
    SCOPED_TRACE(c.at("table").dump());
    Result<ChiSquareResult> mc = PearsonChiSquareMonteCarlo(table, kReplicates, 1);
    ASSERT_TRUE(mc.ok()) << mc.status().message();
    EXPECT_EQ(mc->method, "monte_carlo");
    EXPECT_EQ(mc->replicates, kReplicates);
    EXPECT_TRUE(mc->warnings.empty());
    EXPECT_NEAR(mc->statistic, c.at("statistic").get<double>(), 1e-12);
    const double p = c.at("p");
    EXPECT_NEAR(mc->p, p, 4 * std::sqrt(p * (1 - p) / kReplicates));
    EXPECT_EQ(PearsonChiSquareMonteCarlo(table, kReplicates, 1)->p, mc->p);  // reproducible for a seed
  }
}

TEST(PearsonChiSquareMonteCarlo, TablesAsExtremeAsTheObservedOneCount) {
  // Rows (5, 5), columns (5, 5), observed [[4, 1], [1, 4]]: every expected count is 2.5 and X^2 = 4 * 1.5^2 /
  // 2.5 = 3.6; the mirror [[1, 4], [4, 1]] has the same X^2 (it may differ in its last bit as computed), and
  // [[5, 0], [0, 5]] and [[0, 5], [5, 0]] have 10. P([1,1] = k) = C(5, k) C(5, 5 - k) / C(10, 5), so
  // p = (1 + 25 + 25 + 1) / 252; no random table is as extreme as the observed [[5, 0], [0, 5]] but itself
  // and its mirror: p = 2 / 252.
  const ContingencyTable near{2, 2, {4, 1, 1, 4}};
  Result<ChiSquareResult> mc = PearsonChiSquareMonteCarlo(near, 40000, 3);
  ASSERT_TRUE(mc.ok());
  EXPECT_DOUBLE_EQ(mc->statistic, 3.6);
  EXPECT_NEAR(mc->p, 52.0 / 252, 4 * std::sqrt(52.0 / 252 * 200.0 / 252 / 40000));
  Result<ChiSquareResult> corner = PearsonChiSquareMonteCarlo({2, 2, {5, 0, 0, 5}}, 40000, 3);
  ASSERT_TRUE(corner.ok());
  EXPECT_NEAR(corner->p, 2.0 / 252, 4 * std::sqrt(2.0 / 252 * 250.0 / 252 / 40000));
  // Two observations, one in each row and column: both tables the margins allow have X^2 = 2, so every
  // random table counts and p = (1 + B) / (B + 1) = 1 exactly.
  EXPECT_EQ(PearsonChiSquareMonteCarlo({2, 2, {1, 0, 0, 1}}, 500, 1)->p, 1.0);
}

TEST(PearsonChiSquareMonteCarlo, BadInputIsRefused) {
  Result<ChiSquareResult> fractional = PearsonChiSquareMonteCarlo({2, 2, {1.5, 2, 3, 4}}, 100, 1);
  ASSERT_FALSE(fractional.ok());
  EXPECT_NE(fractional.status().message().find("is not a whole count"), std::string::npos)
      << fractional.status().message();
  EXPECT_FALSE(PearsonChiSquareMonteCarlo({2, 2, {1, 2, 3, 4}}, 0, 1).ok());
  Result<ChiSquareResult> empty_row = PearsonChiSquareMonteCarlo({2, 3, {1, 2, 3, 0, 0, 0}}, 100, 1);
  ASSERT_FALSE(empty_row.ok());
  EXPECT_NE(empty_row.status().message().find("has no counts"), std::string::npos)
      << empty_row.status().message();
  EXPECT_FALSE(PearsonChiSquareMonteCarlo({2, 2, {1, -2, 3, 4}}, 100, 1).ok());
}

TEST(PearsonChiSquare, YatesByHandAndWarningForSmallExpectedCounts) {
  // 3,1 / 1,3: E = 2 everywhere, |O - E| = 1, Yates: (1 - 0.5)^2 / 2 * 4 = 0.5; without: 1/2 * 4 = 2.
  Result<ChiSquareResult> yates = PearsonChiSquare({2, 2, {3, 1, 1, 3}}, true);
  ASSERT_TRUE(yates.ok());
  EXPECT_DOUBLE_EQ(yates->statistic, 0.5);
  EXPECT_EQ(yates->warnings.size(), 1u);
  Result<ChiSquareResult> plain = PearsonChiSquare({2, 2, {3, 1, 1, 3}}, false);
  EXPECT_DOUBLE_EQ(plain->statistic, 2.0);
  EXPECT_NEAR(plain->p, std::erfc(std::sqrt(2.0 / 2)), 1e-15);  // chi-square(1) tail = erfc(sqrt(x/2))
}

}  // namespace
}  // namespace prrt::stats
