// What a message says a number read from a file should have been: a number with a decimal comma (a sign,
// digits, one comma, digits) is named with its decimal point; anything else is not guessed at.
#include "prrt/common/numbers.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace prrt {
namespace {

TEST(ExpectedNumber, NamesANumberWrittenWithADecimalComma) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"7,4", "a number > 0 (with a decimal point: 7.4)"},
      {"-0,25", "a number > 0 (with a decimal point: -0.25)"},
      {"+12,0", "a number > 0 (with a decimal point: +12.0)"},
      {"1.234,5", "a number > 0"},  // thousands separated: not guessed
      {"7,4,1", "a number > 0"},
      {",5", "a number > 0"},
      {"5,", "a number > 0"},
      {"7,4a", "a number > 0"},
      {"-,4", "a number > 0"},
      {"seven", "a number > 0"},
      {"", "a number > 0"}};
  for (const auto& [text, expected] : cases)
    EXPECT_EQ(ExpectedNumber(text, "a number > 0"), expected) << text;
}

}  // namespace
}  // namespace prrt
