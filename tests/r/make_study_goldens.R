# Writes tests/golden/study.json: R's answers for the study's survival statistics on a simulated registry.
# The input is the ADaM ADTTE export of `prrt simulate --patients 1500 --seed 42`, committed as
# tests/data/study_adtte.csv (the C++ test checks that prrt still derives exactly this file):
#   build/src/prrt simulate --patients 1500 --seed 42 --db /tmp/s.db
#   build/src/prrt export --adtte --db /tmp/s.db --to tests/data/study_adtte.csv
#   Rscript tests/r/make_study_goldens.R      (from the repository root)
suppressMessages({
  library(survival)
  library(jsonlite)
})
adtte <- read.csv("tests/data/study_adtte.csv", stringsAsFactors = FALSE)
adtte$event <- 1 - adtte$CNSR
num <- function(x) { x <- as.numeric(x); x[!is.finite(x)] <- NA; x }

# print.survfit's median and its log-CI limits for one parameter in a subset.
median_of <- function(paramcd, cohort = NULL) {
  d <- adtte[adtte$PARAMCD == paramcd, ]
  if (!is.null(cohort)) d <- d[d$COHORT == cohort, ]
  tab <- summary(survfit(Surv(AVAL, event) ~ 1, data = d))$table
  list(param = paramcd, cohort = if (is.null(cohort)) "all" else cohort, n = unname(tab["records"]),
       events = unname(tab["events"]), median = num(tab["median"]), lower = num(tab["0.95LCL"]),
       upper = num(tab["0.95UCL"]))
}
logrank_p <- function(paramcd) {
  d <- adtte[adtte$PARAMCD == paramcd & adtte$COHORT %in% c("retreatment", "control"), ]
  test <- survdiff(Surv(AVAL, event) ~ COHORT, data = d)
  list(param = paramcd, chisq = unname(test$chisq), p = pchisq(test$chisq, length(test$n) - 1, lower.tail = FALSE))
}
golden <- list(
  medians = list(median_of("PFSR", "retreatment"), median_of("PFSRR"), median_of("OS", "retreatment"),
                 median_of("OS", "control"), median_of("PFSI", "retreatment"), median_of("PFSI", "control")),
  logrank = list(logrank_p("OS"), logrank_p("PFSI")))
writeLines(toJSON(golden, auto_unbox = TRUE, digits = I(17), na = "null", pretty = TRUE), "tests/golden/study.json")

