# Times R's survival on the benchmark data sets, in the same run as prrt (bench/compare_r.sh).
# Usage: Rscript bench/compare_r.R DIR N...   writes DIR/r_N.json
suppressMessages({ library(survival); library(data.table); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
for (n in as.numeric(args[-1])) {
  file <- file.path(dir, sprintf("surv_%d.csv", n))
  read_s <- system.time(d <- fread(file))[["elapsed"]]
  km_s <- system.time(fit <- survfit(Surv(time, status) ~ group, data = d))[["elapsed"]]
  lr_s <- system.time(test <- survdiff(Surv(time, status) ~ group, data = d))[["elapsed"]]
  cox_s <- if (n <= 1e6) system.time(cx <- coxph(Surv(time, status) ~ x1 + x2 + x3, data = d))[["elapsed"]] else NA
  # The same with the robust variance, each row its own cluster (prrt stats cox --robust); survival 3.5-3's
  # score residuals take O(n^2) time (23 s at 10^5 rows where the fit takes 0.3 s), so not at 10^6.
  coxr_s <- if (n <= 1e5) system.time(coxph(Surv(time, status) ~ x1 + x2 + x3, data = d, robust = TRUE))[["elapsed"]] else NA
  out <- list(n = n, fread_s = read_s, survfit_s = km_s, survdiff_s = lr_s, coxph_s = cox_s, coxph_robust_s = coxr_s,
              median = unname(summary(fit)$table[, "median"]), chisq = test$chisq,
              coef = if (n <= 1e6) unname(coef(cx)) else NULL)
  writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null"), file.path(dir, sprintf("r_%d.json", n)))
}
