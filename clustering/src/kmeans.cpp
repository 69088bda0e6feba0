#include "mutagen/clustering/kmeans.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "linalg.h"
#include "mutagen/error.h"
#include "mutagen/random.h"

namespace mutagen {
namespace {

using clustering_detail::sq_distances_to;

// Greedy k-means++ (Arthur & Vassilvitskii; sklearn's variant with local trials).
Eigen::MatrixXd kmeans_plus_plus(const Eigen::MatrixXd& X, const Eigen::VectorXd& norms, int64_t k,
                                 Rng& rng) {
  const int64_t n = X.rows();
  const int64_t trials = 2 + static_cast<int64_t>(std::log(static_cast<double>(k)));
  Eigen::MatrixXd centers(k, X.cols());
  int64_t first = static_cast<int64_t>(rng.below(static_cast<uint64_t>(n)));
  centers.row(0) = X.row(first);
  Eigen::VectorXd closest = sq_distances_to(X, norms, X.row(first)).col(0);
  double pot = closest.sum();
  std::vector<double> cum(n);
  for (int64_t c = 1; c < k; ++c) {
    if (!(pot > 0.0))  // every sample coincides with a chosen centre
      throw Error("KMeans: the data has only " + std::to_string(c) +
                  " distinct sample(s); cannot form k = " + std::to_string(k) + " clusters");
    double acc = 0.0;
    for (int64_t i = 0; i < n; ++i) cum[i] = (acc += closest(i));
    Eigen::MatrixXd cand(trials, X.cols());
    std::vector<int64_t> ids(trials);
    for (int64_t t = 0; t < trials; ++t) {
      const double r = rng.uniform() * pot;
      int64_t id = std::upper_bound(cum.begin(), cum.end(), r) - cum.begin();
      ids[t] = std::min(id, n - 1);
      cand.row(t) = X.row(ids[t]);
    }
    const Eigen::MatrixXd dc = sq_distances_to(X, norms, cand);  // n x trials
    int64_t best = 0;
    double best_pot = std::numeric_limits<double>::infinity();
    for (int64_t t = 0; t < trials; ++t) {
      const double p = dc.col(t).cwiseMin(closest).sum();
      if (p < best_pot) {
        best_pot = p;
        best = t;
      }
    }
    closest = closest.cwiseMin(dc.col(best));
    pot = best_pot;
    centers.row(c) = cand.row(best);
  }
  return centers;
}

// Assigns labels; returns inertia.
double assign(const Eigen::MatrixXd& X, const Eigen::VectorXd& norms,
              const Eigen::MatrixXd& centers, std::vector<int64_t>& labels, Eigen::VectorXd& dist) {
  const Eigen::MatrixXd D = sq_distances_to(X, norms, centers);
  double inertia = 0.0;
  for (Eigen::Index i = 0; i < D.rows(); ++i) {
    Eigen::Index arg = 0;
    dist(i) = D.row(i).minCoeff(&arg);
    labels[i] = arg;
    inertia += dist(i);
  }
  return inertia;
}

KMeansResult lloyd(const Eigen::MatrixXd& X, const Eigen::VectorXd& norms, Eigen::MatrixXd centers,
                   int64_t max_iter, double tol_abs) {
  const int64_t n = X.rows(), k = centers.rows();
  KMeansResult r;
  r.labels.assign(n, 0);
  Eigen::VectorXd dist(n);
  std::vector<int64_t> previous;
  for (int64_t it = 0; it < max_iter; ++it) {
    assign(X, norms, centers, r.labels, dist);
    r.iterations = it + 1;
    // New centres; empty clusters take the farthest samples.
    Eigen::MatrixXd sums = Eigen::MatrixXd::Zero(k, X.cols());
    std::vector<int64_t> counts(k, 0);
    for (int64_t i = 0; i < n; ++i) {
      sums.row(r.labels[i]) += X.row(i);
      ++counts[r.labels[i]];
    }
    std::vector<int64_t> empty;
    for (int64_t c = 0; c < k; ++c)
      if (counts[c] == 0) empty.push_back(c);
    if (!empty.empty()) {
      std::vector<int64_t> order(n);
      for (int64_t i = 0; i < n; ++i) order[i] = i;
      std::stable_sort(order.begin(), order.end(),
                       [&](int64_t a, int64_t b) { return dist(a) > dist(b); });
      for (size_t e = 0; e < empty.size() && e < order.size(); ++e) {
        const int64_t i = order[e], from = r.labels[i];
        if (counts[from] <= 1) continue;
        sums.row(from) -= X.row(i);
        --counts[from];
        sums.row(empty[e]) = X.row(i);
        counts[empty[e]] = 1;
        r.labels[i] = empty[e];
      }
    }
    Eigen::MatrixXd next = centers;
    for (int64_t c = 0; c < k; ++c)
      if (counts[c] > 0) next.row(c) = sums.row(c) / static_cast<double>(counts[c]);
    const double shift = (next - centers).squaredNorm();
    centers = std::move(next);
    if (previous == r.labels) break;  // strict convergence
    if (shift <= tol_abs) break;
    previous = r.labels;
  }
  // Final assignment consistent with the final centres.
  r.inertia = assign(X, norms, centers, r.labels, dist);
  r.centers = std::move(centers);
  return r;
}

}  // namespace

KMeansResult kmeans(const Eigen::MatrixXd& X, const KMeansOptions& o) {
  clustering_detail::check_finite(X, "KMeans");
  const int64_t n = X.rows();
  if (o.k() < 1 || o.k() > n)
    throw Error("KMeans: k = " + std::to_string(o.k()) + " clusters for " + std::to_string(n) +
                " samples; expected 1 <= k <= samples");
  if (o.n_init() < 1) throw Error("KMeans: n_init must be >= 1, got " + std::to_string(o.n_init()));
  if (o.max_iter() < 1)
    throw Error("KMeans: max_iter must be >= 1, got " + std::to_string(o.max_iter()));
  if (!(o.tol() >= 0.0)) throw Error("KMeans: tol must be >= 0");
  const Eigen::VectorXd norms = X.rowwise().squaredNorm();
  const Eigen::RowVectorXd mean = X.colwise().mean();
  const double mean_var =
      (X.rowwise() - mean).colwise().squaredNorm().mean() / static_cast<double>(n);
  const double tol_abs = o.tol() * mean_var;
  Rng rng(o.seed());
  KMeansResult best;
  best.inertia = std::numeric_limits<double>::infinity();
  for (int64_t run = 0; run < o.n_init(); ++run) {
    Eigen::MatrixXd init = kmeans_plus_plus(X, norms, o.k(), rng);
    KMeansResult r = lloyd(X, norms, std::move(init), o.max_iter(), tol_abs);
    if (r.inertia < best.inertia) best = std::move(r);
  }
  return best;
}

}  // namespace mutagen
