#include "prrt/io/csv.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>

#include "support/json_match.h"

namespace prrt::io {
namespace {

std::vector<std::vector<std::string>> ReadAll(const std::string& text) {
  Result<CsvReader> reader = CsvReader::FromString(text, "t.csv");
  EXPECT_TRUE(reader.ok()) << reader.status().message();
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> fields;
  while (true) {
    Result<bool> got = reader->Next(fields);
    EXPECT_TRUE(got.ok()) << got.status().message();
    if (!got.ok() || !*got) break;
    records.push_back(fields);
  }
  return records;
}

TEST(CsvReader, ReadsQuotedFieldsDoubledQuotesAndEmbeddedNewlines) {
  auto records = ReadAll("a,b,c\n1,\"x, y\",\"say \"\"hi\"\"\"\n2,\"two\nlines\",\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0], (std::vector<std::string>{"1", "x, y", "say \"hi\""}));
  EXPECT_EQ(records[1], (std::vector<std::string>{"2", "two\nlines", ""}));
}

TEST(CsvReader, AcceptsCrLfLoneCrBomAndNoFinalNewline) {
  auto records = ReadAll("\xEF\xBB\xBFid,v\r\n1,a\r2,b");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1], (std::vector<std::string>{"2", "b"}));
  Result<CsvReader> reader = CsvReader::FromString("\xEF\xBB\xBFid,v\n", "t.csv");
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(reader->header()[0], "id");
}

TEST(CsvReader, SkipsBlankLines) {
  auto records = ReadAll("a\n1\n\n2\n\n");
  ASSERT_EQ(records.size(), 2u);
}

// Found by fuzz/csv_fuzzer: the mark was taken off the header's first field, so after it a blank first line
// became the header (one column named ""), where without the mark it is skipped; and a header quoted or after
// blank lines lost its first bytes only when they looked like a mark. The mark belongs to the input's first
// bytes.
TEST(CsvReader, AByteOrderMarkIsTheInputsFirstBytesNotTheHeadersFirstField) {
  for (const char* text : {"\xEF\xBB\xBF\nx\n0\n1\n", "\nx\n0\n1\n", "\xEF\xBB\xBF\"x\"\n0\n1\n"}) {
    Result<CsvReader> reader = CsvReader::FromString(text, "t.csv");
    ASSERT_TRUE(reader.ok());
    EXPECT_EQ(reader->header(), std::vector<std::string>{"x"});
    EXPECT_EQ(ReadAll(text).size(), 2u);
  }
  for (const char* text : {"\n\xEF\xBB\xBFx\n0\n", "\"\xEF\xBB\xBFx\"\n0\n"}) {
    Result<CsvReader> reader = CsvReader::FromString(text, "t.csv");
    ASSERT_TRUE(reader.ok());
    EXPECT_EQ(reader->header(), std::vector<std::string>{"\xEF\xBB\xBFx"});
  }
}

TEST(CsvReader, ReportsTheLineOfEachRecordCountingEmbeddedNewlines) {
  Result<CsvReader> reader = CsvReader::FromString("a,b\n\"x\ny\",1\n3,4\n", "t.csv");
  ASSERT_TRUE(reader.ok());
  std::vector<std::string> fields;
  ASSERT_TRUE(*reader->Next(fields));
  EXPECT_EQ(reader->line(), 2);
  ASSERT_TRUE(*reader->Next(fields));
  EXPECT_EQ(reader->line(), 4);
}

struct BadCsv {
  std::string text;
  std::string message;  // a part of the expected message
};
// A case is listed (ctest's names) by the message it expects, not by its bytes (which held addresses).
void PrintTo(const BadCsv& bad, std::ostream* os) {
  *os << bad.message;
}

class CsvErrors : public ::testing::TestWithParam<BadCsv> {};

TEST_P(CsvErrors, NameFileLineAndWhatWasExpected) {
  Result<CsvReader> reader = CsvReader::FromString(GetParam().text, "t.csv");
  std::string message;
  if (!reader.ok()) {
    message = reader.status().message();
  } else {
    std::vector<std::string> fields;
    while (true) {
      Result<bool> got = reader->Next(fields);
      if (!got.ok()) {
        message = got.status().message();
        break;
      }
      ASSERT_TRUE(*got) << "no error for " << GetParam().text;
    }
  }
  EXPECT_NE(message.find(GetParam().message), std::string::npos) << message;
}

