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

}  // namespace
}  // namespace prrt::testing
