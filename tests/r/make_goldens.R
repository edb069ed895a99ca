# Writes the R-parity golden files (tests/golden/*.json) that the C++ tests compare against.
# Each case is the `prrt` command line to run and the JSON that R's survival/stats compute for it.
#   Rscript tests/r/make_goldens.R        (from the repository root; needs scripts/install-deps.sh --dev)
# The inputs are read back from the committed CSV files, so R and prrt see the same numbers.
suppressMessages({
  library(survival)
  library(jsonlite)
  library(prodlim)
  library(cmprsk)
})
source("tests/r/spss_rules.R")  # spss_quantile, spss_logrank
data_dir <- "tests/data"
golden_dir <- "tests/golden"
read_set <- function(name) read.csv(file.path(data_dir, paste0(name, ".csv")), stringsAsFactors = FALSE)
num <- function(x) { x <- as.numeric(x); x[!is.finite(x)] <- NA; x }
write_golden <- function(cases, name) {
  writeLines(toJSON(cases, auto_unbox = TRUE, digits = I(17), na = "null", null = "null", pretty = TRUE),
             file.path(golden_dir, paste0(name, ".json")))
}
strata_names <- function(fit, groups) {
  if (is.null(fit$strata)) return(rep("all", 1))
  sub("^[^=]*=", "", names(fit$strata))
}

# ---- Kaplan–Meier: survfit tables and print.survfit medians ----
surv_lhs <- function(time, event, start = NULL) {
  if (is.null(start)) sprintf("Surv(%s, %s)", time, event) else sprintf("Surv(%s, %s, %s)", start, time, event)
}
# weights: a column of case weights; R's survfit then gives weighted counts, and with weights that are not all
# whole numbers the infinitesimal jackknife SE of S itself (logse = FALSE) rather than Greenwood's of log S.
km_case <- function(set, time, event, group = NULL, conf.type = "log", conf.int = 0.95, start = NULL,
                    weights = NULL) {
  df <- read_set(set)
  rhs <- if (is.null(group)) "1" else group
  f <- as.formula(sprintf("%s ~ %s", surv_lhs(time, event, start), rhs))
  call <- quote(survfit(f, data = df, conf.type = conf.type, conf.int = conf.int))
  if (!is.null(weights)) call$weights <- as.name(weights)
  fit <- eval(call)
  tab <- summary(fit)$table
  if (is.null(dim(tab))) tab <- t(as.matrix(tab))
  nstrata <- if (is.null(fit$strata)) 1 else length(fit$strata)
  idx <- if (is.null(fit$strata)) list(seq_along(fit$time)) else split(seq_along(fit$time), rep(seq_len(nstrata), fit$strata))
  names <- strata_names(fit)
  lcl <- sprintf("%sLCL", format(conf.int)); ucl <- sprintf("%sUCL", format(conf.int))
  se_of_surv <- if (fit$logse) fit$std.err * fit$surv else fit$std.err
  group_rows <- if (is.null(group)) list(seq_len(nrow(df))) else split(seq_len(nrow(df)), df[[group]])
  groups <- lapply(seq_len(nstrata), function(s) {
    i <- idx[[s]]
    g <- list(group = names[s], n = tab[s, "records"], events = tab[s, "events"],
              median = num(tab[s, "median"]), median_lower = num(tab[s, lcl]), median_upper = num(tab[s, ucl]),
              table = data.frame(time = fit$time[i], n_risk = fit$n.risk[i], n_event = fit$n.event[i],
                                 n_censor = fit$n.censor[i], surv = fit$surv[i],
                                 std_err = num(se_of_surv[i]),
                                 lower = num(fit$lower[i]), upper = num(fit$upper[i])))
    if (!is.null(weights)) {
      # R's table counts weights; prrt's n and events count rows, and gives the weighted sums beside them.
      g$events <- sum(df[[event]][group_rows[[s]]])
      g$weighted_n <- sum(df[[weights]][group_rows[[s]]])  # R's n.start, for (start, stop] data the first risk set
      g$weighted_events <- tab[s, "events"]
    }
    g
  })
  args <- c("stats", "km", "--input", file.path(data_dir, paste0(set, ".csv")), "--time", time, "--event", event)
  if (!is.null(group)) args <- c(args, "--group", group)
  if (!is.null(start)) args <- c(args, "--start", start)
  if (!is.null(weights)) args <- c(args, "--weights", weights)
  args <- c(args, "--conf-type", conf.type, "--conf-level", format(conf.int), "--json")
  list(name = sprintf("%s %s~%s %s %s%s", set, surv_lhs(time, event, start), rhs, conf.type, conf.int,
                      if (is.null(weights)) "" else sprintf(" weights %s", weights)),
       args = args, expected = list(conf_type = conf.type, conf_level = conf.int,
                                    weighted = !is.null(weights), groups = groups))
}
km <- list()
for (ct in c("log", "log-log", "plain", "logit", "arcsin")) km[[length(km) + 1]] <- km_case("lung", "time", "status", "sex", ct)
km <- c(km, list(
  km_case("lung", "time", "status"),
  km_case("lung", "time", "status", "ph.ecog"),
  km_case("lung", "time", "status", "sex", "log", 0.9),
  km_case("aml", "time", "status", "x"),
  km_case("aml", "time", "status", "x", "log-log"),
  km_case("veteran", "time", "status", "trt"),
  km_case("veteran", "time", "status", "celltype", "plain"),
  km_case("ovarian", "futime", "fustat", "rx"),
  km_case("mgus2", "futime", "death", "sex"),
  km_case("synthetic_ties", "time", "status", "arm"),
  km_case("synthetic_ties", "time", "status", "arm", "logit"),
  km_case("synthetic_ties", "time", "status", "arm", "arcsin"),
  km_case("synthetic_edge", "time", "status", "grp"),
  km_case("synthetic_edge", "time", "status", "grp", "log-log"),
  km_case("synthetic_edge", "time", "status", "grp", "plain"),
  km_case("synthetic_neartie", "time", "status", "arm"),
  km_case("synthetic_dummy", "time", "status", "grp"),
  km_case("heart", "stop", "event", "transplant", start = "start"),
  km_case("heart", "stop", "event", "surgery", "log-log", start = "start"),
  km_case("synthetic_counting", "stop", "status", "salvage", start = "start"),
  km_case("synthetic_counting", "stop", "status", "site", "plain", start = "start"),
  km_case("synthetic_counting_neartie", "stop", "status", "salvage", start = "start"),
  # Counting-process data with case weights: whole (weighted counts, Greenwood) and fractional (the
  # infinitesimal jackknife, each row's influence counted from when it entered).
  km_case("synthetic_counting_weighted", "stop", "status", "salvage", start = "start", weights = "copies"),
  km_case("synthetic_counting_weighted", "stop", "status", "salvage", start = "start", weights = "ipw"),
  km_case("synthetic_counting_weighted", "stop", "status", "site", "log-log", start = "start", weights = "ipw"),
  km_case("synthetic_counting_weighted", "stop", "status", NULL, "plain", 0.9, start = "start", weights = "ipw"),
  # survival's doaml.R: weights of 2 leave the curve as it was and halve the variance
  km_case("aml", "time", "status", "x", weights = "two"),
  km_case("synthetic_weighted", "time", "status", "arm", weights = "copies"),
  km_case("synthetic_weighted", "time", "status", "arm", "plain", weights = "copies"),
  km_case("synthetic_weighted", "time", "status", "arm", weights = "ipw"),
  km_case("synthetic_weighted", "time", "status", "arm", "log-log", weights = "ipw"),
  km_case("synthetic_weighted", "time", "status", "arm", "plain", 0.9, weights = "ipw"),
  km_case("synthetic_weighted", "time", "status", "arm", "logit", weights = "ipw"),
  km_case("synthetic_weighted", "time", "status", "arm", "arcsin", weights = "ipw"),
  km_case("synthetic_weighted", "time", "status", NULL, weights = "ipw"),
  # curves that reach 0 under fractional weights (SE 0 there, as R gives) and tied times
  km_case("synthetic_weighted_to_zero", "time", "status", "grp", weights = "w"),
  km_case("synthetic_weighted_to_zero", "time", "status", "grp", "plain", weights = "w"),
  km_case("synthetic_weighted_to_zero", "time", "status", "grp", "log-log", weights = "w")
))
write_golden(km, "km")

# ---- SPSS-style median CI: the reconstruction in ../shared/reference/statistics.md §2 (spss_rules.R) ----
spss_case <- function(set, time, event, group) {
  df <- read_set(set)
  fit <- survfit(as.formula(sprintf("Surv(%s, %s) ~ %s", time, event, group)), data = df)
  z <- qnorm(0.975)
  names <- strata_names(fit)
  groups <- lapply(seq_along(fit$strata), function(s) {
    q <- spss_quantile(fit[s], fit[s]$std.err * fit[s]$surv, 0.5, z)
    list(group = names[s], median = q[1], median_lower = q[2], median_upper = q[3], median_std_err = q[4])
  })
  list(name = sprintf("spss %s ~ %s", set, group),
       args = c("stats", "km", "--input", file.path(data_dir, paste0(set, ".csv")), "--time", time, "--event", event,
                "--group", group, "--median-ci", "spss", "--json"),
       expected = list(groups = groups))
}
write_golden(list(spss_case("lung", "time", "status", "sex"), spss_case("aml", "time", "status", "x"),
                  spss_case("veteran", "time", "status", "trt"), spss_case("synthetic_ties", "time", "status", "arm"),
                  spss_case("synthetic_edge", "time", "status", "grp")), "km_spss")