INSTANTIATE_TEST_SUITE_P(
    Table, CsvErrors,
    ::testing::Values(BadCsv{"", "t.csv: the file is empty; expected a header row"},
                      BadCsv{"a,b\n1,2\n3\n", "t.csv:3: expected 2 fields as in the header, found 1"},
                      BadCsv{"a,b\n1,2,3\n", "t.csv:2: expected 2 fields as in the header, found 3"},
                      BadCsv{"a,b\n1,\"open\n", "t.csv:2: column 2: a quoted field is not closed"},
                      BadCsv{"a,b\n1,x\"y\n", "t.csv:2: column 2: a '\"' inside an unquoted field"},
                      BadCsv{"a,b\n1,\"x\"y\n", "t.csv:2: column 2: text after a closing quote"}));

TEST(ReadColumns, TypesMissingValuesAndFactorLevelOrder) {
  Result<CsvReader> reader = CsvReader::FromString(
      "time,event,arm,score\n5, 1 ,b,10\n3,0,a,NA\n,1,a,2\n7,TRUE,c,1.5\n2,false,b,x\n", "t.csv");
  ASSERT_TRUE(reader.ok());
  Result<ColumnSet> set = ReadColumns(*reader, {{"time", ColumnType::kNumber, 0},
                                                {"event", ColumnType::kEvent},
                                                {"arm", ColumnType::kLabel},
                                                {"score", ColumnType::kAuto}});
  ASSERT_TRUE(set.ok()) << set.status().message();
  EXPECT_EQ(set->rows_read, 5);
  EXPECT_EQ(set->rows_dropped, 2);  // an empty time, an NA score
  EXPECT_EQ(set->columns[0].numbers, (BigVector<double>{5, 7, 2}));
  EXPECT_EQ(set->columns[1].events, (BigVector<int8_t>{1, 1, 0}));
  EXPECT_EQ(set->columns[2].levels, (std::vector<std::string>{"b", "c"}));  // "a" only in dropped rows
  EXPECT_EQ(set->columns[2].codes, (BigVector<int32_t>{0, 1, 0}));
  EXPECT_EQ(set->columns[3].type, ColumnType::kLabel);  // "x" is not a number
}

TEST(ReadColumns, NumericLevelsSortNumericallyAndAutoColumnsBecomeNumbers) {
  Result<CsvReader> reader = CsvReader::FromString("g,v\n10,1\n9,2.5\n100,3\n", "t.csv");
  ASSERT_TRUE(reader.ok());
  Result<ColumnSet> set = ReadColumns(*reader, {{"g", ColumnType::kLabel}, {"v", ColumnType::kAuto}});
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->columns[0].levels, (std::vector<std::string>{"9", "10", "100"}));
  EXPECT_EQ(set->columns[1].type, ColumnType::kNumber);
  EXPECT_EQ(set->columns[1].numbers, (BigVector<double>{1, 2.5, 3}));
}

// A covariate column of numbers with an infinite or NaN value among them: R's read.csv reads numbers (and
// coxph then stops at "an infinite predictor" or drops the NaN as missing), where taking the column as labels
// would silently fit a factor with a level "inf". Refused with the place; a label column keeps such text.
TEST(ReadColumns, AnAutoColumnRefusesANumbersSpellingThatIsNotFinite) {
  for (const std::string value : {"inf", "-Infinity", "NaN", "nan", "1e400", "+1E+999"}) {
    Result<CsvReader> reader = CsvReader::FromString("x\n1\n" + value + "\n2\n", "t.csv");
    ASSERT_TRUE(reader.ok());
    Result<ColumnSet> set = ReadColumns(*reader, {{"x", ColumnType::kAuto}});
    ASSERT_FALSE(set.ok()) << value;
    EXPECT_EQ(set.status().message(), "t.csv:3: column 'x': found '" + value +
                                          "'; expected a finite number (NA or an empty field for a missing "
                                          "value)");
  }
  Result<CsvReader> reader = CsvReader::FromString("x\nabc\ninf\n", "t.csv");
  ASSERT_TRUE(reader.ok());
  Result<ColumnSet> labels = ReadColumns(*reader, {{"x", ColumnType::kLabel}});
  ASSERT_TRUE(labels.ok());
  EXPECT_EQ(labels->columns[0].levels, (std::vector<std::string>{"abc", "inf"}));
}

