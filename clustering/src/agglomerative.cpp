#include "mutagen/clustering/agglomerative.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "linalg.h"
#include "mutagen/error.h"

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

constexpr int64_t kMaxSamples = 50000;

// Condensed upper triangle: entry (i, j), i < j.
struct Condensed {
  int64_t n;
  std::vector<float> d;
  explicit Condensed(int64_t n_) : n(n_), d(static_cast<size_t>(n_ * (n_ - 1) / 2)) {}
  int64_t index(int64_t i, int64_t j) const { return n * i - i * (i + 1) / 2 + (j - i - 1); }
  float& at(int64_t i, int64_t j) { return i < j ? d[index(i, j)] : d[index(j, i)]; }
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

Dendrogram linkage_tree(const Eigen::MatrixXd& X, Linkage linkage) {
  clustering_detail::check_finite(X, "agglomerative clustering");
  const int64_t n = X.rows();
  if (n > kMaxSamples)
    throw Error("agglomerative clustering: " + std::to_string(n) + " samples; at most " +
                std::to_string(kMaxSamples) + " fit in memory (n^2/2 floats)");
  Dendrogram tree;
  tree.n = n;
  if (n == 1) return tree;

  // Ward works on squared distances (Lance-Williams for Ward is exact on them); the others on
  // distances.
  const bool squared = linkage == Linkage::Ward;
  Condensed D(n);
  const Eigen::MatrixXd P = X.transpose();
  clustering_detail::for_each_sq_distance_block(
      P, [&](int64_t r0, int64_t r1, const Eigen::MatrixXd& B) {
        for (int64_t i = r0; i < r1; ++i) {
          float* row = D.d.data() + D.index(i, i + 1) - (i + 1);  // row[j] = D(i, j), j > i
          for (int64_t j = i + 1; j < n; ++j) {
            const double v = B(i - r0, j);
            row[j] = static_cast<float>(squared ? v : std::sqrt(v));
          }
        }
      });

  const float inf = std::numeric_limits<float>::infinity();
  std::vector<int64_t> size(n, 1), chain;
  chain.reserve(n);
  struct Raw {
    int64_t x, y;
    float dist;
    int64_t size;
  };
  std::vector<Raw> raw;
  raw.reserve(n - 1);
  for (int64_t step = 0; step < n - 1; ++step) {
    if (chain.empty()) {
      for (int64_t i = 0; i < n; ++i)
        if (size[i] > 0) {
          chain.push_back(i);
          break;
        }
    }
    int64_t x = 0, y = 0;
    float current = inf;
    while (true) {
      x = chain.back();
      if (chain.size() > 1) {
        y = chain[chain.size() - 2];
        current = D.at(x, y);
      } else {
        y = -1;
        current = inf;
      }
      // Removed clusters hold +inf, so plain scans suffice; strict '<' keeps the chain predecessor
      // on ties (which guarantees termination) and otherwise the lowest index.
      for (int64_t i = 0; i < x; ++i) {
        const float v = D.d[D.index(i, x)];
        if (v < current) {
          current = v;
          y = i;
        }
      }
      if (x + 1 < n) {
        const float* row = D.d.data() + D.index(x, x + 1) - (x + 1);
        for (int64_t i = x + 1; i < n; ++i)
          if (row[i] < current) {
            current = row[i];
            y = i;
          }
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
    const double dxy = current;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t ni = size[i];
      if (ni == 0 || i == y) continue;
      float& diy = D.at(i, y);
      const double dix = D.at(i, x), dy = diy;
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
      diy = static_cast<float>(v);
    }
    for (int64_t i = 0; i < n; ++i)
      if (i != x) D.at(i, x) = inf;
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