# ---- Log-rank: survdiff, and the SPSS weights by the textbook formula written in R (spss_rules.R) ----
logrank_args <- function(set, time, event, group, extra = character()) {
  c("stats", "logrank", "--input", file.path(data_dir, paste0(set, ".csv")), "--time", time, "--event", event,
    "--group", group, extra, "--json")
}
survdiff_case <- function(set, time, event, group, rho = 0, strata = NULL) {
  df <- read_set(set)
  rhs <- if (is.null(strata)) group else sprintf("%s + strata(%s)", group, strata)
  fit <- survdiff(as.formula(sprintf("Surv(%s, %s) ~ %s", time, event, rhs)), data = df, rho = rho)
  obs <- if (is.matrix(fit$obs)) rowSums(fit$obs) else fit$obs
  exp <- if (is.matrix(fit$exp)) rowSums(fit$exp) else fit$exp
  extra <- c("--rho", format(rho))
  if (!is.null(strata)) extra <- c(extra, "--strata", strata)
  etmp <- exp > 0
  list(name = sprintf("survdiff %s %s rho=%s strata=%s", set, group, rho, if (is.null(strata)) "-" else strata),
       args = logrank_args(set, time, event, group, extra),
       expected = list(chisq = fit$chisq, df = sum(etmp) - 1,
                       p = pchisq(fit$chisq, sum(etmp) - 1, lower.tail = FALSE),
                       groups = data.frame(group = sub("^[^=]*=", "", names(fit$n)), n = as.vector(fit$n),
                                           observed = obs, expected = exp)))
}
weighted_case <- function(set, time, event, group, weights) {
  df <- read_set(set)
  df <- df[complete.cases(df[, c(time, event, group)]), ]
  test <- spss_logrank(df[[time]], df[[event]], df[[group]], 1, weights)
  list(name = sprintf("%s %s %s", weights, set, group), args = logrank_args(set, time, event, group, c("--weights", weights)),
       expected = list(chisq = test$chisq, df = test$df, p = pchisq(test$chisq, test$df, lower.tail = FALSE),
                       groups = data.frame(group = test$group, n = test$n, observed = test$observed,
                                           expected = test$expected)))
}
# Each pair of groups on its own rows (survdiff, or the SPSS weights, on the subset), p.adjust over the pairs
# that have a test (a pair without two groups with expected events has none).
pairwise_case <- function(set, time, event, group, rho = 0, strata = NULL, weights = NULL, adjust = "none") {
  df <- read_set(set)
  df <- df[complete.cases(df[, c(time, event, group, strata)]), ]
  levels <- levels(factor(df[[group]]))
  pairs <- list()
  for (a in seq_along(levels)) for (b in seq_along(levels)[-seq_len(a)]) {
    d <- df[df[[group]] %in% levels[c(a, b)], ]
    test <- if (is.null(weights)) {
      rhs <- if (is.null(strata)) group else sprintf("%s + strata(%s)", group, strata)
      fit <- survdiff(as.formula(sprintf("Surv(%s, %s) ~ %s", time, event, rhs)), data = d, rho = rho)
      tested <- sum((if (is.matrix(fit$exp)) rowSums(fit$exp) else fit$exp) > 0)
      if (tested >= 2) list(chisq = fit$chisq, df = tested - 1)
    } else {
      spss_logrank(d[[time]], d[[event]], d[[group]], 1, weights)
    }
    pairs[[length(pairs) + 1]] <- list(groups = levels[c(a, b)], chisq = if (is.null(test)) NULL else test$chisq,
                                       df = if (is.null(test)) 0 else test$df,
                                       p = if (is.null(test)) NULL else pchisq(test$chisq, test$df, lower.tail = FALSE))
  }
  p <- sapply(pairs, function(pair) if (is.null(pair$p)) NA else pair$p)
  adjusted <- p.adjust(p, adjust)
  for (i in seq_along(pairs)) pairs[[i]]$p_adjusted <- if (is.na(adjusted[i])) NULL else adjusted[i]
  extra <- c("--rho", format(rho), if (!is.null(strata)) c("--strata", strata), "--pairwise", "--p-adjust", adjust)
  if (!is.null(weights)) extra <- c("--weights", weights, extra[-(1:2)])
  list(name = sprintf("pairwise %s %s rho=%s strata=%s weights=%s adjust=%s", set, group, rho,
                      if (is.null(strata)) "-" else strata, if (is.null(weights)) "-" else weights, adjust),
       args = logrank_args(set, time, event, group, extra), expected = list(p_adjust = adjust, pairwise = pairs))
}
write_golden(list(
  pairwise_case("veteran", "time", "status", "celltype"),
  pairwise_case("veteran", "time", "status", "celltype", adjust = "holm"),
  pairwise_case("veteran", "time", "status", "celltype", rho = 1, adjust = "BH"),
  pairwise_case("veteran", "time", "status", "celltype", strata = "prior", adjust = "bonferroni"),
  pairwise_case("veteran", "time", "status", "celltype", weights = "breslow", adjust = "holm"),
  pairwise_case("veteran", "time", "status", "celltype", weights = "tarone-ware", adjust = "BH"),
  pairwise_case("lung", "time", "status", "ph.ecog", adjust = "holm"),
  pairwise_case("synthetic_dummy", "time", "status", "grp", adjust = "BH")
), "logrank_pairwise")

write_golden(list(
  survdiff_case("aml", "time", "status", "x"),
  survdiff_case("aml", "time", "status", "x", rho = 1),
  survdiff_case("lung", "time", "status", "sex"),
  survdiff_case("lung", "time", "status", "sex", rho = 1),
  survdiff_case("lung", "time", "status", "sex", rho = 0.5),
  survdiff_case("lung", "time", "status", "pat.karno", strata = "inst"),
  survdiff_case("veteran", "time", "status", "trt"),
  survdiff_case("veteran", "time", "status", "celltype"),
  survdiff_case("veteran", "time", "status", "celltype", strata = "prior"),
  survdiff_case("ovarian", "futime", "fustat", "rx"),
  survdiff_case("mgus2", "futime", "death", "sex"),
  survdiff_case("synthetic_ties", "time", "status", "arm"),
  survdiff_case("synthetic_ties", "time", "status", "arm", rho = 1),
  survdiff_case("synthetic_neartie", "time", "status", "arm"),
  survdiff_case("synthetic_dummy", "time", "status", "grp"),
  survdiff_case("synthetic_dummy", "time", "status", "grp", strata = "site"),
  weighted_case("aml", "time", "status", "x", "breslow"),
  weighted_case("aml", "time", "status", "x", "tarone-ware"),
  weighted_case("lung", "time", "status", "sex", "breslow"),
  weighted_case("lung", "time", "status", "sex", "tarone-ware"),
  weighted_case("veteran", "time", "status", "celltype", "breslow"),
  weighted_case("synthetic_ties", "time", "status", "arm", "tarone-ware")
), "logrank")

# ---- Median follow-up: reverse KM with survival's flipped status, and prodlim's reverse = TRUE ----
# weights: case weights (the reverse curve's counts weighted; fractional ones bring survfit's jackknife SE).
followup_case <- function(set, time, event, group = NULL, weights = NULL) {
  df <- read_set(set)
  rhs <- if (is.null(group)) "1" else group
  call <- quote(survfit(as.formula(sprintf("Surv(%s, %s == 0) ~ %s", time, event, rhs)), data = df))
  if (!is.null(weights)) call$weights <- as.name(weights)
  fit <- eval(call)
  tab <- summary(fit)$table
  if (is.null(dim(tab))) tab <- t(as.matrix(tab))
  names <- strata_names(fit)
  group_rows <- if (is.null(group)) list(seq_len(nrow(df))) else split(seq_len(nrow(df)), df[[group]])
  args <- c("stats", "followup", "--input", file.path(data_dir, paste0(set, ".csv")), "--time", time, "--event", event)
  if (!is.null(group)) args <- c(args, "--group", group)
  if (!is.null(weights)) args <- c(args, "--weights", weights)
  list(name = sprintf("followup %s ~ %s%s", set, rhs, if (is.null(weights)) "" else sprintf(" weights %s", weights)),
       args = c(args, "--json"),
       expected = list(ties = "survival", weighted = !is.null(weights), groups = lapply(seq_len(nrow(tab)), function(s) {
         g <- list(group = names[s], n = tab[s, "records"], censored = tab[s, "events"], median = num(tab[s, "median"]),
                   median_lower = num(tab[s, "0.95LCL"]), median_upper = num(tab[s, "0.95UCL"]))
         if (!is.null(weights)) {
           # R's table counts weights; prrt's n and censored count rows, with the weighted sums beside them.
           g$censored <- sum(df[[event]][group_rows[[s]]] == 0)
           g$weighted_n <- sum(df[[weights]][group_rows[[s]]])  # R's n.start, for (start, stop] data the first risk set
           g$weighted_censored <- tab[s, "events"]
         }
         g
       })))
}
prodlim_case <- function(set, time, event) {
  df <- read_set(set)
  df$t_ <- df[[time]]; df$e_ <- df[[event]]
  fit <- prodlim(Hist(t_, e_) ~ 1, data = df, reverse = TRUE)
  list(name = sprintf("prodlim reverse %s", set),
       args = c("stats", "followup", "--input", file.path(data_dir, paste0(set, ".csv")), "--time", time,
                "--event", event, "--ties", "prodlim", "--json"),
       expected = list(ties = "prodlim", groups = list(list(group = "all", table = data.frame(time = fit$time, surv = fit$surv)))))
}
write_golden(list(followup_case("lung", "time", "status"), followup_case("mgus2", "futime", "death"),
                  followup_case("veteran", "time", "status", "trt"), followup_case("synthetic_ties", "time", "status", "arm"),
                  followup_case("aml", "time", "status", "x"),
                  followup_case("synthetic_weighted", "time", "status", "arm", weights = "copies"),
                  followup_case("synthetic_weighted", "time", "status", "arm", weights = "ipw"),
                  followup_case("synthetic_weighted_to_zero", "time", "status", NULL, weights = "w")), "followup")
