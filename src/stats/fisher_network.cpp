// The network algorithm for Fisher's exact test on r x c tables (after Mehta & Patel 1983).
//
// A table is built one column at a time. After k columns, what matters for the rest is the multiset of
// remaining row totals (a node); the columns filled so far contribute a weight W = -sum log x_ij!. A table's
// probability is exp(K + W) with K = sum log r_i! + sum log c_j! - log N!. For each node and each distinct
// past weight the algorithm keeps the number of partial tables that reach it with that weight. Fills that
// differ only by swapping rows of equal remaining totals lead to the same node with the same weight, so each
// is made once and counted with its multiplicity.
//
// Bounds on the weight of a node's completions decide most paths without going further: when a path moves to
// a child node, its past weight plus the child's largest completion weight may be at most the observed one's
// (every completion counts: added in closed form), or its past weight plus the smallest may exceed it (none
// does: dropped). Only the undecided rest is kept. Past weights are sorted with running sums, so for each
// fill of a column the decided paths are two lookups in a slice index, not one step each; the undecided ones
// wait as runs and are merged into their node a node at a time, while its table is in cache.
//
// Most fills of a column lead to completions that all count for every past path of the node (they are far
// less likely than the observed table). Such fills are not made one by one: the fills are enumerated row by
// row, and where a Lagrangian bound shows that every completion through the rows filled so far counts, the
// probability of all those fills is added at once (a hypergeometric probability, in closed form).
//
// The nodes of a stage are advanced on all cores, in blocks; the result does not depend on how many.
//
// Nodes two columns from the end settle backward, each once all its runs have arrived (they wait unmerged),
// on all cores: a fill of the next column leaves one completion, so the node's completions are listed, and
// those whose count depends on the past weight are matched with the past paths. Where paths far outnumber
// completions (sweep table 15: 1.26 billion paths, 28 million distinct weights, 46 million completions),
// each path looks up the mass of the completions it counts for in slices of them; otherwise the paths are
// merged by weight and each completion finds by a slice index how many of them it counts for, and running
// sums settle every past weight. The splits between the last two rows are made from the most likely by the
// ratio of neighbouring hypergeometric terms, a multiplication each rather than an exp.
#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <absl/hash/hash.h>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <deque>
#include <iterator>
#include <limits>
#include <optional>
#include <utility>

#include "contingency_detail.h"
#include "prrt/common/huge_pages.h"
#include "prrt/common/parallel.h"

namespace prrt::stats::detail {
namespace {

constexpr double kLogTolerance = 3.45254e-7;
// Weights closer than this are one weight (the same product of factorials, reached by other paths).
constexpr double kSameWeight = 1e-9;

// A node: its remaining row totals, sorted (rows with equal totals are interchangeable), packed into 128
// bits. Their sum tells how many columns remain, so a node names its stage too.
__extension__ typedef unsigned __int128 NodeKey;
struct NodeKeyHash {
  size_t operator()(NodeKey key) const noexcept {
    uint64_t h = static_cast<uint64_t>(key) * 0x9E3779B97F4A7C15ull ^
                 static_cast<uint64_t>(key >> 64) * 0xC2B2AE3D27D4EB4Full;
    return h ^ (h >> 31);
  }
};
template <class T>
using ByNode = absl::flat_hash_map<NodeKey, T, NodeKeyHash>;
using Rows = std::vector<int>;

// exp(x), but 0 at once below -746, where exp underflows to 0 anyway: glibc takes a slow path for each such
// x, and in tables of n in the tens of thousands millions of fills far from the likeliest weigh that little
// (a fifth of the time of a 3 x 3 table of n = 45,000).
double ExpOrZero(double x) {
  return x < -746 ? 0 : std::exp(x);
}

// What merges weights closer than kSameWeight: weight / kSameWeight rounded to the nearest whole number
// (weights are at most 0).
int64_t SameWeightKey(double weight) {
  return static_cast<int64_t>(weight * (1 / kSameWeight) - 0.5);
}

struct PastEntry {
  double weight = 0;         // W of the paths merged here (the first one's)
  mutable double paths = 0;  // how many partial tables have that weight (not part of the key)
};
struct SameWeightHash {
  size_t operator()(const PastEntry& entry) const noexcept {
    return absl::Hash<int64_t>()(SameWeightKey(entry.weight));
  }
};
struct SameWeightEq {
  bool operator()(const PastEntry& a, const PastEntry& b) const noexcept {
    return SameWeightKey(a.weight) == SameWeightKey(b.weight);
  }
};
// A node's past paths by weight, merged as they arrive, so each node keeps its distinct weights only. A set
// keyed by the weight itself: 16 bytes a slot, where a map from the key would take 24.
using Pasts = absl::flat_hash_set<PastEntry, SameWeightHash, SameWeightEq>;

// Adds `paths` partial tables of weight `weight`; true when the weight is new to the node.
bool AddPast(Pasts& pasts, double weight, double paths) {
  auto [at, added] = pasts.insert(PastEntry{weight, 0});
  at->paths += paths;
  return added;
}

// Calls `visit(x)` for every way to split `total` over rows with capacities `caps` (sorted), up to the order
// of rows of equal capacity (such fills lead to the same node with the same weight): within each run of equal
// capacities x does not increase. Where row i starts a new run, `skip(i, total, x, bound_before)` may settle
// at once all the fills that share x's first i cells (returning true); a prefix of whole runs stands for the
// same fills whatever follows it. `bound_before` is the sum of `row_bound(l, x[l])` over those first i rows,
// carried down the recursion rather than summed again at every fill. Where the last two rows are all that is
// left and the first of them starts a run, `last_two(i, total, x)` may take over their splits of what is left
// (returning true), in either order of the two rows.
template <class RowBound, class Skip, class LastTwo, class Visit>
void ForEachColumnFill(const Rows& caps, int total, Rows& x, size_t i, double bound_before,
                       const RowBound& row_bound, const Skip& skip, const LastTwo& last_two,
                       const Visit& visit) {
  const bool starts_run = i == 0 || caps[i] != caps[i - 1];
  if (i > 0 && starts_run && skip(i, total, x, bound_before)) return;
  if (i + 2 == caps.size() && starts_run && last_two(i, total, x)) return;
  int most = std::min(caps[i], total);
  if (!starts_run) most = std::min(most, x[i - 1]);
  if (i + 1 == caps.size()) {
    if (total <= most) {
      x[i] = total;
      visit(x);
    }
    return;
  }
  int rest_capacity = 0;
  for (size_t j = i + 1; j < caps.size(); ++j)
    rest_capacity += caps[j];
  for (int v = std::max(0, total - rest_capacity); v <= most; ++v) {
    x[i] = v;
    ForEachColumnFill(caps, total - v, x, i + 1, bound_before + row_bound(i, v), row_bound, skip, last_two,
                      visit);
  }
}

// How many fills the fill `x` of the first `count` rows (whole runs) of capacities `caps` stands for: per run
// of g equal capacities, g! / (the factorials of how often each value repeats in it).
double Arrangements(const Rows& caps, const Rows& x, size_t count) {
  double ways = 1;
  int run = 1, repeat = 1;
  for (size_t i = 1; i < count; ++i) {
    if (caps[i] != caps[i - 1]) {
      run = repeat = 1;
      continue;
    }
    repeat = x[i] == x[i - 1] ? repeat + 1 : 1;
    ways *= static_cast<double>(++run) / repeat;
  }
  return ways;
}

struct Bounds {
  double upper;  // >= the largest weight of any completion
  double lower;  // <= the smallest
  double total;  // log of the sum of exp(weight) over all completions
};

// How many of increasing weights are at most x, in expected constant time where they are spread fairly evenly
// (a node's past weights are; a binary search took a quarter of the time of some tables): their range is cut
// into as many slices as there are weights, and each slice knows how many weights lie in the slices before
// it.
class WeightCounter {
 public:
  explicit WeightCounter(const std::vector<double>& weights)
      : weights_(weights),
        low_(weights.front()),
        scale_(weights.back() > low_ ? static_cast<double>(weights.size()) / (weights.back() - low_) : 0),
        before_(weights.size() + 2, 0) {
    // Counted by the slice the lookup puts them in, so that a weight in an earlier slice than x is below x.
    for (double w : weights)
      ++before_[Slice(w) + 1];
    for (size_t s = 1; s < before_.size(); ++s)
      before_[s] += before_[s - 1];
  }
  size_t CountUpTo(double x) const {
    if (x < low_) return 0;
    size_t count = before_[Slice(x)];
    while (count < weights_.size() && weights_[count] <= x)
      ++count;
    return count;
  }

