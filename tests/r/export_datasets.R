# Writes R survival's data sets used by the reference suite as CSV (tests/data/). Run from the repository root:
#   Rscript tests/r/export_datasets.R
# Needs Debian's r-base-core and r-cran-survival; the CSV files are committed, so the tests do not need R.
suppressMessages(library(survival))
out <- "tests/data"
write_set <- function(df, name) {
  write.csv(df, file.path(out, paste0(name, ".csv")), row.names = FALSE, na = "")
}
lung <- survival::lung
lung$status <- lung$status - 1  # 1 = censored, 2 = dead in the package; 0/1 here
write_set(lung, "lung")
write_set(survival::veteran, "veteran")
write_set(survival::ovarian, "ovarian")
aml <- survival::aml
aml$x <- as.character(aml$x)
write_set(aml, "aml")
write_set(survival::mgus2, "mgus2")