write_golden(list(prodlim_case("synthetic_ties", "time", "status"), prodlim_case("lung", "time", "status"),
                  prodlim_case("aml", "time", "status")), "followup_prodlim")

# ---- Cox: coxph ----
# cluster: R's cluster(), the robust (Lin-Wei) variance by cluster; robust: R's robust = TRUE, each row its own;
# weights: a column of case weights (fractional ones make R's variance robust by default); residuals: also
# residuals(fit, type) of the rows used (martingale, deviance, score, dfbeta, dfbetas) and of the deaths
# (schoenfeld, with their times from the row names).
cox_case <- function(set, time, event, covariates, ties = "efron", strata = NULL, start = NULL, cluster = NULL,
                     robust = FALSE, weights = NULL, residuals = FALSE, wald_by_solve = FALSE) {
  df <- read_set(set)
  rhs <- paste(covariates, collapse = " + ")
  if (!is.null(strata)) rhs <- sprintf("%s + strata(%s)", rhs, strata)
  if (!is.null(cluster)) rhs <- sprintf("%s + cluster(%s)", rhs, cluster)
  call <- list(formula = as.formula(sprintf("%s ~ %s", surv_lhs(time, event, start), rhs)), data = df,
               ties = ties)
  if (robust || !is.null(cluster)) call$robust <- TRUE
  if (!is.null(weights)) call$weights <- as.name(weights)
  fit <- do.call(coxph, call)
  s <- summary(fit)$coefficients
  ci <- summary(fit)$conf.int
  args <- c("stats", "cox", "--input", file.path(data_dir, paste0(set, ".csv")), "--time", time, "--event", event,
            "--covariates", paste(covariates, collapse = ","), "--ties", ties)
  if (!is.null(strata)) args <- c(args, "--strata", strata)
  if (!is.null(start)) args <- c(args, "--start", start)
  if (!is.null(cluster)) args <- c(args, "--cluster", cluster)
  if (robust) args <- c(args, "--robust")
  if (!is.null(weights)) args <- c(args, "--weights", weights)
  if (residuals) args <- c(args, "--residuals")
  test <- function(chisq, df) list(chisq = as.numeric(chisq), df = df, p = pchisq(as.numeric(chisq), df, lower.tail = FALSE))
  aliased <- unname(is.na(fit$coefficients))  # R prints se 0 for these; prrt gives no se (null)
  b <- unname(fit$coefficients[!aliased])
  p <- sum(!aliased)  # the tests' degrees of freedom
  coefficients <- data.frame(name = rownames(s), coef = s[, "coef"], se = ifelse(aliased, NA, s[, "se(coef)"]),
                             hr = s[, "exp(coef)"], hr_lower = ci[, "lower .95"],
                             hr_upper = ci[, "upper .95"], z = s[, "z"], p = s[, "Pr(>|z|)"],
                             aliased = aliased, row.names = NULL)
  expected <- list(n = fit$n, events = fit$nevent, dropped = length(fit$na.action),
                   loglik_null = fit$loglik[1], loglik = fit$loglik[2], iterations = fit$iter,
                   coefficients = coefficients,
                   lr_test = test(2 * diff(fit$loglik), p),
                   wald_test = test(if (wald_by_solve) drop(b %*% solve(fit$var[!aliased, !aliased], b)) else fit$wald.test, p),
                   score_test = test(fit$score, p), robust = !is.null(fit$naive.var))
  if (expected$robust) {
    expected$coefficients$robust_se <- ifelse(aliased, NA, unname(s[, "robust se"]))
    kept <- setdiff(seq_len(nrow(df)), as.integer(fit$na.action))
    used <- if (is.null(cluster)) kept else df[[cluster]][kept]
    expected$clusters <- length(unique(used))
    expected$robust_score_test <- test(fit$rscore, p)
  }
  if (residuals) {
    by_coefficient <- function(m) {
      m <- as.matrix(m)
      lapply(setNames(seq_along(aliased), names(fit$coefficients)), function(j) unname(m[, j]))
    }
    schoenfeld <- by_coefficient(residuals(fit, "schoenfeld"))
    schoenfeld$time <- as.numeric(rownames(as.matrix(residuals(fit, "schoenfeld"))))
    expected$residuals <- list(martingale = unname(residuals(fit)), deviance = unname(residuals(fit, "deviance")),
                               score = by_coefficient(residuals(fit, "score")),
                               dfbeta = by_coefficient(residuals(fit, "dfbeta")),
                               dfbetas = by_coefficient(residuals(fit, "dfbetas")), schoenfeld = schoenfeld)
  }
  name <- sprintf("coxph %s %s ~ %s (%s%s%s%s)", set, surv_lhs(time, event, start), rhs, ties,
                  if (robust) ", robust" else "", if (is.null(weights)) "" else sprintf(", weights %s", weights),
                  if (residuals) ", residuals" else "")
  list(name = name, args = c(args, "--json"), expected = expected)
}
write_golden(list(
  cox_case("lung", "time", "status", "sex"),
  cox_case("lung", "time", "status", "sex", "breslow"),
  cox_case("lung", "time", "status", c("sex", "age", "ph.ecog")),
  cox_case("lung", "time", "status", c("age", "wt.loss"), strata = "sex"),
  cox_case("veteran", "time", "status", c("celltype", "karno")),
  cox_case("veteran", "time", "status", c("celltype", "karno"), "breslow"),
  cox_case("veteran", "time", "status", c("trt", "age", "prior"), strata = "celltype"),
  cox_case("ovarian", "futime", "fustat", c("age", "rx")),
  cox_case("mgus2", "futime", "death", c("age", "sex", "hgb", "creat")),
  cox_case("synthetic_ties", "time", "status", "arm"),
  cox_case("synthetic_ties", "time", "status", "arm", "breslow"),
  cox_case("synthetic_neartie", "time", "status", "arm"),
  cox_case("heart", "stop", "event", c("age", "year", "surgery", "transplant"), start = "start"),
  cox_case("heart", "stop", "event", c("age", "transplant"), "breslow", start = "start"),
  cox_case("heart", "stop", "event", c("age", "transplant"), strata = "surgery", start = "start"),
  cox_case("synthetic_counting", "stop", "status", c("salvage", "age"), start = "start"),
  cox_case("synthetic_counting", "stop", "status", c("salvage", "age"), "breslow", start = "start"),
  cox_case("synthetic_counting", "stop", "status", "salvage", strata = "site", start = "start"),
  cox_case("synthetic_counting_neartie", "stop", "status", c("salvage", "age"), start = "start"),
  # covariates on scales a million apart, nearly collinear: aliased only by the unscaled information
  # (R's wald.test, coxph.wtest, applies cholesky2's rule to the unscaled variance, leaves age_big out and
  # gives 11.08; its own solve() gives b' V^-1 b = 15.107, prrt's.)
  cox_case("synthetic_scaled", "time", "status", c("age_big", "age_noisy", "sex"), wald_by_solve = TRUE),
  # a coefficient heading for -infinity, its information left from larger risks leaving the sums
  cox_case("synthetic_counting_monotone", "stop", "status", c("x1", "x2"), strata = "s", start = "start",
           weights = "w"),
  cox_case("lung", "time", "status", c("age", "sex"), cluster = "inst"),
  cox_case("lung", "time", "status", c("age", "sex", "ph.ecog"), "breslow", cluster = "inst"),
  cox_case("lung", "time", "status", "age", strata = "sex", cluster = "inst"),
  cox_case("veteran", "time", "status", c("celltype", "karno"), robust = TRUE),
  cox_case("synthetic_ties", "time", "status", "arm", robust = TRUE),
  cox_case("synthetic_ties", "time", "status", "arm", "breslow", robust = TRUE),
  cox_case("heart", "stop", "event", c("age", "transplant"), start = "start", cluster = "id"),
  cox_case("heart", "stop", "event", c("age", "transplant"), "breslow", start = "start", cluster = "id"),
  cox_case("synthetic_counting", "stop", "status", c("salvage", "age"), strata = "site", start = "start",
           cluster = "id"),
  cox_case("synthetic_counting_neartie", "stop", "status", c("salvage", "age"), start = "start", cluster = "id"),
  cox_case("synthetic_weighted", "time", "status", c("arm", "age"), weights = "copies"),
  cox_case("synthetic_weighted", "time", "status", c("arm", "age"), "breslow", weights = "copies"),
  cox_case("synthetic_weighted", "time", "status", c("arm", "age"), robust = TRUE, weights = "copies"),
  cox_case("synthetic_weighted", "time", "status", c("arm", "age"), weights = "ipw"),
  cox_case("synthetic_weighted", "time", "status", c("arm", "age"), "breslow", weights = "ipw"),
  cox_case("synthetic_weighted", "time", "status", c("arm", "age"), cluster = "id", weights = "ipw"),
  cox_case("synthetic_counting_weighted", "stop", "status", c("salvage", "age"), start = "start", weights = "ipw"),
  cox_case("synthetic_counting_weighted", "stop", "status", c("salvage", "age"), strata = "site", start = "start",
           cluster = "id", weights = "ipw"),
  cox_case("lung", "time", "status", c("age", "sex", "ph.ecog"), residuals = TRUE),
  cox_case("veteran", "time", "status", c("celltype", "karno"), "breslow", residuals = TRUE),
  cox_case("synthetic_ties", "time", "status", "arm", residuals = TRUE),
  cox_case("heart", "stop", "event", c("age", "transplant"), start = "start", residuals = TRUE),
  cox_case("synthetic_counting", "stop", "status", c("salvage", "age"), strata = "site", start = "start",
           residuals = TRUE),
  cox_case("synthetic_weighted", "time", "status", c("arm", "age"), weights = "ipw", residuals = TRUE),
  cox_case("synthetic_aliased", "time", "status", c("age", "sex", "age_months")),
  cox_case("synthetic_aliased", "time", "status", c("age", "age_plus_sex", "sex"), "breslow"),
  cox_case("synthetic_aliased", "time", "status", c("one", "age", "ph.ecog")),
  cox_case("synthetic_aliased", "time", "status", c("age", "sex", "age_months"), strata = "ph.ecog", robust = TRUE),
  cox_case("synthetic_aliased", "time", "status", c("age", "sex", "age_months"), residuals = TRUE)
), "cox")

