// UMAP's spectral initialisation (umap-learn spectral_layout / multi_component_layout).
#include <spdlog/spdlog.h>

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "umap_internal.h"

namespace mutagen::umap_detail {
namespace {

// A connected component as its own CSR graph.
struct Component {
  std::vector<int64_t> members;  // global indices, increasing
  Graph g;
};

std::vector<Component> components(const Graph& g) {
  std::vector<int64_t> label(size_t(g.n), -1);
  int64_t count = 0;
  std::vector<int64_t> stack;
  for (int64_t s = 0; s < g.n; ++s) {
    if (label[s] >= 0) continue;
    label[s] = count;
    stack.push_back(s);
    while (!stack.empty()) {
      const int64_t v = stack.back();
      stack.pop_back();
      for (int64_t p = g.row_ptr[v]; p < g.row_ptr[v + 1]; ++p)
        if (label[g.col[p]] < 0) {
          label[g.col[p]] = count;
          stack.push_back(g.col[p]);
        }
    }
    ++count;
  }
  std::vector<Component> out(static_cast<size_t>(count));
  std::vector<int64_t> local(size_t(g.n));
  for (int64_t v = 0; v < g.n; ++v) {
    local[v] = int64_t(out[label[v]].members.size());
    out[label[v]].members.push_back(v);
  }
  for (Component& c : out) {
    c.g.n = int64_t(c.members.size());
    c.g.row_ptr.assign(size_t(c.g.n + 1), 0);
    for (int64_t i = 0; i < c.g.n; ++i) {
      const int64_t v = c.members[i];
      for (int64_t p = g.row_ptr[v]; p < g.row_ptr[v + 1]; ++p) {
        c.g.col.push_back(int32_t(local[g.col[p]]));
        c.g.weight.push_back(g.weight[p]);
      }
      c.g.row_ptr[i + 1] = int64_t(c.g.col.size());
    }
  }
  return out;
}

// Makes the sign of each column deterministic: its largest-magnitude entry is positive.
void fix_signs(Eigen::MatrixXd& V) {
  for (Eigen::Index c = 0; c < V.cols(); ++c) {
    Eigen::Index r;
    V.col(c).cwiseAbs().maxCoeff(&r);
    if (V(r, c) < 0) V.col(c) *= -1;
  }
}

// Eigenvectors of M = D^-1/2 A D^-1/2 for its eigenvalues 2..dim+1 (largest first), i.e. the
// normalised Laplacian's smallest non-trivial ones. Dense for small graphs, Lanczos with full
// reorthogonalisation (trivial eigenvector deflated) otherwise. Returns false when it does not
// converge.
bool laplacian_eigenvectors(const Graph& g, int64_t dim, Rng& rng, Eigen::MatrixXd& out) {
  const int64_t n = g.n;
  Eigen::VectorXd dinv(n), u(n);
  for (int64_t i = 0; i < n; ++i) {
    double deg = 0;
    for (int64_t p = g.row_ptr[i]; p < g.row_ptr[i + 1]; ++p) deg += g.weight[p];
    if (!(deg > 0)) return false;
    dinv[i] = 1.0 / std::sqrt(deg);
    u[i] = std::sqrt(deg);
  }
  u.normalize();
  if (n <= 400) {
    Eigen::MatrixXd M = Eigen::MatrixXd::Zero(n, n);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t p = g.row_ptr[i]; p < g.row_ptr[i + 1]; ++p)
        M(i, g.col[p]) = dinv[i] * g.weight[p] * dinv[g.col[p]];
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(M);
    if (es.info() != Eigen::Success) return false;
    out.resize(n, dim);
    for (int64_t c = 0; c < dim; ++c) out.col(c) = es.eigenvectors().col(n - 2 - c);
    fix_signs(out);
    return true;
  }
  auto apply = [&](const Eigen::VectorXd& x, Eigen::VectorXd& y) {
    for (int64_t i = 0; i < n; ++i) {
      double s = 0;
      for (int64_t p = g.row_ptr[i]; p < g.row_ptr[i + 1]; ++p)
        s += g.weight[p] * dinv[g.col[p]] * x[g.col[p]];
      y[i] = dinv[i] * s;
    }
  };
  // Krylov space bounded by n and by memory (~256 MB of basis vectors).
  const int64_t mmax = std::min<int64_t>(
      {n - 1, 600, std::max<int64_t>(4 * dim + 20, (int64_t(1) << 25) / std::max<int64_t>(1, n))});
  Eigen::MatrixXd Q(n, mmax);
  std::vector<double> alpha, beta;
  Eigen::VectorXd v(n), w(n);
  for (int64_t i = 0; i < n; ++i) v[i] = rng.normal();
  v -= u.dot(v) * u;
  v.normalize();
  Eigen::MatrixXd ritz;
  Eigen::VectorXd residual;
  bool converged = false;
  int64_t m = 0;
  for (int64_t j = 0; j < mmax; ++j) {
    Q.col(j) = v;
    m = j + 1;
    apply(v, w);
    if (j > 0) w -= beta[j - 1] * Q.col(j - 1);
    alpha.push_back(v.dot(w));
    w -= alpha[j] * v;
    for (int pass = 0; pass < 2; ++pass) {  // full reorthogonalisation, twice is enough
      w.noalias() -= Q.leftCols(m) * (Q.leftCols(m).transpose() * w);
      w -= u.dot(w) * u;
    }
    const double bj = w.norm();
    beta.push_back(bj);
    const bool breakdown = bj < 1e-10;
    if (m >= dim + 2 && (m % 8 == 0 || breakdown || m == mmax)) {
      Eigen::VectorXd diag = Eigen::Map<Eigen::VectorXd>(alpha.data(), m);
      Eigen::VectorXd sub = Eigen::Map<Eigen::VectorXd>(beta.data(), m - 1);
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es;
      es.computeFromTridiagonal(diag, sub, Eigen::ComputeEigenvectors);
      if (es.info() != Eigen::Success) return false;
      ritz.resize(m, dim);
      residual.resize(dim);
      for (int64_t c = 0; c < dim; ++c) {
        ritz.col(c) = es.eigenvectors().col(m - 1 - c);
        residual[c] = std::fabs(bj * ritz(m - 1, c));
      }
      if (residual.maxCoeff() < 1e-6) {
        converged = true;
        break;
      }
    }
    if (breakdown) break;
    v = w / bj;
  }
  if (ritz.size() == 0) return false;
  if (!converged) {
    spdlog::debug("UMAP spectral: Lanczos stopped at {} vectors, residual {}", m,
                  residual.maxCoeff());
    if (residual.maxCoeff() > 1e-3) return false;
  }
  out = Q.leftCols(m) * ritz;
  fix_signs(out);
  return true;
}

// Positions of the component centres (umap-learn: unit vectors +-e_i for up to 2 dim components;
// beyond that, here, PCA of the component centroids in data space, scaled to a largest |value| 1).
Eigen::MatrixXd meta_embedding(const std::vector<Component>& comps, const RowMatrixXd& X,
                               int64_t dim) {
  const int64_t nc = int64_t(comps.size());
  Eigen::MatrixXd meta = Eigen::MatrixXd::Zero(nc, dim);
  if (nc <= 2 * dim) {
    const int64_t k = (nc + 1) / 2;
    for (int64_t c = 0; c < nc; ++c) meta(c, c % k) = c < k ? 1.0 : -1.0;
    return meta;
  }
  Eigen::MatrixXd centroids(nc, X.cols());
  for (int64_t c = 0; c < nc; ++c) {
    centroids.row(c).setZero();
    for (int64_t v : comps[c].members) centroids.row(c) += X.row(v);
    centroids.row(c) /= double(comps[c].members.size());
  }
  const Eigen::MatrixXd centred = centroids.rowwise() - centroids.colwise().mean();
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(centred * centred.transpose());
  const int64_t take = std::min<int64_t>(dim, nc);
  for (int64_t c = 0; c < take; ++c) {
    const double ev = std::max(0.0, es.eigenvalues()[nc - 1 - c]);
    meta.col(c) = es.eigenvectors().col(nc - 1 - c) * std::sqrt(ev);
  }
  Eigen::MatrixXd signs = meta;
  fix_signs(signs);
  meta = signs;
  const double m = meta.cwiseAbs().maxCoeff();
  if (m > 0) meta /= m;
  return meta;
}

}  // namespace

