#include "cli/output.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <charconv>
#include <cmath>
#include <random>

#include <locale.h>
#include <wchar.h>
#include <boost/locale/utf.hpp>

#include "prrt/common/utf8.h"
#include "prrt/report/json.h"

namespace prrt::cli {

std::string FormatNumber(double value, int digits) {
  if (std::isnan(value)) return "NA";
  if (std::isinf(value)) return value > 0 ? "Inf" : "-Inf";
  // As printf's %.*g (and fmt's {:.*g}): std::to_chars rounds without fmt's bignum fallback, which took most
  // of the time of printing a Kaplan–Meier table of 10^6 rows.
  assert(digits >= 1 && digits <= 17);  // a double has no more
  std::array<char, 32> text;            // at most "-1.2345678901234567e-308"
  // A whole number of at most `digits` digits (counts; times in days) is its digits, as %g prints it, without
  // the rounding to `digits` significant digits that takes most of the time.
  constexpr std::array<double, 18> kPowersOfTen = {1,   1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,
                                                   1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17};
  if (std::abs(value) < kPowersOfTen[digits] && value == std::trunc(value))
    return std::string(text.data(), report::WriteWholeNumber(text.data(), value));  // %g keeps -0's sign
  const std::to_chars_result written =
      std::to_chars(text.data(), text.data() + text.size(), value, std::chars_format::general, digits);
  return std::string(text.data(), written.ptr);
}

std::string FormatNumber(const std::optional<double>& value, int digits) {
  return value ? FormatNumber(*value, digits) : "NA";
}

std::string SidesText(stats::Alternative alternative) {
  return alternative == stats::Alternative::kTwoSided
             ? "two-sided"
             : fmt::format("one-sided ({})", stats::AlternativeName(alternative));
}

size_t DisplayWidth(std::string_view text) {
  // ASCII (numbers, most labels): a column a byte.
  if (std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; }))
    return text.size();
  // Other characters take the columns glibc's wcwidth gives them in the C.UTF-8 locale (Debian's libc-bin,
  // always installed; Unicode's East Asian Width: 2 for CJK and most emoji, 0 for a combining mark), one
  // where it gives none (a control character) or the locale is missing; a byte that is not UTF-8 takes one.
  using Utf8 = boost::locale::utf::utf_traits<char>;
  static const locale_t kUtf8Locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", locale_t{});
  const locale_t previous = kUtf8Locale ? uselocale(kUtf8Locale) : locale_t{};
  size_t width = 0;
  for (const char *at = text.data(), *end = at + text.size(); at != end;) {
    const char* start = at;
    const boost::locale::utf::code_point c = Utf8::decode(at, end);
    if (c == boost::locale::utf::illegal || c == boost::locale::utf::incomplete) {
      at = start + 1;
      ++width;
      continue;
    }
    const int columns = kUtf8Locale ? wcwidth(static_cast<wchar_t>(c)) : 1;
    width += columns < 0 ? 1 : static_cast<size_t>(columns);
  }
  if (kUtf8Locale) uselocale(previous);
  return width;
}

void AppendAlignedRow(std::string& line, std::span<const std::string> cells, std::span<const size_t> widths) {
  for (size_t c = 0; c < cells.size() && c < widths.size(); ++c) {
    // Right-aligned, two spaces between columns (by hand: fmt's "{:>{}}" took half of printing a table).
    line.append((c == 0 ? 0 : 2) + widths[c] - cells[c].size(), ' ');
    line += cells[c];
  }
  line += '\n';
}

void PrintTable(std::ostream& out, const std::vector<std::string>& header, const TextRows& rows) {
  std::vector<size_t> width(header.size());
  auto widen = [&width](const std::vector<std::string>& cells) {
    for (size_t c = 0; c < cells.size() && c < width.size(); ++c)
      width[c] = std::max(width[c], DisplayWidth(cells[c]));
  };
  widen(header);
  rows(widen);
  std::string line;
  std::vector<size_t> bytes(width.size());
  auto print_row = [&](const std::vector<std::string>& cells) {
    // A column's width in bytes for this row: a cell's characters of several bytes widen it by their extra.
    for (size_t c = 0; c < cells.size() && c < width.size(); ++c)
      bytes[c] = width[c] + cells[c].size() - DisplayWidth(cells[c]);
    line.clear();
    AppendAlignedRow(line, cells, bytes);
    out << line;
  };
  print_row(header);
  rows(print_row);
}