# ---- Proportional hazards: cox.zph (survival 3.x score tests and scaled Schoenfeld residuals) ----
# Residuals are compared only for models whose terms are single columns (R collapses a factor's columns into
# one residual); they are put in the order prrt uses: stratum, time, then row.
zph_case <- function(set, time, event, covariates, transform = "km", ties = "efron", strata = NULL, start = NULL,
                     weights = NULL) {
  df <- read_set(set)
  rhs <- paste(covariates, collapse = " + ")
  if (!is.null(strata)) rhs <- sprintf("%s + strata(%s)", rhs, strata)
  call <- list(formula = as.formula(sprintf("%s ~ %s", surv_lhs(time, event, start), rhs)), data = df, ties = ties)
  if (!is.null(weights)) {
    df[[weights]] <- as.numeric(df[[weights]])  # cox.zph (survival 3.5-3) fails on integer weights
    call$data <- df
    call$weights <- as.name(weights)
  }
  fit <- do.call(coxph, call)
  z <- cox.zph(fit, transform = transform)
  tab <- z$table
  nterm <- nrow(tab) - 1
  # A term whose coefficients are all aliased (NA) has no row in R's table; prrt gives it no test (null on 0 df).
  row <- match(covariates, rownames(tab)[1:nterm])
  expected <- list(transform = transform,
                   terms = data.frame(term = covariates, chisq = tab[row, "chisq"],
                                      df = ifelse(is.na(row), 0, tab[row, "df"]), p = tab[row, "p"],
                                      row.names = NULL),
                   global = list(chisq = tab[nterm + 1, "chisq"], df = tab[nterm + 1, "df"], p = tab[nterm + 1, "p"]))
  if (length(fit$coefficients) == nterm) {
    mf <- model.frame(fit)
    y <- model.response(mf)
    istrat <- if (is.null(strata)) rep(0L, nrow(y)) else as.integer(strata(mf[[ncol(mf)]])) - 1L
    ny <- ncol(y)
    indx <- if (ny == 2) order(istrat, y[, 1]) else rev(order(-istrat, -y[, 2]))
    indx <- indx[y[indx, ny] == 1]
    o <- order(istrat[indx], z$time, indx)
    expected$time <- unname(z$time[o])
    expected$transformed <- unname(z$x[o])
    expected$scaled_residuals <- lapply(setNames(seq_len(nterm), colnames(z$y)), function(j) unname(z$y[o, j]))
  }
  args <- c("stats", "cox", "--input", file.path(data_dir, paste0(set, ".csv")), "--time", time, "--event", event,
            "--covariates", paste(covariates, collapse = ","), "--ties", ties, "--zph", transform)
  if (!is.null(strata)) args <- c(args, "--strata", strata)
  if (!is.null(start)) args <- c(args, "--start", start)
  if (!is.null(weights)) args <- c(args, "--weights", weights)
  list(name = sprintf("cox.zph %s %s ~ %s (%s, %s%s)", set, surv_lhs(time, event, start), rhs, ties, transform,
                      if (is.null(weights)) "" else sprintf(", weights %s", weights)),
       args = c(args, "--json"), expected = list(zph = expected))
}
write_golden(list(
  zph_case("veteran", "time", "status", c("trt", "celltype", "karno")),
  zph_case("lung", "time", "status", c("age", "sex", "ph.ecog")),
  zph_case("lung", "time", "status", c("age", "sex"), "identity"),
  zph_case("lung", "time", "status", c("age", "sex"), "rank"),
  zph_case("lung", "time", "status", c("age", "sex"), "log"),
  zph_case("ovarian", "futime", "fustat", c("age", "rx"), ties = "breslow"),
  zph_case("veteran", "time", "status", c("age", "karno"), strata = "celltype"),
  zph_case("heart", "stop", "event", c("age", "transplant"), start = "start"),
  zph_case("synthetic_counting", "stop", "status", c("salvage", "age"), strata = "site", start = "start"),
  zph_case("synthetic_weighted", "time", "status", "age", weights = "copies"),
  zph_case("synthetic_weighted", "time", "status", "age", "identity", "breslow", weights = "ipw"),
  zph_case("synthetic_counting_weighted", "stop", "status", c("salvage", "age"), start = "start", weights = "ipw"),
  zph_case("synthetic_aliased", "time", "status", c("age", "age_plus_sex", "sex"), ties = "breslow"),
  # trt_partial constant among the large-cell tumours: scaled by the deaths of the other strata, NA there
  zph_case("synthetic_zph_strata", "time", "status", c("karno", "trt_partial"), strata = "celltype"),
  zph_case("synthetic_zph_strata", "time", "status", c("trt_partial", "karno"), "identity", "breslow",
           strata = "celltype")
), "zph")

