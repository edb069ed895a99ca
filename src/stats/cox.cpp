#include "prrt/stats/cox.h"

#include <fmt/format.h>

#include <Eigen/Dense>
#include <algorithm>
#include <boost/math/distributions/chi_squared.hpp>
#include <cmath>
#include <numeric>

#include "sorted_survival.h"
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

// The data sorted by stratum and time, covariates centred and stored row by row. For counting-process data
// each stratum's start times are also kept in ascending order, with the sorted row each belongs to.
struct SortedCox {
  BigVector<double> time;
  BigVector<int8_t> event;
  std::vector<size_t> stratum_begin;
  BigVector<double> x;  // n x p, row-major
  int p = 0;
  BigVector<double> entry_time;  // empty for right-censored data
  BigVector<double> entry_x;     // the covariates of the row that starts at entry_time[k], row-major
};

struct Evaluation {
  double loglik = 0;
  VectorXd score;
  MatrixXd information;
};

// The log partial likelihood, its gradient and the observed information at beta. Each stratum is scanned
// from its longest time down: a row joins the risk-set sums at its stop time and, for counting-process data,
// leaves them once the scan reaches its start time (the risk set at t is start < t <= stop). Efron's
// correction spreads each tied death over the tied deaths' own risk.
Evaluation Evaluate(const SortedCox& d, const VectorXd& beta, CoxTies ties) {
  const int p = d.p;
  const size_t pp = static_cast<size_t>(p) * p;
  const bool counting = !d.entry_time.empty();
  Evaluation e;
  e.score = VectorXd::Zero(p);
  e.information = MatrixXd::Zero(p, p);
  std::vector<double> s1(p), s2(pp), d1(p), d2(pp), a(p);
  double s0 = 0;
  // Adds a row's risk exp(x beta) and its first and second moments to the risk-set sums (sign 1), or takes
  // them out (sign -1); returns x beta. A row leaving recomputes the same risk it joined with.
  auto update_sums = [&](const double* xi, double sign) {
    double eta = 0;
    for (int j = 0; j < p; ++j)
      eta += xi[j] * beta[j];
    const double risk = std::exp(eta);
    const double weight = sign * risk;
    s0 += weight;
    for (int j = 0; j < p; ++j) {
      s1[j] += weight * xi[j];
      for (int k = 0; k <= j; ++k)
        s2[j * p + k] += weight * xi[j] * xi[k];
    }
    return std::pair{eta, risk};
  };
  for (size_t s = 0; s + 1 < d.stratum_begin.size(); ++s) {
    const size_t begin = d.stratum_begin[s];
    size_t i = d.stratum_begin[s + 1];
    size_t entry = i;  // entries [begin, entry) have not left the risk set yet
    size_t at_risk = 0;
    s0 = 0;
    std::fill(s1.begin(), s1.end(), 0.0);
    std::fill(s2.begin(), s2.end(), 0.0);
    while (i > begin) {
      const double t = d.time[i - 1];
      double d0 = 0;
      double deaths = 0;
      for (; i > begin && d.time[i - 1] == t; --i) {
        const double* xi = &d.x[(i - 1) * p];
        const auto [eta, risk] = update_sums(xi, 1);
        ++at_risk;
        if (d.event[i - 1] == 1) {
          if (deaths == 0) {
            std::fill(d1.begin(), d1.end(), 0.0);
            std::fill(d2.begin(), d2.end(), 0.0);
          }
          deaths += 1;
          d0 += risk;
          e.loglik += eta;
          for (int j = 0; j < p; ++j) {
            e.score[j] += xi[j];
            d1[j] += risk * xi[j];
            for (int k = 0; k <= j; ++k)
              d2[j * p + k] += risk * xi[j] * xi[k];
          }
        }
      }
      for (; counting && entry > begin && d.entry_time[entry - 1] >= t; --entry) {
        update_sums(&d.entry_x[(entry - 1) * p], -1);
        // An empty risk set restarts the sums from exact zeros rather than from rounding residue.
        if (--at_risk == 0) {
          s0 = 0;
          std::fill(s1.begin(), s1.end(), 0.0);
          std::fill(s2.begin(), s2.end(), 0.0);
        }
      }
      for (int m = 0; m < static_cast<int>(deaths); ++m) {
        const double frac = ties == CoxTies::kEfron ? m / deaths : 0.0;
        const double denom = s0 - frac * d0;
        e.loglik -= std::log(denom);
        for (int j = 0; j < p; ++j) {
          a[j] = (s1[j] - frac * d1[j]) / denom;
          e.score[j] -= a[j];
        }
        for (int j = 0; j < p; ++j) {
          for (int k = 0; k <= j; ++k)
            e.information(j, k) += (s2[j * p + k] - frac * d2[j * p + k]) / denom - a[j] * a[k];
        }
      }
    }
  }
  e.information.triangularView<Eigen::StrictlyUpper>() = e.information.transpose();
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
  Status valid = detail::ValidateSurvivalData(SurvivalData{data.time, data.event, {}, data.start}, 1);
  if (!valid.ok()) return valid;
  for (double v : data.covariates) {
    if (!std::isfinite(v)) return InvalidArgument("a covariate value is missing or not finite");
  }
  const int64_t events = std::count(data.event.begin(), data.event.end(), 1);
  if (events == 0) return InvalidArgument("no events: a Cox model cannot be fitted without events");

  int32_t n_strata = 1;
  for (int32_t st : data.strata) {
    if (st < 0) return InvalidArgument("stratum codes must be >= 0");
    n_strata = std::max(n_strata, st + 1);
  }
  SortedCox sorted;
  sorted.p = p;
  BigVector<uint32_t> input_row;       // the input row of each sorted row
  BigVector<uint32_t> entry_position;  // the sorted row of each entry
  if (data.start.empty()) {
    detail::SortedSurvival order =
        detail::SortSurvival(data.time, data.event, {}, data.strata, n_strata, options.timefix, true);
    sorted.time = std::move(order.time);
    sorted.stratum_begin = std::move(order.stratum_begin);
    input_row = std::move(order.payload);
  } else {
    Result<detail::SortedCounting> order =
        detail::SortCounting(data.start, data.time, data.strata, n_strata, options.timefix);
    if (!order.ok()) return order.status();
    sorted.time = std::move(order->stop);
    sorted.stratum_begin = std::move(order->stratum_begin);
    input_row = std::move(order->row);
    sorted.entry_time = std::move(order->entry);
    entry_position = std::move(order->entry_position);
  }
  sorted.event.resize(n);
  sorted.x.resize(n * static_cast<size_t>(p));
  for (int32_t j = 0; j < p; ++j) {
    const double* column = data.covariates.data() + static_cast<size_t>(j) * n;
    const double mean = std::accumulate(column, column + n, 0.0) / static_cast<double>(n);
    for (size_t r = 0; r < n; ++r)
      sorted.x[r * p + j] = column[input_row[r]] - mean;
  }
  for (size_t r = 0; r < n; ++r)
    sorted.event[r] = data.event[input_row[r]];
  // The leaving rows' covariates in the order they leave, so that the scan reads them sequentially.
  sorted.entry_x.resize(entry_position.size() * static_cast<size_t>(p));
  for (size_t k = 0; k < entry_position.size(); ++k)
    std::copy_n(&sorted.x[entry_position[k] * static_cast<size_t>(p)], p, &sorted.entry_x[k * p]);

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
