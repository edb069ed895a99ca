// Cox model on Therneau & Grambsch's data set 1 (survival's tests/book1.R), worked out by hand:
// times 1, 1+, 6, 6, 8+, 9 with x = 1, 1, 1, 0, 0, 0. With r = exp(beta), the risk sets give
//   Breslow: l(b) = 2b - log(3r + 3) - 2 log(r + 3),      U(b) = 2 - r/(r + 1) - 2r/(r + 3)
//   Efron:   l(b) = 2b - log(3r + 3) - log(r + 3) - log((r + 5)/2),
//            U(b) = 2 - r/(r + 1) - r/(r + 3) - r/(r + 5)
// Breslow's score is 0 where r^2 - 3r - 6 = 0: r = (3 + sqrt 33)/2. At b = 0, U = 1 and I = 9/36 + 6/16 =
// 0.625, so the score test is 1/0.625 = 1.6 (Breslow). Efron: U(0) = 2 - 1/2 - 1/4 - 1/6 = 13/12 and I(0) =
// 1/4 + 3/16 + 5/36 (the derivatives of r/(r+1), r/(r+3), r/(r+5) at r = 1).
#include "prrt/stats/cox.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <utility>
#include <vector>

#include "support/thread_count.h"

namespace prrt::stats {
namespace {

const std::vector<double> kTime{1, 1, 6, 6, 8, 9};
const std::vector<int8_t> kEvent{1, 0, 1, 1, 0, 1};
const std::vector<double> kX{1, 1, 1, 0, 0, 0};

CoxFit Fit(CoxTies ties) {
  CoxOptions options;
  options.ties = ties;
  Result<CoxFit> fit = FitCox({kTime, kEvent, kX, 1, {}}, options);
  EXPECT_TRUE(fit.ok()) << fit.status().message();
  return *fit;
}

TEST(Cox, BreslowOnBookDataSet1ByHand) {
  const CoxFit fit = Fit(CoxTies::kBreslow);
  const double r = (3 + std::sqrt(33.0)) / 2;
  EXPECT_NEAR(fit.coef[0], std::log(r), 1e-9);
  EXPECT_NEAR(fit.loglik_null, -std::log(6.0) - 2 * std::log(4.0), 1e-12);
  EXPECT_NEAR(fit.loglik, 2 * std::log(r) - std::log(3 * r + 3) - 2 * std::log(r + 3), 1e-10);
  EXPECT_NEAR(fit.score_test.chisq, 1.6, 1e-12);
  // Information at the estimate: 3r/(3r+3)^2 * 3 ... = r/(r+1)^2 + 6r/(r+3)^2; the variance is its inverse.
  const double information = r / ((r + 1) * (r + 1)) + 6 * r / ((r + 3) * (r + 3));
  EXPECT_NEAR(fit.std_err(0), 1 / std::sqrt(information), 1e-8);
}

TEST(Cox, EfronOnBookDataSet1ByHand) {
  const CoxFit fit = Fit(CoxTies::kEfron);
  // U(b) = (30 + 23r - r^3) / ((r + 1)(r + 3)(r + 5)) is 0 at the root of the cubic r^3 - 23r - 30, in
  // trigonometric form (survival's tests/book2.R): r = 2 sqrt(23/3) cos(acos((45/23) sqrt(3/23)) / 3).
  const double r = 2 * std::sqrt(23.0 / 3) * std::cos(std::acos(45.0 / 23 * std::sqrt(3.0 / 23)) / 3);
  EXPECT_NEAR(r * r * r - 23 * r - 30, 0, 1e-12);
  EXPECT_NEAR(fit.coef[0], std::log(r), 1e-9);
  EXPECT_NEAR(fit.score_test.chisq, (13.0 / 12) * (13.0 / 12) / (0.25 + 3.0 / 16 + 5.0 / 36), 1e-12);
  EXPECT_NEAR(fit.loglik, 2 * std::log(r) - std::log(3 * r + 3) - std::log(r + 3) - std::log((r + 5) / 2),
              1e-10);
  // The information is the sum of q(1 - q) over the three deaths' q = r/(r + 1), r/(r + 3), r/(r + 5).
  double information = 0;
  for (double q : {r / (r + 1), r / (r + 3), r / (r + 5)})
    information += q * (1 - q);
  EXPECT_NEAR(fit.std_err(0), 1 / std::sqrt(information), 1e-8);
}

// Residuals on data set 1 in Therneau & Grambsch's closed forms (survival's tests book1.R, Breslow, and
// book2.R, Efron), rows in time order, r = exp(b), at b = 0 and at the fit.
// Breslow: the hazard jumps 1/(3r + 3) at 1, 2/(r + 3) at 6 and 1 at 9; martingale = status - risk x the
// cumulative hazard; score, with a = 3(r + 1)^2 and b = (r + 3)^2: (2r + 3)/a, -r/a, -r/a + 3(3 - r)/b,
// r/a - r(r + 1)/b, r/a + 2r/b twice.
// Efron: the two deaths at 6 split the time into steps with risk r + 3 and (r + 5)/2, a dying row at risk in
// the second only half: hazard 1/(3r + 3), 1/(r + 3), 2/(r + 5) (half of it for the dying rows) and 1; the
// score residuals are polynomials in r over 3(abd)^2 (a, b, d = r + 1, r + 3, r + 5).
TEST(Cox, ResidualsOnBookDataSet1ByHand) {
  const std::vector<double> status{1, 0, 1, 1, 0, 1};
  for (CoxTies ties : {CoxTies::kBreslow, CoxTies::kEfron}) {
    for (int iterations : {0, 20}) {
      CoxOptions options;
      options.ties = ties;
      options.max_iterations = iterations;
      const CoxData data{kTime, kEvent, kX, 1, {}};
      Result<CoxFit> fit = FitCox(data, options);
      ASSERT_TRUE(fit.ok()) << fit.status().message();
      Result<CoxResiduals> residuals = ComputeCoxResiduals(data, *fit, options);
      ASSERT_TRUE(residuals.ok()) << residuals.status().message();
      const double r = std::exp(fit->coef[0]);
      std::vector<double> hazard, score;  // hazard: the cumulative exposure of each row (risk included)
      if (ties == CoxTies::kBreslow) {
        const double h1 = 1 / (3 * r + 3), h6 = 2 / (r + 3), a = 3 * (r + 1) * (r + 1), b = (r + 3) * (r + 3);
        hazard = {r * h1, r * h1, r * (h1 + h6), h1 + h6, h1 + h6, h1 + h6 + 1};
        score = {(2 * r + 3) / a,   -r / a,           -r / a + 3 * (3 - r) / b, r / a - r * (r + 1) / b,
                 r / a + 2 * r / b, r / a + 2 * r / b};
      } else {
        const double h1 = 1 / (3 * r + 3), h6 = 1 / (r + 3), h6b = 2 / (r + 5);
        const double a = r + 1, b = r + 3, d = r + 5, abd2 = 3 * (a * b * d) * (a * b * d);
        const double censored = 2 * r * (177 + r * (282 + r * (182 + r * (50 + 5 * r)))) / abd2;
        hazard = {r * h1,        r * h1,           r * (h1 + h6 + h6b / 2), h1 + h6 + h6b / 2,
                  h1 + h6 + h6b, h1 + h6 + h6b + 1};
        score = {(2 * r + 3) / (3 * a * a),
                 -r / (3 * a * a),
                 (675 + r * (1305 + r * (756 + r * (-4 + r * (-79 - 13 * r))))) / abd2,
                 r * (1 / (3 * a * a) - a / (2 * b * b) - b / (2 * d * d)),
                 censored,
                 censored};
      }
      for (size_t i = 0; i < status.size(); ++i) {
        EXPECT_NEAR(residuals->martingale[i], status[i] - hazard[i], 1e-14) << i;
        EXPECT_NEAR(residuals->score[i], score[i], 1e-14) << i;
      }
      // Schoenfeld, x less the risk-weighted mean at each death: r/(r + 1) at 1; r/(r + 3) at 6 (Efron: the
      // mean of r/(r + 3) and r/(r + 5), the second step's risk set holding half of each dying row); 0 at 9.
      const double mean6 = ties == CoxTies::kBreslow ? r / (r + 3) : (r / (r + 3) + r / (r + 5)) / 2;
      const std::vector<double> schoenfeld{1 / (r + 1), 1 - mean6, -mean6, 0};
      EXPECT_EQ(residuals->schoenfeld_time, (std::vector<double>{1, 6, 6, 9}));
      ASSERT_EQ(residuals->schoenfeld.size(), schoenfeld.size());
      for (size_t k = 0; k < schoenfeld.size(); ++k)
        EXPECT_NEAR(residuals->schoenfeld[k], schoenfeld[k], 1e-14) << k;
      if (iterations == 0) {
        // book1.R's and book2.R's checks of R's own output at b = 0.
        const std::vector<double> breslow{5.0 / 12, -1.0 / 12, 7.0 / 24, -1.0 / 24, 5.0 / 24, 5.0 / 24};
        const std::vector<double> efron_martingale{5.0 / 6, -1.0 / 6, 5.0 / 12, 5.0 / 12, -3.0 / 4, -3.0 / 4};
        for (size_t i = 0; i < status.size(); ++i) {
          if (ties == CoxTies::kBreslow) {
            EXPECT_NEAR(residuals->score[i], breslow[i], 1e-15) << i;
          } else {
            EXPECT_NEAR(residuals->martingale[i], efron_martingale[i], 1e-15) << i;
          }
        }
      }
    }
  }
}

// Therneau & Grambsch's data set 2 (survival's tests/book3.R, book4.R), intervals (start, stop]:
//   (1,2] death x=1, (2,3] death 0, (5,6] death 0, (2,7] death 1, (1,8] death 0, (7,9] death 1, (3,9] death
//   1, (4,9] censored 1, (8,14] censored 0, (8,17] censored 0.
// The risk sets (start < t <= stop), with r = exp(b), sum to r + 1 at t=2, r + 2 at 3, 3r + 2 at 6, 3r + 1 at
// 7 and at 8, and 3r + 2 at 9, where two deaths with x=1 tie: Breslow uses 3r + 2 twice, Efron 3r + 2 and
// 3r + 2 - (r + r)/2 = 2r + 2. Four deaths have x=1, so l(b) = 4b - sum log(denominator); each death adds
// q = (the x=1 part of its denominator) / (the denominator) to the expected count, and q(1 - q) to the
// information.
// At beta = 0 every row's risk is 1, so without tied times the null log-likelihood is -sum over deaths of
// log(the number at risk), the score U = sum over deaths of (x - the risk set's mean of x) and the
// information I = sum over deaths of the risk set's variance of x (divided by its size): the score test is
// U^2 / I. Worked out here over std::sort's order of 100,000 rows with the longest times first, each death's
// risk set the rows with a time at least its own; the fit sorts them with its radix sort (dealing rows to
// buckets on all cores), which must carry each row's covariate along with its time.
TEST(Cox, NullLikelihoodAndScoreTestOnManyRowsByHand) {
  const size_t n = 100000;
  std::mt19937_64 random(20261203);
  std::normal_distribution<double> normal(0, 1);
  std::exponential_distribution<double> exponential(1.0);
  std::vector<double> time(n), x(n);
  std::vector<int8_t> event(n);
  for (size_t i = 0; i < n; ++i) {
    x[i] = normal(random);
    time[i] = exponential(random) * std::exp(-0.5 * x[i]);
    event[i] = static_cast<int8_t>(exponential(random) < 2.0);
  }
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i)
    order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return time[a] > time[b]; });
  double at_risk = 0, sum_x = 0, sum_xx = 0, loglik = 0, score = 0, information = 0;
  for (size_t k = 0; k < n; ++k) {
    const size_t i = order[k];
    ASSERT_TRUE(k == 0 || time[order[k - 1]] != time[i]) << "the hand sums assume no tied times";
    at_risk += 1;
    sum_x += x[i];
    sum_xx += x[i] * x[i];
    if (event[i] == 0) continue;
    const double mean = sum_x / at_risk;
    loglik -= std::log(at_risk);
    score += x[i] - mean;
    information += sum_xx / at_risk - mean * mean;
  }
  CoxOptions options;
  options.timefix = false;  // the hand sums take each time as it is
  for (unsigned threads : {1u, 2u}) {
    testing::ScopedThreadCount scoped(threads);
    Result<CoxFit> fit = FitCox({time, event, x, 1, {}}, options);
    ASSERT_TRUE(fit.ok()) << fit.status().message();
    EXPECT_NEAR(fit->loglik_null, loglik, 1e-10 * std::fabs(loglik)) << threads << " threads";
    EXPECT_NEAR(fit->score_test.chisq, score * score / information, 1e-9 * score * score / information)
        << threads << " threads";
    EXPECT_NEAR(fit->coef[0], 0.5, 0.05);  // the hazard ratio the times were drawn with
  }
}

