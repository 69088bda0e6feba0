#include "mutagen/clustering/agglomerative.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <numeric>

#include "distances.h"
#include "knn.h"
#include "linalg.h"
#include "mutagen/error.h"
#include "simd.h"

namespace mutagen {

const std::vector<std::string>& linkage_names() {
  static const std::vector<std::string> names = {"ward", "complete", "average"};
  return names;
}

std::string to_string(Linkage l) { return linkage_names().at(static_cast<size_t>(l)); }

Linkage parse_linkage(const std::string& name) {
  const auto& names = linkage_names();
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<Linkage>(i);
  throw Error("linkage '" + name + "' is not known; expected one of: ward | complete | average");
}

namespace {

constexpr int64_t kMaxSamples = 30000;

// Square symmetric float matrix: rows are scanned contiguously (the chain's nearest-neighbour
// search); only the Lance-Williams update writes a column. Backed by transparent huge pages where
// the kernel allows it (fewer TLB misses on the column writes); from a scratch pool when given one.
struct Square {
  int64_t n;
  float* d = nullptr;
  clustering_detail::ScratchPool* pool = nullptr;
  clustering_detail::ScratchPool::Block block;
  explicit Square(int64_t n_, clustering_detail::ScratchPool* pool_ = nullptr)
      : n(n_), pool(pool_) {
    const size_t bytes = static_cast<size_t>(n) * static_cast<size_t>(n) * sizeof(float);
    block = pool ? pool->take(bytes) : clustering_detail::ScratchPool::allocate(bytes);
    d = static_cast<float*>(block.data);
    if (!d)
      throw Error("agglomerative clustering: cannot allocate " + std::to_string(bytes >> 20) +
                  " MB for the distance matrix of " + std::to_string(n) + " samples");
  }
  ~Square() {
    if (pool)
      pool->give(block);
    else
      std::free(block.data);
  }
  Square(const Square&) = delete;
  Square& operator=(const Square&) = delete;
  float* row(int64_t i) { return d + static_cast<size_t>(i) * static_cast<size_t>(n); }
};

// Union-find over the 2n - 1 dendrogram nodes (scipy's LinkageUnionFind).
struct UnionFind {
  std::vector<int64_t> parent, size;
  int64_t next;
  explicit UnionFind(int64_t n) : parent(2 * n - 1), size(2 * n - 1, 1), next(n) {
    std::iota(parent.begin(), parent.end(), 0);
  }
  int64_t merge(int64_t x, int64_t y) {
    parent[x] = next;
    parent[y] = next;
    const int64_t s = size[x] + size[y];
    size[next] = s;
    ++next;
    return s;
  }
  int64_t find(int64_t x) {
    int64_t root = x;
    while (parent[root] != root) root = parent[root];
    while (parent[x] != root) {
      const int64_t up = parent[x];
      parent[x] = root;
      x = up;
    }
    return root;
  }
};

}  // namespace

namespace {

// The nearest cluster in `row`: the smallest row[i] + dead[i] (dead: +inf for merged-away
// clusters, 0 otherwise; the diagonal holds +inf) and the lowest index holding it, eight lanes at
// a time without branches on the data.
MUTAGEN_ALWAYS_INLINE int64_t nearest_steps(const float* row, const float* dead, int64_t n,
                                            float& value) {
  using namespace simd;
  constexpr float kInf = std::numeric_limits<float>::infinity();
  v8f best = broadcast(kInf);
  v8i at = broadcast(int32_t(n)), idx = {0, 1, 2, 3, 4, 5, 6, 7};
  const int64_t n8 = n & ~int64_t(7);
  for (int64_t j = 0; j < n8; j += 8, idx += 8) {
    keep_first_minimum(load(row + j) + load(dead + j), idx, best, at);
  }
  float bv = kInf;
  int64_t bi = n;
  fold_first_minimum<8>(best, at, bv, bi);
  for (int64_t j = n8; j < n; ++j) {  // the tail: higher indices, so only a smaller value wins
    const float v = row[j] + dead[j];
    if (v < bv) bv = v, bi = j;
  }
  value = bv;
  return bi;
}

MUTAGEN_SIMD_DISPATCH(int64_t, nearest,
                      (const float* row, const float* dead, int64_t n, float& value),
                      (row, dead, n, value))

// The nearest-neighbour chain on a filled matrix (distances, or squared distances for Ward).
Dendrogram chain_linkage(Square& D, Linkage linkage, bool squared) {
  const int64_t n = D.n;
  Dendrogram tree;
  tree.n = n;
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<int64_t> size(n, 1), chain, active(n);
  std::iota(active.begin(), active.end(), 0);         // active clusters, increasing
  std::vector<float> dead(size_t(n), 0.0f);           // +inf once merged away
  for (int64_t i = 0; i < n; ++i) D.row(i)[i] = inf;  // never a cluster's own nearest
  chain.reserve(n);
  struct Raw {
    int64_t x, y;
    float dist;
    int64_t size;
  };
  std::vector<Raw> raw;
  raw.reserve(n - 1);
  for (int64_t step = 0; step < n - 1; ++step) {
    if (chain.empty()) chain.push_back(active.front());
    int64_t x = 0, y = 0;
    float current = inf;
    while (true) {
      x = chain.back();
      if (chain.size() > 1) {
        y = chain[chain.size() - 2];
        current = D.row(x)[y];
      } else {
        y = -1;
        current = inf;
      }
      // Strict '<' keeps the chain predecessor on ties (which guarantees termination) and
      // otherwise the lowest index.
      float nearest_value = inf;
      const int64_t i = nearest(D.row(x), dead.data(), n, nearest_value);
      if (nearest_value < current) {
        current = nearest_value;
        y = i;
      }
      if (y < 0) throw Error("agglomerative clustering: no finite distance left (internal error)");
      if (chain.size() > 1 && y == chain[chain.size() - 2]) break;
      chain.push_back(y);
    }
    chain.pop_back();
    chain.pop_back();
    if (x > y) std::swap(x, y);
    const int64_t nx = size[x], ny = size[y];
    raw.push_back({x, y, current, nx + ny});
    size[x] = 0;
    size[y] = nx + ny;
    active.erase(std::lower_bound(active.begin(), active.end(), x));
    dead[x] = inf;
    const double dxy = current;
    const float* rx = D.row(x);
    float* ry = D.row(y);
    const size_t na = active.size();
    for (size_t a = 0; a < na; ++a) {
      // The column write misses the cache on every row: fetch a few rows ahead.
      if (a + 24 < na) __builtin_prefetch(D.row(active[a + 24]) + y, 1, 0);
      const int64_t i = active[a];
      if (i == y) continue;
      const int64_t ni = size[i];
      const double dix = rx[i], dy = ry[i];
      double v = 0;
      switch (linkage) {
        case Linkage::Ward:
          v = ((ni + nx) * dix + (ni + ny) * dy - ni * dxy) / static_cast<double>(nx + ny + ni);
          break;
        case Linkage::Complete:
          v = std::max(dix, dy);
          break;
        case Linkage::Average:
          v = (nx * dix + ny * dy) / static_cast<double>(nx + ny);
          break;
      }
      ry[i] = static_cast<float>(v);
      D.row(i)[y] = static_cast<float>(v);
    }
  }

  // Sort by height (stable) and relabel as scipy does.
  std::vector<int64_t> order(raw.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return raw[a].dist < raw[b].dist; });
  UnionFind uf(n);
  tree.merges.reserve(raw.size());
  for (int64_t o : order) {
    const int64_t rx = uf.find(raw[o].x), ry = uf.find(raw[o].y);
    Merge m;
    m.a = std::min(rx, ry);
    m.b = std::max(rx, ry);
    m.height = squared ? std::sqrt(std::max(0.0, static_cast<double>(raw[o].dist)))
                       : static_cast<double>(raw[o].dist);
    m.size = uf.merge(rx, ry);
    tree.merges.push_back(m);
  }
  return tree;
}

void check_samples(int64_t n) {
  if (n > kMaxSamples)
    throw Error("agglomerative clustering: " + std::to_string(n) + " samples; at most " +
                std::to_string(kMaxSamples) + " fit in memory (n^2/2 floats)");
}

// The matrix entry of a pair from its squared distance: Ward works on squared distances
// (Lance-Williams for Ward is exact on them), the others on distances.
float entry(double squared_distance, bool squared) {
  return static_cast<float>(squared ? squared_distance : std::sqrt(squared_distance));
}

}  // namespace

