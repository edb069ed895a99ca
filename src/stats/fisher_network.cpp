// The network algorithm for Fisher's exact test on r x c tables (after Mehta & Patel 1983).
//
// A table is built one column at a time. After k columns, what matters for the rest is the multiset of
// remaining row totals (a node); the columns filled so far contribute a weight W = -sum log x_ij!. A table's
// probability is exp(K + W) with K = sum log r_i! + sum log c_j! - log N!. For each node and each distinct
// past weight the algorithm keeps the number of partial tables that reach it with that weight; with bounds on
// the weight of the remaining columns it either counts every completion at once (closed form), drops them
// all, or expands the next column.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <unordered_map>

#include "contingency_detail.h"

namespace prrt::stats::detail {
namespace {

constexpr double kLogTolerance = 3.45254e-7;

// log(n!) looked up in a table filled on first use (lgamma in the inner loops was the cost).
double LogFact(int n) {
  thread_local std::vector<double> table;
  while (static_cast<int>(table.size()) <= n)
    table.push_back(LogFactorial(static_cast<int>(table.size())));
  return table[n];
}

struct PastEntry {
  double weight = 0;  // W of the paths merged here
  double paths = 0;   // how many partial tables have that weight
};
// A node's past paths by weight: paths whose weights agree to 1e-9 on the log scale (the same partial table
// reached by other paths, or another with the same product of factorials) are merged as they arrive, so each
// node keeps its distinct weights only (a fiftieth of the paths on a 5 x 5 table of n = 60).
using Pasts = std::unordered_map<int64_t, PastEntry>;

// Adds `paths` partial tables of weight `weight`; true when the weight is new to the node.
bool AddPast(Pasts& pasts, double weight, double paths) {
  auto [at, added] = pasts.try_emplace(std::llround(weight * 1e9), PastEntry{weight, 0});
  at->second.paths += paths;
  return added;
}

// Greedy fills of one column of total `total` into rows of capacity `caps`: evenly (water-filling; the
// largest weight the column can have) or into the largest rows first (the smallest).
double SpreadWeight(std::vector<int> caps, int total) {
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

double ConcentrateWeight(std::vector<int> caps, int total) {
  std::sort(caps.rbegin(), caps.rend());
  double weight = 0;
  for (int cap : caps) {
    int x = std::min(cap, total);
    weight -= LogFact(x);
    total -= x;
  }
  return weight;
}

// Calls `visit(x)` for every way to split `total` over rows with capacities `caps`.
void ForEachColumnFill(const std::vector<int>& caps, int total, std::vector<int>& x, size_t i,
                       const std::function<void(const std::vector<int>&)>& visit) {
  if (i + 1 == caps.size()) {
    if (total <= caps[i]) {
      x[i] = total;
      visit(x);
    }
    return;
  }
  int rest_capacity = 0;
  for (size_t j = i + 1; j < caps.size(); ++j)
    rest_capacity += caps[j];
  for (int v = std::max(0, total - rest_capacity); v <= std::min(caps[i], total); ++v) {
    x[i] = v;
    ForEachColumnFill(caps, total - v, x, i + 1, visit);
  }
}

struct Bounds {
  double upper;  // >= the largest weight of any completion
  double lower;  // <= the smallest
  double total;  // log of the sum of exp(weight) over all completions
};

class Network {
 public:
  explicit Network(std::vector<int> col_totals) : cols_(std::move(col_totals)) {}

  // Bounds for a node whose remaining rows are `rows` and whose remaining columns start at `next`: exact
  // (the longest and shortest paths, by recursion over the nodes below) while the work stays within a
  // budget, otherwise relaxations that treat the columns (or the rows) as independent.
  const Bounds& BoundsFor(const std::vector<int>& rows, size_t next) {
    auto key = std::make_pair(next, rows);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    Bounds b = Relaxed(rows, next);
    if (next + 1 == cols_.size()) {
      // One column left: its cells are the remaining row totals.
      b.upper = b.lower = 0;
      for (int r : rows)
        b.upper = b.lower -= LogFact(r);
    } else if (fills_budget_ > 0) {
      double upper = -std::numeric_limits<double>::infinity();
      double lower = std::numeric_limits<double>::infinity();
      std::vector<int> x(rows.size());
      std::vector<int> left(rows.size());
      ForEachColumnFill(rows, cols_[next], x, 0, [&](const std::vector<int>& fill) {
        --fills_budget_;
        double step = 0;
        for (size_t i = 0; i < fill.size(); ++i) {
          step -= LogFact(fill[i]);
          left[i] = rows[i] - fill[i];
        }
        std::vector<int> child = left;
        std::sort(child.begin(), child.end());
        const Bounds& below = BoundsFor(child, next + 1);
        upper = std::max(upper, step + below.upper);
        lower = std::min(lower, step + below.lower);
      });
      // The recursion may have run out of budget below, in which case these are still valid bounds.
      b.upper = std::min(b.upper, upper);
      b.lower = std::max(b.lower, lower);
    }
    return cache_.emplace(std::move(key), b).first->second;
  }

 private:
  Bounds Relaxed(const std::vector<int>& rows, size_t next) const {
    Bounds b{0, 0, 0};
    int n = 0;
    for (int r : rows)
      n += r;
    b.total = LogFact(n);
    for (int r : rows)
      b.total -= LogFact(r);
    double upper_by_cols = 0, lower_by_cols = 0, upper_by_rows = 0, lower_by_rows = 0;
    std::vector<int> remaining_cols(cols_.begin() + static_cast<std::ptrdiff_t>(next), cols_.end());
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
  int64_t fills_budget_ = kExactBoundsBudget;
  std::map<std::pair<size_t, std::vector<int>>, Bounds> cache_;
};

}  // namespace

Result<double> FisherNetworkP(const std::vector<int>& cells, int rows, int cols, const FisherLimits& limits) {
  std::vector<int> row_totals(rows, 0), col_totals(cols, 0);
  double observed = 0;
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      int x = cells[static_cast<size_t>(r) * cols + c];
      row_totals[r] += x;
      col_totals[c] += x;
      observed -= LogFact(x);
    }
  }
  int n = 0;
  for (int r : row_totals)
    n += r;
  double log_k = -LogFact(n);
  for (int r : row_totals)
    log_k += LogFact(r);
  for (int c : col_totals)
    log_k += LogFact(c);
  // Empty rows and columns change nothing; larger columns first keeps the network small.
  row_totals.erase(std::remove(row_totals.begin(), row_totals.end(), 0), row_totals.end());
  col_totals.erase(std::remove(col_totals.begin(), col_totals.end(), 0), col_totals.end());
  if (row_totals.size() < 2 || col_totals.size() < 2) return 1.0;
  std::sort(col_totals.rbegin(), col_totals.rend());
  std::sort(row_totals.begin(), row_totals.end());
  const double threshold = observed + kLogTolerance;