 private:
  size_t Slice(double x) const {
    const double slice = (x - low_) * scale_;  // compared before the cast: a cast out of range is undefined
    return slice < static_cast<double>(weights_.size()) ? static_cast<size_t>(slice) : weights_.size();
  }

  const std::vector<double>& weights_;
  double low_, scale_;
  std::vector<size_t> before_;
};

// One per worker, side by side, each writing its caches as it goes: a cache line of its own (OwnCacheLine).
class alignas(64) Network {
 public:
  // `rows` row totals, the columns' totals in the order they are filled; every total at most n. It keeps
  // the bounds of up to `max_cached_bounds` nodes at once.
  Network(int n, size_t rows, std::vector<int> col_totals, int64_t max_cached_bounds)
      : cols_(std::move(col_totals)),
        rows_(rows),
        bits_(std::bit_width(static_cast<unsigned>(n))),
        max_cached_bounds_(static_cast<size_t>(std::max<int64_t>(max_cached_bounds, 1))) {
    log_fact_.reserve(static_cast<size_t>(n) + 1);
    inverse_.reserve(static_cast<size_t>(n) + 1);
    for (int k = 0; k <= n; ++k)
      log_fact_.push_back(LogFactorial(k));
    for (int k = 0; k <= n; ++k)
      inverse_.push_back(k > 0 ? 1.0 / k : 0.0);
  }

  // Whether nodes of `rows` totals up to n fit a NodeKey.
  static bool Packs(int n, size_t rows) { return rows * std::bit_width(static_cast<unsigned>(n)) <= 128; }

  double LogFact(int k) const { return log_fact_[k]; }
  // The weight of the last column when it holds `rows`.
  double LastColumnWeight(const Rows& rows) const {
    double w = 0;
    for (int r : rows)
      w -= LogFact(r);
    return w;
  }
  size_t columns() const { return cols_.size(); }

  NodeKey Pack(const Rows& sorted_rows) const {
    NodeKey key = 0;
    for (int r : sorted_rows)
      key = (key << bits_) | static_cast<NodeKey>(r);
    return key;
  }
  Rows Unpack(NodeKey key) const {
    Rows rows(rows_);
    const NodeKey mask = (NodeKey{1} << bits_) - 1;
    for (size_t i = rows_; i-- > 0; key >>= bits_)
      rows[i] = static_cast<int>(key & mask);
    return rows;
  }

  // Calls `visit(step, child, ways)` for each fill of column `next` from a node with remaining totals `rows`:
  // the fill's weight, the node it leads to, and how many fills (rows of equal totals swapped) it stands for.
  // Fills whose completions all weigh at most `limit` (their weight plus the child's largest) are mostly not
  // visited: where all the fills that share their first rows' cells (whole runs of equal totals) are such,
  // `settled(share)` receives their share of the node's completions instead (exp(weight) summed over them
  // and divided by the sum over all: their hypergeometric probability, a closed form).
  template <class Settled, class Visit>
  void ForEachChild(const Rows& rows, size_t next, double limit, const Settled& settled, const Visit& visit) {
    Rows child(rows.size());
    ForEachFill(
        rows, next, limit, settled, [](size_t, int, const Rows&) { return false; },
        [&](const Rows& fill) {
          double step = 0;
          for (size_t i = 0; i < rows.size(); ++i) {
            step -= LogFact(fill[i]);
            // Insertion sort: a handful of totals.
            const int left = rows[i] - fill[i];
            size_t j = i;
            for (; j > 0 && child[j - 1] > left; --j)
              child[j] = child[j - 1];
            child[j] = left;
          }
          visit(step, Pack(child), Arrangements(rows, fill, rows.size()));
        });
  }

