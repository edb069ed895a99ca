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

#include <cmath>

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
  // Solve U(b) = 0 by bisection on the score written out above.
  auto score = [](double b) {
    const double r = std::exp(b);
    return 2 - r / (r + 1) - r / (r + 3) - r / (r + 5);
  };
  double lo = 0, hi = 5;
  for (int i = 0; i < 200; ++i) {
    const double mid = (lo + hi) / 2;
    (score(mid) > 0 ? lo : hi) = mid;
  }
  EXPECT_NEAR(fit.coef[0], lo, 1e-8);
  EXPECT_NEAR(fit.score_test.chisq, (13.0 / 12) * (13.0 / 12) / (0.25 + 3.0 / 16 + 5.0 / 36), 1e-12);
  const double r = std::exp(lo);
  EXPECT_NEAR(fit.loglik, 2 * lo - std::log(3 * r + 3) - std::log(r + 3) - std::log((r + 5) / 2), 1e-10);
}

}  // namespace
}  // namespace prrt::stats
