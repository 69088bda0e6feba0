#include "mutagen/clustering/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>

#include "linalg.h"
#include "mutagen/error.h"

namespace mutagen {
namespace {

// Non-noise samples with their labels renumbered 0..k-1.
struct Clustered {
  std::vector<int64_t> rows;    // positions in X
  std::vector<int64_t> labels;  // 0..k-1
  std::vector<int64_t> sizes;
  int64_t k = 0;
};

Clustered prepare(const Eigen::MatrixXd& X, const std::vector<int64_t>& labels, const char* what) {
  clustering_detail::check_finite(X, what);
  clustering_detail::check_labels(labels, X.rows(), what);
  Clustered c;
  std::map<int64_t, int64_t> ids;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0) continue;
    auto it = ids.emplace(labels[i], static_cast<int64_t>(ids.size())).first;
    c.rows.push_back(static_cast<int64_t>(i));
    c.labels.push_back(it->second);
  }
  // Renumber in increasing label order (stable, independent of appearance).
  std::map<int64_t, int64_t> sorted;
  int64_t next = 0;
  for (auto& [label, id] : ids) sorted[id] = next++;
  for (auto& l : c.labels) l = sorted[l];
  c.k = static_cast<int64_t>(ids.size());
  c.sizes.assign(c.k, 0);
  for (int64_t l : c.labels) ++c.sizes[l];
  const int64_t n = static_cast<int64_t>(c.rows.size());
  if (c.k < 2 || c.k > n - 1)
    throw Error(std::string(what) + ": " + std::to_string(c.k) + " cluster(s) among " +
                std::to_string(n) + " non-noise samples; expected 2 <= clusters <= samples - 1");
  return c;
}

Eigen::MatrixXd rows_of(const Eigen::MatrixXd& X, const std::vector<int64_t>& rows) {
  if (static_cast<Eigen::Index>(rows.size()) == X.rows()) return X;
  Eigen::MatrixXd out(rows.size(), X.cols());
  for (size_t i = 0; i < rows.size(); ++i) out.row(i) = X.row(rows[i]);
  return out;
}

Eigen::MatrixXd centroids(const Eigen::MatrixXd& Y, const Clustered& c) {
  Eigen::MatrixXd C = Eigen::MatrixXd::Zero(c.k, Y.cols());
  for (size_t i = 0; i < c.labels.size(); ++i) C.row(c.labels[i]) += Y.row(i);
  for (int64_t j = 0; j < c.k; ++j) C.row(j) /= static_cast<double>(c.sizes[j]);
  return C;
}

}  // namespace

Eigen::VectorXd silhouette_samples(const Eigen::MatrixXd& X, const std::vector<int64_t>& labels) {
  const Clustered c = prepare(X, labels, "silhouette");
  const Eigen::MatrixXd P = rows_of(X, c.rows).transpose();  // d x n, one sample per column
  const Eigen::VectorXd norms = P.colwise().squaredNorm().transpose();
  const int64_t n = P.cols(), k = c.k;
  // sums(i, l) = sum of distances from sample i to the members of cluster l. The distance matrix is
  // symmetric: only blocks J >= I are computed, each feeding the rows of I and of J.
  Eigen::MatrixXd sums = Eigen::MatrixXd::Zero(n, k);
  constexpr int64_t kBlock = 512;
  std::vector<double> acc(k);
  for (int64_t i0 = 0; i0 < n; i0 += kBlock) {
    const int64_t bi = std::min(kBlock, n - i0);
    for (int64_t j0 = i0; j0 < n; j0 += kBlock) {
      const int64_t bj = std::min(kBlock, n - j0);
      Eigen::MatrixXd D =
          clustering_detail::matmul(P.middleCols(i0, bi), true, P.middleCols(j0, bj), false);
      for (int64_t j = 0; j < bj; ++j) {
        double* col = D.col(j).data();
        const double nj = norms(j0 + j);
        for (int64_t i = 0; i < bi; ++i) {
          const double v = norms(i0 + i) + nj - 2.0 * col[i];
          col[i] = v > 0.0 ? std::sqrt(v) : 0.0;
        }
        if (i0 == j0) col[j] = 0.0;
      }
      for (int64_t j = 0; j < bj; ++j) sums.col(c.labels[j0 + j]).segment(i0, bi) += D.col(j);
      if (j0 == i0) continue;
      for (int64_t j = 0; j < bj; ++j) {
        std::fill(acc.begin(), acc.end(), 0.0);
        const double* col = D.col(j).data();
        for (int64_t i = 0; i < bi; ++i) acc[c.labels[i0 + i]] += col[i];
        for (int64_t l = 0; l < k; ++l) sums(j0 + j, l) += acc[l];
      }
    }
  }
  Eigen::VectorXd s(n);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t own = c.labels[i];
    if (c.sizes[own] <= 1) {
      s(i) = 0.0;
      continue;
    }
    const double a = sums(i, own) / static_cast<double>(c.sizes[own] - 1);
    double b = std::numeric_limits<double>::infinity();
    for (int64_t l = 0; l < k; ++l)
      if (l != own) b = std::min(b, sums(i, l) / static_cast<double>(c.sizes[l]));
    const double m = std::max(a, b);
    s(i) = m > 0.0 ? (b - a) / m : 0.0;
  }
  Eigen::VectorXd out =
      Eigen::VectorXd::Constant(X.rows(), std::numeric_limits<double>::quiet_NaN());
  for (int64_t i = 0; i < n; ++i) out(c.rows[i]) = s(i);
  return out;
}