# ---- Contingency tables: fisher.test and chisq.test ----
table_arg <- function(m) paste(apply(m, 1, paste, collapse = ","), collapse = ";")
# alternative: R's two.sided, less or greater (prrt's --alternative two-sided, less or greater; 2 x 2 only).
fisher_case <- function(m, conf.level = 0.95, workspace = 200000, alternative = "two.sided") {
  ft <- fisher.test(m, conf.level = conf.level, workspace = workspace, alternative = alternative)
  expected <- list(p = ft$p.value)
  args <- c("stats", "fisher", "--table", table_arg(m), "--conf-level", format(conf.level))
  name <- sprintf("fisher %s", table_arg(m))
  if (all(dim(m) == 2)) {
    finite_or_null <- function(x) if (is.finite(x)) unname(x) else NA
    expected <- c(expected, list(odds_ratio = finite_or_null(ft$estimate), or_lower = finite_or_null(ft$conf.int[1]),
                                 or_upper = finite_or_null(ft$conf.int[2])))
  }
  if (alternative != "two.sided") {
    args <- c(args, "--alternative", alternative)
    name <- sprintf("%s %s", name, alternative)
    expected$alternative <- alternative
  }
  list(name = name, args = c(args, "--json"), expected = expected)
}
# Where FEXACT runs out of workspace: R's sum over every 2 x 3 table with the margins of `m` whose probability
# is at most the observed one's times 1 + 1e-7 (fisher.test's rule). A table's probability is the product of
# two hypergeometric terms (its first cell's, then its second's given the first), which dhyper computes
# without the cancellation of log-factorials near 1e6 (about 1e-10 of rounding at n = 190,000).
fisher_enumerated_case <- function(m) {
  stopifnot(all(dim(m) == c(2, 3)))
  r <- rowSums(m); cc <- colSums(m)
  probability <- function(a, b) dhyper(a, cc[1], cc[2] + cc[3], r[1]) * dhyper(b, cc[2], cc[3], r[1] - a)
  observed <- probability(m[1, 1], m[1, 2])
  p <- 0
  for (a in max(0, r[1] - cc[2] - cc[3]):min(r[1], cc[1])) {
    b <- max(0, r[1] - a - cc[3]):min(r[1] - a, cc[2])
    terms <- probability(a, b)
    p <- p + sum(sort(terms[terms <= observed * (1 + 1e-7)]))
  }
  list(name = sprintf("fisher %s (every table)", table_arg(m)),
       args = c("stats", "fisher", "--table", table_arg(m), "--json"),
       expected = list(p = p))
}
set.seed(7)
write_golden(list(
  fisher_case(matrix(c(3, 1, 1, 3), 2)),                       # TeaTasting
  fisher_case(matrix(c(26, 247, 44, 1002), 2)),                # bronch
  fisher_case(matrix(c(10, 0, 3, 12), 2)),                     # a zero cell: OR infinite
  fisher_case(matrix(c(0, 7, 9, 4), 2)),                       # a zero cell: OR 0
  fisher_case(matrix(c(120, 80, 95, 140), 2), 0.9),
  fisher_case(matrix(c(2, 8, 9, 3), 2)),
  fisher_case(matrix(c(3, 1, 1, 3), 2), alternative = "less"),           # TeaTasting, one-sided
  fisher_case(matrix(c(3, 1, 1, 3), 2), alternative = "greater"),        # (as in ?fisher.test)
  fisher_case(matrix(c(26, 247, 44, 1002), 2), alternative = "less"),    # bronch: p near 1
  fisher_case(matrix(c(26, 247, 44, 1002), 2), alternative = "greater"), # and near 0
  fisher_case(matrix(c(10, 0, 3, 12), 2), alternative = "greater"),      # a zero cell: OR and upper infinite
  fisher_case(matrix(c(0, 7, 9, 4), 2), alternative = "less"),           # OR 0
  fisher_case(matrix(c(0, 7, 9, 4), 2), alternative = "greater"),        # lower limit 0 at x = lo
  fisher_case(matrix(c(120, 80, 95, 140), 2), 0.9, alternative = "less"),
  fisher_case(matrix(c(1, 2, 1, 0, 3, 3, 6, 1, 10, 10, 14, 9, 6, 7, 12, 11), 4, byrow = TRUE)),  # Job satisfaction
  fisher_case(matrix(c(6, 7, 5, 10, 11, 9, 8, 9, 7, 9, 10, 9), 3, byrow = TRUE)),
  fisher_case(matrix(c(2, 1, 0, 3, 2, 2, 3, 1, 5, 1, 2, 4, 1, 3, 3, 4, 1, 2, 3, 2, 4, 1, 4, 2, 4), 5, byrow = TRUE)),
  fisher_case(matrix(c(12, 3, 1, 2, 9, 8, 0, 4, 11), 3, byrow = TRUE)),
  fisher_case(matrix(c(5, 0, 0, 0, 6, 1, 1, 0, 7), 3, byrow = TRUE)),
  fisher_case(matrix(c(14, 9, 6, 3, 7, 12), 2, byrow = TRUE)),
  # More rows than columns (the network runs on the transposed table) and tied margins (fills of rows with
  # equal totals are counted once with their multiplicity).
  fisher_case(matrix(c(7, 8, 1, 4, 8, 7, 1, 4, 5, 2, 5, 8), 6, byrow = TRUE)),
  fisher_case(matrix(c(6, 4, 4, 6, 4, 6, 5, 5, 5, 5, 6, 4), 6, byrow = TRUE)),
  fisher_case(matrix(c(2, 3, 3, 3, 3, 4, 3, 4, 5, 1, 0, 3, 2, 3, 1), 5, byrow = TRUE)),
  fisher_case(matrix(c(1, 3, 3, 3, 2, 2, 2, 4, 4, 3, 2, 1, 3, 2, 3, 2), 4, byrow = TRUE)),
  fisher_case(matrix(c(1, 1, 1, 1, 2, 2, 1, 1, 2, 0, 0, 1, 1, 2, 2, 2, 2, 1, 1, 0, 1, 1, 2, 0, 2), 5, byrow = TRUE)),
  fisher_case(matrix(c(2, 1, 0, 2, 2, 0, 1, 2, 0, 3, 2, 0, 3, 2, 0, 0, 2, 1, 1, 1, 0, 0, 3, 2), 6, byrow = TRUE)),
  fisher_case(matrix(c(2, 1, 2, 1, 3, 4, 3, 1, 1, 1, 4, 2, 0, 0, 2, 4, 4, 5), 2, byrow = TRUE)),
  # 5 x 5, n = 100, uneven margins (R's r2dtable): seconds for FEXACT.
  fisher_case(matrix(c(11, 9, 7, 5, 2, 5, 9, 5, 3, 3, 5, 4, 4, 4, 2, 5, 4, 1, 4, 0, 2, 1, 1, 3, 1), 5, byrow = TRUE),
              workspace = 2e8),
  fisher_case(matrix(c(16, 10, 7, 5, 2, 4, 5, 5, 6, 3, 3, 1, 4, 2, 2, 5, 4, 2, 4, 4, 2, 0, 1, 2, 1), 5, byrow = TRUE),
              workspace = 2e8),
  # r2dtable tables with 4 added along the diagonal (most column fills are settled in groups by a bound).
  fisher_case(matrix(c(5, 2, 1, 3, 1, 3, 6, 1, 1, 1, 7, 2, 6, 8, 1, 3, 1, 1, 8, 1, 4, 4, 4, 9, 7), 5, byrow = TRUE),
              workspace = 2e8),
  fisher_case(matrix(c(7, 1, 5, 3, 2, 5, 0, 0, 2, 3, 9, 1, 0, 2, 2, 4, 4, 1, 4, 0), 5, byrow = TRUE), workspace = 2e8),
  # n = 15,000 and p near 1e-166 and 1e-199: a node's weights span thousands of log units, while the network
  # keeps masses relative to each node's heaviest (what underflows must not matter).
  fisher_enumerated_case(matrix(c(2500, 3500, 1500, 4000, 2000, 1500), 2, byrow = TRUE)),
  fisher_enumerated_case(matrix(c(3000, 4200, 1800, 4800, 2400, 1800), 2, byrow = TRUE)),
  # n = 15,100 near independence (the p of most tables is near 1).
  fisher_enumerated_case(matrix(c(5000, 5000, 5000, 5000, 5000, 5100), 2, byrow = TRUE)),
  # n = 190,002: near the mode of the last two rows' splits the factors of the ratio of neighbouring
  # hypergeometric terms multiply to more than 2^31 (a product of ints overflowed there, and prrt gave p = 1).
  fisher_enumerated_case(matrix(c(1, 47400, 47600, 1, 47600, 47400), 2, byrow = TRUE))
), "fisher")

# 2 x 2 tables for tests/stats/contingency_test.cpp, which calls the library on each (no process per table) and
# expects R's p, odds ratio and limits to 1e-13. The odds ratio and the limits are roots that uniroot finds to
# within 1.2e-4 only, so agreeing beyond that needs the same function values as R's, bit for bit; the first
# tables are ones where values from log-factorial differences (prrt before 3 December 2026) sent Brent's
# method another way and the odds ratio ended 2e-6 to 7e-5 away. The rest are random, from small counts to
# thousands, with every alternative and several confidence levels.
fisher_2x2_case <- function(cells, alternative, conf.level) {
  ft <- fisher.test(matrix(cells, 2, byrow = TRUE), alternative = alternative, conf.level = conf.level)
  finite_or_null <- function(x) if (is.finite(x)) unname(x) else NA
  list(table = cells, alternative = sub(".", "-", alternative, fixed = TRUE), conf_level = conf.level,
       p = ft$p.value, odds_ratio = finite_or_null(ft$estimate), or_lower = finite_or_null(ft$conf.int[1]),
       or_upper = finite_or_null(ft$conf.int[2]))
}
set.seed(11)
fisher_2x2_cases <- lapply(list(c(2, 4, 3, 1), c(2, 6, 14, 10), c(6, 9, 12, 3), c(7, 14, 1, 6), c(1, 3, 13, 11),
                                c(2, 6, 11, 7)), fisher_2x2_case, "two.sided", 0.95)
while (length(fisher_2x2_cases) < 400) {
  cells <- sample(0:sample(c(3, 15, 60, 400, 3000), 1), 4, TRUE)
  if (all(c(cells[1] + cells[2], cells[3] + cells[4], cells[1] + cells[3], cells[2] + cells[4]) > 0)) {
    fisher_2x2_cases[[length(fisher_2x2_cases) + 1]] <-
      fisher_2x2_case(cells, sample(c("two.sided", "less", "greater"), 1), sample(c(0.9, 0.95, 0.99, 0.999), 1))
  }
}
write_golden(fisher_2x2_cases, "fisher_2x2_tables")

