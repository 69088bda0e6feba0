// UMAP: options, fuzzy graph, a/b curve fit and the driver (see mutagen/clustering/umap.h).
#include "mutagen/clustering/umap.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <limits>
#include <string>

#include "mutagen/error.h"
#include "umap_internal.h"

namespace mutagen {
namespace umap_detail {
namespace {

constexpr double kSmoothKTolerance = 1e-5;
constexpr double kMinKDistScale = 1e-3;

// smooth_knn_dist with local_connectivity = 1, bandwidth = 1, 64 bisection steps.
void smooth_knn_dist(const knn_detail::NeighborTable& knn, std::vector<double>& rho,
                     std::vector<double>& sigma) {
  const int64_t n = knn.n, k = knn.k;
  const double target = std::log2(double(k));
  double mean_all = 0;
  for (double d : knn.distance) mean_all += d;
  mean_all /= double(knn.distance.size());
  rho.assign(size_t(n), 0.0);
  sigma.assign(size_t(n), 0.0);
  for (int64_t i = 0; i < n; ++i) {
    double lo = 0, hi = std::numeric_limits<double>::infinity(), mid = 1.0, row_mean = 0;
    double first_nonzero = 0;
    for (int64_t j = 0; j < k; ++j) {
      const double d = knn.dist(i, j);
      row_mean += d;
      if (d > 0 && first_nonzero == 0) first_nonzero = d;
    }
    row_mean /= double(k);
    rho[i] = first_nonzero;  // the nearest non-zero distance (0 when all are zero)
    for (int it = 0; it < 64; ++it) {
      double psum = 0;
      for (int64_t j = 1; j < k; ++j) {
        const double d = knn.dist(i, j) - rho[i];
        psum += d > 0 ? std::exp(-(d / mid)) : 1.0;
      }
      if (std::fabs(psum - target) < kSmoothKTolerance) break;
      if (psum > target) {
        hi = mid;
        mid = (lo + hi) / 2.0;
      } else {
        lo = mid;
        mid = std::isinf(hi) ? mid * 2 : (lo + hi) / 2.0;
      }
    }
    sigma[i] = mid;
    const double floor = kMinKDistScale * (rho[i] > 0 ? row_mean : mean_all);
    if (sigma[i] < floor) sigma[i] = floor;
  }
}

struct Entry {
  int32_t row, col;
  double value;
  bool operator<(const Entry& o) const { return row != o.row ? row < o.row : col < o.col; }
};

Graph from_sorted_entries(int64_t n, const std::vector<Entry>& e) {
  Graph g;
  g.n = n;
  g.row_ptr.assign(size_t(n + 1), 0);
  for (const Entry& x : e) {
    g.row_ptr[x.row + 1]++;
    g.col.push_back(x.col);
    g.weight.push_back(x.value);
  }
  for (int64_t i = 0; i < n; ++i) g.row_ptr[i + 1] += g.row_ptr[i];
  return g;
}

}  // namespace

Graph fuzzy_simplicial_set(const knn_detail::NeighborTable& knn) {
  std::vector<double> rho, sigma;
  smooth_knn_dist(knn, rho, sigma);
  // Directed memberships P(i, j); entries for P^T carry a negative marker through `value`'s sign.
  std::vector<Entry> e;
  e.reserve(size_t(2 * knn.n * knn.k));
  for (int64_t i = 0; i < knn.n; ++i) {
    for (int64_t j = 0; j < knn.k; ++j) {
      const int32_t t = knn.idx(i, j);
      if (t == i) continue;
      const double d = knn.dist(i, j) - rho[i];
      const double v = (d <= 0 || sigma[i] == 0) ? 1.0 : std::exp(-(d / sigma[i]));
      if (v <= 0) continue;
      e.push_back({int32_t(i), t, v});
      e.push_back({t, int32_t(i), -v});
    }
  }
  std::sort(e.begin(), e.end());
  // Combine P(i,j) (positive) and P(j,i) (negative marker) into p + q - p q.
  std::vector<Entry> out;
  out.reserve(e.size());
  for (size_t s = 0; s < e.size();) {
    size_t t = s;
    double p = 0, q = 0;
    while (t < e.size() && e[t].row == e[s].row && e[t].col == e[s].col) {
      if (e[t].value > 0)
        p = e[t].value;
      else
        q = -e[t].value;
      ++t;
    }
    const double v = p + q - p * q;
    if (v > 0) out.push_back({e[s].row, e[s].col, v});
    s = t;
  }
  return from_sorted_entries(knn.n, out);
}

Graph prune_graph(const Graph& g, int64_t n_epochs) {
  double wmax = 0;
  for (double w : g.weight) wmax = std::max(wmax, w);
  const double cut = wmax / double(n_epochs);
  std::vector<Entry> e;
  for (int64_t i = 0; i < g.n; ++i)
    for (int64_t p = g.row_ptr[i]; p < g.row_ptr[i + 1]; ++p)
      if (g.weight[p] >= cut) e.push_back({int32_t(i), g.col[p], g.weight[p]});
  return from_sorted_entries(g.n, e);
}

}  // namespace umap_detail

UmapCurve umap_find_ab(double spread, double min_dist) {
  if (!(spread > 0) || !(min_dist >= 0) || !std::isfinite(spread) || !std::isfinite(min_dist))
    throw Error("UMAP: spread must be > 0 and min_dist >= 0 (got spread " + std::to_string(spread) +
                ", min_dist " + std::to_string(min_dist) + ")");
  // Target curve sampled as umap-learn's find_ab_params: 300 points on [0, 3 spread].
  const int m = 300;
  std::vector<double> x(m), y(m);
  for (int i = 0; i < m; ++i) {
    x[i] = 3.0 * spread * i / (m - 1);
    y[i] = x[i] < min_dist ? 1.0 : std::exp(-(x[i] - min_dist) / spread);
  }
  // Levenberg-Marquardt on f(x) = 1 / (1 + a x^(2b)) from (1, 1), like scipy's curve_fit.
  auto sse = [&](double a, double b) {
    double s = 0;
    for (int i = 0; i < m; ++i) {
      const double r = 1.0 / (1.0 + a * std::pow(x[i], 2 * b)) - y[i];
      s += r * r;
    }
    return s;
  };
  double a = 1, b = 1, lambda = 1e-3, cur = sse(a, b);
  for (int it = 0; it < 500; ++it) {
    Eigen::Matrix2d JtJ = Eigen::Matrix2d::Zero();
    Eigen::Vector2d Jtr = Eigen::Vector2d::Zero();
    for (int i = 0; i < m; ++i) {
      if (x[i] <= 0) continue;  // f(0) = 1 for every (a, b): no gradient
      const double p = std::pow(x[i], 2 * b), den = 1 + a * p;
      const double f = 1.0 / den, r = f - y[i];
      const Eigen::Vector2d J(-p / (den * den), -a * p * 2 * std::log(x[i]) / (den * den));
      JtJ += J * J.transpose();
      Jtr += J * r;
    }
    Eigen::Matrix2d A = JtJ;
    A.diagonal() *= (1 + lambda);
    const Eigen::Vector2d step = A.ldlt().solve(-Jtr);
    const double na = a + step[0], nb = b + step[1];
    const double next = (na > 0 && nb > 0) ? sse(na, nb) : std::numeric_limits<double>::infinity();
    if (next < cur) {
      const bool done = cur - next < 1e-15 * std::max(1.0, cur) && step.norm() < 1e-10;
      a = na;
      b = nb;
      cur = next;
      lambda = std::max(lambda / 10, 1e-12);
      if (done) break;
    } else {
      lambda *= 10;
      if (lambda > 1e12) break;
    }
  }
  return {a, b};
}

Eigen::MatrixXd umap_embed(const Eigen::MatrixXd& X, const UmapOptions& o) {
  std::shared_ptr<const umap_detail::Graph> graph;
  return umap_detail::umap_embed_sharing(X, o, graph);
}

Eigen::MatrixXd umap_detail::umap_embed_sharing(const Eigen::MatrixXd& X, const UmapOptions& o,
                                                std::shared_ptr<const Graph>& shared) {
  using namespace umap_detail;
  knn_detail::check_matrix(X, "UMAP");
  const int64_t n = X.rows();
  if (o.n_neighbors() < 2)
    throw Error("UMAP: n_neighbors must be >= 2 (got " + std::to_string(o.n_neighbors()) + ")");
  if (n < o.n_neighbors())
    throw Error("UMAP: " + std::to_string(n) +
                " samples are fewer than n_neighbors = " + std::to_string(o.n_neighbors()));
  if (o.n_components() < 1 || o.n_components() > n - 2)
    throw Error("UMAP: n_components must be in [1, samples - 2] (got " +
                std::to_string(o.n_components()) + " for " + std::to_string(n) + " samples)");
  if (o.n_epochs() < 0)
    throw Error("UMAP: n_epochs must be >= 0 (0 = auto), got " + std::to_string(o.n_epochs()));
  if (o.init() != "spectral" && o.init() != "random")
    throw Error("UMAP: init must be \"spectral\" or \"random\" (got \"" + o.init() + "\")");
  const UmapCurve ab = umap_find_ab(o.spread(), o.min_dist());
  const int threads = std::max(1, o.threads());
  const int64_t n_epochs = o.n_epochs() > 0 ? o.n_epochs() : (n <= 10000 ? 500 : 200);
  const int64_t dim = o.n_components();

  auto t0 = std::chrono::steady_clock::now();
  std::clock_t c0 = std::clock();
  auto lap = [&t0, &c0](const char* what) {
    const auto t = std::chrono::steady_clock::now();
    const std::clock_t c = std::clock();
    spdlog::debug("UMAP {}: {:.3f} s (cpu {:.3f} s)", what,
                  std::chrono::duration<double>(t - t0).count(), double(c - c0) / CLOCKS_PER_SEC);
    t0 = t;
    c0 = c;
  };
  const RowMatrixXd Xr = X;
  if (!shared) {
    const knn_detail::NeighborTable knn =
        knn_detail::nearest_neighbors(Xr, o.n_neighbors(), threads);
    lap("nearest neighbours");
    shared = std::make_shared<const Graph>(prune_graph(fuzzy_simplicial_set(knn), n_epochs));
    lap("fuzzy graph");
  }
  if (shared->n != n)
    throw Error("UMAP: the shared neighbour graph has " + std::to_string(shared->n) +
                " vertices for " + std::to_string(n) + " samples (internal error)");
  const Graph& graph = *shared;

  Rng rng(derive_seed(o.seed(), 0x756d6170));  // "umap"
  RowMatrixXd emb;
  if (o.init() == "spectral") {
    emb = spectral_layout(graph, Xr, dim, rng);
    if (emb.size() == 0) spdlog::warn("UMAP: spectral initialisation failed; using random init");
  }
  if (emb.size() == 0) {
    emb.resize(n, dim);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t c = 0; c < dim; ++c) emb(i, c) = -10.0 + 20.0 * rng.uniform();
  } else {
    // noisy_scale_coords: largest |coordinate| 10, plus N(0, 1e-4) noise.
    const double m = emb.cwiseAbs().maxCoeff();
    emb *= m > 0 ? 10.0 / m : 1.0;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t c = 0; c < dim; ++c) emb(i, c) += 1e-4 * rng.normal();
  }
  lap("initialisation");
  // Every column to [0, 10] before the optimisation, as umap-learn.
  for (int64_t c = 0; c < dim; ++c) {
    const double lo = emb.col(c).minCoeff(), hi = emb.col(c).maxCoeff();
    const double s = hi > lo ? 10.0 / (hi - lo) : 1.0;
    emb.col(c) = ((emb.col(c).array() - lo) * s).matrix();
  }
  optimize_layout(emb, graph, ab.a, ab.b, n_epochs, derive_seed(o.seed(), 0x736764), threads);
  lap("optimisation");
  return emb;
}

}  // namespace mutagen