TEST(Cox, BookDataSet2ByHand) {
  const std::vector<double> start{1, 2, 5, 2, 1, 7, 3, 4, 8, 8};
  const std::vector<double> stop{2, 3, 6, 7, 8, 9, 9, 9, 14, 17};
  const std::vector<int8_t> event{1, 1, 1, 1, 1, 1, 1, 0, 0, 0};
  const std::vector<double> x{1, 0, 0, 1, 0, 1, 1, 1, 0, 0};
  for (CoxTies ties : {CoxTies::kBreslow, CoxTies::kEfron}) {
    // Each death's denominator, split into its x=1 part (a multiple of r) and its x=0 part.
    auto denominators = [ties](double r) {
      std::vector<std::pair<double, double>> d{{r, 1},     {r, 2},     {3 * r, 2},
                                               {3 * r, 1}, {3 * r, 1}, {3 * r, 2}};
      d.push_back(ties == CoxTies::kBreslow ? std::pair{3 * r, 2.0} : std::pair{2 * r, 2.0});
      return d;
    };
    auto loglik = [&](double b) {
      double l = 4 * b;
      for (auto [with_x, without_x] : denominators(std::exp(b)))
        l -= std::log(with_x + without_x);
      return l;
    };
    auto score = [&](double b) {
      double u = 4;
      for (auto [with_x, without_x] : denominators(std::exp(b)))
        u -= with_x / (with_x + without_x);
      return u;
    };
    auto information = [&](double b) {
      double i = 0;
      for (auto [with_x, without_x] : denominators(std::exp(b))) {
        const double q = with_x / (with_x + without_x);
        i += q * (1 - q);
      }
      return i;
    };
    double lo = -5, hi = 5;  // the score decreases in b
    for (int i = 0; i < 200; ++i) {
      const double mid = (lo + hi) / 2;
      (score(mid) > 0 ? lo : hi) = mid;
    }
    CoxOptions options;
    options.ties = ties;
    Result<CoxFit> fit = FitCox({stop, event, x, 1, {}, start}, options);
    ASSERT_TRUE(fit.ok()) << fit.status().message();
    SCOPED_TRACE(ties == CoxTies::kBreslow ? "breslow" : "efron");
    EXPECT_NEAR(fit->coef[0], lo, 1e-8);
    EXPECT_NEAR(fit->loglik_null, loglik(0), 1e-12);
    EXPECT_NEAR(fit->loglik, loglik(lo), 1e-10);
    EXPECT_NEAR(fit->score_test.chisq, score(0) * score(0) / information(0), 1e-12);
    EXPECT_NEAR(fit->std_err(0), 1 / std::sqrt(information(lo)), 1e-8);
  }
}

// survival's tests/doaml.R: on AML (many tied times, Efron), intervals that all start at 0 are the
// right-censored data, so the fit is the same (the counting-process code path against the other).
TEST(Cox, IntervalsFromZeroAreTheRightCensoredFit) {
  const std::vector<double> time{9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161, 5,
                                 5, 8,  8,  12, 16, 23, 27, 30, 33, 43, 45};
  const std::vector<int8_t> event{1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1};
  std::vector<double> maintained(23, 0.0);
  std::fill(maintained.begin(), maintained.begin() + 11, 1.0);
  const std::vector<double> zero(23, 0.0);
  Result<CoxFit> right = FitCox({time, event, maintained, 1, {}}, CoxOptions{});
  Result<CoxFit> intervals = FitCox({time, event, maintained, 1, {}, zero}, CoxOptions{});
  ASSERT_TRUE(right.ok()) << right.status().message();
  ASSERT_TRUE(intervals.ok()) << intervals.status().message();
  EXPECT_NE(right->coef[0], 0);
  EXPECT_NEAR(intervals->coef[0], right->coef[0], 1e-12);
  EXPECT_NEAR(intervals->variance[0], right->variance[0], 1e-12);
  EXPECT_NEAR(intervals->loglik, right->loglik, 1e-12);
  EXPECT_NEAR(intervals->loglik_null, right->loglik_null, 1e-12);
  EXPECT_NEAR(intervals->score_test.chisq, right->score_test.chisq, 1e-12);
  EXPECT_EQ(intervals->iterations, right->iterations);
}

