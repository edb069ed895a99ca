// `prrt stats cox` warns, on standard error, of what R's coxph warns of, and still prints the fit.
#include <gtest/gtest.h>

#include <cmath>
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

// All three rows at risk at the only death time die (the other two left before it), so the partial likelihood
// is sum x_i b - 3 log sum exp(x_i b) + const, greatest at b = 0, where each dying row's score residual is
// (x_i - xbar) (1 - 3 r_i / sum r) = 0: the robust variance is 0, and a z of the coefficient (0 but for
// rounding) over it would be 0 / 0 or, printed, an infinitely significant -Inf with p = 0. It is NA.
TEST(CoxCommand, GivesNoZOnARobustVarianceOfZero) {
  const std::filesystem::path file = std::filesystem::temp_directory_path() / "prrt_cox_all_die.csv";
  std::ofstream(file) << "start,time,event,x,w\n4,5,1,1199.88,1.2\n4,5,1,1200.52,0.1\n4,5,1,1199.02,-0.3\n"
                         "0,1,0,0.9,0.4\n1,2,0,299.25,0.6\n";
  std::string out, err;
  const int code = RunPrrt({"stats", "cox", "--input", file.string(), "--start", "start", "--time", "time",
                            "--event", "event", "--covariates", "x,w", "--robust", "--json"},
                           out, err);
  ASSERT_EQ(code, 0) << err;
  const nlohmann::json fit = nlohmann::json::parse(out);
  for (const nlohmann::json& coefficient : fit.at("coefficients")) {
    EXPECT_NEAR(coefficient.at("coef").get<double>(), 0, 1e-12) << coefficient;
    EXPECT_NEAR(coefficient.at("robust_se").get<double>(), 0, 1e-12) << coefficient;
    EXPECT_TRUE(coefficient.at("z").is_null()) << coefficient;
    EXPECT_TRUE(coefficient.at("p").is_null()) << coefficient;
  }
  EXPECT_TRUE(fit.at("wald_test").at("chisq").is_null()) << fit;
  const int text_code = RunPrrt({"stats", "cox", "--input", file.string(), "--start", "start", "--time",
                                 "time", "--event", "event", "--covariates", "x,w", "--robust"},
                                out, err);
  std::filesystem::remove(file);
  ASSERT_EQ(text_code, 0) << err;
  EXPECT_EQ(out.find("Inf"), std::string::npos) << out;
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

// A time-varying effect x * (g(t) - mean g) needs more than one death time that carries information; R
// (survival 3.5-3) cox.zph stops with "system is exactly singular" (or "computationally singular") for each
// transform and both ties on both of these, and prrt gives no test:
// - deaths at t = 1 (x = 0 and x = 1, of five at risk) and t = 3 (the one row left at risk): the fit rests on
//   t = 1 alone (Breslow: score 1 - 2 * 3e^b / (2 + 3e^b) = 0, so b = log(2/3)), and the death at t = 3
//   carries no information; the extra information block (g1 - mean)^2 I beside a cross block (g1 - mean) I
//   is singular, whatever g is;
// - one death (t = 1.8, x = -0.6, all five at risk; differential check seed 43): g - mean g is 0, and so is
//   the extra information (R's coxph: b = 2.70032886183).
TEST(CoxCommand, GivesNoProportionalHazardsTestOnASingularInformation) {
  struct Case {
    const char* rows;
    double coef;  // Breslow's
  };
  for (const Case& data :
       {Case{"1,1,0\n1,1,1\n2,0,0\n2,0,1\n3,1,1\n", std::log(2.0 / 3.0)},
        Case{"9.6,0,-0.4\n2.4,0,-0.9\n1.8,1,-0.6\n14.4,0,-0.7\n5.2,0,-0.9\n", 2.70032886183}}) {
    const std::filesystem::path file = std::filesystem::temp_directory_path() / "prrt_cox_zph_singular.csv";
    std::ofstream(file) << "time,event,x\n" << data.rows;
    for (const char* ties : {"breslow", "efron"}) {
      for (const char* transform : {"km", "identity", "rank", "log"}) {
        SCOPED_TRACE(std::string(data.rows) + ties + ", " + transform);
        std::string out, err;
        const int code = RunPrrt({"stats", "cox", "--input", file.string(), "--time", "time", "--event",
                                  "event", "--covariates", "x", "--ties", ties, "--zph", transform, "--json"},
                                 out, err);
        ASSERT_EQ(code, 0) << err;
        const nlohmann::json fit = nlohmann::json::parse(out);
        if (std::string(ties) == "breslow") {
          EXPECT_NEAR(fit.at("coefficients").at(0).at("coef").get<double>(), data.coef, 1e-9);
        }
        const nlohmann::json& term = fit.at("zph").at("terms").at(0);
        EXPECT_TRUE(term.at("chisq").is_null());
        EXPECT_TRUE(term.at("p").is_null());
        EXPECT_EQ(term.at("df").get<int>(), 1);
        EXPECT_TRUE(fit.at("zph").at("global").at("chisq").is_null());
        EXPECT_EQ(err,
                  "prrt: warning: no proportional-hazards test for x, GLOBAL: its information is singular (a "
                  "time-varying effect needs more than one death time that carries information); R's cox.zph "
                  "stops there with an error\n");
      }
    }
    std::filesystem::remove(file);
  }
}

// Stratum b's rows all have x = 1: their Schoenfeld residuals are 0 and carry no information, so (as
// survival 3.x) the scaled residuals count the information per death over stratum a's 4 deaths alone,
// beta + r * 4 / I with I = 1 / se^2, and give b's deaths none (null). R's cox.zph gives b's deaths beta
// where b comes last and, where b comes first, scales a's last two deaths not at all (its rows of strata are
// counted without b's deaths; docs/statistics.md); prrt's answer does not depend on the strata's order.
TEST(CoxCommand, ScalesSchoenfeldResidualsByTheDeathsOfStrataWhereTheCovariateVaries) {
  const std::string rows_a = "1,1,0,a\n2,1,1,a\n3,0,0,a\n4,1,1,a\n5,1,0,a\n6,0,1,a\n";
  const std::string rows_b = "2,1,1,b\n3,1,1,b\n5,0,1,b\n";
  for (const bool b_first : {false, true}) {
    SCOPED_TRACE(b_first ? "stratum b first" : "stratum b last");
    const std::filesystem::path file = std::filesystem::temp_directory_path() / "prrt_cox_zph_strata.csv";
    std::ofstream(file) << "time,event,x,s\n" << (b_first ? rows_b + rows_a : rows_a + rows_b);
    std::string out, err;
    const int code = RunPrrt({"stats", "cox", "--input", file.string(), "--time", "time", "--event", "event",
                              "--covariates", "x", "--strata", "s", "--zph", "km", "--residuals", "--json"},
                             out, err);
    std::filesystem::remove(file);
    ASSERT_EQ(code, 0) << err;
    const nlohmann::json fit = nlohmann::json::parse(out);
    const double beta = fit.at("coefficients").at(0).at("coef").get<double>();
    const double se = fit.at("coefficients").at(0).at("se").get<double>();
    const nlohmann::json& schoenfeld = fit.at("residuals").at("schoenfeld").at("x");
    const nlohmann::json& scaled = fit.at("zph").at("scaled_residuals").at("x");
    ASSERT_EQ(scaled.size(), 6u);
    // Deaths by stratum (a before b), time and row: a's at 1, 2, 4, 5, then b's at 2 and 3.
    for (size_t death = 0; death < 4; ++death) {
      EXPECT_NEAR(scaled.at(death).get<double>(), beta + schoenfeld.at(death).get<double>() * 4 * se * se,
                  1e-12)
          << death;
    }
    EXPECT_TRUE(scaled.at(4).is_null());
    EXPECT_TRUE(scaled.at(5).is_null());
  }
}

}  // namespace
}  // namespace prrt::testing
