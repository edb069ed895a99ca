#include "cli/output.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace prrt::cli {
namespace {

using nlohmann::json;

// The arrays, as plain JSON values, that the streamed ones stand for.
json Row(size_t k) {
  return {{"k", k}, {"half", 0.5 * static_cast<double>(k)}, {"none", nullptr}};
}

std::string Printed(const json& document, const std::vector<StreamedArray>& streamed) {
  std::ostringstream out;
  PrintJson(out, document, streamed);
  return out.str();
}

TEST(PrintJson, PrintsWhatDumpPrintsOfTheWholeDocumentAtAnyDepth) {
  const StreamedArray three{3, Row}, none{0, Row}, one{1, [](size_t) { return json::array({1, 2}); }};
  struct Case {
    const char* name;
    json with_marks, whole;  // the document with the marks, and with the arrays in their place
  };
  const json three_rows = {Row(0), Row(1), Row(2)};
  const std::vector<Case> cases = {
      {"top level", StreamedArrayMark(0), three_rows},
      {"in an object",
       {{"a", 1}, {"table", StreamedArrayMark(0)}, {"z", "after"}},
       {{"a", 1}, {"table", three_rows}, {"z", "after"}}},
      {"deep in arrays of objects, with an empty one and one of arrays",
       {{"groups",
         {{{"name", "x"}, {"table", StreamedArrayMark(0)}},
          {{"name", "y"}, {"table", StreamedArrayMark(1)}}}},
        {"more", {{"inner", StreamedArrayMark(2)}}}},
       {{"groups", {{{"name", "x"}, {"table", three_rows}}, {{"name", "y"}, {"table", json::array()}}}},
        {"more", {{"inner", json::array({json::array({1, 2})})}}}}},
      {"in another order than their numbers (dump sorts keys)",
       {{"b", StreamedArrayMark(0)}, {"a", StreamedArrayMark(2)}},
       {{"b", three_rows}, {"a", json::array({json::array({1, 2})})}}},
      // A value that looks like a mark but is not this process's is printed as it is.
      {"a look-alike string",
       {{"group", "\x01streamed array 0"}, {"table", StreamedArrayMark(0)}},
       {{"group", "\x01streamed array 0"}, {"table", three_rows}}},
  };
  for (const Case& c : cases)
    EXPECT_EQ(Printed(c.with_marks, {three, none, one}), c.whole.dump(2) + "\n") << c.name;
}

TEST(PrintJson, WithoutMarksIsDump) {
  const json document = {{"p", 0.25}, {"list", {1, 2, 3}}, {"text", "a \"quoted\"\nline"}};
  EXPECT_EQ(Printed(document, {}), document.dump(2) + "\n");
}

}  // namespace
}  // namespace prrt::cli