// Every death has x = 1 (times 1, 2, 4; x = 1 also censored at 7, x = 0 censored at 3, 5, 6): each death's
// term r / (r + k) of the likelihood grows with b = log r, so the partial likelihood rises toward its
// supremum without a maximum and the estimate is infinite. Newton's steps stop once the log-likelihood no
// longer moves (R's coxph stops at b = 21.1 and warns that the coefficient may be infinite); data set 1,
// whose estimate is finite, is not flagged.
TEST(Cox, FlagsACoefficientThatMayBeInfinite) {
  const std::vector<double> time{1, 2, 3, 4, 5, 6, 7};
  const std::vector<int8_t> event{1, 1, 0, 1, 0, 0, 0};
  const std::vector<double> x{1, 1, 0, 1, 0, 0, 1};
  Result<CoxFit> fit = FitCox({time, event, x, 1, {}}, CoxOptions{});
  ASSERT_TRUE(fit.ok()) << fit.status().message();
  EXPECT_TRUE(fit->converged);
  EXPECT_GT(fit->coef[0], 10);
  EXPECT_EQ(fit->may_be_infinite, std::vector<bool>{true});
  for (CoxTies ties : {CoxTies::kBreslow, CoxTies::kEfron})
    EXPECT_EQ(Fit(ties).may_be_infinite, std::vector<bool>{false});
}

// Book data set 1 with covariates that add nothing: 2x (collinear with x), x + 3 (the same once centred) and
// a constant. As R (survival's cholesky2 in the columns' order), each is aliased when a column before it
// already spans it, and x's fit is Breslow's by hand above: coefficient log r, score test 1.6, on 1 df.
TEST(Cox, AliasedCovariatesAreLeftAtZeroAsR) {
  const double r = (3 + std::sqrt(33.0)) / 2;
  std::vector<double> twice, shifted;
  for (double x : kX) {
    twice.push_back(2 * x);
    shifted.push_back(x + 3);
  }
  const std::vector<double> constant(kX.size(), 5);
  struct Case {
    std::vector<std::vector<double>> columns;
    std::vector<bool> aliased;
    size_t x_column;
  };
  for (const Case& c :
       {Case{{kX, twice}, {false, true}, 0}, Case{{twice, kX, shifted}, {false, true, true}, 0},
        Case{{constant, kX}, {true, false}, 1}, Case{{kX, constant, shifted}, {false, true, true}, 0}}) {
    std::vector<double> covariates;
    for (const std::vector<double>& column : c.columns)
      covariates.insert(covariates.end(), column.begin(), column.end());
    CoxOptions options;
    options.ties = CoxTies::kBreslow;
    Result<CoxFit> fit =
        FitCox({kTime, kEvent, covariates, static_cast<int32_t>(c.columns.size()), {}}, options);
    ASSERT_TRUE(fit.ok()) << fit.status().message();
    EXPECT_EQ(fit->aliased, c.aliased);
    // The first column is 2x where x comes second: its coefficient is half x's.
    const double x_scale = c.columns[c.x_column] == twice ? 2 : 1;
    EXPECT_NEAR(fit->coef[c.x_column] * x_scale, std::log(r), 1e-9);
    EXPECT_NEAR(fit->score_test.chisq, 1.6, 1e-9);
    for (const ChiSquareTest& test : {fit->lr_test, fit->wald_test, fit->score_test})
      EXPECT_EQ(test.df, 1);
    for (size_t j = 0; j < c.columns.size(); ++j) {
      if (!c.aliased[j]) continue;
      EXPECT_EQ(fit->coef[j], 0);
      EXPECT_EQ(fit->std_err(j), 0);
    }
  }
}

TEST(Cox, NoCovariateToEstimateIsAnError) {
  const std::vector<double> constant(kX.size(), 5);
  Result<CoxFit> fit = FitCox({kTime, kEvent, constant, 1, {}}, CoxOptions{});
  ASSERT_FALSE(fit.ok());
  EXPECT_EQ(fit.status().message(),
            "no covariate can be estimated: none varies among the rows at risk at the event times");
}

// The only death dies alone in its risk set, so x has no variation where it matters and cannot be estimated
// (R: coefficient NA, variance 0). From the sums, its variance there is (r x² − ((r x)/r) r x) / r with
// r = 0.7 and x = -1.4 less the weighted mean 0.3294...: 3.2e-16 in doubles, not 0, which a fit would take
// for information (a coefficient with SE 5e7).
TEST(Cox, ARowDyingAloneAddsNoInformation) {
  const std::vector<double> time{1, 2}, x{1.2, -1.4}, weights{1, 0.7};
  const std::vector<int8_t> event{0, 1};
  const double r = 0.7, centred = -1.4 - (1.2 + 0.7 * -1.4) / 1.7;
  ASSERT_NE((r * centred * centred - (r * centred) / r * (r * centred)) / r, 0.0);
  Result<CoxFit> fit = FitCox({time, event, x, 1, {}, {}, {}, weights}, CoxOptions{});
  ASSERT_FALSE(fit.ok());
  EXPECT_EQ(fit.status().message(),
            "no covariate can be estimated: none varies among the rows at risk at the event times");
}

// Five (start, stop] rows with fractional weights, every one an event (found by tests/r/differential_check.R,
// seed 2): x2 is aliased and x1 stays at 0, and the robust variance is 0 — its rows' score residuals vanish.
// R: coefficient 0, robust variance 0, its Wald test 0/0 = NaN and its robust score test 0 (a 2 x 2 zero
// matrix through coxph.wtest's Cholesky). A variance of 0 gives no test: prrt's are NaN, both.
TEST(Cox, ARobustVarianceOfZeroGivesNoTest) {
  const std::vector<double> start{2.6, 0, 6.6, 0.3, 0.5}, stop{5, 0.25, 11, 1, 1};
  const std::vector<double> x{-0.6, 0.3, 0.9, 1.5, 0.6, 0, 1, 1, 0, 0}, weights{1.41, 0.71, 0.9, 0.86, 0.85};
  const std::vector<int8_t> event{1, 1, 1, 1, 1};
  CoxOptions options;
  options.ties = CoxTies::kBreslow;
  Result<CoxFit> fit = FitCox({stop, event, x, 2, {}, start, {}, weights}, options);
  ASSERT_TRUE(fit.ok()) << fit.status().message();
  EXPECT_EQ(fit->coef[0], 0);
  EXPECT_TRUE(fit->aliased[1]);
  EXPECT_EQ(fit->robust_std_err(0), 0);
  EXPECT_TRUE(std::isnan(fit->wald_test.chisq));
  ASSERT_TRUE(fit->robust_score_test.has_value());
  EXPECT_TRUE(std::isnan(fit->robust_score_test->chisq));
  EXPECT_EQ(fit->lr_test.chisq, 0);
}

// Everyone at risk dies at each death time (differential check, seed 126, data set 20: (start, stop] rows,
// fractional weights, Breslow's ties): each risk set's mean is its deaths', so the score is 0 at beta = 0 and
// so is every row's score residual, in exact arithmetic. prrt's sums left them 1e-16, a robust SE of 4.1e-16
// and z = 1.54 (p 0.12) with a Wald and a robust score test of that noise. R (survival 3.5-3): coefficient 0,
// SE 2.208784 (variance 4.878724878724876), robust SE 0, z NaN, Wald and robust score tests NaN, score and
// dfbeta residuals 0.
TEST(Cox, ScoreResidualsThatAreRoundingOfZeroGiveNoRobustTest) {
  const std::vector<double> start{13.8, 0.7, 18.6, 2, 22.1}, stop{16, 3, 25, 3, 25};
  const std::vector<double> x{0.9, 0.3, 0.7, 0.3, 1.2}, weights{0.61, 1.75, 2.22, 1.73, 1.3};
  const std::vector<int8_t> event{1, 1, 1, 1, 1};
  const CoxData data{stop, event, x, 1, {}, start, {}, weights};
  CoxOptions options;
  options.ties = CoxTies::kBreslow;
  Result<CoxFit> fit = FitCox(data, options);
  ASSERT_TRUE(fit.ok()) << fit.status().message();
  EXPECT_NEAR(fit->coef[0], 0, 1e-12);
  EXPECT_NEAR(fit->variance[0], 4.878724878724876, 1e-12);
  EXPECT_EQ(fit->robust_std_err(0), 0);
  EXPECT_TRUE(std::isnan(fit->wald_test.chisq));
  ASSERT_TRUE(fit->robust_score_test.has_value());
  EXPECT_TRUE(std::isnan(fit->robust_score_test->chisq));
  const CoxCoefficient coefficient = fit->Coefficient(0);
  EXPECT_TRUE(std::isnan(coefficient.z));
  EXPECT_TRUE(std::isnan(coefficient.p));
  Result<CoxResiduals> residuals = ComputeCoxResiduals(data, *fit, options);
  ASSERT_TRUE(residuals.ok()) << residuals.status().message();
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(residuals->score[i], 0) << i;
    EXPECT_EQ(residuals->dfbeta[i], 0) << i;
  }
}

