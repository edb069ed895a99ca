// prrt/clinical/decay.h — physical decay of 177Lu: activity at another time, and the activity to order.
#pragma once

namespace prrt::clinical {

//! 177Lu physical half-life, 6.647 days (Lutathera EU SmPC §2; PTB measured 6.639 d, NUBASE 6.6443 d).
inline constexpr double kLu177HalfLifeDays = 6.647;

//! The activity `elapsed_days` after a time at which it was `activity` (negative: before it, larger).
double DecayedActivity(double activity, double elapsed_days, double half_life_days = kLu177HalfLifeDays);

}  // namespace prrt::clinical
