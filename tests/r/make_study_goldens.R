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