// Twelve (start, stop] rows (found by tests/r/differential_check.R, seed 32, data set 71) whose x heads for
// -infinity: at beta = -13.7 the row (6.3, 7.8] with x = -2.6, which holds no death time, has a risk near
// e^30, and rows (10.2, 19.6] and (10.5, 18.4] about e^27 and e^31, beside the 1e-3 of the two rows at risk
// at the death at 9.2. Added to the risk-set sums and taken out again they left only their rounding there
// (log-likelihood -0.8325 at iteration 5, where it is -0.81496). As R's agfit4: a row holding no death time
// takes no part, and at each death time the leaving rows leave before those ending later join, so the sums
// restart from zeros. The log-likelihood is checked at each iteration against the partial likelihood summed
// by hand, one risk set at a time; R (survival 3.5-3) coxph(Surv(start, stop, event) ~ x, ties =
// "breslow", iter.max = k): beta -13.6845652589 at k = 5, -89.6576901329 at k = 20 (log-likelihood
// -0.693147213178293, ran out of iterations).
TEST(Cox, RowsLeavingTheRiskSetLeaveNoRounding) {
  const std::vector<double> start{3.5, 6.3, 10.2, 1.4, 19.5, 1.4, 0.7, 0.7, 1.8, 3.9, 0.1, 10.5};
  const std::vector<double> stop{9.2, 7.8, 19.6, 3.6, 23.2, 5.8, 5.8, 3.2, 5.4, 5, 15.8, 18.4};
  const std::vector<double> x{0.1, -2.6, 0.5, 0.3, -0.9, -0.1, 1.5, 0.5, -0.7, -1.4, 0.1, -2.3};
  const std::vector<int8_t> event{1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1};
  auto partial_loglik = [&](double beta) {
    double loglik = 0;
    for (size_t i = 0; i < stop.size(); ++i) {
      if (event[i] != 1) continue;
      double risk = 0;
      for (size_t j = 0; j < stop.size(); ++j) {
        if (start[j] < stop[i] && stop[i] <= stop[j]) risk += std::exp(beta * (x[j] - x[i]));
      }
      loglik -= std::log(risk);
    }
    return loglik;
  };
  CoxOptions options;
  options.ties = CoxTies::kBreslow;
  for (const auto& [iterations, r_beta] : {std::pair{5, -13.6845652589}, std::pair{20, -89.6576901329}}) {
    options.max_iterations = iterations;
    Result<CoxFit> fit = FitCox({stop, event, x, 1, {}, start}, options);
    ASSERT_TRUE(fit.ok()) << fit.status().message();
    EXPECT_NEAR(fit->coef[0], r_beta, 1e-8 * std::fabs(r_beta)) << iterations;
    EXPECT_NEAR(fit->loglik, partial_loglik(fit->coef[0]), 1e-12) << iterations;
  }
}

// Six rows whose x, in the thousands, heads for +infinity (the deaths have the largest x at risk). From
// 0.6474, Newton's step to 0.7474 puts the first death's risk at e^755, which overflows, and is halved to
// 0.6974, where the risk is e^704: finite, but times the centred x squared (about 10^6) the risk-weighted sum
// of squares is not. R's coxfit6 sums the squares of covariates rescaled to a mean absolute deviation of 1
// (here (x - 1990) / 1327), which stay finite, and takes the step; summed unscaled, prrt's information
// overflowed, the step was halved again and the fit parted from R's. R (survival 3.5-3):
// coxph(Surv(time, status) ~ x, iter.max = k): beta 0.647433526449 at k = 14, 0.697407844721 at k = 15 and
// 0.701573212443 at k = 20 (log-likelihood -0.0026933480282878, ran out of iterations). The log-likelihood
// is also checked against the partial likelihood summed by hand.
TEST(Cox, StepsAsRWhereUnscaledSumsOfSquaresOverflow) {
  const std::vector<double> time{1, 2, 3, 4, 5, 6}, x{3000, 2990, 2980, 0, 2970, 0};
  const std::vector<int8_t> event{1, 1, 1, 0, 1, 0};
  auto partial_loglik = [&](double beta) {
    double loglik = 0;
    for (size_t i = 0; i < time.size(); ++i) {
      if (event[i] != 1) continue;
      double risk = 0;
      for (size_t j = i; j < time.size(); ++j)
        risk += std::exp(beta * (x[j] - x[i]));
      loglik -= std::log(risk);
    }
    return loglik;
  };
  CoxOptions options;
  for (const auto& [iterations, r_beta] :
       {std::pair{14, 0.647433526449}, std::pair{15, 0.697407844721}, std::pair{20, 0.701573212443}}) {
    options.max_iterations = iterations;
    Result<CoxFit> fit = FitCox({time, event, x, 1, {}}, options);
    ASSERT_TRUE(fit.ok()) << fit.status().message();
    EXPECT_FALSE(fit->converged);
    EXPECT_NEAR(fit->coef[0], r_beta, 1e-8 * r_beta) << iterations;
    EXPECT_NEAR(fit->loglik, partial_loglik(fit->coef[0]), 1e-12) << iterations;
  }
}

// Four rows with case weights 1, 2, 2, 3 (found by fuzz/stats_fuzzer), whose x heads for infinity: out of
// iterations at beta = 104, the risk-weighted sum of squares less the squared mean, summed on x's own scale,
// cancelled to nothing for the eight copied rows, and prrt refused them ("no covariate can be estimated")
// where it fitted the weighted rows. On R's rescaled covariates both fit as R's. R (survival 3.5-3):
// coxph(Surv(time, status) ~ x, ties = "breslow", timefix = FALSE), the copied rows: beta 104.128436163778,
// SE 189.092920488037, log-likelihood -6.25005886189808 (ran out of iterations); weights = w: beta
// 104.128436164591, SE 189.092920496275, log-likelihood -6.25005887346788.
TEST(Cox, CopiesOfRowsHeadingForInfinityFitAsTheirWeights) {
  const std::vector<double> time{0, 1.000000001, 0, 0}, weights{1, 2, 2, 3};
  const std::vector<double> x{4.46731746196747, -4.99999996733025, 4.49014066952259, 4.49019607843134};
  const std::vector<int8_t> event{0, 1, 0, 1};
  std::vector<double> copied_time, copied_x;
  std::vector<int8_t> copied_event;
  for (size_t i = 0; i < time.size(); ++i) {
    for (int copy = 0; copy < static_cast<int>(weights[i]); ++copy) {
      copied_time.push_back(time[i]);
      copied_x.push_back(x[i]);
      copied_event.push_back(event[i]);
    }
  }
  CoxOptions options;
  options.ties = CoxTies::kBreslow;
  options.timefix = false;
  Result<CoxFit> weighted = FitCox({time, event, x, 1, {}, {}, {}, weights}, options);
  Result<CoxFit> copies = FitCox({copied_time, copied_event, copied_x, 1, {}}, options);
  ASSERT_TRUE(weighted.ok()) << weighted.status().message();
  ASSERT_TRUE(copies.ok()) << copies.status().message();
  for (const auto& [fit, r_beta, r_se, r_loglik] :
       {std::tuple{&*weighted, 104.128436164591, 189.092920496275, -6.25005887346788},
        std::tuple{&*copies, 104.128436163778, 189.092920488037, -6.25005886189808}}) {
    EXPECT_FALSE(fit->converged);
    EXPECT_NEAR(fit->coef[0], r_beta, 1e-8 * r_beta);
    EXPECT_NEAR(fit->std_err(0), r_se, 1e-6 * r_se);
    // Out of iterations the log-likelihood still climbs, by about 14 per unit of beta (R's two fits: 1.2e-8
    // apart where their betas are 8e-10 apart), so a beta 1.2e-8 from R's moves it by about 1.7e-7.
    EXPECT_NEAR(fit->loglik, r_loglik, 1e-6);
  }
}

