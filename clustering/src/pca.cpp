#include "mutagen/clustering/pca.h"

#include <torch/torch.h>

#include <algorithm>
#include <string>

#include "linalg.h"
#include "mutagen/error.h"

namespace mutagen {

Eigen::MatrixXd PcaModel::transform(const Eigen::MatrixXd& X) const {
  if (X.cols() != mean.size())
    throw Error("PCA transform: data has " + std::to_string(X.cols()) +
                " features; the model was fitted on " + std::to_string(mean.size()));
  const Eigen::MatrixXd centred = X.rowwise() - mean.transpose();
  return clustering_detail::matmul(centred, false, components, false);
}

PcaModel pca_fit(const Eigen::MatrixXd& X, const PcaOptions& o) {
  clustering_detail::check_finite(X, "PCA");
  const int64_t n = X.rows(), d = X.cols();
  if (n < 2) throw Error("PCA: " + std::to_string(n) + " sample(s); expected at least 2");
  const int64_t max_components = std::min(n, d);
  if (o.n_components() < 0 || o.n_components() > max_components)
    throw Error("PCA: n_components " + std::to_string(o.n_components()) +
                " out of range; expected 1.." + std::to_string(max_components) +
                " (or 0 to keep a variance fraction)");
  if (o.n_components() == 0 && !(o.variance() > 0.0 && o.variance() <= 1.0))
    throw Error("PCA: variance " + std::to_string(o.variance()) + " out of range; expected (0, 1]");

  PcaModel m;
  m.mean = X.colwise().mean().transpose();
  const Eigen::MatrixXd centred = X.rowwise() - m.mean.transpose();
  Eigen::MatrixXd cov = clustering_detail::matmul(centred, true, centred, false);
  cov /= static_cast<double>(n - 1);
  // LAPACK's syevd through libtorch; ascending.
  Eigen::VectorXd values(d);
  Eigen::MatrixXd vectors(d, d);
  try {
    torch::NoGradGuard no_grad;
    const torch::Tensor c = torch::from_blob(cov.data(), {d, d}, torch::kFloat64);
    auto [w, v] = torch::linalg_eigh(c);
    w = w.flip(0).contiguous();
    v = v.flip(1).t().contiguous();  // row j = eigenvector j
    values = Eigen::Map<const Eigen::VectorXd>(w.data_ptr<double>(), d);
    vectors = Eigen::Map<const Eigen::MatrixXd>(v.data_ptr<double>(), d, d);  // column j
  } catch (const c10::Error& e) {
    throw Error(std::string("PCA: eigen-decomposition failed: ") + e.what_without_backtrace());
  }
  values = values.cwiseMax(0.0);              // round-off negatives
  values.conservativeResize(max_components);  // at most min(n, d) non-trivial components
  m.total_variance = values.sum();

  int64_t keep = o.n_components();
  if (keep == 0) {
    if (m.total_variance <= 0.0) {
      keep = 1;
    } else {
      // sklearn: searchsorted(cumsum(ratio), variance, side="right") + 1
      double cum = 0.0;
      keep = max_components;
      for (int64_t i = 0; i < max_components; ++i) {
        cum += values(i) / m.total_variance;
        if (cum > o.variance()) {
          keep = i + 1;
          break;
        }
      }
    }
  }
  m.components = vectors.leftCols(keep);
  for (int64_t c = 0; c < keep; ++c) {
    Eigen::Index arg = 0;
    m.components.col(c).cwiseAbs().maxCoeff(&arg);
    if (m.components(arg, c) < 0.0) m.components.col(c) *= -1.0;
  }
  m.explained_variance = values.head(keep);
  m.explained_variance_ratio = m.total_variance > 0.0
                                   ? Eigen::VectorXd(m.explained_variance / m.total_variance)
                                   : Eigen::VectorXd::Zero(keep);
  return m;
}

Eigen::MatrixXd pca_fit_transform(const Eigen::MatrixXd& X, const PcaOptions& o, PcaModel* model) {
  PcaModel m = pca_fit(X, o);
  Eigen::MatrixXd out = m.transform(X);
  if (model) *model = std::move(m);
  return out;
}

}  // namespace mutagen
