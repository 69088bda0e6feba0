// Density-Based Clustering Validation (Moulavi et al. 2014) as hdbscan.validity.validity_index.
//
// Every step works on rows of squared distances (one member against all members of a cluster),
// filled by a "row source": from coordinates stored feature by feature (up to 32 features: the
// inner loop runs over members and vectorises), from the grid's shared distance table, or from a
// float GEMM table per cluster (more features, no shared table). Square roots are taken only where
// a value is reported (edge weights, separations), so the result equals the distance-domain
// computation up to rounding.
#include "mutagen/clustering/dbcv.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>

#include "distances.h"
#include "knn.h"
#include "mutagen/error.h"
#include "prim.h"
#include "simd.h"

namespace mutagen {
namespace {

using knn_detail::RowMatrixXd;
constexpr double kInf = std::numeric_limits<double>::infinity();

// out[j] = squared distance from x to member j, members feature by feature in cols[0..D), four
// members per lane vector; per member the features are summed in order, as a scalar loop would.
template <int D>
MUTAGEN_ALWAYS_INLINE void sq_distances_steps(const double* const* cols, const double* x, int64_t m,
                                              double* out) {
  using namespace simd;
  v4d xv[D];
  for (int f = 0; f < D; ++f) xv[f] = broadcast(x[f]);
  int64_t j = 0;
  for (; j + 4 <= m; j += 4) {
    v4d t = load(cols[0] + j) - xv[0], sum = t * t;
    for (int f = 1; f < D; ++f) {
      t = load(cols[f] + j) - xv[f];
      sum += t * t;
    }
    store(out + j, sum);
  }
  for (; j < m; ++j) {
    double sum = 0.0;
    for (int f = 0; f < D; ++f) {
      const double t = cols[f][j] - x[f];
      sum += t * t;
    }
    out[j] = sum;
  }
}

MUTAGEN_SIMD_DISPATCH_TEMPLATE(template <int D>, <D>, void, sq_distances,
                               (const double* const* cols, const double* x, int64_t m, double* out),
                               (cols, x, m, out))

// The lowest index v >= j0 of a tree vertex (core2[v] = inf) that may tie with the new vertex's
// edge: core[v] <= hi and row[v] <= hi2 (row: the new vertex's squared distances); m when none.
MUTAGEN_ALWAYS_INLINE int64_t tie_candidate_steps(int64_t m, int64_t j0, const double* core2,
                                                  const double* core, const double* row, double hi,
                                                  double hi2) {
  using namespace simd;
  const v4d inf = broadcast(kInf), hiv = broadcast(hi), hi2v = broadcast(hi2);
  int64_t j = j0;
  for (; j + 4 <= m; j += 4) {
    const v4l ok = (load(core2 + j) == inf) & (load(core + j) <= hiv) & (load(row + j) <= hi2v);
    if (ok[0] | ok[1] | ok[2] | ok[3])
      for (int l = 0;; ++l)
        if (ok[l]) return j + l;
  }
  for (; j < m; ++j)
    if (core2[j] == kInf && core[j] <= hi && row[j] <= hi2) return j;
  return m;
}

MUTAGEN_SIMD_DISPATCH(int64_t, tie_candidate,
                      (int64_t m, int64_t j0, const double* core2, const double* core,
                       const double* row, double hi, double hi2),
                      (m, j0, core2, core, row, hi, hi2))

// Members of one cluster by coordinates: row-major (a member's point) and feature-major (one
// feature of every member, contiguous).
class CoordRows {
 public:
  CoordRows(const Eigen::MatrixXd& X, const std::vector<int64_t>& rows)
      : m_(int64_t(rows.size())), d_(X.cols()), pts_(size_t(m_ * d_)), cols_(size_t(m_ * d_)) {
    for (int64_t i = 0; i < m_; ++i)
      for (int64_t f = 0; f < d_; ++f) {
        const double v = X(rows[size_t(i)], f);
        pts_[size_t(i * d_ + f)] = v;
        cols_[size_t(f * m_ + i)] = v;
      }
    for (int64_t f = 0; f < d_; ++f) col_ptrs_.push_back(cols_.data() + f * m_);
  }
  int64_t size() const { return m_; }
  const double* point(int64_t i) const { return pts_.data() + i * d_; }
  // out[j] = squared distance from the point x (d_ coordinates) to member j. The reductions' usual
  // widths (UMAP 2, UMAP 10, the VAE's 10-d latent) get one pass with the sum in a register; the
  // sum runs over the features in the same order either way.
  void fill_from(const double* x, double* out) const {
    if (d_ == 2) return sq_distances<2>(col_ptrs_.data(), x, m_, out);
    if (d_ == 10) return sq_distances<10>(col_ptrs_.data(), x, m_, out);
    for (int64_t j = 0; j < m_; ++j) out[j] = 0.0;
    for (int64_t f = 0; f < d_; ++f) {
      const double* c = cols_.data() + f * m_;
      const double xf = x[f];
      for (int64_t j = 0; j < m_; ++j) {
        const double t = c[j] - xf;
        out[j] += t * t;
      }
    }
  }
  void fill_row(int64_t i, double* out) const { fill_from(point(i), out); }
  double pair(int64_t i, int64_t j) const {
    return knn_detail::squared_distance(point(i), point(j), d_);
  }

