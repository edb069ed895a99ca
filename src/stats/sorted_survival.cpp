#include "sorted_survival.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cmath>

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
  std::vector<size_t> next(start.begin(), start.end() - 1);
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

// A range still to be sorted from digit `byte` down.
template <typename Payload>
struct SortPiece {
  double* time;
  Payload* payload;
  size_t n;
  int byte;
};

// Ranges of at most `piece_size` rows that a sort leaves to be finished later (in parallel).
template <typename Payload>
struct DeferredPieces {
  size_t piece_size;
  std::vector<SortPiece<Payload>> pieces;
};

// Sorts non-negative times ascending by their bit patterns (order-preserving for x >= 0), carrying the
// payload, in place: most-significant-byte radix sort, insertion sort for small buckets. Not stable; the
// analyses do not depend on the order within a tied time. With `deferred`, buckets small enough are left
// unsorted in deferred->pieces.
template <typename Payload>
void SortTimesInPlace(double* time, Payload* payload, size_t n, int byte = 7,
                      DeferredPieces<Payload>* deferred = nullptr) {
  if (deferred != nullptr && n <= deferred->piece_size) {
    deferred->pieces.push_back({time, payload, n, byte});
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
  std::array<size_t, 257> start;
  const int shift = 8 * byte;
  PermuteByDigit(time, payload, n, start,
                 [shift](double t, Payload) { return (TimeKey(t) >> shift) & 0xFF; });
  if (byte == 0) return;
  for (size_t b = 0; b < 256; ++b) {
    const size_t length = start[b + 1] - start[b];
    if (length > 1) SortTimesInPlace(time + start[b], payload + start[b], length, byte - 1, deferred);
  }
}

// SortTimesInPlace on all cores for large inputs: the top digits on this thread, then the buckets (largest
// first) in parallel. The result is the same as the serial sort's.
template <typename Payload>
void SortTimesOnAllCores(double* time, Payload* payload, size_t n) {
  constexpr size_t kParallelFrom = size_t{1} << 18;
  const unsigned threads = ThreadCount();
  if (threads == 1 || n < kParallelFrom) return SortTimesInPlace(time, payload, n);
  DeferredPieces<Payload> deferred{n / (8 * threads), {}};
  SortTimesInPlace(time, payload, n, 7, &deferred);
  std::vector<SortPiece<Payload>>& pieces = deferred.pieces;
  std::sort(pieces.begin(), pieces.end(), [](const auto& a, const auto& b) { return a.n > b.n; });
  ParallelFor(pieces.size(), [&](size_t k) {
    const SortPiece<Payload>& piece = pieces[k];
    SortTimesInPlace(piece.time, piece.payload, piece.n, piece.byte);
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

bool PayloadFitsInByte(int32_t n_groups, int32_t n_strata) {
  return FitsInPayload(n_groups, n_strata, 8);
}

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
  sorted.time.assign(time.begin(), time.end());
  sorted.payload.resize(n);
  for (size_t i = 0; i < n; ++i) {
    if (carry_index) {
      sorted.payload[i] = static_cast<Payload>(i);
    } else {
      const uint32_t g = static_cast<uint32_t>(group.empty() ? 0 : group[i]);
      const uint32_t s = stratum_in_payload ? static_cast<uint32_t>(stratum[i]) << low_bits : 0;
      sorted.payload[i] = static_cast<Payload>(s | (g << 1) | static_cast<uint32_t>(event[i]));
    }
  }
  // One sort of all times and near-ties merged over the whole data set (as R, before splitting it); then the
  // rows are moved into their strata and each stratum is put back in time order. All in place: the memory is
  // the sorted copy of the data and nothing more.
  SortTimesOnAllCores(sorted.time.data(), sorted.payload.data(), n);
  if (timefix) MergeSortedNearTies(sorted.time);

  auto row_payload = [&](Payload index) {
    return static_cast<Payload>((static_cast<uint32_t>(group.empty() ? 0 : group[index]) << 1) |
                                static_cast<uint32_t>(event[index]));
  };
  const uint32_t low_mask = low_bits >= 32 ? ~0u : (1u << low_bits) - 1;
  if (stratum.empty()) {
    sorted.stratum_begin = {0, n};  // without strata only payload_is_index carries an index
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