void TextTable::AddRow(std::vector<std::string> row) {
  for (std::string& cell : row)
    cell = ShowUtf8(cell);
  rows_.push_back(std::move(row));
}

void TextTable::Print(std::ostream& out) const {
  PrintTable(out, header_, [this](const auto& emit) {
    for (const std::vector<std::string>& row : rows_)
      emit(row);
  });
}

StreamedJson::StreamedJson() {
  // A random token, so that no value read from a file can pass for a mark.
  std::random_device random;
  mark_ = fmt::format("\x01streamed array {:08x}{:08x} ", random(), random());
}

nlohmann::json StreamedJson::Add(Elements elements) {
  return AddText([elements = std::move(elements)](ArrayWriter& writer) {
    elements([&writer](const nlohmann::json& value) {
      const std::string element = report::JsonText(value, 2);
      std::string& text = writer.Element();
      size_t line = 0;
      for (size_t end = element.find('\n'); end != std::string::npos; end = element.find('\n', line)) {
        text.append(element, line, end - line);
        text += writer.newline();
        line = end + 1;
      }
      text.append(element, line);
    });
  });
}

nlohmann::json StreamedJson::AddText(TextElements elements) {
  arrays_.push_back(std::move(elements));
  return mark_ + std::to_string(arrays_.size() - 1);
}

StreamedJson::ArrayWriter::ArrayWriter(std::ostream& out, size_t depth)
    : out_(out), depth_(depth), newline_("\n" + std::string(depth + 2, ' ')) {}

std::string& StreamedJson::ArrayWriter::Element() {
  // Written out a megabyte at a time: a stream write per element took longer than the element.
  if (text_.size() >= (size_t{1} << 20)) {
    out_.write(text_.data(), static_cast<std::streamsize>(text_.size()));
    text_.clear();
  }
  text_ += empty_ ? '[' : ',';
  text_ += newline_;
  empty_ = false;
  return text_;
}

void StreamedJson::ArrayWriter::AppendElements(std::string_view text) {
  if (text.empty()) return;
  assert(text.front() == ',');
  if (empty_) {  // the array's first element opens it
    text_ += '[';
    text.remove_prefix(1);
    empty_ = false;
  }
  out_.write(text_.data(), static_cast<std::streamsize>(text_.size()));
  text_.clear();
  out_.write(text.data(), static_cast<std::streamsize>(text.size()));
}

void StreamedJson::ArrayWriter::Finish() {
  if (empty_) {
    text_ += "[]";
  } else {
    text_ += '\n';
    text_.append(depth_, ' ');
    text_ += ']';
  }
  out_.write(text_.data(), static_cast<std::streamsize>(text_.size()));
}

void StreamedJson::Print(std::ostream& out, const nlohmann::json& document) const {
  const std::string text = report::JsonText(document, 2);
  // Marks are found in the order of the text (dump sorts keys); dump writes the control character as \u0001.
  std::string prefix = report::JsonText(nlohmann::json(mark_));
  prefix.pop_back();  // the closing quote: the array's number follows
  size_t done = 0;
  for (size_t at = text.find(prefix); at != std::string::npos; at = text.find(prefix, done)) {
    const size_t number = at + prefix.size(), close = text.find('"', number);
    const TextElements& elements = arrays_.at(std::stoul(text.substr(number, close - number)));
    out.write(text.data() + done, static_cast<std::streamsize>(at - done));
    done = close + 1;
    // dump(2) indents an array's elements two spaces deeper than the line that opens it, closes it at that
    // line's depth, and prints an empty one as [].
    const size_t line = text.rfind('\n', at) + 1;  // npos + 1 = 0 on the first line
    ArrayWriter writer(out, text.find_first_not_of(' ', line) - line);
    elements(writer);
    writer.Finish();
  }
  out.write(text.data() + done, static_cast<std::streamsize>(text.size() - done));
  out << '\n';
}

}  // namespace prrt::cli
