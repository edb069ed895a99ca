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
  //! The cluster of each row (R's cluster): rows of one patient, say, which need not be independent. With
  //! it the fit adds the robust variance. Any integer codes; empty: none.
  std::span<const int32_t> cluster = {};
  //! Case weights (R's weights), each a finite number > 0: a row of weight k counts as k identical rows in
  //! the fit. Weights that are not all whole numbers (inverse probability weights, say) bring the robust
  //! variance, as R. Empty: all 1.
  std::span<const double> weights = {};
};

struct CoxOptions {
  CoxTies ties = CoxTies::kEfron;
  int max_iterations = 20;  //!< >= 0; 0 keeps beta at 0, as R's iter.max = 0
  double eps = 1e-9;        //!< convergence: |1 - loglik_old / loglik_new| <= eps
  bool timefix = true;
  bool robust = false;  //!< the robust variance even without clusters, each row its own (R's robust = TRUE)
};

struct ChiSquareTest {
  double chisq = 0;
  int32_t df = 0;
  double p = 1;
};

//! A coefficient as R's summary(coxph) prints it (conf.int = 0.95). With a robust variance the CI, z and p
//! are on the robust SE, as R's; an SE of 0 (a robust variance where every score residual is 0) gives no z or
//! p. An aliased coefficient is NaN throughout.
struct CoxCoefficient {
  double coef = 0, se = 0, robust_se = 0, hr = 0, hr_lower = 0, hr_upper = 0, z = 0, p = 1;
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
  //! Per coefficient: the log-likelihood converged before it did, so it may be infinite (a covariate that
  //! separates the deaths, a monotone likelihood): R's warning "coefficient may be infinite", by its rule.
  std::vector<bool> may_be_infinite;
  //! Per coefficient: aliased — a linear combination of the covariates before it, or without variation among
  //! those at risk at the event times — by R's rule (survival's cholesky2 with coxph's toler.chol). Its
  //! coefficient is left at 0 and its variance row and column are 0; R reports the coefficient as NA. The
  //! tests then have as many degrees of freedom as coefficients estimated.
  std::vector<bool> aliased;
  ChiSquareTest lr_test;
  ChiSquareTest wald_test;  //!< on the robust variance where there is one, as R
  ChiSquareTest score_test;
  //! With clusters, fractional case weights or `CoxOptions::robust`: Lin & Wei's robust sandwich variance
  //! D'D, D the dfbeta residuals summed by cluster, p x p column-major (R's fit$var; `variance` is then R's
  //! naive.var), and the robust score test at beta = 0 (R's rscore, over the columns of its matrix that are
  //! not aliased). Empty otherwise.
  std::vector<double> robust_variance;
  int64_t clusters = 0;
  std::optional<ChiSquareTest> robust_score_test;
  double std_err(size_t j) const;
  double robust_std_err(size_t j) const;
  CoxCoefficient Coefficient(size_t j) const;
};

//! Fits the model. Errors on bad data, no events, or when no covariate can be estimated (all aliased).
Result<CoxFit> FitCox(const CoxData& data, const CoxOptions& options);

//! Residuals at a fit's coefficients, as R's residuals(fit, type): per input row, martingale (deaths less
//! the expected number; with Efron's ties a row dying at a tied time is at risk for part of it), deviance,
//! and the p score residuals (row-major), whose sums within clusters (times the case weights) make the
//! robust variance; martingale, deviance and score not multiplied by the case weights (R's weighted =
//! FALSE). dfbeta: each row's score residuals times its case weight times the model-based variance (the
//! approximate change in the coefficients without the row), and dfbetas, that over the SEs. Per death, in
//! the order of stratum, time and input row: its time and its p Schoenfeld residuals (covariates less the
//! risk-weighted mean at that time).
struct CoxResiduals {
  std::vector<double> martingale;
  std::vector<double> deviance;
  std::vector<double> score;
  std::vector<double> dfbeta;
  std::vector<double> dfbetas;
  std::vector<double> schoenfeld_time;
  std::vector<double> schoenfeld;
};
Result<CoxResiduals> ComputeCoxResiduals(const CoxData& data, const CoxFit& fit, const CoxOptions& options);

//! The function of time against which proportional hazards are tested (R's cox.zph transform).
enum class ZphTransform {
  kKm,        //!< 1 - the left-continuous Kaplan–Meier of all rows (R's default)
  kIdentity,  //!< time itself
  kRank,      //!< the rank of the time among all rows (ties averaged)
  kLog,       //!< log time
};
std::optional<ZphTransform> ParseZphTransform(std::string_view text);  // km|identity|rank|log

struct ZphResult {
  //! One per term, in the order given; a term whose covariates are all aliased is not tested (NaN on 0 df)
  //! and the others are tested in the model without the aliased ones, as R's cox.zph (the aliased ones'
  //! scaled residuals are NaN). A test whose information is singular (one death time carrying information,
  //! say) is NaN on its df, where R's cox.zph stops with an error.
  std::vector<ChiSquareTest> terms;
  ChiSquareTest global;
  std::vector<double> time;         //!< each death, ordered by stratum, time and input row
  std::vector<double> transformed;  //!< the transformed time of each death
  std::vector<double> scaled;       //!< deaths x p, row-major: scaled Schoenfeld residuals (NaN: none)
};

//! The proportional-hazards check of R's cox.zph (survival 3.x): for each term the score test, at the fitted
//! coefficients, of adding the term's covariates times g(t) - mean g over the deaths, and the global test of
//! all of them; plus the scaled Schoenfeld residuals beta + V^-1 r (V the information per death, counted in
//! the strata where each covariate varies; none for a covariate constant in the death's stratum) for plots.
//! `terms` lists the covariate columns of each term (a factor's columns together); empty: one term per
//! column.
Result<ZphResult> TestProportionalHazards(const CoxData& data, const CoxFit& fit, const CoxOptions& options,
                                          ZphTransform transform,
                                          std::span<const std::vector<int32_t>> terms);

}  // namespace prrt::stats
