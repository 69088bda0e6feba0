#pragma once
// Principal component analysis by eigen-decomposition of the covariance matrix (as sklearn's PCA,
// which uses an SVD of the centred data: same components and variances).
#include <torch/arg.h>

#include <Eigen/Dense>
#include <cstdint>

namespace mutagen {

struct PcaOptions {
  // Keep the fewest components whose cumulative explained-variance ratio exceeds this (sklearn's
  // PCA(n_components=0.95)); used when n_components is 0.
  TORCH_ARG(double, variance) = 0.95;
  // Keep exactly this many components (> 0; at most min(samples, features)).
  TORCH_ARG(int64_t, n_components) = 0;
};

struct PcaModel {
  Eigen::VectorXd mean;                // features
  Eigen::MatrixXd components;          // features x kept, unit columns, by decreasing variance
  Eigen::VectorXd explained_variance;  // kept; covariance eigenvalues (divisor n - 1)
  Eigen::VectorXd explained_variance_ratio;  // kept; eigenvalue / total variance
  double total_variance = 0;

  // (X - mean) * components: samples x kept.
  Eigen::MatrixXd transform(const Eigen::MatrixXd& X) const;
};

// Fits on the rows of X. Sign convention (deterministic): in every component the entry of largest
// absolute value is positive (the first such entry on ties). Data with zero variance keeps one
// component. Throws mutagen::Error for empty data, NaN/inf, fewer than 2 samples, or options out of
// range.
PcaModel pca_fit(const Eigen::MatrixXd& X, const PcaOptions& o = {});

// pca_fit(X, o).transform(X).
Eigen::MatrixXd pca_fit_transform(const Eigen::MatrixXd& X, const PcaOptions& o = {},
                                  PcaModel* model = nullptr);

}  // namespace mutagen
