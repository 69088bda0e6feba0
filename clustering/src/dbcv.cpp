// Density-Based Clustering Validation (Moulavi et al. 2014) as hdbscan.validity.validity_index.
#include "mutagen/clustering/dbcv.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>

#include "knn.h"
#include "mutagen/error.h"

namespace mutagen {
namespace {

using knn_detail::RowMatrixXd;

// Euclidean distances between the rows of one cluster: a float table from one GEMM for many
// features (up to 8192 rows), otherwise computed on demand.
class ClusterDistances {
 public:
  explicit ClusterDistances(const RowMatrixXd& P) : P_(P), m_(P.rows()) {
    if (P.cols() > 32 && m_ <= 8192 && m_ > 1) {
      table_.resize(size_t(m_ * m_));
      knn_detail::for_each_distance_block(P, [&](int64_t r0, int64_t r1, const RowMatrixXd& sq) {
        for (int64_t i = r0; i < r1; ++i)
          for (int64_t j = 0; j < m_; ++j)
            table_[size_t(i * m_ + j)] = float(std::sqrt(sq(i - r0, j)));
      });
    }
  }
  double operator()(int64_t i, int64_t j) const {
    if (i == j) return 0.0;
    if (!table_.empty()) return table_[size_t(i * m_ + j)];
    return std::sqrt(knn_detail::squared_distance(P_.row(i).data(), P_.row(j).data(), P_.cols()));
  }

