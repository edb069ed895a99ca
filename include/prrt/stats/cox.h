// prrt/stats/cox.h — the Cox proportional hazards model, fitted as R's coxph (Newton–Raphson with step
// halving from beta = 0, Efron or Breslow ties, convergence on the relative change of the log-likelihood).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "prrt/common/result.h"

namespace prrt::stats {

enum class CoxTies { kEfron, kBreslow };
std::optional<CoxTies> ParseCoxTies(std::string_view text);  // efron|breslow

//! Right-censored data (time, event), or counting-process intervals (start, time] with `start` (R's
//! Surv(start, stop, event)), which lets a covariate change over time: one row per interval.
struct CoxData {
  std::span<const double> time;
  std::span<const int8_t> event;
  std::span<const double> covariates;  //!< n x p, column-major (column j at [j*n, (j+1)*n))
  int32_t n_covariates = 0;
  std::span<const int32_t> strata;     //!< codes 0..k-1; empty: one stratum
  std::span<const double> start = {};  //!< interval starts (< time); empty: right-censored data
};

struct CoxOptions {
  CoxTies ties = CoxTies::kEfron;
  int max_iterations = 20;
  double eps = 1e-9;  //!< convergence: |1 - loglik_old / loglik_new| <= eps
  bool timefix = true;
};

struct ChiSquareTest {
  double chisq = 0;
  int32_t df = 0;
  double p = 1;
};

struct CoxFit {
  int64_t n = 0;
  int64_t events = 0;
  std::vector<double> coef;
  std::vector<double> variance;  //!< p x p, column-major: the inverse information at the estimate
  double loglik_null = 0;
  double loglik = 0;
  int iterations = 0;
  bool converged = false;
  ChiSquareTest lr_test;
  ChiSquareTest wald_test;
  ChiSquareTest score_test;
  double std_err(size_t j) const;
};

//! Fits the model. Errors on bad data, no events, or a covariate with no variation (singular information).
Result<CoxFit> FitCox(const CoxData& data, const CoxOptions& options);

}  // namespace prrt::stats