// A row censored before the first death with x = 3000, far from the others (1 to 8): at beta = 0.3427 its
// x beta, centred on the mean, is 912, and its risk overflows a double. It is at risk at no death time, so
// the fit is untouched, but its residuals were NaN (infinity times a hazard of 0), where R's coxph.fit shifts
// every x beta down by the same amount, the largest to log(DBL_MAX) - 1, and gives 0. R (survival 3.5-3):
// coefficient 0.342721737493519, residual 0 for that row and for the others martingale 0.689844340362655,
// 0.807111352149487, ... (the sums by hand below give the rest, one risk set at a time, each risk taken
// relative to a row of the set, so that none overflows).
TEST(Cox, ResidualsOfARiskBeyondADouble) {
  const std::vector<double> time{0.5, 1, 2, 3, 4, 5, 6, 7, 8}, x{3000, 8, 4, 7, 6, 1, 5, 3, 2};
  const std::vector<int8_t> event{0, 1, 1, 0, 1, 1, 0, 1, 0};
  const CoxOptions options;
  const CoxData data{time, event, x, 1, {}};
  Result<CoxFit> fit = FitCox(data, options);
  ASSERT_TRUE(fit.ok()) << fit.status().message();
  const double beta = fit->coef[0];
  EXPECT_NEAR(beta, 0.342721737493519, 1e-12);
  Result<CoxResiduals> residuals = ComputeCoxResiduals(data, *fit, options);
  ASSERT_TRUE(residuals.ok()) << residuals.status().message();
  const size_t n = time.size();
  std::vector<double> martingale(event.begin(), event.end()), score(n, 0);
  for (size_t k = 0; k < n; ++k) {  // the deaths, no two at one time
    if (event[k] != 1) continue;
    double sum = 0, x_sum = 0;  // over the risk set, risks relative to row k's
    for (size_t j = k; j < n; ++j) {
      sum += std::exp(beta * (x[j] - x[k]));
      x_sum += x[j] * std::exp(beta * (x[j] - x[k]));
    }
    const double mean = x_sum / sum;
    score[k] += x[k] - mean;
    for (size_t i = k; i < n; ++i) {
      const double expected = std::exp(beta * (x[i] - x[k])) / sum;  // row i's share of the death
      martingale[i] -= expected;
      score[i] -= expected * (x[i] - mean);
    }
  }
  EXPECT_EQ(residuals->martingale[0], 0);
  EXPECT_EQ(residuals->score[0], 0);
  EXPECT_NEAR(residuals->martingale[1], 0.689844340362655, 1e-12);
  EXPECT_NEAR(residuals->martingale[2], 0.807111352149487, 1e-12);
  for (size_t i = 0; i < n; ++i) {
    EXPECT_NEAR(residuals->martingale[i], martingale[i], 1e-13) << i;
    EXPECT_NEAR(residuals->score[i], score[i], 1e-12) << i;
  }
}

// A covariate that drifts with time: twelve patients followed in intervals (k, k + 1], k = 0, 1, ..., with
// x = drift k + a value of their own. Everyone at risk at a death time is in the same interval, so the drift
// is common to the risk set and cancels from the partial likelihood: the fit, its residuals and its robust
// variance are those of x without the drift. With a drift of 1000, x beta moves by about 1000 from one death
// time to the next, beyond what exp holds, and prrt (which held the risks as exp(x beta)) ran out of
// iterations at beta = 0.352 where R's agfit4, which holds them relative to the risk set's mean x beta,
// converges. With a drift of 50 the centre stays while the hazards per unit of its risk fall by e^50 from one
// death time to the next, and summed over the times they lost the later ones to rounding (a residual 0 where
// it is -0.021). R (survival 3.5-3), coxph(Surv(start, stop, event) ~ x + cluster(row)): with the drift of
// 1000 beta 0.990030547169232, SE 0.414717704656689, log-likelihoods -14.3524248924926 and -11.0573484688597
// in 3 iterations; without a drift beta 0.990030547169203, SE 0.414717704502452, robust SE 0.334279582826153
// and the residuals below. (With the drift R's own residuals are NaN for some rows and its robust variance
// NaN: it shifts x beta by one amount for all rows.)
TEST(Cox, CovariateDriftingWithTimeFitsAsWithoutTheDrift) {
  const std::vector<double> own{0.3, -1.2, 0.8, 1.5, -0.4, 0.0, 2.1, -0.9, 1.1, -1.6, 0.5, -0.2};
  const std::vector<int> intervals{2, 4, 1, 1, 3, 4, 2, 3, 3, 4, 2, 1};
  const std::vector<int8_t> died{1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 0, 1};
  const std::vector<double> r_martingale{
      -0.189388276944965,  0.862011769397457,  -0.0428949225020039, -0.0440860690228796, -0.054778309953811,
      -0.201872066990478,  0.800868839528748,  0.601787776327221,   -0.0947060515115968, -0.0973359381551417,
      -0.12094292614613,   -0.14072253558706,  -0.14463025120691,   -0.179707578945132,  0.337731659737261,
      -1.12535550367987,   0.1800663839571,    -0.0577291720082488, -0.059332249910708,  -0.0737221632116712,
      -0.418143100997664,  -0.429754491598925, 0.466016697187699,   -0.0288682173264812, -0.0296698571156827,
      -0.0368657189309547, -0.135859592746783, -0.230858597837612,  -0.23726929634431,   0.926009762539537};
  const std::vector<double> r_score{
      0.167411882663325,  -0.670113457398758, 0.102259829587548, 0.0996537503466784, 0.0847932847741911,
      0.14946167177812,   -0.307425061296879, 0.189639988599675, 0.150010708053761,  0.142152936499926,
      0.0904574950594141, 0.166610017723557,  0.153371167155698, 0.0625266271970891, 0.155228843086502,
      -1.03086934016823,  0.201798902656481,  0.120305352777664, 0.116317095951405,  0.0920004967580003,
      0.0351077835252402, -0.017002681648717, 0.350474663988015, 0.0803679960521521, 0.0789347646192326,
      0.0718120387128158, 0.154931313918805,  0.157898316426527, 0.132974324410472,  -1.28109071102904};
  for (const double drift : {0.0, 50.0, 1000.0}) {
    std::vector<double> start, stop, x;
    std::vector<int8_t> event;
    for (size_t i = 0; i < own.size(); ++i) {
      for (int k = 0; k < intervals[i]; ++k) {
        start.push_back(k);
        stop.push_back(k + 1);
        event.push_back(died[i] == 1 && k == intervals[i] - 1 ? 1 : 0);
        x.push_back(drift * k + own[i]);
      }
    }
    CoxOptions options;
    options.robust = true;
    const CoxData data{stop, event, x, 1, {}, start};
    Result<CoxFit> fit = FitCox(data, options);
    ASSERT_TRUE(fit.ok()) << fit.status().message();
    EXPECT_TRUE(fit->converged) << drift;
    EXPECT_EQ(fit->iterations, 3) << drift;
    EXPECT_NEAR(fit->coef[0], 0.990030547169232, 1e-9) << drift;
    EXPECT_NEAR(fit->std_err(0), 0.414717704656689, 1e-9) << drift;
    EXPECT_NEAR(fit->loglik_null, -14.3524248924926, 1e-9) << drift;
    EXPECT_NEAR(fit->loglik, -11.0573484688597, 1e-9) << drift;
    EXPECT_NEAR(fit->robust_std_err(0), 0.334279582826153, 1e-9) << drift;
    Result<CoxResiduals> residuals = ComputeCoxResiduals(data, *fit, options);
    ASSERT_TRUE(residuals.ok()) << residuals.status().message();
    ASSERT_EQ(residuals->martingale.size(), r_martingale.size());
    for (size_t i = 0; i < r_martingale.size(); ++i) {
      EXPECT_NEAR(residuals->martingale[i], r_martingale[i], 1e-9) << drift << " " << i;
      EXPECT_NEAR(residuals->score[i], r_score[i], 1e-9) << drift << " " << i;
    }
  }
}

// A row whose interval holds no death time of its stratum changes nothing, not even where it is its stratum's
// only row (found by tests/r/differential_check.R, seed 5: its stratum's centre was 0 / 0, and its residuals
// and the robust variance NaN). The fit with it is the fit without it, and its residuals are 0.
TEST(Cox, ARowHoldingNoDeathTimeChangesNothing) {
  const std::vector<double> start{9.1, 1, 1.1, 2.2, 12}, stop{18, 3, 4, 2.5, 45.5};
  const std::vector<double> x{0.4, 0.7, -1.9, 0.1, -0.3}, weights{1.24, 1.47, 2.62, 0.52, 2.03};
  const std::vector<int8_t> event{0, 1, 1, 1, 1};
  const std::vector<int32_t> strata{1, 0, 0, 0, 0};
  CoxOptions options;
  options.robust = true;
  Result<CoxFit> with_row = FitCox({stop, event, x, 1, strata, start, {}, weights}, options);
  auto without_first = [](const auto& v) { return std::vector(v.begin() + 1, v.end()); };
  const std::vector<double> start4 = without_first(start), stop4 = without_first(stop), x4 = without_first(x),
                            weights4 = without_first(weights);
  const std::vector<int8_t> event4 = without_first(event);
  const std::vector<int32_t> strata4(4, 0);
  Result<CoxFit> without_row = FitCox({stop4, event4, x4, 1, strata4, start4, {}, weights4}, options);
  ASSERT_TRUE(with_row.ok()) << with_row.status().message();
  ASSERT_TRUE(without_row.ok()) << without_row.status().message();
  EXPECT_NEAR(with_row->coef[0], without_row->coef[0], 1e-12);
  EXPECT_NEAR(with_row->loglik, without_row->loglik, 1e-12);
  EXPECT_NEAR(with_row->std_err(0), without_row->std_err(0), 1e-12);
  EXPECT_NEAR(with_row->robust_std_err(0), without_row->robust_std_err(0), 1e-12);
  Result<CoxResiduals> residuals =
      ComputeCoxResiduals({stop, event, x, 1, strata, start, {}, weights}, *with_row, options);
  ASSERT_TRUE(residuals.ok()) << residuals.status().message();
  EXPECT_EQ(residuals->martingale[0], 0);
  EXPECT_EQ(residuals->score[0], 0);
}

