#include "sorted_survival.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <queue>

#include "survival_detail.h"

namespace prrt::stats::detail {

uint64_t TimeKey(double time) {
  return std::bit_cast<uint64_t>(time + 0.0);
}  // + 0.0 turns -0 into +0
double KeyTime(uint64_t key) {
  return std::bit_cast<double>(key);
}

namespace {

// LSD radix sort of non-negative doubles by their bit patterns (order-preserving for x >= 0), carrying the
// payload; stable. `scratch_*` must be at least as long as the data.
void RadixSortTimes(std::span<double> times, std::span<uint32_t> payload, std::span<double> scratch_times,
                    std::span<uint32_t> scratch_payload) {
  // 11-bit digits: 2048 buckets keep the scatter within cache and TLB reach at 10^7 rows.
  constexpr int kBits = 11;
  constexpr size_t kBuckets = size_t{1} << kBits;
  constexpr int kPasses = (64 + kBits - 1) / kBits;
  const size_t n = times.size();
  if (n < 2) return;
  std::vector<std::array<uint32_t, kBuckets>> counts(kPasses);
  for (auto& c : counts)
    c.fill(0);
  for (double t : times) {
    const uint64_t k = TimeKey(t);
    for (int pass = 0; pass < kPasses; ++pass)
      ++counts[pass][(k >> (pass * kBits)) & (kBuckets - 1)];
  }
  double* in_times = times.data();
  uint32_t* in_payload = payload.data();
  double* out_times = scratch_times.data();
  uint32_t* out_payload = scratch_payload.data();
  for (int pass = 0; pass < kPasses; ++pass) {
    auto& count = counts[pass];
    // A digit that is the same in every key leaves the order as it is.
    if (std::any_of(count.begin(), count.end(), [n](uint32_t c) { return c == n; })) continue;
    uint32_t offset = 0;
    for (uint32_t& c : count) {
      const uint32_t here = c;
      c = offset;
      offset += here;
    }
    const int shift = pass * kBits;
    for (size_t i = 0; i < n; ++i) {
      const uint32_t at = count[(TimeKey(in_times[i]) >> shift) & (kBuckets - 1)]++;
      out_times[at] = in_times[i];
      out_payload[at] = in_payload[i];
    }
    std::swap(in_times, out_times);
    std::swap(in_payload, out_payload);
  }
  if (in_times != times.data()) {
    std::copy(in_times, in_times + n, times.data());
    std::copy(in_payload, in_payload + n, payload.data());
  }
}

int BitsFor(int64_t count) {
  int bits = 0;
  while ((int64_t{1} << bits) < count)
    ++bits;
  return bits;
}

}  // namespace

void RadixSortPairs(std::vector<uint64_t>& keys, std::vector<uint32_t>& payload) {
  std::vector<double> times(keys.size());
  for (size_t i = 0; i < keys.size(); ++i)
    times[i] = KeyTime(keys[i]);
  std::vector<double> scratch_times(keys.size());
  std::vector<uint32_t> scratch_payload(keys.size());
  RadixSortTimes(times, payload, scratch_times, scratch_payload);
  for (size_t i = 0; i < keys.size(); ++i)
    keys[i] = TimeKey(times[i]);
}

void MergeSortedNearTies(std::span<double> sorted) {
  if (sorted.size() < 2) return;
  double sum_abs = 0;
  size_t distinct = 0;
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (i == 0 || sorted[i] != sorted[i - 1]) {
      sum_abs += std::fabs(sorted[i]);
      ++distinct;
    }
  }
  const double mean_abs = sum_abs / static_cast<double>(distinct);
  double previous_distinct = sorted[0];
  double run_start = sorted[0];
  for (size_t i = 1; i < sorted.size(); ++i) {
    const double value = sorted[i];
    if (value != previous_distinct) {
      const double gap = value - previous_distinct;
      const bool tied = gap <= kRTolerance || gap / mean_abs <= kRTolerance;
      previous_distinct = value;
      if (!tied) run_start = value;
    }
    sorted[i] = run_start;
  }
}

SortedSurvival SortSurvival(std::span<const double> time, std::span<const int8_t> event,
                            std::span<const int32_t> group, std::span<const int32_t> stratum,
                            int32_t n_strata, bool timefix, bool payload_is_index) {
  const size_t n = time.size();
  int32_t n_groups = 1;
  for (int32_t g : group)
    n_groups = std::max(n_groups, g + 1);
  // The stratum rides in the payload's high bits when it fits (it always does in practice); otherwise, and
  // when the payload is the row index, it is looked up through the index.
  const int low_bits = BitsFor(n_groups) + 1;
  const bool stratum_in_payload = !payload_is_index && !stratum.empty() && low_bits + BitsFor(n_strata) <= 32;
  const bool carry_index = payload_is_index || (!stratum.empty() && !stratum_in_payload);
  SortedSurvival sorted;
  sorted.time.assign(time.begin(), time.end());
  sorted.payload.resize(n);
  for (size_t i = 0; i < n; ++i) {
    if (carry_index) {
      sorted.payload[i] = static_cast<uint32_t>(i);
    } else {
      const uint32_t g = static_cast<uint32_t>(group.empty() ? 0 : group[i]);
      const uint32_t s = stratum_in_payload ? static_cast<uint32_t>(stratum[i]) << low_bits : 0;
      sorted.payload[i] = s | (g << 1) | static_cast<uint32_t>(event[i]);
    }
  }
  // One sort of all times, near-ties merged over the whole data set (as R, before splitting it), then a
  // stable counting sort by stratum that keeps each stratum in time order.
  BigVector<double> scratch_times(n);
  BigVector<uint32_t> scratch_payload(n);
  RadixSortTimes(sorted.time, sorted.payload, scratch_times, scratch_payload);
  if (timefix) MergeSortedNearTies(sorted.time);

  auto row_payload = [&](uint32_t index) {
    return (static_cast<uint32_t>(group.empty() ? 0 : group[index]) << 1) |
           static_cast<uint32_t>(event[index]);
  };
  const uint32_t low_mask = low_bits >= 32 ? ~0u : (1u << low_bits) - 1;
  if (stratum.empty()) {
    sorted.stratum_begin = {0, n};
    if (carry_index && !payload_is_index) {
      for (uint32_t& p : sorted.payload)
        p = row_payload(p);
    }
    return sorted;
  }
  auto stratum_of = [&](uint32_t p) -> size_t {
    return stratum_in_payload ? static_cast<size_t>(p >> low_bits) : static_cast<size_t>(stratum[p]);
  };
  sorted.stratum_begin.assign(static_cast<size_t>(n_strata) + 1, 0);
  for (uint32_t p : sorted.payload)
    ++sorted.stratum_begin[stratum_of(p) + 1];
  for (size_t s = 1; s < sorted.stratum_begin.size(); ++s)
    sorted.stratum_begin[s] += sorted.stratum_begin[s - 1];
  std::vector<size_t> next(sorted.stratum_begin.begin(), sorted.stratum_begin.end() - 1);
  for (size_t i = 0; i < n; ++i) {
    const uint32_t p = sorted.payload[i];
    const size_t at = next[stratum_of(p)]++;
    scratch_times[at] = sorted.time[i];
    scratch_payload[at] = payload_is_index ? p : (carry_index ? row_payload(p) : p & low_mask);
  }
  sorted.time.swap(scratch_times);
  sorted.payload.swap(scratch_payload);
  return sorted;
}

}  // namespace prrt::stats::detail