  // Some tables are beyond an exact algorithm in reasonable memory and time (a 5 x 5 table of n = 200 with
  // even margins makes billions of partial tables; R's FEXACT did not finish it in 5 minutes): past the
  // limits the test stops and says so, rather than exhaust the machine.
  int64_t stored = 0, expansions = 0;
  auto beyond_limits = [&](const char* what, int64_t limit) {
    return FailedPrecondition(
        fmt::format("Fisher's exact test: this {} x {} table (n = {}) is beyond the exact network "
                    "algorithm's limits (more "
                    "than {} partial tables {}); ask for a Monte Carlo p-value instead (prrt stats fisher "
                    "--simulate-p-value, as R's fisher.test(simulate.p.value = TRUE))",
                    rows, cols, n, limit, what));
  };

  Network network(col_totals);
  std::map<std::vector<int>, Pasts> stage;
  AddPast(stage[row_totals], 0, 1);
  double p = 0;
  for (size_t next = 0; next < col_totals.size(); ++next) {
    std::map<std::vector<int>, Pasts> following;
    for (auto& node : stage) {
      const std::vector<int>& node_rows = node.first;
      const Bounds& bounds = network.BoundsFor(node_rows, next);
      std::vector<const PastEntry*> expand;
      for (const auto& [key, entry] : node.second) {
        if (entry.weight + bounds.upper <= threshold) {
          p += std::exp(log_k + std::log(entry.paths) + entry.weight + bounds.total);
        } else if (entry.weight + bounds.lower <= threshold) {
          expand.push_back(&entry);
        }
      }
      if (expand.empty()) continue;
      std::vector<int> x(node_rows.size());
      if (next + 2 == col_totals.size()) {
        // Two columns left: each fill of this one forces the last, so the completions' weights are known.
        // Sorted with running sums, every past entry is settled by one binary search instead of one visit
        // per completion.
        std::vector<double> completion;
        ForEachColumnFill(node_rows, col_totals[next], x, 0, [&](const std::vector<int>& fill) {
          double w = 0;
          for (size_t i = 0; i < fill.size(); ++i)
            w -= LogFact(fill[i]) + LogFact(node_rows[i] - fill[i]);
          completion.push_back(w);
        });
        std::sort(completion.begin(), completion.end());
        // cumulative[i] = sum of exp(w - w_max) over the i smallest weights
        const double w_max = completion.back();
        std::vector<double> cumulative(completion.size() + 1, 0.0);
        for (size_t i = 0; i < completion.size(); ++i)
          cumulative[i + 1] = cumulative[i] + std::exp(completion[i] - w_max);
        for (const PastEntry* entry : expand) {
          const size_t count =
              std::upper_bound(completion.begin(), completion.end(), threshold - entry->weight) -
              completion.begin();
          if (count > 0)
            p += std::exp(log_k + std::log(entry->paths) + entry->weight + w_max) * cumulative[count];
        }
        continue;
      }
      ForEachColumnFill(node_rows, col_totals[next], x, 0, [&](const std::vector<int>& fill) {
        if (stored > limits.max_stored_paths || expansions > limits.max_expansions) return;
        double step = 0;
        std::vector<int> left(node_rows.size());
        for (size_t i = 0; i < fill.size(); ++i) {
          step -= LogFact(fill[i]);
          left[i] = node_rows[i] - fill[i];
        }
        std::sort(left.begin(), left.end());
        Pasts& target = following[left];
        for (const PastEntry* entry : expand)
          stored += AddPast(target, entry->weight + step, entry->paths);
        expansions += static_cast<int64_t>(expand.size());
      });
      if (stored > limits.max_stored_paths) return beyond_limits("kept at once", limits.max_stored_paths);
      if (expansions > limits.max_expansions) return beyond_limits("made", limits.max_expansions);
    }
    // The pasts of this stage are spent.
    for (const auto& node : stage)
      stored -= static_cast<int64_t>(node.second.size());
    stage = std::move(following);
  }
  return p;
}

}  // namespace prrt::stats::detail
