// Well-formed UTF-8 as RFC 3629 defines it (table 3-7 of The Unicode Standard), without NUL, and how text
// that is not is shown in a message. The byte sequences are written out by hand from the code points.
#include "prrt/common/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace prrt {
namespace {

struct Utf8Case {
  std::string what;
  std::string bytes;
  bool well_formed;
  std::string shown;  // ShowUtf8(bytes)
};

void PrintTo(const Utf8Case& c, std::ostream* os) {
  *os << c.what;
}

class Utf8 : public ::testing::TestWithParam<Utf8Case> {};

TEST_P(Utf8, IsTextOrShownByteByByte) {
  const Utf8Case& c = GetParam();
  EXPECT_EQ(IsUtf8Text(c.bytes), c.well_formed);
  EXPECT_EQ(ShowUtf8(c.bytes), c.shown);
}

INSTANTIATE_TEST_SUITE_P(
    Table, Utf8,
    ::testing::Values(
        Utf8Case{"empty", "", true, ""}, Utf8Case{"ascii", "P001, \"x\"", true, "P001, \"x\""},
        // NUL is ASCII, but no character of a text (it ends C strings and SQLite's text).
        Utf8Case{"nul", std::string("a\0b", 3), false, "a\\x00b"},
        // Control characters are text, shown escaped: on one line, and acting on no terminal.
        Utf8Case{"control_characters", "a\tb\r\nc \x1B[31mred\x1B[0m\x7F\x01", true,
                 "a\\tb\\r\\nc \\x1B[31mred\\x1B[0m\\x7F\\x01"},
        Utf8Case{"utf16le", std::string("P\0\xE9\0", 4), false, "P\\x00\\xE9\\x00"},
        // U+00E9 e-acute: 110 00011, 10 101001.
        Utf8Case{"two_bytes", "caf\xC3\xA9", true, "caf\xC3\xA9"},
        // U+00B5 micro sign, U+20AC euro sign (1110 0010, 10 000010, 10 101100), U+1D11E G clef.
        Utf8Case{"micro_euro_clef", "\xC2\xB5g \xE2\x82\xAC \xF0\x9D\x84\x9E", true,
                 "\xC2\xB5g \xE2\x82\xAC \xF0\x9D\x84\x9E"},
        Utf8Case{"last_before_surrogates", "\xED\x9F\xBF", true, "\xED\x9F\xBF"},   // U+D7FF
        Utf8Case{"first_after_surrogates", "\xEE\x80\x80", true, "\xEE\x80\x80"},   // U+E000
        Utf8Case{"last_code_point", "\xF4\x8F\xBF\xBF", true, "\xF4\x8F\xBF\xBF"},  // U+10FFFF
        // Latin-1 / Windows-1252 e-acute: a lead byte without its continuation.
        Utf8Case{"latin1", "caf\xE9", false, "caf\\xE9"},
        Utf8Case{"latin1_then_ascii", "\xE9t\xE9", false, "\\xE9t\\xE9"},
        Utf8Case{"lone_continuation", "a\x80", false, "a\\x80"},
        Utf8Case{"bad_continuation", "\xC3(", false, "\\xC3("},
        Utf8Case{"cut_short", "\xE2\x82", false, "\\xE2\\x82"},
        Utf8Case{"overlong_slash", "\xC0\xAF", false, "\\xC0\\xAF"},           // '/' in two bytes
        Utf8Case{"overlong_three", "\xE0\x80\xAF", false, "\\xE0\\x80\\xAF"},  // '/' in three bytes
        Utf8Case{"surrogate", "\xED\xA0\x80", false, "\\xED\\xA0\\x80"},       // U+D800
        Utf8Case{"past_last_code_point", "\xF4\x90\x80\x80", false, "\\xF4\\x90\\x80\\x80"},  // U+110000
        Utf8Case{"five_bytes", "\xF8\x88\x80\x80\x80", false, "\\xF8\\x88\\x80\\x80\\x80"},
        Utf8Case{"fe_ff", "\xFE\xFF", false, "\\xFE\\xFF"},
        Utf8Case{"good_after_bad", "\xE9\xC3\xA9", false, "\\xE9\xC3\xA9"}));

// ASCII's control characters are U+0000 to U+001F and U+007F (DEL); space (U+0020) and tilde (U+007E) bound
// them; the C1 controls of Unicode (U+0080 to U+009F, two bytes in UTF-8) are not looked for.
TEST(ControlCharacters, AreAsciisC0AndDelete) {
  for (const std::string text : {"", "P001", " ~", "caf\xC3\xA9", "\xC2\x85", "\xE9"})
    EXPECT_FALSE(HasControlCharacter(text)) << ShowUtf8(text);
  for (const std::string& text :
       {std::string("a\0b", 3), std::string("\x01"), std::string("a\tb"), std::string("line\n"),
        std::string("\r"), std::string("\x1B[31m"), std::string("\x1F"), std::string("\x7F")})
    EXPECT_TRUE(HasControlCharacter(text)) << ShowUtf8(text);
}

}  // namespace
}  // namespace prrt
