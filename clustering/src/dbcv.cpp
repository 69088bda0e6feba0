// Density-Based Clustering Validation (Moulavi et al. 2014) as hdbscan.validity.validity_index.
#include "mutagen/clustering/dbcv.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>

#include "distances.h"
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
  std::vector<double> core;       // all-points core distance
  std::vector<int64_t> internal;  // member positions that are internal MST vertices
  double sparseness = 0;
};

// All-points core distances: core(i) = (sum_{j: d_ij > 0} d_ij^-D / (m - 1))^(-1/D). With r the
// smallest positive distance of i: core(i) = r * (S / (m - 1))^(-1/D), S = sum (r / d_ij)^D, whose
// terms lie in (0, 1] (no overflow for many features) and are integer powers (D = number of
// features): repeated squaring instead of a log and an exp per pair. Terms below 2^-80 are
// skipped: with at most 2^20 of them they cannot move S (>= 1) by a rounding unit.
template <class Dist>
std::vector<double> core_distances(int64_t m, int64_t dims, const Dist& dist) {
  std::vector<double> core(size_t(m), 0.0);
  const double cut = std::pow(2.0, -80.0 / double(dims));
  std::vector<double> q, acc, row(static_cast<size_t>(m));
  for (int64_t i = 0; i < m; ++i) {
    double r = std::numeric_limits<double>::infinity();
    for (int64_t j = 0; j < m; ++j) {  // one gather of the row, then contiguous passes
      const double d = dist(i, j);
      row[j] = d;
      if (d > 0 && d < r) r = d;
    }
    if (!std::isfinite(r)) continue;  // no distinct neighbour: 0 (hdbscan gives inf or nan)
    q.clear();
    for (int64_t j = 0; j < m; ++j)
      if (row[j] > 0 && r >= cut * row[j]) q.push_back(r / row[j]);
    acc.assign(q.size(), 1.0);
    for (int64_t e = dims; e > 0; e >>= 1) {  // acc = q^dims, bit by bit
      if (e & 1)
        for (size_t t = 0; t < q.size(); ++t) acc[t] *= q[t];
      if (e > 1)
        for (size_t t = 0; t < q.size(); ++t) q[t] *= q[t];
    }
    double sum = 0;
    for (double a : acc) sum += a;
    core[i] = r * std::pow(sum / double(m - 1), -1.0 / double(dims));
  }
  return core;
}

// Core distances, the MST of the mutual reachability graph inside the cluster (Prim), its internal
// vertices and the density sparseness. dist(i, j) between member positions.
template <class Dist>
ClusterInfo analyse(int64_t m, int64_t dims, const Dist& dist) {
  ClusterInfo c;
  c.core = core_distances(m, dims, dist);
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

// Density separation: the smallest mutual reachability between internal vertices of a and b;
// cross(i, j) is the distance between member i of a and member j of b.
template <class Cross>
double separation(const ClusterInfo& a, const ClusterInfo& b, const Cross& cross) {
  double best = std::numeric_limits<double>::infinity();
  for (int64_t i : a.internal) {
    for (int64_t j : b.internal) {
      const double floor = std::max(a.core[i], b.core[j]);
      if (floor >= best) continue;
      best = std::min(best, std::max(floor, cross(i, j)));
    }
  }
  return best;
}

// Members (rows) of each cluster, clusters in increasing label order.
std::vector<std::vector<int64_t>> members_of(const std::vector<int64_t>& labels, int64_t n) {
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
  std::vector<std::vector<int64_t>> out;
  for (auto& [label, rows] : members) out.push_back(std::move(rows));
  return out;
}

// The score from the clusters' analyses; sep(i, j) is the separation of clusters i and j.
template <class Sep>
double score(const std::vector<ClusterInfo>& info, const std::vector<std::vector<int64_t>>& members,
             int64_t n, const Sep& sep) {
  const size_t k = info.size();
  std::vector<double> min_sep(k, std::numeric_limits<double>::infinity());
  for (size_t i = 0; i < k; ++i)
    for (size_t j = i + 1; j < k; ++j) {
      const double s = sep(i, j);
      min_sep[i] = std::min(min_sep[i], s);
      min_sep[j] = std::min(min_sep[j], s);
    }
  double total = 0;
  for (size_t i = 0; i < k; ++i) {
    const double top = std::max(min_sep[i], info[i].sparseness);
    const double weight = double(members[i].size()) / double(n);
    if (top > 0) total += weight * (min_sep[i] - info[i].sparseness) / top;
  }
  return total;
}

}  // namespace

double dbcv(const Eigen::MatrixXd& X, const std::vector<int64_t>& labels) {
  knn_detail::check_matrix(X, "DBCV");
  const int64_t n = X.rows(), d = X.cols();
  const std::vector<std::vector<int64_t>> members = members_of(labels, n);
  std::vector<RowMatrixXd> points;
  std::vector<ClusterInfo> info;
  for (const auto& rows : members) {
    RowMatrixXd P(int64_t(rows.size()), d);
    for (size_t r = 0; r < rows.size(); ++r) P.row(int64_t(r)) = X.row(rows[r]);
    const ClusterDistances dist(P);
    info.push_back(analyse(P.rows(), d, dist));
    points.push_back(std::move(P));
  }
  return score(info, members, n, [&](size_t a, size_t b) {
    return separation(info[a], info[b], [&](int64_t i, int64_t j) {
      return std::sqrt(
          knn_detail::squared_distance(points[a].row(i).data(), points[b].row(j).data(), d));
    });
  });
}

namespace clustering_detail {

std::vector<double> all_points_core_distances(const Eigen::MatrixXd& P) {
  const RowMatrixXd R = P;
  const ClusterDistances dist(R);
  return core_distances(R.rows(), R.cols(), dist);
}

double dbcv(const Eigen::MatrixXd& X, const PairwiseDistances& D,
            const std::vector<int64_t>& labels) {
  if (X.rows() != D.size() || X.cols() != D.dims())
    throw Error("DBCV: the distance table does not belong to the data (internal error)");
  if (X.cols() <= 32) return mutagen::dbcv(X, labels);
  const int64_t n = D.size();
  const std::vector<std::vector<int64_t>> members = members_of(labels, n);
  std::vector<ClusterInfo> info;
  for (const auto& rows : members)
    info.push_back(analyse(int64_t(rows.size()), D.dims(),
                           [&](int64_t i, int64_t j) { return D.row(rows[i])[rows[j]]; }));
  return score(info, members, n, [&](size_t a, size_t b) {
    return separation(info[a], info[b],
                      [&](int64_t i, int64_t j) { return D.row(members[a][i])[members[b][j]]; });
  });
}

}  // namespace clustering_detail

}  // namespace mutagen