Dendrogram linkage_tree(const Eigen::MatrixXd& X, Linkage linkage) {
  clustering_detail::check_finite(X, "agglomerative clustering");
  const int64_t n = X.rows();
  check_samples(n);
  if (n == 1) return Dendrogram{1, {}};

  const bool squared = linkage == Linkage::Ward;
  Square D(n);
  if (X.cols() <= 32) {  // few features: exact differences beat a thin GEMM
    const knn_detail::RowMatrixXd R = X;
    knn_detail::parallel_for(n, 2, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        float* row = D.row(i);
        for (int64_t j = 0; j < n; ++j) {
          row[j] = entry(knn_detail::squared_distance(R.row(i).data(), R.row(j).data(), X.cols()),
                         squared);
        }
      }
    });
    return chain_linkage(D, linkage, squared);
  }
  const Eigen::MatrixXd P = X.transpose();
  clustering_detail::for_each_sq_distance_block(
      P, [&](int64_t r0, int64_t r1, const Eigen::MatrixXd& B) {
        for (int64_t i = r0; i < r1; ++i) {
          float* row = D.row(i);
          for (int64_t j = 0; j < n; ++j) row[j] = entry(B(i - r0, j), squared);
        }
      });
  return chain_linkage(D, linkage, squared);
}

namespace clustering_detail {

Dendrogram linkage_tree(const PairwiseDistances& T, Linkage linkage) {
  const int64_t n = T.size();
  check_samples(n);
  if (n == 1) return Dendrogram{1, {}};
  const bool squared = linkage == Linkage::Ward;
  Square D(n, &T.scratch());
  for (int64_t i = 0; i < n; ++i) {
    const double* in = T.row(i);
    float* row = D.row(i);
    if (squared)
      for (int64_t j = 0; j < n; ++j) row[j] = static_cast<float>(in[j] * in[j]);
    else
      for (int64_t j = 0; j < n; ++j) row[j] = static_cast<float>(in[j]);
  }
  return chain_linkage(D, linkage, squared);
}

}  // namespace clustering_detail

std::vector<int64_t> Dendrogram::cut(int64_t k) const {
  if (k < 1 || k > n)
    throw Error("agglomerative clustering: " + std::to_string(k) + " clusters for " +
                std::to_string(n) + " samples; expected 1 <= k <= samples");
  UnionFind uf(n);
  for (int64_t i = 0; i < n - k; ++i) uf.merge(uf.find(merges[i].a), uf.find(merges[i].b));
  std::vector<int64_t> roots(n);
  for (int64_t i = 0; i < n; ++i) roots[i] = uf.find(i);
  return clustering_detail::canonical_labels(roots);
}

std::vector<int64_t> agglomerative(const Eigen::MatrixXd& X, int64_t k, Linkage linkage) {
  if (k < 1 || k > X.rows())
    throw Error("agglomerative clustering: " + std::to_string(k) + " clusters for " +
                std::to_string(X.rows()) + " samples; expected 1 <= k <= samples");
  return linkage_tree(X, linkage).cut(k);
}

}  // namespace mutagen