chisq_case <- function(m, yates) {
  ct <- suppressWarnings(chisq.test(m, correct = yates))
  args <- c("stats", "chisq", "--table", table_arg(m), if (yates) "--yates", "--json")
  list(name = sprintf("chisq %s yates=%s", table_arg(m), yates), args = args,
       expected = list(statistic = unname(ct$statistic), df = unname(ct$parameter), p = ct$p.value,
                       expected = unname(ct$expected)))
}
bronch <- matrix(c(26, 247, 44, 1002), 2)
write_golden(list(
  chisq_case(bronch, TRUE), chisq_case(bronch, FALSE),
  chisq_case(matrix(c(3, 1, 1, 3), 2), TRUE),
  chisq_case(matrix(c(12, 3, 1, 2, 9, 8, 0, 4, 11), 3, byrow = TRUE), FALSE),
  chisq_case(matrix(c(12, 3, 1, 2, 9, 8, 0, 4, 11), 3, byrow = TRUE), TRUE),  # Yates ignored beyond 2 x 2
  chisq_case(matrix(c(40, 22, 18, 31, 27, 35, 12, 9, 20), 3, byrow = TRUE), FALSE),
  chisq_case(matrix(c(10.5, 4, 3, 8.25), 2), TRUE)
), "chisq")

# ---- chisq.test(simulate.p.value = TRUE): the p it estimates, by enumerating every table ----
# The permutation p-value: the probability, given both margins (multivariate hypergeometric), of the tables
# whose X^2 is at least the observed one's within R's relative 64 eps. The C++ test checks prrt's Monte Carlo
# estimate against it within its standard error (prrt's random tables are not R's).
tables_with_margins <- function(row_totals, col_totals) {
  fills <- function(total, caps) {  # every way to put `total` into cells of capacities `caps`
    if (length(caps) == 1) return(if (total <= caps) list(total) else list())
    do.call(c, lapply(0:min(total, caps[1]), function(v) lapply(fills(total - v, caps[-1]), function(rest) c(v, rest))))
  }
  if (length(row_totals) == 1) return(list(matrix(col_totals, 1)))
  do.call(c, lapply(fills(row_totals[1], col_totals), function(row)
    lapply(tables_with_margins(row_totals[-1], col_totals - row), function(rest) rbind(row, rest, deparse.level = 0))))
}
chisq_permutation_case <- function(x) {
  expected <- outer(rowSums(x), colSums(x)) / sum(x)
  statistic <- function(t) sum((t - expected)^2 / expected)
  tables <- tables_with_margins(rowSums(x), colSums(x))
  log_p <- sapply(tables, function(t) sum(lfactorial(rowSums(x))) + sum(lfactorial(colSums(x))) -
                    lfactorial(sum(x)) - sum(lfactorial(t)))
  as_extreme <- sapply(tables, statistic) >= statistic(x) * (1 - 64 * .Machine$double.eps)
  set.seed(1)
  list(rows = nrow(x), cols = ncol(x), table = as.vector(t(x)), statistic = statistic(x),
       tables = length(tables), p = sum(exp(log_p[as_extreme])),
       r_simulated = chisq.test(x, simulate.p.value = TRUE, B = 1e5)$p.value)  # for comparison only
}
writeLines(toJSON(lapply(list(
  matrix(c(3, 1, 0, 1, 3, 4), 2, byrow = TRUE),
  matrix(c(4, 1, 0, 1, 3, 2, 0, 2, 5), 3, byrow = TRUE),
  matrix(c(5, 0, 2, 1, 1, 4, 0, 3), 2, byrow = TRUE),
  matrix(c(2, 0, 1, 1, 0, 2, 1, 0, 1, 0, 0, 3), 3, byrow = TRUE),
  matrix(c(6, 1, 2, 5), 2, byrow = TRUE),
  matrix(c(4, 1, 1, 4), 2, byrow = TRUE)  # the mirror table has the same X^2: ties must count
), chisq_permutation_case), auto_unbox = TRUE, digits = I(17), pretty = TRUE),
file.path(golden_dir, "chisq_permutation.json"))

# ---- Correlation: cor.test (Spearman: exact, AS 89 Edgeworth, t; Pearson), with R's options ----
# `options`: cor.test's alternative, exact, continuity and conf.level, passed to prrt as its flags.
cor_case <- function(set, x, y, method, options = list()) {
  df <- read_set(set)
  ok <- complete.cases(df[, c(x, y)])
  ct <- suppressWarnings(do.call(cor.test, c(list(df[[x]][ok], df[[y]][ok], method = method), options)))
  flags <- c(if (!is.null(options$alternative)) c("--alternative", sub(".", "-", options$alternative, fixed = TRUE)),
             if (!is.null(options$exact)) c("--exact", tolower(options$exact)),
             if (isTRUE(options$continuity)) "--continuity",
             if (!is.null(options$conf.level)) c("--conf-level", options$conf.level))
  args <- c("stats", method, "--input", file.path(data_dir, paste0(set, ".csv")), "--x", x, "--y", y, flags,
            "--json")
  expected <- if (method == "spearman") {
    n <- sum(ok)
    ties <- anyDuplicated(df[[x]][ok]) > 0 || anyDuplicated(df[[y]][ok]) > 0
    counted <- !isFALSE(options$exact) && !ties && n <= 1290
    list(rho = unname(ct$estimate), p = ct$p.value, n = n, S = unname(ct$statistic),
         method = if (!counted) "t" else if (n <= 9) "exact" else "edgeworth")
  } else {
    list(r = unname(ct$estimate), t = unname(ct$statistic), df = unname(ct$parameter), p = ct$p.value,
         lower = ct$conf.int[1], upper = ct$conf.int[2])
  }
  list(name = trimws(paste(sprintf("%s %s %s~%s", method, set, x, y), paste(flags, collapse = " "))),
       args = args, expected = expected)
}
write_golden(c(
  lapply(c("9", "8", "20", "12", "35", "1300", "6"), function(k)
    cor_case("synthetic_pairs", paste0("x", k), paste0("y", k), "spearman")),
  list(cor_case("lung", "age", "meal.cal", "spearman"), cor_case("lung", "ph.karno", "pat.karno", "spearman"),
       cor_case("veteran", "karno", "time", "spearman"),
       cor_case("lung", "age", "meal.cal", "pearson"), cor_case("synthetic_pairs", "x35", "y35", "pearson"),
       cor_case("synthetic_pairs", "x9", "y9", "pearson")),
  # One-sided, without counting (R's exact = FALSE, as SPSS) and with the continuity correction: counted
  # (n = 8, 9), AS 89 (n = 20) and tied (lung) data.
  list(cor_case("synthetic_pairs", "x8", "y8", "spearman", list(alternative = "greater")),
       cor_case("synthetic_pairs", "x9", "y9", "spearman", list(alternative = "less")),
       cor_case("synthetic_pairs", "x8", "y8", "spearman", list(exact = FALSE)),
       cor_case("synthetic_pairs", "x20", "y20", "spearman", list(alternative = "greater")),
       cor_case("synthetic_pairs", "x20", "y20", "spearman", list(alternative = "less")),
       cor_case("synthetic_pairs", "x20", "y20", "spearman", list(exact = FALSE)),
       cor_case("synthetic_pairs", "x20", "y20", "spearman", list(exact = FALSE, continuity = TRUE)),
       cor_case("synthetic_pairs", "x12", "y12", "spearman", list(exact = TRUE, continuity = TRUE)),
       cor_case("lung", "age", "meal.cal", "spearman", list(alternative = "less", continuity = TRUE)),
       cor_case("lung", "age", "meal.cal", "spearman", list(alternative = "greater")),
       cor_case("lung", "age", "meal.cal", "pearson", list(alternative = "less", conf.level = 0.9)),
       cor_case("lung", "age", "meal.cal", "pearson", list(alternative = "greater")),
       cor_case("synthetic_pairs", "x9", "y9", "pearson", list(conf.level = 0.99)))
), "correlation")

# ---- quantile(type = 1 to 9) on small samples (ties, n = 1 and 2, negative values), for the C++ unit test ----
# Written with sprintf("%.17g") (C's correctly rounded printing), not jsonlite, whose 17 digits can miss the
# double by a few units in the last place: the test compares to the last bit.
quantile_probs <- c(0, 0.001, 0.1, 0.2, 0.25, 1 / 3, 0.4, 0.5, 0.6, 2 / 3, 0.75, 0.8, 0.9, 0.999, 1)
exact_numbers <- function(v) paste0("[", paste(sprintf("%.17g", v), collapse = ", "), "]")
writeLines(c("[", paste(sapply(list(c(1, 2, 4, 8), 5, c(3, -1), c(1, 1, 2, 2, 2, 3), c(2.5, 2.5, 2.5),
                                    c(-3.2, 0.1, 7, 7.5, 10, 12.25, 40, 41, 100, 1e3, 1e4), 1:10, 1:20), function(x)
  sprintf('  {"x": %s, "probs": %s, "types": [%s]}', exact_numbers(x), exact_numbers(quantile_probs),
          paste(sapply(1:9, function(type) exact_numbers(quantile(x, quantile_probs, type = type))), collapse = ", "))),
  collapse = ",\n"), "]"), file.path(golden_dir, "quantile_types.json"))

