# Writes the synthetic edge-case data sets of the reference suite (tests/data/synthetic_*.csv), fixed seed.
#   Rscript tests/r/make_synthetic.R
set.seed(20261127)
out <- "tests/data"
w <- function(df, name) write.csv(df, file.path(out, paste0("synthetic_", name, ".csv")), row.names = FALSE, na = "")

# Heavy ties: integer months, deaths and censorings at the same times, three groups.
n <- 300
ties <- data.frame(time = pmax(0, round(rexp(n, 1 / 20))), status = rbinom(n, 1, 0.65),
                   arm = sample(c("A", "B", "C"), n, replace = TRUE))
w(ties, "ties")

# A curve that sits exactly on 0.5 (flat to the end; survival's quantile.R example) and one that drops
# again after a flat 0.5; one group that never reaches 0.5; one group with no events; a one-row group.
flat <- rbind(
  data.frame(time = c(54, 75, 77, 84, 87, 92, 103, 105, 112, 118), status = c(1, 1, 1, 1, 1, 0, 0, 0, 0, 0), grp = "flat_end"),
  data.frame(time = c(5, 8, 12, 20, 25, 30, 30, 41, 50, 60), status = c(1, 1, 0, 1, 0, 1, 1, 0, 1, 1), grp = "flat_drop"),
  data.frame(time = c(3, 10, 15, 22, 35, 40, 44, 51), status = c(1, 0, 0, 1, 0, 0, 0, 0), grp = "not_reached"),
  data.frame(time = c(4, 9, 16, 23), status = c(0, 0, 0, 0), grp = "all_censored"),
  data.frame(time = 12, status = 1, grp = "single")
)
w(flat, "edge")

# Times computed from dates (days / 30.4375) with floating-point near-ties, as a registry produces them.
days <- sample(30:2000, 150, replace = TRUE)
months <- days / 30.4375
jitter <- sample(c(0, 1, -1), 150, replace = TRUE) * 1e-12 * months
near <- data.frame(time = months + jitter, status = rbinom(150, 1, 0.6), arm = sample(c("x", "y"), 150, TRUE))
w(near, "neartie")

# A group whose members are all censored before the first event (expected 0 in the log-rank test),
# and strata.
dummy <- data.frame(time = c(rexp(40, 1 / 10) + 1, rep(0.5, 5)), status = c(rbinom(40, 1, 0.7), rep(0, 5)),
                    grp = c(sample(c("a", "b"), 40, TRUE), rep("early", 5)),
                    site = sample(c("s1", "s2", "s3"), 45, TRUE))
w(dummy, "dummy")

# Pairs for the correlation tests, one pair of columns per case, padded with empty cells:
# ?cor.test's n = 9 example, the n = 8 and n = 20 cases of the reference, random untied samples for the
# Edgeworth series, and n = 1300 (beyond AS 89's range).
pad <- function(v, n) c(v, rep(NA, n - length(v)))
n_max <- 1300
pairs <- data.frame(
  x9 = pad(c(44.4, 45.9, 41.9, 53.3, 44.7, 44.1, 50.7, 45.2, 60.1), n_max),
  y9 = pad(c(2.6, 3.1, 2.5, 5.0, 3.6, 4.0, 5.2, 2.8, 3.8), n_max),
  x8 = pad(1:8, n_max), y8 = pad(c(2, 1, 4, 3, 6, 8, 5, 7), n_max),
  x20 = pad(1:20, n_max), y20 = pad(c(3, 1, 4, 2, 6, 5, 9, 7, 8, 12, 10, 11, 15, 13, 20, 14, 16, 19, 17, 18), n_max),
  x12 = pad(sample(12), n_max), y12 = pad(sample(12), n_max),
  x35 = pad(rnorm(35), n_max), y35 = pad(NA, n_max),
  x1300 = rnorm(n_max), y1300 = NA,
  x6 = pad(c(1, 2, 3, 4, 5, 6), n_max), y6 = pad(c(6, 5, 4, 3, 2, 1), n_max)
)
pairs$y35[1:35] <- pairs$x35[1:35] * 0.3 + rnorm(35)
pairs$y1300 <- pairs$x1300 * 0.05 + rnorm(n_max)
w(pairs, "pairs")

