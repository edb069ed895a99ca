# A differential check of `prrt stats` against R on random data, for a seed of one's choosing: where the golden
# files (make_goldens.R) pin fixed cases, this draws new ones each seed. Not part of the suite (it needs R).
#
#   Rscript tests/r/differential_check.R [PRRT] [SEED] [DATA_SETS]
#   (defaults: build/src/prrt, 20261204, 60)
#
# Each data set: n from 5 to 300, times on a grid of 1, 0.5 or 0.2 (heavy ties), 20-95% events, 2-3 groups in
# 2 strata, two covariates. Compared: the stratified log-rank chi-square (rho 0, 0.5 or 1), the Kaplan-Meier
# median with its CI and the last row's band (a random conf type), Cox coefficients (1e-6) and log-likelihood
# (Efron or Breslow ties; where R does not converge, only that prrt does not either), Spearman's rho and p,
# each group's KM median and median follow-up with their CIs, Gray's test per cause (1e-7; cmprsk's
# Fortran sums in its own order); then random r x c tables: Fisher's p (1e-8: FEXACT merges weights within its tolerance) and the
# chi-square statistic. Relative 1e-9 unless said (a log-likelihood near 0 absolutely). Where R gives no
# test (a chi-square on 0 df: fewer than two groups with expected events, or a singular variance; Cox
# without events or without a covariate to estimate), prrt must refuse with a message. Prints each
# difference; exits 1 if any.
suppressMessages({
  library(survival)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
prrt <- if (length(args) >= 1) args[1] else "build/src/prrt"
seed <- if (length(args) >= 2) as.integer(args[2]) else 20261204L
data_sets <- if (length(args) >= 3) as.integer(args[3]) else 60L
set.seed(seed)
dir <- tempfile("prrt-differential-")
dir.create(dir)

# prrt's JSON for `prrt stats ARGS --json`, or NULL where it refused (exit status not 0; its message printed).
prrt_json <- function(stats_args) {
  err <- tempfile()
  out <- suppressWarnings(system2(prrt, shQuote(c("stats", stats_args, "--json")), stdout = TRUE, stderr = err))
  message <- readLines(err)
  unlink(err)
  if (!is.null(attr(out, "status"))) {
    cat("  (prrt stats", stats_args[1], "refused:", message, ")\n")
    return(NULL)
  }
  fromJSON(paste(out, collapse = "\n"), simplifyVector = FALSE)
}
null_to_na <- function(x) if (is.null(x)) NA_real_ else x

differences <- 0L
compared <- 0L
# Relative `tolerance`, on a scale of at least `scale` (1 for a log-likelihood, whose 1e-10 are rounding).
check <- function(where, what, ours, theirs, tolerance = 1e-9, scale = 1e-300) {
  ours <- null_to_na(ours)
  compared <<- compared + 1L
  same <- if (is.na(theirs) || is.na(ours)) {
    is.na(theirs) && is.na(ours)
  } else {
    abs(ours - theirs) <= tolerance * max(abs(theirs), scale)
  }
  if (!same) {
    differences <<- differences + 1L
    cat(sprintf("%s: %s: prrt %.17g, R %.17g\n", where, what, ours, theirs))
  }
}
check_refused <- function(where, what, result) {
  compared <<- compared + 1L
  if (!is.null(result)) {
    differences <<- differences + 1L
    cat(sprintf("%s: %s: R gives no test, prrt gave one\n", where, what))
  }
}

for (k in seq_len(data_sets)) {
  n <- sample(c(5, 12, 30, 80, 300), 1)
  grid <- sample(c(1, 2, 5), 1)
  time <- round(rexp(n, 0.1) * grid) / grid + sample(c(0, 0.5), 1)
  time[time <= 0] <- 0.25
  d <- data.frame(time = time, event = rbinom(n, 1, runif(1, 0.2, 0.95)),
                  g = sample(c("a", "b", "c")[seq_len(sample(2:3, 1))], n, replace = TRUE),
                  s = sample(c("s1", "s2"), n, replace = TRUE),
                  x1 = round(rnorm(n), 1), x2 = rbinom(n, 1, 0.4))
  file <- file.path(dir, sprintf("data%02d.csv", k))
  write.csv(d, file, row.names = FALSE, quote = FALSE)
  where <- sprintf("data set %d (n = %d)", k, n)
  input <- c("--input", file, "--time", "time", "--event", "event")

  rho <- sample(c(0, 0.5, 1), 1)
  ours <- prrt_json(c("logrank", input, "--group", "g", "--strata", "s", "--rho", rho))
  theirs <- tryCatch(survdiff(Surv(time, event) ~ g + strata(s), data = d, rho = rho),
                     error = function(e) NULL)  # a singular variance: "system is exactly singular"
  expected <- if (is.null(theirs)) 0 else if (is.matrix(theirs$exp)) rowSums(theirs$exp) else theirs$exp
  if (sum(expected > 0) < 2) {
    check_refused(where, "log-rank", ours)
  } else {
    check(where, sprintf("log-rank chi-square, rho %g", rho), ours$chisq, theirs$chisq)
  }

  conf_type <- sample(c("log", "log-log", "plain", "logit", "arcsin"), 1)
  ours <- prrt_json(c("km", input, "--conf-type", conf_type))$groups[[1]]
  fit <- survfit(Surv(time, event) ~ 1, data = d, conf.type = conf_type)
  table <- summary(fit)$table
  check(where, "KM median", ours$median, unname(table["median"]))
  check(where, paste("KM median lower,", conf_type), ours$median_lower, unname(table["0.95LCL"]))
  check(where, paste("KM median upper,", conf_type), ours$median_upper, unname(table["0.95UCL"]))
  last <- ours$table[[length(ours$table)]]
  check(where, paste("KM last lower,", conf_type), last$lower, tail(fit$lower, 1))
  check(where, paste("KM last upper,", conf_type), last$upper, tail(fit$upper, 1))

  # By group: the median and its CI, and the median follow-up (reverse Kaplan-Meier, R's flipped status).
  for (command in c("km", "followup")) {
    ours <- prrt_json(c(command, input, "--group", "g"))$groups
    fit <- survfit(if (command == "km") Surv(time, event) ~ g else Surv(time, 1 - event) ~ g, data = d)
    table <- summary(fit)$table
    if (is.null(dim(table))) table <- matrix(table, 1, dimnames = list(paste0("g=", d$g[1]), names(table)))
    for (group in ours) {
      theirs <- table[paste0("g=", group$group), ]
      what <- paste(command, "group", group$group)
      check(where, paste(what, "median"), group$median, unname(theirs["median"]))
      check(where, paste(what, "median lower"), group$median_lower, unname(theirs["0.95LCL"]))
      check(where, paste(what, "median upper"), group$median_upper, unname(theirs["0.95UCL"]))
    }
  }

  # Competing risks: events alternate between causes 1 and 2; Gray's test per cause (cmprsk gives -1 where
  # its variance is singular, prrt null).
  d$cause <- ifelse(d$event == 1, 1 + seq_len(n) %% 2, 0)
  write.csv(d, file, row.names = FALSE, quote = FALSE)
  gray <- tryCatch(cmprsk::cuminc(d$time, d$cause, d$g)$Tests, error = function(e) NULL)
  ours <- prrt_json(c("cuminc", "--input", file, "--time", "time", "--status", "cause", "--group", "g"))
  if (is.null(gray)) {  # one group: nothing to compare
    check_refused(where, "Gray's test", if (length(ours$gray) > 0) ours)
  } else {
    for (cause in rownames(gray)) {
      test <- Filter(function(t) t$cause == cause, ours$gray)
      statistic <- if (length(test) == 1) null_to_na(test[[1]]$chisq) else NA_real_
      check(where, paste("Gray's test, cause", cause), statistic,
            if (gray[cause, "stat"] < 0) NA_real_ else gray[cause, "stat"], 1e-7)
    }
  }

  ties <- sample(c("efron", "breslow"), 1)
  ours <- prrt_json(c("cox", input, "--covariates", "x1,x2", "--ties", ties))
  cox <- if (sum(d$event) > 0) suppressWarnings(coxph(Surv(time, event) ~ x1 + x2, data = d, ties = ties))
  if (is.null(cox) || all(diag(cox$var) == 0)) {  # no events, or no covariate estimable
    check_refused(where, "Cox", ours)
  } else if (cox$iter > 20) {
    # R ran out of iterations (a monotone likelihood, coefficients heading for infinity): where they stop
    # is rounding, so only that prrt did not converge either is compared.
    compared <- compared + 1L
    if (!isFALSE(ours$converged)) {
      differences <- differences + 1L
      cat(sprintf("%s: Cox: R did not converge, prrt did\n", where))
    }
  } else {
    for (i in 1:2) check(where, paste("Cox coefficient", i, ties), ours$coefficients[[i]]$coef, unname(coef(cox)[i]), 1e-6)
    check(where, paste("Cox log-likelihood", ties), ours$loglik, cox$loglik[2], scale = 1)
  }

  ours <- prrt_json(c("spearman", "--input", file, "--x", "time", "--y", "x1"))
  theirs <- suppressWarnings(cor.test(d$time, d$x1, method = "spearman"))
  check(where, "Spearman rho", ours$rho, unname(theirs$estimate))
  check(where, "Spearman p", ours$p, theirs$p.value)
}

for (k in seq_len(data_sets)) {
  rows <- sample(2:5, 1)
  cols <- sample(2:5, 1)
  x <- matrix(rmultinom(1, sample(10:70, 1), rgamma(rows * cols, 1)), rows)
  x <- x[rowSums(x) > 0, colSums(x) > 0, drop = FALSE]
  if (nrow(x) < 2 || ncol(x) < 2) next
  table <- paste(apply(x, 1, paste, collapse = ","), collapse = ";")
  where <- sprintf("table %s", table)
  check(where, "Fisher p", prrt_json(c("fisher", "--table", table))$p, fisher.test(x, workspace = 2e8)$p.value, 1e-8)
  check(where, "chi-square", prrt_json(c("chisq", "--table", table))$statistic,
        unname(suppressWarnings(chisq.test(x, correct = FALSE))$statistic))
}

unlink(dir, recursive = TRUE)
cat(sprintf("seed %d: %d values compared, %d differences\n", seed, compared, differences))
quit(status = if (differences > 0) 1 else 0)
