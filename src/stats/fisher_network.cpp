// The network algorithm for Fisher's exact test on r x c tables (after Mehta & Patel 1983), met in the
// middle.
//
// A table is built one column at a time. After k columns, what matters for the rest is the multiset of
// remaining row totals (a node); the columns filled so far contribute a weight W = -sum log x_ij!. A table's
// probability is exp(K + W) with K = sum log r_i! + sum log c_j! - log N!. For each node and each distinct
// past weight the algorithm keeps the number of partial tables that reach it with that weight. Fills that
// differ only by swapping rows of equal remaining totals lead to the same node with the same weight, so each
// is made once and counted with its multiplicity.
//
// Bounds on the weight of a node's completions (exact while a budget lasts, by recursion over the nodes
// below) decide most paths without going further: when a path moves to a child node, its past weight plus the
// child's largest completion weight may be at most the observed one's (every completion counts: added in
// closed form), or its past weight plus the smallest may exceed it (none does: dropped). Only the undecided
// rest is kept. Past weights are sorted with running sums, so for each fill of a column the decided paths are
// two binary searches, not one step each; the undecided ones wait as runs and are merged into their node a
// node at a time, while its table is in cache.
//
// The undecided paths at a node go on in one of two ways: forward, into the next stage as above, or, where
// the node's completions are fewer than that work, backward: the weights of all its completions are tabulated
// (sorted, with running sums; built from its children's, which are kept for other nodes to share) and each
// past weight is settled by one binary search. Nodes two columns from the end always settle so.
#include <absl/container/flat_hash_map.h>
#include <absl/container/node_hash_map.h>
#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <deque>
#include <limits>
#include <utility>

#include "contingency_detail.h"

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

struct PastEntry {
  double weight = 0;  // W of the paths merged here
  double paths = 0;   // how many partial tables have that weight
};
// A node's past paths by weight, merged as they arrive, so each node keeps its distinct weights only.
using Pasts = absl::flat_hash_map<int64_t, PastEntry>;

// Adds `paths` partial tables of weight `weight`; true when the weight is new to the node.
bool AddPast(Pasts& pasts, double weight, double paths) {
  auto [at, added] = pasts.try_emplace(std::llround(weight / kSameWeight), PastEntry{weight, 0});
  at->second.paths += paths;
  return added;
}

// Calls `visit(x)` for every way to split `total` over rows with capacities `caps` (sorted), up to the order
// of rows of equal capacity (such fills lead to the same node with the same weight): within each run of equal
// capacities x does not increase.
template <class Visit>
void ForEachColumnFill(const Rows& caps, int total, Rows& x, size_t i, const Visit& visit) {
  int most = std::min(caps[i], total);
  if (i > 0 && caps[i] == caps[i - 1]) most = std::min(most, x[i - 1]);
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
    ForEachColumnFill(caps, total - v, x, i + 1, visit);
  }
}

