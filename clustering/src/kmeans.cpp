#include "mutagen/clustering/kmeans.h"

#include <algorithm>
#include <cmath>
#include <cstring>
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

typedef double v2d __attribute__((vector_size(16)));

inline v2d load2(const double* p) {
  v2d v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// dots[c] = x . C.col(c) for every centre, four centres per pass over x: four independent sums
// keep the adder busy where one dot product at a time waits on its own sum (PCA's 150-220
// features: assignment about twice as fast).
void sample_dots(const double* x, const Eigen::MatrixXd& C, double* dots) {
  const int64_t d = C.rows(), k = C.cols(), d2 = d & ~int64_t(1);
  int64_t c = 0;
  for (; c + 4 <= k; c += 4) {
    const double *c0 = C.col(c).data(), *c1 = C.col(c + 1).data(), *c2 = C.col(c + 2).data(),
                 *c3 = C.col(c + 3).data();
    v2d a0 = {0, 0}, a1 = {0, 0}, a2 = {0, 0}, a3 = {0, 0};
    for (int64_t j = 0; j < d2; j += 2) {
      const v2d xv = load2(x + j);
      a0 += xv * load2(c0 + j);
      a1 += xv * load2(c1 + j);
      a2 += xv * load2(c2 + j);
      a3 += xv * load2(c3 + j);
    }
    double s0 = a0[0] + a0[1], s1 = a1[0] + a1[1], s2 = a2[0] + a2[1], s3 = a3[0] + a3[1];
    if (d2 < d) {
      s0 += x[d2] * c0[d2];
      s1 += x[d2] * c1[d2];
      s2 += x[d2] * c2[d2];
      s3 += x[d2] * c3[d2];
    }
    dots[c] = s0;
    dots[c + 1] = s1;
    dots[c + 2] = s2;
    dots[c + 3] = s3;
  }
  for (; c < k; ++c) {
    const double* cc = C.col(c).data();
    v2d a0 = {0, 0}, a1 = {0, 0};
    int64_t j = 0;
    for (; j + 4 <= d2; j += 4) {
      a0 += load2(x + j) * load2(cc + j);
      a1 += load2(x + j + 2) * load2(cc + j + 2);
    }
    if (j < d2) a0 += load2(x + j) * load2(cc + j);
    const v2d a = a0 + a1;
    double s = a[0] + a[1];
    if (d2 < d) s += x[d2] * cc[d2];
    dots[c] = s;
  }
}

// One pass over the samples (P: d x n, a sample per column; C: d x k, a centre per column): nearest
// centre per sample (labels, squared distance in dist) and, when sums/counts are given, the
// per-centre sums of the assigned samples. Returns the inertia. Fusing assignment and update reads
// the data once.
double assign(const Eigen::MatrixXd& P, const Eigen::VectorXd& norms, const Eigen::MatrixXd& C,
              std::vector<int64_t>& labels, Eigen::VectorXd& dist, Eigen::MatrixXd* sums,
              std::vector<int64_t>* counts) {
  const int64_t n = P.cols(), k = C.cols();
  const Eigen::VectorXd cn = C.colwise().squaredNorm().transpose();
  if (sums) {
    sums->setZero(P.rows(), k);
    counts->assign(k, 0);
  }
  double inertia = 0.0;
  std::vector<double> dots(static_cast<size_t>(k));
  for (int64_t i = 0; i < n; ++i) {
    const auto x = P.col(i);
    sample_dots(x.data(), C, dots.data());
    int64_t best = 0;
    double best_d = std::numeric_limits<double>::infinity();
    for (int64_t c = 0; c < k; ++c) {
      const double d = norms(i) - 2.0 * dots[c] + cn(c);
      if (d < best_d) {
        best_d = d;
        best = c;
      }
    }
    best_d = std::max(best_d, 0.0);
    labels[i] = best;
    dist(i) = best_d;
    inertia += best_d;
    if (sums) {
      sums->col(best) += x;
      ++(*counts)[best];
    }
  }
  return inertia;
}

// Lloyd iterations from `centers` (k x d); P = X^T.
KMeansResult lloyd(const Eigen::MatrixXd& P, const Eigen::VectorXd& norms,
                   const Eigen::MatrixXd& centers, int64_t max_iter, double tol_abs) {
  const int64_t n = P.cols(), k = centers.rows();
  Eigen::MatrixXd C = centers.transpose();  // d x k
  KMeansResult r;
  r.labels.assign(n, 0);
  Eigen::VectorXd dist(n);
  std::vector<int64_t> previous, counts;
  Eigen::MatrixXd sums;
  for (int64_t it = 0; it < max_iter; ++it) {
    assign(P, norms, C, r.labels, dist, &sums, &counts);
    r.iterations = it + 1;
    // Empty clusters take the samples farthest from their centres (sklearn's relocation).
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
        sums.col(from) -= P.col(i);
        --counts[from];
        sums.col(empty[e]) = P.col(i);
        counts[empty[e]] = 1;
        r.labels[i] = empty[e];
      }
    }
    Eigen::MatrixXd next = C;
    for (int64_t c = 0; c < k; ++c)
      if (counts[c] > 0) next.col(c) = sums.col(c) / static_cast<double>(counts[c]);
    const double shift = (next - C).squaredNorm();
    C = std::move(next);
    if (previous == r.labels) break;  // strict convergence
    if (shift <= tol_abs) break;
    previous = r.labels;
  }
  // Final assignment consistent with the final centres.
  r.inertia = assign(P, norms, C, r.labels, dist, nullptr, nullptr);
  r.centers = C.transpose();
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
  const Eigen::MatrixXd P = X.transpose();  // a sample per column: contiguous in the Lloyd passes
  const Eigen::RowVectorXd mean = X.colwise().mean();
  const double mean_var =
      (X.rowwise() - mean).colwise().squaredNorm().mean() / static_cast<double>(n);
  const double tol_abs = o.tol() * mean_var;
  Rng rng(o.seed());
  KMeansResult best;
  best.inertia = std::numeric_limits<double>::infinity();
  for (int64_t run = 0; run < o.n_init(); ++run) {
    Eigen::MatrixXd init = kmeans_plus_plus(X, norms, o.k(), rng);
    KMeansResult r = lloyd(P, norms, init, o.max_iter(), tol_abs);
    if (r.inertia < best.inertia) best = std::move(r);
  }
  return best;
}

}  // namespace mutagen
