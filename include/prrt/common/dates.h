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

//! What `text`, which ParseIsoDay does not take, should have been, for a message: "a date YYYY-MM-DD", and
//! why when it looks like a date written another way: "(the year comes last here, ...)" for 14-02-2005 or
//! 2/14/2005, "(two digits for the month and the day: 2005-04-18)" for 2005-4-18, "(2005-02 has 28 days)" for
//! 2005-02-30, "(a date without a time of day)" for 2005-02-14 00:00:00.
std::string ExpectedIsoDay(std::string_view text);

//! "YYYY-MM-DD" of a day counted from 1970-01-01 (proleptic Gregorian).
std::string FormatDate(int64_t days);

//! The most days (274 years) a count read from a file (a protocol's interval, a model's delay, a simulated
//! time) may add to a date: more, and the date would leave the int of days it is kept in.
inline constexpr int kMaxDaysAdded = 100000;

}  // namespace prrt
