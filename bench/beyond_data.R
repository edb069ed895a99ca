# Data and R timings for the beyond-the-paper methods (bench/beyond_bench.sh):
#  - counting-process Cox: subjects followed from 0, those salvaged at a uniform time split into (0, s] and
#    (s, stop] with a time-dependent covariate `salvage`, two baseline covariates; cut to exactly N intervals;
#  - competing risks: exponential times, causes 1 and 2 and censoring, three groups.
# Usage: Rscript bench/beyond_data.R DIR N   writes DIR/counting.csv, DIR/competing.csv, DIR/r.json
suppressMessages({ library(survival); library(cmprsk); library(data.table); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
n_rows <- as.numeric(args[2])
set.seed(7)
n <- ceiling(n_rows / 1.5)
x1 <- rnorm(n); x2 <- rbinom(n, 1, 0.4)
salvage_at <- runif(n, 5, 30)
t <- rexp(n, exp(0.3 * x1 + 0.2 * x2) / 40); censor <- runif(n, 10, 120)
stop <- pmin(t, censor); event <- as.integer(t <= censor)
split <- salvage_at < stop
d <- rbind(data.table(id = 1:n, start = 0, stop = ifelse(split, salvage_at, stop), event = ifelse(split, 0L, event),
                      salvage = 0L, x1 = x1, x2 = x2),
           data.table(id = (1:n)[split], start = salvage_at[split], stop = stop[split], event = event[split],
                      salvage = 1L, x1 = x1[split], x2 = x2[split]))
setorder(d, id, start)
d <- d[seq_len(min(n_rows, nrow(d)))]
fwrite(d, file.path(dir, "counting.csv"))
cox_s <- system.time(fit <- coxph(Surv(start, stop, event) ~ salvage + x1 + x2, data = d))[["elapsed"]]

cr <- data.table(time = rexp(n_rows, 1 / 20), cause = sample(0:2, n_rows, TRUE, prob = c(0.3, 0.3, 0.4)),
                 arm = sample(c("a", "b", "c"), n_rows, TRUE))
fwrite(cr, file.path(dir, "competing.csv"))
cuminc_s <- system.time(ci <- cuminc(cr$time, cr$cause, cr$arm))[["elapsed"]]
writeLines(toJSON(list(rows = nrow(d), coxph_s = cox_s, coef = unname(coef(fit)), cuminc_rows = nrow(cr),
                       cuminc_s = cuminc_s, gray = unname(ci$Tests[, "stat"])),
                  auto_unbox = TRUE, digits = NA), file.path(dir, "r.json"))
