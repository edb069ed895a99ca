// prrt/common/numbers.h — what a number read from a file should have been, for a message.
#pragma once

#include <string>
#include <string_view>

namespace prrt {

//! `expected` ("a number", "a number > 0"), and, when `text` is a number written with a decimal comma as a
//! spreadsheet set to most of Europe's conventions saves it ("7,4" in a quoted field), the number it would
//! be: "a number (with a decimal point: 7.4)".
std::string ExpectedNumber(std::string_view text, std::string_view expected);

}  // namespace prrt