// Texts R 4.2.2's read.csv reads as numbers that are not decimal numbers (R: "1e" is 1, "2.5e-" 2.5, "0x1A"
// 26, "0x1p3" 8, "+0x10" 16, "0x.8" 8): in a column of numbers, read as labels they would make the column a
// factor where R fits a number: refused. With a text anywhere in the column, before or after them or in a row
// dropped for a missing value, R reads the column as text, with these among its levels: labels, as written.
// A label column keeps them. "+-1", "0xg" and "1e+5e" are texts to R, and labels here ("+-1" was read as -1).
TEST(ReadColumns, AnAutoColumnRefusesWhatOnlyRReadsAsANumber) {
  const std::string expected =
      "expected a number in decimal notation, with digits after an exponent's e (R's read.csv reads this as "
      "a number, so the column is not one of labels)";
  const std::vector<std::string> r_numbers = {"1e",   "1e+",   "2.5e-", "-1E",  "0x1A",
                                              "0X1a", "0x1p3", "+0x10", "0x.8", "0x1p"};
  for (const std::string& value : r_numbers) {
    for (const std::string& numbers : {"t,x\n1,1\n2," + value + "\n3,2\n", "t,x\n1,1.5\n2," + value + "\n"}) {
      Result<CsvReader> reader = CsvReader::FromString(numbers, "t.csv");
      ASSERT_TRUE(reader.ok());
      Result<ColumnSet> set = ReadColumns(*reader, {{"t", ColumnType::kNumber}, {"x", ColumnType::kAuto}});
      ASSERT_FALSE(set.ok()) << value;
      EXPECT_EQ(set.status().message(), "t.csv:3: column 'x': found '" + value + "'; " + expected);
    }
    for (const std::string& with_text : {"t,x\n1,abc\n2," + value + "\n", "t,x\n1," + value + "\n2,abc\n",
                                         "t,x\n1," + value + "\nNA,abc\n3,1\n"}) {
      Result<CsvReader> reader = CsvReader::FromString(with_text, "t.csv");
      ASSERT_TRUE(reader.ok());
      Result<ColumnSet> set = ReadColumns(*reader, {{"t", ColumnType::kNumber}, {"x", ColumnType::kAuto}});
      ASSERT_TRUE(set.ok()) << with_text << ": " << set.status().message();
      const std::vector<std::string>& levels = set->columns[1].levels;
      EXPECT_NE(std::find(levels.begin(), levels.end(), value), levels.end()) << with_text;
    }
    Result<CsvReader> reader = CsvReader::FromString("x\n" + value + "\n", "t.csv");
    ASSERT_TRUE(reader.ok());
    Result<ColumnSet> labels = ReadColumns(*reader, {{"x", ColumnType::kLabel}});
    ASSERT_TRUE(labels.ok());
    EXPECT_EQ(labels->columns[0].levels, std::vector<std::string>{value});
  }
  Result<CsvReader> reader = CsvReader::FromString("x\n+-1\n0xg\n1e+5e\n2\n", "t.csv");
  ASSERT_TRUE(reader.ok());
  Result<ColumnSet> texts = ReadColumns(*reader, {{"x", ColumnType::kAuto}});
  ASSERT_TRUE(texts.ok()) << texts.status().message();
  EXPECT_EQ(texts->columns[0].levels, (std::vector<std::string>{"+-1", "0xg", "1e+5e", "2"}));
  reader = CsvReader::FromString("x\n+-1\n", "t.csv");
  ASSERT_TRUE(reader.ok());
  Result<ColumnSet> number = ReadColumns(*reader, {{"x", ColumnType::kNumber}});
  ASSERT_FALSE(number.ok());
  EXPECT_EQ(number.status().message(), "t.csv:2: column 'x': found '+-1'; expected a number");
}

// R 4.2.2's reading of columns and naming of numbers (tests/r/make_goldens.R).
nlohmann::json FactorLevelsGolden() {
  return nlohmann::json::parse(testing::ReadSourceFile("tests/golden/factor_levels.json"));
}

// A column of "1" and one more text, as R 4.2.2's read.csv types it (tests/golden/factor_levels.json, written
// by tests/r/make_goldens.R): where R reads numbers, prrt reads numbers or refuses those it does not read
// (hexadecimal, an exponent's e without digits, infinite); where R reads complex numbers, which its models
// refuse, prrt refuses; where R reads text, prrt reads labels.
TEST(ReadColumns, AnAutoColumnIsTypedAsRsReadCsvTypesIt) {
  const nlohmann::json golden = FactorLevelsGolden();
  ASSERT_GT(golden.at("column_classes").size(), 40u);
  for (const auto& c : golden.at("column_classes")) {
    const std::string text = c.at("text");
    const std::string r_class = c.at("class");
    Result<CsvReader> reader = CsvReader::FromString("x\n1\n" + text + "\n", "t.csv");
    ASSERT_TRUE(reader.ok());
    Result<ColumnSet> set = ReadColumns(*reader, {{"x", ColumnType::kAuto}});
    const std::string found = "t.csv:3: column 'x': found '" + text + "'; expected ";
    if (r_class == "numeric" || r_class == "integer") {
      if (set.ok()) {
        EXPECT_EQ(set->columns[0].type, ColumnType::kNumber) << text;
      } else {
        const std::string& message = set.status().message();
        EXPECT_TRUE(message.rfind(found + "a number in decimal notation", 0) == 0 ||
                    message.rfind(found + "a finite number", 0) == 0)
            << message;
      }
    } else if (r_class == "complex") {
      ASSERT_FALSE(set.ok()) << text;
      EXPECT_EQ(set.status().message(), found +
                                            "a real number or a label (R's read.csv reads this as a complex "
                                            "number, which R's models refuse)");
    } else {
      ASSERT_EQ(r_class, "character");
      ASSERT_TRUE(set.ok()) << text << ": " << set.status().message();
      std::vector<std::string> levels{"1", text};
      std::sort(levels.begin(), levels.end());  // R's order in the C locale: bytes
      EXPECT_EQ(set->columns[0].levels, levels);
    }
  }
}