 private:
  int64_t m_, d_;
  std::vector<double> pts_, cols_;
  std::vector<const double*> col_ptrs_;  // each feature's column in cols_
};

// Members of one cluster in the grid's shared distance table (rows = positions in the data).
class TableRows {
 public:
  TableRows(const clustering_detail::PairwiseDistances& D, const std::vector<int64_t>& rows)
      : D_(D), rows_(rows) {}
  int64_t size() const { return int64_t(rows_.size()); }
  int64_t position(int64_t i) const { return rows_[size_t(i)]; }
  // out[j] = squared distance from data row g to member j.
  void fill_from(int64_t g, double* out) const {
    const double* r = D_.row(g);
    const int64_t m = size();
    for (int64_t j = 0; j < m; ++j) {
      const double d = r[rows_[size_t(j)]];
      out[j] = d * d;
    }
  }
  void fill_row(int64_t i, double* out) const { fill_from(position(i), out); }
  double pair(int64_t i, int64_t j) const {
    const double d = D_(position(i), position(j));
    return d * d;
  }

 private:
  const clustering_detail::PairwiseDistances& D_;
  const std::vector<int64_t>& rows_;
};

// Many features and no shared table: squared distances inside the cluster from one float GEMM (up
// to 8192 members, as before the shared table existed), otherwise from coordinates.
class GemmRows {
 public:
  GemmRows(const Eigen::MatrixXd& X, const std::vector<int64_t>& rows)
      : coords_(X, rows), m_(coords_.size()) {
    if (m_ > 1 && m_ <= 8192) {
      RowMatrixXd P(m_, X.cols());
      for (int64_t i = 0; i < m_; ++i) P.row(i) = X.row(rows[size_t(i)]);
      table_.resize(size_t(m_ * m_));
      knn_detail::for_each_distance_block(P, [&](int64_t r0, int64_t r1, const RowMatrixXd& sq) {
        for (int64_t i = r0; i < r1; ++i)
          for (int64_t j = 0; j < m_; ++j) table_[size_t(i * m_ + j)] = float(sq(i - r0, j));
      });
    }
  }
  int64_t size() const { return m_; }
  const CoordRows& coords() const { return coords_; }
  void fill_row(int64_t i, double* out) const {
    if (table_.empty()) return coords_.fill_row(i, out);
    const float* r = table_.data() + i * m_;
    for (int64_t j = 0; j < m_; ++j) out[j] = r[j];
    out[i] = 0.0;
  }
  double pair(int64_t i, int64_t j) const {
    if (i == j) return 0.0;
    return table_.empty() ? coords_.pair(i, j) : double(table_[size_t(i * m_ + j)]);
  }

