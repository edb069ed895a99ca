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
aml$two <- 2  # equal case weights (survival's doaml.R)
write_set(aml, "aml")
write_set(survival::mgus2, "mgus2")
write_set(survival::heart, "heart")  # counting-process (start, stop] rows: the Stanford heart transplant data
# mgus2 as competing risks (survival's compete vignette): the first of progression to a plasma-cell
# malignancy (1) or death (2), 0 = censored; months.
m <- survival::mgus2
write_set(data.frame(id = m$id, etime = ifelse(m$pstat == 0, m$futime, m$ptime),
                     event = ifelse(m$pstat == 0, 2 * m$death, 1), sex = m$sex,
                     age70 = ifelse(m$age >= 70, "70+", "<70")), "mgus2_competing")