 private:
  const RowMatrixXd& P_;
  int64_t m_;
  std::vector<float> table_;
};

struct ClusterInfo {
  RowMatrixXd points;
  std::vector<double> core;       // all-points core distance
  std::vector<int64_t> internal;  // rows of `points` that are internal MST vertices
  double sparseness = 0;
};

ClusterInfo analyse(RowMatrixXd points, double dims) {
  ClusterInfo c;
  c.points = std::move(points);
  const int64_t m = c.points.rows();
  const ClusterDistances dist(c.points);
  // core(i) = (sum_{j: d > 0} d_ij^-D / (m - 1))^(-1/D), evaluated in log space.
  c.core.assign(size_t(m), 0.0);
  std::vector<double> logs;
  for (int64_t i = 0; i < m; ++i) {
    logs.clear();
    for (int64_t j = 0; j < m; ++j) {
      const double d = dist(i, j);
      if (d > 0) logs.push_back(-dims * std::log(d));
    }
    if (logs.empty()) continue;  // no distinct neighbour: 0 (hdbscan gives inf or nan)
    const double top = *std::max_element(logs.begin(), logs.end());
    double s = 0;
    for (double l : logs) s += std::exp(l - top);
    const double log_mean = top + std::log(s) - std::log(double(m - 1));
    c.core[i] = std::exp(-log_mean / dims);
  }
  if (m == 1) {
    c.internal = {0};
    return c;
  }
  // Prim on the mutual reachability graph of the cluster.
  std::vector<double> best(size_t(m), std::numeric_limits<double>::infinity());
  std::vector<int64_t> from(size_t(m), 0), degree(size_t(m), 0);
  std::vector<char> done(size_t(m), 0);
  struct E {
    int64_t a, b;
    double w;
  };
  std::vector<E> edges;
  int64_t cur = 0;
  done[0] = 1;
  for (int64_t step = 1; step < m; ++step) {
    int64_t bj = -1;
    for (int64_t j = 0; j < m; ++j) {
      if (done[j]) continue;
      double w = std::max(c.core[cur], c.core[j]);
      if (w < best[j]) {
        w = std::max(w, dist(cur, j));
        if (w < best[j]) {
          best[j] = w;
          from[j] = cur;
        }
      }
      if (bj < 0 || best[j] < best[bj]) bj = j;
    }
    done[bj] = 1;
    edges.push_back({from[bj], bj, best[bj]});
    cur = bj;
  }
  // hdbscan re-attaches each new vertex to the lowest-index earlier vertex at an (np.isclose) equal
  // mutual reachability: with ties (common, core distances dominate) that fixes which MST we get.
  auto mr = [&](int64_t i, int64_t j) { return std::max({dist(i, j), c.core[i], c.core[j]}); };
  std::vector<int64_t> added{0};
  for (size_t s = 0; s < edges.size(); ++s) {
    E& e = edges[s];
    if (s > 0) {
      int64_t pick = -1;
      for (int64_t v : added)
        if ((pick < 0 || v < pick) && v != e.b &&
            std::fabs(mr(e.b, v) - e.w) <= 1e-8 + 1e-5 * std::fabs(e.w))
          pick = v;
      if (pick >= 0) e.a = pick;
    }
    added.push_back(e.b);
    degree[e.a]++;
    degree[e.b]++;
  }
  for (int64_t i = 0; i < m; ++i)
    if (degree[i] > 1) c.internal.push_back(i);
  bool any_internal = false;
  for (const E& e : edges)
    if (degree[e.a] > 1 && degree[e.b] > 1) {
      c.sparseness = any_internal ? std::max(c.sparseness, e.w) : e.w;
      any_internal = true;
    }
  if (!any_internal)  // as hdbscan (and the authors' MATLAB code): the largest of all MST edges
    for (const E& e : edges) c.sparseness = std::max(c.sparseness, e.w);
  if (c.internal.empty())  // one or two points: every point counts as internal
    for (int64_t i = 0; i < m; ++i) c.internal.push_back(i);
  return c;
}

double separation(const ClusterInfo& a, const ClusterInfo& b) {
  double best = std::numeric_limits<double>::infinity();
  const int64_t d = a.points.cols();
  for (int64_t i : a.internal) {
    for (int64_t j : b.internal) {
      const double floor = std::max(a.core[i], b.core[j]);
      if (floor >= best) continue;
      const double dist = std::sqrt(
          knn_detail::squared_distance(a.points.row(i).data(), b.points.row(j).data(), d));
      best = std::min(best, std::max(floor, dist));
    }
  }
  return best;
}

}  // namespace

double dbcv(const Eigen::MatrixXd& X, const std::vector<int64_t>& labels) {
  knn_detail::check_matrix(X, "DBCV");
  const int64_t n = X.rows();
  if (int64_t(labels.size()) != n)
    throw Error("DBCV: " + std::to_string(labels.size()) + " labels for " + std::to_string(n) +
                " samples; expected one label per row");
  std::map<int64_t, std::vector<int64_t>> members;
  for (int64_t i = 0; i < n; ++i) {
    if (labels[i] < -1)
      throw Error("DBCV: label " + std::to_string(labels[i]) + " at row " + std::to_string(i) +
                  "; expected -1 (noise) or a cluster id >= 0");
    if (labels[i] >= 0) members[labels[i]].push_back(i);
  }
  if (members.size() < 2)
    throw Error("DBCV: needs at least two clusters (got " + std::to_string(members.size()) +
                " besides noise)");
  std::vector<ClusterInfo> info;
  std::vector<double> weight;
  for (const auto& [label, rows] : members) {
    RowMatrixXd P(int64_t(rows.size()), X.cols());
    for (size_t r = 0; r < rows.size(); ++r) P.row(int64_t(r)) = X.row(rows[r]);
    info.push_back(analyse(std::move(P), double(X.cols())));
    weight.push_back(double(rows.size()) / double(n));
  }
  const size_t k = info.size();
  std::vector<double> min_sep(k, std::numeric_limits<double>::infinity());
  for (size_t i = 0; i < k; ++i)
    for (size_t j = i + 1; j < k; ++j) {
      const double s = separation(info[i], info[j]);
      min_sep[i] = std::min(min_sep[i], s);
      min_sep[j] = std::min(min_sep[j], s);
    }
  double score = 0;
  for (size_t i = 0; i < k; ++i) {
    const double top = std::max(min_sep[i], info[i].sparseness);
    if (top > 0) score += weight[i] * (min_sep[i] - info[i].sparseness) / top;
  }
  return score;
}

}  // namespace mutagen