// Below the smallest subnormal a number is 0, as R reads it (from_chars calls it out of range), in number
// and automatic columns alike; "1e-320" is a subnormal, kept.
TEST(ReadColumns, ANumberBelowTheSmallestDoubleIsZero) {
  for (ColumnType type : {ColumnType::kNumber, ColumnType::kAuto}) {
    Result<CsvReader> reader = CsvReader::FromString("x\n1e-400\n-1e-999\n1e-320\n2\n", "t.csv");
    ASSERT_TRUE(reader.ok());
    Result<ColumnSet> set = ReadColumns(*reader, {{"x", type}});
    ASSERT_TRUE(set.ok()) << set.status().message();
    ASSERT_EQ(set->columns[0].type, ColumnType::kNumber);
    EXPECT_EQ(set->columns[0].numbers, (BigVector<double>{0, 0, 1e-320, 2}));
    EXPECT_TRUE(std::signbit(set->columns[0].numbers[1]));
  }
}

// A stop time must exceed its start in the same row (`exceeds`): the first row where it does not is named,
// after a row with a missing start (dropped, not compared) and a blank line.
TEST(ReadColumns, AStopTimeMustExceedItsStart) {
  Result<CsvReader> reader = CsvReader::FromString("start,stop\n0,1\nNA,0.5\n\n1,2.5\n2.5,2.5\n", "t.csv");
  ASSERT_TRUE(reader.ok());
  Result<ColumnSet> set = ReadColumns(
      *reader, {{"stop", ColumnType::kNumber, 0, false, /*exceeds=*/1}, {"start", ColumnType::kNumber}});
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(
      set.status().message(),
      "t.csv:6: columns 'start' and 'stop': the interval (2.5, 2.5] does not end after it starts; expected "
      "'stop' > 'start'");
}

// A column whose smallest value is not allowed (case weights, > 0): 0 is an error naming the place, a number
// just above it is read; the same column with 0 allowed takes it.
TEST(ReadColumns, AboveMinRejectsTheMinimumItself) {
  const std::string text = "w\n0.5\n5e-324\n0\n";
  Result<CsvReader> reader = CsvReader::FromString(text, "t.csv");
  ASSERT_TRUE(reader.ok());
  Result<ColumnSet> set = ReadColumns(*reader, {{"w", ColumnType::kNumber, 0, /*above_min=*/true}});
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().message(), "t.csv:4: column 'w': found '0'; expected a number > 0");
  Result<CsvReader> again = CsvReader::FromString(text, "t.csv");
  ASSERT_TRUE(again.ok());
  Result<ColumnSet> allowed = ReadColumns(*again, {{"w", ColumnType::kNumber, 0}});
  ASSERT_TRUE(allowed.ok());
  EXPECT_EQ(allowed->columns[0].numbers, (BigVector<double>{0.5, 5e-324, 0}));
}

class ColumnErrors : public ::testing::TestWithParam<BadCsv> {};