// R's coxph(iter.max = 0): beta stays at 0, where the information is 0.625 (above), so the variance is 1.6;
// the log-likelihood is the null one, -log 6 - 2 log 4, and the score test 1.6 as in the full fit.
TEST(Cox, NoIterationsLeaveBetaAtZero) {
  CoxOptions options;
  options.ties = CoxTies::kBreslow;
  options.max_iterations = 0;
  Result<CoxFit> fit = FitCox({kTime, kEvent, kX, 1, {}}, options);
  ASSERT_TRUE(fit.ok()) << fit.status().message();
  EXPECT_EQ(fit->iterations, 0);
  EXPECT_EQ(fit->coef[0], 0);
  EXPECT_NEAR(fit->variance[0], 1.6, 1e-12);
  EXPECT_NEAR(fit->loglik, -std::log(6.0) - 2 * std::log(4.0), 1e-12);
  EXPECT_EQ(fit->loglik, fit->loglik_null);
  EXPECT_NEAR(fit->score_test.chisq, 1.6, 1e-12);
  EXPECT_EQ(fit->wald_test.chisq, 0);
  EXPECT_EQ(fit->lr_test.chisq, 0);
}

// The robust variance at beta = 0 (no iterations), by hand. Times 1, 2, 3+, 4 with x = 1, 0, 1, 0, Breslow:
// the death times 1, 2, 4 have risk sets of 4, 3 and 1 rows, covariate means 1/2, 1/3, 0 and hazard
// increments 1/4, 1/3, 1. A row's score residual is its x less the mean if it dies, less x times its
// cumulative hazard, plus Σ mean x hazard increment over the times it is at risk:
//   row 1: (1 - 1/2) - (1/4 - 1/8)                       =  27/72
//   row 2: (0 - 1/3) + (1/8 + 1/9)                       =  -7/72
//   row 3:           - (1/4 + 1/3) + (1/8 + 1/9)         = -25/72
//   row 4: (0 - 0)   + (1/8 + 1/9 + 0)                   =  17/72
// They sum to the score U(0) = 1/2 - 1/3 = 1/6. I(0) = 1/4 + 2/9 = 17/36, V = 36/17. Each row its own
// cluster: V^2 Σ L^2 = (36/17)^2 · 1692/5184 = 423/289; clusters {1, 2} and {3, 4}: V^2 ((20/72)^2 +
// (8/72)^2) = 116/289. The robust score tests: U^2 / Σ L^2 = 144/1692 and 144/464.
TEST(Cox, RobustVarianceByHand) {
  const std::vector<double> time{1, 2, 3, 4};
  const std::vector<int8_t> event{1, 1, 0, 1};
  const std::vector<double> x{1, 0, 1, 0};
  const std::vector<int32_t> pairs{7, 7, 3, 3};  // any codes
  CoxOptions options;
  options.ties = CoxTies::kBreslow;
  options.max_iterations = 0;
  options.robust = true;
  Result<CoxFit> each = FitCox({time, event, x, 1, {}}, options);
  ASSERT_TRUE(each.ok()) << each.status().message();
  EXPECT_NEAR(each->variance[0], 36.0 / 17, 1e-12);
  EXPECT_NEAR(each->robust_variance[0], 423.0 / 289, 1e-12);
  EXPECT_NEAR(each->robust_std_err(0), std::sqrt(423.0 / 289), 1e-12);
  EXPECT_EQ(each->clusters, 4);
  ASSERT_TRUE(each->robust_score_test.has_value());
  EXPECT_NEAR(each->robust_score_test->chisq, 144.0 / 1692, 1e-12);
  EXPECT_EQ(each->robust_score_test->df, 1);
  EXPECT_EQ(each->wald_test.chisq, 0);  // beta = 0

  options.robust = false;  // clusters imply it
  Result<CoxFit> paired = FitCox({time, event, x, 1, {}, {}, pairs}, options);
  ASSERT_TRUE(paired.ok()) << paired.status().message();
  EXPECT_NEAR(paired->robust_variance[0], 116.0 / 289, 1e-12);
  EXPECT_EQ(paired->clusters, 2);
  EXPECT_NEAR(paired->robust_score_test->chisq, 144.0 / 464, 1e-12);
  EXPECT_NEAR(paired->variance[0], 36.0 / 17, 1e-12);  // the naive variance stays

  Result<CoxFit> plain = FitCox({time, event, x, 1, {}}, options);
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain->robust_variance.empty());
  EXPECT_FALSE(plain->robust_score_test.has_value());
}

// Efron's ties by hand at beta = 0: A and B die at 1 (x = 1, 0), C is censored at 2 (x = 1). The two steps
// of time 1 have denominators 3 and 3 - 2/2 = 2 and means 2/3 and (2 - 1/2)/2 = 3/4. C is at risk through
// both: hazard 1/3 + 1/2, Σ mean/denominator 2/9 + 3/8 = 43/72, so L_C = 43/72 - 5/6 = -34/144. A dying row
// is at risk for the second step only half: hazard 1/3 + 1/4 = 7/12, Σ 2/9 + 3/16 = 59/144, and is compared
// with the average mean 17/24: L_A = 1 - 17/24 + 59/144 - 7/12 = 17/144, L_B = -17/24 + 59/144 = -43/144.
// They sum to U(0) = 1 - 17/12 = -5/12. I(0) = (2/3 - 4/9) + (3/4 - 9/16) = 59/144, so the robust variance is
// (144/59)^2 (17^2 + 43^2 + 34^2)/144^2 = 3294/3481, and the robust score test (5/12)^2 144^2/3294 =
// 3600/3294.
TEST(Cox, RobustVarianceWithEfronTiesByHand) {
  const std::vector<double> time{1, 1, 2};
  const std::vector<int8_t> event{1, 1, 0};
  const std::vector<double> x{1, 0, 1};
  CoxOptions options;
  options.max_iterations = 0;
  options.robust = true;
  Result<CoxFit> fit = FitCox({time, event, x, 1, {}}, options);
  ASSERT_TRUE(fit.ok()) << fit.status().message();
  EXPECT_NEAR(fit->variance[0], 144.0 / 59, 1e-12);
  EXPECT_NEAR(fit->robust_variance[0], 3294.0 / 3481, 1e-12);
  EXPECT_NEAR(fit->robust_score_test->chisq, 3600.0 / 3294, 1e-12);
}

TEST(Cox, RobustVarianceNeedsMoreClustersThanCoefficients) {
  const std::vector<int32_t> one_cluster(kTime.size(), 0);
  Result<CoxFit> fit = FitCox({kTime, kEvent, kX, 1, {}, {}, one_cluster}, CoxOptions{});
  ASSERT_FALSE(fit.ok());
  EXPECT_EQ(fit.status().message(),
            "the robust variance needs more clusters than coefficients; found 1 cluster for 1 coefficient");
  const std::vector<int32_t> too_few(3, 0);
  EXPECT_FALSE(FitCox({kTime, kEvent, kX, 1, {}, {}, too_few}, CoxOptions{}).ok());
}

// Counting-process data (start, stop]: a subject cut into consecutive intervals with the same covariate is
// the same subject, so splitting data set 1's rows must leave every number of the fit unchanged. Subject 6 is
// cut exactly at the death time 6: its row (0, 6] is at risk then, the row (6, 9] is not.
TEST(Cox, SplittingRowsIntoIntervalsChangesNothing) {
  //                                subject 1  | 2 | subject 3 | subject 4 | 5 | subject 6
  const std::vector<double> start{0, 0.5, /**/ 0, 0, 2, /*****/ 0, 3, /****/ 0, 0, 6};
  const std::vector<double> stop{0.5, 1, /***/ 1, 2, 6, /*****/ 3, 6, /****/ 8, 6, 9};
  const std::vector<int8_t> event{0, 1, /***/ 0, 0, 1, /*****/ 0, 1, /****/ 0, 0, 1};
  const std::vector<double> x{1, 1, /******/ 1, 1, 1, /*****/ 0, 0, /****/ 0, 0, 0};
  for (CoxTies ties : {CoxTies::kEfron, CoxTies::kBreslow}) {
    CoxOptions options;
    options.ties = ties;
    Result<CoxFit> split = FitCox({stop, event, x, 1, {}, start}, options);
    ASSERT_TRUE(split.ok()) << split.status().message();
    const CoxFit whole = Fit(ties);
    EXPECT_EQ(split->events, 4);
    EXPECT_NEAR(split->coef[0], whole.coef[0], 1e-12);
    EXPECT_NEAR(split->loglik, whole.loglik, 1e-12);
    EXPECT_NEAR(split->loglik_null, whole.loglik_null, 1e-12);
    EXPECT_NEAR(split->std_err(0), whole.std_err(0), 1e-12);
    EXPECT_NEAR(split->score_test.chisq, whole.score_test.chisq, 1e-12);
  }
}

