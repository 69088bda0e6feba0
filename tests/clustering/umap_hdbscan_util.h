#pragma once
// Small synthetic data and reference metrics for umap_test.cpp and hdbscan_test.cpp (local names,
// so that they do not depend on, or clash with, the library's own metrics).
#include <Eigen/Dense>
#include <cmath>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "mutagen/random.h"

namespace umap_hdbscan_test {

struct Labelled {
  Eigen::MatrixXd X;
  std::vector<int64_t> y;
};

// `per` Gaussian points (sd `sd`) around each row of `centers`.
inline Labelled blobs(const Eigen::MatrixXd& centers, int64_t per, double sd, uint64_t seed) {
  mutagen::Rng rng(seed);
  Labelled out;
  out.X.resize(centers.rows() * per, centers.cols());
  for (int64_t c = 0; c < centers.rows(); ++c)
    for (int64_t i = 0; i < per; ++i) {
      for (int64_t d = 0; d < centers.cols(); ++d)
        out.X(c * per + i, d) = centers(c, d) + sd * rng.normal();
      out.y.push_back(c);
    }
  return out;
}

// sklearn.datasets.make_moons: `per` points on each half circle, Gaussian noise `noise`.
inline Labelled moons(int64_t per, double noise, uint64_t seed) {
  mutagen::Rng rng(seed);
  Labelled out;
  out.X.resize(2 * per, 2);
  const double pi = std::acos(-1.0);
  for (int64_t i = 0; i < per; ++i) {
    const double t = pi * double(i) / double(per - 1);
    out.X(i, 0) = std::cos(t) + noise * rng.normal();
    out.X(i, 1) = std::sin(t) + noise * rng.normal();
    out.X(per + i, 0) = 1.0 - std::cos(t) + noise * rng.normal();
    out.X(per + i, 1) = 0.5 - std::sin(t) + noise * rng.normal();
  }
  for (int64_t i = 0; i < 2 * per; ++i) out.y.push_back(i < per ? 0 : 1);
  return out;
}

// Adjusted Rand index (Hubert & Arabie); every label, -1 included, is an ordinary label.
inline double local_ari(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  std::map<std::pair<int64_t, int64_t>, double> nij;
  std::map<int64_t, double> ai, bj;
  for (size_t i = 0; i < a.size(); ++i) {
    nij[{a[i], b[i]}] += 1;
    ai[a[i]] += 1;
    bj[b[i]] += 1;
  }
  auto c2 = [](double x) { return x * (x - 1) / 2; };
  double index = 0, sa = 0, sb = 0;
  for (auto& [k, v] : nij) index += c2(v);
  for (auto& [k, v] : ai) sa += c2(v);
  for (auto& [k, v] : bj) sb += c2(v);
  const double expected = sa * sb / c2(double(a.size()));
  const double top = (sa + sb) / 2;
  if (top == expected) return 1.0;
  return (index - expected) / (top - expected);
}

// Mean silhouette over all samples (no noise), O(n^2).
inline double local_silhouette(const Eigen::MatrixXd& X, const std::vector<int64_t>& y) {
  const int64_t n = X.rows();
  std::map<int64_t, int64_t> size;
  for (int64_t v : y) size[v]++;
  double total = 0;
  for (int64_t i = 0; i < n; ++i) {
    std::map<int64_t, double> sum;
    for (int64_t j = 0; j < n; ++j)
      if (j != i) sum[y[j]] += (X.row(i) - X.row(j)).norm();
    if (size[y[i]] == 1) continue;
    const double a = sum[y[i]] / double(size[y[i]] - 1);
    double b = INFINITY;
    for (auto& [label, s] : sum)
      if (label != y[i]) b = std::min(b, s / double(size[label]));
    total += (b - a) / std::max(a, b);
  }
  return total / double(n);
}

}  // namespace umap_hdbscan_test