# ---- Beyond the paper: R's answers on the analysis data set (prrt study's beyond.csv of the same registry,
# committed as tests/data/study_beyond.csv), written to tests/golden/study_beyond.json in the shape of
# study.json's "beyond_the_paper" object. The rules that turn the data set into each model's rows are the ones
# docs/study.md states. ----
suppressMessages(library(cmprsk))
b <- read.csv("tests/data/study_beyond.csv", stringsAsFactors = FALSE)
b$retreatment <- as.numeric(b$cohort == "retreatment")
z <- qnorm(0.975)
cox_json <- function(fit, zph = FALSE) {
  s <- summary(fit)
  co <- s$coefficients
  out <- list(rows = fit$n, events = fit$nevent,
              terms = data.frame(term = rownames(co), coef = co[, "coef"], se = co[, "se(coef)"],
                                 hr = co[, "exp(coef)"], hr_lower = s$conf.int[, "lower .95"],
                                 hr_upper = s$conf.int[, "upper .95"], p = co[, "Pr(>|z|)"], row.names = NULL),
              lr_test = list(chisq = 2 * diff(fit$loglik), df = length(fit$coefficients),
                             p = pchisq(2 * diff(fit$loglik), length(fit$coefficients), lower.tail = FALSE)))
  if (zph) {
    tab <- cox.zph(fit)$table
    k <- nrow(tab) - 1
    out$zph <- list(transform = "km",
                    terms = data.frame(term = rownames(tab)[1:k], chisq = tab[1:k, "chisq"], df = tab[1:k, "df"],
                                       p = tab[1:k, "p"], row.names = NULL),
                    global = list(chisq = tab[k + 1, "chisq"], df = tab[k + 1, "df"], p = tab[k + 1, "p"]))
  }
  out
}
medians_json <- function(fit, names) {
  tab <- summary(fit)$table
  lapply(seq_along(names), function(g) list(group = names[g], n = unname(tab[g, "records"]),
                                             events = unname(tab[g, "events"]), median = num(tab[g, "median"]),
                                             median_lower = num(tab[g, "0.95LCL"]),
                                             median_upper = num(tab[g, "0.95UCL"])))
}
# Salvage as a time-dependent covariate, times from the relapse.
intervals <- function(d) {
  rows <- list()
  for (i in seq_len(nrow(d))) {
    os <- d$os_months[i] - d$relapse_months[i]
    s <- d$salvage_months[i] - d$relapse_months[i]
    if (!(os > 0)) next
    if (is.na(s) || s >= os) rows[[length(rows) + 1]] <- data.frame(i = i, start = 0, stop = os, event = d$death[i], salvage = 0)
    else if (s <= 0) rows[[length(rows) + 1]] <- data.frame(i = i, start = 0, stop = os, event = d$death[i], salvage = 1)
    else rows[[length(rows) + 1]] <- data.frame(i = i, start = c(0, s), stop = c(s, os), event = c(0, d$death[i]), salvage = c(0, 1))
  }
  r <- do.call(rbind, rows)
  cbind(r, d[r$i, c("age", "sex", "tumour", "krenning", "liver", "bone", "who_grade")])
}
b$landmark <- pmax(0, b$os_months - b$relapse_months)
td <- intervals(b)
complete <- b[complete.cases(b[, c("age", "krenning", "liver", "bone")]) & b$who_grade != "", ]
tdc <- intervals(complete)
adjusted <- coxph(Surv(start, stop, event) ~ salvage + age + sex + tumour + krenning + liver + bone + who_grade, data = tdc)
stratified <- coxph(Surv(start, stop, event) ~ salvage + age + sex + krenning + liver + bone + who_grade + strata(tumour), data = tdc)
ci <- cuminc(b$competing_months, b$competing_status, b$cohort)
tp <- timepoints(ci, c(60, 120))
incidence <- list()
for (cause in c(1, 2)) for (g in c("control", "retreatment")) for (k in 1:2) {
  est <- tp$est[paste(g, cause), k]; se <- sqrt(tp$var[paste(g, cause), k])
  half <- z * se / abs(est * log(est))
  incidence[[length(incidence) + 1]] <- list(cause = c("aml_mds", "death")[cause], group = g, months = c(60, 120)[k],
                                             estimate = est, lower = est^exp(half), upper = est^exp(-half))
}
beyond <- list(
  subjects = nrow(b),
  naive_cox = cox_json(coxph(Surv(os_months, death) ~ retreatment, data = b)),
  landmark_relapse = list(groups = medians_json(survfit(Surv(landmark, death) ~ cohort, data = b), c("control", "retreatment")),
                          logrank_p = pchisq(survdiff(Surv(landmark, death) ~ cohort, data = b)$chisq, 1, lower.tail = FALSE),
                          cox = cox_json(coxph(Surv(landmark, death) ~ retreatment, data = b))),
  time_dependent_cox = cox_json(coxph(Surv(start, stop, event) ~ salvage, data = td)),
  simon_makuch = list(groups = medians_json(survfit(Surv(start, stop, event) ~ salvage, data = td),
                                            c("not salvaged", "salvaged"))),
  adjusted_cox = c(cox_json(adjusted, zph = TRUE), list(subjects_dropped = nrow(b) - nrow(complete))),
  stratified_cox = cox_json(stratified),
  competing_risks = list(incidence = incidence,
                         gray = lapply(1:2, function(k) list(cause = c("aml_mds", "death")[k], chisq = ci$Tests[k, "stat"],
                                                             df = ci$Tests[k, "df"], p = ci$Tests[k, "pv"]))))
writeLines(toJSON(beyond, auto_unbox = TRUE, digits = I(17), na = "null", pretty = TRUE), "tests/golden/study_beyond.json")