// How many fills the fill `x` of rows with capacities `caps` stands for: per run of g equal capacities,
// g! / (the factorials of how often each value repeats in it).
double Arrangements(const Rows& caps, const Rows& x) {
  double ways = 1;
  int run = 1, repeat = 1;
  for (size_t i = 1; i < caps.size(); ++i) {
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
  double completions = std::numeric_limits<double>::infinity();  // how many (infinite: not counted)
  double fills = std::numeric_limits<double>::infinity();        // ways to fill the next column
};

// A node's completions (the tables its remaining columns can make): their distinct weights in increasing
// order, what each weighs (how many completions have it, times exp(weight - top)), and running sums of that.
struct Completions {
  double top = 0;
  std::vector<double> weight, mass;
  std::vector<double> cumulative;  // cumulative[i] = the mass of the i smallest weights
};

// How many of the increasing `weights` are at most `w`.
size_t CountUpTo(const std::vector<double>& weights, double w) {
  return static_cast<size_t>(std::upper_bound(weights.begin(), weights.end(), w) - weights.begin());
}

// Sorts (weight, mass) pairs into Completions, merging equal weights.
Completions Tabulate(std::vector<std::pair<double, double>>& entries, double top) {
  std::sort(entries.begin(), entries.end());
  Completions c;
  c.top = top;
  c.cumulative.push_back(0);
  for (size_t i = 0; i < entries.size();) {
    double mass = 0;
    size_t j = i;
    for (; j < entries.size() && entries[j].first - entries[i].first < kSameWeight; ++j)
      mass += entries[j].second;
    c.weight.push_back(entries[i].first);
    c.mass.push_back(mass);
    c.cumulative.push_back(c.cumulative.back() + mass);
    i = j;
  }
  return c;
}

// What the test has done so far, held against its limits.
struct Work {
  int64_t kept = 0;  // distinct partial tables held now: past weights and tabulated completions
  int64_t made = 0;  // partial tables made in all: one per column fill visited and per path carried along it
};

class Network {
 public:
  // `rows` row totals, the columns' totals in the order they are filled; every total at most n.
  Network(int n, size_t rows, std::vector<int> col_totals)
      : cols_(std::move(col_totals)), rows_(rows), bits_(std::bit_width(static_cast<unsigned>(n))) {
    for (int k = 0; k <= n; ++k)
      log_fact_.push_back(LogFactorial(k));
  }

  // Whether nodes of `rows` totals up to n fit a NodeKey.
  static bool Packs(int n, size_t rows) { return rows * std::bit_width(static_cast<unsigned>(n)) <= 128; }

  double LogFact(int k) const { return log_fact_[k]; }
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
  template <class Visit>
  void ForEachChild(const Rows& rows, size_t next, const Visit& visit) const {
    Rows x(rows.size()), child(rows.size());
    ForEachColumnFill(rows, cols_[next], x, 0, [&](const Rows& fill) {
      double step = 0;
      for (size_t i = 0; i < fill.size(); ++i) {
        step -= LogFact(fill[i]);
        // Insertion sort: a handful of totals.
        const int left = rows[i] - fill[i];
        size_t j = i;
        for (; j > 0 && child[j - 1] > left; --j)
          child[j] = child[j - 1];
        child[j] = left;
      }
      visit(step, Pack(child), Arrangements(rows, fill));
    });
  }

  // Bounds for node `node` whose remaining columns start at `next`: exact (in closed form with two columns
  // left; with more, the longest and shortest paths by recursion over the nodes below while the work stays
  // within a budget), otherwise relaxations that treat the columns (or the rows) as independent.
  Bounds BoundsFor(NodeKey node, size_t next) {
    auto it = bounds_.find(node);
    if (it != bounds_.end()) return it->second;
    const Rows rows = Unpack(node);
    Bounds b = Relaxed(rows, next);
    if (next + 1 == cols_.size()) {
      // One column left: its cells are the remaining row totals.
      b.upper = b.lower = LastColumnWeight(rows);
      b.completions = b.fills = 1;
    } else if (next + 2 == cols_.size()) {
      SetTwoColumnBounds(rows, cols_[next], b);
    } else if (fills_budget_ > 0) {
      double upper = -std::numeric_limits<double>::infinity();
      double lower = std::numeric_limits<double>::infinity();
      double completions = 0, fills = 0;
      ForEachChild(rows, next, [&](double step, NodeKey child, double ways) {
        --fills_budget_;
        const Bounds below = BoundsFor(child, next + 1);
        upper = std::max(upper, step + below.upper);
        lower = std::min(lower, step + below.lower);
        completions += ways * below.completions;
        ++fills;
      });
      // The recursion may have run out of budget below, in which case these are still valid bounds.
      b.upper = std::min(b.upper, upper);
      b.lower = std::max(b.lower, lower);
      b.completions = completions;
      b.fills = fills;
    }
    return bounds_.emplace(node, b).first->second;
  }

  // The completions of a node below the first stage, tabulated once and kept.
  const Completions& CompletionsOf(NodeKey node, size_t next, Work& work) {
    if (next + 1 == cols_.size()) {
      // One completion: the last column (its weight is the node's bound), not kept.
      last_column_.top = BoundsFor(node, next).upper;
      last_column_.weight.assign(1, last_column_.top);
      last_column_.mass.assign(1, 1.0);
      last_column_.cumulative = {0.0, 1.0};
      return last_column_;
    }
    auto it = completions_.find(node);
    if (it != completions_.end()) return it->second;
    const double top = BoundsFor(node, next).upper;
    std::vector<std::pair<double, double>> entries;
    ForEachChild(Unpack(node), next, [&](double step, NodeKey child, double ways) {
      const Completions& below = CompletionsOf(child, next + 1, work);
      const double scale = ways * std::exp(below.top + step - top);
      for (size_t i = 0; i < below.weight.size(); ++i)
        entries.emplace_back(step + below.weight[i], below.mass[i] * scale);
    });
    work.made += static_cast<int64_t>(entries.size());
    Completions c = Tabulate(entries, top);
    work.kept += static_cast<int64_t>(c.weight.size());
    return completions_.emplace(node, std::move(c)).first->second;
  }

 private:
  double LastColumnWeight(const Rows& rows) const {
    double w = 0;
    for (int r : rows)
      w -= LogFact(r);
    return w;
  }

  // Exact bounds for a node with two columns left, the first of total `first`: a fill x of the first forces
  // the second, and the weight sum_i g_i(x_i), g_i(x) = -log x! - log (r_i - x)!, is concave in each x_i.
  // Its largest value is reached greedily, a unit at a time to the row whose weight gains most. Its smallest
  // is at a vertex of {0 <= x_i <= r_i, sum x_i = first}: every row but one, f, empty or full (g_i = -log
  // r_i! either way) and g_f(x_f) = -log r_f! + log C(r_f, x_f), x_f being what a subset of full rows leaves.
  void SetTwoColumnBounds(const Rows& rows, int first, Bounds& b) const {
    const size_t k = rows.size();
    Rows x(k, 0);
    for (int unit = 0; unit < first; ++unit) {
      size_t best = k;
      double best_gain = -std::numeric_limits<double>::infinity();
      for (size_t i = 0; i < k; ++i) {
        if (x[i] == rows[i]) continue;
        // log(r - x) - log(x + 1): what moving one more of row i into the first column adds.
        const double gain =
            LogFact(rows[i] - x[i]) - LogFact(rows[i] - x[i] - 1) - LogFact(x[i] + 1) + LogFact(x[i]);
        if (gain > best_gain) {
          best_gain = gain;
          best = i;
        }
      }
      ++x[best];
    }
    b.upper = 0;
    for (size_t i = 0; i < k; ++i)
      b.upper -= LogFact(x[i]) + LogFact(rows[i] - x[i]);

    double least_log_choose = std::numeric_limits<double>::infinity();
    std::vector<char> reachable(static_cast<size_t>(first) + 1);
    for (size_t f = 0; f < k; ++f) {
      std::fill(reachable.begin(), reachable.end(), 0);
      reachable[0] = 1;
      for (size_t i = 0; i < k; ++i) {
        if (i == f) continue;
        for (int sum = first; sum >= rows[i]; --sum)
          reachable[sum] |= reachable[sum - rows[i]];
      }
      for (int full = std::max(0, first - rows[f]); full <= first; ++full) {
        if (!reachable[full]) continue;
        const int x_f = first - full;
        least_log_choose =
            std::min(least_log_choose, LogFact(rows[f]) - LogFact(x_f) - LogFact(rows[f] - x_f));
      }
    }
    b.lower = LastColumnWeight(rows) + least_log_choose;

    // How many fills: ways[s] = the fills of the rows so far that put s in the first column.
    std::vector<double> ways(static_cast<size_t>(first) + 1, 0.0), running(ways.size() + 1);
    ways[0] = 1;
    for (int r : rows) {
      for (size_t s = 0; s < ways.size(); ++s)
        running[s + 1] = running[s] + ways[s];
      for (size_t s = 0; s < ways.size(); ++s)
        ways[s] = running[s + 1] - running[s - std::min(s, static_cast<size_t>(r))];
    }
    b.completions = b.fills = ways[static_cast<size_t>(first)];
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

  Bounds Relaxed(const Rows& rows, size_t next) const {
    Bounds b{0, 0, 0};
    int n = 0;
    for (int r : rows)
      n += r;
    b.total = LogFact(n);
    for (int r : rows)
      b.total -= LogFact(r);
    double upper_by_cols = 0, lower_by_cols = 0, upper_by_rows = 0, lower_by_rows = 0;
    Rows remaining_cols(cols_.begin() + static_cast<std::ptrdiff_t>(next), cols_.end());
    for (int c : remaining_cols) {
      b.total -= LogFact(c);
      upper_by_cols += SpreadWeight(rows, c);
      lower_by_cols += ConcentrateWeight(rows, c);
    }
    for (int r : rows) {
      upper_by_rows += SpreadWeight(remaining_cols, r);
      lower_by_rows += ConcentrateWeight(remaining_cols, r);
    }
    b.upper = std::min(upper_by_cols, upper_by_rows);
    b.lower = std::max(lower_by_cols, lower_by_rows);
    return b;
  }

  static constexpr int64_t kExactBoundsBudget = 20'000'000;  // column fills enumerated for exact bounds
  std::vector<int> cols_;
  size_t rows_;
  int bits_;
  std::vector<double> log_fact_;
  int64_t fills_budget_ = kExactBoundsBudget;
  ByNode<Bounds> bounds_;
  absl::node_hash_map<NodeKey, Completions, NodeKeyHash> completions_;  // references stay valid
  Completions last_column_;  // the one completion of a node with one column left (not kept)
};

// The past paths to settle at one node: their weights in increasing order.
struct SortedPasts {
  std::vector<double> weight;
  std::vector<double> paths;

  explicit SortedPasts(std::vector<PastEntry> pasts) {
    std::sort(pasts.begin(), pasts.end(),
              [](const PastEntry& a, const PastEntry& b) { return a.weight < b.weight; });
    for (const PastEntry& entry : pasts) {
      weight.push_back(entry.weight);
      paths.push_back(entry.paths);
    }
  }
};

// Undecided paths bound for a node of the next stage: the past weights [first, last) of a node's sorted
// pasts, shifted by a fill's weight, times the fills it stands for.
struct Run {
  const SortedPasts* source;
  uint32_t first, last;
  double step, ways;
};
constexpr size_t kRunsApplied = size_t{1} << 20;  // runs waiting at most (40 MB)

// The probability of the tables through node `node` (stage `next`) that complete the past paths `pasts`
// with a weight at most `threshold`, settled against the node's completions. Only completions between
// threshold - (the largest past weight) and threshold - (the smallest) are sorted: below, they count for
// every past path; above, for none.
double SettleBackward(Network& network, NodeKey node, size_t next, const SortedPasts& pasts, double threshold,
                      double log_k, Work& work) {
  const double top = network.BoundsFor(node, next).upper;
  const double always = threshold - pasts.weight.back(), never = threshold - pasts.weight.front();
  double always_mass = 0;
  std::vector<std::pair<double, double>> window;
  network.ForEachChild(network.Unpack(node), next, [&](double step, NodeKey child, double ways) {
    const Completions& below = network.CompletionsOf(child, next + 1, work);
    const double scale = ways * std::exp(below.top + step - top);
    const size_t first = CountUpTo(below.weight, always - step);
    const size_t last = CountUpTo(below.weight, never - step);
    always_mass += below.cumulative[first] * scale;
    for (size_t i = first; i < last; ++i)
      window.emplace_back(step + below.weight[i], below.mass[i] * scale);
    work.made += 1 + static_cast<int64_t>(last - first);
  });
  const Completions sorted = Tabulate(window, top);
  double p = 0;
  for (size_t i = 0; i < pasts.weight.size(); ++i) {
    const double mass =
        always_mass + sorted.cumulative[CountUpTo(sorted.weight, threshold - pasts.weight[i])];
    if (mass > 0) p += std::exp(log_k + std::log(pasts.paths[i]) + pasts.weight[i] + top) * mass;
  }
  return p;
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
  Work work;
  auto within_limits = [&]() {
    return work.kept <= limits.max_stored_paths && work.made <= limits.max_expansions;
  };
  auto beyond = [&](const std::string& what) {
    return FailedPrecondition(fmt::format(
        "Fisher's exact test: this {} x {} table (n = {}) is beyond the exact network algorithm's "
        "limits ({}); ask for a Monte Carlo p-value instead (prrt stats fisher --simulate-p-value, "
        "as R's fisher.test(simulate.p.value = TRUE))",
        rows, cols, n, what));
  };
  auto beyond_limits = [&]() {
    return work.kept > limits.max_stored_paths
               ? beyond(fmt::format("more than {} partial tables kept at once", limits.max_stored_paths))
               : beyond(fmt::format("more than {} partial tables made", limits.max_expansions));
  };
  if (!Network::Packs(n, row_totals.size())) {
    return beyond(
        fmt::format("{} totals of up to {} on its shorter side do not fit the 128-bit keys of its nodes",
                    row_totals.size(), n));
  }

  Network network(n, row_totals.size(), col_totals);
  ByNode<Pasts> stage;
  AddPast(stage[network.Pack(row_totals)], 0, 1);
  double p = 0;
  for (size_t next = 0; next + 1 < network.columns(); ++next) {
    ByNode<Pasts> following;
    // Paths bound for the next stage wait in runs, applied a node at a time so its table stays in cache.
    std::deque<SortedPasts> sources;
    ByNode<std::vector<Run>> waiting;
    size_t runs_waiting = 0;
    auto apply_waiting = [&]() {
      for (const auto& [child, runs] : waiting) {
        Pasts& target = following[child];
        for (const Run& run : runs) {
          for (uint32_t i = run.first; i < run.last; ++i)
            work.kept += AddPast(target, run.source->weight[i] + run.step, run.ways * run.source->paths[i]);
        }
      }
      waiting.clear();
      runs_waiting = 0;
    };
    for (const auto& [node, node_pasts] : stage) {
      // Paths are decided as they reach a node (below), so only the root's may be decided here.
      const Bounds bounds = network.BoundsFor(node, next);
      std::vector<PastEntry> undecided;
      for (const auto& [key, entry] : node_pasts) {
        if (entry.weight + bounds.upper <= threshold) {
          p += std::exp(log_k + std::log(entry.paths) + entry.weight + bounds.total);
        } else if (entry.weight + bounds.lower <= threshold) {
          undecided.push_back(entry);
        }
      }
      if (undecided.empty()) continue;
      const SortedPasts& pasts = sources.emplace_back(std::move(undecided));
      const double forward_work = static_cast<double>(pasts.weight.size()) * bounds.fills;
      if (next + 2 == network.columns() || bounds.completions < forward_work) {
        p += SettleBackward(network, node, next, pasts, threshold, log_k, work);
        sources.pop_back();
        if (!within_limits()) return beyond_limits();
        continue;
      }
      // Forward. prefix[i] = the paths of the i smallest weights, times exp(weight - top).
      const double top = pasts.weight.back();
      std::vector<double> prefix{0.0};
      for (size_t i = 0; i < pasts.weight.size(); ++i)
        prefix.push_back(prefix.back() + pasts.paths[i] * std::exp(pasts.weight[i] - top));
      network.ForEachChild(network.Unpack(node), next, [&](double step, NodeKey child, double ways) {
        if (!within_limits()) return;
        const Bounds below = network.BoundsFor(child, next + 1);
        const size_t all = CountUpTo(pasts.weight, threshold - step - below.upper);
        const size_t some = CountUpTo(pasts.weight, threshold - step - below.lower);
        if (all > 0) p += ways * std::exp(log_k + top + step + below.total) * prefix[all];
        ++work.made;
        if (some == all) return;
        waiting[child].push_back(
            Run{&pasts, static_cast<uint32_t>(all), static_cast<uint32_t>(some), step, ways});
        work.made += static_cast<int64_t>(some - all);
        if (++runs_waiting == kRunsApplied) apply_waiting();
      });
      if (!within_limits()) return beyond_limits();
    }
    apply_waiting();
    if (!within_limits()) return beyond_limits();
    // The pasts of this stage are spent.
    for (const auto& [node, node_pasts] : stage)
      work.kept -= static_cast<int64_t>(node_pasts.size());
    stage = std::move(following);
  }
  return p;
}

}  // namespace prrt::stats::detail