RowMatrixXd spectral_layout(const Graph& g, const RowMatrixXd& X, int64_t dim, Rng& rng) {
  const std::vector<Component> comps = components(g);
  RowMatrixXd result(g.n, dim);
  if (comps.size() == 1) {
    Eigen::MatrixXd V;
    if (!laplacian_eigenvectors(g, dim, rng, V)) return RowMatrixXd();
    result = V;
    return result;
  }
  const Eigen::MatrixXd meta = meta_embedding(comps, X, dim);
  const int64_t nc = int64_t(comps.size());
  for (int64_t c = 0; c < nc; ++c) {
    double range = std::numeric_limits<double>::infinity();
    for (int64_t o = 0; o < nc; ++o) {
      const double d = (meta.row(o) - meta.row(c)).norm();
      if (d > 0) range = std::min(range, d);
    }
    range = std::isfinite(range) ? range / 2.0 : 1.0;
    const Component& comp = comps[c];
    const int64_t size = comp.g.n;
    Eigen::MatrixXd V;
    const bool ok =
        size >= 2 * dim && size > dim + 1 && laplacian_eigenvectors(comp.g, dim, rng, V);
    const double vmax = ok ? V.cwiseAbs().maxCoeff() : 0.0;
    for (int64_t i = 0; i < size; ++i) {
      for (int64_t k = 0; k < dim; ++k) {
        double x;
        if (ok) {
          x = vmax > 0 ? V(i, k) * range / vmax : 0.0;
        } else {
          x = -range + 2 * range * rng.uniform();
        }
        result(comp.members[i], k) = x + meta(c, k);
      }
    }
  }
  return result;
}

}  // namespace mutagen::umap_detail