# ---- Sets for the beyond-the-paper analyses (own seed, so the sets above do not change) ----
set.seed(20261128)

# Counting-process data shaped like salvage treatment: everyone starts at 0; those salvaged at time s have
# two rows, (0, s] untreated and (s, stop] treated; some enter late (a landmark); times in whole months so
# that starts meet other rows' stops and events tie; a stratum and a numeric covariate.
n <- 240
s_time <- round(runif(n, 6, 30))
salvaged <- rbinom(n, 1, 0.45) == 1
stop_time <- round(rexp(n, 1 / 36)) + 1
entry <- ifelse(runif(n) < 0.15, round(runif(n, 0, 5)), 0)
stop_time <- pmax(stop_time, entry + 1)
status <- rbinom(n, 1, 0.7)
age <- round(rnorm(n, 60, 9))
site <- sample(c("north", "south"), n, TRUE)
rows <- list()
for (i in seq_len(n)) {
  if (salvaged[i] && s_time[i] > entry[i] && s_time[i] < stop_time[i]) {
    rows[[length(rows) + 1]] <- data.frame(id = i, start = c(entry[i], s_time[i]), stop = c(s_time[i], stop_time[i]),
                                           status = c(0, status[i]), salvage = c(0, 1), age = age[i], site = site[i])
  } else {
    rows[[length(rows) + 1]] <- data.frame(id = i, start = entry[i], stop = stop_time[i], status = status[i],
                                           salvage = 0, age = age[i], site = site[i])
  }
}
counting <- do.call(rbind, rows)
w(counting, "counting")
# The same in months computed from days, with floating-point near-ties between starts and stops.
near <- counting
near$start <- near$start * 30.4375 / 30.4375 + sample(c(0, 1e-13), nrow(near), TRUE) * near$start
near$stop <- (near$stop * 30.4375) / 30.4375 - sample(c(0, 1e-13), nrow(near), TRUE) * near$stop
w(near, "counting_neartie")

# Competing risks: integer times with ties between causes, causes 1 and 2, censoring coded 0 (and a second
# copy coded 9, for --censor-code), three groups of unequal size.
n <- 180
cr <- data.frame(time = pmax(1, round(rexp(n, 1 / 15))), cause = sample(0:2, n, TRUE, prob = c(0.35, 0.3, 0.35)),
                 arm = sample(c("a", "b", "c"), n, TRUE, prob = c(0.5, 0.3, 0.2)))
cr$cause9 <- ifelse(cr$cause == 0, 9, cr$cause)
w(cr, "competing")

# Competing-risks edge cases: an event at time 0, tied events of both causes, and a last time at which the
# remaining subjects fail of both causes (all-cause survival reaches 0); group "solo" has one row.
edge <- data.frame(time = c(0, 1, 2, 2, 2, 3, 4, 5, 5, 0.5, 1, 1, 2, 3, 3, 7),
                   cause = c(1, 0, 1, 2, 1, 0, 2, 1, 2, 2, 1, 1, 0, 1, 2, 1),
                   arm = c(rep("x", 9), rep("y", 6), "solo"))
w(edge, "competing_edge")

# ---- Case weights (own seed, so the sets above do not change) ----
set.seed(20261203)
# Tied integer times; whole-number weights (copies: a row counts as that many) and fractional ones (ipw, as
# inverse probability weights), a cluster id shared by several rows.
n <- 200
weighted <- data.frame(time = pmax(1, round(rexp(n, 1 / 20))), status = rbinom(n, 1, 0.7),
                       arm = sample(c("a", "b"), n, TRUE), age = round(rnorm(n, 60, 10)),
                       copies = sample(1:4, n, TRUE), ipw = round(runif(n, 0.3, 4), 4), id = sample(1:80, n, TRUE))