  // With two columns left (`next` the first of them), a fill of column `next` leaves one completion. As
  // ForEachChild, but `visit(weight, mass)` receives each completion's weight and its mass, exp(weight -
  // top) times the fills it stands for. The last two rows' splits are visited from the most likely outward:
  // their masses are hypergeometric terms, each made from its neighbour's by their ratio, a multiplication
  // rather than an exp (a stage's completions number in the tens of millions).
  template <class Settled, class Visit>
  void ForEachCompletion(const Rows& rows, size_t next, double limit, double top, const Settled& settled,
                         const Visit& visit) {
    auto row_weight = [&](size_t i, int x) { return -LogFact(x) - LogFact(rows[i] - x); };
    auto prefix_weight = [&](const Rows& fill, size_t count) {
      double weight = 0;
      for (size_t i = 0; i < count; ++i)
        weight += row_weight(i, fill[i]);
      return weight;
    };
    auto last_two = [&](size_t a, int left, const Rows& fill) {
      // Row a holds v and row a + 1 the rest; a term's ratio to the one before is
      // (r_a - v + 1) (left - v + 1) / (v (r_b - left + v)), each way a product with 1 / k from a table.
      const size_t b = a + 1;
      const int lowest = std::max(0, left - rows[b]), highest = std::min(rows[a], left);
      const double before = prefix_weight(fill, a);
      const double ways = Arrangements(rows, fill, a);
      auto weight = [&](int v) { return before + row_weight(a, v) + row_weight(b, left - v); };
      auto ratio = [&](int v) {  // term(v) / term(v - 1)
        return static_cast<double>(rows[a] - v + 1) * (left - v + 1) * inverse_[v] *
               inverse_[rows[b] - left + v];
      };
      auto ratio_down = [&](int v) {  // term(v - 1) / term(v): products too, a division would chain
        return static_cast<double>(v) * (rows[b] - left + v) * inverse_[rows[a] - v + 1] *
               inverse_[left - v + 1];
      };
      // The most likely split (the hypergeometric mode), whose term cannot underflow where others do not.
      const int mode = std::clamp(
          static_cast<int>(static_cast<int64_t>(left + 1) * (rows[a] + 1) / (rows[a] + rows[b] + 2)), lowest,
          highest);
      const double mode_mass = ways * std::exp(weight(mode) - top);
      double mass = mode_mass;
      for (int v = mode;;) {
        visit(weight(v), mass);
        if (++v > highest) break;
        mass *= ratio(v);
      }
      mass = mode_mass;
      for (int v = mode; v > lowest;) {
        mass *= ratio_down(v--);
        visit(weight(v), mass);
      }
      return true;
    };
    ForEachFill(rows, next, limit, settled, last_two, [&](const Rows& fill) {
      const double weight = prefix_weight(fill, rows.size());
      visit(weight, Arrangements(rows, fill, rows.size()) * std::exp(weight - top));
    });
  }

  // Bounds for node `node` whose remaining columns start at `next`: exact in closed form with one or two
  // columns left; with more, relaxations that treat the columns (or the rows) as independent, and the
  // Lagrangian bound of MostByRowsFrom for the largest weight.
  Bounds BoundsFor(NodeKey node, size_t next) {
    auto it = bounds_.find(node);
    if (it != bounds_.end()) return it->second;
    const Rows rows = Unpack(node);
    Bounds b{0, 0, LogCompletionsTotal(rows, next)};
    if (next + 1 == cols_.size()) {
      // One column left: its cells are the remaining row totals.
      b.upper = b.lower = LastColumnWeight(rows);
    } else if (next + 2 == cols_.size()) {
      SetTwoColumnBounds(rows, cols_[next], b);
    } else {
      SetRelaxedBounds(rows, next, b);
      // Only the bound for all the rows together holding the column's whole total is needed here.
      std::vector<double> best(static_cast<size_t>(cols_[next]) + 1,
                               -std::numeric_limits<double>::infinity());
      MostByRows(rows, next, 0, best.data());
      b.upper = std::min(b.upper, best[static_cast<size_t>(cols_[next])] - LaterColumnsWeight(next).tilts);
    }
    // A node is mostly asked for again soon after it is first met (by the other fills of the nodes of a
    // stage that lead to it); forgetting them all at once bounds the memory of tables whose nodes are many.
    if (bounds_.size() >= max_cached_bounds_) bounds_.clear();
    bounds_.emplace(node, b);
    return b;
  }

 private:
  // Enumerates the fills of column `next` from `rows` (ForEachColumnFill), settling prefixes whose every
  // completion weighs at most `limit` (see ForEachChild).
  template <class Settled, class LastTwo, class Visit>
  void ForEachFill(const Rows& rows, size_t next, double limit, const Settled& settled,
                   const LastTwo& last_two, const Visit& visit) {
    const LaterColumns& later = LaterColumnsWeight(next);
    const int total = cols_[next];
    const size_t k = rows.size();
    const std::vector<double> best = MostByRowsFrom(rows, next);
    std::vector<int> capacity_from(k + 1, 0);  // the totals of rows i..
    for (size_t i = k; i-- > 0;)
      capacity_from[i] = capacity_from[i + 1] + rows[i];
    const double log_all = LogChoose(capacity_from[0], total);
    // A small margin keeps rounding from settling a fill the exact comparison would not.
    const double bound_limit = limit + later.tilts - 1e-9;
    auto row_bound = [&](size_t i, int v) { return RowBound(later, rows[i], v); };
    auto skip = [&](size_t i, int left, const Rows& fill, double bound_before) {
      const double bound =
          best[i * static_cast<size_t>(total + 1) + static_cast<size_t>(left)] + bound_before;
      if (bound > bound_limit) return false;
      double log_share = LogChoose(capacity_from[i], left) - log_all;
      for (size_t l = 0; l < i; ++l)
        log_share += LogChoose(rows[l], fill[l]);
      settled(Arrangements(rows, fill, i) * ExpOrZero(log_share));
      return true;
    };
    Rows x(k);
    ForEachColumnFill(rows, total, x, 0, 0.0, row_bound, skip, last_two, visit);
  }

  // A Lagrangian bound on the columns after `next`: for tilts t_j = log c_j, a table's cells y_ij in them
  // weigh sum_ij -log y_ij! = sum_i sum_j (-log y_ij! + t_j y_ij) - sum_j t_j c_j, and for a row holding y in
  // all of them the inner sum is at most weight[y], its greedy maximum (each term is concave in y_ij, which
  // is also at most c_j). `tilts` is sum_j t_j c_j.
  struct LaterColumns {
    std::vector<double> weight;
    double tilts = 0;
  };
  const LaterColumns& LaterColumnsWeight(size_t next) {
    if (later_.size() <= next) later_.resize(cols_.size());
    LaterColumns& later = later_[next];
    if (!later.weight.empty()) return later;
    std::vector<int> held(cols_.size(), 0);
    double sum = 0;
    later.weight.push_back(0);
    for (;;) {
      size_t column = cols_.size();
      double gain = -std::numeric_limits<double>::infinity();
      for (size_t j = next + 1; j < cols_.size(); ++j) {
        if (held[j] == cols_[j]) continue;
        const double column_gain = std::log(static_cast<double>(cols_[j])) - std::log(held[j] + 1.0);
        if (column_gain > gain) {
          gain = column_gain;
          column = j;
        }
      }
      if (column == cols_.size()) break;
      ++held[column];
      sum += gain;
      later.weight.push_back(sum);
    }
    for (size_t j = next + 1; j < cols_.size(); ++j)
      later.tilts += std::log(static_cast<double>(cols_[j])) * cols_[j];
    return later;
  }

