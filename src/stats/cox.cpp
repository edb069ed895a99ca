#include "prrt/stats/cox.h"

#include <fmt/format.h>

#include <Eigen/Dense>
#include <algorithm>
#include <boost/math/distributions/chi_squared.hpp>
#include <cmath>
#include <numeric>

#include "survival_detail.h"

namespace prrt::stats {

std::optional<CoxTies> ParseCoxTies(std::string_view text) {
  if (text == "efron") return CoxTies::kEfron;
  if (text == "breslow") return CoxTies::kBreslow;
  return std::nullopt;
}

double CoxFit::std_err(size_t j) const {
  return std::sqrt(variance[j * coef.size() + j]);
}

namespace {

using Eigen::MatrixXd;
using Eigen::VectorXd;

// The data in processing order (by stratum, then time descending), covariates centred.
struct SortedCox {
  std::vector<double> time;
  std::vector<int8_t> event;
  std::vector<int32_t> stratum;
  MatrixXd x;  // n x p
};

struct Evaluation {
  double loglik = 0;
  VectorXd score;
  MatrixXd information;
};

// The log partial likelihood, its gradient and the observed information at beta.
Evaluation Evaluate(const SortedCox& d, const VectorXd& beta, CoxTies ties) {
  const Eigen::Index n = d.x.rows();
  const Eigen::Index p = d.x.cols();
  Evaluation e;
  e.score = VectorXd::Zero(p);
  e.information = MatrixXd::Zero(p, p);
  const VectorXd eta = d.x * beta;
  VectorXd s1(p), d1(p), a(p);
  MatrixXd s2(p, p), d2(p, p);
  Eigen::Index i = 0;
  while (i < n) {
    // A new stratum: the risk-set sums start again.
    const int32_t stratum = d.stratum[i];
    double s0 = 0;
    s1.setZero();
    s2.setZero();
    while (i < n && d.stratum[i] == stratum) {
      const double t = d.time[i];
      double d0 = 0;
      d1.setZero();
      d2.setZero();
      double deaths = 0;
      for (; i < n && d.stratum[i] == stratum && d.time[i] == t; ++i) {
        const double risk = std::exp(eta[i]);
        const auto xi = d.x.row(i).transpose();
        s0 += risk;
        s1.noalias() += risk * xi;
        s2.noalias() += risk * xi * xi.transpose();
        if (d.event[i] == 1) {
          deaths += 1;
          d0 += risk;
          d1.noalias() += risk * xi;
          d2.noalias() += risk * xi * xi.transpose();
          e.loglik += eta[i];
          e.score.noalias() += xi;
        }
      }
      if (deaths == 0) continue;
      for (int k = 0; k < static_cast<int>(deaths); ++k) {
        const double frac = ties == CoxTies::kEfron ? k / deaths : 0.0;
        const double denom = s0 - frac * d0;
        a = (s1 - frac * d1) / denom;
        e.loglik -= std::log(denom);
        e.score -= a;
        e.information.noalias() += (s2 - frac * d2) / denom - a * a.transpose();
      }
    }
  }
  return e;
}

double ChiSquareUpper(double chisq, int df) {
  if (!(chisq >= 0) || df < 1) return NAN;
  return boost::math::cdf(boost::math::complement(boost::math::chi_squared_distribution<double>(df), chisq));
}

}  // namespace

Result<CoxFit> FitCox(const CoxData& data, const CoxOptions& options) {
  const size_t n = data.time.size();
  const int32_t p = data.n_covariates;
  if (n == 0) return InvalidArgument("no observations: the data set has no complete rows");
  if (p < 1) return InvalidArgument("the model needs at least one covariate");
  if (data.covariates.size() != n * static_cast<size_t>(p)) {
    return InvalidArgument(
        fmt::format("expected {} covariate values, found {}", n * p, data.covariates.size()));
  }
  if (!data.strata.empty() && data.strata.size() != n) {
    return InvalidArgument("one stratum code is needed per observation");
  }
  Status valid = detail::ValidateSurvivalData(SurvivalData{data.time, data.event, {}}, 1);
  if (!valid.ok()) return valid;
  for (double v : data.covariates) {
    if (!std::isfinite(v)) return InvalidArgument("a covariate value is missing or not finite");
  }
  const int64_t events = std::count(data.event.begin(), data.event.end(), 1);
  if (events == 0) return InvalidArgument("no events: a Cox model cannot be fitted without events");

  // Order by stratum, then time descending so that risk sets grow as the scan goes on.
  const std::vector<double> time = detail::AnalysisTimes(data.time, options.timefix);
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  auto stratum_of = [&](uint32_t i) { return data.strata.empty() ? 0 : data.strata[i]; };
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    if (stratum_of(a) != stratum_of(b)) return stratum_of(a) < stratum_of(b);
    if (time[a] != time[b]) return time[a] > time[b];
    return a < b;
  });
  SortedCox sorted;
  sorted.time.resize(n);
  sorted.event.resize(n);
  sorted.stratum.resize(n);
  sorted.x.resize(static_cast<Eigen::Index>(n), p);
  for (int32_t j = 0; j < p; ++j) {
    const double* column = data.covariates.data() + static_cast<size_t>(j) * n;
    const double mean = std::accumulate(column, column + n, 0.0) / static_cast<double>(n);
    for (size_t r = 0; r < n; ++r)
      sorted.x(static_cast<Eigen::Index>(r), j) = column[order[r]] - mean;
  }
  for (size_t r = 0; r < n; ++r) {
    sorted.time[r] = time[order[r]];
    sorted.event[r] = data.event[order[r]];
    sorted.stratum[r] = stratum_of(order[r]);
  }

  CoxFit fit;
  fit.n = static_cast<int64_t>(n);
  fit.events = events;
  VectorXd beta = VectorXd::Zero(p);
  Evaluation current = Evaluate(sorted, beta, options.ties);
  fit.loglik_null = current.loglik;
  Eigen::LDLT<MatrixXd> solver(current.information);
  if (solver.info() != Eigen::Success ||
      !(solver.vectorD().array() > 1e-12 * current.information.diagonal().maxCoeff()).all()) {
    return InvalidArgument(
        "the information matrix is singular: a covariate has no variation among the events, "
        "or covariates are collinear");
  }
  const VectorXd step0 = solver.solve(current.score);
  fit.score_test.chisq = current.score.dot(step0);

  // Newton–Raphson with step halving, as coxfit6: a step that lowers the likelihood is pulled back
  // toward the last good beta; convergence is judged on the relative change of the log-likelihood.
  VectorXd new_beta = beta + step0;
  int halving = 0;
  Evaluation trial;
  for (fit.iterations = 1; fit.iterations <= options.max_iterations; ++fit.iterations) {
    trial = Evaluate(sorted, new_beta, options.ties);
    const bool finite = std::isfinite(trial.loglik);
    if (finite && halving == 0 && std::fabs(1 - current.loglik / trial.loglik) <= options.eps) {
      fit.converged = true;
      break;
    }
    if (fit.iterations == options.max_iterations) break;
    if (!finite || trial.loglik < current.loglik) {
      ++halving;
      new_beta = (new_beta + halving * beta) / (halving + 1.0);
    } else {
      halving = 0;
      current = trial;
      beta = new_beta;
      new_beta = beta + Eigen::LDLT<MatrixXd>(current.information).solve(current.score);
    }
  }
  fit.iterations = std::min(fit.iterations, options.max_iterations);
  fit.loglik = trial.loglik;
  const MatrixXd variance = trial.information.inverse();
  fit.coef.assign(new_beta.data(), new_beta.data() + p);
  fit.variance.assign(variance.data(), variance.data() + variance.size());

  fit.lr_test.chisq = 2 * (fit.loglik - fit.loglik_null);
  fit.wald_test.chisq = new_beta.dot(trial.information * new_beta);
  for (ChiSquareTest* test : {&fit.lr_test, &fit.wald_test, &fit.score_test}) {
    test->df = p;
    test->p = ChiSquareUpper(test->chisq, p);
  }
  return fit;
}

}  // namespace prrt::stats
