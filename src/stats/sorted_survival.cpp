#include "sorted_survival.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cmath>
#include <type_traits>
#include <utility>

#include <fmt/format.h>

#include "prrt/common/parallel.h"
#include "survival_detail.h"

namespace prrt::stats::detail {

namespace {

// The IEEE bit pattern orders times >= 0 as the numbers do (+ 0.0 turns -0 into +0).
uint64_t TimeKey(double time) {
  return std::bit_cast<uint64_t>(time + 0.0);
}

// Moves each element into its digit's bucket, in place (American flag sort: one counting pass, then cycles of
// swaps). `start` (buckets + 1 entries) receives the buckets' offsets.
template <typename Payload, typename Digit>
void PermuteByDigit(double* time, Payload* payload, size_t n, std::span<size_t> start, Digit digit) {
  const size_t buckets = start.size() - 1;
  std::fill(start.begin(), start.end(), 0);
  for (size_t i = 0; i < n; ++i)
    ++start[digit(time[i], payload[i]) + 1];
  for (size_t b = 1; b <= buckets; ++b)
    start[b] += start[b - 1];
  // On the stack for a radix digit: a sort makes this call for every bucket of a few hundred rows.
  std::array<size_t, 256> next_on_stack;
  std::vector<size_t> next_on_heap(buckets > next_on_stack.size() ? buckets : 0);
  size_t* next = buckets > next_on_stack.size() ? next_on_heap.data() : next_on_stack.data();
  std::copy(start.begin(), start.end() - 1, next);
  for (size_t b = 0; b < buckets; ++b) {
    while (next[b] < start[b + 1]) {
      const size_t i = next[b];
      const size_t d = digit(time[i], payload[i]);
      if (d == b) {
        ++next[b];
        continue;
      }
      std::swap(time[i], time[next[d]]);
      std::swap(payload[i], payload[next[d]]);
      ++next[d];
    }
  }
}

// A range still to be sorted on its keys' lowest `bits` bits (they agree above).
template <typename Payload>
struct SortPiece {
  double* time;
  Payload* payload;
  size_t n;
  int bits;
};

// Ranges of at most `piece_size` rows that a sort leaves to be finished later (in parallel).
template <typename Payload>
struct DeferredPieces {
  size_t piece_size;
  std::vector<SortPiece<Payload>> pieces;
};

// The low bits in which keys between `first_key` and `last_key` can differ.
int DifferingBits(uint64_t first_key, uint64_t last_key) {
  return static_cast<int>(std::bit_width(first_key ^ last_key));
}

// Sorts non-negative times ascending by their bit patterns (order-preserving for x >= 0), carrying the
// payload, in place: most-significant-digit radix sort, 8 bits at a time from the highest of the `bits` in
// which the keys differ, insertion sort for small buckets. Not stable; the analyses do not depend on the
// order within a tied time. With `deferred`, buckets small enough are left unsorted in deferred->pieces.
template <typename Payload>
void SortTimesInPlace(double* time, Payload* payload, size_t n, int bits = 64,
                      DeferredPieces<Payload>* deferred = nullptr) {
  if (deferred != nullptr && n <= deferred->piece_size) {
    deferred->pieces.push_back({time, payload, n, bits});
    return;
  }
  if (n <= 32) {
    for (size_t i = 1; i < n; ++i) {
      const double t = time[i];
      const Payload p = payload[i];
      size_t j = i;
      for (; j > 0 && time[j - 1] > t; --j) {
        time[j] = time[j - 1];
        payload[j] = payload[j - 1];
      }
      time[j] = t;
      payload[j] = p;
    }
    return;
  }
  if (bits == 0) return;  // all equal
  std::array<size_t, 257> start;
  const int shift = std::max(0, bits - 8);
  PermuteByDigit(time, payload, n, start,
                 [shift](double t, Payload) { return (TimeKey(t) >> shift) & 0xFF; });
  if (shift == 0) return;
  for (size_t b = 0; b < 256; ++b) {
    const size_t length = start[b + 1] - start[b];
    if (length > 1) SortTimesInPlace(time + start[b], payload + start[b], length, shift, deferred);
  }
}

// SortTimesInPlace on all cores for large inputs: the top digits on this thread, then the buckets (largest
// first) in parallel. The result is the same as the serial sort's.
template <typename Payload>
void SortTimesOnAllCores(double* time, Payload* payload, size_t n) {
  uint64_t lowest = ~uint64_t{0}, highest = 0;
  for (size_t i = 0; i < n; ++i) {
    lowest = std::min(lowest, TimeKey(time[i]));
    highest = std::max(highest, TimeKey(time[i]));
  }
  const int bits = n == 0 ? 0 : DifferingBits(lowest, highest);
  constexpr size_t kParallelFrom = size_t{1} << 18;
  const unsigned threads = ThreadCount();
  if (threads == 1 || n < kParallelFrom) return SortTimesInPlace(time, payload, n, bits);
  DeferredPieces<Payload> deferred{n / (8 * threads), {}};
  SortTimesInPlace(time, payload, n, bits, &deferred);
  std::vector<SortPiece<Payload>>& pieces = deferred.pieces;
  std::sort(pieces.begin(), pieces.end(), [](const auto& a, const auto& b) { return a.n > b.n; });
  ParallelFor(pieces.size(), [&](size_t k) {
    const SortPiece<Payload>& piece = pieces[k];
    SortTimesInPlace(piece.time, piece.payload, piece.n, piece.bits);
  });
}

// Deals rows 0..n-1 (time[i] with payload_of(i)) to `buckets` buckets by digit(time) into `time_out` and
// `payload_out`, stably: each of `slices` slices of the rows is counted and dealt on its own core, the
// slices' rows in order within each bucket (so the result does not depend on the slices). Returns where each
// bucket begins, and n.
template <typename Payload, typename PayloadOf, typename Digit>
std::vector<size_t> DealByDigit(std::span<const double> time, const PayloadOf& payload_of, size_t buckets,
                                const Digit& digit, size_t slices, double* time_out, Payload* payload_out) {
  const size_t n = time.size();
  auto slice_begin = [&](size_t slice) { return n * slice / slices; };
  // next[slice * buckets + b]: the slice's rows in bucket b, then where the slice writes its next one there.
  std::vector<size_t> next(slices * buckets, 0);
  ParallelFor(slices, [&](size_t slice) {
    size_t* count = next.data() + slice * buckets;
    for (size_t i = slice_begin(slice); i < slice_begin(slice + 1); ++i)
      ++count[digit(time[i])];
  });
  std::vector<size_t> bucket_begin(buckets + 1, n);
  size_t offset = 0;
  for (size_t b = 0; b < buckets; ++b) {
    bucket_begin[b] = offset;
    for (size_t slice = 0; slice < slices; ++slice)
      offset += std::exchange(next[slice * buckets + b], offset);
  }
  ParallelFor(slices, [&](size_t slice) {
    size_t* slice_next = next.data() + slice * buckets;
    for (size_t i = slice_begin(slice); i < slice_begin(slice + 1); ++i) {
      const size_t at = slice_next[digit(time[i])]++;
      time_out[at] = time[i];
      payload_out[at] = payload_of(i);
    }
  });
  return bucket_begin;
}

// Sorts a bucket of SortTimesInto (keys differing in their lowest `bits` bits): dealt once more by its top
// digit through a scratch copy, with as many digits as make sub-buckets of a few rows, then SortTimesInPlace
// on each sub-bucket. A bucket fits in cache, where dealing writes each row once and the in-place sort's
// cycles of swaps would wait on each other.
template <typename Payload>
class BucketSorter {
 public:
  void Sort(double* time, Payload* payload, size_t n, int bits) {
    if (n <= 32 || bits == 0) return SortTimesInPlace(time, payload, n, bits);
    const int digit_bits = std::min(bits, std::clamp(static_cast<int>(std::bit_width(n)) - 2, 8, 14));
    const int shift = bits - digit_bits;
    const uint64_t mask = (uint64_t{1} << digit_bits) - 1;
    time_.assign(time, time + n);
    payload_.assign(payload, payload + n);
    const std::vector<size_t> begin = DealByDigit(
        std::span<const double>(time_), [&](size_t i) { return payload_[i]; }, size_t{1} << digit_bits,
        [&](double t) { return static_cast<size_t>((TimeKey(t) >> shift) & mask); }, 1, time, payload);
    for (size_t d = 0; d + 1 < begin.size(); ++d) {
      const size_t length = begin[d + 1] - begin[d];
      if (length > 1) SortTimesInPlace(time + begin[d], payload + begin[d], length, shift);
    }
  }