  // g(x) = -log x! + later.weight[total - x]: a row of `total` that puts x in this column adds at most this
  // to the Lagrangian sum (LaterColumnsWeight). It is concave in x.
  double RowBound(const LaterColumns& later, int total, int x) const {
    return -LogFact(x) + later.weight[static_cast<size_t>(total - x)];
  }

  // The largest weight of completions through a partial fill of column `next` is at most the sum over rows
  // of g_i(x_i) (RowBound), minus the later columns' tilts (the Lagrangian bound of
  // LaterColumnsWeight). Each g_i is concave, so the rows not yet filled do best greedily: element
  // i * (c + 1) + t, c the column's total, is the most rows i.. can add when they hold t of it (-infinity
  // when they cannot).
  std::vector<double> MostByRowsFrom(const Rows& rows, size_t next) {
    const size_t stride = static_cast<size_t>(cols_[next]) + 1;
    std::vector<double> best(rows.size() * stride, -std::numeric_limits<double>::infinity());
    for (size_t first = 0; first < rows.size(); ++first)
      MostByRows(rows, next, first, best.data() + first * stride);
    return best;
  }

  // best[t]: the most rows first.. can add when they hold t of column `next` (MostByRowsFrom), for t up to
  // the column's total; entries they cannot reach are left as they are.
  void MostByRows(const Rows& rows, size_t next, size_t first, double* best) {
    const LaterColumns& later = LaterColumnsWeight(next);
    const int total = cols_[next];
    const size_t k = rows.size();
    auto g = [&](size_t i, int x) { return RowBound(later, rows[i], x); };
    // A row holds at least what the later columns cannot.
    const int later_total = static_cast<int>(later.weight.size()) - 1;
    Rows x(k);
    int held = 0;
    double sum = 0;
    for (size_t i = first; i < k; ++i) {
      x[i] = std::max(0, rows[i] - later_total);
      held += x[i];
      sum += g(i, x[i]);
    }
    for (int t = held; t <= total; ++t) {
      best[t] = sum;
      size_t row = k;
      double gain = -std::numeric_limits<double>::infinity();
      for (size_t i = first; i < k; ++i) {
        if (x[i] == rows[i]) continue;
        const double row_gain = g(i, x[i] + 1) - g(i, x[i]);
        if (row_gain > gain) {
          gain = row_gain;
          row = i;
        }
      }
      if (row == k) break;  // these rows are full
      ++x[row];
      sum += gain;
    }
  }

  double LogChoose(int n, int k) const { return LogFact(n) - LogFact(k) - LogFact(n - k); }

  // Exact bounds for a node with two columns left, the first of total `first`: a fill x of the first forces
  // the second, and the weight sum_i g_i(x_i), g_i(x) = -log x! - log (r_i - x)!, is concave in each x_i.
  // Its largest value is where no unit moved from one row to another gains (for a separable concave sum,
  // the best of such exchanges is the best fill), reached from the fill that equalises the gains of the
  // continuous problem in a few exchanges: a unit at a time from nothing took `first` steps a node, minutes
  // for tables of n = 480,000. Its smallest is at a vertex of {0 <= x_i <= r_i, sum x_i = first}: every row
  // but one, f, empty or full (g_i = -log r_i! either way) and g_f(x_f) = -log r_f! + log C(r_f, x_f), x_f
  // being what a subset of full rows leaves; log C(r_f, x) is concave in x, so the least and the most any
  // subset leaves are the only candidates.
  void SetTwoColumnBounds(const Rows& rows, int first, Bounds& b) const {
    const size_t k = rows.size();
    int total = 0;
    for (int r : rows)
      total += r;
    // What moving one more unit of row i into the first column adds (log(r - x) - log(x + 1)), and what
    // taking one out of it loses.
    auto gain = [&](size_t i, int x) {
      return LogFact(rows[i] - x) - LogFact(rows[i] - x - 1) - LogFact(x + 1) + LogFact(x);
    };
    // Continuous optimum: (r_i - x_i) / (x_i + 1) the same for every row.
    const double ratio = static_cast<double>(total - first) / (first + static_cast<double>(k));
    Rows x(k);
    int held = 0;
    for (size_t i = 0; i < k; ++i) {
      x[i] = std::clamp(static_cast<int>(std::lround((rows[i] - ratio) / (1 + ratio))), 0, rows[i]);
      held += x[i];
    }
    // The row that gains most by one more unit, or loses least by one less (k when none can).
    auto best_to_add = [&]() {
      size_t best = k;
      for (size_t i = 0; i < k; ++i) {
        if (x[i] < rows[i] && (best == k || gain(i, x[i]) > gain(best, x[best]))) best = i;
      }
      return best;
    };
    auto best_to_remove = [&]() {
      size_t best = k;
      for (size_t i = 0; i < k; ++i) {
        if (x[i] > 0 && (best == k || gain(i, x[i] - 1) < gain(best, x[best] - 1))) best = i;
      }
      return best;
    };
    for (; held < first; ++held)
      ++x[best_to_add()];
    for (; held > first; --held)
      --x[best_to_remove()];
    // Each exchange gains; the cap only guards against rounding making equal gains cycle.
    for (int exchanges = 0; exchanges <= first + static_cast<int>(k); ++exchanges) {
      const size_t add = best_to_add(), remove = best_to_remove();
      if (add == k || remove == k || gain(add, x[add]) <= gain(remove, x[remove] - 1)) break;
      ++x[add];
      --x[remove];
    }
    b.upper = 0;
    for (size_t i = 0; i < k; ++i)
      b.upper -= LogFact(x[i]) + LogFact(rows[i] - x[i]);

    double least_log_choose = std::numeric_limits<double>::infinity();
    std::vector<int> sums, shifted, merged;
    for (size_t f = 0; f < k; ++f) {
      // The sums up to `first` of subsets of the other rows, increasing: at most 2^(k - 1) of them, and at
      // most first + 1.
      sums.assign(1, 0);
      for (size_t i = 0; i < k; ++i) {
        if (i == f) continue;
        shifted.clear();
        for (int sum : sums) {
          if (sum + rows[i] <= first) shifted.push_back(sum + rows[i]);
        }
        merged.clear();
        std::set_union(sums.begin(), sums.end(), shifted.begin(), shifted.end(), std::back_inserter(merged));
        sums.swap(merged);
      }
      const int lowest = std::max(0, first - rows[f]), most = sums.back();
      if (most < lowest) continue;
      const int least = *std::lower_bound(sums.begin(), sums.end(), lowest);
      for (int full : {least, most})
        least_log_choose = std::min(least_log_choose, LogChoose(rows[f], first - full));
    }
    b.lower = LastColumnWeight(rows) + least_log_choose;
  }

