#include "prrt/report/json.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace prrt::report {
namespace {

std::string NumberText(double value) {
  std::string text;
  AppendJsonNumber(text, value);
  return text;
}

// JsonText writes what dump writes, but for a byte that is not UTF-8 (Latin-1's e-acute, 0xE9), which
// becomes U+FFFD (EF BF BD) where dump threw.
TEST(JsonText, IsDumpButForBytesThatAreNotUtf8) {
  const nlohmann::json document = {{"note", "Zürich, µg/l"}, {"n", 3}, {"list", {1.5, nullptr}}};
  EXPECT_EQ(JsonText(document), document.dump());
  EXPECT_EQ(JsonText(document, 2), document.dump(2));
  const nlohmann::json latin1 = {{"note", "caf\xE9"}};
  EXPECT_THROW((void)latin1.dump(), nlohmann::json::type_error);
  EXPECT_EQ(JsonText(latin1), "{\"note\":\"caf\xEF\xBF\xBD\"}");
}

// The text dump writes is the reference: the rows it prints are what `prrt stats km --json` has always
// printed, and what JSON readers were written against.
TEST(AppendJsonNumber, WritesWhatDumpWrites) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  const std::vector<double> values = {
      0.0,  -0.0,        1.0,  -1.0, 0.5,  0.1,     1.0 / 3,   2.0 / 3, 1e-5,
      1e-4, 123456789.0, 1e15, 1e16, 1e17, 1.5e300, -2.5e-300, 5e-324,  std::numeric_limits<double>::max(),
      0.95, 12.75,       7.0};
  for (double value : values)
    EXPECT_EQ(NumberText(value), nlohmann::json(value).dump()) << value;
  // Not finite: null, as JsonNumber gives.
  for (double value : {std::nan(""), kInf, -kInf}) {
    EXPECT_EQ(NumberText(value), "null");
    EXPECT_EQ(NumberText(value), JsonNumber(value).dump());
  }
  // Survival probabilities, CI limits and times of every magnitude.
  std::mt19937_64 random(20261128);
  std::uniform_real_distribution<double> unit(0, 1), exponent(-30, 30);
  for (int i = 0; i < 100000; ++i) {
    const double value = i % 2 == 0 ? unit(random) : std::pow(10.0, exponent(random)) * (unit(random) - 0.5);
    ASSERT_EQ(NumberText(value), nlohmann::json(value).dump()) << value;
  }
  // Whole numbers (the counts of a table), of every number of digits up to where dump turns to an exponent.
  for (double value : {2.0, 100.0, -7.0, 1e14, 999999999999999.0, -999999999999999.0, 1e15 - 1, 1e15 + 1,
                       123456789012345.0, 9007199254740992.0})
    EXPECT_EQ(NumberText(value), nlohmann::json(value).dump()) << value;
  std::uniform_int_distribution<int> digits(1, 17);
  for (int i = 0; i < 100000; ++i) {
    const double value = std::trunc(std::pow(10.0, digits(random) * unit(random)) * (unit(random) - 0.2));
    ASSERT_EQ(NumberText(value), nlohmann::json(value).dump()) << value;
  }
}

// The text Write gives, after checking that it wrote nothing past max_row_bytes().
std::string RowText(KmRowJsonWriter& writer, const stats::KmRow& row) {
  constexpr char kUntouched = '\x7f';
  std::vector<char> buffer(writer.max_row_bytes() + 64, kUntouched);
  char* end = writer.Write(buffer.data(), row);
  EXPECT_LE(end - buffer.data(), static_cast<std::ptrdiff_t>(writer.max_row_bytes()));
  EXPECT_EQ(std::count(buffer.begin() + static_cast<std::ptrdiff_t>(writer.max_row_bytes()), buffer.end(),
                       kUntouched),
            64);
  return std::string(buffer.data(), end);
}

TEST(KmRowJsonWriter, WritesWhatDumpWritesOfKmRowJson) {
  const double nan = std::nan("");
  const std::vector<stats::KmRow> rows = {
      {1, 10, 1, 0, 0.9, 0.0948683298050514, 0.7320136, 1},
      {2.5, 9, 0, 2, 0.9, 0.0948683298050514, 0.7320136, 1},
      {1e-7, 123456, 789, 5, 1.0 / 3, 0.001, 0.2, 0.4},
      {40, 1, 1, 0, 0, nan, nan, nan},  // S reaches 0: no SE, no CI
  };
  for (const stats::KmRow& row : rows) {
    KmRowJsonWriter writer;
    EXPECT_EQ(RowText(writer, row), KmRowJson(row).dump(2));
    // Indented six spaces deeper, as the rows of a group's table are.
    KmRowJsonWriter indented_writer("\n      ");
    const std::string indented = RowText(indented_writer, row);
    std::string expected = KmRowJson(row).dump(2);
    for (size_t at = expected.find('\n'); at != std::string::npos; at = expected.find('\n', at + 1))
      expected.insert(at + 1, "      ");
    EXPECT_EQ(indented, expected);
  }
}

// One writer over a run of rows reuses the text of the last row's numbers where they repeat (censorings
// leave the estimate as it was), and only there: rows that repeat some numbers, change others, repeat NaN
// (null) and return to an earlier value are each written as dump writes them alone. Fails if a repeated
// number's text is not the one it was written with, or if a changed number is taken for a repeat.
TEST(KmRowJsonWriter, RowsInARunAreWrittenAsEachAlone) {
  const double nan = std::nan("");
  const std::vector<stats::KmRow> rows = {
      {1, 10, 1, 0, 0.9, 0.0948683298050514, 0.7320136, 1},
      {2.5, 9, 0, 2, 0.9, 0.0948683298050514, 0.7320136, 1},  // censorings only: the estimate repeats
      {3, 7, 1, 0, 0.7714285714285715, 0.1358, 0.5, 0.98},
      {3.5, 6, 0, 1, 0.7714285714285715, 0.1358, 0.5, 0.98},
      {4, 5, 5, 0, 0, nan, nan, nan},
      {5, 5, 0, 5, 0, nan, nan, nan},
      {6, 5, 1, 0, 0.9, 0.0948683298050514, 0.7320136, 1},  // values seen two rows before the last
      {6.000000000000001, 4, 1, 0, 0.9000000000000001, 0.0948683298050514, 0.7320136, -0.0},
  };
  KmRowJsonWriter writer;
  for (const stats::KmRow& row : rows) {
    EXPECT_EQ(RowText(writer, row), KmRowJson(row).dump(2)) << row.time;
  }
}

// The longest numbers in every field, deeply indented, with a separator before the row: the text is still
// dump's, and within max_row_bytes() (RowText checks the bytes after it).
TEST(KmRowJsonWriter, LongestRowsStayWithinMaxRowBytes) {
  const double longest = -2.2250738585072014e-308;
  ASSERT_EQ(nlohmann::json(longest).dump().size(), 24u);
  const stats::KmRow row{longest, longest, longest, longest, longest, longest, longest, longest};
  const std::string newline = "\n" + std::string(40, ' ');
  KmRowJsonWriter writer(newline, "," + newline);
  std::string expected = KmRowJson(row).dump(2);
  for (size_t at = expected.find('\n'); at != std::string::npos; at = expected.find('\n', at + 1))
    expected.insert(at + 1, std::string(40, ' '));
  EXPECT_EQ(RowText(writer, row), "," + newline + expected);
  EXPECT_EQ(RowText(writer, row), "," + newline + expected);  // the numbers' text reused
}

}  // namespace
}  // namespace prrt::report