// A subject's score residual is the sum of its intervals' (each interval is exposed to the hazard of its own
// times), so the split data clustered by subject has the robust variance of the whole rows, each its own.
TEST(Cox, SplitRowsClusteredBySubjectHaveTheWholeRowsRobustVariance) {
  const std::vector<double> start{0, 0.5, 0, 0, 2, 0, 3, 0, 0, 6};
  const std::vector<double> stop{0.5, 1, 1, 2, 6, 3, 6, 8, 6, 9};
  const std::vector<int8_t> event{0, 1, 0, 0, 1, 0, 1, 0, 0, 1};
  const std::vector<double> x{1, 1, 1, 1, 1, 0, 0, 0, 0, 0};
  const std::vector<int32_t> subject{1, 1, 2, 3, 3, 4, 4, 5, 6, 6};
  for (CoxTies ties : {CoxTies::kEfron, CoxTies::kBreslow}) {
    CoxOptions options;
    options.ties = ties;
    Result<CoxFit> split = FitCox({stop, event, x, 1, {}, start, subject}, options);
    ASSERT_TRUE(split.ok()) << split.status().message();
    options.robust = true;
    Result<CoxFit> whole = FitCox({kTime, kEvent, kX, 1, {}}, options);
    ASSERT_TRUE(whole.ok()) << whole.status().message();
    EXPECT_EQ(split->clusters, 6);
    EXPECT_NEAR(split->robust_variance[0], whole->robust_variance[0], 1e-12);
    EXPECT_NEAR(split->robust_score_test->chisq, whole->robust_score_test->chisq, 1e-12);
    EXPECT_NEAR(split->wald_test.chisq, whole->wald_test.chisq, 1e-10);
    // Without the clusters the intervals would count as independent: a different (wrong) variance.
    options.robust = true;
    Result<CoxFit> unclustered = FitCox({stop, event, x, 1, {}, start}, options);
    ASSERT_TRUE(unclustered.ok());
    EXPECT_GT(std::fabs(unclustered->robust_variance[0] - whole->robust_variance[0]), 1e-3);
  }
}

// Residuals on data set 2 (survival's book3.R and book4.R), from the book's table of who is at risk at each
// death time: 2 {1, 5}, 3 {2, 4, 5}, 6 {3, 4, 5, 7, 8}, 7 and 8 {4, 5, 7, 8} and {5, 6, 7, 8}, 9 {6, 7, 8, 9,
// 10} (rows numbered from 1; rows 6 and 7 die at 9). Each death time is a step with a hazard (deaths over
// the risk-weighted count) and a risk-weighted mean of x; Efron splits time 9 into two steps, with
// denominators 3r + 2 and 2r + 2 and means 3r/(3r + 2) and r/(r + 1), each death counting half in each and
// being at risk in the second for half. Then dM = (observed share) - risk x exposure x hazard, the
// martingale residual is Σ dM and the score residual Σ dM (x - mean), over the steps. At b = 0 and at the
// fit; the same data three times over as strata (times shifted) give each residual three times.
TEST(Cox, ResidualsOnBookDataSet2ByHand) {
  const std::vector<double> start{1, 2, 5, 2, 1, 7, 3, 4, 8, 8};
  const std::vector<double> stop{2, 3, 6, 7, 8, 9, 9, 9, 14, 17};
  const std::vector<int8_t> event{1, 1, 1, 1, 1, 1, 1, 0, 0, 0};
  const std::vector<double> x{1, 0, 0, 1, 0, 1, 1, 1, 0, 0};
  struct Step {
    double deaths;              // the step's share of the deaths at its time
    double x_risk, other_risk;  // the risk-weighted count: x_risk r + other_risk
    std::vector<int> at_risk;   // rows, from 1
    std::vector<int> dying;     // rows dying at the step's time
    double dying_exposure = 1;  // how much of the step the dying rows are at risk for
  };
  for (CoxTies ties : {CoxTies::kBreslow, CoxTies::kEfron}) {
    std::vector<Step> steps{{1, 1, 1, {1, 5}, {1}},
                            {1, 1, 2, {2, 4, 5}, {2}},
                            {1, 3, 2, {3, 4, 5, 7, 8}, {3}},
                            {1, 3, 1, {4, 5, 7, 8}, {4}},
                            {1, 3, 1, {5, 6, 7, 8}, {5}}};
    const std::vector<int> at_nine{6, 7, 8, 9, 10};
    if (ties == CoxTies::kBreslow) {
      steps.push_back({2, 3, 2, at_nine, {6, 7}});
    } else {
      steps.push_back({1, 3, 2, at_nine, {6, 7}});
      steps.push_back({1, 2, 2, at_nine, {6, 7}, 0.5});
    }
    for (int iterations : {0, 20}) {
      CoxOptions options;
      options.ties = ties;
      options.max_iterations = iterations;
      const CoxData data{stop, event, x, 1, {}, start};
      Result<CoxFit> fit = FitCox(data, options);
      ASSERT_TRUE(fit.ok()) << fit.status().message();
      Result<CoxResiduals> residuals = ComputeCoxResiduals(data, *fit, options);
      ASSERT_TRUE(residuals.ok()) << residuals.status().message();
      const double r = std::exp(fit->coef[0]);
      std::vector<double> martingale(10, 0), score(10, 0);
      for (const Step& step : steps) {
        const double denominator = step.x_risk * r + step.other_risk;
        const double hazard = step.deaths / denominator, mean = step.x_risk * r / denominator;
        const double share = step.deaths / static_cast<double>(step.dying.size());
        for (int row : step.at_risk) {
          const size_t i = static_cast<size_t>(row - 1);
          const bool dies = std::find(step.dying.begin(), step.dying.end(), row) != step.dying.end();
          const double risk = x[i] == 1 ? r : 1;
          const double d_m = (dies ? share : 0) - risk * (dies ? step.dying_exposure : 1) * hazard;
          martingale[i] += d_m;
          score[i] += d_m * (x[i] - mean);
        }
      }
      for (size_t i = 0; i < 10; ++i) {
        EXPECT_NEAR(residuals->martingale[i], martingale[i], 1e-14) << i;
        EXPECT_NEAR(residuals->score[i], score[i], 1e-14) << i;
      }

      // book3.R's strata: the data three times, shifted by 1, 2 and 3, in strata 1, 2 and 3.
      std::vector<double> start3, stop3, x3;
      std::vector<int8_t> event3;
      std::vector<int32_t> stratum3;
      for (int32_t g = 1; g <= 3; ++g) {
        for (size_t i = 0; i < 10; ++i) {
          start3.push_back(start[i] + g);
          stop3.push_back(stop[i] + g);
          event3.push_back(event[i]);
          x3.push_back(x[i]);
          stratum3.push_back(g - 1);
        }
      }
      const CoxData tripled{stop3, event3, x3, 1, stratum3, start3};
      Result<CoxFit> fit3 = FitCox(tripled, options);
      ASSERT_TRUE(fit3.ok()) << fit3.status().message();
      EXPECT_NEAR(fit3->coef[0], fit->coef[0], 1e-12);
      Result<CoxResiduals> residuals3 = ComputeCoxResiduals(tripled, *fit3, options);
      ASSERT_TRUE(residuals3.ok());
      for (size_t i = 0; i < 30; ++i) {
        EXPECT_NEAR(residuals3->martingale[i], residuals->martingale[i % 10], 1e-13) << i;
        EXPECT_NEAR(residuals3->score[i], residuals->score[i % 10], 1e-13) << i;
      }
    }
  }
}