TEST_P(ColumnErrors, NameFileLineColumnValueAndExpectation) {
  Result<CsvReader> reader = CsvReader::FromString(GetParam().text, "t.csv");
  ASSERT_TRUE(reader.ok());
  Result<ColumnSet> set =
      ReadColumns(*reader, {{"time", ColumnType::kNumber, 0}, {"event", ColumnType::kEvent}});
  ASSERT_FALSE(set.ok());
  EXPECT_NE(set.status().message().find(GetParam().message), std::string::npos) << set.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    Table, ColumnErrors,
    ::testing::Values(
        BadCsv{"time,event\n1,1\nabc,0\n", "t.csv:3: column 'time': found 'abc'; expected a number"},
        BadCsv{"time,event\n-2,1\n", "t.csv:2: column 'time': found '-2'; expected a number >= 0"},
        BadCsv{"time,event\n1,2\n", "t.csv:2: column 'event': found '2'; expected 0 or 1 (or true/false)"},
        BadCsv{"time,event\ninf,1\n",
               "t.csv:2: column 'time': found 'inf'; expected a finite number (NA or an empty field for a "
               "missing value)"},
        BadCsv{"time,event\n1,0\nNaN,1\n", "t.csv:3: column 'time': found 'NaN'; expected a finite number"},
        BadCsv{"time,event\n1e999,1\n", "t.csv:2: column 'time': found '1e999'; expected a finite number"},
        BadCsv{"time,evnt\n1,1\n", "t.csv:1: no column 'event'; the header has: time, evnt"},
        BadCsv{
            "time;event\n1,5;1\n",
            "t.csv:1: no column 'time'; the header has: time;event; the fields seem separated by ';' (as a "
            "spreadsheet set to a decimal comma saves CSV); expected ',' between fields and '.' as the "
            "decimal point"},
        BadCsv{"time,event\n1,1\n2\n", "t.csv:3: expected 2 fields as in the header, found 1"},
        BadCsv{"time,event\r\n1,1\r\n2,1,0\r\n", "t.csv:3: expected 2 fields as in the header, found 3"},
        BadCsv{"time,event\n1,1\n\n\n\"x\",1\n", "t.csv:5: column 'time': found 'x'; expected a number"}));

// A file of `rows` records written by the test (time = row, event = row % 2, arm = a level that first
// appears late, every 7th time missing, a blank line every 1000 rows), each field quoted or not, lines ending
// in LF or CR LF. Quoted, every record is read one by one; plain, most go through runs of lines split into
// parts read on all cores (more than one run: over a megabyte), so the two must read the same.
struct GeneratedCsv {
  std::string text;
  BigVector<double> times;       // of the rows kept
  BigVector<int32_t> arm_codes;  // of the rows kept, levels sorted: "arm0" < "arm1" < ... < "arm9"
  int64_t rows = 0, dropped = 0;
};

GeneratedCsv Generate(int rows, bool quoted, const char* newline, int bad_row = -1) {
  GeneratedCsv csv;
  auto field = [quoted](const std::string& text) { return quoted ? "\"" + text + "\"" : text; };
  csv.text = field("time") + "," + field("event") + "," + field("arm") + newline;
  for (int row = 0; row < rows; ++row) {
    if (row % 1000 == 999) csv.text += newline;
    // Level k first appears at row 5000 k: in a later part, and in a later run of lines, than level 0.
    const int arm = std::min(row / 5000, (row * 7919) % 10);
    const bool missing = row % 7 == 3;
    const std::string time = row == bad_row ? "abc" : missing ? "NA" : std::to_string(row);
    csv.text += field(time) + "," + field(std::to_string(row % 2)) + "," +
                field("arm" + std::to_string(arm)) + newline;
    ++csv.rows;
    if (missing) {
      ++csv.dropped;
    } else {
      csv.times.push_back(row);
      csv.arm_codes.push_back(arm);
    }
  }
  return csv;
}

Result<ColumnSet> ReadGenerated(const std::string& text) {
  Result<CsvReader> reader = CsvReader::FromString(text, "t.csv");
  EXPECT_TRUE(reader.ok());
  return ReadColumns(
      *reader,
      {{"time", ColumnType::kNumber, 0}, {"event", ColumnType::kEvent}, {"arm", ColumnType::kLabel}});
}

TEST(ReadColumns, ReadsLargePlainAndQuotedFilesAlike) {
  const int rows = 100000;
  for (const char* newline : {"\n", "\r\n"}) {
    for (bool quoted : {false, true}) {
      const GeneratedCsv csv = Generate(rows, quoted, newline);
      if (!quoted) {
        EXPECT_GT(csv.text.size(), size_t{1} << 20);
      }
      Result<ColumnSet> set = ReadGenerated(csv.text);
      ASSERT_TRUE(set.ok()) << set.status().message();
      EXPECT_EQ(set->rows_read, csv.rows);
      EXPECT_EQ(set->rows_dropped, csv.dropped);
      EXPECT_EQ(set->columns[0].numbers, csv.times);
      EXPECT_EQ(set->columns[2].codes, csv.arm_codes);
      const std::vector<std::string> levels = {"arm0", "arm1", "arm2", "arm3", "arm4",
                                               "arm5", "arm6", "arm7", "arm8", "arm9"};
      EXPECT_EQ(set->columns[2].levels, levels);
      for (size_t r = 0; r < csv.times.size(); ++r)
        ASSERT_EQ(set->columns[1].events[r], static_cast<int>(csv.times[r]) % 2) << r;
    }
  }
}