double silhouette_score(const Eigen::MatrixXd& X, const std::vector<int64_t>& labels) {
  const Eigen::VectorXd s = silhouette_samples(X, labels);
  double total = 0.0;
  int64_t count = 0;
  for (Eigen::Index i = 0; i < s.size(); ++i)
    if (!std::isnan(s(i))) {
      total += s(i);
      ++count;
    }
  return total / static_cast<double>(count);
}

double calinski_harabasz_score(const Eigen::MatrixXd& X, const std::vector<int64_t>& labels) {
  const Clustered c = prepare(X, labels, "Calinski-Harabasz");
  const Eigen::MatrixXd Y = rows_of(X, c.rows);
  const int64_t n = Y.rows();
  const Eigen::RowVectorXd mean = Y.colwise().mean();
  const Eigen::MatrixXd C = centroids(Y, c);
  double between = 0.0, within = 0.0;
  for (int64_t j = 0; j < c.k; ++j)
    between += static_cast<double>(c.sizes[j]) * (C.row(j) - mean).squaredNorm();
  for (int64_t i = 0; i < n; ++i) within += (Y.row(i) - C.row(c.labels[i])).squaredNorm();
  if (within == 0.0) return 1.0;
  return between * static_cast<double>(n - c.k) / (within * static_cast<double>(c.k - 1));
}

double davies_bouldin_score(const Eigen::MatrixXd& X, const std::vector<int64_t>& labels) {
  const Clustered c = prepare(X, labels, "Davies-Bouldin");
  const Eigen::MatrixXd Y = rows_of(X, c.rows);
  const Eigen::MatrixXd C = centroids(Y, c);
  Eigen::VectorXd intra = Eigen::VectorXd::Zero(c.k);
  for (Eigen::Index i = 0; i < Y.rows(); ++i)
    intra(c.labels[i]) += (Y.row(i) - C.row(c.labels[i])).norm();
  for (int64_t j = 0; j < c.k; ++j) intra(j) /= static_cast<double>(c.sizes[j]);
  if (intra.isZero(0.0)) return 0.0;
  double total = 0.0;
  bool any = false;
  for (int64_t i = 0; i < c.k; ++i) {
    double worst = 0.0;
    for (int64_t j = 0; j < c.k; ++j) {
      if (i == j) continue;
      const double dist = (C.row(i) - C.row(j)).norm();
      if (dist == 0.0) continue;  // sklearn: coincident centroids count as infinitely far
      worst = std::max(worst, (intra(i) + intra(j)) / dist);
      any = true;
    }
    total += worst;
  }
  if (!any) return 0.0;
  return total / static_cast<double>(c.k);
}

double adjusted_rand_index(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  if (a.size() != b.size())
    throw Error("adjusted Rand index: labelings of different lengths (" + std::to_string(a.size()) +
                " and " + std::to_string(b.size()) + ")");
  if (a.empty()) throw Error("adjusted Rand index: empty labelings");
  std::map<std::pair<int64_t, int64_t>, int64_t> table;
  std::map<int64_t, int64_t> rows, cols;
  for (size_t i = 0; i < a.size(); ++i) {
    ++table[{a[i], b[i]}];
    ++rows[a[i]];
    ++cols[b[i]];
  }
  auto comb2 = [](int64_t x) { return 0.5 * static_cast<double>(x) * static_cast<double>(x - 1); };
  double index = 0.0, sum_a = 0.0, sum_b = 0.0;
  for (const auto& [key, v] : table) index += comb2(v);
  for (const auto& [key, v] : rows) sum_a += comb2(v);
  for (const auto& [key, v] : cols) sum_b += comb2(v);
  const double total = comb2(static_cast<int64_t>(a.size()));
  // Special cases as sklearn: identical trivial partitions.
  if (rows.size() == cols.size() &&
      (rows.size() == 1 || rows.size() == a.size() || (sum_a == 0.0 && sum_b == 0.0)))
    return 1.0;
  const double expected = total > 0.0 ? sum_a * sum_b / total : 0.0;
  const double max_index = 0.5 * (sum_a + sum_b);
  if (max_index == expected) return 1.0;
  return (index - expected) / (max_index - expected);
}

}  // namespace mutagen
