#include "prrt/common/utf8.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/locale/utf.hpp>

namespace prrt {
namespace {

using Utf8 = boost::locale::utf::utf_traits<char>;

bool IsControl(unsigned char c) {
  return c < 0x20 || c == 0x7F;
}

// Whether the UTF-8 sequence at `at` is well formed and not NUL; moves `at` past it, or one byte on when it
// is not.
bool TakeSequence(const char*& at, const char* end) {
  if (*at == '\0') {
    ++at;
    return false;
  }
  const char* start = at;
  const boost::locale::utf::code_point c = Utf8::decode(at, end);
  if (c != boost::locale::utf::illegal && c != boost::locale::utf::incomplete) return true;
  at = start + 1;
  return false;
}

}  // namespace

bool IsUtf8Text(std::string_view text) {
  const char* at = text.data();
  const char* end = at + text.size();
  while (true) {
    at = std::find_if(at, end, [](char c) { return c == '\0' || static_cast<unsigned char>(c) >= 0x80; });
    if (at == end) return true;
    if (!TakeSequence(at, end)) return false;
  }
}

std::string ShowUtf8(std::string_view text) {
  std::string shown;
  const char* at = text.data();
  const char* end = at + text.size();
  while (at != end) {
    const char* start = at;
    // A control character (a newline in a note, an escape sequence) would break the message's line or act
    // on the terminal; NUL is not text, shown below.
    if (const unsigned char c = static_cast<unsigned char>(*at); IsControl(c) && c != 0) {
      shown += c == '\t' ? "\\t" : c == '\n' ? "\\n" : c == '\r' ? "\\r" : fmt::format("\\x{:02X}", c);
      ++at;
    } else if (TakeSequence(at, end)) {
      shown.append(start, at);
    } else {
      shown += fmt::format("\\x{:02X}", static_cast<unsigned char>(*start));
    }
  }
  return shown;
}

bool HasControlCharacter(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return IsControl(static_cast<unsigned char>(c)); });
}

}  // namespace prrt