TEST(ReadColumns, NamesTheLineOfABadValueDeepInALargeFile) {
  // Row 43210 is on line 43210 + 2 (header, 0-based rows) + 43 blank lines before it.
  for (const char* newline : {"\n", "\r\n"}) {
    for (bool quoted : {false, true}) {
      Result<ColumnSet> set = ReadGenerated(Generate(60000, quoted, newline, 43210).text);
      ASSERT_FALSE(set.ok());
      EXPECT_EQ(set.status().message(), "t.csv:43255: column 'time': found 'abc'; expected a number");
    }
  }
}

// A label goes into the output (JSON, which carries UTF-8 only) as written, so one in another encoding is
// refused, its bytes shown; UTF-8 labels are kept as they are.
TEST(ReadColumns, ALabelThatIsNotUtf8IsRefusedWithItsBytesShown) {
  for (ColumnType type : {ColumnType::kLabel, ColumnType::kAuto}) {
    Result<CsvReader> reader = CsvReader::FromString("g\ncaf\xC3\xA9\nZ\xC3\xBCrich\ncaf\xC3\xA9\n", "t.csv");
    ASSERT_TRUE(reader.ok());
    Result<ColumnSet> set = ReadColumns(*reader, {{"g", type}});
    ASSERT_TRUE(set.ok()) << set.status().message();
    EXPECT_EQ(set->columns[0].levels, (std::vector<std::string>{"Z\xC3\xBCrich", "caf\xC3\xA9"}));
    reader = CsvReader::FromString("g\ncaf\xC3\xA9\n\"caf\xE9\"\n", "t.csv");
    ASSERT_TRUE(reader.ok());
    set = ReadColumns(*reader, {{"g", type}});
    ASSERT_FALSE(set.ok());
    EXPECT_EQ(set.status().message(),
              "t.csv:3: column 'g': found 'caf\\xE9'; expected UTF-8 text (this looks like another encoding, "
              "such as Windows-1252 or Latin-1: save the file as CSV UTF-8)");
  }
  // Deep in a large file, read in parts on all cores: the line is the bad value's.
  std::string text = "time,event,arm\n";
  for (int row = 0; row < 100000; ++row)
    text += fmt::format("{},{},{}\n", row, row % 2, row == 77777 ? "arm\xB5" : "arm");
  ASSERT_GT(text.size(), size_t{1} << 20);
  Result<ColumnSet> set = ReadGenerated(text);
  ASSERT_FALSE(set.ok());
  EXPECT_TRUE(
      set.status().message().starts_with("t.csv:77779: column 'arm': found 'arm\\xB5'; expected UTF-8"))
      << set.status().message();
  // A number column names such a value with its bytes shown too.
  Result<CsvReader> reader = CsvReader::FromString("t\n1\n2\xA0\n", "t.csv");
  ASSERT_TRUE(reader.ok());
  set = ReadColumns(*reader, {{"t", ColumnType::kNumber}});
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().message(), "t.csv:3: column 't': found '2\\xA0'; expected a number");
}

TEST(ReadColumns, AColumnNameThatIsNotUtf8IsRefusedWhereItIsRead) {
  Result<CsvReader> reader = CsvReader::FromString("t\xE9,e,x\xE9\n1,1,2\n", "t.csv");
  ASSERT_TRUE(reader.ok());
  Result<ColumnSet> set = ReadColumns(*reader, {{"t\xE9", ColumnType::kNumber}});
  ASSERT_FALSE(set.ok());
  EXPECT_TRUE(set.status().message().starts_with(
      "t.csv:1: column 't\\xE9': found a name that is not UTF-8; expected UTF-8"))
      << set.status().message();
  // Columns not read may be named in any encoding.
  reader = CsvReader::FromString("t\xE9,e,x\xE9\n1,1,2\n", "t.csv");
  ASSERT_TRUE(reader.ok());
  set = ReadColumns(*reader, {{"e", ColumnType::kEvent}});
  ASSERT_TRUE(set.ok()) << set.status().message();
  EXPECT_EQ(set->rows_read, 1);
}

