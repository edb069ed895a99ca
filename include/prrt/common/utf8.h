// prrt/common/utf8.h — whether text is UTF-8, as the registry's files require and as JSON can carry it. Text
// in another encoding (a spreadsheet saved as Windows-1252) is refused where it is read, with its bytes
// shown.
#pragma once

#include <string>
#include <string_view>

namespace prrt {

//! Whether `text` is well-formed UTF-8 (RFC 3629: no overlong forms, surrogates or code points past
//! U+10FFFF) without NUL (U+0000): no character of a text the registry holds, where it would end SQLite's
//! text and C strings (a free-text value cut short, read back without its end); NUL bytes come mostly
//! from files saved as UTF-16.
bool IsUtf8Text(std::string_view text);

//! `text` for a message or a line of text output: each byte that is not part of UTF-8 text written as \xHH
//! (NUL as \x00), and each other control character escaped (\t, \n, \r, \x1B, ...), so that the text stays
//! on its line and cannot act on a terminal; the rest as it is.
std::string ShowUtf8(std::string_view text);

//! Whether `text` holds a control character of ASCII (U+0000 to U+001F and U+007F: tab, newline, escape,
//! ...): none belongs in an id, a code or a name, each one line shown as it is.
bool HasControlCharacter(std::string_view text);

//! What a text with a control character (HasControlCharacter) should have been.
inline constexpr std::string_view kExpectedOneLine = "text without control characters (tab, newline, ...)";

//! What a text read from a file that is not UTF-8 should have been.
inline constexpr std::string_view kExpectedUtf8 =
    "UTF-8 text (this looks like another encoding, such as Windows-1252 or Latin-1: save the file as CSV "
    "UTF-8)";

}  // namespace prrt