// Case weights, survival's book5.R (Therneau's appendix, section 1.3): times 1, 1+, 2, 2, 2, 2+, 3+, 4, 5+
// with x = 2, 0, 1, 1, 0, 1, 0, 1, 0 and weights 1, 2, 3, 4, 3, 2, 1, 2, 1. With r = exp(b) the weighted risk
// sets are r^2 + 11r + 7 at 1 (one death of weight 1), 11r + 5 at 2 (deaths of weight 3, 4, 3: 10) and
// 2r + 1 at 4 (weight 2), and the deaths' weighted x sum to 11, so (Breslow)
//   l(b) = 11b - log(r^2 + 11r + 7) - 10 log(11r + 5) - 2 log(2r + 1).
// At b = 0 the hazard jumps 1/19, 10/16 and 2/3, so the expected counts are 1/19 (rows 1, 2), 103/152
// (rows 3-7) and 613/456 (rows 8, 9), and the martingale residuals status minus them. The fit is at
// b = 0.85955744 (book5.R).
TEST(Cox, CaseWeightsByHand) {
  const std::vector<double> time{1, 1, 2, 2, 2, 2, 3, 4, 5};
  const std::vector<int8_t> event{1, 0, 1, 1, 1, 0, 0, 1, 0};
  const std::vector<double> x{2, 0, 1, 1, 0, 1, 0, 1, 0};
  const std::vector<double> weight{1, 2, 3, 4, 3, 2, 1, 2, 1};
  const CoxData data{time, event, x, 1, {}, {}, {}, weight};
  auto loglik = [](double b) {
    const double r = std::exp(b);
    return 11 * b - std::log(r * r + 11 * r + 7) - 10 * std::log(11 * r + 5) - 2 * std::log(2 * r + 1);
  };
  CoxOptions options;
  options.ties = CoxTies::kBreslow;
  options.max_iterations = 0;
  Result<CoxFit> at_zero = FitCox(data, options);
  ASSERT_TRUE(at_zero.ok()) << at_zero.status().message();
  EXPECT_NEAR(at_zero->loglik_null, loglik(0), 1e-12);
  EXPECT_TRUE(at_zero->robust_variance.empty());  // whole-number weights: the model-based variance
  Result<CoxResiduals> residuals = ComputeCoxResiduals(data, *at_zero, options);
  ASSERT_TRUE(residuals.ok());
  const std::vector<double> expected{1.0 / 19,    1.0 / 19,    103.0 / 152, 103.0 / 152, 103.0 / 152,
                                     103.0 / 152, 103.0 / 152, 613.0 / 456, 613.0 / 456};
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(residuals->martingale[i], event[i] - expected[i], 1e-14) << i;

  options.max_iterations = 20;
  Result<CoxFit> fit = FitCox(data, options);
  ASSERT_TRUE(fit.ok()) << fit.status().message();
  EXPECT_NEAR(fit->coef[0], 0.85955744, 1e-8);
  EXPECT_NEAR(fit->loglik, loglik(fit->coef[0]), 1e-12);
}

// With Breslow's ties a row of whole-number weight k is k identical rows (book5.R's testw2): the same fit,
// variance and tests, each row's residuals those of any of its copies, and the robust variance (weighted
// residuals, each row its own cluster) that of the copies clustered by the row they copy. (Efron's steps
// count the tied rows, not their weights, as R's: there the two differ; tests/golden/cox.json has R's.)
TEST(Cox, WholeNumberWeightsAreCopiesOfRows) {
  const std::vector<double> time{1, 1, 2, 2, 2, 2, 3, 4, 5};
  const std::vector<int8_t> event{1, 0, 1, 1, 1, 0, 0, 1, 0};
  const std::vector<double> x{2, 0, 1, 1, 0, 1, 0, 1, 0};
  const std::vector<double> weight{1, 2, 3, 4, 3, 2, 1, 2, 1};
  std::vector<double> copy_time, copy_x;
  std::vector<int8_t> copy_event;
  std::vector<int32_t> copy_of;
  std::vector<size_t> first_copy;
  for (size_t i = 0; i < time.size(); ++i) {
    first_copy.push_back(copy_time.size());
    for (int k = 0; k < static_cast<int>(weight[i]); ++k) {
      copy_time.push_back(time[i]);
      copy_event.push_back(event[i]);
      copy_x.push_back(x[i]);
      copy_of.push_back(static_cast<int32_t>(i));
    }
  }
  CoxOptions options;
  options.ties = CoxTies::kBreslow;
  options.robust = true;
  const CoxData weighted{time, event, x, 1, {}, {}, {}, weight};
  const CoxData copies{copy_time, copy_event, copy_x, 1, {}, {}, copy_of};
  Result<CoxFit> a = FitCox(weighted, options);
  Result<CoxFit> b = FitCox(copies, options);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NEAR(a->coef[0], b->coef[0], 1e-12);
  EXPECT_NEAR(a->loglik, b->loglik, 1e-11);
  EXPECT_NEAR(a->loglik_null, b->loglik_null, 1e-11);
  EXPECT_NEAR(a->variance[0], b->variance[0], 1e-12);
  EXPECT_NEAR(a->score_test.chisq, b->score_test.chisq, 1e-12);
  EXPECT_NEAR(a->robust_variance[0], b->robust_variance[0], 1e-12);
  EXPECT_NEAR(a->robust_score_test->chisq, b->robust_score_test->chisq, 1e-12);
  Result<CoxResiduals> ra = ComputeCoxResiduals(weighted, *a, options);
  Result<CoxResiduals> rb = ComputeCoxResiduals(copies, *b, options);
  ASSERT_TRUE(ra.ok() && rb.ok());
  for (size_t i = 0; i < time.size(); ++i) {
    EXPECT_NEAR(ra->martingale[i], rb->martingale[first_copy[i]], 1e-12) << i;
    EXPECT_NEAR(ra->score[i], rb->score[first_copy[i]], 1e-12) << i;
  }
}

TEST(Cox, CaseWeightsMustBePositiveNumbers) {
  for (double bad : {0.0, -1.0, std::nan("")}) {
    std::vector<double> weight(kTime.size(), 1.0);
    weight[2] = bad;
    Result<CoxFit> fit = FitCox({kTime, kEvent, kX, 1, {}, {}, {}, weight}, CoxOptions{});
    ASSERT_FALSE(fit.ok());
    EXPECT_NE(fit.status().message().find("observation 3: the case weight"), std::string::npos)
        << fit.status().message();
  }
}

// Delayed entry by hand: A (0,2] death x=1, B (0,3] death x=0, C (2.5,4] death x=1, D (1,5] censored x=0.
// Risk sets: t=2 {A,B,D} (C not yet entered), t=3 {B,C,D} (A gone), t=4 {C,D}. With r = exp(b):
//   l(b) = b - log(r+2) + 0 - log(r+2) + b - log(r+1),   U(0) = 2 - 2/3 - 1/2 = 5/6,
//   I(0) = 2·2r/(r+2)^2 + r/(r+1)^2 at r = 1 = 4/9 + 1/4 = 25/36, so the score test is (5/6)^2 / (25/36) = 1.
TEST(Cox, DelayedEntryByHand) {
  const std::vector<double> start{0, 0, 2.5, 1};
  const std::vector<double> stop{2, 3, 4, 5};
  const std::vector<int8_t> event{1, 1, 1, 0};
  const std::vector<double> x{1, 0, 1, 0};
  Result<CoxFit> fit = FitCox({stop, event, x, 1, {}, start}, CoxOptions{});
  ASSERT_TRUE(fit.ok()) << fit.status().message();
  EXPECT_NEAR(fit->loglik_null, -2 * std::log(3.0) - std::log(2.0), 1e-12);
  EXPECT_NEAR(fit->score_test.chisq, 1.0, 1e-12);
  // U(b) = 2 - 2r/(r+2) - r/(r+1) = 0; times (r+2)(r+1): 2(r^2+3r+2) - 2r(r+1) - r(r+2) = -r^2 + 2r + 4 = 0,
  // so r = 1 + sqrt(5).
  EXPECT_NEAR(fit->coef[0], std::log(1 + std::sqrt(5.0)), 1e-8);
}

TEST(Cox, RejectsIntervalsThatDoNotEndAfterTheyStart) {
  const std::vector<double> start{0, 3};
  const std::vector<double> stop{2, 3};
  const std::vector<int8_t> event{1, 1};
  const std::vector<double> x{1, 0};
  Result<CoxFit> fit = FitCox({stop, event, x, 1, {}, start}, CoxOptions{});
  ASSERT_FALSE(fit.ok());
  EXPECT_EQ(fit.status().message(), "observation 2: the interval (3, 3] does not end after it starts");
}

TEST(Cox, RejectsAnIntervalShorterThanTheTieTolerance) {
  // 3 and 3 + 1e-12 are one time for R's aeqSurv, so (3, 3 + 1e-12] would have no length.
  const std::vector<double> start{0, 3};
  const std::vector<double> stop{2, 3 + 1e-12};
  const std::vector<int8_t> event{1, 1};
  const std::vector<double> x{1, 0};
  Result<CoxFit> fit = FitCox({stop, event, x, 1, {}, start}, CoxOptions{});
  ASSERT_FALSE(fit.ok());
  EXPECT_NE(fit.status().message().find("observation 2: the interval (3, 3"), std::string::npos);
  EXPECT_NE(fit.status().message().find("shorter than the tolerance"), std::string::npos);
}

}  // namespace
}  // namespace prrt::stats