TEST(ReadColumns, ReadsPlainRunsAroundQuotedRecordsAndLoneCarriageReturns) {
  // Plain lines, a quoted record with a newline inside, plain lines, a record ended by a lone CR, plain.
  std::string text = "time,note\n";
  BigVector<double> times;
  for (int row = 0; row < 30000; ++row) {
    if (row == 10000) {
      text += "10000,\"two\nlines\"\n";
    } else if (row == 20000) {
      text += "20000,x\r";
    } else {
      text += std::to_string(row) + ",n\n";
    }
    times.push_back(row);
  }
  text += "30000,x,y\n";  // one field too many, on line 30000 + 2 + 1 (the quoted newline)
  Result<CsvReader> reader = CsvReader::FromString(text, "t.csv");
  ASSERT_TRUE(reader.ok());
  Result<ColumnSet> set =
      ReadColumns(*reader, {{"time", ColumnType::kNumber, 0}, {"note", ColumnType::kLabel}});
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().message(), "t.csv:30003: expected 2 fields as in the header, found 3");
  text.erase(text.rfind("30000,x,y"));
  reader = CsvReader::FromString(text, "t.csv");
  ASSERT_TRUE(reader.ok());
  set = ReadColumns(*reader, {{"time", ColumnType::kNumber, 0}, {"note", ColumnType::kLabel}});
  ASSERT_TRUE(set.ok()) << set.status().message();
  EXPECT_EQ(set->columns[0].numbers, times);
  EXPECT_EQ(set->columns[1].levels, (std::vector<std::string>{"n", "two\nlines", "x"}));
}

// A covariate column is read as numbers until a value that is not one; from there it is labels, whose levels
// are the texts as written (R's read.csv reads such a column as strings: "1", "1.0" and "+1" are three
// levels), wherever the label is: in the first or the last row, in a part of the file read on another thread
// or another 1 MB run than the numbers, or after a quoted record read on its own.
TEST(ReadColumns, AnAutoColumnWithALabelKeepsEveryValueAsWritten) {
  const std::vector<std::string> spellings = {"1", "1.0", "+1", "01", "2.50", "1e1", "-0"};
  const int rows = 200000;
  for (int label_row : {0, 1, rows / 2, rows - 1, -1}) {  // -1: no label
    for (int quoted_row : {-1, 7, rows / 3}) {
      std::string text = "t,x\n";
      std::vector<std::string> kept;  // x in the rows kept (every thousandth is missing, dropped)
      for (int row = 0; row < rows; ++row) {
        std::string x = row == label_row ? "b" : row % 1000 == 500 ? "NA" : spellings[row % spellings.size()];
        text += std::to_string(row) + "," + (row == quoted_row ? "\"" + x + "\"" : x) + "\n";
        if (x != "NA") kept.push_back(x);
      }
      ASSERT_GT(text.size(), size_t{1} << 20);
      Result<CsvReader> reader = CsvReader::FromString(text, "t.csv");
      ASSERT_TRUE(reader.ok());
      Result<ColumnSet> set = ReadColumns(*reader, {{"t", ColumnType::kNumber}, {"x", ColumnType::kAuto}});
      ASSERT_TRUE(set.ok()) << set.status().message();
      const Column& x = set->columns[1];
      EXPECT_EQ(set->rows_dropped, rows / 1000);
      if (label_row < 0) {
        ASSERT_EQ(x.type, ColumnType::kNumber);
        ASSERT_EQ(x.numbers.size(), kept.size());
        for (size_t r = 0; r < kept.size(); ++r)
          ASSERT_EQ(x.numbers[r], std::strtod(kept[r].c_str(), nullptr)) << r;
        continue;
      }
      // Not all numbers: levels sorted as texts, each row coded by its own text.
      const std::set<std::string> distinct(kept.begin(), kept.end());
      const std::vector<std::string> levels(distinct.begin(), distinct.end());
      ASSERT_EQ(x.type, ColumnType::kLabel) << label_row << " " << quoted_row;
      ASSERT_EQ(x.levels, levels);
      ASSERT_EQ(x.codes.size(), kept.size());
      for (size_t r = 0; r < kept.size(); ++r)
        ASSERT_EQ(x.levels[static_cast<size_t>(x.codes[r])], kept[r]) << r;
    }
  }
}

