#include "prrt/common/dates.h"

#include <fmt/format.h>

#include <charconv>
#include <vector>

namespace prrt {

namespace {

// Days from 1970-01-01 to a proleptic Gregorian date (the era-based civil calendar algorithm).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool IsLeap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

// The days of a month (1 to 12) of a year.
int DaysInMonth(int64_t year, int month) {
  static constexpr int kDaysInMonth[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return kDaysInMonth[month - 1] + (month == 2 && IsLeap(year) ? 1 : 0);
}

}  // namespace

Result<int64_t> ParseDateTimeSeconds(std::string_view text) {
  auto error = [&](std::string_view what) {
    return InvalidArgument(
        fmt::format("'{}' is not a date-time: {}; expected YYYY-MM-DDTHH:MM (or YYYY-MM-DD)", text, what));
  };
  // Fixed positions: YYYY-MM-DD[THH:MM[:SS]]
  auto number = [&](size_t at, size_t len, int& out) {
    if (at + len > text.size()) return false;
    for (size_t i = at; i < at + len; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
    }
    std::from_chars(text.data() + at, text.data() + at + len, out);
    return true;
  };
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!(text.size() == 10 || text.size() == 16 || text.size() == 19)) return error("wrong length");
  if (!number(0, 4, year) || text[4] != '-' || !number(5, 2, month) || text[7] != '-' || !number(8, 2, day)) {
    return error("the date part is not YYYY-MM-DD");
  }
  if (text.size() >= 16) {
    if ((text[10] != 'T' && text[10] != ' ') || !number(11, 2, hour) || text[13] != ':' ||
        !number(14, 2, minute)) {
      return error("the time part is not THH:MM");
    }
    if (text.size() == 19 && (text[16] != ':' || !number(17, 2, second)))
      return error("the seconds are not :SS");
  }
  if (month < 1 || month > 12) return error(fmt::format("month {} is not 1–12", month));
  const int days_in_month = DaysInMonth(year, month);
  if (day < 1 || day > days_in_month) return error(fmt::format("day {} is not 1–{}", day, days_in_month));
  if (hour > 23 || minute > 59 || second > 59) return error("the time of day is out of range");
  return DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
}

std::optional<int64_t> ParseIsoDay(std::string_view text) {
  // The same rules as ParseDateTimeSeconds, without building a message: registries parse millions of dates.
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int value[3] = {0, 0, 0};
  const size_t start[3] = {0, 5, 8}, length[3] = {4, 2, 2};
  for (int part = 0; part < 3; ++part) {
    for (size_t i = start[part]; i < start[part] + length[part]; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      value[part] = value[part] * 10 + (text[i] - '0');
    }
  }
  const int year = value[0], month = value[1], day = value[2];
  if (month < 1 || month > 12) return std::nullopt;
  if (day < 1 || day > DaysInMonth(year, month)) return std::nullopt;
  return DaysFromCivil(year, month, day);
}

namespace {

// The why of ExpectedIsoDay; empty when there is none to say.
std::string IsoDayHint(std::string_view text) {
  if (ParseIsoDay(text)) return "";
  if (text.size() > 10 && ParseIsoDay(text.substr(0, 10)) && (text[10] == ' ' || text[10] == 'T'))
    return "a date without a time of day";
  // The runs of digits and what separates them.
  std::vector<std::string_view> digits;
  std::string separators;
  for (size_t i = 0; i < text.size();) {
    const size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9')
      ++i;
    if (i == start) return "";  // not a run of digits where one should be
    digits.push_back(text.substr(start, i - start));
    if (i < text.size()) separators += text[i++];
  }
  auto value = [&](size_t k) {
    int v = 0;
    std::from_chars(digits[k].data(), digits[k].data() + digits[k].size(), v);
    return v;
  };
  if (digits.size() == 3 && separators[0] == separators[1] &&
      std::string_view("-/.").find(separators[0]) != std::string_view::npos) {
    if (digits[0].size() <= 2 && digits[1].size() <= 2 && (digits[2].size() == 4 || digits[2].size() == 2)) {
      constexpr std::string_view kYearLast =
          "the year comes last here, as a spreadsheet's local date format writes it";
      if (digits[2].size() == 2) return fmt::format("{}, and its century is not known", kYearLast);
      // The dates it is, read day first and month first (one when they agree or only one is a date).
      std::vector<std::string> dates;
      for (const auto& [month, day] : {std::pair{value(1), value(0)}, std::pair{value(0), value(1)}}) {
        std::string date = fmt::format("{:04d}-{:02d}-{:02d}", value(2), month, day);
        if (ParseIsoDay(date) && (dates.empty() || dates[0] != date)) dates.push_back(std::move(date));
      }
      if (dates.empty()) return fmt::format("{}, and is no date read day or month first", kYearLast);
      if (dates.size() == 1) return fmt::format("{}: {}", kYearLast, dates[0]);
      return fmt::format("{}: {} read day first, {} month first", kYearLast, dates[0], dates[1]);
    }
    if (separators[0] == '-' && digits[0].size() == 4 && digits[1].size() <= 2 && digits[2].size() <= 2) {
      const int year = value(0), month = value(1), day = value(2);
      if (month < 1 || month > 12) return fmt::format("month {} is not 1 to 12", month);
      if (day < 1 || day > DaysInMonth(year, month))
        return fmt::format("{:04d}-{:02d} has {} days", year, month, DaysInMonth(year, month));
      return fmt::format("two digits for the month and the day: {:04d}-{:02d}-{:02d}", year, month, day);
    }
  }
  return "";
}

}  // namespace

std::string ExpectedIsoDay(std::string_view text) {
  const std::string hint = IsoDayHint(text);
  return hint.empty() ? "a date YYYY-MM-DD" : fmt::format("a date YYYY-MM-DD ({})", hint);
}

std::string FormatDate(int64_t days) {
  // The inverse of DaysFromCivil.
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp + (mp < 10 ? 3 : -9);
  return fmt::format("{:04d}-{:02d}-{:02d}", yoe + era * 400 + (m <= 2), m, d);
}

}  // namespace prrt