  // Greedy fills of one column of total `total` into rows of capacity `caps`: evenly (water-filling; the
  // largest weight the column can have) or into the largest rows first (the smallest).
  double SpreadWeight(Rows caps, int total) const {
    std::sort(caps.begin(), caps.end());
    double weight = 0;
    int rows_left = static_cast<int>(caps.size());
    for (int cap : caps) {
      if (cap <= total / rows_left) {
        // This row fills up below the common level.
        weight -= LogFact(cap);
        total -= cap;
        --rows_left;
        continue;
      }
      // Every later row holds at least as much, so the rest is spread evenly.
      for (int i = 0; i < rows_left; ++i)
        weight -= LogFact(total / rows_left + (i < total % rows_left ? 1 : 0));
      return weight;
    }
    return weight;
  }
  double ConcentrateWeight(Rows caps, int total) const {
    std::sort(caps.rbegin(), caps.rend());
    double weight = 0;
    for (int cap : caps) {
      int x = std::min(cap, total);
      weight -= LogFact(x);
      total -= x;
    }
    return weight;
  }

  // log of the sum of exp(weight) over the completions of `rows` by the columns from `next`: (sum of rows)! /
  // (product of the rows' and the columns' factorials).
  double LogCompletionsTotal(const Rows& rows, size_t next) const {
    int n = 0;
    for (int r : rows)
      n += r;
    double total = LogFact(n);
    for (int r : rows)
      total -= LogFact(r);
    for (size_t j = next; j < cols_.size(); ++j)
      total -= LogFact(cols_[j]);
    return total;
  }

  // Bounds that treat the remaining columns (or the rows) as independent.
  void SetRelaxedBounds(const Rows& rows, size_t next, Bounds& b) const {
    double upper_by_cols = 0, lower_by_cols = 0, upper_by_rows = 0, lower_by_rows = 0;
    Rows remaining_cols(cols_.begin() + static_cast<std::ptrdiff_t>(next), cols_.end());
    for (int c : remaining_cols) {
      upper_by_cols += SpreadWeight(rows, c);
      lower_by_cols += ConcentrateWeight(rows, c);
    }
    for (int r : rows) {
      upper_by_rows += SpreadWeight(remaining_cols, r);
      lower_by_rows += ConcentrateWeight(remaining_cols, r);
    }
    b.upper = std::min(upper_by_cols, upper_by_rows);
    b.lower = std::max(lower_by_cols, lower_by_rows);
  }

  std::vector<int> cols_;
  size_t rows_;
  int bits_;
  size_t max_cached_bounds_;
  std::vector<double> log_fact_;
  std::vector<double> inverse_;  // 1 / k
  ByNode<Bounds> bounds_;
  std::vector<LaterColumns> later_;  // by the column they follow
};

// A weight and its mass, exp(weight - a reference weight) times the paths or fills of that weight.
struct WeightMass {
  double weight, mass;
};

// A node's past paths, their weights in increasing order: `paths` of each weight, and each weight with its
// mass relative to the largest, `top` (where paths go on unmerged, one place to read both from). A relative
// mass that underflows (below 1e-308) loses only tables of about that probability with each completion: a
// path of weight `top` and any completion make a table, so exp(K + top + the completion's weight) <= 1.
struct SortedPasts {
  std::vector<double> weight;
  std::vector<double> paths;
  std::vector<WeightMass> masses;
  double top = 0;

  explicit SortedPasts(std::vector<PastEntry> pasts) {
    std::sort(pasts.begin(), pasts.end(),
              [](const PastEntry& a, const PastEntry& b) { return a.weight < b.weight; });
    top = pasts.back().weight;
    for (const PastEntry& entry : pasts) {
      weight.push_back(entry.weight);
      paths.push_back(entry.paths);
      masses.push_back(WeightMass{entry.weight, entry.paths * std::exp(entry.weight - top)});
    }
  }
};

// The sorted pasts of a stage's nodes, by the node's place in the stage: what runs point into.
using Sources = std::vector<const SortedPasts*>;

// A path of past weight w that moves by a fill of weight `step` to a node with bounds `below`: every
// completion counts for it where w is at most CountsAllUpTo, none where w is above CountsSomeUpTo, and in
// between it is undecided. (One function each for where paths are cut into runs and where a run's end is
// found again, so that both find the same.)
double CountsAllUpTo(double threshold, double step, const Bounds& below) {
  return threshold - step - below.upper;
}
double CountsSomeUpTo(double threshold, double step, const Bounds& below) {
  return threshold - step - below.lower;
}

// Undecided paths bound for a node of the next stage: the past weights of the sorted pasts of the stage's
// node `source` from `first` up to CountsSomeUpTo (for the fill and the node they are bound for), shifted
// by a fill's weight (`step`), times the fills it stands for (`ways`). Runs wait by the hundred million for
// the nodes two columns from the end (most of the memory of the largest tables), so they are 24 bytes, and
// where the run ends is found again when it is settled. (A stage has fewer than 2^32 nodes and a node fewer
// than 2^32 past weights: each is a partial table kept, 30 to 45 bytes, and 2^32 of them would take over
// 150 GB.)
struct Run {
  double step, ways;
  uint32_t source, first;
};
struct RunTo {
  NodeKey child;
  Run run;
  uint32_t last;  // where the run ends
};

// Where `run` ends: after the last past weight of `source` up to `some` (CountsSomeUpTo).
uint32_t RunEnd(const Run& run, const SortedPasts& source, double some) {
  uint32_t last = run.first;
  while (last < source.masses.size() && source.masses[last].weight <= some)
    ++last;
  return last;
}

// Merges the paths [run.first, last) of `run` into `target`; returns how many of their weights were new to
// it.
int64_t MergeRun(Pasts& target, const Run& run, uint32_t last, const Sources& sources) {
  const double* weight = sources[run.source]->weight.data();
  const double* paths = sources[run.source]->paths.data();
  int64_t new_weights = 0;
  for (uint32_t i = run.first; i < last; ++i)
    new_weights += AddPast(target, weight[i] + run.step, run.ways * paths[i]);
  return new_weights;
}
// The runs that reach a node two columns from the end, the lightest and heaviest of their past weights, and
// how many there are: what it needs to settle.
struct Arrivals {
  std::deque<Run> runs;
  double lightest = std::numeric_limits<double>::infinity();
  double heaviest = -std::numeric_limits<double>::infinity();
  size_t pasts = 0;

  void Add(const Run& run, uint32_t last, const Sources& sources) {
    runs.push_back(run);
    const std::vector<double>& weight = sources[run.source]->weight;
    lightest = std::min(lightest, weight[run.first] + run.step);
    heaviest = std::max(heaviest, weight[last - 1] + run.step);
    pasts += last - run.first;
  }
};

// The completions of a node two columns from the end that matter to past weights in [threshold - never,
// threshold - always]: a fill of the next column leaves one completion (the last column holds the rest).
// Those up to `always` count for every such past weight and are summed (most of them in groups,
// ForEachCompletion), those above `never` count for none and are dropped, and those between are kept. Masses
// are exp(weight - top) times the fills a completion stands for.
struct Completions {
  double top = 0;
  double always_mass = 0;
  std::vector<WeightMass> between;