# ---- Descriptives: quantile(type = 7, or as asked), mean, sd, range; table() ----
describe_case <- function(set, column, group = NULL, type = 7) {
  df <- read_set(set)
  keep <- !is.na(df[[column]]) & df[[column]] != ""
  if (!is.null(group)) keep <- keep & !is.na(df[[group]])
  df <- df[keep, ]
  g <- if (is.null(group)) factor(rep("all", nrow(df))) else factor(df[[group]])
  numeric <- is.numeric(df[[column]])
  groups <- lapply(levels(g), function(lv) {
    x <- df[[column]][g == lv]
    if (numeric) {
      q <- unname(quantile(x, c(0.25, 0.5, 0.75), type = type))
      list(group = lv, n = length(x), mean = mean(x), sd = sd(x), min = min(x), q1 = q[1], median = q[2], q3 = q[3],
           max = max(x))
    } else {
      tab <- table(factor(x, levels = sort(unique(df[[column]]))))
      list(group = lv, n = length(x), levels = data.frame(level = names(tab), count = as.vector(tab),
                                                        percent = 100 * as.vector(tab) / length(x)))
    }
  })
  args <- c("stats", "describe", "--input", file.path(data_dir, paste0(set, ".csv")), "--column", column)
  if (!is.null(group)) args <- c(args, "--group", group)
  if (type != 7) args <- c(args, "--quantile-type", type)
  list(name = sprintf("describe %s %s by %s%s", set, column, if (is.null(group)) "-" else group,
                      if (type != 7) sprintf(" type %d", type) else ""), args = c(args, "--json"),
       expected = list(type = if (numeric) "numeric" else "categorical", groups = groups))
}
write_golden(list(
  describe_case("lung", "age"), describe_case("lung", "age", "sex"), describe_case("lung", "wt.loss", "ph.ecog"),
  describe_case("veteran", "celltype"), describe_case("veteran", "celltype", "trt"),
  describe_case("mgus2", "hgb", "sex"), describe_case("synthetic_pairs", "x35"),
  describe_case("lung", "age", "sex", type = 6), describe_case("lung", "wt.loss", "ph.ecog", type = 6),
  describe_case("mgus2", "hgb", "sex", type = 2), describe_case("synthetic_pairs", "x35", type = 9)
), "describe")

# ---- Other quantiles with their CI: quantile.survfit (it agrees with print's rule away from a curve that
# ends flat exactly on the quantile, which these data sets do not) ----
quantile_case <- function(set, time, event, group, probs) {
  df <- read_set(set)
  fit <- survfit(as.formula(sprintf("Surv(%s, %s) ~ %s", time, event, group)), data = df)
  q <- quantile(fit, probs)
  names <- strata_names(fit)
  groups <- lapply(seq_along(names), function(s) list(group = names[s], quantiles = lapply(seq_along(probs), function(j)
    list(p = probs[j], estimate = num(q$quantile[s, j]), lower = num(q$lower[s, j]), upper = num(q$upper[s, j])))))
  list(name = sprintf("quantile %s ~ %s", set, group),
       args = c("stats", "km", "--input", file.path(data_dir, paste0(set, ".csv")), "--time", time, "--event", event,
                "--group", group, "--quantiles", paste(probs, collapse = ","), "--json"),
       expected = list(groups = groups))
}
write_golden(list(quantile_case("lung", "time", "status", "sex", c(0.1, 0.25, 0.75)),
                  quantile_case("veteran", "time", "status", "trt", c(0.25, 0.75, 0.9)),
                  quantile_case("mgus2", "futime", "death", "sex", c(0.2, 0.4, 0.6)),
                  quantile_case("aml", "time", "status", "x", c(0.25, 0.75))), "km_quantiles")

# ---- Competing risks: cmprsk::cuminc (estimates, Aalen variance, Gray's test) ----
# The pointwise CI is the log(-log) interval of tidycmprsk and SAS LIFETEST (cmprsk gives none):
# F^exp(±z·se / |F log F|), lower with +.
cuminc_case <- function(set, time, status, group = NULL, strata = NULL, censor = 0, rho = 0, conf.level = 0.95) {
  df <- read_set(set)
  g <- if (is.null(group)) rep(1, nrow(df)) else df[[group]]
  st <- if (is.null(strata)) rep(1, nrow(df)) else df[[strata]]
  fit <- cuminc(df[[time]], df[[status]], g, st, rho = rho, cencode = censor)
  z <- qnorm(1 - (1 - conf.level) / 2)
  tests <- fit$Tests
  curve_names <- setdiff(names(fit), "Tests")
  causes <- sort(unique(df[[status]][df[[status]] != censor]))
  groups <- if (is.null(group)) "1" else sort(unique(as.character(g)))
  curves <- list()
  for (cause in causes) for (grp in groups) {
    x <- fit[[paste(grp, cause)]]
    half <- ifelse(x$est > 0 & x$est < 1, z * sqrt(x$var) / abs(x$est * log(x$est)), NA)
    curves[[length(curves) + 1]] <- list(cause = as.character(cause), group = if (is.null(group)) "all" else grp,
                                         time = x$time, estimate = x$est, variance = x$var,
                                         lower = x$est^exp(half), upper = x$est^exp(-half))
  }
  gray <- if (is.null(tests)) list() else lapply(seq_len(nrow(tests)), function(i)
    list(cause = rownames(tests)[i], chisq = tests[i, "stat"], df = tests[i, "df"], p = tests[i, "pv"]))
  args <- c("stats", "cuminc", "--input", file.path(data_dir, paste0(set, ".csv")), "--time", time, "--status", status)
  if (!is.null(group)) args <- c(args, "--group", group)
  if (!is.null(strata)) args <- c(args, "--strata", strata)
  if (censor != 0) args <- c(args, "--censor-code", format(censor))
  if (rho != 0) args <- c(args, "--rho", format(rho))
  if (conf.level != 0.95) args <- c(args, "--conf-level", format(conf.level))
  list(name = sprintf("cuminc %s %s~%s strata=%s censor=%s rho=%s", set, status, if (is.null(group)) "1" else group,
                      if (is.null(strata)) "none" else strata, censor, rho),
       args = c(args, "--json"),
       expected = list(rho = rho, conf_level = conf.level, curves = curves, gray = gray))
}
write_golden(list(
  cuminc_case("synthetic_competing", "time", "cause", "arm"),
  cuminc_case("synthetic_competing", "time", "cause", "arm", rho = 1),
  cuminc_case("synthetic_competing", "time", "cause9", "arm", censor = 9, conf.level = 0.9),
  cuminc_case("synthetic_competing", "time", "cause"),
  cuminc_case("synthetic_competing_edge", "time", "cause", "arm"),
  cuminc_case("mgus2_competing", "etime", "event", "sex"),
  cuminc_case("mgus2_competing", "etime", "event", "sex", strata = "age70")
), "cuminc")

# ---- The curves read at chosen times: summary(fit, times = ...) (extend = FALSE) ----
km_times_case <- function(set, time, event, group = NULL, times, conf.type = "log", start = NULL) {
  df <- read_set(set)
  rhs <- if (is.null(group)) "1" else group
  fit <- survfit(as.formula(sprintf("%s ~ %s", surv_lhs(time, event, start), rhs)), data = df, conf.type = conf.type)
  s <- summary(fit, times = times)
  names <- strata_names(fit)
  # summary() leaves out the strata with no time retained; every group is in prrt's output, with an empty list
  row_strata <- if (is.null(fit$strata)) rep(names[1], length(s$time)) else sub("^[^=]*=", "", as.character(s$strata))
  groups <- lapply(names, function(g) {
    i <- which(row_strata == g)
    list(group = g, at_times = lapply(i, function(k)
      list(time = s$time[k], n_risk = s$n.risk[k], n_event = s$n.event[k], n_censor = s$n.censor[k],
           surv = s$surv[k], std_err = num(s$std.err[k]), lower = num(s$lower[k]), upper = num(s$upper[k]))))
  })
  args <- c("stats", "km", "--input", file.path(data_dir, paste0(set, ".csv")), "--time", time, "--event", event)
  if (!is.null(group)) args <- c(args, "--group", group)
  if (!is.null(start)) args <- c(args, "--start", start)
  args <- c(args, "--conf-type", conf.type, "--times", paste(as.character(times), collapse = ","), "--summary",
            "--json")
  list(name = sprintf("times %s %s~%s %s at %s", set, surv_lhs(time, event, start), rhs, conf.type,
                      paste(times, collapse = ",")),
       args = args, expected = list(groups = groups))
}
write_golden(list(
  # before the first time, on event and censoring times, between them, repeated, unsorted, after the end
  km_times_case("aml", "time", "status", "x", c(48, 0, 4, 5, 8, 12.5, 30, 30, 45, -1, 100, 161, 200)),
  km_times_case("lung", "time", "status", "sex", c(90, 182.625, 365.25, 730.5, 1000)),
  km_times_case("lung", "time", "status", "ph.ecog", c(100, 180, 365, 500), "log-log"),
  km_times_case("veteran", "time", "status", "celltype", c(30, 90, 180, 365), "plain"),
  km_times_case("synthetic_edge", "time", "status", "grp", c(1, 10, 12, 23, 50, 60, 87, 110)),
  km_times_case("heart", "stop", "event", "transplant", c(10, 100, 365, 1000), start = "start")
), "km_times")

