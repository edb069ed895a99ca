#include "cli/command_support.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <limits>
#include <ostream>
#include <sstream>

#include "prrt/io/csv.h"

namespace prrt::cli {

int ReportError(CommandContext& context, const Status& status) {
  context.err << "prrt: " << status.message() << '\n';
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
    case StatusCode::kAlreadyExists:
    case StatusCode::kPermissionDenied:
    case StatusCode::kIoError:
      return kExitBadInput;
    default:
      return kExitFailed;
  }
}

void OnRun(CLI::App* command, CommandContext& context, std::function<int()> body) {
  command->callback([&context, body = std::move(body)] { context.run = body; });
}

Result<std::string> ReadTextFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError(fmt::format("{}: cannot open the {}", path, what));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

CLI::Validator NotEmpty(const std::string& what) {
  return CLI::Validator(
      [what](std::string& text) { return text.empty() ? fmt::format("found ''; expected {}", what) : ""; },
      "");
}

std::string RowsWithAMissingValue(int64_t rows) {
  return fmt::format("{} {} with a missing value", rows, rows == 1 ? "row" : "rows");
}

void PrintRowsLeftOut(std::ostream& out, int64_t rows) {
  if (rows > 0)
    out << fmt::format("{} {} left out\n", RowsWithAMissingValue(rows), rows == 1 ? "was" : "were");
}

namespace {

// "12, 24" splits into "12" and " 24": the spaces are not part of the number.
void TrimSpaces(std::string& text) {
  text.erase(0, text.find_first_not_of(" \t"));
  text.erase(text.find_last_not_of(" \t") + 1);
}

}  // namespace

CLI::Validator Number(std::function<bool(double)> accepts, const std::string& what) {
  return CLI::Validator(
      [accepts = std::move(accepts), what](std::string& text) {
        TrimSpaces(text);
        double value = 0;
        if (io::ParseNumber(text, value) && accepts(value)) return std::string();
        return fmt::format("found '{}'; expected {}", text, what);
      },
      "NUMBER");
}

CLI::Validator WholeNumber(int64_t minimum, int64_t maximum, const std::string& what) {
  return CLI::Validator(
      [minimum, maximum, what](std::string& text) {
        TrimSpaces(text);
        int64_t value = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (error == std::errc() && end == text.data() + text.size() && value >= minimum && value <= maximum)
          return std::string();
        return fmt::format("found '{}'; expected {}", text, what);
      },
      "INT");
}

CLI::Validator NumberOfPatients(int64_t most) {
  return WholeNumber(1, most, fmt::format("a number of patients from 1 to {}", most));
}

CLI::Validator OneOf(std::vector<std::string> values) {
  const std::string listed = fmt::format("{}", fmt::join(values, ", "));
  return CLI::Validator(
      [values = std::move(values), listed](std::string& text) {
        if (std::find(values.begin(), values.end(), text) != values.end()) return std::string();
        return fmt::format("found '{}'; expected one of: {}", text, listed);
      },
      fmt::format("{{{}}}", fmt::join(values, ",")));
}

CLI::Validator FiniteNumber() {
  return Number([](double) { return true; }, "a finite number");
}

CLI::Validator ConfidenceLevel() {
  return Number([](double level) { return level >= 0.5 && level <= 0.9999; },
                "a confidence level from 0.5 to 0.9999");
}

void AddSeedOption(CLI::App& command, uint64_t& seed, const std::string& description) {
  command.add_option("--seed", seed, description)
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            uint64_t value = 0;
            const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
            if (error == std::errc() && end == text.data() + text.size()) return "";
            return fmt::format("'{}' is not a seed; expected a whole number from 0 to {}", text,
                               std::numeric_limits<uint64_t>::max());
          },
          "UINT"));
}

}  // namespace prrt::cli