  Completions(Network& network, NodeKey node, size_t next, double always, double never, int64_t& made) {
    const Bounds& bounds = network.BoundsFor(node, next);
    top = bounds.upper;
    const double all_completions = std::exp(bounds.total - top);
    auto settled = [&](double share) {
      always_mass += share * all_completions;
      ++made;
    };
    auto visit = [&](double weight, double mass) {
      if (weight <= always) {
        always_mass += mass;
      } else if (weight <= never) {
        between.push_back(WeightMass{weight, mass});
      }
      ++made;
    };
    network.ForEachCompletion(network.Unpack(node), next, always, top, settled, visit);
  }
};

// MassUpTo(x): the mass of completions of weight at most x, for x in [always, never]. The completions between
// are filed by weight into slices of [always, never], up to kSlicesPerCompletion per completion but no more
// than there will be lookups; each slice knows the mass of the slices before it, so a lookup reads one slice
// (most hold none or one completion).
class CompletionMasses {
 public:
  CompletionMasses(const Completions& completions, double always, double never, size_t lookups)
      : low_(always) {
    const std::vector<WeightMass>& between = completions.between;
    const size_t slices = std::min(kSlicesPerCompletion * between.size(), lookups) + 1;
    scale_ = never > always ? static_cast<double>(slices) / (never - always) : 0;
    // A counting sort by slice in two passes over the completions and one over the slices: each slice first
    // sums its own completions' mass and counts them, then (in order) takes the mass before it and where
    // its completions end, and the completions are filed from each slice's end backward, which leaves its
    // `first` where they start.
    slices_.assign(slices + 1, Slice{0, 0});
    for (const WeightMass& c : between) {
      Slice& slice = slices_[SliceOf(c.weight)];
      slice.mass_before += c.mass;
      ++slice.first;
    }
    double before = completions.always_mass;
    uint32_t end = 0;
    for (Slice& slice : slices_) {
      const double own = slice.mass_before;
      end += slice.first;
      slice = Slice{before, end};
      before += own;
    }
    completions_.resize(between.size());
    for (const WeightMass& c : between)
      completions_[--slices_[SliceOf(c.weight)].first] = c;
  }

  double MassUpTo(double x) const {
    const size_t s = SliceOf(x);
    double mass = slices_[s].mass_before;
    for (uint32_t i = slices_[s].first; i < slices_[s + 1].first; ++i)
      mass += completions_[i].weight <= x ? completions_[i].mass : 0.0;  // no branch to mispredict
    return mass;
  }

 private:
  struct Slice {
    double mass_before;  // of the completions up to always and in the slices before
    uint32_t first;      // its completions are completions_[first, the next slice's first)
  };
  // The slice of x in [always, never], by the same function for completions and lookups, so that a
  // completion in an earlier slice than x weighs less.
  size_t SliceOf(double x) const {
    const double slice = (x - low_) * scale_;  // compared before the cast: a cast out of range is undefined
    const size_t last = slices_.size() - 2;
    return slice <= 0 ? 0 : slice < static_cast<double>(last) ? static_cast<size_t>(slice) : last;
  }
  // Enough that few slices hold more than one completion (a lookup's loop then mostly ends as predicted).
  static constexpr size_t kSlicesPerCompletion = 8;

