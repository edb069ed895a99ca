// `prrt stats cox` warns, on standard error, of what R's coxph warns of, and still prints the fit.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/json_match.h"

namespace prrt::testing {
namespace {

// Every death has x = 1, so the partial likelihood has no maximum (tests/stats/cox_test.cpp).
TEST(CoxCommand, WarnsOfACoefficientThatMayBeInfinite) {
  const std::filesystem::path file = std::filesystem::temp_directory_path() / "prrt_cox_separated.csv";
  std::ofstream(file) << "t,e,x\n1,1,1\n2,1,1\n3,0,0\n4,1,1\n5,0,0\n6,0,0\n7,0,1\n";
  std::string out, err;
  const int code = RunPrrt({"stats", "cox", "--input", file.string(), "--time", "t", "--event", "e",
                            "--covariates", "x", "--json"},
                           out, err);
  std::filesystem::remove(file);
  ASSERT_EQ(code, 0) << err;
  const nlohmann::json fit = nlohmann::json::parse(out);
  EXPECT_TRUE(fit.at("converged").get<bool>());
  EXPECT_TRUE(fit.at("coefficients").at(0).at("may_be_infinite").get<bool>());
  EXPECT_EQ(err,
            "prrt: warning: the log-likelihood converged before coefficient x did; it may be infinite (does "
            "the covariate separate the events?)\n");
}

// Age in months is 12 times age: aliased, as R's coxph(Surv(time, status) ~ age + sex + age_months, lung)
// prints it (NA, and "Likelihood ratio test=14.12 on 2 df"); the table says NA, standard error why.
TEST(CoxCommand, WarnsOfAnAliasedCovariate) {
  std::string out, err;
  const int code = RunPrrt({"stats", "cox", "--input", "tests/data/synthetic_aliased.csv", "--time", "time",
                            "--event", "status", "--covariates", "age,sex,age_months"},
                           out, err);
  ASSERT_EQ(code, 0) << err;
  EXPECT_NE(out.find("age_months         NA         NA          NA"), std::string::npos) << out;
  EXPECT_NE(out.find("Likelihood ratio test = 14.1231 on 2 df"), std::string::npos) << out;
  const std::string warning =
      "prrt: warning: age_months is aliased (a linear combination of the covariates before it, or without "
      "variation among the rows at risk at the event times): not estimated, as R's coxph (NA); the tests are "
      "on the 2 estimated\n";
  EXPECT_EQ(err, warning);
  const int json_code = RunPrrt({"stats", "cox", "--input", "tests/data/synthetic_aliased.csv", "--time",
                                 "time", "--event", "status", "--covariates", "age,sex,age_months", "--json"},
                                out, err);
  ASSERT_EQ(json_code, 0) << err;
  const nlohmann::json fit = nlohmann::json::parse(out);
  EXPECT_TRUE(fit.at("coefficients").at(2).at("aliased").get<bool>());
  EXPECT_FALSE(fit.at("coefficients").at(0).at("aliased").get<bool>());
  ASSERT_EQ(fit.at("warnings").size(), 1u);
  EXPECT_EQ("prrt: warning: " + fit.at("warnings").at(0).get<std::string>() + "\n", warning);
}

// With clusters the table gains R's "robust se" column and the robust score test. R (survival 3.5-3):
// coxph(Surv(time, status) ~ age + sex + cluster(inst), lung): robust se 0.007327 and 0.128231, Wald test
// 26.12 on the robust variance, robust score test 7.034273 on 18 clusters.
TEST(CoxCommand, PrintsTheRobustVarianceOfClusters) {
  std::string out, err;
  const int code = RunPrrt({"stats", "cox", "--input", "tests/data/lung.csv", "--time", "time", "--event",
                            "status", "--covariates", "age,sex", "--cluster", "inst"},
                           out, err);
  ASSERT_EQ(code, 0) << err;
  EXPECT_NE(out.find("se(coef)   robust se"), std::string::npos) << out;
  EXPECT_NE(out.find("0.00732739"), std::string::npos) << out;
  EXPECT_NE(out.find("0.128231"), std::string::npos) << out;
  EXPECT_NE(out.find("Wald test             = 26.1225 on 2 df"), std::string::npos) << out;
  EXPECT_NE(out.find("Robust score test     = 7.03427 on 2 df"), std::string::npos) << out;
  EXPECT_NE(out.find("(18 clusters."), std::string::npos) << out;
  EXPECT_TRUE(err.empty()) << err;
}

// The residuals as a table, a row per row used, then the Schoenfeld residuals, a row per death. R, for
// coxph(Surv(futime, fustat) ~ age + rx, ovarian): the last row of cbind(residuals(fit), residuals(fit,
// "deviance"), residuals(fit, "score"), residuals(fit, "dfbeta")) is -0.1952621, -0.6249193, 0.707782,
// -0.1099782, 0.000990698, -0.04061041; the first of residuals(fit, "schoenfeld") is 59: 2.537609,
// -0.1330716.
TEST(CoxCommand, PrintsResidualsAsATable) {
  std::string out, err;
  const int code = RunPrrt({"stats", "cox", "--input", "tests/data/ovarian.csv", "--time", "futime",
                            "--event", "fustat", "--covariates", "age,rx", "--residuals"},
                           out, err);
  ASSERT_EQ(code, 0) << err;
  EXPECT_NE(out.find("Residuals (each row used, in the file's order):"), std::string::npos) << out;
  EXPECT_NE(out.find("row  martingale   deviance  score age    score rx    dfbeta age   dfbeta rx\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(" 26   -0.195262  -0.624919   0.707782   -0.109978   0.000990698  -0.0406104\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("Schoenfeld residuals (each death, by stratum and time):\ntime        age         rx\n"
                     "  59    2.53761  -0.133072\n"),
            std::string::npos)
      << out;
}

}  // namespace
}  // namespace prrt::testing
