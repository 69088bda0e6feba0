// HDBSCAN*: core distances, mutual-reachability MST (Prim), single-linkage tree, condensed tree,
// excess-of-mass selection (as scikit-learn-contrib/hdbscan's _hdbscan_tree and R dbscan::hdbscan).
#include "mutagen/clustering/hdbscan.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "distances.h"
#include "knn.h"
#include "mutagen/error.h"
#include "prim.h"

namespace mutagen {
namespace {

using knn_detail::RowMatrixXd;

struct Edge {
  int32_t a, b;
  double w;  // mutual reachability distance
};

// Prim's algorithm on the dense mutual-reachability graph, O(n^2) distance evaluations. `sq(i, j)`
// gives the squared distance and core2 holds squared core distances. The distance is computed only
// when the core distances do not already rule the edge out.
template <class SqDist>
std::vector<Edge> prim_mst(int64_t n, const std::vector<double>& core2, const SqDist& sq) {
  std::vector<int32_t> rest(size_t(n - 1));
  std::iota(rest.begin(), rest.end(), 1);
  std::vector<double> best(size_t(n), std::numeric_limits<double>::infinity());
  std::vector<int32_t> from(size_t(n), 0);
  std::vector<Edge> mst;
  mst.reserve(size_t(n - 1));
  int32_t cur = 0;
  while (!rest.empty()) {
    double bw = std::numeric_limits<double>::infinity();
    size_t bpos = 0;
    const double cc = core2[cur];
    for (size_t p = 0; p < rest.size(); ++p) {
      const int32_t j = rest[p];
      double m = std::max(cc, core2[j]);
      if (m < best[j]) {
        m = std::max(m, sq(cur, j));
        if (m < best[j]) {
          best[j] = m;
          from[j] = cur;
        }
      }
      if (best[j] < bw) {  // first minimum = lowest index (rest is sorted)
        bw = best[j];
        bpos = p;
      }
    }
    cur = rest[bpos];
    mst.push_back({from[cur], cur, std::sqrt(best[cur])});
    rest.erase(rest.begin() + std::ptrdiff_t(bpos));  // keeps index order: deterministic ties
  }
  return mst;
}

// Prim on the shared table (plain distances): each step one pass over a whole table row (prim.h).
std::vector<Edge> table_prim(const clustering_detail::PairwiseDistances& D,
                             std::vector<double> core) {
  const int64_t n = D.size();
  std::vector<double> best(size_t(n), std::numeric_limits<double>::infinity());
  std::vector<int64_t> from(size_t(n), 0);
  std::vector<Edge> mst;
  mst.reserve(size_t(n - 1));
  int64_t cur = 0;
  for (int64_t step = 1; step < n; ++step) {
    const int64_t next =
        clustering_detail::prim_step(n, cur, D.row(cur), core.data(), best.data(), from.data());
    if (next == n) throw Error("HDBSCAN: no vertex left to add (internal error)");
    mst.push_back({int32_t(from[next]), int32_t(next), best[next]});
    cur = next;
  }
  return mst;
}

std::vector<Edge> mutual_reachability_mst(const RowMatrixXd& X, const std::vector<double>& core2) {
  const int64_t n = X.rows(), d = X.cols();
  if (d > 32 && n <= 8192) {
    // High dimension: one blocked GEMM for all squared distances, then Prim on the table.
    std::vector<float> table(size_t(n * n));
    knn_detail::for_each_distance_block(X, [&](int64_t r0, int64_t r1, const RowMatrixXd& sq) {
      for (int64_t i = r0; i < r1; ++i)
        for (int64_t j = 0; j < n; ++j) table[size_t(i * n + j)] = float(sq(i - r0, j));
    });
    return prim_mst(n, core2,
                    [&](int32_t i, int32_t j) { return double(table[size_t(i) * n + j]); });
  }
  const double* p = X.data();
  return prim_mst(n, core2, [&](int32_t i, int32_t j) {
    return knn_detail::squared_distance(p + int64_t(i) * d, p + int64_t(j) * d, d);
  });
}

struct CondensedRow {
  int64_t parent, child;
  double lambda;
  int64_t size;
};

// hdbscan's condense_tree on the single-linkage merges (children of node n + i in merges[i]).
std::vector<CondensedRow> condense(int64_t n, const std::vector<Edge>& sorted_mst,
                                   int64_t min_cluster_size) {
  // Single linkage: node n + i merges the current roots of edge i's endpoints.
  std::vector<int64_t> left(size_t(n - 1)), right(size_t(n - 1)), size(size_t(2 * n - 1), 1);
  std::vector<double> dist(size_t(n - 1));
  std::vector<int64_t> uf(size_t(2 * n - 1));
  std::iota(uf.begin(), uf.end(), 0);
  auto find = [&](int64_t x) {
    int64_t r = x;
    while (uf[r] != r) r = uf[r];
    while (uf[x] != r) {
      const int64_t nx = uf[x];
      uf[x] = r;
      x = nx;
    }
    return r;
  };
  for (int64_t i = 0; i < n - 1; ++i) {
    const int64_t a = find(sorted_mst[i].a), b = find(sorted_mst[i].b);
    left[i] = a;
    right[i] = b;
    dist[i] = sorted_mst[i].w;
    size[n + i] = size[a] + size[b];
    uf[a] = uf[b] = n + i;
  }
  const int64_t root = 2 * n - 2;
  std::vector<int64_t> relabel(size_t(2 * n - 1), -1);
  relabel[root] = n;
  int64_t next_label = n + 1;
  std::vector<CondensedRow> out;
  std::vector<int64_t> stack;
  // Every point under `node` falls out of cluster `parent` at `lambda`.
  auto fall_out = [&](int64_t node, int64_t parent, double lambda) {
    stack.assign(1, node);
    while (!stack.empty()) {
      const int64_t v = stack.back();
      stack.pop_back();
      if (v < n) {
        out.push_back({parent, v, lambda, 1});
      } else {
        stack.push_back(right[v - n]);
        stack.push_back(left[v - n]);
      }
    }
  };
  // Breadth-first from the root over the nodes that stay (or become) clusters.
  std::vector<int64_t> queue{root};
  for (size_t q = 0; q < queue.size(); ++q) {
    const int64_t node = queue[q];
    if (node < n) continue;
    const int64_t l = left[node - n], r = right[node - n];
    const double lambda =
        dist[node - n] > 0 ? 1.0 / dist[node - n] : std::numeric_limits<double>::infinity();
    const int64_t lc = size[l], rc = size[r], label = relabel[node];
    if (lc >= min_cluster_size && rc >= min_cluster_size) {
      relabel[l] = next_label++;
      out.push_back({label, relabel[l], lambda, lc});
      relabel[r] = next_label++;
      out.push_back({label, relabel[r], lambda, rc});
      queue.push_back(l);
      queue.push_back(r);
    } else if (lc < min_cluster_size && rc < min_cluster_size) {
      fall_out(l, label, lambda);
      fall_out(r, label, lambda);
    } else if (lc < min_cluster_size) {
      relabel[r] = label;
      fall_out(l, label, lambda);
      queue.push_back(r);
    } else {
      relabel[l] = label;
      fall_out(r, label, lambda);
      queue.push_back(l);
    }
  }
  return out;
}

// Excess of mass over the condensed tree; returns the selected cluster flags indexed by label - n.
std::vector<int64_t> select_and_label(int64_t n, const std::vector<CondensedRow>& tree) {
  int64_t max_label = n;
  for (const auto& r : tree) max_label = std::max(max_label, r.parent);
  for (const auto& r : tree)
    if (r.size > 1) max_label = std::max(max_label, r.child);
  const int64_t nc = max_label - n + 1;
  std::vector<double> birth(size_t(nc), 0.0), stability(size_t(nc), 0.0);
  std::vector<int64_t> parent_of(size_t(nc), -1);
  for (const auto& r : tree)
    if (r.child >= n) {  // a cluster (points are < n, the root is n)
      birth[r.child - n] = r.lambda;
      parent_of[r.child - n] = r.parent - n;
    }
  for (const auto& r : tree) {
    const double bl = birth[r.parent - n];
    const double gain = r.lambda == bl ? 0.0 : (r.lambda - bl) * double(r.size);
    stability[r.parent - n] += gain;
  }
  // Children stabilities, processed from the leaves (largest labels) to the root's children.
  std::vector<double> subtree(size_t(nc), 0.0);
  std::vector<char> selected(size_t(nc), 0);
  std::vector<std::vector<int64_t>> children(static_cast<size_t>(nc));
  for (int64_t c = 1; c < nc; ++c)
    if (parent_of[c] >= 0) children[parent_of[c]].push_back(c);
  for (int64_t c = nc - 1; c >= 1; --c) {
    double sum = 0;
    for (int64_t ch : children[c]) sum += stability[ch];
    if (!children[c].empty() && sum > stability[c]) {
      stability[c] = sum;
      selected[c] = 0;
    } else {
      selected[c] = 1;
      std::vector<int64_t> stack(children[c]);  // deselect every descendant
      while (!stack.empty()) {
        const int64_t v = stack.back();
        stack.pop_back();
        selected[v] = 0;
        for (int64_t ch : children[v]) stack.push_back(ch);
      }
    }
  }
  // Nearest selected ancestor of each cluster (labels grow away from the root).
  std::vector<int64_t> owner(size_t(nc), -1), number(size_t(nc), -1);
  int64_t k = 0;
  for (int64_t c = 1; c < nc; ++c)
    if (selected[c]) number[c] = k++;
  for (int64_t c = 1; c < nc; ++c)
    owner[c] = selected[c] ? c : (parent_of[c] >= 0 ? owner[parent_of[c]] : -1);
  std::vector<int64_t> labels(size_t(n), -1);
  for (const auto& r : tree)
    if (r.child < n) {
      const int64_t o = owner[r.parent - n];
      labels[r.child] = o >= 0 ? number[o] : -1;
    }
  return labels;
}

}  // namespace

namespace {

int64_t checked_min_samples(int64_t n, int64_t min_cluster_size, int64_t min_samples) {
  if (min_cluster_size < 2 || min_cluster_size > n)
    throw Error("HDBSCAN: min_cluster_size must be in [2, samples = " + std::to_string(n) +
                "] (got " + std::to_string(min_cluster_size) + ")");
  const int64_t ms = min_samples == -1 ? min_cluster_size : min_samples;
  if (ms < 1 || ms > n)
    throw Error("HDBSCAN: min_samples must be -1 or in [1, samples = " + std::to_string(n) +
                "] (got " + std::to_string(min_samples) + ")");
  return ms;
}

std::vector<int64_t> labels_from_mst(int64_t n, std::vector<Edge> mst, int64_t min_cluster_size) {
  std::stable_sort(mst.begin(), mst.end(), [](const Edge& a, const Edge& b) { return a.w < b.w; });
  return select_and_label(n, condense(n, mst, min_cluster_size));
}

}  // namespace

std::vector<int64_t> hdbscan(const Eigen::MatrixXd& X, int64_t min_cluster_size,
                             int64_t min_samples) {
  knn_detail::check_matrix(X, "HDBSCAN");
  const int64_t n = X.rows();
  const int64_t ms = checked_min_samples(n, min_cluster_size, min_samples);
  if (n < 2) return std::vector<int64_t>(size_t(n), -1);
  const RowMatrixXd Xr = X;
  const knn_detail::NeighborTable knn = knn_detail::nearest_neighbors(Xr, ms, 2);
  std::vector<double> core2(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) core2[i] = knn.dist(i, ms - 1) * knn.dist(i, ms - 1);
  return labels_from_mst(n, mutual_reachability_mst(Xr, core2), min_cluster_size);
}

namespace clustering_detail {

std::vector<int64_t> hdbscan(const PairwiseDistances& D, int64_t min_cluster_size,
                             int64_t min_samples) {
  const int64_t n = D.size();
  const int64_t ms = checked_min_samples(n, min_cluster_size, min_samples);
  if (n < 2) return std::vector<int64_t>(size_t(n), -1);
  std::vector<double> core(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) core[i] = D.kth_nearest(i, ms);
  return labels_from_mst(n, table_prim(D, std::move(core)), min_cluster_size);
}

}  // namespace clustering_detail

}  // namespace mutagen
