// Test support: compares a JSON document against expected values (R's) field by field.
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace prrt::testing {

//! Every field of `expected` must be in `actual`: numbers within `rel_tol` (relative, with an absolute
//! floor of rel_tol * 1e-3), strings and nulls exactly, arrays of the same length. Returns the differences.
std::vector<std::string> JsonDifferences(const nlohmann::json& expected, const nlohmann::json& actual,
                                         double rel_tol, const std::string& path = "$");

//! Runs `prrt` in-process; returns its exit code and fills `out` and `err`.
int RunPrrt(const std::vector<std::string>& args, std::string& out, std::string& err);

//! Whether `prrt` refuses the command as it should refuse bad input: exit code 2, `message` alone on stderr
//! (after "prrt: "), nothing on stdout.
::testing::AssertionResult Refused(const std::vector<std::string>& args, const std::string& message);

//! `base` followed by `more`: a command's arguments with some added.
std::vector<std::string> With(std::vector<std::string> base, const std::vector<std::string>& more);

//! Reads a file of the source tree (tests run with the repository root as working directory).
std::string ReadSourceFile(const std::string& path);

}  // namespace prrt::testing