 private:
  std::vector<double> time_;
  std::vector<Payload> payload_;
};

// Sorts rows by time into `time_out` and `payload_out` (payload_of(i) gives row i's payload), in two steps:
// the rows are dealt straight from the input to buckets by the top digit of their key's offset within the
// keys' range (DealByDigit, a slice of rows per core), and each bucket, a few thousand rows that fit in
// cache, is finished by BucketSorter. Where the in-place sort of a large array swaps elements in long cycles
// all over memory, dealing writes each row once. The result does not depend on the number of threads.
template <typename Payload, typename PayloadOf>
void SortTimesInto(std::span<const double> time, const PayloadOf& payload_of, double* time_out,
                   Payload* payload_out) {
  const size_t n = time.size();
  constexpr size_t kDealFrom = size_t{1} << 15;
  if (n < kDealFrom) {
    for (size_t i = 0; i < n; ++i) {
      time_out[i] = time[i];
      payload_out[i] = payload_of(i);
    }
    return SortTimesInPlace(time_out, payload_out, n);
  }
  const size_t slices = ThreadCount();
  std::vector<uint64_t> lowest(slices), highest(slices);
  ParallelFor(slices, [&](size_t slice) {
    uint64_t slice_lowest = ~uint64_t{0}, slice_highest = 0;  // in registers, not in a shared cache line
    for (size_t i = n * slice / slices; i < n * (slice + 1) / slices; ++i) {
      const uint64_t key = TimeKey(time[i]);
      slice_lowest = std::min(slice_lowest, key);
      slice_highest = std::max(slice_highest, key);
    }
    lowest[slice] = slice_lowest;
    highest[slice] = slice_highest;
  });
  const uint64_t low = *std::min_element(lowest.begin(), lowest.end());
  const uint64_t range = *std::max_element(highest.begin(), highest.end()) - low;
  // About 2,000 rows a bucket were the keys spread evenly, and at most 4,096 buckets (their counts in L1).
  const int digit_bits = std::min(static_cast<int>(std::bit_width(range)),
                                  std::clamp(static_cast<int>(std::bit_width(n)) - 11, 4, 12));
  const int shift = static_cast<int>(std::bit_width(range)) - digit_bits;
  const size_t buckets = size_t{1} << digit_bits;
  const std::vector<size_t> bucket_begin = DealByDigit(
      time, payload_of, buckets, [&](double t) { return static_cast<size_t>((TimeKey(t) - low) >> shift); },
      slices, time_out, payload_out);
  // A bucket's keys lie in [low + b 2^shift, low + (b + 1) 2^shift): they differ only below the highest bit
  // in which the ends of that interval differ.
  constexpr size_t kBucketsPerTask = 64;
  ParallelFor((buckets + kBucketsPerTask - 1) / kBucketsPerTask, [&](size_t task) {
    BucketSorter<Payload> sorter;
    for (size_t b = task * kBucketsPerTask; b < std::min(buckets, (task + 1) * kBucketsPerTask); ++b) {
      const uint64_t first_key = low + (uint64_t{b} << shift);
      sorter.Sort(time_out + bucket_begin[b], payload_out + bucket_begin[b],
                  bucket_begin[b + 1] - bucket_begin[b],
                  DifferingBits(first_key, first_key + ((uint64_t{1} << shift) - 1)));
    }
  });
}

int BitsFor(int64_t count) {
  int bits = 0;
  while ((int64_t{1} << bits) < count)
    ++bits;
  return bits;
}

// The bits a payload of (stratum, group, event) needs: the group and event in the low bits, the stratum
// above.
int GroupEventBits(int32_t n_groups) {
  return BitsFor(n_groups) + 1;
}
bool FitsInPayload(int32_t n_groups, int32_t n_strata, int payload_bits) {
  return GroupEventBits(n_groups) + BitsFor(n_strata) <= payload_bits;
}

}  // namespace

void SortTimes(std::span<double> times, std::span<uint32_t> payload) {
  SortTimesOnAllCores(times.data(), payload.data(), times.size());
}

void MergeSortedNearTies(std::span<double> sorted) {
  if (sorted.size() < 2) return;
  size_t distinct = 0;
  auto sum_distinct_abs = [&sorted, &distinct](auto sum) {
    distinct = 0;
    for (size_t i = 0; i < sorted.size(); ++i) {
      if (i == 0 || sorted[i] != sorted[i - 1]) {
        sum += std::fabs(sorted[i]);
        ++distinct;
      }
    }
    return sum;
  };
  const double sum_abs = sum_distinct_abs(0.0);
  double mean_abs = sum_abs / static_cast<double>(distinct);
  // R's mean(abs(y)) sums in long double: where the doubles' sum overflows (times near 1e308), so must this
  // one, or every gap would be a tie.
  if (std::isinf(sum_abs))
    mean_abs = static_cast<double>(sum_distinct_abs(0.0L) / static_cast<long double>(distinct));
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

bool PayloadFitsInByte(int32_t n_groups, int32_t n_strata) {
  return FitsInPayload(n_groups, n_strata, 8);
}

namespace {

// Puts the rows at each time of each stratum in the input's order (by index). The radix sorts leave rows at
// one time in an order that depends on how they were reached (all data at once, or stratum by stratum after
// near-ties were merged), and sums over them, of case weights say, would round differently: Kaplan–Meier's
// curve by group from one sort and from a sort by group parted by 1e-9 in an SE where n - d was 0.001 of n
// (found by fuzz/stats_fuzzer).
void OrderTiesByIndex(SortedSurvival<uint32_t>& sorted) {
  for (size_t s = 0; s + 1 < sorted.stratum_begin.size(); ++s) {
    const size_t end = sorted.stratum_begin[s + 1];
    for (size_t begin = sorted.stratum_begin[s]; begin < end;) {
      size_t tie_end = begin + 1;
      while (tie_end < end && sorted.time[tie_end] == sorted.time[begin])
        ++tie_end;
      if (tie_end - begin > 1) std::sort(&sorted.payload[begin], &sorted.payload[begin] + (tie_end - begin));
      begin = tie_end;
    }
  }
}

}  // namespace

template <typename Payload>
SortedSurvival<Payload> SortSurvival(std::span<const double> time, std::span<const int8_t> event,
                                     std::span<const int32_t> group, std::span<const int32_t> stratum,
                                     int32_t n_strata, bool timefix, bool payload_is_index) {
  constexpr int kPayloadBits = 8 * sizeof(Payload);
  const size_t n = time.size();
  int32_t n_groups = 1;
  for (int32_t g : group)
    n_groups = std::max(n_groups, g + 1);
  // The stratum rides in the payload's high bits when it fits (it always does in practice); otherwise, and
  // when the payload is the row index, it is looked up through the index.
  const int low_bits = GroupEventBits(n_groups);
  const bool stratum_in_payload =
      !payload_is_index && !stratum.empty() && FitsInPayload(n_groups, n_strata, kPayloadBits);
  const bool carry_index = payload_is_index || (!stratum.empty() && !stratum_in_payload);
  assert(kPayloadBits == 32 || (!carry_index && low_bits <= kPayloadBits));
  SortedSurvival<Payload> sorted;
  sorted.time.resize(n);
  sorted.payload.resize(n);
  auto payload_of = [&](size_t i) {
    if (carry_index) return static_cast<Payload>(i);
    const uint32_t g = static_cast<uint32_t>(group.empty() ? 0 : group[i]);
    const uint32_t s = stratum_in_payload ? static_cast<uint32_t>(stratum[i]) << low_bits : 0;
    return static_cast<Payload>(s | (g << 1) | static_cast<uint32_t>(event[i]));
  };
  // One sort of all times and near-ties merged over the whole data set (as R, before splitting it); then the
  // rows are moved into their strata and each stratum is put back in time order, in place: the memory is the
  // sorted copy of the data and nothing more.
  SortTimesInto(time, payload_of, sorted.time.data(), sorted.payload.data());
  if (timefix) MergeSortedNearTies(sorted.time);

  auto row_payload = [&](Payload index) {
    return static_cast<Payload>((static_cast<uint32_t>(group.empty() ? 0 : group[index]) << 1) |
                                static_cast<uint32_t>(event[index]));
  };
  const uint32_t low_mask = low_bits >= 32 ? ~0u : (1u << low_bits) - 1;
  if (stratum.empty()) {
    sorted.stratum_begin = {0, n};  // without strata only payload_is_index carries an index
    if constexpr (std::is_same_v<Payload, uint32_t>) {
      if (payload_is_index) OrderTiesByIndex(sorted);
    }
    return sorted;
  }
  sorted.stratum_begin.assign(static_cast<size_t>(n_strata) + 1, 0);
  PermuteByDigit(sorted.time.data(), sorted.payload.data(), n, sorted.stratum_begin, [&](double, Payload p) {
    return stratum_in_payload ? static_cast<size_t>(p >> low_bits) : static_cast<size_t>(stratum[p]);
  });
  for (size_t s = 0; s < static_cast<size_t>(n_strata); ++s) {
    const size_t begin = sorted.stratum_begin[s];
    SortTimesOnAllCores(sorted.time.data() + begin, sorted.payload.data() + begin,
                        sorted.stratum_begin[s + 1] - begin);
  }
  if (!payload_is_index) {
    for (Payload& p : sorted.payload)
      p = carry_index ? row_payload(p) : static_cast<Payload>(p & low_mask);
  } else if constexpr (std::is_same_v<Payload, uint32_t>) {
    OrderTiesByIndex(sorted);
  }
  return sorted;
}

template SortedSurvival<uint8_t> SortSurvival(std::span<const double>, std::span<const int8_t>,
                                              std::span<const int32_t>, std::span<const int32_t>, int32_t,
                                              bool, bool);
template SortedSurvival<uint32_t> SortSurvival(std::span<const double>, std::span<const int8_t>,
                                               std::span<const int32_t>, std::span<const int32_t>, int32_t,
                                               bool, bool);

Result<SortedCounting> SortCounting(std::span<const double> start, std::span<const double> stop,
                                    std::span<const int32_t> stratum, int32_t n_strata, bool timefix) {
  const size_t n = stop.size();
  // All starts and stops in one sorted sequence; slot = 2 row (start) or 2 row + 1 (stop).
  BigVector<double> times(2 * n);
  BigVector<uint32_t> slot(2 * n);
  for (size_t i = 0; i < n; ++i) {
    times[2 * i] = start[i];
    times[2 * i + 1] = stop[i];
    slot[2 * i] = static_cast<uint32_t>(2 * i);
    slot[2 * i + 1] = static_cast<uint32_t>(2 * i + 1);
  }
  SortTimesOnAllCores(times.data(), slot.data(), 2 * n);
  if (timefix) {
    MergeSortedNearTies(times);
    BigVector<double> merged(2 * n);
    for (size_t k = 0; k < 2 * n; ++k)
      merged[slot[k]] = times[k];
    for (size_t i = 0; i < n; ++i) {
      if (!(merged[2 * i] < merged[2 * i + 1])) {
        return InvalidArgument(
            fmt::format("observation {}: the interval ({}, {}] is shorter than the tolerance for tied times "
                        "(as R's aeqSurv)",
                        i + 1, start[i], stop[i]));
      }
    }
  }
  // A stable pass by stratum keeps each stratum's stops and starts in time order.
  SortedCounting sorted;
  sorted.stratum_begin.assign(static_cast<size_t>(stratum.empty() ? 1 : n_strata) + 1, 0);
  for (size_t i = 0; i < n; ++i)
    ++sorted.stratum_begin[(stratum.empty() ? 0 : static_cast<size_t>(stratum[i])) + 1];
  for (size_t s = 1; s < sorted.stratum_begin.size(); ++s)
    sorted.stratum_begin[s] += sorted.stratum_begin[s - 1];
  std::vector<size_t> next_stop(sorted.stratum_begin.begin(), sorted.stratum_begin.end() - 1);
  std::vector<size_t> next_entry = next_stop;
  sorted.stop.resize(n);
  sorted.row.resize(n);
  sorted.entry.resize(n);
  sorted.entry_position.resize(n);
  BigVector<uint32_t> position(n);
  for (size_t k = 0; k < 2 * n; ++k) {
    const uint32_t row = slot[k] >> 1;
    const size_t s = stratum.empty() ? 0 : static_cast<size_t>(stratum[row]);
    if (slot[k] & 1u) {
      const size_t i = next_stop[s]++;
      sorted.stop[i] = times[k];
      sorted.row[i] = row;
      position[row] = static_cast<uint32_t>(i);
    } else {
      const size_t j = next_entry[s]++;
      sorted.entry[j] = times[k];
      sorted.entry_position[j] = row;  // a row for now; its position once all stops are placed
    }
  }
  for (uint32_t& p : sorted.entry_position)
    p = position[p];
  return sorted;
}

}  // namespace prrt::stats::detail