w(weighted, "weighted")
# The counting-process set with fractional weights.
counting_weighted <- counting
counting_weighted$ipw <- round(runif(nrow(counting), 0.5, 3), 3)
counting_weighted$copies <- 1 + counting_weighted$id %% 3  # whole weights (no random numbers: the sets after stay)
w(counting_weighted, "counting_weighted")
# Kaplan–Meier under fractional weights to the end (no random numbers): group "x" ends in an event, so S
# reaches 0 (the jackknife's SE is 0 there), with deaths and a censoring tied at 2 and at 4; group "y" ends
# censored, with a death and a censoring tied at 1 and at 3.
to_zero <- data.frame(time = c(1, 2, 2, 2, 3, 4, 4, 5, 1, 1, 2, 3, 3, 6),
                      status = c(1, 1, 0, 1, 0, 1, 0, 1, 0, 1, 1, 1, 0, 0),
                      grp = c(rep("x", 8), rep("y", 6)),
                      w = c(1.5, 0.5, 2, 1.25, 0.75, 3, 0.4, 1.1, 2, 0.6, 1.3, 0.9, 1.7, 2.2))
w(to_zero, "weighted_to_zero")
# Aliased covariates (no random numbers): R's lung with age in months (12 x age, collinear with age), age + sex
# (collinear with the two) and a constant; coxph leaves the later of collinear covariates, and a constant, NA.
aliased <- read.csv(file.path(out, "lung.csv"))[, c("time", "status", "age", "sex", "ph.ecog")]
aliased$age_months <- 12 * aliased$age
aliased$age_plus_sex <- aliased$age + aliased$sex
aliased$one <- 1
w(aliased, "aliased")

# A monotone likelihood in (start, stop] data with strata and case weights (no random numbers; found by
# tests/r/differential_check.R, seed 1): x2 = 1 only in a row that dies alone in its risk set after outliving
# the one death it was at risk with, so x2's coefficient heads for -infinity by about 1 an iteration and
# coxph converges at iteration 19, near -20.37. Its information there, about e^-20, is what is left once the
# larger risks of the rows that start later leave the risk-set sums.
w(data.frame(start = c(8.4, 0.1, 9.1, 2.5, 6.9, 1.2, 4.5, 0.8, 9.1, 2.4, 0.9, 9.3),
             stop = c(24, 2, 11, 10, 13, 13, 6, 3, 13, 10, 5, 20),
             status = c(0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1, 0),
             x1 = c(-0.8, 0.2, -1.4, 0.4, 0.2, 0.1, 0, 0.3, -0.6, -0.1, 0.7, 1.1),
             x2 = c(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0),
             s = c("s2", "s2", "s1", "s2", "s2", "s2", "s2", "s1", "s1", "s2", "s1", "s1"),
             w = c(2, 2, 1, 2, 3, 3, 3, 3, 3, 1, 3, 1)), "counting_monotone")

# Covariates on very different scales (R's lung): age times a million, and age plus a little noise on the
# scale of years, nearly collinear with it. coxph estimates both: its aliasing rule looks at the information
# of covariates rescaled to a mean absolute deviation of 1. Unscaled, age_noisy's pivot is below 1.8e-12 of
# age_big's diagonal and it (and sex after it) would be left out.
set.seed(20261204)
scaled <- read.csv(file.path(out, "lung.csv"))[, c("time", "status", "age", "sex")]
scaled$age_big <- scaled$age * 1e6
scaled$age_noisy <- scaled$age + round(rnorm(nrow(scaled), 0, 0.5), 2)
w(scaled, "scaled")

# A covariate constant in one stratum (no random numbers): R's veteran with treatment set to 2 for every large-
# cell tumour. survival 3.x's cox.zph counts that covariate's deaths only in the other strata when it scales
# the Schoenfeld residuals, and gives the large-cell deaths no scaled residual for it (NA).
zph_strata <- read.csv(file.path(out, "veteran.csv"))[, c("time", "status", "karno", "celltype", "trt")]
zph_strata$trt_partial <- ifelse(zph_strata$celltype == "large", 2, zph_strata$trt)
w(zph_strata, "zph_strata")
