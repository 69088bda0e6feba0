#include "mutagen/clustering/kmeans.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "linalg.h"
#include "mutagen/error.h"
#include "mutagen/random.h"
#include "simd.h"

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

// The centres (C: d x k, a centre per column) in lanes of four for sample_dots: groups of four
// whole centres as [group][feature][lane], then the k % 4 others as [feature][lane], zero-padded.
struct CentreLanes {
  int64_t d = 0, k = 0, groups = 0, left = 0;
  std::vector<double> lanes;
  explicit CentreLanes(const Eigen::MatrixXd& C)
      : d(C.rows()), k(C.cols()), groups(k / 4), left(k % 4) {
    lanes.assign(size_t((groups + (left ? 1 : 0)) * d * 4), 0.0);
    for (int64_t c = 0; c < k; ++c)
      for (int64_t j = 0; j < d; ++j) lanes[size_t(((c / 4) * d + j) * 4 + c % 4)] = C(j, c);
  }
  const double* group(int64_t g) const { return lanes.data() + g * d * 4; }
  // Room for sample_dots' output (padded to whole groups).
  int64_t padded() const { return 4 * (groups + (left ? 1 : 0)); }
};

// dots[c] = x . centre c, four centres per vector. The sums run in the order of the loops this
// replaced, so the labels are the same to the bit: a group of four whole centres adds even and
// odd features apart, (even) + (odd); the other centres by feature mod 4, (0 + 2) + (1 + 3); an
// odd last feature is added at the end.
MUTAGEN_ALWAYS_INLINE void sample_dots_steps(const double* x, const CentreLanes& L, double* dots) {
  using namespace simd;
  const int64_t d = L.d, d2 = d & ~int64_t(1);
  const v4d zero = broadcast(0.0);
  for (int64_t g = 0; g < L.groups; ++g) {
    const double* c = L.group(g);
    v4d even = zero, odd = zero;
    for (int64_t j = 0; j < d2; j += 2) {
      even += broadcast(x[j]) * load(c + 4 * j);
      odd += broadcast(x[j + 1]) * load(c + 4 * (j + 1));
    }
    v4d sum = even + odd;
    if (d2 < d) sum += broadcast(x[d2]) * load(c + 4 * d2);
    store(dots + 4 * g, sum);
  }
  if (L.left == 0) return;
  const double* c = L.group(L.groups);
  v4d a0 = zero, a1 = zero, a2 = zero, a3 = zero;
  int64_t j = 0;
  for (; j + 4 <= d2; j += 4) {
    a0 += broadcast(x[j]) * load(c + 4 * j);
    a1 += broadcast(x[j + 1]) * load(c + 4 * (j + 1));
    a2 += broadcast(x[j + 2]) * load(c + 4 * (j + 2));
    a3 += broadcast(x[j + 3]) * load(c + 4 * (j + 3));
  }
  if (j < d2) {
    a0 += broadcast(x[j]) * load(c + 4 * j);
    a1 += broadcast(x[j + 1]) * load(c + 4 * (j + 1));
  }
  v4d sum = (a0 + a2) + (a1 + a3);
  if (d2 < d) sum += broadcast(x[d2]) * load(c + 4 * d2);
  store(dots + 4 * L.groups, sum);
}

MUTAGEN_SIMD_DISPATCH(void, sample_dots, (const double* x, const CentreLanes& L, double* dots),
                      (x, L, dots))

// Hamerly's bounds on the distances of each sample, which let a Lloyd pass skip the samples that
// cannot change centre. `upper` bounds the distance to the assigned centre from above, `lower` the
// distance to every other centre from below. A sample is skipped only when the gap exceeds
// `margin`, far above the rounding of the squared-distance expression below (~1e-8 of |x| + |c|),
// so the skipped samples are exactly those whose label that expression would keep: the labels and
// centres are the same to the bit as with every distance computed.
struct Bounds {
  bool valid = false;
  Eigen::VectorXd upper, lower, margin;
};

