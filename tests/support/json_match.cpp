#include "json_match.h"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "cli/app.h"

namespace prrt::testing {

std::vector<std::string> JsonDifferences(const nlohmann::json& expected, const nlohmann::json& actual,
                                         double rel_tol, const std::string& path) {
  std::vector<std::string> diffs;
  auto add = [&](const std::string& what) { diffs.push_back(path + ": " + what); };
  if (expected.is_object()) {
    if (!actual.is_object()) {
      add("expected an object, found " + actual.dump());
      return diffs;
    }
    for (const auto& [key, value] : expected.items()) {
      if (!actual.contains(key)) {
        add("missing field '" + key + "'");
        continue;
      }
      auto sub = JsonDifferences(value, actual.at(key), rel_tol, path + "." + key);
      diffs.insert(diffs.end(), sub.begin(), sub.end());
    }
  } else if (expected.is_array()) {
    if (!actual.is_array() || actual.size() != expected.size()) {
      add(fmt::format("expected an array of {} elements, found {}", expected.size(),
                      actual.is_array() ? std::to_string(actual.size()) + " elements" : actual.dump()));
      return diffs;
    }
    for (size_t i = 0; i < expected.size(); ++i) {
      auto sub = JsonDifferences(expected[i], actual[i], rel_tol, fmt::format("{}[{}]", path, i));
      diffs.insert(diffs.end(), sub.begin(), sub.end());
      if (diffs.size() > 20) return diffs;
    }
  } else if (expected.is_number()) {
    if (!actual.is_number()) {
      add(fmt::format("expected {}, found {}", expected.dump(), actual.dump()));
      return diffs;
    }
    double e = expected.get<double>();
    double a = actual.get<double>();
    if (std::fabs(a - e) > rel_tol * std::max(std::fabs(e), 1e-3)) {
      add(fmt::format("expected {:.15g}, found {:.15g} (relative difference {:.3g})", e, a,
                      std::fabs(a - e) / std::max(std::fabs(e), 1e-300)));
    }
  } else if (expected != actual) {
    add(fmt::format("expected {}, found {}", expected.dump(), actual.dump()));
  }
  return diffs;
}

std::vector<std::string> With(std::vector<std::string> base, const std::vector<std::string>& more) {
  base.insert(base.end(), more.begin(), more.end());
  return base;
}

int RunPrrt(const std::vector<std::string>& args, std::string& out, std::string& err) {
  std::ostringstream out_stream;
  std::ostringstream err_stream;
  int code = cli::RunCli(args, out_stream, err_stream);
  out = out_stream.str();
  err = err_stream.str();
  return code;
}

::testing::AssertionResult Refused(const std::vector<std::string>& args, const std::string& message) {
  std::string out, err;
  const int code = RunPrrt(args, out, err);
  const std::string expected = "prrt: " + message + "\n";
  if (code == 2 && err == expected && out.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << fmt::format(
             "exit code {} (expected 2), stderr '{}' (expected '{}'), stdout '{}' (expected nothing)", code,
             err, expected, out);
}

std::string ReadSourceFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace prrt::testing
