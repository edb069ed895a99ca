// Private: survival data sorted once by (stratum, time), with R's near-tie merging, for the O(n) scans of
// Kaplan–Meier, log-rank and Cox. An in-place most-significant-byte radix sort on the times' bit patterns
// does the ordering, its lower digits on all cores when the data are large.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "prrt/common/big_vector.h"
#include "prrt/common/result.h"

namespace prrt::stats::detail {

//! Sorts times >= 0 ascending in place, carrying `payload` along (an in-place radix sort; not stable).
void SortTimes(std::span<double> times, std::span<uint32_t> payload);

//! Maps each run of near-equal values of an ascending array onto the run's first value, as R's aeqSurv:
//! neighbouring distinct values no more than sqrt(DBL_EPSILON) apart, absolutely or relative to the mean of
//! the distinct absolute values, are one time.
void MergeSortedNearTies(std::span<double> sorted);

//! The parts of a sorted row's payload (group << 1 | event).
template <typename Payload>
int8_t PayloadEvent(Payload payload) {
  return static_cast<int8_t>(payload & 1u);
}
template <typename Payload>
int32_t PayloadGroup(Payload payload) {
  return static_cast<int32_t>(payload >> 1);
}

//! Rows ordered by stratum, then time ascending. payload[i] is the row's (group << 1 | event), or its index
//! when built with `payload_is_index`, and then rows at one time of a stratum are in the input's order. A
//! narrow Payload (uint8_t: up to 127 groups, no strata) makes the sort
//! move less memory.
template <typename Payload = uint32_t>
struct SortedSurvival {
  BigVector<double> time;
  BigVector<Payload> payload;
  std::vector<size_t> stratum_begin;  //!< stratum s occupies [stratum_begin[s], stratum_begin[s + 1])
};

//! Sorts (validated) data. `stratum` may be empty (one stratum); `group` may be empty (group 0). With a
//! Payload narrower than 32 bits, the group, event and stratum must fit in it, and payload_is_index is false.
template <typename Payload = uint32_t>
SortedSurvival<Payload> SortSurvival(std::span<const double> time, std::span<const int8_t> event,
                                     std::span<const int32_t> group, std::span<const int32_t> stratum,
                                     int32_t n_strata, bool timefix, bool payload_is_index = false);

//! Whether a row's group, event and stratum fit in one byte of payload.
bool PayloadFitsInByte(int32_t n_groups, int32_t n_strata);

//! Sorts as SortSurvival does, on the narrowest payload that holds the rows (`n_groups` groups), and returns
//! use(sorted).
template <typename Use>
auto WithSortedSurvival(std::span<const double> time, std::span<const int8_t> event,
                        std::span<const int32_t> group, int32_t n_groups, std::span<const int32_t> stratum,
                        int32_t n_strata, bool timefix, Use&& use) {
  if (PayloadFitsInByte(n_groups, n_strata))
    return use(SortSurvival<uint8_t>(time, event, group, stratum, n_strata, timefix));
  return use(SortSurvival<uint32_t>(time, event, group, stratum, n_strata, timefix));
}

//! Counting-process rows (start, stop] ordered by stratum, then stop time, and each stratum's start times in
//! ascending order with the sorted position of their row. With `timefix` the starts and stops are merged
//! together as R's aeqSurv does (near-equal values among all of them are one time); an interval that merging
//! leaves with no length is an error, as in R. One sort of all 2n times does it all.
struct SortedCounting {
  BigVector<double> stop;
  BigVector<uint32_t> row;             //!< the input row of stop[i]
  std::vector<size_t> stratum_begin;   //!< the same boundaries for `stop` and `entry`
  BigVector<double> entry;             //!< start times, ascending within each stratum
  BigVector<uint32_t> entry_position;  //!< the position in `stop` of the row that starts at entry[k]
};
Result<SortedCounting> SortCounting(std::span<const double> start, std::span<const double> stop,
                                    std::span<const int32_t> stratum, int32_t n_strata, bool timefix);

}  // namespace prrt::stats::detail
