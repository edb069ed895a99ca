#include "prrt/common/dates.h"

#include <fmt/format.h>

#include <charconv>

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
  static constexpr int kDaysInMonth[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return error(fmt::format("month {} is not 1–12", month));
  const int days_in_month = kDaysInMonth[month - 1] + (month == 2 && IsLeap(year) ? 1 : 0);
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
  static constexpr int kDaysInMonth[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const int year = value[0], month = value[1], day = value[2];
  if (month < 1 || month > 12) return std::nullopt;
  if (day < 1 || day > kDaysInMonth[month - 1] + (month == 2 && IsLeap(year) ? 1 : 0)) return std::nullopt;
  return DaysFromCivil(year, month, day);
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
