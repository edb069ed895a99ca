// prrt/common/dates.h — calendar dates and date-times as the registry writes them (ISO 8601, no time zone).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "prrt/common/result.h"

namespace prrt {

//! Seconds since 1970-01-01T00:00 of "YYYY-MM-DDTHH:MM[:SS]" or "YYYY-MM-DD", taken as given (no time zone).
//! Errors name what is wrong.
Result<int64_t> ParseDateTimeSeconds(std::string_view text);

//! Days since 1970-01-01 of exactly "YYYY-MM-DD" (a real calendar date); none otherwise.
std::optional<int64_t> ParseIsoDay(std::string_view text);

//! "YYYY-MM-DD" of a day counted from 1970-01-01 (proleptic Gregorian).
std::string FormatDate(int64_t days);

//! The most days (274 years) a count read from a file (a protocol's interval, a model's delay, a simulated
//! time) may add to a date: more, and the date would leave the int of days it is kept in.
inline constexpr int kMaxDaysAdded = 100000;

}  // namespace prrt