// Whether a column of numbers with "0x1A" (R's 26) is refused is known only at the end: a text anywhere makes
// it a text column to R. In a file of 2 MB, read in parts on all cores: refused at the line of the first such
// value, whichever part it is in and whether its record is quoted (read alone); with a text, in a row kept or
// dropped, before or after it, labels.
TEST(ReadColumns, AnAutoColumnOfNumbersIsRefusedAtItsFirstROnlyNumberAcrossParts) {
  const int rows = 200000;
  struct Case {
    std::vector<int> hexadecimal_rows;
    int text_row;  // -1: none
    bool text_dropped;
    int quoted_row;  // -1: none
  };
  for (const Case& c : {Case{{rows / 2}, -1, false, -1}, Case{{rows / 2, rows - 1}, -1, false, -1},
                        Case{{3, rows / 2}, -1, false, 3}, Case{{rows / 3}, -1, false, rows / 3},
                        Case{{rows - 1}, 0, false, -1}, Case{{1}, rows - 1, true, -1},
                        Case{{rows / 2}, rows / 4, true, rows / 4}}) {
    std::string text = "t,x\n";
    for (int row = 0; row < rows; ++row) {
      const bool hexadecimal =
          std::find(c.hexadecimal_rows.begin(), c.hexadecimal_rows.end(), row) != c.hexadecimal_rows.end();
      const std::string x = hexadecimal ? "0x1A" : row == c.text_row ? "b" : std::to_string(row % 7);
      const std::string t = row == c.text_row && c.text_dropped ? "NA" : std::to_string(row);
      text += t + "," + (row == c.quoted_row ? "\"" + x + "\"" : x) + "\n";
    }
    ASSERT_GT(text.size(), size_t{1} << 20);
    Result<CsvReader> reader = CsvReader::FromString(text, "t.csv");
    ASSERT_TRUE(reader.ok());
    Result<ColumnSet> set = ReadColumns(*reader, {{"t", ColumnType::kNumber}, {"x", ColumnType::kAuto}});
    if (c.text_row >= 0) {
      ASSERT_TRUE(set.ok()) << set.status().message();
      EXPECT_EQ(set->columns[1].type, ColumnType::kLabel);
      EXPECT_EQ(set->columns[1].levels.size(), c.text_dropped ? 8u : 9u);  // 0-6, 0x1A, b if kept
      continue;
    }
    ASSERT_FALSE(set.ok());
    // Row r is on line r + 2 (the header is line 1).
    EXPECT_EQ(
        set.status().message(),
        fmt::format("t.csv:{}: column 'x': found '0x1A'; expected a number in decimal notation, with digits "
                    "after an exponent's e (R's read.csv reads this as a number, so the column is not one "
                    "of labels)",
                    c.hexadecimal_rows[0] + 2));
  }
}

// R's factor() levels of a column as read.csv types it (tests/golden/factor_levels.json, written by
// tests/r/make_goldens.R): when every value is a number, the dropped rows' too, the levels are ordered by
// value and named as.character(value) ("9" and "09" one level "9", "1e5" and "100000" one level "1e+05");
// with a text among the values, the levels are the texts in the C locale's order ("10" before "9", even where
// the text's row is dropped).
TEST(ReadColumns, LabelLevelsAreRsFactorLevels) {
  const nlohmann::json golden = FactorLevelsGolden();
  ASSERT_EQ(golden.at("factors").size(), 16u);
  for (const auto& c : golden.at("factors")) {
    const std::vector<std::string> levels = c.at("levels").get<std::vector<std::string>>();
    const std::vector<int32_t> codes = c.at("codes").get<std::vector<int32_t>>();
    for (ColumnType type : {ColumnType::kLabel, ColumnType::kAuto}) {
      Result<CsvReader> reader = CsvReader::FromString(c.at("csv").get<std::string>(), "t.csv");
      ASSERT_TRUE(reader.ok());
      Result<ColumnSet> set = ReadColumns(*reader, {{"t", ColumnType::kNumber}, {"g", type}});
      ASSERT_TRUE(set.ok()) << set.status().message();
      const Column& g = set->columns[1];
      if (g.type == ColumnType::kNumber) {
        // A covariate of numbers is numbers (R's model uses it as such, not as a factor).
        EXPECT_EQ(type, ColumnType::kAuto);
        EXPECT_TRUE(std::all_of(levels.begin(), levels.end(), [](const std::string& level) {
          double value;
          return ParseNumber(level, value);
        }));
        continue;
      }
      EXPECT_EQ(g.levels, levels) << c.at("csv");
      EXPECT_EQ(std::vector<int32_t>(g.codes.begin(), g.codes.end()), codes) << c.at("csv");
    }
  }
}

// as.character() of doubles of every magnitude (R 4.2.2, the same golden file), to the last character.
TEST(NumberText, IsRsAsCharacter) {
  const nlohmann::json golden = FactorLevelsGolden();
  ASSERT_GT(golden.at("as_character").size(), 1000u);
  for (const auto& c : golden.at("as_character")) {
    const std::string value = c.at("value");
    EXPECT_EQ(NumberText(std::strtod(value.c_str(), nullptr)), c.at("text").get<std::string>()) << value;
  }
}

TEST(CsvReader, OpenNamesAMissingFile) {
  Result<CsvReader> reader = CsvReader::Open("/nonexistent/x.csv");
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().message(), "/nonexistent/x.csv: cannot open the file for reading");
}

}  // namespace
}  // namespace prrt::io
