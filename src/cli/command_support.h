// Shared by the command groups: error reporting and running a chosen command.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "cli/app.h"
#include "prrt/common/result.h"

namespace CLI {
class App;
class Validator;
}  // namespace CLI

namespace prrt::cli {

//! Prints "prrt: message" and returns the exit code for the kind of failure (2 for bad input).
int ReportError(CommandContext& context, const Status& status);

//! Runs `body` (returning the exit code) when `command` is the one chosen on the command line.
void OnRun(CLI::App* command, CommandContext& context, std::function<int()> body);

//! The whole text of a file named on the command line; IoError "PATH: cannot open the WHAT" otherwise.
Result<std::string> ReadTextFile(const std::string& path, const std::string& what);

//! Refuses an option given empty ("found ''; expected WHAT"): given, a column, a file or a user is not the
//! option left out (which means no grouping, the built-in protocol, the OS account).
CLI::Validator NotEmpty(const std::string& what);

//! "1 row with a missing value", "2 rows with a missing value".
std::string RowsWithAMissingValue(int64_t rows);

//! After a table: "1 row with a missing value was left out" (or "N rows … were"), a line; nothing for none.
void PrintRowsLeftOut(std::ostream& out, int64_t rows);

//! Refuses an option's value (each value of a list) that is not a finite number `accepts` takes: "found
//! 'TEXT'; expected WHAT". Spaces around it are dropped ("12 , 24") when it is given to ->transform();
//! ->check() would check a copy and leave CLI11 to convert "12 ". CLI11's own Range and PositiveNumber let
//! "nan" through and write out the largest double, all 309 digits, as their bound.
CLI::Validator Number(std::function<bool(double)> accepts, const std::string& what);

//! A whole number from `minimum` to `maximum` (each value of a list; spaces around it dropped): "found
//! 'TEXT'; expected WHAT". The maximum keeps a number too large for the option's type from CLI11's "Could not
//! convert".
CLI::Validator WholeNumber(int64_t minimum, int64_t maximum, const std::string& what);

//! A number of patients to simulate from 1 to `most`. The bound catches a count mistyped with digits too
//! many, which would fill the disk (a simulated patient takes 1.5 kB of CSV and 7.8 kB of registry).
CLI::Validator NumberOfPatients(int64_t most);

//! One of `values`, as written (case counts): "found 'TEXT'; expected one of: A, B, C", the wording of the
//! registry's coded values. CLI11's IsMember said "TEXT not in {A,B,C}".
CLI::Validator OneOf(std::vector<std::string> values);

//! Any finite number.
CLI::Validator FiniteNumber();

//! A confidence level, from 0.5 to 0.9999.
CLI::Validator ConfidenceLevel();

//! Adds `--seed`, a whole number from 0 to 2^64 - 1: CLI11 alone took "-1" as 2^64 - 1 and a larger number as
//! 2^64 - 1 too.
void AddSeedOption(CLI::App& command, uint64_t& seed, const std::string& description);

}  // namespace prrt::cli
