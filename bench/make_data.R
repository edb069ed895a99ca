# Writes the benchmark data sets: 3 groups, exponential times (continuous), about 30% censored, 3 covariates.
# Usage: Rscript bench/make_data.R DIR N...
suppressMessages(library(data.table))
args <- commandArgs(trailingOnly = TRUE)
for (n in as.numeric(args[-1])) {
  set.seed(42)
  group <- sample(c("a", "b", "c"), n, replace = TRUE)
  x1 <- rnorm(n); x2 <- rnorm(n); x3 <- rbinom(n, 1, 0.5)
  rate <- exp(0.2 * (group == "b") + 0.4 * (group == "c") + 0.3 * x1 - 0.2 * x2 + 0.4 * x3)
  t <- rexp(n, rate); c <- rexp(n, 1 / 2.3)
  fwrite(data.table(time = pmin(t, c), status = as.integer(t <= c), group = group, x1 = x1, x2 = x2, x3 = x3),
         file.path(args[1], sprintf("surv_%d.csv", n)))
}