# ---- Restricted mean survival time: print.survfit(rmean = ...), read from summary(fit, rmean = ...)$table ----
# The limit (rmean_to) by R's rule: common, the last time of all curves; individual, each curve's own; a number,
# itself.
km_rmean_case <- function(set, time, event, group = NULL, rmean = "common", start = NULL, weights = NULL) {
  df <- read_set(set)
  rhs <- if (is.null(group)) "1" else group
  call <- quote(survfit(as.formula(sprintf("%s ~ %s", surv_lhs(time, event, start), rhs)), data = df))
  if (!is.null(weights)) call$weights <- as.name(weights)
  fit <- eval(call)
  tab <- summary(fit, rmean = rmean)$table
  if (is.null(dim(tab))) tab <- t(as.matrix(tab))
  names <- strata_names(fit)
  nstrata <- if (is.null(fit$strata)) 1 else length(fit$strata)
  last <- if (is.null(fit$strata)) max(fit$time) else
    vapply(split(fit$time, rep(seq_len(nstrata), fit$strata)), max, 0)
  to <- if (is.numeric(rmean)) rep(rmean, nstrata) else if (rmean == "common") rep(max(fit$time), nstrata) else last
  groups <- lapply(seq_len(nstrata), function(g)
    list(group = names[g], rmean = tab[g, "rmean"], rmean_se = tab[g, "se(rmean)"], rmean_to = unname(to[g])))
  args <- c("stats", "km", "--input", file.path(data_dir, paste0(set, ".csv")), "--time", time, "--event", event)
  if (!is.null(group)) args <- c(args, "--group", group)
  if (!is.null(start)) args <- c(args, "--start", start)
  if (!is.null(weights)) args <- c(args, "--weights", weights)
  args <- c(args, "--rmean", as.character(rmean), "--summary", "--json")
  list(name = sprintf("rmean %s %s~%s to %s%s", set, surv_lhs(time, event, start), rhs, rmean,
                      if (is.null(weights)) "" else sprintf(" weights %s", weights)),
       args = args, expected = list(rmean = rmean, groups = groups))
}
write_golden(list(
  km_rmean_case("lung", "time", "status", "sex", "common"),
  km_rmean_case("lung", "time", "status", "sex", "individual"),
  km_rmean_case("lung", "time", "status", "sex", 365),
  km_rmean_case("lung", "time", "status", NULL, 730.5),
  km_rmean_case("lung", "time", "status", "ph.ecog", "individual"),
  km_rmean_case("lung", "time", "status", "sex", 2000),   # after the last: the last S carried on
  km_rmean_case("aml", "time", "status", "x", "individual"),  # a curve that reaches 0
  km_rmean_case("aml", "time", "status", "x", 23),        # a limit on an event time
  km_rmean_case("veteran", "time", "status", "celltype", "common"),
  km_rmean_case("synthetic_ties", "time", "status", "arm", "common"),
  km_rmean_case("synthetic_edge", "time", "status", "grp", "individual"),
  km_rmean_case("synthetic_edge", "time", "status", "grp", 50),
  km_rmean_case("heart", "stop", "event", "transplant", "common", start = "start"),
  km_rmean_case("synthetic_weighted", "time", "status", "arm", "individual", weights = "copies"),
  km_rmean_case("synthetic_weighted", "time", "status", "arm", 30, weights = "ipw"),
  km_rmean_case("synthetic_weighted_to_zero", "time", "status", "grp", "common", weights = "w")
), "km_rmean")

# ---- Factor levels of a column as read.csv types it, and R's as.character() of a double ----
# Each case: a column's texts and which rows are dropped (their time is NA); R's levels and 0-based codes of the
# rows kept, in the C locale's order (prrt's order of text levels). And as.character() of doubles of every
# magnitude, halfway cases and neighbours of powers of 10, written with 17 digits (exact).
session_collate <- Sys.getlocale("LC_COLLATE")
invisible(Sys.setlocale("LC_COLLATE", "C"))
factor_case <- function(values, dropped = rep(FALSE, length(values))) {
  csv <- paste0("t,g\n", paste0(ifelse(dropped, "NA", "1"), ",", values, "\n", collapse = ""))
  d <- na.omit(read.csv(text = csv, stringsAsFactors = FALSE))
  f <- factor(d$g)
  list(csv = csv, levels = levels(f), codes = as.integer(f) - 1L)
}
factor_cases <- list(
  factor_case(c("10", "9", "100", "1.0e1", "9", "100", "z", "09"), c(FALSE, FALSE, FALSE, FALSE, FALSE, FALSE, TRUE, FALSE)),
  factor_case(c("10", "9", "100", "1.0e1", "9", "100", "09")),
  factor_case(c("0.30000000000000004", "0.3", "0.1", "+0.1", "-0", "0", "1e5", "100000", "2e5", "123456")),
  factor_case(c("3", "1", "2", "2", "3")),
  factor_case(c("b", "B", "a", "10", "9", "_", "a b")),
  factor_case(c("1e-5", "0.00001", "1E-05", "0.0001", "1e15", "1e16", "999999999999999", "1234567890123456789")),
  factor_case(c("T", "F", "TRUE", "FALSE", "T")),  # logical
  factor_case(c("T", "F", "x", "TRUE"), c(FALSE, FALSE, TRUE, FALSE)),  # text: "x", though dropped
  factor_case(c("true", "false", "TRUE", "True")),  # text: not R's spellings of a logical
  # Integers (named plainly, "100000") against doubles ("1e+05"): R's read.csv makes a column integer where
  # strtol reads every value whole within int's range, but for its smallest value (R's NA)
  factor_case(c("3", "100000", "+2000000", "-100000", "09", "-0", "12000000", "1200000", "2147483647")),
  factor_case(c("100000", "-2147483647", "3")),
  factor_case(c("100000", "2147483648", "3")),
  factor_case(c("100000", "-2147483648", "3")),
  factor_case(c("100000", "1.0", "3")),
  factor_case(c("100000", "1e0", "3")),
  factor_case(c("100000", "3", "1.5", "2e6"), c(FALSE, FALSE, TRUE, FALSE))  # double: "1.5", though dropped
)
set.seed(17)
as_character_values <- c(0, -0, 1, -1, 0.1, 0.1 + 0.2, 1 / 3, 2 / 3, 1e5, -1e5, 1e-5, 1e-4, 123456, 1e15, 1e16, 1e16 - 2,
  123456789012345678, 1e-300, 5e-324, .Machine$double.xmax, .Machine$double.xmin, 99999.99999999999, 9.9999999999999995,
  0.15, 1234.5, 1e100, 1e-100, 1e99, 1e-99, 2^53, 2^53 + 2, 100, 1000, 10000, 0.5, 2.5, 1.005, 123.456,
  pi * 10^(-20:20), 2^(-70:70), (1:200) / 7, round(runif(300, -1e6, 1e6), sample(0:8, 300, replace = TRUE)),
  runif(300) * 10^sample(-320:300, 300, replace = TRUE), 10^(-30:30) * (1 - 2^-52), 10^(-30:30) * (1 + 2^-52),
  (1 - 2^-53) * 10^(1:22), signif(runif(200), sample(1:17, 200, replace = TRUE)))
# How read.csv types a column of "1" and one more text: numbers R reads and prrt does not (hexadecimal, an
# exponent's e without digits), complex numbers (R's strtoc: a real and an 'i', or two reals and an 'i'), and
# texts that come close.
column_class_texts <- c("2i", "1+2i", "1-2.5e3i", "1e5i", "1ei", "Infi", "0x1Ai", "1e+5i", "1e+5+2i", "+2i",
  "-1-1i", "1 +2i", "NaNi", "1.5.5i", "1e-i", "0x1p3i", "1+i", "i", "2ii", "2I", "1+2j", "NAi", "ai", "3-i",
  "i2", "1i2", "1e", "2.5e-", "-1E", "0x1A", "0X1a", "0x1p3", "+0x10", "0x.8", "0x1p", "+-1", "0xg", "1e+5e",
  "1.5", "+2", "-0", "1e5", "Inf", "-inf", "NaN", "infinity", "nan(12)", "NaN()")
column_classes <- lapply(column_class_texts, function(text) {
  list(text = text, class = class(read.csv(text = paste0("x\n1\n", text, "\n"))$x))
})
writeLines(toJSON(list(
  factors = factor_cases,
  column_classes = column_classes,
  as_character = lapply(as_character_values, function(v) list(value = sprintf("%.17g", v), text = as.character(v)))),
  auto_unbox = TRUE, pretty = TRUE), file.path(golden_dir, "factor_levels.json"))
invisible(Sys.setlocale("LC_COLLATE", session_collate))

# ---- The index the C++ tests register their cases from (each test then reads only its own file) ----
index <- do.call(rbind, lapply(sub("\\.json$", "", setdiff(list.files(golden_dir, "\\.json$"), c("index.json", "study.json", "study_beyond.json", "fisher_2x2_tables.json", "chisq_permutation.json", "quantile_types.json", "factor_levels.json"))), function(f) {
  cases <- fromJSON(file.path(golden_dir, paste0(f, ".json")), simplifyVector = FALSE)
  data.frame(file = f, position = seq_along(cases) - 1, name = vapply(cases, function(c) c$name, ""))
}))
writeLines(toJSON(index, pretty = TRUE), file.path(golden_dir, "index.json"))
