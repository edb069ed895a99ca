# SPSS's rules that R has no function for, written in R from docs/statistics.md: the reference that
# make_goldens.R writes into the golden files and that differential_check.R compares prrt with on random data.
# (Sourced by both; needs survival.)

# The p-quantile of a survfit curve with its symmetric CI (`--median-ci spss`): the first event time with
# S <= 1 - p; SE = SE(S) there / f, f the slope from the last event time with S >= 1 - p + 0.05 (else t = 0,
# S = 1) to the first with S <= 1 - p - 0.05 (else no SE); estimate -+ z SE. Each comparison within 1e-12.
# `std_err` is the SE of S. Returns the estimate, lower, upper and SE (NA where there is none).
spss_quantile <- function(curve, std_err, p, z) {
  event <- curve$n.event > 0
  time <- curve$time[event]
  surv <- curve$surv[event]
  std_err <- std_err[event]
  at_or_below <- function(level) which(surv <= level + 1e-12)
  i <- at_or_below(1 - p)[1]
  if (is.na(i)) return(rep(NA, 4))
  above <- which(surv >= 1 - p + 0.05 - 1e-12)
  below <- at_or_below(1 - p - 0.05)[1]
  if (is.na(below)) return(c(time[i], NA, NA, NA))
  upper_point <- if (length(above)) c(time[max(above)], surv[max(above)]) else c(0, 1)
  se <- std_err[i] / ((upper_point[2] - surv[below]) / (time[below] - upper_point[1]))
  c(time[i], time[i] - z * se, time[i] + z * se, se)
}

# The Breslow (w = n at risk) and Tarone-Ware (w = sqrt n) tests (`--weights`), stratified: O, E and V summed
# over each stratum's event times, near-tied times merged first as survdiff does. `stratum` may be a single
# value. The chi-square is NA where fewer than two groups have E > 0 or V is singular.
spss_logrank <- function(time, event, group, stratum, weights) {
  y <- aeqSurv(Surv(time, event))
  time <- y[, 1]
  event <- y[, 2]
  group <- factor(group)
  stratum <- rep_len(stratum, length(time))
  k <- nlevels(group)
  observed <- expected <- numeric(k)
  variance <- matrix(0, k, k)
  for (s in unique(stratum)) {
    for (t in sort(unique(time[stratum == s & event == 1]))) {
      at_risk <- stratum == s & time >= t
      dying <- at_risk & time == t & event == 1
      n <- sum(at_risk)
      deaths <- sum(dying)
      share <- tabulate(group[at_risk], k) / n
      w <- if (weights == "breslow") n else sqrt(n)
      observed <- observed + w * tabulate(group[dying], k)
      expected <- expected + w * deaths * share
      if (n > 1) variance <- variance + w^2 * deaths * (n - deaths) / (n - 1) * (diag(share, k) - outer(share, share))
    }
  }
  tested <- which(expected > 0)[-1]
  u <- (observed - expected)[tested]
  chisq <- if (length(tested) == 0) NA else
    tryCatch(drop(u %*% solve(variance[tested, tested, drop = FALSE], u)), error = function(e) NA)
  list(group = levels(group), n = as.vector(table(group)), observed = observed, expected = expected,
       chisq = chisq, df = length(tested))
}
