#include "prrt/stats/logrank.h"

#include <fmt/format.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

#include "distributions.h"
#include "sorted_survival.h"
#include "survival_detail.h"

namespace prrt::stats {

std::optional<LogrankWeight> ParseLogrankWeight(std::string_view text) {
  if (text == "logrank") return LogrankWeight::kFlemingHarrington;
  if (text == "breslow") return LogrankWeight::kBreslow;
  if (text == "tarone-ware") return LogrankWeight::kTaroneWare;
  return std::nullopt;
}

namespace {

// What the data and options must be for any test between its groups.
Status ValidateLogrankInput(const SurvivalData& data, int32_t n_groups, std::span<const int32_t> strata,
                            int32_t n_strata, const LogrankOptions& options) {
  if (n_groups < 2) return InvalidArgument("a test between groups needs at least two groups");
  if (!std::isfinite(options.rho))
    return InvalidArgument(fmt::format("rho {} is not a finite number", options.rho));
  if (data.group.empty()) return InvalidArgument("no group codes were given");
  Status valid = detail::ValidateSurvivalData(data, n_groups);
  if (valid.ok()) valid = detail::RequireRightCensored(data, "the log-rank test");
  if (valid.ok()) valid = detail::RequireUnweighted(data, "the log-rank test");
  if (!valid.ok()) return valid;
  if (!strata.empty()) {
    if (strata.size() != data.time.size())
      return InvalidArgument("one stratum code is needed per observation");
    for (int32_t s : strata) {
      if (s < 0 || s >= n_strata)
        return InvalidArgument(fmt::format("stratum code {} outside 0..{}", s, n_strata - 1));
    }
  }
  return Status();
}

}  // namespace

Result<LogrankResult> LogRank(const SurvivalData& data, int32_t n_groups, std::span<const int32_t> strata,
                              int32_t n_strata, const LogrankOptions& options) {
  Status valid = ValidateLogrankInput(data, n_groups, strata, n_strata, options);
  if (!valid.ok()) return valid;

  const size_t k = static_cast<size_t>(n_groups);

  LogrankResult result;
  result.groups.resize(k);
  for (size_t g = 0; g < k; ++g)
    result.groups[g].group = static_cast<int32_t>(g);
  for (int32_t g : data.group)
    ++result.groups[g].n;
  Eigen::MatrixXd variance = Eigen::MatrixXd::Zero(k, k);

  // Observed and expected events and their variance, summed over the distinct times of each stratum.
  auto accumulate = [&](const auto& sorted) {
    const BigVector<double>& time = sorted.time;
    std::vector<double> at_risk(k), deaths(k), leaving(k);
    for (size_t s = 0; s + 1 < sorted.stratum_begin.size(); ++s) {
      const size_t begin = sorted.stratum_begin[s];
      const size_t end = sorted.stratum_begin[s + 1];
      std::fill(at_risk.begin(), at_risk.end(), 0);
      for (size_t i = begin; i < end; ++i)
        at_risk[detail::PayloadGroup(sorted.payload[i])] += 1;
      double n_total = static_cast<double>(end - begin);
      double km_left = 1;  // pooled KM just before the current time
      for (size_t i = begin; i < end;) {
        const double t = time[i];
        std::fill(deaths.begin(), deaths.end(), 0);
        std::fill(leaving.begin(), leaving.end(), 0);
        double d = 0;
        for (; i < end && time[i] == t; ++i) {
          const int32_t g = detail::PayloadGroup(sorted.payload[i]);
          leaving[g] += 1;
          if (detail::PayloadEvent(sorted.payload[i]) == 1) {
            deaths[g] += 1;
            d += 1;
          }
        }
        if (d > 0) {
          double w = 1;
          switch (options.weight) {
            case LogrankWeight::kFlemingHarrington:
              w = options.rho == 0 ? 1 : std::pow(km_left, options.rho);
              break;
            case LogrankWeight::kBreslow:
              w = n_total;
              break;
            case LogrankWeight::kTaroneWare:
              w = std::sqrt(n_total);
              break;
          }
          for (size_t g = 0; g < k; ++g) {
            result.groups[g].observed += w * deaths[g];
            result.groups[g].expected += w * d * at_risk[g] / n_total;
          }
          if (n_total > 1) {
            const double factor = w * w * d * (n_total - d) / (n_total * (n_total - 1));
            for (size_t a = 0; a < k; ++a) {
              if (at_risk[a] == 0) continue;
              for (size_t b = 0; b < k; ++b) {
                const double kronecker = a == b ? 1 : 0;
                variance(a, b) += factor * at_risk[a] * (kronecker - at_risk[b] / n_total);
              }
            }
          }
          km_left *= 1 - d / n_total;
        }
        for (size_t g = 0; g < k; ++g) {
          at_risk[g] -= leaving[g];
          n_total -= leaving[g];
        }
      }
    }
  };
  detail::WithSortedSurvival(data.time, data.event, data.group, n_groups, strata,
                             strata.empty() ? 1 : n_strata, options.timefix, accumulate);

  result.variance.assign(variance.data(), variance.data() + k * k);  // symmetric: order does not matter
  std::vector<size_t> kept;
  for (size_t g = 0; g < k; ++g) {
    if (result.groups[g].expected > 0) kept.push_back(g);
  }
  result.df = static_cast<int32_t>(kept.size()) - 1;
  if (kept.size() < 2) {
    return InvalidArgument(
        "fewer than two groups have an expected number of events above 0; "
        "the groups cannot be compared");
  }
  const size_t m = kept.size() - 1;
  Eigen::VectorXd diff(m);
  Eigen::MatrixXd v(m, m);
  for (size_t a = 0; a < m; ++a) {
    diff(a) = result.groups[kept[a + 1]].observed - result.groups[kept[a + 1]].expected;
    for (size_t b = 0; b < m; ++b)
      v(a, b) = variance(kept[a + 1], kept[b + 1]);
  }
  Eigen::FullPivLU<Eigen::MatrixXd> lu(v);
  if (!lu.isInvertible()) return InvalidArgument("the variance matrix of the test is singular");
  result.chisq = diff.dot(lu.solve(diff));
  result.p = detail::ChiSquareUpperTail(result.chisq, result.df);
  return result;
}

Result<std::vector<PairwiseLogrank>> PairwiseLogRank(const SurvivalData& data, int32_t n_groups,
                                                     std::span<const int32_t> strata, int32_t n_strata,
                                                     const LogrankOptions& options, PAdjust adjust) {
  if (n_groups < 3) return InvalidArgument("pairwise comparisons need at least three groups");
  Status valid = ValidateLogrankInput(data, n_groups, strata, n_strata, options);
  if (!valid.ok()) return valid;
  std::vector<PairwiseLogrank> pairs;
  std::vector<double> time;  // right-censored and unweighted, as validated
  std::vector<int8_t> event;
  std::vector<int32_t> group, pair_strata;
  for (int32_t a = 0; a < n_groups; ++a) {
    for (int32_t b = a + 1; b < n_groups; ++b) {
      time.clear(), event.clear(), group.clear(), pair_strata.clear();
      for (size_t i = 0; i < data.group.size(); ++i) {
        if (data.group[i] != a && data.group[i] != b) continue;
        time.push_back(data.time[i]);
        event.push_back(data.event[i]);
        group.push_back(data.group[i]);
        if (!strata.empty()) pair_strata.push_back(strata[i]);
      }
      // The other groups have no rows here, so no expected events: LogRank leaves them out.
      Result<LogrankResult> test = LogRank({time, event, group}, n_groups, pair_strata, n_strata, options);
      PairwiseLogrank pair;
      pair.group_a = a, pair.group_b = b;
      if (test.ok()) {
        pair.chisq = test->chisq;
        pair.df = test->df;
        pair.p = test->p;
      } else {
        pair.no_test = test.status().message();  // the data are valid: the pair has no test
      }
      pairs.push_back(std::move(pair));
    }
  }
  std::vector<std::optional<double>> p;
  for (const PairwiseLogrank& pair : pairs)
    p.push_back(pair.p);
  const std::vector<std::optional<double>> adjusted = AdjustPValues(p, adjust);
  for (size_t i = 0; i < pairs.size(); ++i)
    pairs[i].p_adjusted = adjusted[i];
  return pairs;
}

}  // namespace prrt::stats