 private:
  CoordRows coords_;
  int64_t m_;
  std::vector<float> table_;
};

struct ClusterInfo {
  std::vector<double> core;       // all-points core distance
  std::vector<int64_t> internal;  // member positions that are internal MST vertices
  double sparseness = 0;
};

// The smallest positive value of s[0, m); inf when there is none.
MUTAGEN_ALWAYS_INLINE double min_positive_steps(const double* s, int64_t m) {
  using namespace simd;
  const v4d zero = broadcast(0.0);
  v4d best = broadcast(kInf);
  int64_t j = 0;
  for (; j + 4 <= m; j += 4) {
    const v4d v = load(s + j);
    best = (v > zero) & (v < best) ? v : best;
  }
  double out = std::min(std::min(best[0], best[1]), std::min(best[2], best[3]));
  for (; j < m; ++j)
    if (s[j] > 0.0 && s[j] < out) out = s[j];
  return out;
}

// S of core_distances below from the squared distances s[0, m): four lanes summed in turn, then
// (lane 0 + lane 1) + (lane 2 + lane 3), then the tail in order.
MUTAGEN_ALWAYS_INLINE double core_sum_steps(const double* s, int64_t m, double r2, double cut,
                                            int64_t half, bool odd) {
  using namespace simd;
  const v4d r2v = broadcast(r2), cutv = broadcast(cut), one = broadcast(1.0), zero = broadcast(0.0);
  v4d acc = zero;
  int64_t j = 0;
  for (; j + 4 <= m; j += 4) {
    const v4d q = r2v / load(s + j);  // s = 0 (i itself, duplicates): inf, dropped
    v4d t = (q >= cutv) & (q <= one) ? q : zero, p = one;
    if (odd)
      for (int l = 0; l < 4; ++l) p[l] = std::sqrt(t[l]);
    for (int64_t e = half; e > 0; e >>= 1) {  // p *= t^half, bit by bit
      if (e & 1) p *= t;
      if (e > 1) t *= t;
    }
    acc += p;
  }
  double sum = (acc[0] + acc[1]) + (acc[2] + acc[3]);
  for (; j < m; ++j) {
    const double q = r2 / s[j];
    double t = q >= cut && q <= 1.0 ? q : 0.0, p = odd ? std::sqrt(t) : 1.0;
    for (int64_t e = half; e > 0; e >>= 1) {
      if (e & 1) p *= t;
      if (e > 1) t *= t;
    }
    sum += p;
  }
  return sum;
}

MUTAGEN_SIMD_DISPATCH(double, min_positive, (const double* s, int64_t m), (s, m))
MUTAGEN_SIMD_DISPATCH(double, core_sum,
                      (const double* s, int64_t m, double r2, double cut, int64_t half, bool odd),
                      (s, m, r2, cut, half, odd))

// All-points core distances: core(i) = (sum_{j: d_ij > 0} d_ij^-D / (m - 1))^(-1/D). With r the
// smallest positive distance of i: core(i) = r * (S / (m - 1))^(-1/D), S = sum t_ij^(D/2) with
// t_ij = r^2 / d_ij^2 in (0, 1] (no overflow for many features): repeated squaring of t (times
// sqrt(t) for odd D) instead of a log and an exp per pair. Terms below 2^-80 are dropped (set to 0
// before the powers, which keeps them out of the subnormal range): with at most 2^20 of them they
// cannot move S (>= 1) by a rounding unit. Two vectorised passes over a row (min_positive,
// core_sum).
template <class Rows>
std::vector<double> core_distances(const Rows& R, int64_t dims) {
  const int64_t m = R.size();
  std::vector<double> core(static_cast<size_t>(m), 0.0);
  const double cut = std::pow(2.0, -160.0 / double(dims));
  const int64_t half = dims / 2;
  const bool odd = dims % 2 == 1;
  std::vector<double> s(static_cast<size_t>(m));
  for (int64_t i = 0; i < m; ++i) {
    R.fill_row(i, s.data());
    const double r2 = min_positive(s.data(), m);
    if (!std::isfinite(r2)) continue;  // no distinct neighbour: 0 (hdbscan gives inf or nan)
    const double sum = core_sum(s.data(), m, r2, cut, half, odd);
    core[i] = std::sqrt(r2) * std::pow(sum / double(m - 1), -1.0 / double(dims));
  }
  return core;
}

// Core distances, the MST of the mutual reachability graph inside the cluster (Prim on squared
// values, which orders edges the same way), its internal vertices and the density sparseness.
template <class Rows>
ClusterInfo analyse(const Rows& R, int64_t dims) {
  ClusterInfo c;
  const int64_t m = R.size();
  c.core = core_distances(R, dims);
  if (m == 1) {
    c.internal = {0};
    return c;
  }
  // Prim, one vectorised pass per step (prim.h).
  std::vector<double> core2(size_t(m), 0.0), best(size_t(m), kInf), row(size_t(m), 0.0);
  std::vector<int64_t> from(size_t(m), 0);
  for (int64_t i = 0; i < m; ++i) core2[i] = c.core[i] * c.core[i];
  std::vector<int64_t> degree(static_cast<size_t>(m), 0);
  struct E {
    int64_t a, b;
    double w;
  };
  std::vector<E> edges;
  edges.reserve(static_cast<size_t>(m));
  auto mr = [&](int64_t i, int64_t j, double sq) {
    return std::max({std::sqrt(sq), c.core[i], c.core[j]});
  };
  int64_t cur = 0;
  R.fill_row(0, row.data());
  for (int64_t step = 1; step < m; ++step) {
    const int64_t bj =
        clustering_detail::prim_step(m, cur, row.data(), core2.data(), best.data(), from.data());
    if (bj == m) throw Error("DBCV: no vertex left to add (internal error)");
    const int64_t fa = from[bj];
    E e{fa, bj, mr(fa, bj, R.pair(fa, bj))};
    R.fill_row(bj, row.data());
    // hdbscan re-attaches each new vertex to the lowest-index earlier vertex at an (np.isclose)
    // equal mutual reachability: with ties (common, core distances dominate) that fixes which MST
    // we get. Candidates pass cheap bounds first (the mutual reachability is at least the larger
    // core distance, and at least the distance) and come in index order: the first that ties is
    // the one.
    if (step > 1) {
      const double tol = 1e-8 + 1e-5 * std::fabs(e.w), hi = e.w + tol, hi2 = hi * hi * (1 + 1e-12);
      if (c.core[bj] <= hi)
        for (int64_t v = tie_candidate(m, 0, core2.data(), c.core.data(), row.data(), hi, hi2);
             v < m; v = tie_candidate(m, v + 1, core2.data(), c.core.data(), row.data(), hi, hi2))
          if (std::fabs(mr(bj, v, row[v]) - e.w) <= tol) {
            e.a = v;
            break;
          }
    }
    degree[e.a]++;
    degree[e.b]++;
    edges.push_back(e);
    cur = bj;
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

// Density separation: the smallest mutual reachability between internal vertices of a and b.
// cross(i, out) fills the squared distances from member i of a to every member of b.
template <class Cross>
double separation(const ClusterInfo& a, const ClusterInfo& b, int64_t mb, const Cross& cross) {
  double best = kInf;
  std::vector<double> row(static_cast<size_t>(mb));
  for (int64_t i : a.internal) {
    if (a.core[i] >= best) continue;  // every pair through i is at least core(i)
    cross(i, row.data());
    const double best2 = best * best * (1 + 1e-12);
    for (int64_t j : b.internal) {
      const double floor = std::max(a.core[i], b.core[j]);
      if (floor >= best || row[j] > best2) continue;
      best = std::min(best, std::max(floor, std::sqrt(row[j])));
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
  std::vector<double> min_sep(k, kInf);
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

// DBCV with one row source per cluster; cross(a, b, i, out) fills the squared distances from
// member i of cluster a to every member of cluster b.
template <class Rows, class Cross>
double dbcv_on(const std::vector<Rows>& clusters, const std::vector<std::vector<int64_t>>& members,
               int64_t n, int64_t dims, const Cross& cross) {
  std::vector<ClusterInfo> info;
  for (const Rows& R : clusters) info.push_back(analyse(R, dims));
  return score(info, members, n, [&](size_t a, size_t b) {
    return separation(info[a], info[b], clusters[b].size(),
                      [&](int64_t i, double* out) { cross(a, b, i, out); });
  });
}

}  // namespace

double dbcv(const Eigen::MatrixXd& X, const std::vector<int64_t>& labels) {
  knn_detail::check_matrix(X, "DBCV");
  const int64_t n = X.rows(), d = X.cols();
  const std::vector<std::vector<int64_t>> members = members_of(labels, n);
  if (d <= 32) {
    std::vector<CoordRows> clusters;
    for (const auto& rows : members) clusters.emplace_back(X, rows);
    return dbcv_on(clusters, members, n, d, [&](size_t a, size_t b, int64_t i, double* out) {
      clusters[b].fill_from(clusters[a].point(i), out);
    });
  }
  std::vector<GemmRows> clusters;
  for (const auto& rows : members) clusters.emplace_back(X, rows);
  return dbcv_on(clusters, members, n, d, [&](size_t a, size_t b, int64_t i, double* out) {
    clusters[b].coords().fill_from(clusters[a].coords().point(i), out);
  });
}

namespace clustering_detail {

std::vector<double> all_points_core_distances(const Eigen::MatrixXd& P) {
  std::vector<int64_t> all(size_t(P.rows()));
  for (int64_t i = 0; i < P.rows(); ++i) all[size_t(i)] = i;
  if (P.cols() <= 32) return core_distances(CoordRows(P, all), P.cols());
  return core_distances(GemmRows(P, all), P.cols());
}

double dbcv(const Eigen::MatrixXd& X, const PairwiseDistances& D,
            const std::vector<int64_t>& labels) {
  if (X.rows() != D.size() || X.cols() != D.dims())
    throw Error("DBCV: the distance table does not belong to the data (internal error)");
  // Few features: computing the distances beats gathering them from the table.
  if (X.cols() <= 32) return mutagen::dbcv(X, labels);
  const int64_t n = D.size();
  const std::vector<std::vector<int64_t>> members = members_of(labels, n);
  std::vector<TableRows> clusters;
  for (const auto& rows : members) clusters.emplace_back(D, rows);
  return dbcv_on(clusters, members, n, D.dims(), [&](size_t a, size_t b, int64_t i, double* out) {
    clusters[b].fill_from(clusters[a].position(i), out);
  });
}

}  // namespace clustering_detail

}  // namespace mutagen