// One pass over the samples (P: d x n, a sample per column; C: d x k, a centre per column): nearest
// centre per sample (labels, squared distance in dist) and, when sums/counts are given, the
// per-centre sums of the assigned samples. Returns the inertia. Fusing assignment and update reads
// the data once. With valid `bounds`, samples they prove unchanged keep their label (their dist is
// then not updated); the bounds are renewed for the others.
double assign(const Eigen::MatrixXd& P, const Eigen::VectorXd& norms, const Eigen::MatrixXd& C,
              std::vector<int64_t>& labels, Eigen::VectorXd& dist, Eigen::MatrixXd* sums,
              std::vector<int64_t>* counts, Bounds* bounds = nullptr) {
  const int64_t n = P.cols(), k = C.cols();
  const Eigen::VectorXd cn = C.colwise().squaredNorm().transpose();
  if (sums) {
    sums->setZero(P.rows(), k);
    counts->assign(k, 0);
  }
  const bool skipping = bounds && bounds->valid;
  if (bounds && !bounds->valid) {
    bounds->upper.resize(n);
    bounds->lower.resize(n);
    bounds->margin.resize(n);
    // Centres are means of samples (or samples): no longer than the longest sample.
    const double cmax = std::sqrt(norms.maxCoeff());
    for (int64_t i = 0; i < n; ++i) bounds->margin(i) = 1e-6 * (std::sqrt(norms(i)) + cmax);
  }
  double inertia = 0.0;
  const CentreLanes lanes(C);
  std::vector<double> dots(static_cast<size_t>(lanes.padded()));
  for (int64_t i = 0; i < n; ++i) {
    const auto x = P.col(i);
    int64_t best = labels[i];
    if (!skipping || !(bounds->upper(i) + bounds->margin(i) < bounds->lower(i))) {
      sample_dots(x.data(), lanes, dots.data());
      best = 0;
      double best_d = std::numeric_limits<double>::infinity();
      double second = std::numeric_limits<double>::infinity();
      for (int64_t c = 0; c < k; ++c) {
        const double d = norms(i) - 2.0 * dots[c] + cn(c);
        if (d < best_d) {
          second = best_d;
          best_d = d;
          best = c;
        } else if (d < second) {
          second = d;
        }
      }
      best_d = std::max(best_d, 0.0);
      dist(i) = best_d;
      inertia += best_d;
      if (bounds) {
        bounds->upper(i) = std::sqrt(best_d);
        bounds->lower(i) = std::sqrt(std::max(second, 0.0));
      }
    }
    labels[i] = best;
    if (sums) {
      sums->col(best) += x;
      ++(*counts)[best];
    }
  }
  if (bounds) bounds->valid = true;
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
  Bounds bounds;
  for (int64_t it = 0; it < max_iter; ++it) {
    assign(P, norms, C, r.labels, dist, &sums, &counts, &bounds);
    r.iterations = it + 1;
    // Empty clusters take the samples farthest from their centres (sklearn's relocation).
    std::vector<int64_t> empty;
    for (int64_t c = 0; c < k; ++c)
      if (counts[c] == 0) empty.push_back(c);
    if (!empty.empty()) {
      // Every sample's distance, as a pass without bounds (the same labels and sums).
      bounds.valid = false;
      assign(P, norms, C, r.labels, dist, &sums, &counts);
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
    if (bounds.valid) {
      // The centres' moves loosen the bounds: the assigned centre moved by at most move(a), every
      // other one by at most the largest move among them.
      Eigen::VectorXd move(k);
      for (int64_t c = 0; c < k; ++c) move(c) = (next.col(c) - C.col(c)).norm();
      int64_t top = 0;
      for (int64_t c = 1; c < k; ++c)
        if (move(c) > move(top)) top = c;
      double second = 0.0;
      for (int64_t c = 0; c < k; ++c)
        if (c != top) second = std::max(second, move(c));
      for (int64_t i = 0; i < n; ++i) {
        const int64_t a = r.labels[i];
        bounds.upper(i) += move(a);
        bounds.lower(i) -= a == top ? second : move(top);
      }
    }
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
