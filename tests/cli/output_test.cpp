#include "cli/output.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <optional>
#include <random>

#include <sstream>
#include <string>
#include <vector>

namespace prrt::cli {
namespace {

using nlohmann::json;

json Row(size_t k) {
  return {{"k", k}, {"half", 0.5 * static_cast<double>(k)}, {"none", nullptr}};
}

// The elements Row(0), ..., Row(count - 1).
StreamedJson::Elements Rows(size_t count) {
  return [count](const auto& emit) {
    for (size_t k = 0; k < count; ++k)
      emit(Row(k));
  };
}

std::string Printed(const StreamedJson& streamed, const json& document) {
  std::ostringstream out;
  streamed.Print(out, document);
  return out.str();
}

TEST(StreamedJson, PrintsWhatDumpPrintsOfTheWholeDocumentAtAnyDepth) {
  // The arrays as plain JSON values, for the documents the expectations are dumped from.
  const json three_rows = {Row(0), Row(1), Row(2)};
  const json of_arrays = json::array({json::array({1, 2})});
  struct Case {
    const char* name;
    json with_marks, whole;  // the document with the marks, and with the arrays in their place
  };
  StreamedJson streamed;
  const json three = streamed.Add(Rows(3));
  const json none = streamed.Add(Rows(0));
  const json one = streamed.Add([](const auto& emit) { emit(json::array({1, 2})); });
  const std::vector<Case> cases = {
      {"top level", three, three_rows},
      {"in an object",
       {{"a", 1}, {"table", three}, {"z", "after"}},
       {{"a", 1}, {"table", three_rows}, {"z", "after"}}},
      {"deep in arrays of objects, with an empty one and one of arrays",
       {{"groups", {{{"name", "x"}, {"table", three}}, {{"name", "y"}, {"table", none}}}},
        {"more", {{"inner", one}}}},
       {{"groups", {{{"name", "x"}, {"table", three_rows}}, {{"name", "y"}, {"table", json::array()}}}},
        {"more", {{"inner", of_arrays}}}}},
      {"in another order than they were added (dump sorts keys)",
       {{"b", three}, {"a", one}},
       {{"b", three_rows}, {"a", of_arrays}}},
      // A value that looks like a mark but is not this object's is printed as it is.
      {"a look-alike string",
       {{"group", "\x01streamed array 0"}, {"table", three}},
       {{"group", "\x01streamed array 0"}, {"table", three_rows}}},
  };
  for (const Case& c : cases)
    EXPECT_EQ(Printed(streamed, c.with_marks), c.whole.dump(2) + "\n") << c.name;
}

TEST(StreamedJson, PrintsTextElementsAsDumpPrintsTheirValues) {
  // Kaplan–Meier rows written as text, more than the megabyte the writer holds before it writes out.
  std::vector<stats::KmRow> rows;
  for (int k = 0; k < 20000; ++k)
    rows.push_back({0.5 * k, 20000.0 - k, k % 3 == 0 ? 1.0 : 0.0, k % 3 == 0 ? 0.0 : 1.0, 1.0 / (k + 1), 0.01,
                    k == 0 ? std::nan("") : 0.2, 0.9});
  json table = json::array();
  for (const stats::KmRow& row : rows)
    table.push_back(report::KmRowJson(row));
  StreamedJson streamed;
  const json written = streamed.AddText([&rows](StreamedJson::ArrayWriter& writer) {
    // Each row with the comma and newline before it, as the km command writes a part of a table.
    report::KmRowJsonWriter row_writer(writer.newline(), "," + std::string(writer.newline()));
    std::vector<char> text(row_writer.max_row_bytes());
    for (const stats::KmRow& row : rows)
      writer.AppendElements(std::string_view(text.data(), row_writer.Write(text.data(), row)));
  });
  const json none = streamed.AddText([](StreamedJson::ArrayWriter&) {});
  const json document = {
      {"groups", {{{"group", "a"}, {"table", written}}, {{"group", "b"}, {"table", none}}}}};
  const json whole = {
      {"groups", {{{"group", "a"}, {"table", table}}, {{"group", "b"}, {"table", json::array()}}}}};
  const std::string printed = Printed(streamed, document);
  EXPECT_GT(printed.size(), size_t{3} << 20);
  EXPECT_EQ(printed, whole.dump(2) + "\n");
}

TEST(FormatNumber, IsPrintfsG) {
  // fmt's {:.Ng} follows printf's %.Ng: the reference for every digit count the commands use.
  EXPECT_EQ(FormatNumber(std::nan("")), "NA");
  EXPECT_EQ(FormatNumber(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatNumber(std::optional<double>()), "NA");
  EXPECT_EQ(FormatNumber(0.123456789), "0.123457");
  EXPECT_EQ(FormatNumber(1234567.0), "1.23457e+06");
  EXPECT_EQ(FormatNumber(0.00001234, 4), "1.234e-05");
  EXPECT_EQ(FormatNumber(100.0), "100");
  EXPECT_EQ(FormatNumber(-0.0), "-0");
  std::mt19937_64 random(20261128);
  std::uniform_real_distribution<double> unit(0, 1), exponent(-12, 12);
  for (int i = 0; i < 100000; ++i) {
    const double value = i % 3 == 0 ? unit(random) : std::pow(10.0, exponent(random)) * (unit(random) - 0.3);
    const int digits = 3 + i % 6;
    ASSERT_EQ(FormatNumber(value, digits), fmt::format("{:.{}g}", value, digits)) << value << " " << digits;
  }
  // Whole numbers (counts, times in days) of every number of digits, below and above what the digits hold.
  std::uniform_int_distribution<int> length(1, 17);
  for (int i = 0; i < 100000; ++i) {
    const double value = std::trunc(std::pow(10.0, length(random) * unit(random)) * (unit(random) - 0.2));
    const int digits = 1 + i % 17;
    ASSERT_EQ(FormatNumber(value, digits), fmt::format("{:.{}g}", value, digits)) << value << " " << digits;
  }
  for (double value : {999999.0, 1000000.0, -999999.0, 0.0, -0.0, 1e16, 99999999999999999.0})
    EXPECT_EQ(FormatNumber(value), fmt::format("{:.6g}", value)) << value;
  // Halfway cases round to even on the exact binary value, as printf does.
  for (double value : {0.5, 1.5, 2.5, 0.125, 1e-5 * 12345.5, 2.675})
    EXPECT_EQ(FormatNumber(value, 2), fmt::format("{:.2g}", value)) << value;
}

TEST(PrintTable, AlignsEveryColumnToItsWidestCellWithoutHoldingTheRows) {
  std::ostringstream out;
  size_t reads = 0;
  PrintTable(out, {"time", "n", "s"}, [&reads](const auto& emit) {
    ++reads;
    emit({"1", "120", "0.5"});
    emit({"12.75", "3", "0.25"});
    emit({"2", "", "1"});
  });
  EXPECT_EQ(out.str(),
            " time    n     s\n"
            "    1  120   0.5\n"
            "12.75    3  0.25\n"
            "    2          1\n");
  EXPECT_EQ(reads, 2u);  // the source read twice: measured, then printed
}

TEST(TextTable, PrintsAsPrintTable) {
  TextTable table({"group", "median"});
  table.AddRow({"a", "12.5"});
  table.AddRow({"longer name", "7"});
  std::ostringstream out;
  table.Print(out);
  EXPECT_EQ(out.str(),
            "      group  median\n"
            "          a    12.5\n"
            "longer name       7\n");
}

// A column's width is its cells' characters, not their bytes: "Zürich" (the u-umlaut two bytes, U+00FC) and
// "€5" (the euro sign three bytes) take 6 and 2 columns, and the cells under them are aligned to that.
TEST(PrintTable, MeasuresCellsInCharactersNotBytes) {
  EXPECT_EQ(DisplayWidth("Z\u00FCrich"), 6u);
  EXPECT_EQ(DisplayWidth("\u20AC5"), 2u);
  EXPECT_EQ(DisplayWidth("\xF0\x9D\x84\x9E"), 1u);  // U+1D11E, four bytes
  std::ostringstream out;
  PrintTable(out, {"site", "n"}, [](const auto& emit) {
    emit({"Z\u00FCrich", "\u20AC5"});
    emit({"Rotterdam", "12"});
  });
  EXPECT_EQ(out.str(),
            "     site   n\n"
            "   Z\u00FCrich  \u20AC5\n"
            "Rotterdam  12\n");
}

// A wide character takes two columns, a combining mark none (Unicode's EastAsianWidth.txt: U+4E2D and
// U+6587 are W, U+FF21 F, U+1F600 W; U+0301 is a combining mark, Mn), and a byte that is not UTF-8 one; a
// table aligns Chinese and decomposed labels to that.
TEST(PrintTable, MeasuresWideCharactersAsTwoColumnsAndCombiningMarksAsNone) {
  EXPECT_EQ(DisplayWidth("\u4E2D\u6587"), 4u);  // "Chinese", three bytes each
  EXPECT_EQ(DisplayWidth("\uFF21"), 2u);        // a fullwidth A
  EXPECT_EQ(DisplayWidth("\U0001F600"), 2u);    // a grinning face
  EXPECT_EQ(DisplayWidth("Jose\u0301"), 4u);    // e and a combining acute accent
  EXPECT_EQ(DisplayWidth("P\xE9"), 2u);         // Latin-1's e-acute: no UTF-8
  std::ostringstream out;
  PrintTable(out, {"site", "n"}, [](const auto& emit) {
    emit({"\u4E2D\u6587", "7"});
    emit({"Jose\u0301", "12"});
    emit({"midgut", "3"});
  });
  EXPECT_EQ(out.str(),
            "  site   n\n"
            "  \u4E2D\u6587   7\n"
            "  Jose\u0301  12\n"
            "midgut   3\n");
}

// A label read from a file may hold a newline (a spreadsheet cell typed over two lines) or an escape
// sequence: the table shows it escaped, on its row's line, and measures it as shown.
TEST(TextTable, ShowsControlCharactersEscaped) {
  TextTable table({"group", "n"});
  table.AddRow({"a\nb", "1"});
  table.AddRow({"\x1B[31mred", "2"});
  std::ostringstream out;
  table.Print(out);
  EXPECT_EQ(out.str(),
            "      group  n\n"
            "       a\\nb  1\n"
            "\\x1B[31mred  2\n");
}

TEST(StreamedJson, WithoutMarksIsDump) {
  const json document = {{"p", 0.25}, {"list", {1, 2, 3}}, {"text", "a \"quoted\"\nline"}};
  EXPECT_EQ(Printed(StreamedJson(), document), document.dump(2) + "\n");
}

}  // namespace
}  // namespace prrt::cli