  double low_, scale_ = 0;
  std::vector<Slice> slices_;  // one past the last, whose `first` ends the completions
  std::vector<WeightMass> completions_;
};

// Where the paths that reach a node outnumber its completions between by more than this, each path looks its
// completions up (CompletionMasses); otherwise the paths are merged by weight and each completion finds the
// paths it counts for.
constexpr size_t kPathsPerCompletionToLookUp = 4;

// The probability of the tables through node `node`, two columns from the end, that complete the past paths
// its runs bring with a weight at most `threshold`. All of a node's runs are taken at once, so that its
// tables stay in cache.
long double SettleLastTwoColumns(Network& network, NodeKey node, size_t next, const Arrivals& arrivals,
                                 const Sources& sources, double threshold, double log_k, int64_t& made) {
  const double always = threshold - arrivals.heaviest, never = threshold - arrivals.lightest;
  const Bounds bounds = network.BoundsFor(node, next);
  const Completions completions(network, node, next, always, never, made);
  const std::deque<Run>& runs = arrivals.runs;
  if (arrivals.pasts > kPathsPerCompletionToLookUp * completions.between.size()) {
    // Unmerged: paths that meet at a node by different fills can be far more than their distinct weights
    // (1.26 billion and 28 million on sweep table 15), but a lookup costs no more than merging them would.
    const CompletionMasses masses(completions, always, never, arrivals.pasts);
    long double p = 0;  // long double: a term for each of up to millions of runs
    for (auto run = runs.begin(); run != runs.end(); ++run) {
      // The runs' pasts lie all over the previous stage's: fetch the next run's while this one is summed.
      if (std::next(run) != runs.end()) {
        __builtin_prefetch(sources[std::next(run)->source]->masses.data() + std::next(run)->first);
      }
      const SortedPasts& source = *sources[run->source];
      const WeightMass* pasts = source.masses.data();
      const size_t size = source.masses.size();
      const double some = CountsSomeUpTo(threshold, run->step, bounds);  // where the run ends (RunEnd)
      const double limit = threshold - run->step;
      double sum = 0;
      for (size_t i = run->first; i < size && pasts[i].weight <= some; ++i)
        sum += pasts[i].mass * masses.MassUpTo(limit - pasts[i].weight);
      p += run->ways * std::exp(log_k + source.top + run->step + completions.top) * sum;
    }
    return p;
  }
  // Merged: each completion between counts for the past weights up to threshold - its weight; a slice index
  // over them (WeightCounter) finds how many, and running sums give each past weight what counts for it.
  Pasts merged;
  for (const Run& run : runs) {
    MergeRun(merged, run, RunEnd(run, *sources[run.source], CountsSomeUpTo(threshold, run.step, bounds)),
             sources);
  }
  const SortedPasts sorted(std::vector<PastEntry>(merged.begin(), merged.end()));
  const WeightCounter counter(sorted.weight);
  // by_count[c]: the mass of the completions between that count for the c lightest past weights only.
  std::vector<double> by_count(sorted.weight.size() + 1, 0.0);
  for (const WeightMass& c : completions.between)
    by_count[counter.CountUpTo(threshold - c.weight)] += c.mass;
  double mass = completions.always_mass, sum = 0;
  for (size_t i = sorted.weight.size(); i-- > 0;) {
    mass += by_count[i + 1];
    sum += sorted.masses[i].mass * mass;
  }
  return std::exp(log_k + sorted.top + completions.top) * sum;
}

// What advancing one node of a stage gives: the probability it settles, the partial tables it made, and the
// runs of undecided paths it sends on (into its own sorted pasts). Outcomes of a block's nodes sit side by
// side and are written at every column fill by different workers: each has a cache line of its own.
struct alignas(64) NodeOutcome {
  long double p = 0;
  int64_t made = 0;
  std::optional<SortedPasts> pasts;
  std::vector<RunTo> runs;
};
constexpr size_t kNodesPerBlock = 256;  // nodes advanced side by side before their runs are merged or filed
// How many weights new to the next stage a worker merges before it tells the others (to stop at the limit).
constexpr int64_t kNewWeightsToTell = 1 << 16;

// Settles the past paths `node_pasts` of node `node` (stage `next`, three or more columns from the end, its
// place in the stage `place`) or sends them on, into `out` (its runs point into its sorted pasts, which
// Sources will hold at `place`). It stops early, its outcome incomplete, once it has made more than
// `max_made` partial tables.
void Advance(Network& network, NodeKey node, uint32_t place, const Pasts& node_pasts, size_t next,
             double threshold, double log_k, int64_t max_made, NodeOutcome& out) {
  const Bounds bounds = network.BoundsFor(node, next);
  std::vector<PastEntry> undecided;
  for (const PastEntry& entry : node_pasts) {
    // Paths are decided as they reach a node (below), so only the root's may be decided here.
    if (entry.weight + bounds.upper <= threshold) {
      out.p += std::exp(log_k + std::log(entry.paths) + entry.weight + bounds.total);
    } else if (entry.weight + bounds.lower <= threshold) {
      undecided.push_back(entry);
    }
  }
  if (undecided.empty()) return;
  const SortedPasts& pasts = out.pasts.emplace(std::move(undecided));
  // prefix[i] = the mass of the i smallest weights.
  std::vector<double> prefix{0.0};
  for (const WeightMass& past : pasts.masses)
    prefix.push_back(prefix.back() + past.mass);
  const double all_pasts = std::exp(log_k + pasts.top + bounds.total) * prefix.back();
  const WeightCounter counter(pasts.weight);
  // Summed here and added to `out` once: workers write their outcomes side by side, and a sum in memory
  // made every fill wait for the one before.
  double settled_share = 0;  // of the node's completions, settled in groups (shares of one whole)
  long double p = 0;
  int64_t made = 0;
  auto settled = [&](double share) {
    settled_share += share;
    ++made;
  };
  auto visit = [&](double step, NodeKey child, double ways) {
    if (made > max_made) return;
    const Bounds below = network.BoundsFor(child, next + 1);
    const size_t all = counter.CountUpTo(CountsAllUpTo(threshold, step, below));
    const size_t some = counter.CountUpTo(CountsSomeUpTo(threshold, step, below));
    if (all > 0) p += ways * ExpOrZero(log_k + pasts.top + step + below.total) * prefix[all];
    ++made;
    if (some == all) return;
    out.runs.push_back(
        RunTo{child, Run{step, ways, place, static_cast<uint32_t>(all)}, static_cast<uint32_t>(some)});
    made += static_cast<int64_t>(some - all);
  };
  network.ForEachChild(network.Unpack(node), next, threshold - pasts.top, settled, visit);
  out.p += p + static_cast<long double>(all_pasts) * settled_share;
  out.made += made;
}

}  // namespace

Result<double> FisherNetworkP(const std::vector<int>& cells, int rows, int cols, const FisherLimits& limits) {
  std::vector<int> row_totals(rows, 0), col_totals(cols, 0);
  double observed = 0;
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      int x = cells[static_cast<size_t>(r) * cols + c];
      row_totals[r] += x;
      col_totals[c] += x;
      observed -= LogFactorial(x);
    }
  }
  int n = 0;
  for (int r : row_totals)
    n += r;
  double log_k = -LogFactorial(n);
  for (int r : row_totals)
    log_k += LogFactorial(r);
  for (int c : col_totals)
    log_k += LogFactorial(c);
  // Empty rows and columns change nothing. The test is the same for the transposed table: the nodes are the
  // shorter side's totals, and the columns are filled smallest first (as FEXACT), which keeps the early
  // stages, where nothing is decided yet, small.
  row_totals.erase(std::remove(row_totals.begin(), row_totals.end(), 0), row_totals.end());
  col_totals.erase(std::remove(col_totals.begin(), col_totals.end(), 0), col_totals.end());
  if (row_totals.size() < 2 || col_totals.size() < 2) return 1.0;
  if (row_totals.size() > col_totals.size()) std::swap(row_totals, col_totals);
  std::sort(col_totals.begin(), col_totals.end());
  std::sort(row_totals.begin(), row_totals.end());
  const double threshold = observed + kLogTolerance;

  // Some tables are beyond an exact algorithm in reasonable memory and time (a 5 x 5 table of n = 200 with
  // even margins makes billions of partial tables; R's FEXACT did not finish it in 5 minutes): past the
  // limits the test stops and says so, rather than exhaust the machine.
  int64_t kept = 0;  // distinct partial tables held now (past weights)
  int64_t made = 0;  // partial tables made in all: one per column fill visited and per path carried along it
  auto within_limits = [&]() { return kept <= limits.max_stored_paths && made <= limits.max_expansions; };
  // `remedy`: what the user can do instead.
  auto beyond = [&](const std::string& what, const std::string& remedy) {
    return FailedPrecondition(
        fmt::format("Fisher's exact test: this {} x {} table (n = {}) is beyond the exact network "
                    "algorithm's limits ({}); "
                    "{}ask for a Monte Carlo p-value instead (prrt stats fisher --simulate-p-value, as R's "
                    "fisher.test(simulate.p.value = TRUE))",
                    rows, cols, n, what, remedy));
  };
  auto beyond_limits = [&]() {
    return kept > limits.max_stored_paths
               ? beyond(fmt::format("more than {} partial tables kept at once", limits.max_stored_paths),
                        "raise it (prrt stats fisher --max-kept; each takes 30 to 45 bytes) or ")
               : beyond(fmt::format("more than {} partial tables made", limits.max_expansions),
                        "raise it (prrt stats fisher --max-made) or ");
  };
  if (!Network::Packs(n, row_totals.size())) {
    return beyond(
        fmt::format("{} totals of up to {} on its shorter side do not fit the 128-bit keys of its nodes",
                    row_totals.size(), n),
        "");
  }

  // Each worker has its own copy of the network (its caches of bounds). Within a stage, blocks of nodes are
  // advanced side by side; then each worker takes the runs bound for its shard of the next stage's nodes, in
  // the order of the nodes they came from. Sums are taken in that order too, and each stage's nodes are
  // taken in the order of their keys, so the result is the same on any number of workers.
  // Millions of small hash tables: in 4 KiB pages, a sixth of the time went to page faults.
  const HugePagesWanted huge_pages;
  const unsigned workers = ThreadCount();
  const size_t columns = col_totals.size();
  std::vector<Network> networks(workers, Network(n, row_totals.size(), col_totals, limits.max_cached_bounds));
  const NodeKey root = networks[0].Pack(row_totals);
  long double p = 0;  // long double: millions of terms, some below a double ulp of the sum
  // The nodes two columns from the end and the runs that reach them, by shard.
  std::vector<OwnCacheLine<ByNode<Arrivals>>> last(workers);
  // The outcomes of the stage before, whose sorted pasts the runs in `last` point into.
  std::vector<std::vector<NodeOutcome>> last_sources;
  // The sorted pasts of the stage being advanced (after it, of the stage before the last two columns).
  Sources sources;
  std::optional<SortedPasts> root_pasts;
  if (columns == 2) {
    root_pasts.emplace(std::vector<PastEntry>{PastEntry{0, 1}});
    sources.push_back(&*root_pasts);
    last[0].value[root].Add(Run{0, 1, 0, 0}, 1, sources);
  }
  std::vector<std::pair<NodeKey, Pasts>> stage(1);
  stage[0].first = root;
  AddPast(stage[0].second, 0, 1);
  for (size_t next = 0; next + 2 < columns; ++next) {
    // Runs to nodes two columns from the end are kept as runs; the others are merged into their nodes.
    const bool to_last = next + 3 == columns;
    std::vector<OwnCacheLine<ByNode<Pasts>>> following(workers);
    kept = 0;
    for (const auto& [node, pasts] : stage)
      kept += static_cast<int64_t>(pasts.size());
    sources.assign(stage.size(), nullptr);
    for (size_t first = 0; first < stage.size(); first += kNodesPerBlock) {
      std::vector<NodeOutcome> outcomes(std::min(kNodesPerBlock, stage.size() - first));
      ParallelForWorkers(outcomes.size(), [&](size_t i, unsigned worker) {
        const auto& [node, pasts] = stage[first + i];
        Advance(networks[worker], node, static_cast<uint32_t>(first + i), pasts, next, threshold, log_k,
                limits.max_expansions - made, outcomes[i]);
      });
      for (size_t i = 0; i < outcomes.size(); ++i) {
        if (outcomes[i].pasts) sources[first + i] = &*outcomes[i].pasts;
      }
      std::vector<int64_t> added(workers, 0);
      std::atomic<int64_t> block_new_weights{0};
      std::atomic<bool> over_limit{false};
      ParallelForWorkers(workers, [&](size_t shard, unsigned) {
        // Runs wait by node, so each node's table is merged into while it is in cache.
        ByNode<std::vector<const RunTo*>> waiting;
        int64_t runs = 0;
        for (const NodeOutcome& outcome : outcomes) {
          for (const RunTo& to : outcome.runs) {
            if (NodeKeyHash()(to.child) % workers != shard) continue;
            if (to_last) {
              last[shard].value[to.child].Add(to.run, to.last, sources);
            } else {
              waiting[to.child].push_back(&to);
            }
            ++runs;
          }
        }
        // Counted here: workers writing next to each other in `added` would stall.
        if (to_last) {
          added[shard] = runs;
          return;
        }
        // The weights new to the next stage are told to the other workers now and then, and merging stops
        // once they pass the limit: a single block can make billions (a 2 x 10 table of n = 5,000 went from
        // 33 million in one stage to more than 24 GB in the next).
        int64_t new_weights = 0, told = 0;
        for (const auto& [child, child_runs] : waiting) {
          Pasts& target = following[shard].value[child];
          for (const RunTo* to : child_runs) {
            new_weights += MergeRun(target, to->run, to->last, sources);
            if (new_weights - told >= kNewWeightsToTell) {
              const int64_t all_new = block_new_weights.fetch_add(new_weights - told) + (new_weights - told);
              told = new_weights;
              if (kept + all_new > limits.max_stored_paths) over_limit = true;
            }
            if (over_limit.load(std::memory_order_relaxed)) break;
          }
          if (over_limit.load(std::memory_order_relaxed)) break;
        }
        added[shard] = new_weights;
      });
      for (NodeOutcome& outcome : outcomes) {
        p += outcome.p;
        made += outcome.made;
        std::vector<RunTo>().swap(outcome.runs);  // taken: free them now (the sorted pasts may stay)
      }
      for (int64_t count : added)
        kept += count;
      if (to_last) {
        last_sources.push_back(std::move(outcomes));  // moved, its sorted pasts stay in place
      } else {
        // Merged into the next stage: their sorted pasts go with this block's outcomes.
        std::fill_n(sources.begin() + static_cast<std::ptrdiff_t>(first), outcomes.size(), nullptr);
      }
      if (!within_limits()) return beyond_limits();
    }
    stage.clear();
    for (OwnCacheLine<ByNode<Pasts>>& shard : following) {
      for (auto& [node, pasts] : shard.value)
        stage.emplace_back(node, std::move(pasts));
    }
    std::sort(stage.begin(), stage.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  }

  // The nodes two columns from the end settle, in the order of their keys.
  std::vector<std::pair<NodeKey, const Arrivals*>> settling;
  for (const OwnCacheLine<ByNode<Arrivals>>& shard : last) {
    for (const auto& [node, arrivals] : shard.value)
      settling.emplace_back(node, &arrivals);
  }
  std::sort(settling.begin(), settling.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  // All at once, so that the cores share them evenly. Once the partial tables made pass their limit, the
  // nodes not yet begun are skipped, and the test stops.
  std::vector<long double> settled(settling.size(), 0);
  std::atomic<int64_t> settled_made{made};
  ParallelForWorkers(settling.size(), [&](size_t i, unsigned worker) {
    if (settled_made.load(std::memory_order_relaxed) > limits.max_expansions) return;
    int64_t node_made = 0;
    const auto& [node, arrivals] = settling[i];
    settled[i] = SettleLastTwoColumns(networks[worker], node, columns - 2, *arrivals, sources, threshold,
                                      log_k, node_made);
    settled_made += node_made;
  });
  made = settled_made;
  if (!within_limits()) return beyond_limits();
  for (long double node_p : settled)
    p += node_p;
  return static_cast<double>(p);
}

}  // namespace prrt::stats::detail
